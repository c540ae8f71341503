// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the boot trace instance. The `trace` file is text: one event a
 * line, "TASK-PID [CPU] FLAGS SECONDS.MICROS: EVENT: key=value ...", in
 * time order across CPUs. Lines are parsed field by field and a line that
 * does not parse is named, never trusted; fields an event does not need
 * are ignored, so that a newer kernel may add some.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_boot.h"

/* Lines named on the error stream; the rest are only counted. */
#define BAD_LINES_SHOWN 5
#define LINE_MAX_LEN 4096

enum boot_kind { BOOT_STATE, BOOT_UNIT, BOOT_DOMAIN, BOOT_DEVICE };

struct boot_event {
	const char *name;
	enum boot_kind kind;
	uint16_t op;
};

/* include/trace/events/iommu_lu.h of the series, event by event. */
static const struct boot_event boot_events[] = {
	{ "iommu_lu_state_preserve", BOOT_STATE, IOLU_OP_FLB_PRESERVE },
	{ "iommu_lu_state_unpreserve", BOOT_STATE, IOLU_OP_FLB_UNPRESERVE },
	{ "iommu_lu_state_restore", BOOT_STATE, IOLU_OP_FLB_RETRIEVE },
	{ "iommu_lu_state_reject", BOOT_STATE, IOLU_OP_FLB_REJECT },
	{ "iommu_lu_unit_preserve", BOOT_UNIT, IOLU_OP_UNIT_PRESERVE },
	{ "iommu_lu_unit_unpreserve", BOOT_UNIT, IOLU_OP_UNIT_UNPRESERVE },
	{ "iommu_lu_unit_restore", BOOT_UNIT, IOLU_OP_UNIT_RESTORE },
	{ "iommu_lu_unit_adopt", BOOT_UNIT, IOLU_OP_UNIT_ADOPT },
	{ "iommu_lu_unit_reject", BOOT_UNIT, IOLU_OP_UNIT_REJECT },
	{ "iommu_lu_domain_preserve", BOOT_DOMAIN, IOLU_OP_DOMAIN_PRESERVE },
	{ "iommu_lu_domain_unpreserve", BOOT_DOMAIN, IOLU_OP_DOMAIN_UNPRESERVE },
	{ "iommu_lu_domain_restore", BOOT_DOMAIN, IOLU_OP_DOMAIN_RESTORE },
	{ "iommu_lu_domain_reject", BOOT_DOMAIN, IOLU_OP_DOMAIN_REJECT },
	{ "iommu_lu_device_preserve", BOOT_DEVICE, IOLU_OP_DEVICE_PRESERVE },
	{ "iommu_lu_device_unpreserve", BOOT_DEVICE, IOLU_OP_DEVICE_UNPRESERVE },
	{ "iommu_lu_device_restore", BOOT_DEVICE, IOLU_OP_DEVICE_FIND },
	{ "iommu_lu_device_adopt", BOOT_DEVICE, IOLU_OP_DEVICE_ADOPT },
	{ "iommu_lu_device_reject", BOOT_DEVICE, IOLU_OP_DEVICE_REJECT },
};

static const struct boot_event *boot_event_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(boot_events) / sizeof(boot_events[0]); i++)
		if (strlen(boot_events[i].name) == len && !strncmp(boot_events[i].name, name, len))
			return &boot_events[i];
	return NULL;
}

/* The value of "key=" among the space separated fields of @payload. */
static const char *field_value(const char *payload, const char *key)
{
	size_t len = strlen(key);
	const char *at = payload;

	while ((at = strstr(at, key))) {
		if ((at == payload || at[-1] == ' ') && at[len] == '=')
			return at + len + 1;
		at += len;
	}
	return NULL;
}

static int field_u64(const char *payload, const char *key, uint64_t *value, const char **why)
{
	const char *text = field_value(payload, key);
	unsigned long long parsed;
	char *end;

	if (!text) {
		*why = "a field of the event is missing";
		return -EINVAL;
	}
	errno = 0;
	parsed = strtoull(text, &end, 0);
	if (errno || end == text || (*end && *end != ' ') || *text == '-') {
		*why = "a field of the event is not a number";
		return -EINVAL;
	}
	*value = parsed;
	return 0;
}

static int field_ret(const char *payload, int32_t *ret, const char **why)
{
	const char *text = field_value(payload, "ret");
	long parsed;
	char *end;

	if (!text) {
		*why = "the event has no ret= field";
		return -EINVAL;
	}
	errno = 0;
	parsed = strtol(text, &end, 10);
	if (errno || end == text || (*end && *end != ' ') || parsed > 0 || parsed < -4095) {
		*why = "ret= is not 0 or a negative errno";
		return -EINVAL;
	}
	*ret = (int32_t)parsed;
	return 0;
}

