/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel function and tracepoint the tracer attaches to, once, the
 * way iommufd's IOCTL_OP() table drives its ioctls. The BPF objects expand
 * their groups into programs (trace_programs.bpf.h); the loader expands
 * the whole table into its attach plan (tools/iolu/trace_attach.c). A
 * target added here gets its programs and its place in the plan, and
 * tests/trace/test_trace_targets.c checks the two agree.
 *
 * X(name, kind, op, group, flags, enter, nargs):
 *   name   the function or tracepoint; its programs are named fe_, fx_
 *          (fentry, fexit), kp_, kr_ (kprobe, kretprobe) or tp_ + name
 *   kind   CALL: entry and exit, a record per call;
 *          SCOPE: entry and exit, naming the domain for what fires inside;
 *          ENTRY: entry alone (it never returns, or its entry is enough);
 *          TRACEPOINT: a BTF tracepoint, whose program is written by hand
 *          since each has its own arguments
 *   op     the IOLU_OP_ it reports or serves (NONE: bookkeeping only)
 *   group  LU: the IOMMU live update core, from the kernel series;
 *          LUO: Linux's live update orchestrator and kexec;
 *          PGTABLE: map, unmap, attach, faults; VTD: VT-d invalidations
 *   flags  IOLU_TF_COUNTED: an ENTRY that counts @op when it is not sent
 *          one by one, or a TRACEPOINT left detached while such entries
 *          count its op
 *   enter  ENTRY: the BPF function its programs call with the first four
 *          arguments; _ for the others
 *   nargs  ENTRY: the function's own argument count (fentry reads the
 *          context straight, within it); 0 for the others
 */
#ifndef IOLU_BPF_TRACE_TARGETS_H
#define IOLU_BPF_TRACE_TARGETS_H

enum iolu_target_kind {
	IOLU_TARGET_CALL,
	IOLU_TARGET_SCOPE,
	IOLU_TARGET_ENTRY,
	IOLU_TARGET_TRACEPOINT,
};

enum iolu_target_group {
	IOLU_GROUP_LU,
	IOLU_GROUP_LUO,
	IOLU_GROUP_PGTABLE,
	IOLU_GROUP_VTD,
	IOLU_GROUP_COUNT
};

#define IOLU_TF_COUNTED 1

#define IOLU_LU_TARGETS(X)								\
	X(iommu_domain_preserve,	CALL, DOMAIN_PRESERVE,   LU, 0, _, 0)		\
	X(iommu_domain_unpreserve,	CALL, DOMAIN_UNPRESERVE, LU, 0, _, 0)		\
	X(iommu_domain_restore,		CALL, DOMAIN_RESTORE,    LU, 0, _, 0)		\
	X(iommu_preserve_device,	CALL, DEVICE_PRESERVE,   LU, 0, _, 0)		\
	X(iommu_unpreserve_device,	CALL, DEVICE_UNPRESERVE, LU, 0, _, 0)		\
	X(iommu_liveupdate_find_device,	CALL, DEVICE_FIND,       LU, 0, _, 0)		\
	X(iommu_lu_flb_preserve,	CALL, FLB_PRESERVE,      LU, 0, _, 0)		\
	X(iommu_lu_flb_unpreserve,	CALL, FLB_UNPRESERVE,    LU, 0, _, 0)		\
	X(iommu_lu_flb_retrieve,	CALL, FLB_RETRIEVE,      LU, 0, _, 0)		\
	X(iommu_lu_flb_finish,		CALL, FLB_FINISH,        LU, 0, _, 0)

#define IOLU_LUO_TARGETS(X)								\
	X(luo_session_create,		CALL,  SESSION_CREATE,   LUO, 0, _, 0)		\
	X(luo_session_retrieve,		CALL,  SESSION_RETRIEVE, LUO, 0, _, 0)		\
	X(luo_session_finish,		CALL,  SESSION_FINISH,   LUO, 0, _, 0)		\
	X(luo_preserve_file,		CALL,  FILE_PRESERVE,    LUO, 0, _, 0)		\
	X(luo_retrieve_file,		CALL,  FILE_RETRIEVE,    LUO, 0, _, 0)		\
	X(luo_file_freeze,		CALL,  FILE_FREEZE,      LUO, 0, _, 0)		\
	X(liveupdate_reboot,		CALL,  LUO_REBOOT,       LUO, 0, _, 0)		\
	X(kernel_kexec,			ENTRY, KEXEC,            LUO, 0, kexec_enter, 0)

#define IOLU_PGTABLE_TARGETS(X)								\
	X(__iommu_attach_device,	SCOPE, ATTACH, PGTABLE, 0, _, 0)			\
	X(report_iommu_fault,		SCOPE, FAULT,  PGTABLE, 0, _, 0)			\
	X(iommu_map_nosync,		ENTRY, MAP,    PGTABLE, IOLU_TF_COUNTED, map_enter, 6)	\
	X(iommu_unmap,			ENTRY, UNMAP,  PGTABLE, IOLU_TF_COUNTED, unmap_enter, 3) \
	X(iommu_unmap_fast,		ENTRY, UNMAP,  PGTABLE, IOLU_TF_COUNTED, unmap_enter, 4) \
	X(map,				TRACEPOINT, MAP,    PGTABLE, IOLU_TF_COUNTED, _, 0)	\
	X(unmap,			TRACEPOINT, UNMAP,  PGTABLE, IOLU_TF_COUNTED, _, 0)	\
	X(attach_device_to_domain,	TRACEPOINT, ATTACH, PGTABLE, 0, _, 0)		\
	X(io_page_fault,		TRACEPOINT, FAULT,  PGTABLE, 0, _, 0)

/*
 * cache_tag_flush_all hands over to cache_tag_flush_range, which counts;
 * cache_tag_flush_range_np skips tags that need no invalidation, which
 * only its tracepoint knows, so that one always stays attached.
 */
#define IOLU_VTD_TARGETS(X)								\
	X(cache_tag_flush_range,	ENTRY, CACHE_FLUSH, VTD, IOLU_TF_COUNTED,		\
	  flush_range_enter, 4)								\
	X(cache_tag_flush_all,		ENTRY, CACHE_FLUSH,    VTD, 0, flush_note, 1)	\
	X(cache_tag_flush_range_np,	ENTRY, CACHE_FLUSH_NP, VTD, 0, flush_note, 3)	\
	X(qi_submit,			TRACEPOINT, QI_SUBMIT,   VTD, 0, _, 0)		\
	X(cache_tag_flush_range,	TRACEPOINT, CACHE_FLUSH, VTD, IOLU_TF_COUNTED, _, 0) \
	X(cache_tag_flush_range_np,	TRACEPOINT, CACHE_FLUSH_NP, VTD, 0, _, 0)	\
	X(cache_tag_assign,		TRACEPOINT, NONE,        VTD, 0, _, 0)		\
	X(cache_tag_unassign,		TRACEPOINT, NONE,        VTD, 0, _, 0)

#define IOLU_TRACE_TARGETS(X)								\
	IOLU_LU_TARGETS(X) IOLU_LUO_TARGETS(X) IOLU_PGTABLE_TARGETS(X) IOLU_VTD_TARGETS(X)

#endif /* IOLU_BPF_TRACE_TARGETS_H */
