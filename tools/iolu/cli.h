/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the subcommands share: their option parsing (argp), where they read
 * state from, how they print errors (once, here at the edge), and atomic
 * file output.
 */
#ifndef IOLU_CLI_H
#define IOLU_CLI_H

#include <argp.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "iolu_verifier.h"

/* Exit codes common to the commands; see README.md and iolu(1). */
#define CLI_EXIT_OK		0
#define CLI_EXIT_FINDINGS	1	/* not ready / continuity not proven */
#define CLI_EXIT_ERROR		2	/* could not check: usage, input, I/O */

/* Where a command reads the state: a snapshot file, or the live kernel. */
struct cli_input {
	const char *snapshot;		/* NULL: live */
	struct iolu_live_paths live;	/* --debugfs, --kcore, --notes */
	enum iolu_side side;
};

/*
 * Keys of long-only options: CLI_OPT_* for the live options, from
 * CLI_OPT_FIRST_FREE for a command's own.
 */
enum {
	CLI_OPT_DEBUGFS = 0x100,
	CLI_OPT_KCORE,
	CLI_OPT_NOTES,
	CLI_OPT_SIDE,
	CLI_OPT_KALLSYMS,
	CLI_OPT_BTF,
	CLI_OPT_FIRST_FREE,
};

/*
 * The options of every command that reads the live kernel (--debugfs,
 * --kcore, --notes, --side, -v), as an argp child: the parent's
 * ARGP_KEY_INIT points its child_inputs[] entry at a struct cli_input.
 */
extern const struct argp cli_live_argp;

/* What cli_parse() returns when the command is to run. */
#define CLI_PARSED	(-1)

/*
 * Parse argv with argp: the command's options and arguments (argp, whose
 * parser gets opts as its input), -h/--help, and every usage error in one
 * shape (cli_usage_error()). Returns CLI_PARSED, CLI_EXIT_OK after --help,
 * or CLI_EXIT_ERROR after a usage error.
 */
int cli_parse(const char *cmd, const struct argp *argp, int argc, char **argv,
	      void *opts);

/* Files a command reads: the snapshot, or kcore and notes. */
#define CLI_MAX_INPUTS	3

/*
 * Fill files with the paths input reads (defaults included), for
 * cli_check_output(); returns how many.
 */
size_t cli_input_files(const struct cli_input *input, const char **files);

/* -v: the library's debug messages go to standard error. */
void cli_set_verbose(void);
/* Whether -v asked for the libraries' debug output (libbpf's too). */
bool cli_verbose(void);

/* Print "iolu CMD: WHAT: MESSAGE (strerror)" once; err may be NULL. */
void cli_error(const char *cmd, const char *what, int rc,
	       const struct iolu_err *err);

/* The text of the last cli_error() or cli_usage_error(), "" when none. */
const char *cli_last_error(void);

/*
 * Whether argv holds the flag, as its own word: what a command that
 * stopped on a usage error knows of --json and --quiet.
 */
bool cli_has_option(int argc, char **argv, const char *long_name, char short_name);

/*
 * Print a usage error and the --help hint; returns CLI_EXIT_ERROR. From an
 * argp parser, return EINVAL after it: cli_parse() then prints no more.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Open the input. Returns 0, or a negative errno after printing what
 * went wrong and where.
 */
int cli_open(const char *cmd, const struct cli_input *input,
	     struct iolu_source **source);

/*
 * Save what source holds as a snapshot file at path. Returns 0, or a
 * negative errno after printing what went wrong.
 */
int cli_save_snapshot(const char *cmd, struct iolu_source *source,
		      const char *path);

/* A human name of the input: the snapshot's path or "live (SIDE)". */
const char *cli_input_name(const struct cli_input *input, char *buf, size_t len);

const char *cli_side_name(enum iolu_side side);

/*
 * Write a file atomically: a temporary file beside path (mode 0600 less
 * the umask) is filled by fill(out, ctx), flushed, fsync'ed and renamed
 * over path, and the directory synced; path "-" is standard output.
 * Returns 0 or a negative errno, printed as "WHAT: the failing step".
 */
int cli_write_atomic(const char *cmd, const char *what, const char *path,
		     int (*fill)(FILE *out, void *ctx), void *ctx);
/* The same with mode (less the umask) instead of 0600, for what holds no secrets. */
int cli_write_atomic_mode(const char *cmd, const char *what, const char *path,
			  mode_t mode, int (*fill)(FILE *out, void *ctx), void *ctx);

/*
 * May the command write path? "-" (standard output) may be; an existing
 * path must be a regular file (not a link, device or FIFO), and not the
 * same file as any of the inputs (NULL entries skipped). Returns 0, or
 * -EEXIST after printing "WHAT: path: why not" (what: the option).
 */
int cli_check_output(const char *cmd, const char *what, const char *path,
		     const char *const *inputs, size_t nr_inputs);

/*
 * A run that could not do its job leaves no output behind: remove the
 * regular file at path, an earlier run's report or snapshot. Only for a
 * path cli_check_output() accepted.
 */
void cli_discard_output(const char *path);

/* Fill err with "where: strerror(errno)" and return -errno. */
int cli_err_errno(struct iolu_err *err, const char *where);

#endif
