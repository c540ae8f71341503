/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events the iolu tracer's BPF programs send to userspace through one BPF
 * ring buffer. Shared by bpf/trace_*.bpf.c and tools/iolu/trace*.c, so
 * it uses only fixed-width types that both sides define.
 *
 * One record is a struct iolu_event (112 bytes; with the ring buffer's own
 * 8-byte header a record takes 120 bytes). LUO session events carry the
 * session's name and are a struct iolu_named_event instead. The size of
 * the plain record is what sizes the ring buffer (see bpf/README.md).
 */
#ifndef IOLU_BPF_EVENTS_H
#define IOLU_BPF_EVENTS_H

/* The same widths on both sides; userspace prints them with <inttypes.h>. */
#ifdef __bpf__
typedef __u64 iolu_u64;
typedef __u32 iolu_u32;
typedef __s32 iolu_s32;
typedef __u16 iolu_u16;
#else
#include <stdint.h>
typedef uint64_t iolu_u64;
typedef uint32_t iolu_u32;
typedef int32_t iolu_s32;
typedef uint16_t iolu_u16;
#endif

/*
 * The operations, one per event kind: X(op, name, class) makes IOLU_OP_<op>,
 * which --op, the lines and JSON call <name>, in the family <class>
 * (enum iolu_op_class, tools/iolu/trace_decode.h). New ones go last:
 * the numbers are in the records.
 */
#define IOLU_OPS(X)							\
	/* IOMMU live update core */					\
	X(DOMAIN_PRESERVE,	domain_preserve,	CORE)		\
	X(DOMAIN_UNPRESERVE,	domain_unpreserve,	CORE)		\
	X(DOMAIN_RESTORE,	domain_restore,		CORE)		\
	X(DEVICE_PRESERVE,	device_preserve,	CORE)		\
	X(DEVICE_UNPRESERVE,	device_unpreserve,	CORE)		\
	X(UNIT_PRESERVE,	unit_preserve,		CORE)		\
	X(UNIT_UNPRESERVE,	unit_unpreserve,	CORE)		\
	X(DEVICE_FIND,		device_find,		CORE)		\
	X(FLB_PRESERVE,		flb_preserve,		CORE)		\
	X(FLB_UNPRESERVE,	flb_unpreserve,		CORE)		\
	X(FLB_RETRIEVE,		flb_retrieve,		CORE)		\
	X(FLB_FINISH,		flb_finish,		CORE)		\
	/* LUO */							\
	X(SESSION_CREATE,	session_create,		LUO)		\
	X(SESSION_RETRIEVE,	session_retrieve,	LUO)		\
	X(SESSION_FINISH,	session_finish,		LUO)		\
	X(FILE_PRESERVE,	file_preserve,		LUO)		\
	X(FILE_RETRIEVE,	file_retrieve,		LUO)		\
	X(FILE_FREEZE,		file_freeze,		LUO)		\
	X(LUO_REBOOT,		luo_reboot,		LUO)		\
	X(KEXEC,		kexec,			LUO)		\
	/* IO page tables, attachment, faults and invalidations */	\
	X(MAP,			map,			PGTABLE)	\
	X(UNMAP,		unmap,			PGTABLE)	\
	X(ATTACH,		attach,			PGTABLE)	\
	X(FAULT,		fault,			FAULT)		\
	X(QI_SUBMIT,		qi_submit,		INVAL)		\
	X(CACHE_FLUSH,		cache_flush,		INVAL)		\
	X(CACHE_FLUSH_NP,	cache_flush_np,		INVAL)		\
	/* Restore steps only the kernel's iommu_lu tracepoints report */ \
	X(FLB_REJECT,		flb_reject,		CORE)		\
	X(UNIT_RESTORE,		unit_restore,		CORE)		\
	X(UNIT_ADOPT,		unit_adopt,		CORE)		\
	X(UNIT_REJECT,		unit_reject,		CORE)		\
	X(DOMAIN_REJECT,	domain_reject,		CORE)		\
	X(DEVICE_ADOPT,		device_adopt,		CORE)		\
	X(DEVICE_REJECT,	device_reject,		CORE)

#define IOLU_OP_ENUM(op, name, class) IOLU_OP_##op,

enum iolu_op {
	IOLU_OP_NONE = 0,
	IOLU_OPS(IOLU_OP_ENUM)
	IOLU_OP_COUNT
};

/*
 * The ops a busy host makes millions of a second. The tracer counts them
 * per domain in the kernel and sends a record of each only when asked to
 * (--op) or when it changes a preserved domain.
 */
