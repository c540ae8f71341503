// SPDX-License-Identifier: GPL-2.0
/*
 * Who produced the state: uname, and the GNU build ID the kernel exports
 * in /sys/kernel/notes (a sequence of ELF notes, not an ELF file, so
 * libelf has no entry point for it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <elf.h>

#include "findings.h"
#include "source.h"

#define NOTES_MAX	4096

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void hex_encode(const uint8_t *bytes, size_t nr, char *out,
		       size_t out_size)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < nr && 2 * i + 2 < out_size; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * i] = '\0';
}

/* Find the NT_GNU_BUILD_ID note, every length checked against the buffer. */
static void find_build_id(const uint8_t *notes, size_t len, char *out,
			  size_t out_size)
{
	size_t at = 0;

	while (len - at >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr note;
		size_t name_at, desc_at;

		memcpy(&note, notes + at, sizeof(note));
		name_at = at + sizeof(note);
		if (note.n_namesz > len - name_at)
			return;
		desc_at = name_at + align4(note.n_namesz);
		if (desc_at > len || note.n_descsz > len - desc_at)
			return;
		if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 &&
		    !memcmp(notes + name_at, "GNU", 4)) {
			hex_encode(notes + desc_at, note.n_descsz, out, out_size);
			return;
		}
		at = desc_at + align4(note.n_descsz);
		if (at > len)
			return;
	}
}

int iolu_identity_read(const char *notes_path, struct iolu_identity *identity,
		       struct iolu_err *err)
{
	uint8_t notes[NOTES_MAX];
	struct utsname uts;
	struct stat st;
	ssize_t got;
	int fd;

	memset(identity, 0, sizeof(*identity));
	if (!uname(&uts)) {
		snprintf(identity->release, sizeof(identity->release), "%s",
			 uts.release);
		snprintf(identity->version, sizeof(identity->version), "%s",
			 uts.version);
	}
	identity->timestamp = (int64_t)time(NULL);
	/* The build ID is a nicety: without it the identity stays valid. */
	fd = iolu_open_input(notes_path, &st, err);
	if (fd == -ENOENT) {
		iolu_debug("%s: absent, no build ID", notes_path);
		return 0;
	}
	if (fd < 0)
		return fd;
	got = read(fd, notes, sizeof(notes));
	close(fd);
	if (got > 0)
		find_build_id(notes, (size_t)got, identity->build_id,
			      sizeof(identity->build_id));
	return 0;
}
