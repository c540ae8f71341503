// SPDX-License-Identifier: GPL-2.0
/*
 * iolu audit --before FILE: after a live update, in the new kernel, read
 * the incoming state, check it, and compare it with the snapshot taken
 * before the kexec: the same units, devices and domains, and identical
 * IOVA->physical extents. Exit 0 when continuity is proven.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "report.h"
#include "report_html.h"
#include "report_json.h"
#include "report_prom.h"
#include "report_text.h"

enum { AUDIT_OPT_PROMETHEUS = CLI_OPT_FIRST_FREE };

struct audit_opts {
	bool json;
	bool quiet;
	const char *html_path;
	const char *prom_path;
	struct cli_input before;
	struct cli_input after;
};

static const struct argp_option audit_options[] = {
	{ "before", 'b', "FILE", 0, "the snapshot saved before the kexec (required)", 0 },
	{ "after", 'a', "FILE", 0, "audit a snapshot instead of the live kernel", 0 },
	{ "json", 'j', NULL, 0, "print one JSON object instead of text", 0 },
	{ "quiet", 'q', NULL, 0, "print nothing on standard output: the exit status "
	  "answers (errors still go to standard error)", 0 },
	{ "html", 'H', "FILE", 0, "also write the report as a self-contained HTML page "
	  "(mode 0600 less the umask; a dash is standard output, with --quiet)", 0 },
	{ "prometheus", AUDIT_OPT_PROMETHEUS, "FILE", 0, "also write the metrics for "
	  "node_exporter's textfile collector to FILE (mode 0644 less the umask)", 0 },
	{ 0 },
};

static error_t parse_audit_option(int key, char *arg, struct argp_state *state)
{
	struct audit_opts *opts = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &opts->after;
		return 0;
	case 'b':
		opts->before.snapshot = arg;
		return 0;
	case 'a':
		opts->after.snapshot = arg;
		return 0;
	case 'j':
		opts->json = true;
		return 0;
	case 'q':
		opts->quiet = true;
		return 0;
	case 'H':
		opts->html_path = arg;
		return 0;
	case AUDIT_OPT_PROMETHEUS:
		opts->prom_path = arg;
		return 0;
	case ARGP_KEY_ARG:
		cli_usage_error("audit", "unexpected argument '%s'", arg);
		return EINVAL;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp_child audit_children[] = {
	{ &cli_live_argp, 0, "Reading the live kernel (the state after the kexec; "
	  "incoming unless --side says):", 0 },
	{ 0 },
};

static const struct argp audit_argp = {
	.options = audit_options,
	.parser = parse_audit_option,
	.doc = "After a live update, check the IOMMU state the new kernel received and\n"
	       "prove it continues the state saved before the kexec: every unit, device\n"
	       "and domain matched, and every domain's IOVA->physical extents identical.\n"
	       "\v"
	       "Exit status: 0 continuity proven, 1 not proven (findings of severity\n"
	       "error, or no state after the kexec), 2 could not audit (bad option,\n"
	       "unreadable input, a snapshot without state, write error; no HTML page\n"
	       "is left at FILE then).",
	.children = audit_children,
};

static int parse_audit(int argc, char **argv, struct audit_opts *opts)
{
	int rc = cli_parse("audit", &audit_argp, argc, argv, opts);

	if (rc != CLI_PARSED)
		return rc;
	if (!opts->before.snapshot)
		return cli_usage_error("audit", "--before FILE is required");
	if (opts->html_path && !strcmp(opts->html_path, "-") && !opts->quiet)
		return cli_usage_error("audit", "--html -: standard output carries the report; add --quiet");
	if (opts->prom_path && !strcmp(opts->prom_path, "-") && !opts->quiet)
		return cli_usage_error("audit", "--prometheus -: standard output carries the report; add --quiet");
	if (opts->prom_path && opts->html_path && !strcmp(opts->prom_path, opts->html_path))
		return cli_usage_error("audit", "--prometheus and --html name the same file");
	return -1;
}

static int load_sides(const struct audit_opts *opts, struct report *report)
{
	char what[4300];
	int rc;

	rc = report_side_load("audit", report->before, &opts->before, IOLU_CHECK_STRUCTURE);
	if (rc == -ENODATA) {
		snprintf(what, sizeof(what), "the %s holds no IOMMU state: nothing to audit",
			 report->before->origin);
		cli_error("audit", what, 0, NULL);
	}
	if (rc)
		return rc;
	/* The pages the next kernel took over are those the snapshot's map held. */
	report->after->kho_reference = report->before->model.kho;
	rc = report_side_load("audit", report->after, &opts->after, IOLU_CHECK_ALL);
	/* Nothing after the kexec is a verdict (continuity lost), not an error. */
	return rc == -ENODATA ? 0 : rc;
}

