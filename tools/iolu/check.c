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

#include "cli.h"
#include "commands.h"
#include "report.h"
#include "report_json.h"
#include "report_text.h"

static const char check_help[] =
	"usage: iolu check [OPTIONS]\n"
	"\n"
	"Check, before a kexec, that the IOMMU state preserved for live update is\n"
	"complete and consistent: the object graph, KHO's preserved memory, the\n"
	"VT-d root/context/PASID entries and every IO page table.\n"
	"\n"
	"  -j, --json           print one JSON object instead of text\n"
	"  -s, --snapshot FILE  also save what was checked to FILE (for iolu audit)\n"
	"  -i, --input FILE     check a snapshot file instead of the live kernel\n"
	"  -l, --list-rules     list every rule a finding can name, and exit\n"
	CLI_LIVE_HELP
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 ready, 1 not ready (findings of severity error, or no\n"
	"state preserved), 2 could not check (bad option, unreadable input).\n";

struct check_opts {
	bool json;
	const char *save_path;
	struct cli_input input;
};

static void list_rules(void)
{
	const struct iolu_rule_info *rules;
	size_t nr, i;

	rules = iolu_rules(&nr);
	for (i = 0; i < nr; i++)
		printf("%-26s %-7s %s\n", rules[i].id,
		       iolu_severity_name(rules[i].severity), rules[i].meaning);
}

static int parse_check(int argc, char **argv, struct check_opts *opts)
{
	static const struct option long_options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "snapshot", required_argument, NULL, 's' },
		{ "input", required_argument, NULL, 'i' },
		{ "list-rules", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		CLI_LIVE_OPTIONS,
		{ 0 },
	};
	int opt, handled;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":js:i:lh", long_options, NULL)) != -1) {
		handled = cli_input_option("check", &opts->input, opt, optarg);
		if (handled < 0)
			return CLI_EXIT_ERROR;
		if (handled)
			continue;
		switch (opt) {
		case 'j':
			opts->json = true;
			break;
		case 's':
			opts->save_path = optarg;
			break;
		case 'i':
			opts->input.snapshot = optarg;
			break;
		case 'l':
			list_rules();
			return CLI_EXIT_OK;
		case 'h':
			fputs(check_help, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_getopt_error("check", opt, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("check", "unexpected argument '%s'", argv[optind]);
	return -1;
}

static int print_check(const struct check_opts *opts, const struct report *report)
{
	int rc;

	if (!opts->json) {
		report_text_check(stdout, report);
		return 0;
	}
	rc = report_json_check(stdout, report);
	if (rc)
		cli_error("check", "cannot print the JSON report", rc, NULL);
	return rc;
}

int cmd_check(int argc, char **argv)
{
	struct check_opts opts = { .input.side = IOLU_SIDE_OUTGOING };
	struct report_side side = { .label = "state" };
	struct report report = { .command = "check", .state = &side };
	struct report_counts counts = { 0 };
	int rc, exit_code;

	exit_code = parse_check(argc, argv, &opts);
	if (exit_code >= 0)
		return exit_code;
	rc = report_side_load("check", &side, &opts.input, IOLU_CHECK_ALL);
	if (rc && rc != -ENODATA) {
		/* Already on stderr; a JSON reader gets it too. */
		if (opts.json)
			report_json_failure(stdout, "ready", "could not check", cli_last_error());
		report_side_free(&side);
		return CLI_EXIT_ERROR;
	}
	report_count(&side.findings, &counts);
	report.passed = side.loaded && !counts.errors && !counts.dropped;
	report.verdict = report.passed ? "ready" :
			 side.loaded ? "not ready" : "not ready: no IOMMU state is preserved";
	exit_code = report.passed ? CLI_EXIT_OK : CLI_EXIT_FINDINGS;
	if (print_check(&opts, &report))
		exit_code = CLI_EXIT_ERROR;
	if (opts.save_path && cli_save_snapshot("check", side.source, opts.save_path))
		exit_code = CLI_EXIT_ERROR;
	report_side_free(&side);
	return exit_code;
}
