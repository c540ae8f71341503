// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding of the tracer's records. Nothing here trusts the ring buffer:
 * a record of the wrong size or with an unknown operation is refused, and
 * a session name without its NUL is cut at its buffer's end.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "trace_decode.h"

struct op_info {
	const char *name;
	enum iolu_op_class class;
};

#define OP_INFO(op, name, class) [IOLU_OP_##op] = { #name, IOLU_CLASS_##class },

static const struct op_info op_infos[IOLU_OP_COUNT] = {
	IOLU_OPS(OP_INFO)
};

static const char *const class_names[] = {
	[IOLU_CLASS_CORE] = "core",
	[IOLU_CLASS_LUO] = "luo",
	[IOLU_CLASS_PGTABLE] = "pgtable",
	[IOLU_CLASS_FAULT] = "fault",
	[IOLU_CLASS_INVAL] = "inval",
};

static const char *const inval_kind_names[IOLU_INVAL_KIND_COUNT] = {
	[IOLU_INVAL_CONTEXT_CACHE] = "context-cache",
	[IOLU_INVAL_IOTLB] = "iotlb",
	[IOLU_INVAL_DEVICE_IOTLB] = "device-iotlb",
	[IOLU_INVAL_PASID_CACHE] = "pasid-cache",
	[IOLU_INVAL_PASID_IOTLB] = "pasid-iotlb",
	[IOLU_INVAL_PASID_DEVICE_IOTLB] = "pasid-device-iotlb",
	[IOLU_INVAL_INTERRUPT_ENTRY] = "interrupt-entry",
	[IOLU_INVAL_WAIT] = "wait",
	[IOLU_INVAL_PAGE_RESPONSE] = "page-response",
	[IOLU_INVAL_OTHER] = "other",
	[IOLU_INVAL_CACHE_TAG] = "cache-tag",
};

int iolu_record_decode(const void *data, size_t size, struct iolu_record *record)
{
	const struct iolu_named_event *named = data;

	memset(record, 0, sizeof(*record));
	if (!data || (size != sizeof(struct iolu_event) &&
		      size != sizeof(struct iolu_named_event)))
		return -EINVAL;
	memcpy(&record->event, data, sizeof(record->event));
	if (record->event.op == IOLU_OP_NONE || record->event.op >= IOLU_OP_COUNT)
		return -EINVAL;
	if (record->event.flags & IOLU_EVF_NAME) {
		if (size != sizeof(struct iolu_named_event))
			return -EINVAL;
		memcpy(record->name, named->name, IOLU_NAME_LEN);
		record->name[IOLU_NAME_LEN] = '\0';
		record->has_name = true;
	}
	return 0;
}

const char *iolu_op_name(unsigned int op)
{
	if (op >= IOLU_OP_COUNT || !op_infos[op].name)
		return "unknown";
	return op_infos[op].name;
}

int iolu_op_from_name(const char *name)
{
	unsigned int op;

	for (op = 1; op < IOLU_OP_COUNT; op++)
		if (!strcmp(op_infos[op].name, name))
			return (int)op;
	return -ENOENT;
}

enum iolu_op_class iolu_op_class(unsigned int op)
{
	if (op >= IOLU_OP_COUNT)
		return IOLU_CLASS_CORE;
	return op_infos[op].class;
}

const char *iolu_op_class_name(enum iolu_op_class class)
{
	return class_names[class];
}

int iolu_op_class_from_name(const char *name)
{
	size_t class;

	for (class = 0; class < sizeof(class_names) / sizeof(class_names[0]); class++)
		if (!strcmp(class_names[class], name))
			return (int)class;
	return -ENOENT;
}

const char *iolu_inval_kind_name(enum iolu_inval_kind kind)
{
	if ((unsigned int)kind >= IOLU_INVAL_KIND_COUNT)
		return "unknown";
	return inval_kind_names[kind];
}

/*
 * VT-d spec 6.5.2: the descriptor type is split over bits 3:0 and 11:9 of
 * the first quadword; the domain ID sits in bits 31:16 for the context,
 * IOTLB, PASID-IOTLB and PASID-cache types, the source ID in bits 47:32
 * for context-cache and both device-IOTLB types, and the granularity in
 * bits 5:4 wherever there is one.
 */
