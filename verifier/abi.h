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

/*
 * LUO's own state (include/linux/kho/abi/luo.h, "luo-v5"): the blob of
 * KHO's "LUO" subtree, the sessions' block chain and each session's file
 * chain. Written by the outgoing kernel during the kexec reboot only.
 */
#define IOLU_ABI_LUO_COMPAT_LEN		8
#define IOLU_ABI_SESSION_NAME_LEN	64
#define IOLU_ABI_FILE_COMPAT_LEN	48

struct iolu_abi_luo {
	char compatible[IOLU_ABI_LUO_COMPAT_LEN];
	uint64_t liveupdate_num;
	uint64_t sessions_pa;
	uint64_t flbs_pa;
} __attribute__((packed));

struct iolu_abi_luo_session {
	char name[IOLU_ABI_SESSION_NAME_LEN];
	uint64_t files_pa;
	uint64_t nr_files;
} __attribute__((packed));

struct iolu_abi_luo_file {
	char compatible[IOLU_ABI_FILE_COMPAT_LEN];
	uint64_t data;
	uint64_t token;
} __attribute__((packed));

/* memfd's record (include/linux/kho/abi/memfd.h, "memfd-v2"). */
struct iolu_abi_kho_vmalloc {
	uint64_t first;
	uint32_t total_pages;
	uint16_t flags;
	uint16_t order;
} __attribute__((packed));

struct iolu_abi_memfd {
	uint64_t pos;
	uint64_t size;
	uint32_t seals;
	uint32_t flags;
	uint64_t nr_folios;
	struct iolu_abi_kho_vmalloc folios;
} __attribute__((packed));

/* struct memfd_luo_folio_ser: pfn in bits 51:0, flags in 63:52. */
struct iolu_abi_memfd_folio {
	uint64_t pfn_flags;
	uint64_t index;
} __attribute__((packed));

#define IOLU_ABI_FOLIO_PFN(word)	((word) & ((1ull << 52) - 1))
#define IOLU_ABI_FOLIO_FLAGS(word)	((word) >> 52)

/*
 * A kho_vmalloc chunk: one page, the next chunk's address, then the
 * physical addresses of the area's pages, zero terminated.
 */
#define IOLU_ABI_VMALLOC_PER_CHUNK	((IOLU_ABI_PAGE_SIZE - 8) / 8)

/* iommufd's record (drivers/iommu/iommufd/liveupdate.c, "iommufd-v1"). */
struct iolu_abi_iommufd {
	char compatible[16];
	uint64_t nr_hwpts;
	uint64_t nr_mappings;
} __attribute__((packed));

struct iolu_abi_iommufd_hwpt {
	uint64_t token;
	uint64_t domain_obj_pa;
	uint64_t first_mapping;
	uint64_t nr_mappings;
} __attribute__((packed));

struct iolu_abi_iommufd_mapping {
	uint64_t iova;
	uint64_t length;
	uint64_t memfd_token;
	uint64_t memfd_offset;
	uint32_t prot;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct iolu_abi_luo) == 32, "luo_ser");
_Static_assert(sizeof(struct iolu_abi_luo_session) == 80, "luo_session_ser");
_Static_assert(sizeof(struct iolu_abi_luo_file) == 64, "luo_file_ser");
_Static_assert(sizeof(struct iolu_abi_memfd) == 48, "memfd_luo_ser");
_Static_assert(sizeof(struct iolu_abi_memfd_folio) == 16, "folio");
_Static_assert(sizeof(struct iolu_abi_iommufd) == 32, "iommufd_lu_ser");
_Static_assert(sizeof(struct iolu_abi_iommufd_mapping) == 40, "mapping");

#endif