/* dev=SSSS:BB:DD.F, as the device events print it. */
static int field_sbdf(const char *payload, uint32_t *sbdf, const char **why)
{
	const char *text = field_value(payload, "dev");
	char word[16];
	size_t len;

	if (!text) {
		*why = "the device event has no dev= field";
		return -EINVAL;
	}
	len = strcspn(text, " ");
	if (len < sizeof(word)) {
		memcpy(word, text, len);
		word[len] = '\0';
		if (!iolu_parse_sbdf(word, sbdf))
			return 0;
	}
	*why = "dev= is not a PCI address (SSSS:BB:DD.F)";
	return -EINVAL;
}

static int fill_state(const char *payload, struct iolu_event *e, const char **why)
{
	if (field_u64(payload, "units", &e->args[0], why) ||
	    field_u64(payload, "domains", &e->args[1], why) ||
	    field_u64(payload, "devices", &e->args[2], why))
		return -EINVAL;
	return 0;
}

static int fill_unit(const char *payload, struct iolu_event *e, const char **why)
{
	if (field_u64(payload, "reg", &e->args[0], why) ||
	    field_u64(payload, "type", &e->args[1], why) ||
	    field_u64(payload, "root", &e->args[2], why))
		return -EINVAL;
	return 0;
}

static int fill_domain(const char *payload, struct iolu_event *e, const char **why)
{
	if (field_u64(payload, "pgtable", &e->args[0], why) ||
	    field_u64(payload, "levels", &e->args[1], why))
		return -EINVAL;
	return 0;
}

static int fill_device(const char *payload, struct iolu_event *e, const char **why)
{
	uint64_t did;

	if (field_sbdf(payload, &e->sbdf, why) ||
	    field_u64(payload, "did", &did, why) ||
	    field_u64(payload, "token", &e->token, why) ||
	    field_u64(payload, "domain", &e->args[0], why) ||
	    field_u64(payload, "unit", &e->args[1], why))
		return -EINVAL;
	if (did > UINT32_MAX) {
		*why = "did= is out of range";
		return -EINVAL;
	}
	e->did = (uint32_t)did;
	e->flags |= IOLU_EVF_SBDF | IOLU_EVF_DID | IOLU_EVF_TOKEN;
	return 0;
}

static int fill_event(const struct boot_event *kind, const char *payload,
		      struct iolu_event *e, const char **why)
{
	uint64_t index = 0;

	e->op = kind->op;
	e->flags |= IOLU_EVF_BOOT | IOLU_EVF_RET | IOLU_EVF_OBJ_PA;
	if (field_u64(payload, "pa", &e->obj_pa, why) || field_ret(payload, &e->ret, why))
		return -EINVAL;
	if (kind->kind != BOOT_STATE) {
		if (field_u64(payload, "index", &index, why))
			return -EINVAL;
		if (index > UINT32_MAX) {
			*why = "index= is out of range";
			return -EINVAL;
		}
		e->obj_index = (uint32_t)index;
		e->flags |= IOLU_EVF_INDEX;
	}
	switch (kind->kind) {
	case BOOT_STATE:
		return fill_state(payload, e, why);
	case BOOT_UNIT:
		return fill_unit(payload, e, why);
	case BOOT_DOMAIN:
		return fill_domain(payload, e, why);
	case BOOT_DEVICE:
		return fill_device(payload, e, why);
	}
	return 0;
}

/* "SECONDS.FRACTION" (micro- or nanoseconds) ending at a ':'. */
static int parse_timestamp(const char *text, size_t len, uint64_t *ns)
{
	uint64_t seconds = 0, fraction = 0;
	size_t i = 0, digits = 0;

	for (; i < len && isdigit((unsigned char)text[i]); i++) {
		if (seconds > UINT64_MAX / 10000000000ULL)
			return -EINVAL;
		seconds = seconds * 10 + (uint64_t)(text[i] - '0');
	}
	if (!i || i >= len || text[i++] != '.')
		return -EINVAL;
	for (; i < len && isdigit((unsigned char)text[i]) && digits < 9; i++, digits++)
		fraction = fraction * 10 + (uint64_t)(text[i] - '0');
	if (!digits || i != len)
		return -EINVAL;
	for (; digits < 9; digits++)
		fraction *= 10;
	*ns = seconds * 1000000000ULL + fraction;
	return 0;
}

