// SPDX-License-Identifier: GPL-2.0
/*
 * iolu trace: stream IOMMU live update events from the kernel, flag what a
 * live update must not do, and summarize on exit.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "cli.h"
#include "commands.h"
#include "iolu_trace.skel.h"
#include "trace_attach.h"
#include "trace_boot.h"
#include "trace_coverage.h"
#include "trace_decode.h"
#include "trace_filter.h"
#include "trace_rules.h"
#include "trace_sizes.h"
#include "trace_summary.h"

/* How often the reader drains the ring buffer when nothing wakes it. */
#define POLL_INTERVAL_MS 50

/*
 * The exit codes of the other commands (bad usage is CLI_EXIT_ERROR), and
 * one of its own: the tracer could not start.
 */
enum trace_exit {
	TRACE_EXIT_CLEAN = CLI_EXIT_OK,
	TRACE_EXIT_FINDINGS = CLI_EXIT_FINDINGS,
	TRACE_EXIT_USAGE = CLI_EXIT_ERROR,
	TRACE_EXIT_SETUP = 3,
};

/* --boot has no short form. */
enum { TRACE_OPT_BOOT = CLI_OPT_FIRST_FREE };

struct trace_options {
	struct iolu_trace_filter filter;
	bool json;
	bool quiet;		/* findings and the summary: no events, no notes */
	bool kprobes_only;
	enum iolu_require require;
	double duration_s;	/* 0: until SIGINT/SIGTERM */
	unsigned long ringbuf_mb;	/* 0 until chosen: --ringbuf-mb or what --op needs */
	const char *boot_instance;	/* --boot: the trace instance to read first */
};

struct trace_session {
	const struct trace_options *options;
	struct iolu_summary summary;
	struct trace_rules rules;
	uint64_t start_ns;
	FILE *out;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int signo)
{
	(void)signo;
	stop_requested = 1;
}

static int parse_op_list(const char *text, struct iolu_trace_filter *filter)
{
	const char *bad;

	if (!iolu_filter_add_ops(filter, text, &bad))
		return 0;
	if (*bad == ',' || !*bad)
		cli_usage_error("trace", "--op: an empty name in '%s'", text);
	else
		cli_usage_error("trace", "--op: unknown operation or class at '%s'", bad);
	return EINVAL;
}

static int parse_u64(const char *option, const char *text, uint64_t max, uint64_t *value)
{
	unsigned long long parsed;
	char *end;

	errno = 0;
	parsed = strtoull(text, &end, 0);
	if (errno || end == text || *end || text[0] == '-' || parsed > max) {
		cli_usage_error("trace", "%s: '%s' is not a number up to %" PRIu64,
				option, text, max);
		return EINVAL;
	}
	*value = parsed;
	return 0;
}

static int parse_duration(const char *text, double *seconds)
{
	char *end;

	errno = 0;
	*seconds = strtod(text, &end);
	if (errno || end == text || *end || !(*seconds > 0) || *seconds > 1e7) {
		cli_usage_error("trace", "--duration: '%s' is not a positive number of seconds",
				text);
		return EINVAL;
	}
	return 0;
}

