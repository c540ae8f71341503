// SPDX-License-Identifier: GPL-2.0
/*
 * Shared plumbing of the subcommands. The library returns negative errno
 * and fills struct iolu_err; this is the one place that prints them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"

const char *cli_side_name(enum iolu_side side)
{
	return side == IOLU_SIDE_INCOMING ? "incoming" : "outgoing";
}

int cli_input_option(const char *cmd, struct cli_input *input, int opt,
		     const char *arg)
{
	switch (opt) {
	case CLI_OPT_DEBUGFS:
		input->live.debugfs = arg;
		return 1;
	case CLI_OPT_KCORE:
		input->live.kcore = arg;
		return 1;
	case CLI_OPT_NOTES:
		input->live.notes = arg;
		return 1;
	case CLI_OPT_KALLSYMS:
		input->live.kallsyms = arg;
		return 1;
	case CLI_OPT_BTF:
		input->live.btf = arg;
		return 1;
	case 'v':
		cli_set_verbose();
		return 1;
	case CLI_OPT_SIDE:
		if (!strcmp(arg, "outgoing")) {
			input->side = IOLU_SIDE_OUTGOING;
		} else if (!strcmp(arg, "incoming")) {
			input->side = IOLU_SIDE_INCOMING;
		} else {
			cli_usage_error(cmd, "--side must be outgoing or incoming, not '%s'", arg);
			return -EINVAL;
		}
		return 1;
	}
	return 0;
}

size_t cli_input_files(const struct cli_input *input, const char **files)
{
	if (input->snapshot) {
		files[0] = input->snapshot;
		return 1;
	}
	files[0] = input->live.kcore ? input->live.kcore : "/proc/kcore";
	files[1] = input->live.notes ? input->live.notes : "/sys/kernel/notes";
	return 2;
}

static void debug_to_stderr(const char *message)
{
	fputs("iolu: debug: ", stderr);
	escape_text(stderr, message);
	fputc('\n', stderr);
}

static bool verbose;

void cli_set_verbose(void)
{
	verbose = true;
	iolu_set_debug(debug_to_stderr);
}

bool cli_verbose(void)
{
	return verbose;
}

/* The last cli_error() message, for --json output of a failed run. */
static char last_error[1024];

void cli_error(const char *cmd, const char *what, int rc,
	       const struct iolu_err *err)
{
	int len;

	len = snprintf(last_error, sizeof(last_error), "%s", what);
	/* The library's message names where and why; errno alone is the rest. */
	if (len >= 0 && (size_t)len < sizeof(last_error)) {
		if (err && err->msg[0])
			snprintf(last_error + len, sizeof(last_error) - len, ": %s", err->msg);
		else if (rc)
			snprintf(last_error + len, sizeof(last_error) - len, ": %s",
				 strerror(-rc));
	}
	fprintf(stderr, "iolu %s: ", cmd);
	escape_text(stderr, last_error);
	fputc('\n', stderr);
}

bool cli_has_option(int argc, char **argv, const char *long_name, char short_name)
{
	const char short_form[3] = { '-', short_name, '\0' };
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], long_name) || !strcmp(argv[i], short_form))
			return true;
	return false;
}

const char *cli_last_error(void)
{
	return last_error;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	char message[1024];
	va_list args;

	va_start(args, fmt);
	vsnprintf(message, sizeof(message), fmt, args);
	va_end(args);
	snprintf(last_error, sizeof(last_error), "%s", message);
	fprintf(stderr, "iolu %s: ", cmd);
	escape_text(stderr, message);
	fprintf(stderr, "\nTry 'iolu %s --help'.\n", cmd);
	return CLI_EXIT_ERROR;
}

int cli_getopt_error(const char *cmd, int opt, char **argv)
{
	const char *what = opt == ':' ? "option '%s' needs a value" : "invalid option '%s'";
	const char *last = optind > 0 ? argv[optind - 1] : "";
	char name[3] = { '-', (char)optopt, 0 };

	/* A long option is the last word read; optopt names a short one. */
	return cli_usage_error(cmd, what, !strncmp(last, "--", 2) || !optopt ? last : name);
}

const char *cli_input_name(const struct cli_input *input, char *buf, size_t len)
{
	if (input->snapshot)
		snprintf(buf, len, "snapshot %s", input->snapshot);
	else
		snprintf(buf, len, "live kernel (%s)", cli_side_name(input->side));
	return buf;
}

int cli_open(const char *cmd, const struct cli_input *input,
	     struct iolu_source **source)
{
	struct iolu_err err = { 0 };
	char name[4200], what[4300];
	int rc;

	if (input->snapshot)
		rc = iolu_source_open_snapshot(input->snapshot, source, &err);
	else
		rc = iolu_source_open_live(input->side, &input->live, source, &err);
	if (rc) {
		*source = NULL;
		/* The library's message starts with the file it could not read. */
		if (input->snapshot)
			snprintf(what, sizeof(what), "cannot read the snapshot");
		else
			snprintf(what, sizeof(what), "cannot read the %s",
				 cli_input_name(input, name, sizeof(name)));
		cli_error(cmd, what, rc, &err);
	}
	return rc;
}