/* "TASK-PID" before the CPU column: the task's name and its pid. */
static void parse_task(const char *line, size_t len, struct iolu_event *e)
{
	const char *dash;
	size_t start = 0, comm_len;

	while (start < len && line[start] == ' ')
		start++;
	while (len > start && line[len - 1] == ' ')
		len--;
	for (dash = line + len; dash > line + start && dash[-1] != '-'; dash--)
		;
	if (dash == line + start)
		return;
	dash--;
	e->pid = e->tid = (uint32_t)strtoul(dash + 1, NULL, 10);
	comm_len = (size_t)(dash - line) - start;
	memcpy(e->comm, line + start, comm_len < sizeof(e->comm) ? comm_len : sizeof(e->comm));
}

/* The CPU column "[NNN]" followed by a space: where it starts, or NULL. */
static const char *find_cpu_column(const char *line, const char **end)
{
	const char *at = line;
	unsigned int cpu;
	int used;

	while ((at = strchr(at, '['))) {
		used = 0;
		if (sscanf(at, "[%3u]%n", &cpu, &used) == 1 && used && at[used] == ' ') {
			*end = at + used;
			return at;
		}
		at++;
	}
	return NULL;
}

/* The timestamp ending in ':' after the CPU column and its FLAGS, if shown. */
static const char *find_timestamp(const char *cpu_end, size_t *len)
{
	const char *ts = cpu_end + strspn(cpu_end, " ");

	*len = strcspn(ts, " ");
	if (*len && ts[*len - 1] != ':') {
		ts += *len;
		ts += strspn(ts, " ");
		*len = strcspn(ts, " ");
	}
	return ts;
}

int iolu_boot_parse_line(const char *line, struct iolu_record *record, const char **why)
{
	const char *at, *cpu, *cpu_end, *ts, *name;
	const struct boot_event *kind;
	size_t len;

	memset(record, 0, sizeof(*record));
	*why = NULL;
	at = line + strspn(line, " \t");
	if (!*at || *at == '\n' || *at == '#')
		return 0;
	cpu = find_cpu_column(line, &cpu_end);
	if (!cpu) {
		*why = "no [CPU] column: not an event line";
		return -EINVAL;
	}
	ts = find_timestamp(cpu_end, &len);
	if (!len || ts[len - 1] != ':' || parse_timestamp(ts, len - 1, &record->event.ts_ns)) {
		*why = "no SECONDS.MICROS: timestamp after the CPU column";
		return -EINVAL;
	}
	name = ts + len + strspn(ts + len, " ");
	len = strcspn(name, ": ");
	if (!len || name[len] != ':') {
		*why = "no EVENT: name after the timestamp";
		return -EINVAL;
	}
	if (strncmp(name, "iommu_lu_", 9))
		return 0;
	kind = boot_event_find(name, len);
	if (!kind) {
		*why = "an iommu_lu event this iolu does not know";
		return -EINVAL;
	}
	parse_task(line, (size_t)(cpu - line), &record->event);
	return fill_event(kind, name + len + 1, &record->event, why) ? -EINVAL : 1;
}

