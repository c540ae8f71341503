// SPDX-License-Identifier: GPL-2.0
/* Decode the VT-d root, context and PASID entries of one requester ID. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "findings.h"
#include "vtd.h"

static int read_qwords(const struct iolu_mem *mem, uint64_t pa, uint64_t *val,
		       unsigned int nr, const char *what, struct iolu_err *err)
{
	int ret = iolu_mem_read(mem, pa, val, nr * sizeof(*val));

	if (ret)
		return iolu_fail(err, -EFAULT, pa,
				 "%s at 0x%llx is not readable memory", what,
				 (unsigned long long)pa);
	for (unsigned int i = 0; i < nr; i++)
		val[i] = le64toh(val[i]);
	return 0;
}

static int lookup_legacy(const struct iolu_mem *mem, uint16_t requester_id,
			 struct iolu_vtd_lookup *lookup, struct iolu_err *err)
{
	uint64_t context[2];
	int ret;

	lookup->context_entry_pa = lookup->context_table_pa +
				   (requester_id & 0xff) * VTD_CONTEXT_SIZE;
	ret = read_qwords(mem, lookup->context_entry_pa, context, 2,
			  "context entry", err);
	if (ret)
		return ret;
	lookup->context_present = context[0] & 1;
	if (!lookup->context_present)
		return 0;
	lookup->translation_type = (context[0] >> 2) & 3;
	lookup->pgtable_pa = context[0] & VTD_PAGE_MASK;
	lookup->levels = (context[1] & 7) + 2;
	lookup->domain_id = (context[1] >> 8) & 0xffff;
	if (lookup->translation_type == VTD_TT_MULTI_LEVEL ||
	    lookup->translation_type == VTD_TT_DEV_IOTLB)
		lookup->format = IOLU_PT_VTD_SECOND_STAGE;
	return 0;
}

static void decode_pasid_entry(const uint64_t *val,
			       struct iolu_vtd_lookup *lookup)
{
	lookup->pasid_present = val[0] & 1;
	if (!lookup->pasid_present)
		return;
	lookup->translation_type = (val[0] >> 6) & 7;
	lookup->domain_id = val[1] & 0xffff;
	if (lookup->translation_type == VTD_PGTT_SECOND_STAGE) {
		lookup->format = IOLU_PT_VTD_SECOND_STAGE;
		lookup->pgtable_pa = val[0] & VTD_PAGE_MASK;
		lookup->levels = ((val[0] >> 2) & 7) + 2;
	} else if (lookup->translation_type == VTD_PGTT_FIRST_STAGE) {
		lookup->format = IOLU_PT_VTD_FIRST_STAGE;
		lookup->pgtable_pa = val[2] & VTD_PAGE_MASK;
		lookup->levels = ((val[2] >> 2) & 3) ? 5 : 4;
	}
}

static int lookup_scalable(const struct iolu_mem *mem, uint16_t requester_id,
			   struct iolu_vtd_lookup *lookup, struct iolu_err *err)
{
	uint64_t context[2], dir_entry, pasid_entry[3];
	uint64_t dir_entries;
	unsigned int pdts;
	int ret;

	lookup->context_entry_pa = lookup->context_table_pa +
				   (requester_id & 0x7f) * VTD_SM_CONTEXT_SIZE;
	ret = read_qwords(mem, lookup->context_entry_pa, context, 2,
			  "scalable-mode context entry", err);
	if (ret)
		return ret;
	lookup->context_present = context[0] & 1;
	if (!lookup->context_present)
		return 0;
	pdts = (context[0] >> 9) & 7;
	lookup->pasid_dir_pa = context[0] & VTD_PAGE_MASK;
	lookup->rid_pasid = context[1] & 0xfffff;
	lookup->pasid_dir_bytes = vtd_pasid_dir_bytes(pdts);
	dir_entries = lookup->pasid_dir_bytes / VTD_PASID_DIR_ENTRY_SIZE;
	if ((lookup->rid_pasid >> VTD_PASID_TABLE_SHIFT) >= dir_entries)
		return 0;	/* directory too small: the PASID is absent */
	ret = read_qwords(mem, lookup->pasid_dir_pa +
			  (lookup->rid_pasid >> VTD_PASID_TABLE_SHIFT) *
			  VTD_PASID_DIR_ENTRY_SIZE, &dir_entry, 1,
			  "PASID directory entry", err);
	if (ret)
		return ret;
	if (!(dir_entry & 1))
		return 0;
	lookup->pasid_table_pa = dir_entry & VTD_PAGE_MASK;
	lookup->pasid_entry_pa = lookup->pasid_table_pa +
		(lookup->rid_pasid & ((1u << VTD_PASID_TABLE_SHIFT) - 1)) *
		VTD_PASID_ENTRY_SIZE;
	ret = read_qwords(mem, lookup->pasid_entry_pa, pasid_entry, 3,
			  "PASID table entry", err);
	if (ret)
		return ret;
	decode_pasid_entry(pasid_entry, lookup);
	return 0;
}

int iolu_vtd_lookup(const struct iolu_mem *mem, uint64_t root_table_pa,
		    bool scalable, uint16_t requester_id,
		    struct iolu_vtd_lookup *lookup, struct iolu_err *err)
{
	unsigned int devfn = requester_id & 0xff;
	uint64_t root[2], context_pointer;
	int ret;

	memset(lookup, 0, sizeof(*lookup));
	lookup->scalable = scalable;
	if (root_table_pa & ~VTD_PAGE_MASK)
		return iolu_fail(err, -EINVAL, root_table_pa,
				 "root table 0x%llx is not page aligned",
				 (unsigned long long)root_table_pa);
	lookup->root_entry_pa = root_table_pa +
				(requester_id >> 8) * VTD_ROOT_ENTRY_SIZE;
	ret = read_qwords(mem, lookup->root_entry_pa, root, 2, "root entry",
			  err);
	if (ret)
		return ret;
	/* Scalable mode: the upper half of the entry serves devfn 128-255. */
	context_pointer = scalable && devfn >= 0x80 ? root[1] : root[0];
	lookup->root_present = context_pointer & 1;
	if (!lookup->root_present)
		return 0;
	lookup->context_table_pa = context_pointer & VTD_PAGE_MASK;
	if (scalable)
		return lookup_scalable(mem, requester_id, lookup, err);
	return lookup_legacy(mem, requester_id, lookup, err);
}