static error_t parse_trace_option(int key, char *arg, struct argp_state *state)
{
	struct trace_options *options = state->input;
	uint64_t value;

	switch (key) {
	case 'j':
		options->json = true;
		return 0;
	case TRACE_OPT_BOOT:
		options->boot_instance = arg ? arg : IOLU_BOOT_INSTANCE;
		return 0;
	case 'q':
		options->quiet = true;
		return 0;
	case 'k':
		options->kprobes_only = true;
		return 0;
	case 'r':
		if (iolu_require_parse(arg, &options->require)) {
			cli_usage_error("trace", "--require: '%s' is not all, lu or none", arg);
			return EINVAL;
		}
		return 0;
	case 'd':
		if (iolu_parse_sbdf(arg, &options->filter.sbdf)) {
			cli_usage_error("trace", "--device: '%s' is not a PCI address (SSSS:BB:DD.F)",
					arg);
			return EINVAL;
		}
		options->filter.have_device = true;
		return 0;
	case 'D':
		options->filter.have_domain = true;
		return parse_u64("--domain", arg, UINT64_MAX, &options->filter.domain);
	case 'o':
		return parse_op_list(arg, &options->filter);
	case 'p':
		options->filter.have_pid = true;
		if (parse_u64("--pid", arg, INT_MAX, &value))
			return EINVAL;
		options->filter.pid = (uint32_t)value;
		return 0;
	case 't':
		return parse_duration(arg, &options->duration_s);
	case 'b':
		if (parse_u64("--ringbuf-mb", arg, 1024, &value))
			return EINVAL;
		if (!value || (value & (value - 1))) {
			cli_usage_error("trace", "--ringbuf-mb: %s is not a power of two", arg);
			return EINVAL;
		}
		options->ringbuf_mb = (unsigned long)value;
		return 0;
	case ARGP_KEY_ARG:
		cli_usage_error("trace", "unexpected argument '%s'", arg);
		return EINVAL;
	}
	return ARGP_ERR_UNKNOWN;
}

/* The defaults of --ringbuf-mb, spelled out for its help. */
#define STR(x)		#x
#define XSTR(x)		STR(x)

static const struct argp_option trace_options[] = {
	{ "json", 'j', NULL, 0, "one JSON object per line (events, findings, summary)", 0 },
	{ "device", 'd', "SBDF", 0, "only events of this PCI device (SSSS:BB:DD.F)", 0 },
	{ "domain", 'D', "ID", 0, "only events of this domain: its address (0x...) or "
	  "hardware domain ID (decimal)", 0 },
	{ "op", 'o', "LIST", 0, "only these operations or classes, comma separated "
	  "(classes: core, luo, pgtable, fault, inval); map, unmap and invalidations are "
	  "sent one by one only when named here, otherwise counted in the kernel", 0 },
	{ "pid", 'p', "PID", 0, "only events of this process", 0 },
	{ "duration", 't', "SEC", 0, "stop after SEC seconds", 0 },
	{ "ringbuf-mb", 'b', "MB", 0, "ring buffer size, a power of two (default "
	  XSTR(IOLU_RINGBUF_COUNTED_MB) ", or " XSTR(IOLU_RINGBUF_STREAMED_MB)
	  " when --op sends map, unmap or invalidations)", 0 },
	{ "kprobes", 'k', NULL, 0, "use kprobes even where fentry would work", 0 },
	{ "require", 'r', "WHAT", 0, "all, lu or none (default): fail (exit 2) unless "
	  "every target, or every IOMMU live update core target, is traced", 0 },
	{ "quiet", 'q', NULL, 0, "print only findings and the summary: no events and "
	  "no notes", 0 },
	{ "boot", TRACE_OPT_BOOT, "NAME", OPTION_ARG_OPTIONAL, "first the iommu_lu events "
	  "the kernel recorded while it booted, from trace instance NAME (default "
	  IOLU_BOOT_INSTANCE "; boot with trace_instance=" IOLU_BOOT_INSTANCE ",iommu_lu)", 0 },
	{ 0 },
};

static const struct argp trace_argp = {
	.options = trace_options,
	.parser = parse_trace_option,
	.doc = "Trace IOMMU live update (preserve/unpreserve/restore of domains, devices\n"
	       "and units, the IOMMU FLB), LUO (sessions, files, freeze, kexec), IO page\n"
	       "table map/unmap, attach, faults and invalidations. Stops on SIGINT,\n"
	       "SIGTERM or --duration and prints a summary.\n"
	       "\v"
	       "Exit status: 0 traced without findings, 1 a rule flagged something,\n"
	       "2 bad usage or --require unmet, 3 the tracer could not start.",
};

/*
 * The ring buffer pins its memory in the kernel and maps it twice into
 * this process: sized for what was asked, not for the worst case.
 * Counted, hot ops reach it only when they change a preserved domain.
 */
static unsigned long default_ringbuf_mb(const struct iolu_trace_filter *filter)
{
	return (filter->op_mask & IOLU_HOT_OPS) ? IOLU_RINGBUF_STREAMED_MB :
						  IOLU_RINGBUF_COUNTED_MB;
}

