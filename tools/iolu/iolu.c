// SPDX-License-Identifier: GPL-2.0
/*
 * iolu: observe and check IOMMU live update. This file only dispatches to
 * the subcommands; each lives in its own file beside this one.
 */
#include <argp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "escape.h"
#include "iolu_version.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "check", cmd_check, "pre-kexec readiness check of the preserved IOMMU state" },
	{ "snapshot", cmd_snapshot, "save the preserved IOMMU state to a file" },
	{ "show", cmd_show, "print the preserved IOMMU state as a tree" },
	{ "audit", cmd_audit, "post-restore audit against a pre-kexec snapshot" },
	{ "trace", cmd_trace, "trace IOMMU live update, invalidations and faults" },
};

static const struct argp_option options[] = {
	{ "verbose", 'v', NULL, 0,
	  "debug output of the libraries (verifier, libbpf) on standard error", 0 },
	{ "version", 'V', NULL, 0, "print the version and exit", 0 },
	{ "help", 'h', NULL, 0, "show this help", 0 },
	{ 0 },
};

/* What the options before the command asked for, and where it starts. */
struct dispatch {
	bool version, help;
	int command;			/* index in argv, 0 when none */
	const char *bad_option;
};

static error_t parse_dispatch(int key, char *arg, struct argp_state *state)
{
	struct dispatch *dispatch = state->input;

	(void)arg;
	switch (key) {
	case 'v':
		cli_set_verbose();
		return 0;
	case 'V':
		dispatch->version = true;
		return 0;
	case 'h':
		dispatch->help = true;
		return 0;
	case ARGP_KEY_ARG:
		/* The command's own options are the command's to parse. */
		dispatch->command = state->next - 1;
		state->next = state->argc;
		return 0;
	case ARGP_KEY_ERROR:
		if (state->next > 0 && state->next <= state->argc)
			dispatch->bad_option = state->argv[state->next - 1];
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: iolu [-v] COMMAND [OPTIONS]\n"
		"       iolu --version\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n");
	for (i = 0; options[i].name; i++)
		fprintf(out, "  -%c, --%-8s %s\n", options[i].key, options[i].name,
			options[i].doc);
	fprintf(out, "\n'iolu COMMAND --help' describes each command.\n");
}

static int unknown(const char *what, const char *word)
{
	fprintf(stderr, "iolu: %s '", what);
	escape_text(stderr, word);
	fprintf(stderr, "'\n");
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const struct argp argp = { .options = options, .parser = parse_dispatch };
	struct dispatch dispatch = { 0 };
	const char *name;
	size_t i;

	if (argp_parse(&argp, argc, argv,
		       ARGP_IN_ORDER | ARGP_NO_ERRS | ARGP_NO_EXIT | ARGP_NO_HELP,
		       NULL, &dispatch))
		return unknown("invalid option", dispatch.bad_option ?
			       dispatch.bad_option : "");
	if (dispatch.version) {
		printf("iolu %s\n", IOLU_VERSION);
		return 0;
	}
	if (dispatch.help) {
		usage(stdout);
		return 0;
	}
	if (!dispatch.command) {
		usage(stderr);
		return 2;
	}
	name = argv[dispatch.command];
	if (!strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(argc - dispatch.command,
					       argv + dispatch.command);
	return unknown("unknown command", name);
}