static int boot_add(struct iolu_boot_trace *boot, const struct iolu_record *record)
{
	struct iolu_record *grown;
	size_t cap;

	if (boot->nr_records == IOLU_BOOT_MAX_RECORDS) {
		boot->lost++;
		return 0;
	}
	if (boot->nr_records == boot->cap_records) {
		cap = boot->cap_records ? boot->cap_records * 2 : 256;
		grown = realloc(boot->records, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		boot->records = grown;
		boot->cap_records = cap;
	}
	boot->records[boot->nr_records++] = *record;
	return 0;
}

/*
 * What the kernel says it dropped: "entries-in-buffer/entries-written: A/B"
 * in the header (B - A were overwritten) and "CPU:N [LOST M EVENTS]".
 */
static bool parse_loss(const char *line, uint64_t *lost)
{
	unsigned long long in_buffer, written, dropped;
	const char *at;
	unsigned int cpu;

	at = strstr(line, "entries-in-buffer/entries-written:");
	if (at && sscanf(at, "entries-in-buffer/entries-written: %llu/%llu",
			 &in_buffer, &written) == 2) {
		*lost += written > in_buffer ? written - in_buffer : 0;
		return true;
	}
	if (sscanf(line, "CPU:%u [LOST %llu EVENTS]", &cpu, &dropped) == 2) {
		*lost += dropped;
		return true;
	}
	/* "##### CPU 1 buffer started ####" and the like */
	return !strncmp(line, "#####", 5);
}

static void report_bad(struct iolu_boot_trace *boot, unsigned long line_no,
		       const char *line, const char *why, FILE *err)
{
	boot->bad_lines++;
	if (!err || boot->bad_lines > BAD_LINES_SHOWN)
		return;
	fprintf(err, "iolu trace: %s:%lu: %s: '%.120s'\n", boot->source, line_no, why, line);
}

/* A stable merge sort by time: events of one timestamp keep their order. */
static void sort_records(struct iolu_record *records, struct iolu_record *tmp, size_t nr)
{
	size_t width, lo, mid, hi, i, j, k;

	for (width = 1; width < nr; width *= 2) {
		for (lo = 0; lo < nr; lo += 2 * width) {
			mid = lo + width < nr ? lo + width : nr;
			hi = lo + 2 * width < nr ? lo + 2 * width : nr;
			for (i = lo, j = mid, k = lo; k < hi; k++)
				tmp[k] = (j >= hi || (i < mid && records[i].event.ts_ns <=
							      records[j].event.ts_ns)) ?
					 records[i++] : records[j++];
		}
		memcpy(records, tmp, nr * sizeof(*records));
	}
}

static int sort_by_time(struct iolu_boot_trace *boot)
{
	struct iolu_record *tmp;
	size_t i;

	for (i = 1; i < boot->nr_records; i++)
		if (boot->records[i].event.ts_ns < boot->records[i - 1].event.ts_ns)
			break;
	if (i >= boot->nr_records)
		return 0;
	tmp = calloc(boot->nr_records, sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	sort_records(boot->records, tmp, boot->nr_records);
	free(tmp);
	return 0;
}

int iolu_boot_read(FILE *in, const char *source, struct iolu_boot_trace *boot, FILE *err)
{
	char line[LINE_MAX_LEN];
	struct iolu_record record;
	unsigned long line_no = 0;
	const char *why;
	size_t len;
	int ret;

	snprintf(boot->source, sizeof(boot->source), "%s", source);
	while (fgets(line, sizeof(line), in)) {
		line_no++;
		len = strlen(line);
		if (len && line[len - 1] == '\n') {
			line[--len] = '\0';
		} else if (!feof(in)) {
			/* Longer than any event: skip the rest of it */
			report_bad(boot, line_no, line, "line too long", err);
			while (fgets(line, sizeof(line), in) && !strchr(line, '\n'))
				;
			continue;
		}
		if (parse_loss(line, &boot->lost))
			continue;
		ret = iolu_boot_parse_line(line, &record, &why);
		if (ret < 0) {
			report_bad(boot, line_no, line, why, err);
		} else if (ret == 0) {
			if (line[strspn(line, " ")] && line[strspn(line, " ")] != '#')
				boot->other_events++;
		} else if (boot_add(boot, &record)) {
			return -ENOMEM;
		}
	}
	if (err && boot->bad_lines > BAD_LINES_SHOWN)
		fprintf(err, "iolu trace: %s: %" PRIu64 " more lines that do not parse\n",
			boot->source, boot->bad_lines - BAD_LINES_SHOWN);
	return sort_by_time(boot);
}

/* Where tracefs is: its own mount point, or under debugfs. */
static const char *const tracefs_roots[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
};

int iolu_boot_load(const char *instance, struct iolu_boot_trace *boot, FILE *err)
{
	char path[256];
	size_t i;
	FILE *in;
	int ret;

	if (!*instance || strchr(instance, '/') || !strcmp(instance, "..")) {
		fprintf(err, "iolu trace: --boot: '%s' is not a trace instance name\n", instance);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(tracefs_roots) / sizeof(tracefs_roots[0]); i++) {
		snprintf(path, sizeof(path), "%s/instances/%s/trace", tracefs_roots[i], instance);
		in = fopen(path, "r");
		if (!in)
			continue;
		ret = iolu_boot_read(in, path, boot, err);
		if (ferror(in) && !ret) {
			fprintf(err, "iolu trace: reading %s: %s\n", path, strerror(errno));
			ret = -EIO;
		}
		fclose(in);
		return ret;
	}
	fprintf(err, "iolu trace: --boot: no trace instance '%s' under %s (or %s): boot the "
		"kernel with trace_instance=%s,iommu_lu to record its IOMMU restore\n",
		instance, tracefs_roots[0], tracefs_roots[1], instance);
	return -ENOENT;
}

void iolu_boot_free(struct iolu_boot_trace *boot)
{
	free(boot->records);
	memset(boot, 0, sizeof(*boot));
}
