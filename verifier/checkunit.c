// SPDX-License-Identifier: GPL-2.0
/*
 * The root table of a VT-d unit as the next kernel finds it and checks it
 * before adopting it (intel_lu_check_unit(), intel_lu_check_sm_context()).
 *
 * The verifier sees the tables before kexec (live, or a snapshot of them)
 * or after the next kernel booted, never as handed over: at the kexec
 * shutdown the outgoing kernel clears the root entries of context tables
 * without a preserved device, the context entries of the other devices,
 * and the PASID directory and table entries of preserved devices other
 * than RID_PASID's (intel_iommu_lu_shutdown()). What survives that is read
 * here: the context table of each bus (half) with a preserved device, the
 * preserved devices' entries in it and, in scalable mode, their PASID
 * directory (PDTS 2 to 7, one to 32 pages, and RID_PASID 0: nothing trims
 * those; its other entries are cleared) with the directory entry and
 * PASID entry of RID_PASID. Reserved bits of each must be zero (VT-d
 * specification, chapter 9), or the hardware faults on the entry; and
 * each table page is linked once, or the next kernel refuses the second
 * take-over ("linked twice").
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "checkhw.h"
#include "findings.h"
#include "vtd.h"

#define ULL(x) ((unsigned long long)(x))
#define BIT64(n)		(1ull << (n))
/* Bits hi..lo inclusive. */
#define MASK64(hi, lo)		((~0ull >> (63 - (hi))) & ~(BIT64(lo) - 1))

#define NR_BUSES		256
#define SM_CONTEXTS		128
#define PASID_ENTRY_WORDS	8

/* Root entry (each half in scalable mode): 11:1 reserved. */
#define ROOT_RSVD		MASK64(11, 1)
/*
 * Legacy context entry: lo 11:4; hi 7 and 63:24. The reserved encodings
 * of TT and AW are the device lookup's (hw-translation-invalid,
 * hw-levels-mismatch).
 */
#define CTX_LO_RSVD		MASK64(11, 4)
#define CTX_HI_RSVD		(BIT64(7) | MASK64(63, 24))
/* Scalable-mode context entry: lo 8:5, hi 63:21, words 2 and 3. */
#define SM_CTX_LO_RSVD		MASK64(8, 5)
#define SM_CTX_HI_RSVD		MASK64(63, 21)
/* PASID directory entry: 11:2. PASID entry: word 0 11:10, words 3-7. */
#define PDE_RSVD		MASK64(11, 2)
#define PASID_LO_RSVD		MASK64(11, 10)
/*
 * The PASID directory sizes live update preserves: those the driver
 * allocates, from one page (2^9 entries) to 2^20 PASIDs (32 pages).
 */
#define SM_PDTS_MIN		2
#define SM_PDTS_MAX		7

/* Findings of one unit's tables before the rest is counted only. */
#define MAX_PER_UNIT		16

struct unit_scan {
	struct hw_run *run;
	const struct iolu_unit *unit;
	bool scalable;
	uint64_t preserved[65536 / 64];	/* requester IDs of live devices */
	size_t nr_reported, nr_dropped;
	const char *dropped_rule;	/* of the first finding not reported */
};

__attribute__((format(printf, 4, 5)))
static int report(struct unit_scan *scan, const char *rule, uint64_t pa,
		  const char *fmt, ...)
{
	char message[192];
	va_list args;

	if (++scan->nr_reported > MAX_PER_UNIT) {
		if (!scan->nr_dropped++)
			scan->dropped_rule = rule;
		return 0;
	}
	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	return iolu_report(scan->run->findings, rule, IOLU_OBJ_UNIT,
			   scan->unit->object.index, pa, "unit %llu: %s",
			   ULL(scan->unit->object.index), message);
}

/*
 * A table page that cannot be read is skipped: the device lookups read
 * the same entries and report it (hw-table-unreadable).
 */
static bool read_qwords(struct unit_scan *scan, uint64_t pa, uint64_t *val,
			size_t nr)
{
	if (iolu_mem_read(scan->run->mem, pa, val, nr * sizeof(*val)))
		return false;
	for (size_t i = 0; i < nr; i++)
		val[i] = le64toh(val[i]);
	return true;
}

static bool is_preserved(const struct unit_scan *scan, uint16_t sid)
{
	return scan->preserved[sid / 64] & BIT64(sid % 64);
}

