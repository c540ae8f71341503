/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The compressions a kernel image's payload comes in, recognised by their
 * magic and decompressed into memory up to a limit.
 */
#ifndef IOLU_DECOMPRESS_H
#define IOLU_DECOMPRESS_H

#include <stddef.h>

#include "iolu_verifier.h"

/* The codec whose magic starts data, or NULL; *name names it either way. */
struct iolu_codec;
const struct iolu_codec *iolu_codec_find(const void *data, size_t len, const char **name);

/*
 * Decompress the first stream of data (bytes after it, such as the size
 * the kernel build appends, are ignored). The output, malloc'ed, is never
 * longer than max: a longer one is -EFBIG. Returns 0, -EINVAL for a corrupt
 * or truncated stream, -EFBIG, -ENOMEM; err names which.
 */
int iolu_decompress(const struct iolu_codec *codec, const void *data, size_t len,
		    size_t max, void **out, size_t *out_len, struct iolu_err *err);

#endif
