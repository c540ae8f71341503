/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning the tracer's ring buffer records into something to read: record
 * validation, operation names and classes, VT-d invalidation descriptor
 * decoding, and one event as a human line or a JSON object.
 */
#ifndef IOLU_TRACE_DECODE_H
#define IOLU_TRACE_DECODE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

struct json_object;

/* What a VT-d queued invalidation descriptor invalidates. */
enum iolu_inval_kind {
	IOLU_INVAL_CONTEXT_CACHE,
	IOLU_INVAL_IOTLB,
	IOLU_INVAL_DEVICE_IOTLB,
	IOLU_INVAL_PASID_CACHE,
	IOLU_INVAL_PASID_IOTLB,		/* extended (PASID-based) IOTLB */
	IOLU_INVAL_PASID_DEVICE_IOTLB,
	IOLU_INVAL_INTERRUPT_ENTRY,
	IOLU_INVAL_WAIT,		/* completion fence, invalidates nothing */
	IOLU_INVAL_PAGE_RESPONSE,
	IOLU_INVAL_OTHER,
	IOLU_INVAL_CACHE_TAG,		/* a cache tag flush, VT-d's own accounting */
	IOLU_INVAL_KIND_COUNT
};

struct iolu_qi_desc {
	enum iolu_inval_kind kind;
	unsigned int type;		/* the raw 7-bit descriptor type */
	bool has_did;
	uint16_t did;
	bool has_sid;
	uint16_t sid;			/* source ID: bus << 8 | devfn */
	unsigned int granularity;	/* type specific; see the decoder */
};

/* One record out of the ring buffer, validated. */
struct iolu_record {
	struct iolu_event event;
	bool has_name;
	char name[IOLU_NAME_LEN + 1];	/* always NUL terminated */
};

/* Broad families, for --op filters and the summary. */
enum iolu_op_class {
	IOLU_CLASS_CORE,
	IOLU_CLASS_LUO,
	IOLU_CLASS_PGTABLE,	/* map, unmap, attach */
	IOLU_CLASS_FAULT,
	IOLU_CLASS_INVAL,
};

int iolu_record_decode(const void *data, size_t size, struct iolu_record *record);

const char *iolu_op_name(unsigned int op);
int iolu_op_from_name(const char *name);
enum iolu_op_class iolu_op_class(unsigned int op);
const char *iolu_op_class_name(enum iolu_op_class class);
int iolu_op_class_from_name(const char *name);

void iolu_qi_decode(const uint64_t qw[4], struct iolu_qi_desc *desc);
const char *iolu_inval_kind_name(enum iolu_inval_kind kind);
/* The invalidation kind of an event, or -1 when it is not one. */
int iolu_event_inval_kind(const struct iolu_event *event);

/* "SSSS:BB:DD.F" into buf (at least 13 bytes). */
void iolu_format_sbdf(uint32_t sbdf, char *buf, size_t len);
int iolu_parse_sbdf(const char *text, uint32_t *sbdf);

/* One event as a line (no newline); ts is relative to start_ns. */
int iolu_format_record(const struct iolu_record *record, uint64_t start_ns,
		       char *buf, size_t len);
struct json_object *iolu_record_to_json(const struct iolu_record *record,
					uint64_t start_ns);

#endif /* IOLU_TRACE_DECODE_H */
