/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libiolu-verifier: read the serialized IOMMU live update state (live or
 * from a snapshot), check it, walk its IO page tables and compare two
 * states. This is the library's only public header.
 */
#ifndef IOLU_VERIFIER_H
#define IOLU_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Physical memory as the verifier sees it: live through /proc/kcore, from
 * a snapshot file, or a synthetic image built by the tests. Every read of
 * serialized state goes through this, so all reads are bounds-checked in
 * one place.
 */
struct iolu_mem {
	/*
	 * Copy len bytes at physical address pa into buf. Returns 0, or a
	 * negative errno: -EFAULT when any byte of the range is not backed.
	 */
	int (*read)(void *ctx, uint64_t pa, void *buf, size_t len);
	void *ctx;
};

static inline int iolu_mem_read(const struct iolu_mem *mem, uint64_t pa,
				void *buf, size_t len)
{
	return mem->read(mem->ctx, pa, buf, len);
}

/* ---- IO page table walk (verifier/ptwalk.c) ---- */

/* Page table formats: the values of the kernel ABI's IOMMU_LU_PGTABLE_*. */
#define IOLU_PT_VTD_SECOND_STAGE	1
#define IOLU_PT_VTD_FIRST_STAGE		2

/* Permissions of an extent. */
#define IOLU_PERM_READ		(1u << 0)
#define IOLU_PERM_WRITE		(1u << 1)

/* A run of IOVAs mapped contiguously to physical memory with one permission. */
struct iolu_extent {
	uint64_t iova;
	uint64_t phys;
	uint64_t size;
	uint32_t perm;
	/* log2 of the leaf size when the whole run uses one, else 0 */
	uint32_t page_shift;
};

struct iolu_pt_walk {
	/* sorted by IOVA; adjacent runs contiguous in both spaces merged */
	struct iolu_extent *extents;
	size_t nr_extents;
	/* physical addresses of every table page reached, sorted, unique */
	uint64_t *table_pages;
	size_t nr_table_pages;
	uint64_t mapped_bytes;
	/* the first structural error, when iolu_pt_walk() fails */
	uint64_t error_pa;
	int error_level;
	char error[160];
	/* bytes mapped for extents when large (0: from malloc); private */
	size_t extents_mapped;
};

/*
 * Walk the IO page table rooted at root_pa (format IOLU_PT_*, levels 4 or
 * 5 for the first stage, 3 to 5 for the second stage). Returns 0 or a
 * negative errno (-EINVAL bad format, level or entry; -EFAULT unreadable
 * table page; -ELOOP a table page reached twice; -E2BIG a limit hit), with
 * walk->error describing the first problem. Always bounded. Free with
 * iolu_pt_walk_free(), also after a failure.
 */
int iolu_pt_walk(const struct iolu_mem *mem, uint64_t root_pa,
		 unsigned int format, unsigned int levels,
		 struct iolu_pt_walk *walk);
void iolu_pt_walk_free(struct iolu_pt_walk *walk);

/* ---- state graph, checks, comparison, sources, snapshots ---- */

#include <stdbool.h>

/*
 * Errors: functions return 0 or a negative errno. Those that can fail on
 * bad input also fill a struct iolu_err, when given one, with the physical
 * address or file offset concerned and a message naming what was wrong;
 * the caller prints it once.
 */
struct iolu_err {
	uint64_t where;		/* physical address or file offset, see msg */
	char msg[256];
};

/*
 * Debug messages (each file read, what it held) go to log, one line each
 * without a newline; NULL, the default, drops them. Not thread-safe: set
 * it once, before the library runs.
 */
void iolu_set_debug(void (*log)(const char *message));

/* ---- findings ---- */

enum iolu_severity {
	IOLU_SEV_INFO,
	IOLU_SEV_WARNING,
	IOLU_SEV_ERROR,
};

/* What a finding is about. */
enum iolu_obj_kind {
	IOLU_OBJ_STATE,		/* the top-level header */
	IOLU_OBJ_BLOCK,		/* a kho_block_set block of a chain */
	IOLU_OBJ_UNIT,
	IOLU_OBJ_DOMAIN,
	IOLU_OBJ_DEVICE,
	IOLU_OBJ_KHO_MAP,	/* KHO's preserved-memory map */
	IOLU_OBJ_LUO,		/* LUO's header, a session or a block of it */
	IOLU_OBJ_LUO_FILE,	/* a preserved file (index in the LUO view) */
};

