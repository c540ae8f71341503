/* SPDX-License-Identifier: GPL-2.0 */
/* Events as the BPF side would send them, for the trace unit tests. */
#ifndef IOLU_TRACE_FIXTURES_H
#define IOLU_TRACE_FIXTURES_H

#include <string.h>

#include "events.h"

#define DOMAIN_A 0xffff888001000000ULL
#define DOMAIN_B 0xffff888002000000ULL

static inline struct iolu_event fixture_event(unsigned int op)
{
	struct iolu_event e;

	memset(&e, 0, sizeof(e));
	e.op = (uint16_t)op;
	e.ts_ns = 1000;
	e.pid = e.tid = 42;
	memcpy(e.comm, "tester", 6);
	return e;
}

static inline struct iolu_event fixture_call(unsigned int op, int ret, uint64_t latency_ns)
{
	struct iolu_event e = fixture_event(op);

	e.ret = ret;
	e.latency_ns = latency_ns;
	e.flags |= IOLU_EVF_RET | IOLU_EVF_LATENCY;
	return e;
}

static inline struct iolu_event fixture_on_domain(unsigned int op, uint64_t domain)
{
	struct iolu_event e = fixture_event(op);

	e.domain = domain;
	e.flags |= IOLU_EVF_DOMAIN;
	return e;
}

/* A VT-d IOTLB invalidation descriptor, domain selective. */
static inline struct iolu_event fixture_iotlb(uint64_t domain, uint32_t did)
{
	struct iolu_event e = fixture_on_domain(IOLU_OP_QI_SUBMIT, domain);

	if (!domain)
		e.flags &= (uint16_t)~IOLU_EVF_DOMAIN;
	e.did = did;
	e.flags |= IOLU_EVF_DID;
	e.args[0] = (uint64_t)did << 16 | 2 << 4 | 2;
	return e;
}

#endif