void iolu_qi_decode(const uint64_t qw[4], struct iolu_qi_desc *desc)
{
	uint64_t qw0 = qw[0];

	memset(desc, 0, sizeof(*desc));
	desc->type = (unsigned int)((qw0 & 0xf) | ((qw0 >> 5) & 0x70));
	desc->granularity = (unsigned int)((qw0 >> 4) & 0x3);
	switch (desc->type) {
	case 1:
		desc->kind = IOLU_INVAL_CONTEXT_CACHE;
		desc->has_did = desc->has_sid = true;
		break;
	case 2:
		desc->kind = IOLU_INVAL_IOTLB;
		desc->has_did = true;
		break;
	case 3:
		desc->kind = IOLU_INVAL_DEVICE_IOTLB;
		desc->has_sid = true;
		desc->granularity = 0;
		break;
	case 4:
		desc->kind = IOLU_INVAL_INTERRUPT_ENTRY;
		desc->granularity = (unsigned int)((qw0 >> 4) & 0x1);
		break;
	case 5:
		desc->kind = IOLU_INVAL_WAIT;
		desc->granularity = 0;
		break;
	case 6:
		desc->kind = IOLU_INVAL_PASID_IOTLB;
		desc->has_did = true;
		break;
	case 7:
		desc->kind = IOLU_INVAL_PASID_CACHE;
		desc->has_did = true;
		break;
	case 8:
		desc->kind = IOLU_INVAL_PASID_DEVICE_IOTLB;
		desc->has_sid = true;
		desc->granularity = 0;
		break;
	case 9:
	case 10:
		desc->kind = IOLU_INVAL_PAGE_RESPONSE;
		desc->granularity = 0;
		break;
	default:
		desc->kind = IOLU_INVAL_OTHER;
		desc->granularity = 0;
		break;
	}
	if (desc->has_did)
		desc->did = (uint16_t)(qw0 >> 16);
	if (desc->has_sid)
		desc->sid = (uint16_t)(qw0 >> 32);
}

int iolu_event_inval_kind(const struct iolu_event *event)
{
	struct iolu_qi_desc desc;

	switch (event->op) {
	case IOLU_OP_QI_SUBMIT:
		iolu_qi_decode(event->args, &desc);
		return desc.kind;
	case IOLU_OP_CACHE_FLUSH:
	case IOLU_OP_CACHE_FLUSH_NP:
		return IOLU_INVAL_CACHE_TAG;
	default:
		return -1;
	}
}

void iolu_format_sbdf(uint32_t sbdf, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", sbdf >> 16, (sbdf >> 8) & 0xff,
		 (sbdf >> 3) & 0x1f, sbdf & 0x7);
}

/* Hex digits up to @stop (or the end); -EINVAL for anything else or none. */
static int parse_hex_field(const char **text, char stop, unsigned long *value)
{
	const char *p = *text;
	unsigned long parsed = 0;
	size_t digits = 0;

	for (; *p && *p != stop; p++, digits++) {
		if (!isxdigit((unsigned char)*p) || digits >= 8)
			return -EINVAL;
		parsed = parsed * 16 + (unsigned long)(isdigit((unsigned char)*p) ?
			 *p - '0' : tolower((unsigned char)*p) - 'a' + 10);
	}
	if (!digits || *p != stop)
		return -EINVAL;
	*value = parsed;
	*text = *p ? p + 1 : p;
	return 0;
}

