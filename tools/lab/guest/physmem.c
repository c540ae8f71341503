// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kcore is an ELF core file of the running kernel: each PT_LOAD
 * segment that maps RAM through the direct map gives its physical address
 * in p_paddr (others give -1), so a physical range is read at p_offset
 * plus its distance from p_paddr.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "physmem.h"

static int find_segment(int fd, uint64_t pa, size_t len, uint64_t *offset)
{
	Elf64_Ehdr ehdr;
	Elf64_Phdr phdr;

	if (pread(fd, &ehdr, sizeof(ehdr), 0) != sizeof(ehdr))
		return -EIO;
	if (ehdr.e_phentsize != sizeof(phdr))
		return -EINVAL;
	for (unsigned int i = 0; i < ehdr.e_phnum; i++) {
		if (pread(fd, &phdr, sizeof(phdr), ehdr.e_phoff + i * sizeof(phdr)) !=
		    sizeof(phdr))
			return -EIO;
		if (phdr.p_type != PT_LOAD || phdr.p_paddr == (Elf64_Addr)-1 ||
		    pa < phdr.p_paddr || pa - phdr.p_paddr > phdr.p_memsz ||
		    len > phdr.p_memsz - (pa - phdr.p_paddr))
			continue;
		*offset = phdr.p_offset + (pa - phdr.p_paddr);
		return 0;
	}
	return -ENOENT;
}

int physmem_read(uint64_t pa, void *buf, size_t len)
{
	int fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
	uint64_t offset;
	int err;

	if (fd < 0)
		return -errno;
	err = find_segment(fd, pa, len, &offset);
	if (!err && pread(fd, buf, len, offset) != (ssize_t)len)
		err = -EIO;
	close(fd);
	return err;
}

/* A pagemap entry: bit 63 says a page is present, bits 0-54 are its frame. */
#define PAGEMAP_PRESENT		(1ULL << 63)
#define PAGEMAP_PFN_MASK	((1ULL << 55) - 1)

int physmem_pa_of(const void *addr, uint64_t *pa)
{
	uint64_t page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t va = (uintptr_t)addr, entry;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (pread(fd, &entry, sizeof(entry), va / page_size * sizeof(entry)) != sizeof(entry))
		err = -EIO;
	close(fd);
	if (err)
		return err;
	if (!(entry & PAGEMAP_PRESENT))
		return -ENOENT;
	/* Without CAP_SYS_ADMIN the kernel reports frame 0 for every page. */
	if (!(entry & PAGEMAP_PFN_MASK))
		return -EPERM;
	*pa = (entry & PAGEMAP_PFN_MASK) * page_size + va % page_size;
	return 0;
}
