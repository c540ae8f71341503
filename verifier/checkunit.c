// SPDX-License-Identifier: GPL-2.0
/*
 * The whole root table of a VT-d unit, as the next kernel checks it
 * before adopting it (intel_lu_check_unit(), intel_lu_check_sm_context())
 * and as the hardware reads it: every present root entry leads to a
 * preserved context table; every present context entry belongs to a
 * preserved device (the outgoing kernel clears the others, whose tables
 * are not preserved); in scalable mode each has a one-page PASID
 * directory linking only the table of RID_PASID 0, in which only that
 * entry is present. Reserved bits of every present entry are zero (VT-d
 * specification, chapter 9), or the hardware faults on the entry.
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
#define PASID_DIR_ENTRIES	512
#define PASID_TABLE_ENTRIES	64

/* Root entry (both modes, each half in scalable mode): 11:1 reserved. */
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
/* The only PASID directory size live update preserves: one page. */
#define SM_PDTS_ONE_PAGE	2

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
 * A table page that cannot be read is not read twice: the device lookups
 * report it on the way to each preserved device (hw-table-unreadable);
 * the scan reports only the context tables no lookup reads.
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

/* A table page the next kernel follows and takes over. */
static int link_table(struct unit_scan *scan, uint64_t pa, const char *what)
{
	int ret = iolu_hw_check_table(scan->run, scan->unit, pa, 4096, what);

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

static int scan_pasid_table(struct unit_scan *scan, uint16_t sid,
			    uint64_t table_pa)
{
	uint64_t entries[PASID_TABLE_ENTRIES * 8], reserved;
	int ret = link_table(scan, table_pa, "PASID table");

	if (ret || !read_qwords(scan, table_pa, entries, PASID_TABLE_ENTRIES * 8))
		return ret;
	for (unsigned int i = 1; i < PASID_TABLE_ENTRIES; i++)
		if (entries[i * 8] & 1)
			return report(scan, "pasid-table-extra",
				      table_pa + i * VTD_PASID_ENTRY_SIZE,
				      "PASID %u of %02x:%02x.%u is present, only RID_PASID 0 is preserved",
				      i, sid >> 8, (sid >> 3) & 0x1f, sid & 7);
	reserved = entries[0] & PASID_LO_RSVD;
	for (unsigned int i = 3; i < 8; i++)
		reserved |= entries[i];
	if ((entries[0] & 1) && reserved)
		return report_reserved(scan, table_pa, "RID_PASID entry", sid,
				       reserved);
	return 0;
}

static int scan_pasid_dir(struct unit_scan *scan, uint16_t sid,
			  uint64_t dir_pa)
{
	uint64_t dir[PASID_DIR_ENTRIES];
	int ret = link_table(scan, dir_pa, "PASID directory");

	if (ret || !read_qwords(scan, dir_pa, dir, PASID_DIR_ENTRIES))
		return ret;
	for (unsigned int i = 1; i < PASID_DIR_ENTRIES; i++)
		if (dir[i] & 1)
			return report(scan, "pasid-dir-extra", dir_pa + i * 8,
				      "PASID directory of %02x:%02x.%u links a table for PASIDs %u-%u, which is not preserved",
				      sid >> 8, (sid >> 3) & 0x1f, sid & 7,
				      i * PASID_TABLE_ENTRIES,
				      (i + 1) * PASID_TABLE_ENTRIES - 1);
	if (!(dir[0] & 1))
		return 0;	/* the device lookup reports it absent */
	if (dir[0] & PDE_RSVD)
		return report_reserved(scan, dir_pa, "PASID directory entry",
				       sid, dir[0] & PDE_RSVD);
	return scan_pasid_table(scan, sid, dir[0] & VTD_PAGE_MASK);
}

static int scan_sm_context(struct unit_scan *scan, uint16_t sid,
			   uint64_t entry_pa, const uint64_t *val)
{
	unsigned int pdts = (val[0] >> 9) & 7;
	uint32_t rid_pasid = val[1] & 0xfffff;

	if (pdts != SM_PDTS_ONE_PAGE || rid_pasid)
		return report(scan, "sm-context-unsupported", entry_pa,
			      "context entry of %02x:%02x.%u has PASID directory size %u and RID_PASID %u; live update keeps only a one-page directory (PDTS 2) and RID_PASID 0",
			      sid >> 8, (sid >> 3) & 0x1f, sid & 7, pdts,
			      rid_pasid);
	return scan_pasid_dir(scan, sid, val[0] & VTD_PAGE_MASK);
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
	if (!(scan->preserved[sid / 64] & BIT64(sid % 64)))
		return report(scan, "context-entry-stray", entry_pa,
			      "context entry of %02x:%02x.%u is present but no live device of the state is %02x:%02x.%u: its DMA would be translated through tables nobody preserved",
			      sid >> 8, (sid >> 3) & 0x1f, sid & 7, sid >> 8,
			      (sid >> 3) & 0x1f, sid & 7);
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

/*
 * A context table no device lookup reads: when it cannot be read, what
 * the next kernel would find there is not known, so it is reported.
 */
static int report_unread_table(struct unit_scan *scan, unsigned int bus,
			       unsigned int half, uint64_t table_pa)
{
	if (table_has_preserved(scan, bus, half))
		return 0;
	return report(scan, "hw-table-unreadable", table_pa,
		      "context table 0x%llx of bus %02x is not readable memory",
		      ULL(table_pa), bus);
}

/* The context table of bus, lower or upper half (scalable mode). */
static int scan_context_table(struct unit_scan *scan, unsigned int bus,
			      unsigned int half, uint64_t table_pa)
{
	unsigned int nr = scan->scalable ? SM_CONTEXTS : 256;
	unsigned int words = scan->scalable ? 4 : 2;
	uint64_t table[512];
	int ret = link_table(scan, table_pa, "context table");

	if (ret)
		return ret;
	if (!read_qwords(scan, table_pa, table, 512))
		return report_unread_table(scan, bus, half, table_pa);
	for (unsigned int i = 0; !ret && i < nr; i++) {
		const uint64_t *val = &table[i * words];
		uint16_t sid = (uint16_t)(bus << 8 | (half * SM_CONTEXTS + i));

		if (val[0] & 1)
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

	/* Legacy mode: the upper half is reserved whole. */
	if (!scan->scalable && (root[0] & 1) && (root[0] & ROOT_RSVD || root[1]))
		return report_reserved(scan, entry_pa, "root entry",
				       (uint16_t)(bus << 8),
				       (root[0] & ROOT_RSVD) | root[1]);
	for (unsigned int half = 0; !ret && half < halves; half++) {
		if (!(root[half] & 1))
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
 * The requester IDs whose context entries the outgoing kernel keeps. A
 * device whose unit link is broken (a structural finding already) may
 * have sat behind any unit: its entry is not called stray.
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
