// SPDX-License-Identifier: GPL-2.0
/*
 * The verifier's copy of the serialized layout (verifier/abi.h) must match
 * what the lab kernel was built with: compare every struct's size and every
 * member's name, offset and size with the kernel's BTF.
 *
 * The vmlinux is $(cat build/kernel.dir)/vmlinux (IOLU_VMLINUX overrides).
 * A missing vmlinux or struct is a failure, not a skip: this test exists
 * to notice when the two sides drift apart.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <cmocka.h>

#include "abi.h"
#include "khomap.h"
#include "luo.h"

struct member_layout {
	const char *name;
	size_t offset;
	size_t size;
	unsigned int bits;	/* a bitfield's width, 0 for a whole member */
};

struct struct_layout {
	const char *name;
	size_t size;
	struct member_layout members[12];
};

#define MEMBER(type, field) \
	{ #field, offsetof(struct type, field), sizeof(((struct type *)0)->field), 0 }

static const struct struct_layout layouts[] = {
	{ "iommu_lu_state_ser", sizeof(struct iolu_abi_state), {
		MEMBER(iolu_abi_state, compatible),
		MEMBER(iolu_abi_state, units_pa),
		MEMBER(iolu_abi_state, domains_pa),
		MEMBER(iolu_abi_state, devices_pa),
		MEMBER(iolu_abi_state, nr_units),
		MEMBER(iolu_abi_state, nr_domains),
		MEMBER(iolu_abi_state, nr_devices),
		MEMBER(iolu_abi_state, reserved),
	} },
	{ "iommu_lu_object_ser", sizeof(struct iolu_abi_object), {
		MEMBER(iolu_abi_object, index),
		MEMBER(iolu_abi_object, refcount),
		MEMBER(iolu_abi_object, flags),
	} },
	{ "iommu_lu_unit_ser", sizeof(struct iolu_abi_unit), {
		MEMBER(iolu_abi_unit, object),
		MEMBER(iolu_abi_unit, type),
		MEMBER(iolu_abi_unit, segment),
		MEMBER(iolu_abi_unit, reg_base_pa),
		MEMBER(iolu_abi_unit, root_table_pa),
		MEMBER(iolu_abi_unit, unit_flags),
		MEMBER(iolu_abi_unit, reserved),
	} },
	{ "iommu_lu_domain_ser", sizeof(struct iolu_abi_domain), {
		MEMBER(iolu_abi_domain, object),
		MEMBER(iolu_abi_domain, pgtable_pa),
		MEMBER(iolu_abi_domain, format),
		MEMBER(iolu_abi_domain, levels),
		MEMBER(iolu_abi_domain, aperture_start),
		MEMBER(iolu_abi_domain, aperture_end),
		MEMBER(iolu_abi_domain, addr_width),
		MEMBER(iolu_abi_domain, domain_flags),
		MEMBER(iolu_abi_domain, reserved),
	} },
	{ "iommu_lu_device_ser", sizeof(struct iolu_abi_device), {
		MEMBER(iolu_abi_device, object),
		MEMBER(iolu_abi_device, token),
		MEMBER(iolu_abi_device, domain_pa),
		MEMBER(iolu_abi_device, unit_pa),
		MEMBER(iolu_abi_device, segment),
		MEMBER(iolu_abi_device, requester_id),
		MEMBER(iolu_abi_device, reserved0),
		MEMBER(iolu_abi_device, domain_id),
		MEMBER(iolu_abi_device, reserved1),
		MEMBER(iolu_abi_device, reserved2),
	} },
	{ "kho_block_header_ser", sizeof(struct iolu_abi_block_header), {
		MEMBER(iolu_abi_block_header, next),
		MEMBER(iolu_abi_block_header, count),
	} },
	/* LUO (luo.h), memfd (memfd.h), iommufd's record. */
	{ "luo_ser", sizeof(struct iolu_abi_luo), {
		MEMBER(iolu_abi_luo, compatible),
		MEMBER(iolu_abi_luo, liveupdate_num),
		MEMBER(iolu_abi_luo, sessions_pa),
		MEMBER(iolu_abi_luo, flbs_pa),
	} },
	{ "luo_session_ser", sizeof(struct iolu_abi_luo_session), {
		MEMBER(iolu_abi_luo_session, name),
		/* struct luo_file_set_ser: files, count */
		{ "file_set_ser", offsetof(struct iolu_abi_luo_session, files_pa), 16, 0 },
	} },
	{ "luo_file_set_ser", 16, { { "files", 0, 8, 0 }, { "count", 8, 8, 0 } } },
	{ "luo_file_ser", sizeof(struct iolu_abi_luo_file), {
		MEMBER(iolu_abi_luo_file, compatible),
		MEMBER(iolu_abi_luo_file, data),
		MEMBER(iolu_abi_luo_file, token),
	} },
	{ "memfd_luo_ser", sizeof(struct iolu_abi_memfd), {
		MEMBER(iolu_abi_memfd, pos),
		MEMBER(iolu_abi_memfd, size),
		MEMBER(iolu_abi_memfd, seals),
		MEMBER(iolu_abi_memfd, flags),
		MEMBER(iolu_abi_memfd, nr_folios),
		MEMBER(iolu_abi_memfd, folios),
	} },
	{ "kho_vmalloc", sizeof(struct iolu_abi_kho_vmalloc), {
		MEMBER(iolu_abi_kho_vmalloc, first),
		MEMBER(iolu_abi_kho_vmalloc, total_pages),
		MEMBER(iolu_abi_kho_vmalloc, flags),
		MEMBER(iolu_abi_kho_vmalloc, order),
	} },
	/* pfn:52 and flags:12 share the first u64 (IOLU_ABI_FOLIO_*). */
	{ "memfd_luo_folio_ser", sizeof(struct iolu_abi_memfd_folio), {
		{ "pfn", 0, 8, 52 }, { "flags", 52 / 8, 8, 12 },
		MEMBER(iolu_abi_memfd_folio, index),
	} },
	{ "iommufd_lu_ser", sizeof(struct iolu_abi_iommufd), {
		MEMBER(iolu_abi_iommufd, compatible),
		MEMBER(iolu_abi_iommufd, nr_hwpts),
		MEMBER(iolu_abi_iommufd, nr_mappings),
	} },
	{ "iommufd_lu_hwpt_ser", sizeof(struct iolu_abi_iommufd_hwpt), {
		MEMBER(iolu_abi_iommufd_hwpt, token),
		MEMBER(iolu_abi_iommufd_hwpt, domain_obj_pa),
		MEMBER(iolu_abi_iommufd_hwpt, first_mapping),
		MEMBER(iolu_abi_iommufd_hwpt, nr_mappings),
	} },
	{ "iommufd_lu_mapping_ser", sizeof(struct iolu_abi_iommufd_mapping), {
		MEMBER(iolu_abi_iommufd_mapping, iova),
		MEMBER(iolu_abi_iommufd_mapping, length),
		MEMBER(iolu_abi_iommufd_mapping, memfd_token),
		MEMBER(iolu_abi_iommufd_mapping, memfd_offset),
		MEMBER(iolu_abi_iommufd_mapping, prot),
		MEMBER(iolu_abi_iommufd_mapping, reserved),
	} },
	/* The radix tree's nodes: one page each (khomap.h). */
	{ "kho_radix_node", KHO_PAGE_SIZE, { { "table", 0, KHO_PAGE_SIZE, 0 } } },
	{ "kho_radix_leaf", KHO_PAGE_SIZE, { { "bitmap", 0, KHO_PAGE_SIZE, 0 } } },
};

static char vmlinux_path[4096];

static int find_vmlinux(void **state)
{
	const char *override = getenv("IOLU_VMLINUX");
	char dir[4000] = "";
	FILE *file;

	(void)state;
	if (override) {
		snprintf(vmlinux_path, sizeof(vmlinux_path), "%s", override);
		return 0;
	}
	file = fopen("build/kernel.dir", "r");
	if (!file) {
		print_message("# build/kernel.dir missing: run `make kernel` from the repository root\n");
		return -1;
	}
	if (!fgets(dir, sizeof(dir), file))
		dir[0] = '\0';
	fclose(file);
	dir[strcspn(dir, "\n")] = '\0';
	snprintf(vmlinux_path, sizeof(vmlinux_path), "%s/vmlinux", dir);
	return 0;
}

static void check_struct(const struct btf *btf,
			 const struct struct_layout *layout)
{
	const struct btf_member *member;
	const struct btf_type *type;
	size_t nr_expected = 0;
	__s32 id;

	id = btf__find_by_name_kind(btf, layout->name, BTF_KIND_STRUCT);
	if (id < 0)
		fail_msg("struct %s is not in %s's BTF", layout->name,
			 vmlinux_path);
	type = btf__type_by_id(btf, id);
	if (type->size != layout->size)
		fail_msg("struct %s: the kernel's is %u bytes, abi.h's %zu",
			 layout->name, type->size, layout->size);
	while (nr_expected < 12 && layout->members[nr_expected].name)
		nr_expected++;
	if (btf_vlen(type) != nr_expected)
		fail_msg("struct %s: the kernel's has %u members, abi.h's %zu",
			 layout->name, btf_vlen(type), nr_expected);
	member = btf_members(type);
	for (size_t i = 0; i < nr_expected; i++, member++) {
		const struct member_layout *want = &layout->members[i];
		const char *name = btf__name_by_offset(btf, member->name_off);
		__s64 size = btf__resolve_size(btf, member->type);
		size_t offset = btf_member_bit_offset(type, i) / 8;

		if (strcmp(name, want->name) || offset != want->offset ||
		    size != (__s64)want->size ||
		    btf_member_bitfield_size(type, i) != want->bits)
			fail_msg("struct %s member %zu: kernel %s at %zu (%lld bytes), abi.h %s at %zu (%zu bytes)",
				 layout->name, i, name, offset, (long long)size,
				 want->name, want->offset, want->size);
	}
}

static void test_layouts_match_btf(void **state)
{
	struct btf *btf;

	(void)state;
	btf = btf__parse(vmlinux_path, NULL);
	if (!btf)
		fail_msg("cannot read BTF from %s: %s (run `make kernel`)",
			 vmlinux_path, strerror(errno));
	for (size_t i = 0; i < sizeof(layouts) / sizeof(*layouts); i++)
		check_struct(btf, &layouts[i]);
	btf__free(btf);
}

/*
 * LUO's lists are internal, not ABI: the live reader lays them out with
 * the running kernel's BTF. The lab kernel must have every member it
 * names, on both sides, and a kernel without them is refused by name.
 */
static void test_luo_lists_in_btf(void **state)
{
	struct btf *btf, *empty;
	char why[160];

	(void)state;
	btf = btf__parse(vmlinux_path, NULL);
	assert_non_null(btf);
	if (iolu_luo_kernel_layout(btf, IOLU_SIDE_OUTGOING, why, sizeof(why)) ||
	    iolu_luo_kernel_layout(btf, IOLU_SIDE_INCOMING, why, sizeof(why)))
		fail_msg("%s: %s", vmlinux_path, why);
	empty = btf__new_empty();
	assert_non_null(empty);
	assert_int_equal(iolu_luo_kernel_layout(empty, IOLU_SIDE_OUTGOING, why,
						sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "luo_session_global"));
	btf__free(empty);
	btf__free(btf);
}

/* The comparison itself must be able to fail. */
static void test_detects_a_difference(void **state)
{
	struct struct_layout wrong = layouts[0];
	struct btf *btf;
	const struct btf_type *type;
	__s32 id;

	(void)state;
	btf = btf__parse(vmlinux_path, NULL);
	assert_non_null(btf);
	wrong.members[4].offset += 8;
	id = btf__find_by_name_kind(btf, wrong.name, BTF_KIND_STRUCT);
	assert_true(id > 0);
	type = btf__type_by_id(btf, id);
	assert_int_not_equal(btf_member_bit_offset(type, 4) / 8,
			     wrong.members[4].offset);
	assert_true(btf__find_by_name_kind(btf, "iommu_lu_no_such_ser",
					   BTF_KIND_STRUCT) < 0);
	btf__free(btf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts_match_btf),
		cmocka_unit_test(test_detects_a_difference),
		cmocka_unit_test(test_luo_lists_in_btf),
	};

	return cmocka_run_group_tests_name("abi vs btf", tests, find_vmlinux,
					   NULL);
}
