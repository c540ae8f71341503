/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The serialized layout of include/linux/kho/abi/iommu.h and block.h, as
 * userspace reads it from physical memory. Fields are little-endian; the
 * BTF test (tests/verifier/test_btf.c) checks every size and offset here
 * against the lab kernel's vmlinux. iolu_verifier.h repeats the fields
 * decoded (host order, unpacked) for callers; this header stays private.
 */
#ifndef IOLU_ABI_H
#define IOLU_ABI_H

#include <endian.h>
#include <stdint.h>

#define IOLU_ABI_PAGE_SIZE		4096u
#define IOLU_ABI_COMPATIBLE_LEN		16

struct iolu_abi_state {
	char compatible[IOLU_ABI_COMPATIBLE_LEN];
	uint64_t units_pa;
	uint64_t domains_pa;
	uint64_t devices_pa;
	uint64_t nr_units;
	uint64_t nr_domains;
	uint64_t nr_devices;
	uint64_t reserved[2];
} __attribute__((packed));

struct iolu_abi_object {
	uint64_t index;
	uint32_t refcount;
	uint32_t flags;
} __attribute__((packed));

struct iolu_abi_unit {
	struct iolu_abi_object object;
	uint32_t type;
	uint32_t segment;
	uint64_t reg_base_pa;
	uint64_t root_table_pa;
	uint64_t unit_flags;
	uint64_t reserved[2];
} __attribute__((packed));

struct iolu_abi_domain {
	struct iolu_abi_object object;
	uint64_t pgtable_pa;
	uint32_t format;
	uint32_t levels;
	uint64_t aperture_start;
	uint64_t aperture_end;
	uint32_t addr_width;
	uint32_t domain_flags;
	uint64_t reserved;
} __attribute__((packed));

struct iolu_abi_device {
	struct iolu_abi_object object;
	uint64_t token;
	uint64_t domain_pa;
	uint64_t unit_pa;
	uint32_t segment;
	uint16_t requester_id;
	uint16_t reserved0;
	uint32_t domain_id;
	uint32_t reserved1;
	uint64_t reserved2;
} __attribute__((packed));

/* struct kho_block_header_ser: CPU byte order, which KHO requires to match. */
struct iolu_abi_block_header {
	uint64_t next;
	uint64_t count;
} __attribute__((packed));

#define IOLU_ABI_ENTRY_SIZE	64u
#define IOLU_ABI_ENTRIES_PER_BLOCK \
	((IOLU_ABI_PAGE_SIZE - sizeof(struct iolu_abi_block_header)) / \
	 IOLU_ABI_ENTRY_SIZE)

_Static_assert(sizeof(struct iolu_abi_state) == 80, "state header is 80 bytes");
_Static_assert(sizeof(struct iolu_abi_unit) == IOLU_ABI_ENTRY_SIZE, "unit");
_Static_assert(sizeof(struct iolu_abi_domain) == IOLU_ABI_ENTRY_SIZE, "domain");
_Static_assert(sizeof(struct iolu_abi_device) == IOLU_ABI_ENTRY_SIZE, "device");

#endif
