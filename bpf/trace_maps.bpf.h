/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps and variables the tracer's BPF objects share. trace_maps.bpf.c
 * defines them (IOLU_TRACE_MAPS_OWNER); every other object sees them
 * extern, and `bpftool gen object` resolves those to the one definition,
 * which libbpf's static linker requires to be identical: hence one header.
 */
#ifndef IOLU_BPF_TRACE_MAPS_H
#define IOLU_BPF_TRACE_MAPS_H

#define __VMLINUX_H__	/* bpf_tracing.h: kernel pt_regs field names */
#include "iolu_types.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events.h"
#include "trace_sizes.h"

#ifdef IOLU_TRACE_MAPS_OWNER
#define IOLU_SHARED
#else
#define IOLU_SHARED extern
#endif

/* The ring buffer's size in bytes, set by the loader. */
IOLU_SHARED const volatile __u64 ring_bytes;

/*
 * Map, unmap and invalidation ops (bits of enum iolu_op) the user wants
 * one record each of, set by the loader from --op. The others are counted
 * here per domain and kind, which is what keeps tracing cheap on a busy
 * host, and still sent one by one when they hit a preserved domain, so
 * that the rules see every change that matters.
 */
IOLU_SHARED const volatile __u64 stream_hot_ops;
/*
 * The hot ops counted at the entry of the functions that take their
 * domain (map, unmap, cache tag flushes), set by the loader once those
 * entries are attached: their tracepoints are then left detached. Any
 * other op, or one whose entry is missing, comes from its tracepoint.
 */
IOLU_SHARED __u64 entry_counted_ops;

/* --pid: only this process's map/unmap/invalidations are counted. */
IOLU_SHARED const volatile __u32 count_tgid;

IOLU_SHARED struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, IOLU_RINGBUF_COUNTED_MB << 20);	/* resized by the loader */
} events SEC(".maps");

/* Records the ring buffer had no room for, per CPU. */
IOLU_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} lost_events SEC(".maps");

/* The domain the thread is operating on, while a domain function runs. */
struct domain_scope {
	u64 domain;
	u32 depth;
	u32 pad;
};

IOLU_SHARED struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IOLU_MAX_SCOPE_THREADS);
	__type(key, u32);
	__type(value, struct domain_scope);
} scopes SEC(".maps");

/* Threads inside a scope: while none is, nothing looks a scope up. */
IOLU_SHARED __s64 scopes_active;

/* Counts of map/unmap/invalidation events not sent one by one. */
IOLU_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOLU_MAX_HOT_KEYS);
	__type(key, struct iolu_hot_key);
	__type(value, u64);
} hot_counts SEC(".maps");

/*
 * The current run of one hot op on this CPU (see hot_count()). A program
 * preempted between reading and writing a slot can lose the count of the
 * program that ran meanwhile on the same CPU with the same op; the window
 * is a few instructions.
 */
IOLU_SHARED struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IOLU_OP_COUNT);
	__type(key, u32);
	__type(value, struct iolu_hot_slot);
} hot_slots SEC(".maps");

/* Hot events the hash table had no room for. */
IOLU_SHARED __u64 uncounted;

/* What the rules treat as preserved, kept here as trace_rules.c keeps it. */
IOLU_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOLU_MAX_PRESERVED_DOMAINS);
	__type(key, u64);
	__type(value, u8);
} preserved_domains SEC(".maps");

IOLU_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IOLU_MAX_PRESERVED_DOMAINS);
	__type(key, u32);
	__type(value, u8);
} preserved_dids SEC(".maps");

/* Something was preserved since the last FLB unpreserve or finish. */
IOLU_SHARED bool preserved_any;

#endif /* IOLU_BPF_TRACE_MAPS_H */