/* CLI_PARSED to trace, or the exit code after --help or bad usage. */
static int parse_options(int argc, char **argv, struct trace_options *options)
{
	int rc;

	memset(options, 0, sizeof(*options));
	rc = cli_parse("trace", &trace_argp, argc, argv, options);
	if (rc == CLI_PARSED && !options->ringbuf_mb)
		options->ringbuf_mb = default_ringbuf_mb(&options->filter);
	return rc;
}

static uint64_t monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
}

/*
 * Every line names its shape and version, as the reports do (theirs is
 * iolu-report/1): an event, a finding or the summary, told apart by keys.
 */
#define TRACE_JSON_SCHEMA	"iolu-trace/1"

static void print_json(FILE *out, struct json_object *obj)
{
	if (!obj)
		return;
	json_object_object_add(obj, "schema", json_object_new_string(TRACE_JSON_SCHEMA));
	fprintf(out, "%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
}

static void print_finding(struct trace_session *session, const struct iolu_record *record,
			  const struct trace_finding *finding)
{
	struct json_object *obj;

	if (!session->options->json) {
		fprintf(session->out, "!! %s\n", finding->message);
		return;
	}
	obj = json_object_new_object();
	json_object_object_add(obj, "finding",
			       json_object_new_string(iolu_rule_name(finding->rule)));
	json_object_object_add(obj, "message", json_object_new_string(finding->message));
	json_object_object_add(obj, "event", iolu_record_to_json(record, session->start_ns));
	print_json(session->out, obj);
}

static void print_event(struct trace_session *session, const struct iolu_record *record)
{
	char line[512];

	if (session->options->json) {
		print_json(session->out, iolu_record_to_json(record, session->start_ns));
		return;
	}
	iolu_format_record(record, session->start_ns, line, sizeof(line));
	fprintf(session->out, "%s\n", line);
}

static void feed_record(struct trace_session *session, const struct iolu_record *record)
{
	struct trace_finding finding;

	/*
	 * The live rules track preserved domains by their address, which the
	 * boot trace does not carry, and at boot only in-kernel tests (the
	 * series' KUnit suite) preserve anything: boot events are counted and
	 * put in the timeline, with their results, but not judged.
	 */
	if (!(record->event.flags & IOLU_EVF_BOOT) &&
	    trace_rules_feed(&session->rules, &record->event, &finding))
		print_finding(session, record, &finding);
	if (!iolu_filter_match(&session->options->filter, &record->event))
		return;
	iolu_summary_add(&session->summary, &record->event);
	if (!session->options->quiet)
		print_event(session, record);
}

static int handle_record(void *ctx, void *data, size_t size)
{
	struct trace_session *session = ctx;
	struct iolu_record record;

	if (iolu_record_decode(data, size, &record)) {
		session->summary.undecodable++;
		return 0;
	}
	feed_record(session, &record);
	return 0;
}

/*
 * --boot: what the kernel recorded before any tracer could run comes
 * first, in time order; the live events, all later, follow.
 */
static void feed_boot_trace(struct trace_session *session, const struct iolu_boot_trace *boot)
{
	size_t i;

	session->summary.boot.read = true;
	snprintf(session->summary.boot.source, sizeof(session->summary.boot.source), "%s",
		 boot->source);
	session->summary.boot.events = boot->nr_records;
	session->summary.boot.lost = boot->lost;
	session->summary.boot.bad_lines = boot->bad_lines;
	for (i = 0; i < boot->nr_records; i++)
		feed_record(session, &boot->records[i]);
	fflush(session->out);
}

static uint64_t read_lost(const struct iolu_trace *skel)
{
	int nr_cpus = libbpf_num_possible_cpus();
	uint64_t total = 0, *per_cpu;
	uint32_t zero = 0;
	int cpu;

	if (nr_cpus <= 0)
		return 0;
	per_cpu = calloc((size_t)nr_cpus, sizeof(*per_cpu));
	if (!per_cpu)
		return 0;
	if (!bpf_map__lookup_elem(skel->maps.lost_events, &zero, sizeof(zero), per_cpu,
				  sizeof(*per_cpu) * (size_t)nr_cpus, 0))
		for (cpu = 0; cpu < nr_cpus; cpu++)
			total += per_cpu[cpu];
	free(per_cpu);
	return total;
}

/* Silence libbpf's own chatter unless asked: failures are reported here. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG || !cli_verbose())
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* One attempt at opening and loading the object with the plan as it is. */
static int load_tracer(const struct trace_options *options,
		       const struct iolu_attach_plan *plan, struct iolu_trace **skel_out)
{
	struct iolu_trace *skel;
	int ret;

	skel = iolu_trace__open();
	if (!skel) {
		ret = -errno;
		fprintf(stderr, "iolu trace: cannot open the BPF object: %s\n", strerror(errno));
		return ret;
	}
	skel->rodata->page_offset_base_addr = plan->page_offset_base_addr;
	skel->rodata->ring_bytes = (uint64_t)options->ringbuf_mb << 20;
	skel->rodata->stream_hot_ops = options->filter.op_mask & IOLU_HOT_OPS;
	if (options->filter.have_pid)
		skel->rodata->count_tgid = options->filter.pid;
	ret = bpf_map__set_max_entries(skel->maps.events, (uint32_t)(options->ringbuf_mb << 20));
	if (!ret)
		ret = iolu_attach_plan_apply(plan, skel->obj);
	if (!ret)
		ret = iolu_trace__load(skel);
	if (ret) {
		iolu_trace__destroy(skel);
		return ret;
	}
	*skel_out = skel;
	return 0;
}

/*
 * Attaches the loaded programs, then tells them what they may rely on:
 * which hot ops the function entries count (their tracepoints were left
 * detached), and whether cache tag changes are seen.
 */
static void attach_tracer(const struct trace_options *options, struct iolu_attach_plan *plan,
			  struct iolu_trace *skel)
{
	uint64_t streamed = options->filter.op_mask & IOLU_HOT_OPS;

	skel->bss->entry_counted_ops = iolu_attach_plan_attach(plan, skel->obj, streamed,
							       options->quiet ? NULL : stderr);
	skel->bss->tags_tracked = iolu_attach_plan_traces(plan, "cache_tag_assign") &&
				  iolu_attach_plan_traces(plan, "cache_tag_unassign");
}

/*
 * Some kernels refuse fentry programs (no ftrace direct calls, or a
 * sandbox): fall back to kprobes, then to tracepoints alone, saying so.
 */
static int open_tracer(const struct trace_options *options, struct iolu_attach_plan *plan,
		       struct iolu_trace **skel_out)
{
	static const enum iolu_attach_mode fallbacks[] = {
		IOLU_MODE_FENTRY, IOLU_MODE_KPROBE, IOLU_MODE_MISSING,
	};
	size_t step;
	int ret;

	ret = iolu_attach_plan_init(plan, options->kprobes_only);
	if (ret) {
		fprintf(stderr, "iolu trace: %s\n", ret == -ENOENT ?
			"the kernel has no BTF (/sys/kernel/btf/vmlinux): CO-RE programs cannot load" :
			strerror(-ret));
		return ret;
	}
	for (step = 0; step < sizeof(fallbacks) / sizeof(fallbacks[0]); step++) {
		ret = load_tracer(options, plan, skel_out);
		if (!ret || ret == -ENOMEM)
			break;
		if (step + 1 < sizeof(fallbacks) / sizeof(fallbacks[0]) &&
		    iolu_attach_plan_downgrade(plan, fallbacks[step], ret) && !options->quiet)
			fprintf(stderr, "iolu trace: the kernel refused the %s programs (%s); "
				"retrying without them\n", iolu_attach_mode_name(fallbacks[step]),
				strerror(-ret));
	}
	if (ret)
		fprintf(stderr, "iolu trace: cannot load the BPF programs: %s; "
			"'iolu -v trace' shows libbpf's log\n", strerror(-ret));
	return ret;
}

static int stream_events(struct trace_session *session, struct ring_buffer *rb)
{
	const struct trace_options *options = session->options;
	uint64_t deadline = 0;
	int ret = 0;

	if (options->duration_s > 0)
		deadline = session->start_ns + (uint64_t)(options->duration_s * 1e9);
	while (!stop_requested) {
		/*
		 * The BPF side wakes the reader only when the buffer fills up:
		 * the timeout is what normally paces the reading.
		 */
		ret = ring_buffer__poll(rb, POLL_INTERVAL_MS);
		if (ret >= 0)
			ret = ring_buffer__consume(rb);
		fflush(session->out);
		if (ret == -EINTR) {
			ret = 0;
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, "iolu trace: reading the ring buffer: %s\n", strerror(-ret));
			return ret;
		}
		if (deadline && monotonic_ns() >= deadline)
			break;
	}
	/* What arrived before the stop still counts. */
	ret = ring_buffer__consume(rb);
	return ret < 0 ? ret : 0;
}