struct iolu_finding {
	enum iolu_severity severity;
	const char *rule;	/* stable rule id, a static string */
	enum iolu_obj_kind kind;
	uint64_t index;		/* object index (objects only) */
	uint64_t pa;		/* physical address of the object or page */
	char message[224];
};

struct iolu_findings {
	struct iolu_finding *items;
	size_t nr;
	size_t capacity;
	/* findings not stored because IOLU_MAX_FINDINGS was reached */
	size_t dropped;
};

/* Beyond this many findings only the count in ->dropped grows. */
#define IOLU_MAX_FINDINGS	100000

void iolu_findings_init(struct iolu_findings *findings);
void iolu_findings_free(struct iolu_findings *findings);
/* Number of findings at or above severity min (dropped ones not counted). */
size_t iolu_findings_count(const struct iolu_findings *findings,
			   enum iolu_severity min);
/* The first finding with this rule id, or NULL. */
const struct iolu_finding *iolu_findings_find(const struct iolu_findings *f,
					      const char *rule);

const char *iolu_severity_name(enum iolu_severity severity);
const char *iolu_obj_kind_name(enum iolu_obj_kind kind);

/* Every rule the library can report, for --list-rules and the man page. */
struct iolu_rule_info {
	const char *id;
	enum iolu_severity severity;
	const char *meaning;
};
const struct iolu_rule_info *iolu_rules(size_t *nr_rules);
/* NULL for an unknown id. */
const struct iolu_rule_info *iolu_rule_lookup(const char *id);

/* ---- KHO preserved-memory map (verifier/khomap.c) ---- */

/* Opaque: the preserved ranges of KHO's radix tree, sorted and merged. */
struct iolu_kho_map;

/*
 * Root of the radix tree from a KHO FDT's preserved-memory-map property.
 * -EINVAL with err filled when the FDT or the property is malformed.
 */
int iolu_kho_fdt_map_root(const void *fdt, size_t fdt_len, uint64_t *root_pa,
			  struct iolu_err *err);

/*
 * Walk the radix tree rooted at root_pa. Bounded: at most
 * IOLU_KHO_MAX_NODES node pages, each reached once (-ELOOP otherwise).
 */
#define IOLU_KHO_MAX_NODES	(1u << 18)
int iolu_kho_map_load(const struct iolu_mem *mem, uint64_t root_pa,
		      struct iolu_kho_map **map, struct iolu_err *err);
void iolu_kho_map_free(struct iolu_kho_map *map);

/* True when every byte of [pa, pa + len) is in preserved memory. */
bool iolu_kho_map_contains(const struct iolu_kho_map *map, uint64_t pa,
			   uint64_t len);
/*
 * The kernel's kho_preserved_order() as the next kernel will answer it:
 * the order of the block (pa, order) of the tree that pa, page aligned,
 * is the first page of; -ENOENT when pa starts no block. A page inside a
 * block is covered (iolu_kho_map_contains()) but is no block start. A
 * start the tree lists twice answers the smaller order. Whether pa is RAM
 * is the caller's to check.
 */
int iolu_kho_map_block_order(const struct iolu_kho_map *map, uint64_t pa);
/* kho_is_preserved(): iolu_kho_map_block_order() >= 0. */
bool iolu_kho_map_is_preserved(const struct iolu_kho_map *map, uint64_t pa);
size_t iolu_kho_map_nr_ranges(const struct iolu_kho_map *map);
/* The i-th preserved range, sorted by address, adjacent ranges merged. */
void iolu_kho_map_range(const struct iolu_kho_map *map, size_t i,
			uint64_t *start, uint64_t *size);
/* The radix tree's own node pages (sorted), e.g. to put in a snapshot. */
const uint64_t *iolu_kho_map_node_pages(const struct iolu_kho_map *map,
					size_t *nr_pages);

/* ---- the object graph (verifier/graph.c) ---- */

