// SPDX-License-Identifier: GPL-2.0
/*
 * Shared plumbing of the subcommands. The library returns negative errno
 * and fills struct iolu_err; this is the one place that prints them.
 */
#include <errno.h>
#include <fcntl.h>
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

static const struct argp_option live_options[] = {
	{ "debugfs", CLI_OPT_DEBUGFS, "DIR", 0,
	  "debugfs mount of the live kernel (default /sys/kernel/debug)", 0 },
	{ "kcore", CLI_OPT_KCORE, "FILE", 0,
	  "physical memory of the live kernel (default /proc/kcore)", 0 },
	{ "notes", CLI_OPT_NOTES, "FILE", 0,
	  "the kernel's ELF notes, for its build ID (default /sys/kernel/notes)", 0 },
	{ "side", CLI_OPT_SIDE, "SIDE", 0,
	  "outgoing (before kexec) or incoming (after kexec)", 0 },
	{ "kallsyms", CLI_OPT_KALLSYMS, "FILE", 0,
	  "where LUO's sessions are (default /proc/kallsyms)", 0 },
	{ "btf", CLI_OPT_BTF, "FILE", 0,
	  "their layout, the kernel's BTF (default /sys/kernel/btf/vmlinux)", 0 },
	{ "verbose", 'v', NULL, 0, "show what the library reads, on standard error", 0 },
	{ 0 },
};

static error_t parse_live(int key, char *arg, struct argp_state *state)
{
	struct cli_input *input = state->input;

	switch (key) {
	case CLI_OPT_DEBUGFS:
		input->live.debugfs = arg;
		return 0;
	case CLI_OPT_KCORE:
		input->live.kcore = arg;
		return 0;
	case CLI_OPT_NOTES:
		input->live.notes = arg;
		return 0;
	case CLI_OPT_KALLSYMS:
		input->live.kallsyms = arg;
		return 0;
	case CLI_OPT_BTF:
		input->live.btf = arg;
		return 0;
	case 'v':
		cli_set_verbose();
		return 0;
	case CLI_OPT_SIDE:
		if (!strcmp(arg, "outgoing")) {
			input->side = IOLU_SIDE_OUTGOING;
		} else if (!strcmp(arg, "incoming")) {
			input->side = IOLU_SIDE_INCOMING;
		} else {
			cli_usage_error(state->name, "--side must be outgoing or incoming, not '%s'",
					arg);
			return EINVAL;
		}
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

const struct argp cli_live_argp = {
	.options = live_options,
	.parser = parse_live,
};

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
/* Whether a usage error was printed since cli_parse() began. */
static bool usage_reported;

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
	usage_reported = true;
	fprintf(stderr, "iolu %s: ", cmd);
	escape_text(stderr, message);
	fprintf(stderr, "\nTry 'iolu %s --help'.\n", cmd);
	return CLI_EXIT_ERROR;
}

/* What cli_parse() keeps while argp runs: the parser's own input is opts. */
struct parse_context {
	const char *name;	/* "iolu CMD", for the help's usage line */
	void *opts;
	int failed_at;		/* argv index of the word argp stopped on */
	bool help;
};

static const struct argp_option *find_long(const struct argp *argp, const char *name,
					   size_t len, int *matches)
{
	const struct argp_option *found = NULL, *opt, *child_found;
	const struct argp_child *child;

	for (opt = argp->options; opt && (opt->name || opt->key || opt->doc); opt++) {
		if (!opt->name || strncmp(opt->name, name, len))
			continue;
		/* An exact name wins over the abbreviations getopt accepts. */
		if (!opt->name[len]) {
			*matches = 1;
			return opt;
		}
		found = opt;
		++*matches;
	}
	for (child = argp->children; child && child->argp; child++) {
		child_found = find_long(child->argp, name, len, matches);
		if (child_found && *matches == 1 && !child_found->name[len])
			return child_found;
		if (child_found)
			found = child_found;
	}
	return found;
}

static const struct argp_option *find_short(const struct argp *argp, int key)
{
	const struct argp_option *opt, *found;
	const struct argp_child *child;

	for (opt = argp->options; opt && (opt->name || opt->key || opt->doc); opt++)
		if (opt->key == key && key < 0x100)
			return opt;
	for (child = argp->children; child && child->argp; child++) {
		found = find_short(child->argp, key);
		if (found)
			return found;
	}
	return NULL;
}

/* A long option argp refused: unknown, or a value missing or in excess. */
static int long_option_error(const char *cmd, const struct argp *argp, const char *word)
{
	const char *equals = strchr(word, '=');
	size_t len = equals ? (size_t)(equals - word) - 2 : strlen(word) - 2;
	const struct argp_option *opt;
	int matches = 0;

	opt = find_long(argp, word + 2, len, &matches);
	if (!opt || matches != 1)
		return cli_usage_error(cmd, "invalid option '%.*s'", (int)len + 2, word);
	if (opt->arg && !equals)
		return cli_usage_error(cmd, "option '--%s' needs a value", opt->name);
	return cli_usage_error(cmd, "option '--%s' takes no value", opt->name);
}

/* A word of short options (-jx, -i): the first one argp could not take. */
static int short_option_error(const char *cmd, const struct argp *argp, const char *word)
{
	const struct argp_option *opt;
	const char *c;

	for (c = word + 1; *c; c++) {
		opt = find_short(argp, (unsigned char)*c);
		if (!opt)
			return cli_usage_error(cmd, "invalid option '-%c'", *c);
		if (opt->arg && !c[1])
			return cli_usage_error(cmd, "option '-%c' needs a value", *c);
		if (opt->arg)
			break;
	}
	return cli_usage_error(cmd, "invalid option '%s'", word);
}

static const struct argp_option help_options[] = {
	{ "help", 'h', NULL, 0, "show this help", -1 },
	{ 0 },
};

static error_t parse_common(int key, char *arg, struct argp_state *state)
{
	struct parse_context *context = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = context->opts;
		return 0;
	case 'h':
		/* argp's own help would stay silent under ARGP_NO_ERRS. */
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP & ~ARGP_HELP_BUG_ADDR,
			  (char *)context->name);
		context->help = true;
		return ECANCELED;
	case ARGP_KEY_ERROR:
		context->failed_at = state->next - 1;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

int cli_parse(const char *cmd, const struct argp *argp, int argc, char **argv,
	      void *opts)
{
	const struct argp_child children[] = { { argp, 0, NULL, 0 }, { 0 } };
	const struct argp root = {
		.options = help_options,
		.parser = parse_common,
		.children = children,
	};
	struct parse_context context = { .opts = opts };
	const char *word;
	char name[64];
	int rc;

	snprintf(name, sizeof(name), "iolu %s", cmd);
	context.name = name;
	usage_reported = false;
	rc = argp_parse(&root, argc, argv, ARGP_NO_ERRS | ARGP_NO_EXIT | ARGP_NO_HELP,
			NULL, &context);
	if (context.help)
		return CLI_EXIT_OK;
	if (!rc)
		return CLI_PARSED;
	if (usage_reported)
		return CLI_EXIT_ERROR;
	word = context.failed_at > 0 && context.failed_at < argc ? argv[context.failed_at] : "";
	if (!strncmp(word, "--", 2))
		return long_option_error(cmd, &root, word);
	if (word[0] == '-' && word[1])
		return short_option_error(cmd, &root, word);
	return cli_usage_error(cmd, "cannot parse the options: %s", strerror(rc));
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
