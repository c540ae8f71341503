/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types the iolu tracer reads, declared with only the fields
 * it needs. preserve_access_index makes every access a CO-RE relocation
 * resolved against the running kernel's BTF at load time, so the programs
 * build without a kernel tree or a vmlinux.h. Fields that exist only with
 * the IOMMU live update series (lu_*_obj) are read behind
 * bpf_core_field_exists(), so the same object loads on a kernel without it.
 */
#ifndef IOLU_BPF_TYPES_H
#define IOLU_BPF_TYPES_H

#include <linux/types.h>
#include <stdbool.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;

#define IOLU_CORE __attribute__((preserve_access_index))

/* x86-64 kprobe context, kernel field names (bpf_tracing.h's PT_REGS_*). */
struct pt_regs {
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long cx;
	unsigned long r8;
	unsigned long ax;
	unsigned long sp;
	unsigned long ip;
} IOLU_CORE;

/* include/linux/kho/abi/iommu.h (the series' ABI) */
struct iommu_lu_object_ser {
	u64 index;
	u32 refcount;
	u32 flags;
} IOLU_CORE;

struct iommu_lu_unit_ser {
	struct iommu_lu_object_ser object;
	u32 type;
	u32 segment;
	u64 reg_base_pa;
} IOLU_CORE;

struct iommu_lu_domain_ser {
	struct iommu_lu_object_ser object;
	u64 pgtable_pa;
	u32 format;
	u32 levels;
} IOLU_CORE;

struct iommu_lu_device_ser {
	struct iommu_lu_object_ser object;
	u64 token;
	u64 domain_pa;
	u64 unit_pa;
	u32 segment;
	u16 requester_id;
	u16 reserved0;
	u32 domain_id;
} IOLU_CORE;

/* include/linux/iommu.h */
struct iommu_domain {
	struct iommu_lu_domain_ser *lu_domain_obj;
} IOLU_CORE;

struct iommu_device {
	struct iommu_lu_unit_ser *lu_unit_obj;
} IOLU_CORE;

struct dev_iommu {
	struct iommu_device *iommu_dev;
	struct iommu_lu_device_ser *lu_device_obj;
} IOLU_CORE;

/* drivers/iommu/iommu.c */
struct iommu_group {
	struct iommu_domain *domain;
} IOLU_CORE;

/* include/linux/device.h, kobject.h, device/bus.h */
struct kobject {
	const char *name;
} IOLU_CORE;

struct bus_type {
	const char *name;
} IOLU_CORE;

struct device {
	struct kobject kobj;
	const struct bus_type *bus;
	struct dev_iommu *iommu;
	struct iommu_group *iommu_group;
} IOLU_CORE;

/* include/linux/pci.h, arch/x86/include/asm/pci.h */
struct pci_bus {
	void *sysdata;
	unsigned char number;
} IOLU_CORE;

struct pci_dev {
	struct pci_bus *bus;
	unsigned int devfn;
	struct device dev;
} IOLU_CORE;

struct pci_sysdata {
	int domain;
} IOLU_CORE;

/* include/linux/liveupdate.h, kernel/liveupdate/luo_internal.h */
struct liveupdate_flb_op_args {
	u64 data;
	void *obj;
} IOLU_CORE;

struct luo_file_set {
	u64 count;
} IOLU_CORE;

struct luo_session {
	char name[64];
	struct luo_file_set file_set;
} IOLU_CORE;

/* drivers/iommu/intel/iommu.h */
enum cache_tag_type {
	CACHE_TAG_IOTLB,
	CACHE_TAG_DEVTLB,
	CACHE_TAG_NESTING_IOTLB,
	CACHE_TAG_NESTING_DEVTLB,
};

struct intel_iommu;

struct list_head {
	struct list_head *next;
} IOLU_CORE;

struct cache_tag {
	struct list_head node;		/* in dmar_domain::cache_tags */
	enum cache_tag_type type;
	struct intel_iommu *iommu;
	u16 domain_id;
} IOLU_CORE;

struct dmar_domain {
	struct iommu_domain domain;
	struct list_head cache_tags;
} IOLU_CORE;

#endif /* IOLU_BPF_TYPES_H */