/* The ABI's values (include/linux/kho/abi/iommu.h). */
#define IOLU_COMPATIBLE			"iommu-v1"
/* The only flag: the next kernel refuses an object with any other */
#define IOLU_OBJ_FLAG_DELETED		(1u << 0)
#define IOLU_UNIT_INTEL_VTD		1
#define IOLU_UNIT_AMD_VI		2
#define IOLU_UNIT_ARM_SMMU_V3		3
#define IOLU_UNIT_RISCV			4
/* VT-d unit_flags bit: the unit runs in scalable mode. */
#define IOLU_VTD_UNIT_SCALABLE		(1ull << 0)

/*
 * The objects below repeat abi.h's entries on purpose: abi.h is the packed
 * little-endian wire layout and stays private; these are the decoded,
 * host-order copies callers use, plus what the reader found (pa,
 * referrers, the device's links).
 */

/* Fields common to every object, decoded. */
struct iolu_object {
	uint64_t pa;		/* physical address of the entry */
	uint64_t index;
	uint32_t refcount;
	uint32_t flags;
	/* live referrers found by iolu_state_read() (units, domains) */
	uint32_t referrers;
	/*
	 * Claimed by the kernel that was handed the state: from its debugfs
	 * (incoming/claimed) or a snapshot of it, never from the state.
	 */
	bool claimed;
};

struct iolu_unit {
	struct iolu_object object;
	uint32_t type;
	uint32_t segment;
	uint64_t reg_base_pa;
	uint64_t root_table_pa;
	uint64_t unit_flags;
	uint64_t reserved[2];
};

struct iolu_domain {
	struct iolu_object object;
	uint64_t pgtable_pa;
	uint32_t format;
	uint32_t levels;
	uint64_t aperture_start;
	uint64_t aperture_end;
	uint32_t addr_width;
	uint32_t domain_flags;
	uint64_t reserved;
};

struct iolu_device {
	struct iolu_object object;
	uint64_t token;
	uint64_t domain_pa;
	uint64_t unit_pa;
	uint32_t segment;
	uint16_t requester_id;
	uint16_t reserved0;
	uint32_t domain_id;
	uint32_t reserved1;
	uint64_t reserved2;
	/* positions in state->domains / state->units, -1 when the pointer
	 * does not land on an entry of that chain */
	long domain;
	long unit;
};

struct iolu_state {
	uint64_t header_pa;
	char compatible[17];	/* NUL terminated copy */
	uint64_t units_pa, domains_pa, devices_pa;
	uint64_t nr_units_hdr, nr_domains_hdr, nr_devices_hdr;
	uint64_t reserved[2];
	/* every entry found in the chains, deleted ones included */
	struct iolu_unit *units;
	size_t nr_units;
	struct iolu_domain *domains;
	size_t nr_domains;
	struct iolu_device *devices;
	size_t nr_devices;
	/* the header page and every block of the three chains, sorted */
	uint64_t *graph_pages;
	size_t nr_graph_pages;
};

/*
 * Blocks a chain may have: the next kernel's kho_block_add() refuses the
 * block after KHO_MAX_BLOCKS (kernel/liveupdate/kho_block.c), so a longer
 * chain is rejected there, not only too long to walk here.
 */
#define IOLU_MAX_CHAIN_BLOCKS	10000u

/*
 * Read the header at header_pa and the three chains. Problems in the
 * graph (unreadable or cyclic chains, bad counts, ...) are reported as
 * findings and the walk of that chain stops; the state keeps what was
 * read. Returns -EFAULT (err filled) only when the header itself cannot
 * be read, -ENOMEM on allocation failure. Free with iolu_state_free(),
 * also after a failure.
 */
int iolu_state_read(const struct iolu_mem *mem, uint64_t header_pa,
		    struct iolu_state *state, struct iolu_findings *findings,
		    struct iolu_err *err);
void iolu_state_free(struct iolu_state *state);

static inline bool iolu_object_live(const struct iolu_object *object)
{
	return !(object->flags & IOLU_OBJ_FLAG_DELETED);
}

/* ---- checks (verifier/check.c, verifier/vtd.c) ---- */

/* Physical address ranges, e.g. the machine's RAM. */
struct iolu_range {
	uint64_t start;
	uint64_t size;
};

struct iolu_ranges {
	struct iolu_range *items;	/* sorted, not overlapping */
	size_t nr;
};

