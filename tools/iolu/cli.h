/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the subcommands share: where they read state from, how they print
 * errors (once, here at the edge), and atomic file output.
 */
#ifndef IOLU_CLI_H
#define IOLU_CLI_H

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

/* Options every reading command accepts, for getopt_long. */
enum {
	CLI_OPT_DEBUGFS = 0x100,
	CLI_OPT_KCORE,
	CLI_OPT_NOTES,
	CLI_OPT_SIDE,
	CLI_OPT_KALLSYMS,
	CLI_OPT_BTF,
	CLI_OPT_FIRST_FREE,
};

#define CLI_LIVE_OPTIONS \
	{ "debugfs", required_argument, NULL, CLI_OPT_DEBUGFS }, \
	{ "kcore", required_argument, NULL, CLI_OPT_KCORE }, \
	{ "notes", required_argument, NULL, CLI_OPT_NOTES }, \
	{ "side", required_argument, NULL, CLI_OPT_SIDE }, \
	{ "kallsyms", required_argument, NULL, CLI_OPT_KALLSYMS }, \
	{ "btf", required_argument, NULL, CLI_OPT_BTF }, \
	{ "verbose", no_argument, NULL, 'v' }

/* The short options of CLI_LIVE_OPTIONS, for the optstring. */
#define CLI_LIVE_SHORT "v"

#define CLI_LIVE_HELP \
	"      --debugfs DIR  debugfs mount of the live kernel (default /sys/kernel/debug)\n" \
	"      --kcore FILE   physical memory of the live kernel (default /proc/kcore)\n" \
	"      --notes FILE   the kernel's ELF notes, for its build ID (default /sys/kernel/notes)\n" \
	"      --side SIDE    outgoing (before kexec) or incoming (after kexec)\n" \
	"      --kallsyms FILE  where LUO's sessions are (default /proc/kallsyms)\n" \
	"      --btf FILE     their layout, the kernel's BTF (default /sys/kernel/btf/vmlinux)\n" \
	"  -v, --verbose        show what the library reads, on standard error\n"

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

/*
 * Handle one of the CLI_LIVE_OPTIONS. Returns 1 when opt was one, 0 when
 * not, or -EINVAL (message printed) for a bad value.
 */
int cli_input_option(const char *cmd, struct cli_input *input, int opt,
		     const char *arg);

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

/* Print a getopt complaint and the --help hint; returns CLI_EXIT_ERROR. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Report what getopt_long (optstring starting with ':') complained about:
 * opt is ':' (missing value) or '?' (unknown option).
 */
int cli_getopt_error(const char *cmd, int opt, char **argv);

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
