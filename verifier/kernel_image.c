// SPDX-License-Identifier: GPL-2.0
/*
 * Which live update formats will the next kernel accept? Each format's
 * restore code in the series records its compatible string in an ELF note
 * of the kernel image ("LiveUpdate", type 1; include/linux/kho/abi/
 * accepts.h). This reads those notes from a vmlinux, or from the ELF a
 * bzImage carries compressed (the x86 boot protocol's payload), and
 * compares them with the formats a preserved state hands over.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libfdt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decompress.h"
#include "findings.h"

/* The x86 boot protocol's setup header (Documentation/arch/x86/boot.rst). */
#define BOOT_SETUP_SECTS	0x1f1
#define BOOT_FLAG		0x1fe
#define BOOT_HEADER_MAGIC	0x202	/* "HdrS" */
#define BOOT_VERSION		0x206
#define BOOT_PAYLOAD_OFFSET	0x248	/* from the protected-mode code */
#define BOOT_PAYLOAD_LENGTH	0x24c
#define BOOT_HEADER_END		0x250
/* payload_offset and payload_length came with protocol 2.08. */
#define BOOT_VERSION_PAYLOAD	0x0208

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void formats_init(struct iolu_kernel_formats *formats)
{
	memset(formats, 0, sizeof(*formats));
}

void iolu_kernel_formats_free(struct iolu_kernel_formats *formats)
{
	size_t i;

	for (i = 0; i < formats->nr; i++)
		free(formats->compatible[i]);
	free(formats->compatible);
	formats_init(formats);
}

bool iolu_kernel_formats_accepts(const struct iolu_kernel_formats *formats,
				 const char *compatible)
{
	size_t i;

	for (i = 0; i < formats->nr; i++)
		if (!strcmp(formats->compatible[i], compatible))
			return true;
	return false;
}