/*
 * Families of rules. STRUCTURE, MEMORY and HARDWARE cost per object of the
 * graph (and per VT-d table); PGTABLES walks every live domain's IO page
 * table, which costs per page of table, i.e. grows with the memory mapped.
 * Without PGTABLES no table is walked and the findings that need a walk
 * are not produced: pgtable-invalid; with MEMORY also pgtable-unpreserved,
 * dma-target-unpreserved, dma-target-mmio, dma-target-table, the IO page
 * table pages among page-linked-twice's links, and iolu_check_luo()'s
 * domain-no-session and dma-target-foreign. Every other finding is the
 * same with or without it. With PGTABLES but not MEMORY, walks report
 * pgtable-invalid alone.
 */
#define IOLU_CHECK_STRUCTURE	(1u << 0)	/* graph invariants */
#define IOLU_CHECK_MEMORY	(1u << 1)	/* needs kho */
#define IOLU_CHECK_HARDWARE	(1u << 2)	/* VT-d root/context/PASID */
#define IOLU_CHECK_PGTABLES	(1u << 3)	/* walks of the IO page tables */
#define IOLU_CHECK_ALL		(IOLU_CHECK_STRUCTURE | IOLU_CHECK_MEMORY | \
				 IOLU_CHECK_HARDWARE | IOLU_CHECK_PGTABLES)

struct iolu_check_opts {
	unsigned int checks;			/* IOLU_CHECK_* */
	/*
	 * Preserved memory; NULL skips the preservation rules (with
	 * IOLU_CHECK_PGTABLES the IO page tables are still walked and
	 * pgtable-invalid reported).
	 */
	const struct iolu_kho_map *kho;
	/*
	 * The machine's RAM: a DMA target outside it is MMIO and needs no
	 * preservation. NULL: every target must be preserved.
	 */
	const struct iolu_ranges *ram;
};

/*
 * Run the checks on a state read by iolu_state_read(), appending findings.
 * Every walk is bounded. Returns 0 (findings say what is wrong) or
 * -ENOMEM.
 */
int iolu_check(const struct iolu_mem *mem, const struct iolu_state *state,
	       const struct iolu_check_opts *opts,
	       struct iolu_findings *findings);

/*
 * What the VT-d tables say about one device (verifier/vtd.c): the entries
 * the hardware uses to translate its requests without PASID.
 */
struct iolu_vtd_lookup {
	bool scalable;
	uint64_t root_entry_pa;		/* where the root entry is */
	bool root_present;
	uint64_t context_table_pa;
	uint64_t context_entry_pa;
	bool context_present;
	/* legacy: from the context entry; scalable: from the PASID entry */
	uint64_t pgtable_pa;
	uint32_t domain_id;
	unsigned int levels;		/* from AW (second stage) or FLPM */
	unsigned int format;		/* IOLU_PT_* the entry selects, 0 none */
	unsigned int translation_type;	/* legacy TT or scalable PGTT */
	/* scalable mode only */
	uint64_t pasid_dir_pa;
	uint64_t pasid_dir_bytes;	/* from the context entry's PDTS */
	uint64_t pasid_table_pa;
	uint64_t pasid_entry_pa;
	bool pasid_present;
	uint32_t rid_pasid;
};

/*
 * Decode the root/context (and PASID) entries of requester_id under a
 * unit whose root table is at root_table_pa. Returns 0 when every entry
 * on the way could be read (absent entries are reported in lookup), or
 * -EFAULT / -EINVAL with err naming the entry.
 */
int iolu_vtd_lookup(const struct iolu_mem *mem, uint64_t root_table_pa,
		    bool scalable, uint16_t requester_id,
		    struct iolu_vtd_lookup *lookup, struct iolu_err *err);

/* ---- comparing two states (verifier/compare.c) ---- */

/*
 * Match units (type + register base), devices (segment + requester ID,
 * then token) and domains (through their devices) between the state
 * before and after kexec, compare their fields and the IO page table
 * extents of every matched domain, and report each difference as a
 * finding on the "after" object (or the "before" one when it vanished).
 * Returns 0 or -ENOMEM.
 */
int iolu_compare(const struct iolu_mem *before_mem,
		 const struct iolu_state *before,
		 const struct iolu_mem *after_mem,
		 const struct iolu_state *after,
		 struct iolu_findings *findings);

/* ---- LUO's state: sessions, files, memfd folios (verifier/luo.c) ---- */

