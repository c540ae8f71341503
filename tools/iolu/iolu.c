// SPDX-License-Identifier: GPL-2.0
/*
 * iolu: observe and check IOMMU live update. This file only dispatches to
 * the subcommands; each lives in its own file beside this one.
 */
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

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: iolu [-v] COMMAND [OPTIONS]\n"
		"       iolu --version\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n  -v, --verbose  debug output of the libraries (verifier, libbpf) on\n"
		"                 standard error\n"
		"  -V, --version  print the version and exit\n"
		"\n'iolu COMMAND --help' describes each command.\n");
}


int main(int argc, char **argv)
{
	size_t i;

	if (argc >= 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--verbose"))) {
		cli_set_verbose();
		argc--;
		argv++;
	}
	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
		printf("iolu %s\n", IOLU_VERSION);
		return 0;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "iolu: unknown command '");
	escape_text(stderr, argv[1]);
	fprintf(stderr, "'\n");
	usage(stderr);
	return 2;
}
