// SPDX-License-Identifier: GPL-2.0
/*
 * The restore timeline, object by object. An object is known by its kind
 * and the physical address of its serialized form, which is the same in
 * the kernel's tracepoints and in the BPF records.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "trace_decode.h"
#include "trace_timeline.h"

static const char *const kind_names[] = {
	[IOLU_OBJECT_STATE] = "state",
	[IOLU_OBJECT_UNIT] = "unit",
	[IOLU_OBJECT_DOMAIN] = "domain",
	[IOLU_OBJECT_DEVICE] = "device",
};

const char *iolu_object_kind_name(enum iolu_object_kind kind)
{
	return kind <= IOLU_OBJECT_DEVICE ? kind_names[kind] : "unknown";
}

bool iolu_timeline_kind(unsigned int op, enum iolu_object_kind *kind)
{
	switch (op) {
	case IOLU_OP_FLB_RETRIEVE:
	case IOLU_OP_FLB_REJECT:
	case IOLU_OP_FLB_FINISH:
		*kind = IOLU_OBJECT_STATE;
		return true;
	case IOLU_OP_UNIT_RESTORE:
	case IOLU_OP_UNIT_ADOPT:
	case IOLU_OP_UNIT_REJECT:
		*kind = IOLU_OBJECT_UNIT;
		return true;
	case IOLU_OP_DOMAIN_RESTORE:
	case IOLU_OP_DOMAIN_REJECT:
		*kind = IOLU_OBJECT_DOMAIN;
		return true;
	case IOLU_OP_DEVICE_FIND:
	case IOLU_OP_DEVICE_ADOPT:
	case IOLU_OP_DEVICE_REJECT:
		*kind = IOLU_OBJECT_DEVICE;
		return true;
	}
	return false;
}

static struct iolu_timeline_object *find_object(struct iolu_timeline *timeline,
						enum iolu_object_kind kind, uint64_t pa)
{
	struct iolu_timeline_object *object;
	unsigned int i;

	for (i = 0; i < timeline->nr_objects; i++) {
		object = &timeline->objects[i];
		if (object->kind == kind && object->pa == pa)
			return object;
	}
	if (timeline->nr_objects == IOLU_TIMELINE_MAX_OBJECTS)
		return NULL;
	object = &timeline->objects[timeline->nr_objects++];
	memset(object, 0, sizeof(*object));
	object->kind = kind;
	object->pa = pa;
	return object;
}

/* What names the object besides its address, as far as @e tells. */
static void learn_identity(struct iolu_timeline_object *object, const struct iolu_event *e)
{
	if (e->flags & IOLU_EVF_INDEX)
		object->index = e->obj_index;
	if (e->flags & IOLU_EVF_SBDF) {
		object->has_device = true;
		object->sbdf = e->sbdf;
	}
	if (e->flags & IOLU_EVF_DID)
		object->did = e->did;
	if (object->kind == IOLU_OBJECT_UNIT || object->kind == IOLU_OBJECT_DOMAIN) {
		/* Both carry it in args[0]: register base, page table root */
		if (e->args[0])
			object->detail = e->args[0];
	}
}

void iolu_timeline_add(struct iolu_timeline *timeline, const struct iolu_event *e)
{
	struct iolu_timeline_object *object;
	struct iolu_timeline_step *step;
	enum iolu_object_kind kind;

	if (!(e->flags & IOLU_EVF_OBJ_PA) || !e->obj_pa || !iolu_timeline_kind(e->op, &kind))
		return;
	object = find_object(timeline, kind, e->obj_pa);
	if (!object) {
		timeline->more_objects++;
		return;
	}
	learn_identity(object, e);
	if (object->nr_steps == IOLU_TIMELINE_MAX_STEPS) {
		object->more_steps++;
		return;
	}
	step = &object->steps[object->nr_steps++];
	step->ts_ns = e->ts_ns;
	step->op = e->op;
	step->ret = (e->flags & IOLU_EVF_RET) ? e->ret : 0;
	step->boot = e->flags & IOLU_EVF_BOOT;
}

/* Seconds relative to @start_ns, signed: "-1.234567" or "+0.000123". */
static void format_rel(uint64_t ts_ns, uint64_t start_ns, char *buf, size_t len)
{
	uint64_t delta = ts_ns >= start_ns ? ts_ns - start_ns : start_ns - ts_ns;

	snprintf(buf, len, "%c%" PRIu64 ".%06" PRIu64, ts_ns >= start_ns ? '+' : '-',
		 delta / 1000000000, delta % 1000000000 / 1000);
}

