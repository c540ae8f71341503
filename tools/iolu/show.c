// SPDX-License-Identifier: GPL-2.0
/*
 * iolu show [FILE]: the preserved IOMMU state as a tree, units -> devices
 * -> domain with its extents, from a snapshot or the live kernel.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "report.h"
#include "report_json.h"
#include "report_text.h"

#define SHOW_DEFAULT_EXTENTS	16

static const char show_help[] =
	"usage: iolu show [OPTIONS] [FILE]\n"
	"\n"
	"Print the preserved IOMMU state as a tree: each unit, its devices, and\n"
	"the domain of each device with its IOVA extents. Reads the snapshot FILE,\n"
	"or the live kernel when FILE is not given.\n"
	"\n"
	"  -j, --json           print one JSON object (every extent) instead of text\n"
	"  -e, --extents N      list at most N extents per domain (default 16)\n"
	CLI_LIVE_HELP
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 shown (also when nothing is preserved), 2 could not read\n"
	"the state (bad option, unreadable input).\n";

struct show_opts {
	bool json;
	size_t max_extents;
	struct cli_input input;
};

static int parse_count(const char *arg, size_t *count)
{
	char *end;
	unsigned long long value;

	errno = 0;
	value = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-')
		return cli_usage_error("show", "--extents wants a count, not '%s'", arg);
	*count = (size_t)value;
	return -1;
}

static int parse_show(int argc, char **argv, struct show_opts *opts)
{
	static const struct option long_options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "extents", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		CLI_LIVE_OPTIONS,
		{ 0 },
	};
	int opt, handled, rc;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":je:h" CLI_LIVE_SHORT, long_options,
				  NULL)) != -1) {
		handled = cli_input_option("show", &opts->input, opt, optarg);
		if (handled < 0)
			return CLI_EXIT_ERROR;
		if (handled)
			continue;
		switch (opt) {
		case 'j':
			opts->json = true;
			break;
		case 'e':
			rc = parse_count(optarg, &opts->max_extents);
			if (rc >= 0)
				return rc;
			break;
		case 'h':
			fputs(show_help, stdout);
			return CLI_EXIT_OK;
		default:
			return cli_getopt_error("show", opt, argv);
		}
	}
	if (optind < argc)
		opts->input.snapshot = argv[optind++];
	if (optind < argc)
		return cli_usage_error("show", "unexpected argument '%s'", argv[optind]);
	return -1;
}

/* Already on stderr; a JSON reader gets it too, as from check and audit. */
static int could_not_show(const struct show_opts *opts)
{
	if (opts->json)
		report_json_failure(stdout, "show", NULL, "could not show", cli_last_error());
	return CLI_EXIT_ERROR;
}

int cmd_show(int argc, char **argv)
{
	struct show_opts opts = {
		.max_extents = SHOW_DEFAULT_EXTENTS,
		.input.side = IOLU_SIDE_OUTGOING,
	};
	struct report_side side = { .label = "state" };
	int rc, exit_code = CLI_EXIT_OK;

	rc = parse_show(argc, argv, &opts);
	/* Bad usage is exit 2 too: a JSON reader gets its object. */
	if (rc == CLI_EXIT_ERROR) {
		opts.json = cli_has_option(argc, argv, "--json", 'j');
		return could_not_show(&opts);
	}
	if (rc >= 0)
		return rc;
	/* Structure only: show is for looking, check is for judging. */
	rc = report_side_load("show", &side, &opts.input, 0);
	if (rc && rc != -ENODATA) {
		report_side_free(&side);
		return could_not_show(&opts);
	}
	rc = 0;
	if (side.loaded)
		rc = report_side_walk(&side);
	if (!rc)
		rc = opts.json ? report_json_show(stdout, &side) :
				 report_text_show(stdout, &side, opts.max_extents);
	if (rc) {
		cli_error("show", "cannot print the state", rc, NULL);
		exit_code = could_not_show(&opts);
	}
	report_side_free(&side);
	return exit_code;
}