/* The ABIs' compatible strings (luo.h, memfd.h, iommufd/liveupdate.c). */
#define IOLU_LUO_COMPATIBLE		"luo-v5"
#define IOLU_MEMFD_COMPATIBLE		"memfd-v2"
#define IOLU_IOMMUFD_COMPATIBLE		"iommufd-v1"
#define IOLU_LUO_NAME_LEN		64	/* a session name, NUL included */
#define IOLU_LUO_COMPAT_LEN		48	/* a file handler's compatible */

/* Bounds of what is read: hostile input never makes the reader loop. */
#define IOLU_LUO_MAX_SESSIONS		4096u
#define IOLU_LUO_MAX_FILES		65536u
#define IOLU_MEMFD_MAX_FOLIOS		(1u << 20)
#define IOLU_IOMMUFD_MAX_MAPPINGS	(1u << 20)

/* What LUO says of one preserved file: its index entry. */
struct iolu_luo_file_ref {
	uint32_t session;		/* position in the sessions */
	char compatible[IOLU_LUO_COMPAT_LEN + 1];
	uint64_t token;
	uint64_t data_pa;		/* the handler's record */
};

/*
 * LUO's index of sessions and files as a source found it: read from the
 * serialized state (after kexec), from the outgoing kernel's own lists
 * (before kexec, where LUO writes nothing until the reboot), or from a
 * snapshot. Not present: absent_reason says why.
 */
struct iolu_luo_index {
	bool present;
	char absent_reason[192];
	const char *origin;		/* "serialized", "kernel", "snapshot" */
	uint64_t luo_pa;		/* struct luo_ser when serialized */
	uint64_t liveupdate_num;
	char (*sessions)[IOLU_LUO_NAME_LEN + 1];
	size_t nr_sessions;
	struct iolu_luo_file_ref *files;
	size_t nr_files;
};

enum iolu_luo_file_kind {
	IOLU_LUO_FILE_OTHER,		/* a handler the verifier does not read */
	IOLU_LUO_FILE_MEMFD,
	IOLU_LUO_FILE_IOMMUFD,
};

/* A folio of a preserved memfd: pages [offset, offset + size) of the file. */
struct iolu_memfd_folio {
	uint64_t pa;
	uint64_t offset;
	uint64_t size;
	uint32_t flags;
};

struct iolu_memfd {
	uint64_t pos;
	uint64_t size;
	uint32_t seals;
	uint32_t flags;
	uint64_t nr_folios;		/* as recorded */
	struct iolu_memfd_folio *folios;	/* sorted by offset */
	size_t nr_read;
};

struct iolu_iommufd_hwpt {
	uint64_t token;
	uint64_t domain_obj_pa;
	uint64_t first_mapping;
	uint64_t nr_mappings;
};

struct iolu_iommufd_mapping {
	uint64_t iova;
	uint64_t length;
	uint64_t memfd_token;
	uint64_t memfd_offset;
	uint32_t prot;
};

struct iolu_luo_file {
	struct iolu_luo_file_ref ref;
	enum iolu_luo_file_kind kind;
	bool record_read;		/* the handler's record decoded whole */
	struct iolu_memfd memfd;	/* IOLU_LUO_FILE_MEMFD */
	struct iolu_iommufd_hwpt *hwpts;	/* IOLU_LUO_FILE_IOMMUFD */
	size_t nr_hwpts;
	struct iolu_iommufd_mapping *mappings;
	size_t nr_mappings;
};

/* The LUO view of a model: the index and every file's record decoded. */
struct iolu_luo {
	struct iolu_luo_index index;
	struct iolu_luo_file *files;	/* index.files, in the same order */
	size_t nr_files;
};

void iolu_luo_index_free(struct iolu_luo_index *index);
void iolu_luo_free(struct iolu_luo *luo);
/* 0 for another handler. */
const char *iolu_luo_file_kind_name(enum iolu_luo_file_kind kind);

/*
 * What backs one run of a preserved domain's IOVAs: the memfd (session,
 * token) and offset the run's pages belong to, or none.
 */
struct iolu_dma_tie {
	uint64_t iova;
	uint64_t size;
	uint64_t phys;
	uint32_t perm;
	long file;			/* position in luo->files, -1: none */
	uint64_t offset;		/* in the memfd, when file >= 0 */
};

