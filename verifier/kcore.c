// SPDX-License-Identifier: GPL-2.0
/*
 * Physical memory of the running kernel through /proc/kcore: an ELF core
 * file whose PT_LOAD segments for RAM (and kernel text) carry their
 * physical address in p_paddr; other segments have p_paddr == -1.
 */
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "findings.h"
#include "ranges.h"
#include "source.h"

struct kcore_segment {
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t size;
	uint64_t offset;	/* in the file */
};

struct kcore {
	int fd;
	struct kcore_segment *segments;	/* sorted by paddr */
	size_t nr_segments;
};

static int compare_paddr(const void *a, const void *b)
{
	const struct kcore_segment *x = a, *y = b;

	return (x->paddr > y->paddr) - (x->paddr < y->paddr);
}

/* The segment holding pa, or NULL. Segments may overlap (text in RAM). */
static const struct kcore_segment *segment_of(const struct kcore *kcore,
					      uint64_t pa)
{
	size_t low = 0, high = kcore->nr_segments;

	while (low < high) {
		size_t mid = low + (high - low) / 2;

		if (kcore->segments[mid].paddr <= pa)
			low = mid + 1;
		else
			high = mid;
	}
	while (low--) {
		const struct kcore_segment *segment = &kcore->segments[low];

		if (pa - segment->paddr < segment->size)
			return segment;
	}
	return NULL;
}

static int kcore_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	const struct kcore *kcore = ctx;
	char *out = buf;

	while (len) {
		const struct kcore_segment *segment = segment_of(kcore, pa);
		size_t chunk;
		ssize_t got;

		if (!segment)
			return -EFAULT;
		chunk = segment->size - (pa - segment->paddr);
		if (chunk > len)
			chunk = len;
		got = pread(kcore->fd, out, chunk,
			    (off_t)(segment->offset + (pa - segment->paddr)));
		if (got != (ssize_t)chunk)
			return -EFAULT;
		out += chunk;
		pa += chunk;
		len -= chunk;
	}
	return 0;
}

int iolu_kcore_virt_to_phys(const struct iolu_source *source, uint64_t va,
			    uint64_t *pa, uint64_t *contiguous)
{
	const struct kcore *kcore = source->mem.ctx;

	if (source->mem.read != kcore_read)
		return -EOPNOTSUPP;
	/* Few segments (RAM ranges and the kernel image): a linear look. */
	for (size_t i = 0; i < kcore->nr_segments; i++) {
		const struct kcore_segment *segment = &kcore->segments[i];

		if (va - segment->vaddr < segment->size) {
			*pa = segment->paddr + (va - segment->vaddr);
			*contiguous = segment->size - (va - segment->vaddr);
			return 0;
		}
	}
	return -EFAULT;
}

static void kcore_release(void *ctx)
{
	struct kcore *kcore = ctx;

	if (!kcore)
		return;
	if (kcore->fd >= 0)
		close(kcore->fd);
	free(kcore->segments);
	free(kcore);
}

static int add_segment(struct kcore *kcore, const GElf_Phdr *phdr,
		       struct iolu_source *source, size_t *ram_capacity)
{
	struct kcore_segment *grown;

	grown = realloc(kcore->segments,
			(kcore->nr_segments + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	kcore->segments = grown;
	grown[kcore->nr_segments++] = (struct kcore_segment){
		.vaddr = phdr->p_vaddr, .paddr = phdr->p_paddr,
		.size = phdr->p_filesz,
		.offset = phdr->p_offset,
	};
	return iolu_ranges_append(&source->ram, ram_capacity, phdr->p_paddr,
				  phdr->p_memsz);
}

static int read_segments(Elf *elf, struct kcore *kcore,
			 struct iolu_source *source, const char *path,
			 struct iolu_err *err)
{
	size_t nr_phdrs, ram_capacity = 0;
	GElf_Phdr phdr;
	int ret;

	/* libelf sets no error for a file that is simply not ELF. */
	if (elf_kind(elf) != ELF_K_ELF)
		return iolu_fail(err, -EINVAL, 0, "%s: not an ELF file", path);
	if (elf_getphdrnum(elf, &nr_phdrs))
		return iolu_fail(err, -EINVAL, 0, "%s: not an ELF core file: %s",
				 path, elf_errmsg(-1));
	for (size_t i = 0; i < nr_phdrs; i++) {
		if (!gelf_getphdr(elf, (int)i, &phdr))
			return iolu_fail(err, -EINVAL, 0,
					 "%s: program header %zu: %s", path, i,
					 elf_errmsg(-1));
		if (phdr.p_type != PT_LOAD || phdr.p_paddr == (GElf_Addr)-1 ||
		    !phdr.p_filesz)
			continue;
		ret = add_segment(kcore, &phdr, source, &ram_capacity);
		if (ret)
			return ret;
	}
	if (!kcore->nr_segments)
		return iolu_fail(err, -EINVAL, 0,
				 "%s: no segment with a physical address", path);
	qsort(kcore->segments, kcore->nr_segments, sizeof(*kcore->segments),
	      compare_paddr);
	iolu_debug("%s: %zu segment%s with a physical address", path,
		   kcore->nr_segments, kcore->nr_segments == 1 ? "" : "s");
	iolu_ranges_normalize(&source->ram);
	return 0;
}

int iolu_kcore_open(const char *path, struct iolu_source *source,
		    struct iolu_err *err)
{
	struct kcore *kcore;
	struct stat st;
	Elf *elf;
	int ret;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return iolu_fail(err, -EINVAL, 0, "libelf: %s", elf_errmsg(-1));
	kcore = calloc(1, sizeof(*kcore));
	if (!kcore)
		return -ENOMEM;
	kcore->fd = iolu_open_input(path, &st, err);
	if (kcore->fd < 0) {
		ret = kcore->fd;
		kcore_release(kcore);
		if (ret == -EACCES || ret == -EPERM)
			iolu_fail(err, ret, 0,
				  "%s: %s (reading physical memory needs root)",
				  path, strerror(-ret));
		return ret;
	}
	elf = elf_begin(kcore->fd, ELF_C_READ, NULL);
	if (!elf) {
		kcore_release(kcore);
		return iolu_fail(err, -EINVAL, 0, "%s: %s", path,
				 elf_errmsg(-1));
	}
	ret = read_segments(elf, kcore, source, path, err);
	elf_end(elf);
	if (ret) {
		kcore_release(kcore);
		return ret;
	}
	source->mem = (struct iolu_mem){ .read = kcore_read, .ctx = kcore };
	source->release = kcore_release;
	return 0;
}
