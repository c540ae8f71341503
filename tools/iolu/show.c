// SPDX-License-Identifier: GPL-2.0
/*
 * iolu show [FILE]: the preserved IOMMU state as a tree, units -> devices
 * -> domain with its extents, from a snapshot or the live kernel.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "report.h"
#include "report_json.h"
#include "report_text.h"

#define SHOW_DEFAULT_EXTENTS	16

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
	if (errno || end == arg || *end || arg[0] == '-') {
		cli_usage_error("show", "--extents wants a count, not '%s'", arg);
		return EINVAL;
	}
	*count = (size_t)value;
	return 0;
}

static const struct argp_option show_options[] = {
	{ "json", 'j', NULL, 0, "print one JSON object (every extent) instead of text", 0 },
	{ "extents", 'e', "N", 0, "list at most N extents per domain (default 16)", 0 },
	{ 0 },
};

static error_t parse_show_option(int key, char *arg, struct argp_state *state)
{
	struct show_opts *opts = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &opts->input;
		return 0;
	case 'j':
		opts->json = true;
		return 0;
	case 'e':
		return parse_count(arg, &opts->max_extents);
	case ARGP_KEY_ARG:
		if (!opts->input.snapshot) {
			opts->input.snapshot = arg;
			return 0;
		}
		cli_usage_error("show", "unexpected argument '%s'", arg);
		return EINVAL;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp_child show_children[] = {
	{ &cli_live_argp, 0, "Reading the live kernel:", 0 },
	{ 0 },
};

static const struct argp show_argp = {
	.options = show_options,
	.parser = parse_show_option,
	.args_doc = "[FILE]",
	.doc = "Print the preserved IOMMU state as a tree: each unit, its devices, and\n"
	       "the domain of each device with its IOVA extents. Reads the snapshot FILE,\n"
	       "or the live kernel when FILE is not given.\n"
	       "\v"
	       "Exit status: 0 shown (also when nothing is preserved), 2 could not read\n"
	       "the state (bad option, unreadable input).",
	.children = show_children,
};

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

	rc = cli_parse("show", &show_argp, argc, argv, &opts);
	/* Bad usage is exit 2 too: a JSON reader gets its object. */
	if (rc == CLI_EXIT_ERROR) {
		opts.json = cli_has_option(argc, argv, "--json", 'j');
		return could_not_show(&opts);
	}
	if (rc != CLI_PARSED)
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