struct iolu_dma_ties {
	struct iolu_dma_tie *items;	/* sorted by IOVA */
	size_t nr;
	long session;			/* the domain's session, -1: none */
	bool complete;			/* the page table was walked whole */
};

/*
 * Tie every extent of a domain's page table to the memfd pages that back
 * it in the domain's session (the session whose iommufd record names the
 * domain). Returns 0 or a negative errno (-ENOMEM).
 */
int iolu_dma_ties(const struct iolu_mem *mem, const struct iolu_luo *luo,
		  const struct iolu_domain *domain, struct iolu_dma_ties *ties);
void iolu_dma_ties_free(struct iolu_dma_ties *ties);

/*
 * The LUO view of a state: each preserved domain tied to its memfds
 * (dma-target-foreign, domain-no-session: with IOLU_CHECK_PGTABLES) and
 * LUO's own rules. Run by iolu_verify(); a model without the LUO view gets
 * luo-view-absent.
 */
int iolu_check_luo(const struct iolu_mem *mem, const struct iolu_state *state,
		   const struct iolu_luo *luo, const struct iolu_check_opts *opts,
		   struct iolu_findings *findings);

/*
 * Continuity in the user's terms: for every domain matched before and
 * after kexec (through its devices), each IOVA range maps the same memfd
 * (session name, token) and offset on both sides, and the page after kexec
 * is the page the incoming memfd record restores at that offset. Each
 * difference is memfd-continuity-broken; a side without the LUO view
 * is memfd-continuity-unknown. rows (may be NULL) gets one row per IOVA
 * run for the report.
 */
struct iolu_memfd_continuity {
	uint64_t domain_index;		/* the "after" domain */
	uint64_t iova;
	uint64_t size;
	char session[IOLU_LUO_NAME_LEN + 1];
	uint64_t token;
	uint64_t offset;
	uint64_t phys_before, phys_after;
	bool same;
};

struct iolu_memfd_continuities {
	struct iolu_memfd_continuity *items;
	size_t nr;
	bool before_view, after_view;	/* each side had the LUO view */
};

struct iolu_model;
int iolu_compare_luo(const struct iolu_mem *before_mem,
		     const struct iolu_model *before,
		     const struct iolu_mem *after_mem,
		     const struct iolu_model *after,
		     struct iolu_memfd_continuities *rows,
		     struct iolu_findings *findings);
void iolu_memfd_continuities_free(struct iolu_memfd_continuities *rows);

/* ---- sources: live kernel or snapshot (verifier/source*.c) ---- */

enum iolu_side {
	IOLU_SIDE_OUTGOING,	/* before kexec: kho/out, liveupdate/outgoing */
	IOLU_SIDE_INCOMING,	/* after kexec: kho/in, liveupdate/incoming */
};

/* Who produced the state. */
struct iolu_identity {
	char release[65];	/* uname -r */
	char version[65];	/* uname -v */
	char build_id[129];	/* hex GNU build ID from /sys/kernel/notes, or "" */
	int64_t timestamp;	/* seconds since the epoch when read */
};

/* Where a live source reads from; NULL members take the defaults. */
struct iolu_live_paths {
	const char *debugfs;	/* default "/sys/kernel/debug" */
	const char *kcore;	/* default "/proc/kcore" */
	const char *notes;	/* default "/sys/kernel/notes" */
	/* where LUO's lists are: default "/proc/kallsyms" */
	const char *kallsyms;
	/* their layout: default "/sys/kernel/btf/vmlinux" */
	const char *btf;
};

struct iolu_source;

/*
 * "a directory", "a FIFO", ... for messages about a path that is not the
 * regular file an input or output must be.
 */
const char *iolu_file_type_name(unsigned int mode);

int iolu_source_open_live(enum iolu_side side,
			  const struct iolu_live_paths *paths,
			  struct iolu_source **source, struct iolu_err *err);
int iolu_source_open_snapshot(const char *path, struct iolu_source **source,
			      struct iolu_err *err);
/* Same, from a snapshot already in memory (the fuzz harness uses it). */
int iolu_source_open_snapshot_buffer(const void *data, size_t len,
				     struct iolu_source **source,
				     struct iolu_err *err);
void iolu_source_close(struct iolu_source *source);

