/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshot file layout, version 3 (all integers little-endian; version 2
 * is the same without the claimed section, version 1 also without the
 * LUO section, and both still read):
 *
 *   file header (48 bytes)
 *     0   8  magic "IOLUSNAP"
 *     8   4  version (3, 2 or 1)
 *    12   4  header size (48)
 *    16   8  file size
 *    24   4  number of sections
 *    28   4  section table entry size (32)
 *    32   4  CRC32 of the whole file, computed with this field zero
 *    36  12  reserved, zero
 *   section table: one 32-byte entry per section, right after the header
 *     0   4  type (SNAP_SECTION_*)
 *     4   4  reserved, zero
 *     8   8  offset of the payload in the file (8-byte aligned)
 *    16   8  length of the payload
 *    24   4  CRC32 of the payload
 *    28   4  reserved, zero
 *   payloads
 */
#ifndef IOLU_SNAPSHOT_H
#define IOLU_SNAPSHOT_H

#include <stdint.h>

#define SNAP_HEADER_SIZE	48u
#define SNAP_ENTRY_SIZE		32u
#define SNAP_MAX_SECTIONS	16u
#define SNAP_PAGE_SIZE		4096u
/* Table entries the writer makes room for: every section type once. */
#define SNAP_TABLE_ROOM		6u

enum snap_section_type {
	/* text, "key=value\n" lines: side, header_pa, release, ... */
	SNAP_SECTION_META = 1,
	/* the KHO FDT of the snapshot's side, as debugfs showed it */
	SNAP_SECTION_KHO_FDT = 2,
	/* RAM ranges: pairs of u64 start, size */
	SNAP_SECTION_RAM = 3,
	/* u64 count, count sorted page addresses, then count pages */
	SNAP_SECTION_PAGES = 4,
	/* version 2: LUO's index of sessions and files (see below) */
	SNAP_SECTION_LUO = 5,
	/*
	 * version 3, incoming side: the addresses of the objects the kernel
	 * claimed (debugfs incoming/claimed), sorted u64s
	 */
	SNAP_SECTION_CLAIMED = 6,
};

/*
 * The LUO section: a 40-byte header (u32 sessions, u32 files, u64
 * liveupdate_num, u64 luo_pa, 16 bytes of origin text, NUL padded:
 * "serialized" or "kernel"), then one 64-byte NUL-padded name per
 * session, then one 72-byte entry per file (u32 session, u32 reserved
 * zero, 48-byte NUL-padded compatible, u64 token, u64 data_pa).
 */
#define SNAP_LUO_HEADER_SIZE	40u
#define SNAP_LUO_SESSION_SIZE	64u
#define SNAP_LUO_FILE_SIZE	72u
#define SNAP_FIRST_VERSION	1u

#endif
