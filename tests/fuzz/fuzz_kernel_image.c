// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: arbitrary bytes as the next kernel's image (check
 * --next-kernel). The first byte picks how the rest is read: as the image
 * itself (an ELF, a bzImage or neither), or as the compressed payload of
 * a bzImage whose setup header is built here, so that mutations reach the
 * decompressors and the notes of the ELF inside without first having to
 * forge a header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iolu_verifier.h"

/* A setup header of boot protocol 2.15 with one setup sector. */
#define SETUP_BYTES	1024

static uint8_t *wrap_bzimage(const uint8_t *payload, size_t len, size_t *image_len)
{
	uint8_t *image = calloc(1, SETUP_BYTES + len);
	uint32_t length = (uint32_t)len;

	if (!image)
		return NULL;
	image[0x1f1] = 1;
	image[0x1fe] = 0x55;
	image[0x1ff] = 0xaa;
	memcpy(image + 0x202, "HdrS", 4);
	image[0x206] = 0x0f;
	image[0x207] = 0x02;
	/* payload_offset 0: the payload starts the protected-mode code. */
	memcpy(image + 0x24c, &length, 4);
	memcpy(image + SETUP_BYTES, payload, len);
	*image_len = SETUP_BYTES + len;
	return image;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iolu_kernel_formats formats;
	struct iolu_err err = { 0 };
	uint8_t *image;
	size_t len;

	if (!size)
		return 0;
	if (data[0] & 1) {
		image = wrap_bzimage(data + 1, size - 1, &len);
	} else {
		len = size - 1;
		image = malloc(len ? len : 1);
		if (image)
			memcpy(image, data + 1, len);
	}
	if (!image)
		return 0;
	if (!iolu_kernel_image_formats_buffer(image, len, &formats, &err)) {
		for (size_t i = 0; i < formats.nr; i++)
			iolu_kernel_formats_accepts(&formats, formats.compatible[i]);
		iolu_kernel_formats_free(&formats);
	}
	free(image);
	return 0;
}