/* A table page the next kernel follows and takes over. */
static int link_table(struct unit_scan *scan, uint64_t pa, const char *what)
{
	int ret = iolu_hw_check_table(scan->run, scan->unit, pa, 4096,
					  false, what);

	if (!ret)
		ret = iolu_owners_add(scan->run->owners, pa, IOLU_OBJ_UNIT,
				      scan->unit->object.index, what);
	return ret;
}

static int report_reserved(struct unit_scan *scan, uint64_t pa,
			   const char *what, uint16_t sid, uint64_t bits)
{
	return report(scan, "vtd-entry-reserved", pa,
		      "%s of %02x:%02x.%u at 0x%llx has reserved bits 0x%llx set",
		      what, sid >> 8, (sid >> 3) & 0x1f, sid & 7, ULL(pa),
		      ULL(bits));
}

/* The PASID table page holding RID_PASID 0's entry, the one kept. */
static int scan_pasid_table(struct unit_scan *scan, uint16_t sid,
			    uint64_t table_pa)
{
	uint64_t entry[PASID_ENTRY_WORDS], reserved;
	int ret = link_table(scan, table_pa, "PASID table");

	if (ret || !read_qwords(scan, table_pa, entry, PASID_ENTRY_WORDS))
		return ret;
	if (!(entry[0] & 1))
		return 0;	/* the device lookup reports it absent */
	reserved = entry[0] & PASID_LO_RSVD;
	for (unsigned int i = 3; i < PASID_ENTRY_WORDS; i++)
		reserved |= entry[i];
	if (reserved)
		return report_reserved(scan, table_pa, "RID_PASID entry", sid,
				       reserved);
	return 0;
}

/*
 * The next kernel restores the directory as one block: every page of it
 * is the unit's, whatever else links or maps one. Only entry 0 is read:
 * the shutdown clears the others, in every page of the directory.
 */
static int link_pasid_dir(struct unit_scan *scan, uint64_t dir_pa,
			  uint64_t dir_bytes)
{
	int ret = iolu_hw_check_table(scan->run, scan->unit, dir_pa, dir_bytes,
				      true, "PASID directory");

	for (uint64_t at = 0; !ret && at < dir_bytes; at += 4096)
		ret = iolu_owners_add(scan->run->owners, dir_pa + at,
				      IOLU_OBJ_UNIT, scan->unit->object.index,
				      "PASID directory");
	return ret;
}

static int scan_pasid_dir(struct unit_scan *scan, uint16_t sid,
			  uint64_t dir_pa, uint64_t dir_bytes)
{
	uint64_t dir_entry;
	int ret = link_pasid_dir(scan, dir_pa, dir_bytes);

	if (ret || !read_qwords(scan, dir_pa, &dir_entry, 1))
		return ret;
	if (!(dir_entry & 1))
		return 0;	/* the device lookup reports it absent */
	if (dir_entry & PDE_RSVD)
		return report_reserved(scan, dir_pa, "PASID directory entry",
				       sid, dir_entry & PDE_RSVD);
	return scan_pasid_table(scan, sid, dir_entry & VTD_PAGE_MASK);
}

static int scan_sm_context(struct unit_scan *scan, uint16_t sid,
			   uint64_t entry_pa, const uint64_t *val)
{
	unsigned int pdts = (val[0] >> 9) & 7;
	uint32_t rid_pasid = val[1] & 0xfffff;

	if (pdts < SM_PDTS_MIN || pdts > SM_PDTS_MAX || rid_pasid)
		return report(scan, "sm-context-unsupported", entry_pa,
			      "context entry of %02x:%02x.%u has PASID directory size %u and RID_PASID %u; live update keeps only directories of PDTS %u to %u (1 to 32 pages) and RID_PASID 0",
			      sid >> 8, (sid >> 3) & 0x1f, sid & 7, pdts,
			      rid_pasid, SM_PDTS_MIN, SM_PDTS_MAX);
	return scan_pasid_dir(scan, sid, val[0] & VTD_PAGE_MASK,
			      vtd_pasid_dir_bytes(pdts));
}

static uint64_t context_reserved(const struct unit_scan *scan,
				 const uint64_t *val)
{
	if (scan->scalable)
		return (val[0] & SM_CTX_LO_RSVD) | (val[1] & SM_CTX_HI_RSVD) |
		       val[2] | val[3];
	return (val[0] & CTX_LO_RSVD) | (val[1] & CTX_HI_RSVD);
}

static int scan_context(struct unit_scan *scan, uint16_t sid,
			uint64_t entry_pa, const uint64_t *val)
{
	uint64_t reserved = context_reserved(scan, val);

	if (reserved)
		return report_reserved(scan, entry_pa, "context entry", sid,
				       reserved);
	if (scan->scalable)
		return scan_sm_context(scan, sid, entry_pa, val);
	return 0;
}

