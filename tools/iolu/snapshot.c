// SPDX-License-Identifier: GPL-2.0
/*
 * iolu snapshot FILE: save the live kernel's preserved IOMMU state, and
 * every page the verifier reads to check it, to a file (atomically), then
 * read it back so a snapshot that cannot be read is never left claiming
 * success.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "escape.h"

struct snapshot_opts {
	const char *path;
	struct cli_input input;
};

static error_t parse_snapshot_option(int key, char *arg, struct argp_state *state)
{
	struct snapshot_opts *opts = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &opts->input;
		return 0;
	case ARGP_KEY_ARG:
		if (!opts->path) {
			opts->path = arg;
			return 0;
		}
		cli_usage_error("snapshot", "unexpected argument '%s'", arg);
		return EINVAL;
	case ARGP_KEY_END:
		if (opts->path)
			return 0;
		cli_usage_error("snapshot", "missing FILE");
		return EINVAL;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp_child snapshot_children[] = {
	{ &cli_live_argp, 0, "Reading the live kernel:", 0 },
	{ 0 },
};

static const struct argp snapshot_argp = {
	.parser = parse_snapshot_option,
	.args_doc = "FILE",
	.doc = "Save the live kernel's preserved IOMMU state to FILE: the KHO FDT, the\n"
	       "object graph, the VT-d tables, every IO page table page and the kernel's\n"
	       "identity. FILE is replaced atomically (mode 0600 less the umask); an\n"
	       "existing FILE must be a regular file. A dash writes to standard output.\n"
	       "Nothing is written when nothing is preserved.\n"
	       "\v"
	       "Exit status: 0 saved, 1 nothing preserved (no file written), 2 could\n"
	       "not save (bad option, unreadable state, write error).",
	.children = snapshot_children,
};

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
	struct snapshot_opts opts = { .input.side = IOLU_SIDE_OUTGOING };
	const struct cli_input *input = &opts.input;
	const char *inputs[CLI_MAX_INPUTS];
	struct iolu_source *source;
	const char *path;
	int rc;

	rc = cli_parse("snapshot", &snapshot_argp, argc, argv, &opts);
	if (rc != CLI_PARSED)
		return rc;
	path = opts.path;
	if (cli_check_output("snapshot", "cannot save the snapshot", path, inputs,
			     cli_input_files(input, inputs)))
		return CLI_EXIT_ERROR;
	if (cli_open("snapshot", input, &source)) {
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
