/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How much the tracer keeps, in one place: the BPF maps are sized from
 * these and userspace sizes its own tables and the ring buffer from the
 * same numbers, so the two sides cannot disagree on what fits.
 */
#ifndef IOLU_BPF_TRACE_SIZES_H
#define IOLU_BPF_TRACE_SIZES_H

/*
 * Preserved domains (and their domain IDs) tracked at once: by the BPF
 * side, to send what changes them, and by the rules, to flag it. A domain
 * beyond this is counted as overflow by the rules and not sent by the
 * kernel, so the two must agree.
 */
#define IOLU_MAX_PRESERVED_DOMAINS 1024

/* Traced calls in flight (entry seen, exit not yet), all threads together. */
#define IOLU_MAX_CALLS_IN_FLIGHT 8192
/* Threads that have entered an attach or a fault report. */
#define IOLU_MAX_SCOPE_THREADS 8192
/* (unit, domain ID) pairs whose domain queued invalidations look up. */
#define IOLU_MAX_DID_DOMAINS 4096
/* (domain, op, descriptor type) keys counted in the kernel. */
#define IOLU_MAX_HOT_KEYS 4096

/*
 * Ring buffer sizes in MiB (powers of two). Counted, only calls, attach,
 * faults and changes to preserved domains are sent: a few per live update,
 * or a fault storm, which 4 MiB (34952 records of 120 bytes) absorbs
 * between two reads 50 ms apart. Streaming map, unmap or invalidations,
 * the buffer holds 250 ms (five reads missed) of a million records a
 * second: 28.6 MiB, rounded up.
 */
#define IOLU_RINGBUF_COUNTED_MB 4
#define IOLU_RINGBUF_STREAMED_MB 32

#endif /* IOLU_BPF_TRACE_SIZES_H */
