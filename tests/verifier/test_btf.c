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

struct member_layout {
	const char *name;
	size_t offset;
	size_t size;
};

struct struct_layout {
	const char *name;
	size_t size;
	struct member_layout members[12];
};

#define MEMBER(type, field) \
	{ #field, offsetof(struct type, field), sizeof(((struct type *)0)->field) }

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
	/* The radix tree's nodes: one page each (khomap.h). */
	{ "kho_radix_node", KHO_PAGE_SIZE, { { "table", 0, KHO_PAGE_SIZE } } },
	{ "kho_radix_leaf", KHO_PAGE_SIZE, { { "bitmap", 0, KHO_PAGE_SIZE } } },
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
		    size != (__s64)want->size)
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
	};

	return cmocka_run_group_tests_name("abi vs btf", tests, find_vmlinux,
					   NULL);
}