static void install_signals(void)
{
	struct sigaction action = { .sa_handler = on_signal };

	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
}

/*
 * Map, unmap and invalidations the kernel counted instead of sending, into
 * the summary: they carry an op, a domain and an invalidation type only,
 * so --device (which they never match) and --domain apply as to records,
 * and --pid was applied when counting.
 */
static void add_hot_count(struct trace_session *session, const struct iolu_hot_key *key,
			  uint64_t count)
{
	const struct iolu_trace_filter *filter = &session->options->filter;
	struct iolu_event counted = { .op = (uint16_t)key->op, .pid = filter->pid };

	counted.args[0] = key->type;
	if (key->domain) {
		counted.domain = key->domain;
		counted.flags = IOLU_EVF_DOMAIN;
	}
	if (iolu_filter_match(filter, &counted))
		iolu_summary_add_counted(&session->summary, &counted, count);
}

/* The runs still in the CPUs' slots (see hot_count() in the BPF program). */
static void read_hot_slots(struct trace_session *session, const struct iolu_trace *skel)
{
	int nr_cpus = libbpf_num_possible_cpus(), cpu;
	struct iolu_hot_slot *slots;
	uint32_t op;

	if (nr_cpus <= 0)
		return;
	slots = calloc((size_t)nr_cpus, sizeof(*slots));
	if (!slots)
		return;
	for (op = 0; op < IOLU_OP_COUNT; op++) {
		if (bpf_map__lookup_elem(skel->maps.hot_slots, &op, sizeof(op), slots,
					 sizeof(*slots) * (size_t)nr_cpus, 0))
			continue;
		for (cpu = 0; cpu < nr_cpus; cpu++)
			if (slots[cpu].count)
				add_hot_count(session, &slots[cpu].key, slots[cpu].count);
	}
	free(slots);
}

