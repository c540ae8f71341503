// SPDX-License-Identifier: GPL-2.0
/*
 * iolu check: is the preserved IOMMU state ready for a kexec? Reads it
 * (live, or from a snapshot with --input), runs every check the data
 * supports and answers with the exit code: 0 ready, 1 not ready, 2 could
 * not check.
 */
#include <errno.h>
#include <getopt.h>
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

static const char check_help[] =
	"usage: iolu check [OPTIONS]\n"
	"\n"
	"Check, before a kexec, that the IOMMU state preserved for live update is\n"
	"complete and consistent: the object graph, KHO's preserved memory, the\n"
	"VT-d root/context/PASID entries and every IO page table.\n"
	"\n"
	"  -j, --json           print one JSON object instead of text\n"
	"  -q, --quiet          print nothing on standard output: the exit status\n"
	"                       answers (errors still go to standard error)\n"
	"  -s, --snapshot FILE  also save what was checked to FILE (for iolu audit);\n"
	"                       - is standard output (with --quiet)\n"
	"  -i, --input FILE     check a snapshot file instead of the live kernel\n"
	"      --prometheus FILE  also write the metrics for node_exporter's textfile\n"
	"                       collector to FILE (mode 0644 less the umask)\n"
	"  -l, --list-rules     list every rule a finding can name (as JSON with\n"
	"                       --json), and exit\n"
	CLI_LIVE_HELP
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 ready, 1 not ready (findings of severity error, or no\n"
	"state preserved), 2 could not check (bad option, unreadable input,\n"
	"snapshot not saved).\n";

struct check_opts {
	bool json;
	bool quiet;
	bool list_rules;
	const char *save_path;
	const char *prom_path;
	struct cli_input input;
};

enum { CHECK_OPT_PROMETHEUS = CLI_OPT_FIRST_FREE };

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
	static const struct option long_options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "snapshot", required_argument, NULL, 's' },
		{ "input", required_argument, NULL, 'i' },
		{ "list-rules", no_argument, NULL, 'l' },
		{ "prometheus", required_argument, NULL, CHECK_OPT_PROMETHEUS },
		{ "help", no_argument, NULL, 'h' },
		CLI_LIVE_OPTIONS,
		{ 0 },
	};
	int opt, handled;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":jqs:i:lh" CLI_LIVE_SHORT, long_options,
				  NULL)) != -1) {
		handled = cli_input_option("check", &opts->input, opt, optarg);
		if (handled < 0)
			return CLI_EXIT_ERROR;
		if (handled)
			continue;
		switch (opt) {
		case 'j':
			opts->json = true;
			break;
		case 'q':
			opts->quiet = true;
			break;
		case 's':
			opts->save_path = optarg;
			break;
		case 'i':
			opts->input.snapshot = optarg;
			break;
		case 'l':
			opts->list_rules = true;
			break;
		case CHECK_OPT_PROMETHEUS:
			opts->prom_path = optarg;
			break;
		case 'h':
			fputs(check_help, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_getopt_error("check", opt, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("check", "unexpected argument '%s'", argv[optind]);
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

int cmd_check(int argc, char **argv)
{
	struct check_opts opts = { .input.side = IOLU_SIDE_OUTGOING };
	struct report_side side = { .label = "state" };
	struct report report = { .command = "check", .state = &side };
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
	if (check_outputs(&opts))
		return could_not_check(&opts);
	rc = report_side_load("check", &side, &opts.input, IOLU_CHECK_ALL);
	if (rc && rc != -ENODATA)
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
	report_side_free(&side);
	return exit_code;
failed:
	cli_discard_output(opts.save_path);
	/* A file from an earlier run must not keep saying "ready". */
	cli_discard_output(opts.prom_path);
	report_side_free(&side);
	return could_not_check(&opts);
}