/* Does a preserved device sit in the context table of bus (and half)? */
static bool table_has_preserved(const struct unit_scan *scan, unsigned int bus,
				unsigned int half)
{
	unsigned int first = (bus << 8 | half * SM_CONTEXTS) / 64;
	unsigned int nr = (scan->scalable ? SM_CONTEXTS : 256) / 64;

	for (unsigned int i = first; i < first + nr; i++)
		if (scan->preserved[i])
			return true;
	return false;
}

/* The kept entries of the context table of bus (and half, scalable mode). */
static int scan_context_table(struct unit_scan *scan, unsigned int bus,
			      unsigned int half, uint64_t table_pa)
{
	unsigned int nr = scan->scalable ? SM_CONTEXTS : 256;
	unsigned int words = scan->scalable ? 4 : 2;
	uint64_t table[512];
	int ret = link_table(scan, table_pa, "context table");

	if (ret || !read_qwords(scan, table_pa, table, 512))
		return ret;
	for (unsigned int i = 0; !ret && i < nr; i++) {
		const uint64_t *val = &table[i * words];
		uint16_t sid = (uint16_t)(bus << 8 | (half * SM_CONTEXTS + i));

		if ((val[0] & 1) && is_preserved(scan, sid))
			ret = scan_context(scan, sid, table_pa + i * words * 8,
					   val);
	}
	return ret;
}

static int scan_root_entry(struct unit_scan *scan, unsigned int bus,
			   const uint64_t *root)
{
	uint64_t entry_pa = scan->unit->root_table_pa + bus * VTD_ROOT_ENTRY_SIZE;
	unsigned int halves = scan->scalable ? 2 : 1;
	int ret = 0;

	for (unsigned int half = 0; !ret && half < halves; half++) {
		if (!(root[half] & 1) || !table_has_preserved(scan, bus, half))
			continue;
		if (root[half] & ROOT_RSVD)
			return report_reserved(scan, entry_pa + half * 8,
					       "root entry",
					       (uint16_t)(bus << 8 | half * SM_CONTEXTS),
					       root[half] & ROOT_RSVD);
		ret = scan_context_table(scan, bus, half,
					 root[half] & VTD_PAGE_MASK);
	}
	return ret;
}

/*
 * The requester IDs whose entries the outgoing kernel keeps: those of the
 * live devices behind the unit. A device whose unit link is broken (a
 * structural finding already) may have sat behind any unit.
 */
static void mark_preserved(struct unit_scan *scan, long position)
{
	const struct iolu_state *state = scan->run->state;

	for (size_t i = 0; i < state->nr_devices; i++) {
		const struct iolu_device *device = &state->devices[i];
		bool linked = device->unit >= 0 &&
			iolu_object_live(&state->units[device->unit].object);

		if (iolu_object_live(&device->object) &&
		    (device->unit == position || !linked))
			scan->preserved[device->requester_id / 64] |=
				BIT64(device->requester_id % 64);
	}
}

int iolu_hw_scan_unit(struct hw_run *run, long position)
{
	const struct iolu_unit *unit = &run->state->units[position];
	uint64_t root[NR_BUSES * 2];
	struct unit_scan *scan;
	int ret;

	/* The device lookups refuse it (hw-table-unreadable); no table here. */
	if (unit->root_table_pa & ~VTD_PAGE_MASK)
		return 0;
	scan = calloc(1, sizeof(*scan));
	if (!scan)
		return -ENOMEM;
	*scan = (struct unit_scan){
		.run = run, .unit = unit,
		.scalable = unit->unit_flags & IOLU_VTD_UNIT_SCALABLE,
	};
	mark_preserved(scan, position);
	ret = iolu_owners_add(run->owners, unit->root_table_pa, IOLU_OBJ_UNIT,
			      unit->object.index, "root table");
	if (!ret && read_qwords(scan, unit->root_table_pa, root, NR_BUSES * 2))
		for (unsigned int bus = 0; !ret && bus < NR_BUSES; bus++)
			ret = scan_root_entry(scan, bus, &root[bus * 2]);
	if (!ret && scan->nr_dropped)
		ret = iolu_report(run->findings, scan->dropped_rule,
				  IOLU_OBJ_UNIT, unit->object.index,
				  unit->root_table_pa,
				  "unit %llu: %zu more problems in its tables, the first of this rule",
				  ULL(unit->object.index), scan->nr_dropped);
	free(scan);
	return ret;
}