/* A compatible string: printable ASCII, as every format's is. */
static bool compatible_valid(const char *s, size_t len)
{
	size_t i;

	if (!len || len > IOLU_COMPATIBLE_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

static int add_format(struct iolu_kernel_formats *formats, const char *s, size_t len,
		      struct iolu_err *err)
{
	char **grown;

	if (!compatible_valid(s, len))
		return iolu_fail(err, -EINVAL, 0,
				 "a " IOLU_NOTE_NAME " note holds a string that is no compatible string");
	for (size_t i = 0; i < formats->nr; i++)
		if (strlen(formats->compatible[i]) == len && !memcmp(formats->compatible[i], s, len))
			return 0;
	if (formats->nr == IOLU_MAX_KERNEL_FORMATS)
		return iolu_fail(err, -E2BIG, 0, "more than %u " IOLU_NOTE_NAME " formats",
				 IOLU_MAX_KERNEL_FORMATS);
	grown = realloc(formats->compatible, (formats->nr + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	formats->compatible = grown;
	grown[formats->nr] = strndup(s, len);
	if (!grown[formats->nr])
		return -ENOMEM;
	formats->nr++;
	return 0;
}

/* A descriptor lists NUL-separated strings; the note pads it with NULs. */
static int add_descriptor(struct iolu_kernel_formats *formats, const char *desc,
			  size_t len, struct iolu_err *err)
{
	size_t start = 0, end;
	int rc;

	while (start < len) {
		end = start;
		while (end < len && desc[end])
			end++;
		if (end == len)
			return iolu_fail(err, -EINVAL, 0,
					 "a " IOLU_NOTE_NAME " note's string is not NUL terminated");
		if (end > start) {
			rc = add_format(formats, desc + start, end - start, err);
			if (rc)
				return rc;
		}
		start = end + 1;
	}
	return 0;
}

static int read_notes(Elf_Data *data, struct iolu_kernel_formats *formats,
		      struct iolu_err *err)
{
	static const char name[] = IOLU_NOTE_NAME;
	size_t offset = 0, next, name_off, desc_off;
	GElf_Nhdr note;
	int rc;

	/* gelf_getnote() moves forward or returns 0: the walk ends. */
	while ((next = gelf_getnote(data, offset, &note, &name_off, &desc_off)) > offset) {
		offset = next;
		if (note.n_type != IOLU_NOTE_ACCEPTS || note.n_namesz != sizeof(name) ||
		    memcmp((char *)data->d_buf + name_off, name, sizeof(name)))
			continue;
		formats->has_notes = true;
		rc = add_descriptor(formats, (char *)data->d_buf + desc_off, note.n_descsz, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* The notes of the sections, or of the segments when there are none. */
static int elf_formats(Elf *elf, size_t len, struct iolu_kernel_formats *formats,
		       struct iolu_err *err)
{
	Elf_Scn *scn = NULL;
	Elf_Data *data;
	GElf_Shdr shdr;
	GElf_Phdr phdr;
	size_t nr, i;
	bool sections = false;
	int rc;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE)
			continue;
		sections = true;
		data = elf_getdata(scn, NULL);
		rc = data ? read_notes(data, formats, err) : 0;
		if (rc)
			return rc;
	}
	if (sections || elf_getphdrnum(elf, &nr))
		return 0;
	for (i = 0; i < nr; i++) {
		if (!gelf_getphdr(elf, (int)i, &phdr) || phdr.p_type != PT_NOTE)
			continue;
		if (phdr.p_offset > len || phdr.p_filesz > len - phdr.p_offset)
			return iolu_fail(err, -EINVAL, phdr.p_offset,
					 "a note segment lies outside the ELF file");
		data = elf_getdata_rawchunk(elf, (int64_t)phdr.p_offset, phdr.p_filesz, ELF_T_NHDR);
		if (!data)
			continue;
		rc = read_notes(data, formats, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* payload: the ELF came out of a bzImage, whose messages say so. */
static int vmlinux_formats(void *image, size_t len, bool payload,
			   struct iolu_kernel_formats *formats, struct iolu_err *err)
{
	GElf_Ehdr ehdr;
	Elf *elf;
	int rc;

	elf_version(EV_CURRENT);
	elf = elf_memory(image, len);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &ehdr)) {
		rc = payload ? iolu_fail(err, -EINVAL, 0, "the bzImage's payload is not an ELF file") :
			       iolu_fail(err, -EINVAL, 0, "not an ELF file: %s", elf_errmsg(-1));
		goto out;
	}
	if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) {
		rc = iolu_fail(err, -EINVAL, 0, "%s but no kernel: not an executable",
			       payload ? "the bzImage's payload is an ELF file" : "an ELF file");
		goto out;
	}
	rc = elf_formats(elf, len, formats, err);
out:
	elf_end(elf);
	return rc;
}

/* Where the payload is, checked against the file's length. */
static int bzimage_payload(const unsigned char *image, size_t len, size_t *offset,
			   size_t *payload_len, struct iolu_err *err)
{
	unsigned int setup_sects;
	uint16_t version;
	size_t start;

	if (len < BOOT_HEADER_END)
		return iolu_fail(err, -EINVAL, len, "a bzImage, truncated inside its setup header");
	version = le16(image + BOOT_VERSION);
	if (version < BOOT_VERSION_PAYLOAD)
		return iolu_fail(err, -EINVAL, BOOT_VERSION,
				 "boot protocol %u.%02u has no payload fields (2.08 or later needed)",
				 version >> 8, version & 0xff);
	setup_sects = image[BOOT_SETUP_SECTS] ? image[BOOT_SETUP_SECTS] : 4;
	start = (size_t)(setup_sects + 1) * 512;
	*offset = start + le32(image + BOOT_PAYLOAD_OFFSET);
	*payload_len = le32(image + BOOT_PAYLOAD_LENGTH);
	if (*offset > len || *payload_len > len - *offset)
		return iolu_fail(err, -EINVAL, *offset,
				 "a bzImage whose payload (%zu bytes at offset %zu) runs past its end (%zu bytes): truncated",
				 *payload_len, *offset, len);
	if (!*payload_len)
		return iolu_fail(err, -EINVAL, *offset, "a bzImage with an empty payload");
	return 0;
}

static int bzimage_formats(const unsigned char *image, size_t len,
			   struct iolu_kernel_formats *formats, struct iolu_err *err)
{
	const struct iolu_codec *codec;
	size_t offset = 0, payload_len = 0, elf_len;
	const char *codec_name;
	void *elf_image;
	int rc;

	rc = bzimage_payload(image, len, &offset, &payload_len, err);
	if (rc)
		return rc;
	codec = iolu_codec_find(image + offset, payload_len, &codec_name);
	if (!codec)
		return iolu_fail(err, -EINVAL, offset, "a bzImage whose payload is %s%s",
				 strcmp(codec_name, "unknown") ? codec_name : "of an unknown compression",
				 strcmp(codec_name, "unknown") ? " compressed, which iolu cannot read" : "");
	snprintf(formats->container, sizeof(formats->container), "bzImage, %s payload", codec_name);
	rc = iolu_decompress(codec, image + offset, payload_len, IOLU_KERNEL_IMAGE_MAX,
			     &elf_image, &elf_len, err);
	if (rc)
		return rc;
	rc = vmlinux_formats(elf_image, elf_len, true, formats, err);
	free(elf_image);
	return rc;
}

int iolu_kernel_image_formats_buffer(void *data, size_t len,
				     struct iolu_kernel_formats *formats, struct iolu_err *err)
{
	const unsigned char *image = data;
	int rc;

	formats_init(formats);
	if (len >= 4 && !memcmp(image, ELFMAG, SELFMAG)) {
		snprintf(formats->container, sizeof(formats->container), "vmlinux");
		rc = vmlinux_formats(data, len, false, formats, err);
	} else if (len >= BOOT_HEADER_MAGIC + 4 && !memcmp(image + BOOT_HEADER_MAGIC, "HdrS", 4) &&
		   le16(image + BOOT_FLAG) == 0xaa55) {
		rc = bzimage_formats(image, len, formats, err);
	} else {
		rc = iolu_fail(err, -EINVAL, 0,
			       "not a kernel image: neither an ELF file (vmlinux) nor an x86 bzImage");
	}
	if (rc)
		iolu_kernel_formats_free(formats);
	return rc;
}

static int read_image(const char *path, void **data, size_t *len, struct iolu_err *err)
{
	struct stat st;
	ssize_t got;
	size_t done = 0;
	int fd, rc = 0;

	/* Non-blocking: a FIFO must not hang the check before it is refused. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return iolu_fail(err, -errno, 0, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		rc = iolu_fail(err, -errno, 0, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = iolu_fail(err, -EINVAL, 0, "%s: %s, not a regular file", path,
			       iolu_file_type_name(st.st_mode));
		goto out;
	}
	if ((uint64_t)st.st_size > IOLU_KERNEL_IMAGE_MAX) {
		rc = iolu_fail(err, -EFBIG, 0, "%s: %lld bytes, more than a kernel image's %u MiB",
			       path, (long long)st.st_size, IOLU_KERNEL_IMAGE_MAX >> 20);
		goto out;
	}
	*data = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*data) {
		rc = -ENOMEM;
		goto out;
	}
	while (done < (size_t)st.st_size) {
		got = read(fd, (char *)*data + done, (size_t)st.st_size - done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		done += (size_t)got;
	}
	*len = done;
out:
	close(fd);
	return rc;
}

int iolu_kernel_image_formats(const char *path, struct iolu_kernel_formats *formats,
			      struct iolu_err *err)
{
	void *data = NULL;
	size_t len = 0;
	int rc;

	formats_init(formats);
	rc = read_image(path, &data, &len, err);
	if (!rc)
		rc = iolu_kernel_image_formats_buffer(data, len, formats, err);
	/* The library's messages start with the file, as everywhere. */
	if (rc && data && err) {
		char msg[2 * sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s: %s", path, err->msg);
		memcpy(err->msg, msg, sizeof(err->msg) - 1);
		err->msg[sizeof(err->msg) - 1] = '\0';
	}
	free(data);
	return rc;
}

/* The root "compatible" of the KHO FDT the state was handed over with. */
static void kho_compatible(const struct iolu_source *source, char *out, size_t len)
{
	const void *fdt = NULL;
	const char *value;
	size_t fdt_len = 0;
	int value_len;

	snprintf(out, len, "%s", IOLU_KHO_COMPATIBLE);
	fdt = iolu_source_kho_fdt(source, &fdt_len);
	if (!fdt || fdt_len < sizeof(struct fdt_header) || fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > fdt_len)
		return;
	value = fdt_getprop(fdt, 0, "compatible", &value_len);
	if (value && value_len > 1 && compatible_valid(value, strnlen(value, (size_t)value_len)))
		snprintf(out, len, "%.*s", (int)strnlen(value, (size_t)value_len), value);
}

size_t iolu_state_formats(const struct iolu_source *source, const struct iolu_state *state,
			  struct iolu_state_format *formats)
{
	bool domains = false, devices = false;
	size_t nr = 0, i;

	for (i = 0; i < state->nr_domains; i++)
		domains |= iolu_object_live(&state->domains[i].object);
	for (i = 0; i < state->nr_devices; i++)
		devices |= iolu_object_live(&state->devices[i].object);
	formats[nr].what = "KHO";
	kho_compatible(source, formats[nr++].compatible, IOLU_COMPATIBLE_MAX + 1);
	/* The IOMMU state travels as global data of LUO's files (an FLB). */
	formats[nr].what = "LUO";
	snprintf(formats[nr++].compatible, IOLU_COMPATIBLE_MAX + 1, "%s", IOLU_LUO_COMPATIBLE);
	formats[nr].what = "the IOMMU state";
	snprintf(formats[nr++].compatible, IOLU_COMPATIBLE_MAX + 1, "%s",
		 compatible_valid(state->compatible, strlen(state->compatible)) ?
		 state->compatible : IOLU_COMPATIBLE);
	/* A preserved domain is an iommufd HW pagetable mapping preserved memfds. */
	if (domains) {
		formats[nr].what = "iommufd";
		snprintf(formats[nr++].compatible, IOLU_COMPATIBLE_MAX + 1, "%s",
			 IOLU_IOMMUFD_COMPATIBLE);
		formats[nr].what = "memfd";
		snprintf(formats[nr++].compatible, IOLU_COMPATIBLE_MAX + 1, "%s",
			 IOLU_MEMFD_COMPATIBLE);
	}
	/* A preserved device is a vfio-pci device file. */
	if (devices) {
		formats[nr].what = "vfio-pci";
		snprintf(formats[nr++].compatible, IOLU_COMPATIBLE_MAX + 1, "%s",
			 IOLU_VFIO_PCI_COMPATIBLE);
	}
	return nr;
}

int iolu_check_next_kernel(const struct iolu_source *source, const struct iolu_state *state,
			   const struct iolu_kernel_formats *next, const char *image,
			   struct iolu_findings *findings)
{
	struct iolu_state_format needed[IOLU_MAX_STATE_FORMATS];
	size_t nr = iolu_state_formats(source, state, needed), i;
	int rc = 0;

	for (i = 0; i < nr && !rc; i++) {
		if (iolu_kernel_formats_accepts(next, needed[i].compatible))
			continue;
		rc = iolu_report(findings, "next-kernel-rejects", IOLU_OBJ_STATE, 0,
				 state->header_pa, "%s: the next kernel does not accept %s \"%s\"%s",
				 image, needed[i].what, needed[i].compatible,
				 next->has_notes ? "" : " (the image lists no live update format)");
	}
	return rc;
}