/* Never sent unchecked: the bytes are read back before they go out. */
static int write_snapshot_stdout(struct iolu_source *source, struct iolu_err *err)
{
	struct iolu_source *replay;
	size_t len, done = 0;
	ssize_t wrote;
	void *data;
	int rc;

	rc = iolu_snapshot_build(source, &data, &len, err);
	if (rc)
		return rc;
	rc = iolu_source_open_snapshot_buffer(data, len, &replay, err);
	if (!rc)
		iolu_source_close(replay);
	while (!rc && done < len) {
		wrote = write(STDOUT_FILENO, (char *)data + done, len - done);
		if (wrote < 0 && errno == EINTR)
			continue;
		if (wrote < 0)
			rc = cli_err_errno(err, "standard output");
		else
			done += (size_t)wrote;
	}
	free(data);
	return rc;
}

int cli_save_snapshot(const char *cmd, struct iolu_source *source,
		      const char *path)
{
	struct iolu_err err = { 0 };
	int rc;

	rc = strcmp(path, "-") ? iolu_snapshot_write(source, path, &err) :
				 write_snapshot_stdout(source, &err);
	/* Nothing preserved is the caller's to word: an answer, not a failure. */
	if (rc && rc != -ENODATA)
		cli_error(cmd, "cannot save the snapshot", rc, &err);
	return rc;
}

/* Make the rename itself durable: sync the directory that holds path. */
static void sync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) + (slash == path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Fill err with "where: strerror(errno)" and return -errno. */
int cli_err_errno(struct iolu_err *err, const char *where)
{
	int rc = -errno;

	snprintf(err->msg, sizeof(err->msg), "%s: %s", where, strerror(-rc));
	return rc;
}

/* mode less the process's umask, for a file made by mkstemp (0600). */
static int apply_mode(int fd, mode_t mode)
{
	mode_t mask = umask(0);

	umask(mask);
	if (mode != 0600 && fchmod(fd, mode & ~mask))
		return -errno;
	return 0;
}

static int write_all(char *temp, const char *path, mode_t mode,
		     int (*fill)(FILE *out, void *ctx), void *ctx,
		     struct iolu_err *err)
{
	/* mkstemp makes 0600 less the umask: a report holds physical addresses. */
	int fd = mkstemp(temp);
	FILE *out;
	int rc;

	if (fd < 0) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg),
			 "%s: cannot create a temporary file beside it: %s", path,
			 strerror(-rc));
		return rc;
	}
	rc = apply_mode(fd, mode);
	if (rc) {
		close(fd);
		snprintf(err->msg, sizeof(err->msg), "%s: chmod: %s", temp, strerror(-rc));
		return rc;
	}
	out = fdopen(fd, "w");
	if (!out) {
		rc = cli_err_errno(err, temp);
		close(fd);
		return rc;
	}
	rc = fill(out, ctx);
	if (!rc && (fflush(out) || fsync(fileno(out))))
		rc = -errno;
	if (fclose(out) && !rc)
		rc = -errno;
	if (rc) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", temp, strerror(-rc));
		return rc;
	}
	if (rename(temp, path)) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg), "cannot rename %s to %s: %s",
			 temp, path, strerror(-rc));
		return rc;
	}
	sync_parent(path);
	return 0;
}

int cli_write_atomic(const char *cmd, const char *what, const char *path,
		     int (*fill)(FILE *out, void *ctx), void *ctx)
{
	return cli_write_atomic_mode(cmd, what, path, 0600, fill, ctx);
}

int cli_write_atomic_mode(const char *cmd, const char *what, const char *path,
			  mode_t mode, int (*fill)(FILE *out, void *ctx), void *ctx)
{
	size_t len = strlen(path) + sizeof(".XXXXXX");
	struct iolu_err err = { 0 };
	char *temp;
	int rc;

	if (!strcmp(path, "-")) {
		rc = fill(stdout, ctx);
		if (!rc && fflush(stdout))
			rc = cli_err_errno(&err, "standard output");
		if (rc)
			cli_error(cmd, what, rc, &err);
		return rc;
	}
	temp = malloc(len);
	if (!temp) {
		cli_error(cmd, what, -ENOMEM, NULL);
		return -ENOMEM;
	}
	snprintf(temp, len, "%s.XXXXXX", path);
	rc = write_all(temp, path, mode, fill, ctx, &err);
	if (rc) {
		unlink(temp);
		cli_error(cmd, what, rc, &err);
	}
	free(temp);
	return rc;
}

int cli_check_output(const char *cmd, const char *what, const char *path,
		     const char *const *inputs, size_t nr_inputs)
{
	struct iolu_err err = { 0 };
	struct stat out, in;
	bool exists;
	size_t i;

	if (!strcmp(path, "-"))
		return 0;
	exists = !lstat(path, &out);
	if (exists && !S_ISREG(out.st_mode)) {
		snprintf(err.msg, sizeof(err.msg),
			 "%s: %s, not a regular file: not replacing it%s", path,
			 iolu_file_type_name(out.st_mode),
			 S_ISLNK(out.st_mode) ? " (- is standard output)" : "");
		cli_error(cmd, what, -EEXIST, &err);
		return -EEXIST;
	}
	for (i = 0; i < nr_inputs; i++) {
		if (!inputs[i])
			continue;
		/* Not there yet: only the same name can be the same file. */
		if (exists ? !stat(inputs[i], &in) && in.st_dev == out.st_dev &&
			     in.st_ino == out.st_ino :
			     !strcmp(inputs[i], path)) {
			snprintf(err.msg, sizeof(err.msg),
				 "%s: the same file as the input %s: not overwriting it",
				 path, inputs[i]);
			cli_error(cmd, what, -EEXIST, &err);
			return -EEXIST;
		}
	}
	return 0;
}

void cli_discard_output(const char *path)
{
	struct stat st;

	if (path && strcmp(path, "-") && !lstat(path, &st) && S_ISREG(st.st_mode))
		unlink(path);
}