const struct iolu_mem *iolu_source_mem(const struct iolu_source *source);
enum iolu_side iolu_source_side(const struct iolu_source *source);
/* 0 when the kernel has no state (debugfs status "none"). */
uint64_t iolu_source_header_pa(const struct iolu_source *source);
const struct iolu_identity *iolu_source_identity(const struct iolu_source *s);
/* The KHO FDT of the source's side; NULL when there is none. */
const void *iolu_source_kho_fdt(const struct iolu_source *source,
				size_t *len);
/* RAM ranges (kcore segments; a snapshot's record of them). */
const struct iolu_ranges *iolu_source_ram(const struct iolu_source *source);
/* LUO's index of sessions and files as the source found it. */
const struct iolu_luo_index *iolu_source_luo(const struct iolu_source *s);
/* "live" or "snapshot". */
const char *iolu_source_kind(const struct iolu_source *source);

/* ---- the next kernel's image (verifier/kernel_image.c) ---- */

/*
 * The ELF notes in which a kernel of the series lists the live update
 * formats it accepts (include/linux/kho/abi/accepts.h): name "LiveUpdate",
 * type 1, the descriptor NUL-separated compatible strings.
 */
#define IOLU_NOTE_NAME			"LiveUpdate"
#define IOLU_NOTE_ACCEPTS		1
/* The compatible strings of the formats the series hands over. */
#define IOLU_KHO_COMPATIBLE		"kho-v4"
#define IOLU_LUO_COMPATIBLE		"luo-v5"
#define IOLU_MEMFD_COMPATIBLE		"memfd-v2"
#define IOLU_IOMMUFD_COMPATIBLE		"iommufd-v1"
#define IOLU_VFIO_PCI_COMPATIBLE	"vfio-pci-v2"
/* Bounds on what an image may make the reader hold. */
#define IOLU_COMPATIBLE_MAX		63
#define IOLU_MAX_KERNEL_FORMATS		256u
#define IOLU_KERNEL_IMAGE_MAX		(512u << 20)	/* file, or payload decompressed */

struct iolu_kernel_formats {
	char **compatible;	/* each accepted format once */
	size_t nr;
	bool has_notes;		/* any LiveUpdate note at all */
	char container[48];	/* "vmlinux", "bzImage, xz payload" */
};

/*
 * Read the formats a kernel image accepts: a vmlinux (ELF) or an x86
 * bzImage, whose payload is decompressed (gzip, xz, lzma, zstd, bzip2) up
 * to IOLU_KERNEL_IMAGE_MAX. An image without notes is no error: it accepts
 * nothing. Returns 0, or a negative errno with err naming what is wrong
 * with the file (not a kernel, truncated, unknown compression, too big).
 */
int iolu_kernel_image_formats(const char *path, struct iolu_kernel_formats *formats,
			      struct iolu_err *err);
/*
 * Same, from an image in memory (the fuzz harness uses it), which libelf
 * may convert in place (an ELF of the other byte order).
 */
int iolu_kernel_image_formats_buffer(void *data, size_t len,
				     struct iolu_kernel_formats *formats,
				     struct iolu_err *err);
void iolu_kernel_formats_free(struct iolu_kernel_formats *formats);
bool iolu_kernel_formats_accepts(const struct iolu_kernel_formats *formats,
				 const char *compatible);

/* A format a preserved state needs the next kernel to accept. */
struct iolu_state_format {
	const char *what;			/* "KHO", "the IOMMU state", ... */
	char compatible[IOLU_COMPATIBLE_MAX + 1];
};
#define IOLU_MAX_STATE_FORMATS		6

struct iolu_state;
/*
 * The formats the state hands over: KHO's (from its FDT), LUO's, the IOMMU
 * state's (from its header), iommufd's and memfd's when a domain is
 * preserved, vfio-pci's when a device is. Fills up to
 * IOLU_MAX_STATE_FORMATS entries; returns how many.
 */
size_t iolu_state_formats(const struct iolu_source *source, const struct iolu_state *state,
			  struct iolu_state_format *formats);
/*
 * One finding "next-kernel-rejects" per format of the state the next
 * kernel (image names it) does not accept. Returns 0 or -ENOMEM.
 */
