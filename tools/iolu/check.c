// SPDX-License-Identifier: GPL-2.0
/*
 * iolu check: is the preserved IOMMU state ready for a kexec? Reads it
 * (live, or from a snapshot with --input), runs every check the data
 * supports and answers with the exit code: 0 ready, 1 not ready, 2 could
 * not check.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "report.h"
#include "report_json.h"
#include "report_prom.h"
#include "report_text.h"

struct check_opts {
	bool json;
	bool quiet;
	bool list_rules;
	const char *save_path;
	const char *prom_path;
	const char *next_kernel;	/* the image the kexec will boot */
	struct cli_input input;
};

enum {
	CHECK_OPT_PROMETHEUS = CLI_OPT_FIRST_FREE,
	CHECK_OPT_NEXT_KERNEL,
};

static const struct argp_option check_options[] = {
	{ "json", 'j', NULL, 0, "print one JSON object instead of text", 0 },
	{ "quiet", 'q', NULL, 0, "print nothing on standard output: the exit status "
	  "answers (errors still go to standard error)", 0 },
	{ "snapshot", 's', "FILE", 0, "also save what was checked to FILE (for iolu "
	  "audit); a dash is standard output (with --quiet)", 0 },
	{ "input", 'i', "FILE", 0, "check a snapshot file instead of the live kernel", 0 },
	{ "prometheus", CHECK_OPT_PROMETHEUS, "FILE", 0, "also write the metrics for "
	  "node_exporter's textfile collector to FILE (mode 0644 less the umask)", 0 },
	{ "next-kernel", CHECK_OPT_NEXT_KERNEL, "IMAGE", 0, "also check that the kernel "
	  "image the kexec will boot (bzImage or vmlinux) accepts every format the "
	  "state hands over", 0 },
	{ "list-rules", 'l', NULL, 0, "list every rule a finding can name (as JSON with "
	  "--json), and exit", 0 },
	{ 0 },
};