#define IOLU_HOT_OPS ((1ULL << IOLU_OP_MAP) | (1ULL << IOLU_OP_UNMAP) |		\
		      (1ULL << IOLU_OP_QI_SUBMIT) | (1ULL << IOLU_OP_CACHE_FLUSH) |	\
		      (1ULL << IOLU_OP_CACHE_FLUSH_NP))

/* What the kernel counts hot ops by (the key of the hot_counts map). */
struct iolu_hot_key {
	iolu_u64 domain;	/* struct iommu_domain address; 0: not attributed */
	iolu_u32 op;		/* enum iolu_op */
	iolu_u32 type;		/* qi_submit: the type bits of qw0; otherwise 0 */
};

/* A CPU's current run of one hot op (the hot_slots map). */
struct iolu_hot_slot {
	struct iolu_hot_key key;
	iolu_u64 count;		/* 0: empty */
};

/* Which fields of struct iolu_event hold a value. */
enum iolu_event_flags {
	IOLU_EVF_RET = 1 << 0,		/* ret */
	IOLU_EVF_LATENCY = 1 << 1,	/* latency_ns */
	IOLU_EVF_DOMAIN = 1 << 2,	/* domain */
	IOLU_EVF_SBDF = 1 << 3,		/* sbdf */
	IOLU_EVF_DID = 1 << 4,		/* did */
	IOLU_EVF_TOKEN = 1 << 5,	/* token */
	IOLU_EVF_OBJ_PA = 1 << 6,	/* obj_pa */
	IOLU_EVF_NAME = 1 << 7,		/* a struct iolu_named_event */
	IOLU_EVF_INDEX = 1 << 8,	/* obj_index */
	IOLU_EVF_ENTRY = 1 << 9,	/* seen at the call's entry: what was asked */
	IOLU_EVF_BOOT = 1 << 10,	/* read from the boot trace instance (iolu trace --boot) */
};

/*
 * What the op-specific args[] hold:
 *   device_preserve, device_find: [0] domain object PA (on a failed
 *                      preserve: of the group's domain, 0 if unpreserved),
 *                      [1] unit object PA
 *   device_adopt, device_reject: as device_find
 *   unit_*:            [0] unit register base PA, [1] unit type; from the
 *                      boot trace also [2] root table PA
 *   domain_preserve, domain_restore, domain_reject: [0] page table root
 *                      PA, [1] levels
 *   flb_* from the boot trace: [0] units, [1] domains, [2] devices in the
 *                      state (flb_retrieve: as handed over)
 *   map:               [0] iova, [1] paddr, [2] size mapped (at entry:
 *                      asked)
 *   unmap:             [0] iova, [1] size asked, [2] size unmapped (at
 *                      entry: 0)
 *   fault:             [0] iova, [1] fault flags
 *   qi_submit:         [0..3] the descriptor's four quadwords
 *   cache_flush*:      [0] start, [1] end, [2] addr, [3] mask << 8 | tag type
 *                      (at entry: addr and mask 0)
 *   file_*:            [0] fd (file_preserve only)
 */
struct iolu_event {
	iolu_u64 ts_ns;		/* CLOCK_MONOTONIC at the event (exit for calls) */
	iolu_u64 latency_ns;	/* entry to exit of the traced call */
	iolu_u64 domain;		/* struct iommu_domain address: the domain's identity */
	iolu_u64 token;		/* LUO token */
	iolu_u64 obj_pa;		/* physical address of the serialized object */
	iolu_u64 args[4];
	iolu_u32 pid;		/* thread group */
	iolu_u32 tid;
	iolu_s32 ret;		/* 0 or a negative errno */
	iolu_u32 did;		/* hardware domain ID (VT-d DID) */
	iolu_u32 sbdf;		/* PCI segment << 16 | bus << 8 | devfn */
	iolu_u16 op;		/* enum iolu_op */
	iolu_u16 flags;		/* enum iolu_event_flags */
	iolu_u32 obj_index;	/* index of the serialized object */
	char comm[12];		/* the task, truncated */
};

#define IOLU_NAME_LEN 64	/* LIVEUPDATE_SESSION_NAME_LENGTH */

struct iolu_named_event {
	struct iolu_event event;
	char name[IOLU_NAME_LEN];	/* the LUO session */
};

/* Ring buffer records are rounded up to 8 bytes after an 8-byte header. */
#define IOLU_RINGBUF_RECORD_SIZE (((sizeof(struct iolu_event) + 7) / 8) * 8 + 8)

#endif /* IOLU_BPF_EVENTS_H */
