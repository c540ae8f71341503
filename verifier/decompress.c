// SPDX-License-Identifier: GPL-2.0
/*
 * Decompressing a bzImage's payload with the libraries Debian ships:
 * zlib (gzip), liblzma (xz, lzma), libzstd and libbz2. Every codec fills
 * a growing buffer chunk by chunk and stops at the end of the first
 * stream or at the caller's limit, whichever comes first.
 */
#include <bzlib.h>
#include <errno.h>
#include <limits.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "decompress.h"
#include "findings.h"

/* The buffer a codec writes into: grows by doubling, never beyond max. */
struct outbuf {
	unsigned char *data;
	size_t len;
	size_t capacity;
	size_t max;
};

/* Room for more output; -EFBIG once max bytes are out and more would come. */
static int outbuf_grow(struct outbuf *out)
{
	size_t capacity = out->capacity ? out->capacity * 2 : 1 << 20;
	unsigned char *data;

	if (out->capacity >= out->max)
		return -EFBIG;
	if (capacity > out->max)
		capacity = out->max;
	data = realloc(out->data, capacity);
	if (!data)
		return -ENOMEM;
	out->data = data;
	out->capacity = capacity;
	return 0;
}

/* Bounded by the input: a stream that stops short never spins. */
#define CHUNK_IN	(1u << 20)
/*
 * What a decoder may allocate besides the output: the dictionary or window
 * a stream's header asks for. The kernel build's xz asks for a 128 MiB
 * dictionary (129 MiB in all), its zstd a window of at most 2^27 bytes.
 */
#define DECODER_MEMLIMIT	(256u << 20)
#define ZSTD_WINDOW_LOG_MAX	27

static int gzip_run(const void *data, size_t len, struct outbuf *out)
{
	z_stream zs = { .next_in = (Bytef *)data };
	size_t fed = 0;
	int ret, rc = 0;

	/* 16 + window bits: the gzip wrapper, as the kernel build writes it. */
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	do {
		if (!zs.avail_in && fed < len) {
			zs.avail_in = len - fed > CHUNK_IN ? CHUNK_IN : (uInt)(len - fed);
			fed += zs.avail_in;
		}
		if (out->len == out->capacity) {
			rc = outbuf_grow(out);
			if (rc)
				break;
		}
		zs.next_out = out->data + out->len;
		zs.avail_out = (uInt)(out->capacity - out->len > UINT_MAX ?
				      UINT_MAX : out->capacity - out->len);
		ret = inflate(&zs, Z_NO_FLUSH);
		out->len = (size_t)(zs.next_out - out->data);
		if (ret == Z_STREAM_END)
			break;
		if (ret == Z_BUF_ERROR && !zs.avail_in && fed == len)
			rc = -EINVAL;	/* the input ended inside the stream */
		else if (ret != Z_OK && ret != Z_BUF_ERROR)
			rc = ret == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	} while (!rc);
	inflateEnd(&zs);
	return rc;
}

static int lzma_run(lzma_stream *xs, const void *data, size_t len, struct outbuf *out)
{
	lzma_ret ret;
	int rc = 0;

	xs->next_in = data;
	xs->avail_in = len;
	for (;;) {
		if (out->len == out->capacity) {
			rc = outbuf_grow(out);
			if (rc)
				break;
		}
		xs->next_out = out->data + out->len;
		xs->avail_out = out->capacity - out->len;
		ret = lzma_code(xs, xs->avail_in ? LZMA_RUN : LZMA_FINISH);
		out->len = (size_t)(xs->next_out - out->data);
		if (ret == LZMA_STREAM_END)
			break;
		if (ret == LZMA_MEM_ERROR) {
			rc = -ENOMEM;
			break;
		}
		if (ret == LZMA_MEMLIMIT_ERROR) {
			rc = -E2BIG;
			break;
		}
		/* LZMA_BUF_ERROR: no progress possible, the input ended early. */
		if (ret != LZMA_OK) {
			rc = -EINVAL;
			break;
		}
	}
	lzma_end(xs);
	return rc;
}

static int xz_run(const void *data, size_t len, struct outbuf *out)
{
	lzma_stream xs = LZMA_STREAM_INIT;

	/* One stream: the kernel build appends the image size after it. */
	if (lzma_stream_decoder(&xs, DECODER_MEMLIMIT, 0) != LZMA_OK)
		return -ENOMEM;
	return lzma_run(&xs, data, len, out);
}

static int lzma_alone_run(const void *data, size_t len, struct outbuf *out)
{
	lzma_stream xs = LZMA_STREAM_INIT;

	if (lzma_alone_decoder(&xs, DECODER_MEMLIMIT) != LZMA_OK)
		return -ENOMEM;
	return lzma_run(&xs, data, len, out);
}