static error_t parse_check_option(int key, char *arg, struct argp_state *state)
{
	struct check_opts *opts = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &opts->input;
		return 0;
	case 'j':
		opts->json = true;
		return 0;
	case 'q':
		opts->quiet = true;
		return 0;
	case 's':
		opts->save_path = arg;
		return 0;
	case 'i':
		opts->input.snapshot = arg;
		return 0;
	case 'l':
		opts->list_rules = true;
		return 0;
	case CHECK_OPT_PROMETHEUS:
		opts->prom_path = arg;
		return 0;
	case CHECK_OPT_NEXT_KERNEL:
		opts->next_kernel = arg;
		return 0;
	case ARGP_KEY_ARG:
		cli_usage_error("check", "unexpected argument '%s'", arg);
		return EINVAL;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp_child check_children[] = {
	{ &cli_live_argp, 0, "Reading the live kernel:", 0 },
	{ 0 },
};

static const struct argp check_argp = {
	.options = check_options,
	.parser = parse_check_option,
	.doc = "Check, before a kexec, that the IOMMU state preserved for live update\n"
	       "is complete and consistent: the object graph, KHO's preserved memory,\n"
	       "the VT-d root/context/PASID entries and every IO page table.\n"
	       "\v"
	       "Exit status: 0 ready, 1 not ready (findings of severity error, or no\n"
	       "state preserved), 2 could not check (bad option, unreadable input,\n"
	       "snapshot not saved).",
	.children = check_children,
};

static int list_rules(bool json)
{
	const struct iolu_rule_info *rules;
	size_t nr, i;
	int rc;

	if (json) {
		rc = report_json_rules(stdout);
		if (rc)
			cli_error("check", "cannot print the rules", rc, NULL);
		return rc ? CLI_EXIT_ERROR : CLI_EXIT_OK;
	}
	rules = iolu_rules(&nr);
	for (i = 0; i < nr; i++)
		printf("%-26s %-7s %s\n", rules[i].id,
		       iolu_severity_name(rules[i].severity), rules[i].meaning);
	return CLI_EXIT_OK;
}

static int parse_check(int argc, char **argv, struct check_opts *opts)
{
	int rc = cli_parse("check", &check_argp, argc, argv, opts);

	if (rc != CLI_PARSED)
		return rc;
	/* Wherever it stands among the options, --json shapes the list. */
	if (opts->list_rules)
		return list_rules(opts->json);
	if (opts->save_path && !strcmp(opts->save_path, "-") && !opts->quiet)
		return cli_usage_error("check", "--snapshot -: standard output carries the report; add --quiet");
	if (opts->prom_path && !strcmp(opts->prom_path, "-") && !opts->quiet)
		return cli_usage_error("check", "--prometheus -: standard output carries the report; add --quiet");
	if (opts->prom_path && opts->save_path && !strcmp(opts->prom_path, opts->save_path))
		return cli_usage_error("check", "--prometheus and --snapshot name the same file");
	return -1;
}

static int print_check(const struct check_opts *opts, const struct report *report)
{
	int rc;

	if (opts->quiet)
		return 0;
	if (!opts->json) {
		report_text_check(stdout, report);
		return 0;
	}
	rc = report_json_check(stdout, report);
	if (rc)
		cli_error("check", "cannot print the JSON report", rc, NULL);
	return rc;
}

/* Exit 2 has one shape: the error is already on stderr. */
static int could_not_check(const struct check_opts *opts)
{
	if (opts->quiet)
		return CLI_EXIT_ERROR;
	if (opts->json)
		report_json_failure(stdout, "check", "ready", "could not check", cli_last_error());
	else
		printf("verdict: could not check\n");
	return CLI_EXIT_ERROR;
}

static int write_prom(FILE *out, void *report)
{
	return report_prom_write(out, report, (int64_t)time(NULL));
}

/* The metrics need the mapped bytes: the walks check itself does not keep. */
static int save_metrics(const struct check_opts *opts, struct report *report)
{
	int rc = 0;

	if (!opts->prom_path)
		return 0;
	if (report->state->loaded)
		rc = report_side_walk(report->state);
	if (rc) {
		cli_error("check", "cannot walk the page tables", rc, NULL);
		return rc;
	}
	return cli_write_atomic_mode("check", "cannot write the metrics", opts->prom_path,
				     0644, write_prom, report);
}

/* No output may overwrite what the check reads. */
static int check_outputs(const struct check_opts *opts)
{
	const char *inputs[CLI_MAX_INPUTS];
	size_t nr = cli_input_files(&opts->input, inputs);

	if (opts->save_path &&
	    cli_check_output("check", "--snapshot", opts->save_path, inputs, nr))
		return -EINVAL;
	if (opts->prom_path &&
	    cli_check_output("check", "--prometheus", opts->prom_path, inputs, nr))
		return -EINVAL;
	return 0;
}

/* Read before the state: a bad image is a usage problem, whatever is preserved. */
static int read_next_kernel(const struct check_opts *opts, struct iolu_kernel_formats *next)
{
	struct iolu_err err = { 0 };
	int rc;

	if (!opts->next_kernel)
		return 0;
	rc = iolu_kernel_image_formats(opts->next_kernel, next, &err);
	if (rc)
		cli_error("check", "cannot read the next kernel's image", rc, &err);
	return rc;
}

static int check_next_kernel(const struct check_opts *opts, struct report_side *side,
			     const struct iolu_kernel_formats *next)
{
	int rc;

	if (!opts->next_kernel || !side->loaded)
		return 0;
	rc = iolu_check_next_kernel(side->source, &side->model.state, next, opts->next_kernel,
				    &side->findings);
	if (rc)
		cli_error("check", "cannot compare with the next kernel", rc, NULL);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	struct check_opts opts = { .input.side = IOLU_SIDE_OUTGOING };
	struct report_side side = { .label = "state" };
	struct report report = { .command = "check", .state = &side };
	struct iolu_kernel_formats next = { 0 };
	struct report_counts counts = { 0 };
	int rc, exit_code;

	exit_code = parse_check(argc, argv, &opts);
	/* Bad usage is exit 2 too: a JSON reader gets its object. */
	if (exit_code == CLI_EXIT_ERROR) {
		opts.json = cli_has_option(argc, argv, "--json", 'j');
		opts.quiet = cli_has_option(argc, argv, "--quiet", 'q');
		return could_not_check(&opts);
	}
	if (exit_code >= 0)
		return exit_code;
	if (check_outputs(&opts) || read_next_kernel(&opts, &next))
		return could_not_check(&opts);
	rc = report_side_load("check", &side, &opts.input, IOLU_CHECK_ALL);
	if (rc && rc != -ENODATA)
		goto failed;
	if (check_next_kernel(&opts, &side, &next))
		goto failed;
	report_count(&side.findings, &counts);
	report.passed = side.loaded && !counts.errors && !counts.dropped;
	report.verdict = report.passed ? "ready" :
			 side.loaded ? "not ready" : "not ready: no IOMMU state is preserved";
	exit_code = report.passed ? CLI_EXIT_OK : CLI_EXIT_FINDINGS;
	/*
	 * Saved before the verdict is printed, so that a failed save never
	 * follows a report that says all is well. Nothing preserved gives no
	 * snapshot: audit --before could not use one.
	 */
	if (opts.save_path && !side.loaded)
		cli_discard_output(opts.save_path);
	else if (opts.save_path && cli_save_snapshot("check", side.source, opts.save_path))
		goto failed;
	if (save_metrics(&opts, &report))
		goto failed;
	if (print_check(&opts, &report))
		goto failed;
	iolu_kernel_formats_free(&next);
	report_side_free(&side);
	return exit_code;
failed:
	iolu_kernel_formats_free(&next);
	cli_discard_output(opts.save_path);
	/* A file from an earlier run must not keep saying "ready". */
	cli_discard_output(opts.prom_path);
	report_side_free(&side);
	return could_not_check(&opts);
}