static int write_html(FILE *out, void *report)
{
	return report_html_audit(out, report);
}

static int print_audit(const struct audit_opts *opts, const struct report *report)
{
	int rc = 0;

	if (opts->quiet)
		return 0;
	if (opts->json)
		rc = report_json_audit(stdout, report);
	else
		report_text_audit(stdout, report);
	if (rc)
		cli_error("audit", "cannot print the JSON report", rc, NULL);
	return rc;
}

/* Exit 2 has one shape: the error is already on stderr. */
static int could_not_audit(const struct audit_opts *opts)
{
	if (opts->quiet)
		return CLI_EXIT_ERROR;
	if (opts->json)
		report_json_failure(stdout, "audit", "continuity", "could not audit",
				    cli_last_error());
	else
		printf("verdict: could not audit\n");
	return CLI_EXIT_ERROR;
}

/* No output may overwrite what the audit reads. */
static int check_outputs(const struct audit_opts *opts)
{
	const char *inputs[1 + CLI_MAX_INPUTS] = { opts->before.snapshot };
	size_t nr = 1 + cli_input_files(&opts->after, inputs + 1);

	if (opts->html_path && cli_check_output("audit", "--html", opts->html_path, inputs, nr))
		return -EINVAL;
	if (opts->prom_path &&
	    cli_check_output("audit", "--prometheus", opts->prom_path, inputs, nr))
		return -EINVAL;
	return 0;
}

static int write_prom(FILE *out, void *report)
{
	return report_prom_write(out, report, (int64_t)time(NULL));
}

int cmd_audit(int argc, char **argv)
{
	struct audit_opts opts = {
		.before.side = IOLU_SIDE_OUTGOING,
		.after.side = IOLU_SIDE_INCOMING,
	};
	struct report_side before = { .label = "before kexec" };
	struct report_side after = { .label = "after kexec" };
	struct report report = { .command = "audit", .before = &before, .after = &after };
	struct report_counts counts = { 0 };
	int rc, exit_code = CLI_EXIT_ERROR;

	rc = parse_audit(argc, argv, &opts);
	/* Bad usage is exit 2 too: a JSON reader gets its object. */
	if (rc == CLI_EXIT_ERROR) {
		opts.json = cli_has_option(argc, argv, "--json", 'j');
		opts.quiet = cli_has_option(argc, argv, "--quiet", 'q');
		return could_not_audit(&opts);
	}
	if (rc >= 0)
		return rc;
	if (check_outputs(&opts))
		return could_not_audit(&opts);
	iolu_findings_init(&report.compare);
	if (load_sides(&opts, &report))
		goto out;
	if (after.loaded) {
		rc = iolu_compare(iolu_source_mem(before.source), &before.model.state,
				  iolu_source_mem(after.source), &after.model.state,
				  &report.compare);
		if (!rc)
			rc = iolu_compare_luo(iolu_source_mem(before.source),
					      &before.model,
					      iolu_source_mem(after.source),
					      &after.model, &report.memfd,
					      &report.compare);
		if (!rc)
			rc = report_side_walk(&after);
		if (rc) {
			cli_error("audit", "cannot compare the states", rc, NULL);
			goto out;
		}
	}
	report_count(&before.findings, &counts);
	report_count(&after.findings, &counts);
	report_count(&report.compare, &counts);
	if (report_lookup_build(&report.after_lookup, &after.findings) ||
	    report_lookup_build(&report.compare_lookup, &report.compare)) {
		cli_error("audit", "out of memory", -ENOMEM, NULL);
		goto out;
	}
	report.passed = after.loaded && !counts.errors && !counts.dropped;
	report.verdict = report.passed ? "continuity proven" :
			 after.loaded ? "continuity not proven" :
			 "continuity not proven: no IOMMU state after the kexec";
	/* Written first: a page that failed must not follow a green verdict. */
	if (opts.html_path &&
	    cli_write_atomic("audit", "cannot write the HTML report", opts.html_path,
			     write_html, &report))
		goto out;
	if (opts.prom_path &&
	    cli_write_atomic_mode("audit", "cannot write the metrics", opts.prom_path, 0644,
				  write_prom, &report))
		goto out;
	if (!print_audit(&opts, &report))
		exit_code = report.passed ? CLI_EXIT_OK : CLI_EXIT_FINDINGS;
out:
	if (exit_code == CLI_EXIT_ERROR) {
		/* An earlier run's page at the path would tell another story. */
		cli_discard_output(opts.html_path);
		cli_discard_output(opts.prom_path);
		could_not_audit(&opts);
	}
	report_lookup_free(&report.after_lookup);
	report_lookup_free(&report.compare_lookup);
	iolu_findings_free(&report.compare);
	iolu_memfd_continuities_free(&report.memfd);
	report_side_free(&after);
	report_side_free(&before);
	return exit_code;
}