int iolu_check_next_kernel(const struct iolu_source *source, const struct iolu_state *state,
			   const struct iolu_kernel_formats *next, const char *image,
			   struct iolu_findings *findings);

/* Everything read from a source, ready to check or compare. */
struct iolu_model {
	struct iolu_state state;
	struct iolu_kho_map *kho;	/* NULL when the source has no KHO FDT */
	uint64_t kho_root_pa;
	/* LUO's sessions and files; luo.index.present false when absent */
	struct iolu_luo luo;
};

/*
 * Read the state and the preserved-memory map of a source. Problems in
 * the graph or the map become findings; an error is returned (err filled)
 * when the source has no state or its header is unreadable.
 */
int iolu_model_load(const struct iolu_source *source,
		    struct iolu_model *model, struct iolu_findings *findings,
		    struct iolu_err *err);
void iolu_model_free(struct iolu_model *model);

/* How to verify one state. */
struct iolu_verify_opts {
	unsigned int checks;		/* IOLU_CHECK_*; 0 only loads */
	/*
	 * Preserved memory to judge the state by when its source has no map
	 * of its own (after the kexec: the map of the pre-kexec snapshot).
	 * NULL: none.
	 */
	const struct iolu_kho_map *kho_reference;
};

/*
 * The one way to read and check a state, which iolu's commands, the
 * tests and the fuzzers all take: iolu_model_load(), then iolu_check()
 * with the options derived from the source in one place. Its KHO map
 * (else opts->kho_reference); its RAM, where an empty record means the
 * RAM is unknown and every DMA target must be preserved; outgoing when
 * the source's side is. The model read is left in model for the caller,
 * who frees it with iolu_model_free(), also after a failure; with a NULL
 * model it is freed here. Errors as iolu_model_load(), or -ENOMEM.
 */
int iolu_verify(const struct iolu_source *source,
		const struct iolu_verify_opts *opts, struct iolu_model *model,
		struct iolu_findings *findings, struct iolu_err *err);

/*
 * A source over memory the caller provides (tests, fuzzers, tools that
 * read memory another way). desc->mem is borrowed and must outlive the
 * source; the FDT and the RAM ranges are copied.
 */
struct iolu_memory_source {
	struct iolu_mem mem;
	enum iolu_side side;
	uint64_t header_pa;
	const void *kho_fdt;		/* NULL when there is none */
	size_t kho_fdt_len;
	const struct iolu_ranges *ram;	/* NULL or empty: RAM unknown */
	/* struct luo_ser of the serialized LUO state; 0: no LUO view */
	uint64_t luo_pa;
};
int iolu_source_open_memory(const struct iolu_memory_source *desc,
			    struct iolu_source **source, struct iolu_err *err);

/* ---- snapshot files (verifier/snapshot.c) ---- */

#define IOLU_SNAPSHOT_MAGIC	"IOLUSNAP"
/* 2 adds the LUO section; version 1 files still read. */
#define IOLU_SNAPSHOT_VERSION	3

/*
 * Write a snapshot of a source: its identity, side, header address, KHO
 * FDT, RAM ranges, and every page the verifier reads when it checks the
 * state (graph, VT-d tables, IO page tables, KHO radix tree). Atomic:
 * written to a temporary file in the same directory, fsync'ed, renamed.
 * Mode 0600 less the umask: it holds kernel memory. A path that exists
 * and is not a regular file (a device, a FIFO, a symlink) is left alone:
 * -EEXIST.
 */
int iolu_snapshot_write(const struct iolu_source *source, const char *path,
			struct iolu_err *err);

/*
 * The same file in memory (malloc'ed, the caller frees it), e.g. to check
 * it with iolu_source_open_snapshot_buffer() before writing it to a pipe.
 * Both refuse a source without state (-ENODATA): audit could not use it.
 */
int iolu_snapshot_build(const struct iolu_source *source, void **data,
			size_t *len, struct iolu_err *err);

/* Summary of a snapshot file, for `iolu show`. */
struct iolu_snapshot_info {
	uint32_t version;
	/* the iolu_version= of the writer, "" when it predates that key */
	char written_by[32];
	uint64_t file_size;
	size_t nr_sections;
	size_t nr_pages;
};
int iolu_snapshot_info(const struct iolu_source *source,
		       struct iolu_snapshot_info *info);

#endif