/* SSSS:BB:DD.F or BB:DD.F (segment 0), hexadecimal like lspci. */
int iolu_parse_sbdf(const char *text, uint32_t *sbdf)
{
	unsigned long segment = 0, bus, dev, fn;
	const char *colon = strchr(text, ':');
	const char *p = text;

	if (colon && strchr(colon + 1, ':') && parse_hex_field(&p, ':', &segment))
		return -EINVAL;
	if (parse_hex_field(&p, ':', &bus) || parse_hex_field(&p, '.', &dev) ||
	    parse_hex_field(&p, '\0', &fn))
		return -EINVAL;
	if (segment > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -ERANGE;
	*sbdf = (uint32_t)(segment << 16 | bus << 8 | dev << 3 | fn);
	return 0;
}

struct line {
	char *buf;
	size_t len;
	size_t used;
};

static void line_add(struct line *line, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void line_add(struct line *line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (line->used >= line->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line->buf + line->used, line->len - line->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		line->used += (size_t)n;
}

static void format_latency(struct line *line, uint64_t ns)
{
	if (ns < 10000)
		line_add(line, " lat=%" PRIu64 "ns", ns);
	else if (ns < 10000000)
		line_add(line, " lat=%.1fus", ns / 1e3);
	else
		line_add(line, " lat=%.1fms", ns / 1e6);
}

/* The boot trace's state events carry the state's object counts. */
static bool is_boot_state_event(const struct iolu_event *e)
{
	if (!(e->flags & IOLU_EVF_BOOT))
		return false;
	return e->op == IOLU_OP_FLB_PRESERVE || e->op == IOLU_OP_FLB_UNPRESERVE ||
	       e->op == IOLU_OP_FLB_RETRIEVE || e->op == IOLU_OP_FLB_REJECT;
}

static void format_op_args(struct line *line, const struct iolu_event *e)
{
	struct iolu_qi_desc desc;

	switch (e->op) {
	case IOLU_OP_MAP:
		line_add(line, " iova=0x%" PRIx64 " pa=0x%" PRIx64 " size=0x%" PRIx64,
			 e->args[0], e->args[1], e->args[2]);
		break;
	case IOLU_OP_UNMAP:
		line_add(line, " iova=0x%" PRIx64 " size=0x%" PRIx64, e->args[0], e->args[1]);
		if (!(e->flags & IOLU_EVF_ENTRY))
			line_add(line, " unmapped=0x%" PRIx64, e->args[2]);
		break;
	case IOLU_OP_FAULT:
		line_add(line, " iova=0x%" PRIx64 " flags=0x%" PRIx64, e->args[0], e->args[1]);
		break;
	case IOLU_OP_QI_SUBMIT:
		iolu_qi_decode(e->args, &desc);
		line_add(line, " kind=%s gran=%u qw0=0x%" PRIx64 " qw1=0x%" PRIx64,
			 iolu_inval_kind_name(desc.kind), desc.granularity,
			 e->args[0], e->args[1]);
		if (desc.has_sid)
			line_add(line, " sid=%02x:%02x.%x", desc.sid >> 8,
				 (desc.sid >> 3) & 0x1f, desc.sid & 7);
		break;
	case IOLU_OP_CACHE_FLUSH:
	case IOLU_OP_CACHE_FLUSH_NP:
		line_add(line, " start=0x%" PRIx64 " end=0x%" PRIx64, e->args[0], e->args[1]);
		if (!(e->flags & IOLU_EVF_ENTRY))
			line_add(line, " addr=0x%" PRIx64 " mask=%" PRIu64, e->args[2],
				 e->args[3] >> 8);
		line_add(line, " tag_type=%" PRIu64, e->args[3] & 0xff);
		break;
	case IOLU_OP_DOMAIN_PRESERVE:
	case IOLU_OP_DOMAIN_RESTORE:
	case IOLU_OP_DOMAIN_REJECT:
		if (e->flags & IOLU_EVF_OBJ_PA)
			line_add(line, " pgtable=0x%" PRIx64 " levels=%" PRIu64,
				 e->args[0], e->args[1]);
		break;
	case IOLU_OP_DEVICE_PRESERVE:
	case IOLU_OP_DEVICE_ADOPT:
	case IOLU_OP_DEVICE_REJECT:
		line_add(line, " domain_obj=0x%" PRIx64, e->args[0]);
		if (e->flags & IOLU_EVF_OBJ_PA)
			line_add(line, " unit_obj=0x%" PRIx64, e->args[1]);
		break;
	case IOLU_OP_UNIT_PRESERVE:
	case IOLU_OP_UNIT_UNPRESERVE:
	case IOLU_OP_UNIT_RESTORE:
	case IOLU_OP_UNIT_ADOPT:
	case IOLU_OP_UNIT_REJECT:
		line_add(line, " reg_base=0x%" PRIx64 " type=%" PRIu64, e->args[0], e->args[1]);
		break;
	case IOLU_OP_FILE_PRESERVE:
		line_add(line, " fd=%" PRId64, (int64_t)e->args[0]);
		break;
	}
	if (is_boot_state_event(e))
		line_add(line, " units=%" PRIu64 " domains=%" PRIu64 " devices=%" PRIu64,
			 e->args[0], e->args[1], e->args[2]);
}

int iolu_format_record(const struct iolu_record *record, uint64_t start_ns,
		       char *buf, size_t len)
{
	const struct iolu_event *e = &record->event;
	struct line line = { .buf = buf, .len = len };
	/* Boot trace events happened before tracing started */
	bool before = (e->flags & IOLU_EVF_BOOT) && e->ts_ns < start_ns;
	uint64_t rel = before ? start_ns - e->ts_ns :
		       e->ts_ns >= start_ns ? e->ts_ns - start_ns : 0;
	char sbdf[16];

	if (len)
		buf[0] = '\0';
	line_add(&line, "%s%5" PRIu64 ".%06" PRIu64 " %-17s", before ? "-" : " ",
		 rel / 1000000000, rel % 1000000000 / 1000, iolu_op_name(e->op));
	if (e->flags & IOLU_EVF_BOOT)
		line_add(&line, " boot");
	if (e->flags & IOLU_EVF_RET)
		line_add(&line, " ret=%d", e->ret);
	if (e->flags & IOLU_EVF_LATENCY)
		format_latency(&line, e->latency_ns);
	if (e->flags & IOLU_EVF_ENTRY)
		line_add(&line, " at=entry");
	if (record->has_name)
		line_add(&line, " session=\"%s\"", record->name);
	if (e->flags & IOLU_EVF_SBDF) {
		iolu_format_sbdf(e->sbdf, sbdf, sizeof(sbdf));
		line_add(&line, " dev=%s", sbdf);
	}
	if (e->flags & IOLU_EVF_DOMAIN)
		line_add(&line, " domain=0x%" PRIx64, e->domain);
	if (e->flags & IOLU_EVF_DID)
		line_add(&line, " did=%u", e->did);
	if (e->flags & IOLU_EVF_TOKEN)
		line_add(&line, " token=%" PRIu64, e->token);
	if (e->flags & IOLU_EVF_OBJ_PA)
		line_add(&line, " obj=0x%" PRIx64, e->obj_pa);
	if (e->flags & IOLU_EVF_INDEX)
		line_add(&line, " index=%u", e->obj_index);
	format_op_args(&line, e);
	line_add(&line, " pid=%u comm=%.*s", e->pid, (int)sizeof(e->comm), e->comm);
	return line.used < len ? 0 : -ENOSPC;
}

static void json_add_hex(struct json_object *obj, const char *key, uint64_t value)
{
	char text[24];

	snprintf(text, sizeof(text), "0x%" PRIx64, value);
	json_object_object_add(obj, key, json_object_new_string(text));
}

static void json_add_u64(struct json_object *obj, const char *key, uint64_t value)
{
	json_object_object_add(obj, key, json_object_new_uint64(value));
}

static void json_add_op_args(struct json_object *obj, const struct iolu_event *e)
{
	struct iolu_qi_desc desc;

	switch (e->op) {
	case IOLU_OP_MAP:
		json_add_hex(obj, "iova", e->args[0]);
		json_add_hex(obj, "paddr", e->args[1]);
		json_add_u64(obj, "size", e->args[2]);
		break;
	case IOLU_OP_UNMAP:
		json_add_hex(obj, "iova", e->args[0]);
		json_add_u64(obj, "size", e->args[1]);
		if (!(e->flags & IOLU_EVF_ENTRY))
			json_add_u64(obj, "unmapped", e->args[2]);
		break;
	case IOLU_OP_FAULT:
		json_add_hex(obj, "iova", e->args[0]);
		json_add_u64(obj, "fault_flags", e->args[1]);
		break;
	case IOLU_OP_QI_SUBMIT:
		iolu_qi_decode(e->args, &desc);
		json_object_object_add(obj, "kind",
				       json_object_new_string(iolu_inval_kind_name(desc.kind)));
		json_add_u64(obj, "granularity", desc.granularity);
		if (desc.has_sid)
			json_add_u64(obj, "sid", desc.sid);
		for (int i = 0; i < 4; i++) {
			char key[4] = { 'q', 'w', (char)('0' + i), '\0' };

			json_add_hex(obj, key, e->args[i]);
		}
		break;
	case IOLU_OP_CACHE_FLUSH:
	case IOLU_OP_CACHE_FLUSH_NP:
		json_add_hex(obj, "start", e->args[0]);
		json_add_hex(obj, "end", e->args[1]);
		if (!(e->flags & IOLU_EVF_ENTRY)) {
			json_add_hex(obj, "addr", e->args[2]);
			json_add_u64(obj, "mask", e->args[3] >> 8);
		}
		json_add_u64(obj, "tag_type", e->args[3] & 0xff);
		break;
	case IOLU_OP_DOMAIN_PRESERVE:
	case IOLU_OP_DOMAIN_RESTORE:
	case IOLU_OP_DOMAIN_REJECT:
		if (e->flags & IOLU_EVF_OBJ_PA) {
			json_add_hex(obj, "pgtable_pa", e->args[0]);
			json_add_u64(obj, "levels", e->args[1]);
		}
		break;
	case IOLU_OP_DEVICE_PRESERVE:
	case IOLU_OP_DEVICE_ADOPT:
	case IOLU_OP_DEVICE_REJECT:
		json_add_hex(obj, "domain_obj_pa", e->args[0]);
		if (e->flags & IOLU_EVF_OBJ_PA)
			json_add_hex(obj, "unit_obj_pa", e->args[1]);
		break;
	case IOLU_OP_UNIT_PRESERVE:
	case IOLU_OP_UNIT_UNPRESERVE:
	case IOLU_OP_UNIT_RESTORE:
	case IOLU_OP_UNIT_ADOPT:
	case IOLU_OP_UNIT_REJECT:
		json_add_hex(obj, "reg_base_pa", e->args[0]);
		json_add_u64(obj, "unit_type", e->args[1]);
		if (e->flags & IOLU_EVF_BOOT)
			json_add_hex(obj, "root_table_pa", e->args[2]);
		break;
	case IOLU_OP_FILE_PRESERVE:
		json_object_object_add(obj, "fd", json_object_new_int64((int64_t)e->args[0]));
		break;
	}
	if (is_boot_state_event(e)) {
		json_add_u64(obj, "units", e->args[0]);
		json_add_u64(obj, "domains", e->args[1]);
		json_add_u64(obj, "devices", e->args[2]);
	}
}

struct json_object *iolu_record_to_json(const struct iolu_record *record,
					uint64_t start_ns)
{
	const struct iolu_event *e = &record->event;
	struct json_object *obj = json_object_new_object();
	char text[IOLU_NAME_LEN + 1];

	if (!obj)
		return NULL;
	/* Negative for the boot trace: before tracing started */
	if (e->flags & IOLU_EVF_BOOT)
		json_object_object_add(obj, "ts_ns",
				       json_object_new_int64((int64_t)(e->ts_ns - start_ns)));
	else
		json_add_u64(obj, "ts_ns", e->ts_ns >= start_ns ? e->ts_ns - start_ns : 0);
	json_object_object_add(obj, "op", json_object_new_string(iolu_op_name(e->op)));
	if (e->flags & IOLU_EVF_BOOT)
		json_object_object_add(obj, "boot", json_object_new_boolean(1));
	if (e->flags & IOLU_EVF_RET)
		json_object_object_add(obj, "ret", json_object_new_int(e->ret));
	if (e->flags & IOLU_EVF_LATENCY)
		json_add_u64(obj, "latency_ns", e->latency_ns);
	if (e->flags & IOLU_EVF_ENTRY)
		json_object_object_add(obj, "at_entry", json_object_new_boolean(1));
	if (record->has_name)
		json_object_object_add(obj, "session", json_object_new_string(record->name));
	if (e->flags & IOLU_EVF_SBDF) {
		iolu_format_sbdf(e->sbdf, text, sizeof(text));
		json_object_object_add(obj, "device", json_object_new_string(text));
	}
	if (e->flags & IOLU_EVF_DOMAIN)
		json_add_hex(obj, "domain", e->domain);
	if (e->flags & IOLU_EVF_DID)
		json_add_u64(obj, "did", e->did);
	if (e->flags & IOLU_EVF_TOKEN)
		json_add_u64(obj, "token", e->token);
	if (e->flags & IOLU_EVF_OBJ_PA)
		json_add_hex(obj, "obj_pa", e->obj_pa);
	if (e->flags & IOLU_EVF_INDEX)
		json_add_u64(obj, "obj_index", e->obj_index);
	json_add_op_args(obj, e);
	json_add_u64(obj, "pid", e->pid);
	json_add_u64(obj, "tid", e->tid);
	snprintf(text, sizeof(text), "%.*s", (int)sizeof(e->comm), e->comm);
	json_object_object_add(obj, "comm", json_object_new_string(text));
	return obj;
}
