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

/* The last cli_error() message, for --json output of a failed run. */
static char last_error[1024];

void cli_error(const char *cmd, const char *what, int rc,
	       const struct iolu_err *err)
{
	int len;

	len = snprintf(last_error, sizeof(last_error), "%s", what);
	if (err && err->msg[0] && len >= 0 && (size_t)len < sizeof(last_error))
		len += snprintf(last_error + len, sizeof(last_error) - len, ": %s", err->msg);
	/* The library's message often ends with the reason already. */
	if (rc && !(err && strstr(err->msg, strerror(-rc))) &&
	    len >= 0 && (size_t)len < sizeof(last_error))
		snprintf(last_error + len, sizeof(last_error) - len, " (%s)", strerror(-rc));
	/* Messages quote the input (a status file, a path): never raw. */
	fprintf(stderr, "iolu %s: ", cmd);
	escape_text(stderr, last_error);
	fputc('\n', stderr);
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
		snprintf(what, sizeof(what), "cannot read the %s",
			 cli_input_name(input, name, sizeof(name)));
		cli_error(cmd, what, rc, &err);
	}
	return rc;
}

int cli_save_snapshot(const char *cmd, struct iolu_source *source,
		      const char *path)
{
	struct iolu_err err = { 0 };
	char what[4200];
	int rc;

	rc = iolu_snapshot_write(source, path, &err);
	if (rc) {
		snprintf(what, sizeof(what), "cannot save the snapshot %s", path);
		cli_error(cmd, what, rc, &err);
	}
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

static int write_all(const char *cmd, char *temp, const char *path,
		     int (*fill)(FILE *out, void *ctx), void *ctx)
{
	int fd = mkstemp(temp);
	FILE *out;
	int rc;

	if (fd < 0) {
		rc = -errno;
		fprintf(stderr, "iolu %s: cannot create a temporary file beside %s: %s\n",
			cmd, path, strerror(errno));
		return rc;
	}
	/* mkstemp makes 0600; a report is for reading. */
	fchmod(fd, 0644);
	out = fdopen(fd, "w");
	if (!out) {
		rc = -errno;
		close(fd);
		fprintf(stderr, "iolu %s: %s: %s\n", cmd, temp, strerror(-rc));
		return rc;
	}
	rc = fill(out, ctx);
	if (!rc && (fflush(out) || fsync(fileno(out))))
		rc = -errno;
	if (fclose(out) && !rc)
		rc = -errno;
	if (rc) {
		fprintf(stderr, "iolu %s: cannot write %s: %s\n", cmd, temp, strerror(-rc));
		return rc;
	}
	if (rename(temp, path)) {
		rc = -errno;
		fprintf(stderr, "iolu %s: cannot rename %s to %s: %s\n",
			cmd, temp, path, strerror(-rc));
		return rc;
	}
	sync_parent(path);
	return 0;
}

int cli_write_atomic(const char *cmd, const char *path,
		     int (*fill)(FILE *out, void *ctx), void *ctx)
{
	size_t len = strlen(path) + sizeof(".XXXXXX");
	char *temp = malloc(len);
	int rc;

	if (!temp)
		return -ENOMEM;
	snprintf(temp, len, "%s.XXXXXX", path);
	rc = write_all(cmd, temp, path, fill, ctx);
	if (rc)
		unlink(temp);
	free(temp);
	return rc;
}
