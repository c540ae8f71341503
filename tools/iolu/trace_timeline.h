/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The restore timeline: for each object of the handed-over state (the
 * state itself, each IOMMU unit, domain and device, named by the physical
 * address of its serialized object), the restore steps the next kernel
 * took on it, in time order, with their results. Boot trace and live
 * events go into one timeline.
 */
#ifndef IOLU_TRACE_TIMELINE_H
#define IOLU_TRACE_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "events.h"

#define IOLU_TIMELINE_MAX_OBJECTS 64
#define IOLU_TIMELINE_MAX_STEPS 8

enum iolu_object_kind {
	IOLU_OBJECT_STATE,
	IOLU_OBJECT_UNIT,
	IOLU_OBJECT_DOMAIN,
	IOLU_OBJECT_DEVICE,
};

struct iolu_timeline_step {
	uint64_t ts_ns;
	int32_t ret;
	uint16_t op;
	bool boot;		/* from the boot trace */
};

struct iolu_timeline_object {
	enum iolu_object_kind kind;
	uint64_t pa;
	uint32_t index;
	bool has_device;
	uint32_t sbdf;
	uint32_t did;
	uint64_t detail;	/* unit: register base; domain: page table root */
	unsigned int nr_steps;
	uint64_t more_steps;	/* beyond IOLU_TIMELINE_MAX_STEPS, counted */
	struct iolu_timeline_step steps[IOLU_TIMELINE_MAX_STEPS];
};

struct iolu_timeline {
	struct iolu_timeline_object objects[IOLU_TIMELINE_MAX_OBJECTS];
	unsigned int nr_objects;
	uint64_t more_objects;	/* steps of objects beyond the table, counted */
};

struct json_object;

/* The object kind a restore op acts on; false for the other ops. */
bool iolu_timeline_kind(unsigned int op, enum iolu_object_kind *kind);
const char *iolu_object_kind_name(enum iolu_object_kind kind);
/* Adds @e if it is a restore step on a serialized object. */
void iolu_timeline_add(struct iolu_timeline *timeline, const struct iolu_event *e);
/* Times are printed relative to @start_ns: boot steps come out negative. */
void iolu_timeline_print(const struct iolu_timeline *timeline, uint64_t start_ns, FILE *out);
struct json_object *iolu_timeline_to_json(const struct iolu_timeline *timeline,
					  uint64_t start_ns);

#endif /* IOLU_TRACE_TIMELINE_H */