static void format_label(const struct iolu_timeline_object *object, char *buf, size_t len)
{
	char sbdf[16];

	switch (object->kind) {
	case IOLU_OBJECT_DEVICE:
		if (object->has_device) {
			iolu_format_sbdf(object->sbdf, sbdf, sizeof(sbdf));
			snprintf(buf, len, "%s did %u", sbdf, object->did);
			return;
		}
		break;
	case IOLU_OBJECT_UNIT:
		if (object->detail) {
			snprintf(buf, len, "registers 0x%" PRIx64, object->detail);
			return;
		}
		break;
	case IOLU_OBJECT_DOMAIN:
		if (object->detail) {
			snprintf(buf, len, "page table 0x%" PRIx64, object->detail);
			return;
		}
		break;
	case IOLU_OBJECT_STATE:
		break;
	}
	snprintf(buf, len, "-");
}

void iolu_timeline_print(const struct iolu_timeline *timeline, uint64_t start_ns, FILE *out)
{
	const struct iolu_timeline_object *object;
	unsigned int i, s;
	char label[48], when[32];

	if (!timeline->nr_objects)
		return;
	fprintf(out, "  restore timeline (seconds from the start of tracing; b: boot trace):\n");
	for (i = 0; i < timeline->nr_objects; i++) {
		object = &timeline->objects[i];
		format_label(object, label, sizeof(label));
		fprintf(out, "    %-6s 0x%-10" PRIx64 " #%-3u %-26s", iolu_object_kind_name(object->kind),
			object->pa, object->index, label);
		for (s = 0; s < object->nr_steps; s++) {
			const struct iolu_timeline_step *step = &object->steps[s];

			format_rel(step->ts_ns, start_ns, when, sizeof(when));
			fprintf(out, "%s %s%s %s", s ? "," : "", step->boot ? "b" : "", when,
				iolu_op_name(step->op));
			if (step->ret)
				fprintf(out, " ret=%d", step->ret);
		}
		if (object->more_steps)
			fprintf(out, ", %" PRIu64 " more", object->more_steps);
		fputc('\n', out);
	}
	if (timeline->more_objects)
		fprintf(out, "    (%" PRIu64 " steps of more objects not shown)\n",
			timeline->more_objects);
}

static struct json_object *step_to_json(const struct iolu_timeline_step *step, uint64_t start_ns)
{
	struct json_object *obj = json_object_new_object();

	json_object_object_add(obj, "op", json_object_new_string(iolu_op_name(step->op)));
	json_object_object_add(obj, "ts_ns", json_object_new_int64((int64_t)(step->ts_ns - start_ns)));
	json_object_object_add(obj, "ret", json_object_new_int(step->ret));
	json_object_object_add(obj, "boot", json_object_new_boolean(step->boot));
	return obj;
}

static struct json_object *object_to_json(const struct iolu_timeline_object *object,
					  uint64_t start_ns)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *steps = json_object_new_array();
	char text[24];
	unsigned int s;

	json_object_object_add(obj, "kind",
			       json_object_new_string(iolu_object_kind_name(object->kind)));
	snprintf(text, sizeof(text), "0x%" PRIx64, object->pa);
	json_object_object_add(obj, "obj_pa", json_object_new_string(text));
	json_object_object_add(obj, "obj_index", json_object_new_uint64(object->index));
	if (object->has_device) {
		iolu_format_sbdf(object->sbdf, text, sizeof(text));
		json_object_object_add(obj, "device", json_object_new_string(text));
		json_object_object_add(obj, "did", json_object_new_uint64(object->did));
	}
	if (object->detail) {
		snprintf(text, sizeof(text), "0x%" PRIx64, object->detail);
		json_object_object_add(obj, object->kind == IOLU_OBJECT_UNIT ? "reg_base_pa" :
					    "pgtable_pa", json_object_new_string(text));
	}
	for (s = 0; s < object->nr_steps; s++)
		json_object_array_add(steps, step_to_json(&object->steps[s], start_ns));
	json_object_object_add(obj, "steps", steps);
	json_object_object_add(obj, "more_steps", json_object_new_uint64(object->more_steps));
	return obj;
}

struct json_object *iolu_timeline_to_json(const struct iolu_timeline *timeline,
					  uint64_t start_ns)
{
	struct json_object *objects = json_object_new_array();
	unsigned int i;

	for (i = 0; i < timeline->nr_objects; i++)
		json_object_array_add(objects, object_to_json(&timeline->objects[i], start_ns));
	return objects;
}