static void read_hot_counts(struct trace_session *session, const struct iolu_trace *skel)
{
	struct iolu_hot_key key, next, *prev = NULL;
	uint64_t count;

	while (!bpf_map__get_next_key(skel->maps.hot_counts, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		if (!bpf_map__lookup_elem(skel->maps.hot_counts, &key, sizeof(key), &count,
					  sizeof(count), 0))
			add_hot_count(session, &key, count);
	}
	read_hot_slots(session, skel);
	/* Counts the kernel's table had no room for are lost events too. */
	session->summary.lost += skel->bss->uncounted;
}

static int finish(struct trace_session *session, const struct iolu_trace *skel)
{
	unsigned int rule;
	uint64_t findings = 0;

	session->summary.duration_ns = monotonic_ns() - session->start_ns;
	session->summary.lost = read_lost(skel);
	read_hot_counts(session, skel);
	if (session->options->json)
		print_json(session->out, iolu_summary_to_json(&session->summary, &session->rules));
	else
		iolu_summary_print(&session->summary, &session->rules, session->out);
	fflush(session->out);
	for (rule = 0; rule < IOLU_RULE_COUNT; rule++)
		findings += session->rules.findings[rule];
	return findings ? TRACE_EXIT_FINDINGS : TRACE_EXIT_CLEAN;
}

/*
 * --require: a partial attach stops a scripted run before it traces, naming
 * what is missing and why. True if the run may go on.
 */
static bool require_met(const struct trace_options *options,
			const struct iolu_attach_plan *plan)
{
	size_t unmet = iolu_coverage_unmet(plan->targets, plan->nr_targets,
					   options->require, NULL);

	if (!unmet)
		return true;
	fprintf(stderr, "iolu trace: --require %s: %zu target%s not traced: ",
		iolu_require_name(options->require), unmet, unmet == 1 ? "" : "s");
	iolu_coverage_unmet(plan->targets, plan->nr_targets, options->require, stderr);
	fputc('\n', stderr);
	return false;
}

/* What was attached and how hot ops are handled; --quiet drops these. */
static void print_notes(const struct trace_options *options,
			const struct iolu_attach_plan *plan)
{
	if (options->quiet)
		return;
	iolu_coverage_note(plan->targets, plan->nr_targets, stderr);
	if ((options->filter.op_mask & IOLU_HOT_OPS) != IOLU_HOT_OPS)
		fprintf(stderr, "iolu trace: map, unmap and invalidations are counted in the kernel "
			"and sent one by one only when they change a preserved domain or --op "
			"names them (--op pgtable,inval)\n");
}

int cmd_trace(int argc, char **argv)
{
	struct trace_options options;
	struct trace_session session = { .options = &options, .out = stdout };
	struct iolu_attach_plan plan = { 0 };
	struct iolu_boot_trace boot = { 0 };
	struct iolu_trace *skel = NULL;
	struct ring_buffer *rb = NULL;
	int ret;

	ret = parse_options(argc, argv, &options);
	if (ret != CLI_PARSED)
		return ret;
	if (geteuid() != 0) {
		fprintf(stderr, "iolu trace: must run as root (it loads BPF programs)\n");
		return TRACE_EXIT_SETUP;
	}
	/* Read before the tracer loads: a missing instance stops the run at once */
	if (options.boot_instance) {
		ret = iolu_boot_load(options.boot_instance, &boot, stderr);
		if (ret) {
			if (ret == -ENOMEM)
				fprintf(stderr, "iolu trace: --boot: out of memory\n");
			iolu_boot_free(&boot);
			return TRACE_EXIT_SETUP;
		}
	}
	libbpf_set_print(libbpf_print);
	iolu_summary_init(&session.summary);
	trace_rules_init(&session.rules);

	if (open_tracer(&options, &plan, &skel)) {
		iolu_attach_plan_destroy(&plan);
		iolu_boot_free(&boot);
		return TRACE_EXIT_SETUP;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_record, &session, NULL);
	if (!rb) {
		fprintf(stderr, "iolu trace: cannot map the ring buffer: %s\n", strerror(errno));
		ret = TRACE_EXIT_SETUP;
		goto out;
	}
	install_signals();
	attach_tracer(&options, &plan, skel);
	print_notes(&options, &plan);
	if (!require_met(&options, &plan)) {
		ret = TRACE_EXIT_USAGE;
		goto out;
	}
	session.start_ns = monotonic_ns();
	session.summary.start_ns = session.start_ns;
	session.summary.ringbuf_bytes = (uint64_t)options.ringbuf_mb << 20;
	session.summary.targets = plan.targets;
	session.summary.nr_targets = plan.nr_targets;
	/* Scripts (tests/lab/scenarios/trace-lib.sh) wait for this line, even --quiet. */
	fprintf(stderr, "iolu trace: tracing (ring buffer %lu MiB); Ctrl-C to stop\n",
		options.ringbuf_mb);

	if (options.boot_instance)
		feed_boot_trace(&session, &boot);
	ret = stream_events(&session, rb);
	ret = ret ? TRACE_EXIT_SETUP : finish(&session, skel);
out:
	iolu_boot_free(&boot);
	ring_buffer__free(rb);
	iolu_attach_plan_destroy(&plan);
	iolu_trace__destroy(skel);
	return ret;
}
