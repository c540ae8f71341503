// SPDX-License-Identifier: GPL-2.0
/*
 * iolu snapshot FILE: save the live kernel's preserved IOMMU state, and
 * every page the verifier reads to check it, to a file (atomically), then
 * read it back so a snapshot that cannot be read is never left claiming
 * success.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "escape.h"

static const char snapshot_help[] =
	"usage: iolu snapshot [OPTIONS] FILE\n"
	"\n"
	"Save the live kernel's preserved IOMMU state to FILE: the KHO FDT, the\n"
	"object graph, the VT-d tables, every IO page table page and the kernel's\n"
	"identity. FILE is replaced atomically (mode 0600 less the umask); an\n"
	"existing FILE must be a regular file. - writes to standard output.\n"
	"Nothing is written when nothing is preserved.\n"
	"\n"
	CLI_LIVE_HELP
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 saved, 1 nothing preserved (no file written), 2 could\n"
	"not save (bad option, unreadable state, write error).\n";

static int parse_snapshot(int argc, char **argv, struct cli_input *input,
			  const char **path)
{
	static const struct option long_options[] = {
		{ "help", no_argument, NULL, 'h' },
		CLI_LIVE_OPTIONS,
		{ 0 },
	};
	int opt, handled;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h" CLI_LIVE_SHORT, long_options, NULL)) != -1) {
		handled = cli_input_option("snapshot", input, opt, optarg);
		if (handled < 0)
			return CLI_EXIT_ERROR;
		if (handled)
			continue;
		if (opt == 'h') {
			fputs(snapshot_help, stdout);
			return CLI_EXIT_OK;
		}
		return cli_getopt_error("snapshot", opt, argv);
	}
	if (optind == argc)
		return cli_usage_error("snapshot", "missing FILE");
	if (optind + 1 < argc)
		return cli_usage_error("snapshot", "unexpected argument '%s'", argv[optind + 1]);
	*path = argv[optind];
	return -1;
}

/* Read the file back: its checksums and structure must hold. */
static int verify_written(const char *path)
{
	struct iolu_snapshot_info info = { 0 };
	struct iolu_source *source;
	struct iolu_err err = { 0 };
	int rc;

	rc = iolu_source_open_snapshot(path, &source, &err);
	if (rc) {
		cli_error("snapshot", "the snapshot just written does not read back", rc, &err);
		return rc;
	}
	rc = iolu_snapshot_info(source, &info);
	if (!rc) {
		printf("wrote ");
		escape_text(stdout, path);
		printf(": snapshot version %u, %zu sections, %zu pages, %" PRIu64
		       " bytes, state header at 0x%" PRIx64 "\n", info.version,
		       info.nr_sections, info.nr_pages, info.file_size,
		       iolu_source_header_pa(source));
	} else {
		cli_error("snapshot", "cannot summarise the snapshot", rc, NULL);
	}
	iolu_source_close(source);
	return rc;
}

int cmd_snapshot(int argc, char **argv)
{
	struct cli_input input = { .side = IOLU_SIDE_OUTGOING };
	const char *inputs[CLI_MAX_INPUTS];
	struct iolu_source *source;
	const char *path = NULL;
	int rc;

	rc = parse_snapshot(argc, argv, &input, &path);
	if (rc >= 0)
		return rc;
	if (cli_check_output("snapshot", "cannot save the snapshot", path, inputs,
			     cli_input_files(&input, inputs)))
		return CLI_EXIT_ERROR;
	if (cli_open("snapshot", &input, &source)) {
		cli_discard_output(path);
		return CLI_EXIT_ERROR;
	}
	rc = cli_save_snapshot("snapshot", source, path);
	iolu_source_close(source);
	/* No run that failed leaves a snapshot at path, not even an older one. */
	if (rc == -ENODATA) {
		cli_discard_output(path);
		fprintf(stderr, "iolu snapshot: nothing preserved: no snapshot written\n");
		return CLI_EXIT_FINDINGS;
	}
	/* Standard output was checked before it was written. */
	if (!rc && strcmp(path, "-"))
		rc = verify_written(path);
	if (rc) {
		cli_discard_output(path);
		return CLI_EXIT_ERROR;
	}
	return CLI_EXIT_OK;
}