static int zstd_run(const void *data, size_t len, struct outbuf *out)
{
	ZSTD_inBuffer in = { .src = data, .size = len };
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	ZSTD_outBuffer window;
	size_t left = 1;
	int rc = 0;

	if (!dctx)
		return -ENOMEM;
	ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
	while (left) {
		if (out->len == out->capacity) {
			rc = outbuf_grow(out);
			if (rc)
				break;
		}
		window = (ZSTD_outBuffer){ out->data, out->capacity, out->len };
		left = ZSTD_decompressStream(dctx, &window, &in);
		out->len = window.pos;
		if (ZSTD_isError(left)) {
			switch (ZSTD_getErrorCode(left)) {
			case ZSTD_error_memory_allocation:
				rc = -ENOMEM;
				break;
			case ZSTD_error_frameParameter_windowTooLarge:
				rc = -E2BIG;
				break;
			default:
				rc = -EINVAL;
			}
			break;
		}
		/* All input taken, the output not full, yet the frame goes on. */
		if (left && in.pos == in.size && window.pos < window.size) {
			rc = -EINVAL;
			break;
		}
	}
	ZSTD_freeDCtx(dctx);
	return rc;
}

static int bzip2_run(const void *data, size_t len, struct outbuf *out)
{
	bz_stream bs = { .next_in = (char *)data };
	size_t fed = 0;
	int ret, rc = 0;

	if (BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK)
		return -ENOMEM;
	do {
		if (!bs.avail_in && fed < len) {
			bs.avail_in = len - fed > CHUNK_IN ? CHUNK_IN : (unsigned int)(len - fed);
			fed += bs.avail_in;
		}
		if (out->len == out->capacity) {
			rc = outbuf_grow(out);
			if (rc)
				break;
		}
		bs.next_out = (char *)out->data + out->len;
		bs.avail_out = (unsigned int)(out->capacity - out->len > UINT_MAX ?
					      UINT_MAX : out->capacity - out->len);
		ret = BZ2_bzDecompress(&bs);
		out->len = (size_t)((unsigned char *)bs.next_out - out->data);
		if (ret == BZ_STREAM_END)
			break;
		if (ret != BZ_OK)
			rc = ret == BZ_MEM_ERROR ? -ENOMEM : -EINVAL;
		else if (!bs.avail_in && fed == len && bs.avail_out)
			rc = -EINVAL;	/* the input ended inside the stream */
	} while (!rc);
	BZ2_bzDecompressEnd(&bs);
	return rc;
}

struct iolu_codec {
	const char *name;
	const unsigned char *magic;
	size_t magic_len;
	int (*run)(const void *data, size_t len, struct outbuf *out);
};

/* The magics of arch/x86/boot/compressed's payloads, as file(1) knows them. */
static const struct iolu_codec codecs[] = {
	{ "gzip", (const unsigned char *)"\x1f\x8b", 2, gzip_run },
	{ "xz", (const unsigned char *)"\xfd" "7zXZ\0", 6, xz_run },
	{ "zstd", (const unsigned char *)"\x28\xb5\x2f\xfd", 4, zstd_run },
	{ "bzip2", (const unsigned char *)"BZh", 3, bzip2_run },
	{ "lzma", (const unsigned char *)"\x5d\0\0", 3, lzma_alone_run },
	{ "lzo", (const unsigned char *)"\x89LZO", 4, NULL },
	{ "lz4", (const unsigned char *)"\x02\x21\x4c\x18", 4, NULL },
};

const struct iolu_codec *iolu_codec_find(const void *data, size_t len, const char **name)
{
	size_t i;

	*name = "unknown";
	for (i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		if (len < codecs[i].magic_len || memcmp(data, codecs[i].magic, codecs[i].magic_len))
			continue;
		*name = codecs[i].name;
		return codecs[i].run ? &codecs[i] : NULL;
	}
	return NULL;
}

int iolu_decompress(const struct iolu_codec *codec, const void *data, size_t len,
		    size_t max, void **out, size_t *out_len, struct iolu_err *err)
{
	struct outbuf buf = { .max = max };
	int rc;

	rc = codec->run(data, len, &buf);
	if (rc) {
		free(buf.data);
		if (rc == -EFBIG)
			return iolu_fail(err, rc, buf.len, "%s payload: decompresses to more than %zu MiB",
					 codec->name, max >> 20);
		if (rc == -ENOMEM)
			return iolu_fail(err, rc, 0, "%s payload: out of memory", codec->name);
		if (rc == -E2BIG)
			return iolu_fail(err, rc, 0, "%s payload: its decoder would need more than %u MiB",
					 codec->name, DECODER_MEMLIMIT >> 20);
		return iolu_fail(err, rc, buf.len, "%s payload: corrupt or truncated after %zu bytes of output",
				 codec->name, buf.len);
	}
	*out = buf.data;
	*out_len = buf.len;
	return 0;
}
