// SPDX-License-Identifier: GPL-2.0
/*
 * Sources: where the state comes from. The live source finds the state
 * through debugfs (the series' header_phys, KHO's FDT) and reads physical
 * memory through /proc/kcore; the snapshot source (snapshot.c) replays a
 * file. Both end up as the same struct iolu_source.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "check.h"
#include "findings.h"
#include "luo.h"
#include "ranges.h"
#include "source.h"

/* An FDT from debugfs is one page in 7.3; anything this big is wrong. */
#define MAX_FDT_SIZE	(1u << 20)
/* incoming/claimed: a line of at most 26 bytes per object, 2^20 objects */
#define MAX_CLAIMED_TEXT	(26u << 20)

struct iolu_source *iolu_source_alloc(const char *kind)
{
	struct iolu_source *source = calloc(1, sizeof(*source));

	if (source)
		source->kind = kind;
	return source;
}

void iolu_source_close(struct iolu_source *source)
{
	if (!source)
		return;
	if (source->release)
		source->release(source->mem.ctx);
	free(source->kho_fdt);
	free(source->claimed);
	iolu_ranges_free(&source->ram);
	iolu_luo_index_free(&source->luo);
	free(source);
}

const char *iolu_file_type_name(unsigned int mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFSOCK:
		return "a socket";
	case S_IFLNK:
		return "a symbolic link";
	}
	return "not a file";
}

int iolu_open_input(const char *path, struct stat *st, struct iolu_err *err)
{
	/*
	 * A FIFO blocks open() until a writer comes, and a terminal or a
	 * device may block read(): O_NONBLOCK lets the type check below run
	 * first. /proc/kcore, debugfs and sysfs files are regular files.
	 */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	int ret, flags;

	if (fd < 0)
		return iolu_fail(err, -errno, 0, "%s: %s", path, strerror(errno));
	if (fstat(fd, st)) {
		ret = -errno;
		close(fd);
		return iolu_fail(err, ret, 0, "%s: %s", path, strerror(-ret));
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return iolu_fail(err, -EINVAL, 0, "%s: %s, not a regular file",
				 path, iolu_file_type_name(st->st_mode));
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)) {
		ret = -errno;
		close(fd);
		return iolu_fail(err, ret, 0, "%s: %s", path, strerror(-ret));
	}
	return fd;
}

/* Read a whole small file; -ENOENT (err filled) when it does not exist. */
int iolu_read_input_file(const char *path, size_t max, void **data, size_t *len,
		     struct iolu_err *err)
{
	size_t used = 0, capacity = 4096;
	char *buffer, *grown;
	struct stat st;
	ssize_t got;
	int fd;

	fd = iolu_open_input(path, &st, err);
	if (fd < 0)
		return fd;
	buffer = malloc(capacity + 1);
	while (buffer) {
		got = read(fd, buffer + used, capacity - used);
		if (got <= 0) {
			if (got < 0) {
				free(buffer);
				buffer = NULL;
			}
			break;
		}
		used += got;
		if (used > max) {
			free(buffer);
			close(fd);
			return iolu_fail(err, -EFBIG, max, "%s: more than %zu bytes",
					 path, max);
		}
		if (used == capacity) {
			capacity *= 2;
			grown = realloc(buffer, capacity + 1);
			if (!grown)
				free(buffer);
			buffer = grown;
		}
	}
	close(fd);
	if (!buffer)
		return iolu_fail(err, -EIO, used, "%s: read failed at offset %zu",
				 path, used);
	buffer[used] = '\0';
	*data = buffer;
	*len = used;
	iolu_debug("%s: %zu bytes", path, used);
	return 0;
}

static bool dir_is_empty(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *entry;
	bool empty = true;

	if (!dir)
		return false;
	while (empty && (entry = readdir(dir)))
		empty = !strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..");
	closedir(dir);
	return empty;
}

/*
 * The series' status file is missing: say which of the three reasons
 * holds. A directory that is not a debugfs mount but holds files is taken
 * as a copy of one (the command tests read such copies); an empty one is
 * what /sys/kernel/debug is while debugfs is not mounted on it.
 */
static int diagnose_no_status(const char *debugfs, const char *status,
			      struct iolu_err *err)
{
	struct statfs fs;
	struct stat st;
	char path[512];

	if (stat(debugfs, &st) || !S_ISDIR(st.st_mode) ||
	    (!statfs(debugfs, &fs) && fs.f_type != DEBUGFS_MAGIC &&
	     dir_is_empty(debugfs)))
		return iolu_fail(err, -ENOENT, 0,
				 "%s: debugfs is not mounted there (mount -t debugfs none %s)",
				 debugfs, debugfs);
	snprintf(path, sizeof(path), "%s/iommu", debugfs);
	if (stat(path, &st) && errno == ENOENT)
		return iolu_fail(err, -ENOENT, 0,
				 "%s: no such directory: the kernel is built without CONFIG_IOMMU_DEBUGFS, which the IOMMU live update series needs to show its state",
				 path);
	snprintf(path, sizeof(path), "%s/iommu/liveupdate", debugfs);
	if (stat(path, &st) && errno == ENOENT)
		return iolu_fail(err, -ENOENT, 0,
				 "%s: no such directory: the running kernel does not have the IOMMU live update series",
				 path);
	return iolu_fail(err, -ENOENT, 0, "%s: %s", status, strerror(ENOENT));
}

static const char *side_dir(enum iolu_side side)
{
	return side == IOLU_SIDE_INCOMING ? "incoming" : "outgoing";
}

/* The series' debugfs view: status, then header_phys when active. */
static int read_header_phys(const char *debugfs, enum iolu_side side,
			    uint64_t *header_pa, struct iolu_err *err)
{
	char path[512], *text, *end;
	size_t len;
	void *data;
	int ret;

	snprintf(path, sizeof(path), "%s/iommu/liveupdate/%s/status", debugfs,
		 side_dir(side));
	ret = iolu_read_input_file(path, 4096, &data, &len, err);
	if (ret == -ENOENT)
		return diagnose_no_status(debugfs, path, err);
	if (ret == -EACCES)
		return iolu_fail(err, ret, 0, "%s: %s (debugfs is readable by root only)",
				 path, strerror(-ret));
	if (ret)
		return ret;
	text = data;
	*header_pa = 0;
	if (!strncmp(text, "none", 4)) {
		free(data);
		return 0;
	}
	if (strncmp(text, "active", 6)) {
		/* e.g. "error -22": the kernel rejected the state it was given */
		text[strcspn(text, "\n")] = '\0';
		iolu_fail(err, -EIO, 0,
			  "%s says \"%.64s\": the kernel holds no state it trusts, nothing to check",
			  path, text);
		free(data);
		return -EIO;
	}
	free(data);
	snprintf(path, sizeof(path), "%s/iommu/liveupdate/%s/header_phys",
		 debugfs, side_dir(side));
	ret = iolu_read_input_file(path, 4096, &data, &len, err);
	if (ret)
		return ret;
	errno = 0;
	*header_pa = strtoull(data, &end, 0);
	ret = errno || end == (char *)data || *header_pa == 0;
	free(data);
	if (ret)
		return iolu_fail(err, -EINVAL, 0,
				 "%s does not hold a physical address", path);
	iolu_debug("%s: the state header is at 0x%" PRIx64, path, *header_pa);
	return 0;
}

static int read_kho_fdt(const char *debugfs, struct iolu_source *source,
			struct iolu_err *err)
{
	char path[512];
	int ret;

	snprintf(path, sizeof(path), "%s/kho/%s/fdt", debugfs,
		 source->side == IOLU_SIDE_INCOMING ? "in" : "out");
	ret = iolu_read_input_file(path, MAX_FDT_SIZE, &source->kho_fdt,
			&source->kho_fdt_len, err);
	/* No KHO (or no handover into this kernel): memory rules are skipped. */
	return ret == -ENOENT ? 0 : ret;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/*
 * One claimed object per line, "unit|domain|device 0x<address>". A kernel
 * without the file (older series) claims nothing that can be told.
 */
static int read_claimed(const char *debugfs, struct iolu_source *source,
			struct iolu_err *err)
{
	char path[512], kind[16], *text = NULL, *line, *save = NULL;
	size_t len, nr = 0;
	unsigned long long pa;
	int ret;

	snprintf(path, sizeof(path), "%s/iommu/liveupdate/incoming/claimed",
		 debugfs);
	ret = iolu_read_input_file(path, MAX_CLAIMED_TEXT, (void **)&text, &len, err);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	/* The shortest line, "unit 0x0\n", is 9 bytes */
	source->claimed = calloc(len / 9 + 1, sizeof(*source->claimed));
	if (!source->claimed) {
		free(text);
		return -ENOMEM;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%15s 0x%llx", kind, &pa) != 2 ||
		    (strcmp(kind, "unit") && strcmp(kind, "domain") &&
		     strcmp(kind, "device"))) {
			free(text);
			return iolu_fail(err, -EINVAL, 0, "%s: line '%s' is not '<kind> 0x<address>'",
					 path, line);
		}
		source->claimed[nr++] = pa;
	}
	free(text);
	qsort(source->claimed, nr, sizeof(*source->claimed), compare_u64);
	source->nr_claimed = nr;
	return 0;
}

static int no_memory_read(void *ctx, uint64_t pa, void *buf, size_t len)
{
	(void)ctx;
	(void)pa;
	(void)buf;
	(void)len;
	return -EFAULT;
}

int iolu_source_open_live(enum iolu_side side,
			  const struct iolu_live_paths *paths,
			  struct iolu_source **sourcep,
			  struct iolu_err *err)
{
	const char *debugfs = paths && paths->debugfs ? paths->debugfs :
			      "/sys/kernel/debug";
	const char *kcore = paths && paths->kcore ? paths->kcore : "/proc/kcore";
	const char *notes = paths && paths->notes ? paths->notes :
			    "/sys/kernel/notes";
	const char *kallsyms = paths && paths->kallsyms ? paths->kallsyms :
			       "/proc/kallsyms";
	const char *btf = paths && paths->btf ? paths->btf :
			  "/sys/kernel/btf/vmlinux";
	struct iolu_source *source = iolu_source_alloc("live");
	int ret;

	*sourcep = NULL;
	if (!source)
		return -ENOMEM;
	source->side = side;
	ret = read_header_phys(debugfs, side, &source->header_pa, err);
	if (!ret)
		ret = read_kho_fdt(debugfs, source, err);
	if (!ret && side == IOLU_SIDE_INCOMING && source->header_pa)
		ret = read_claimed(debugfs, source, err);
	/* Nothing preserved is an answer that needs no physical memory. */
	if (!ret && source->header_pa)
		ret = iolu_kcore_open(kcore, source, err);
	if (!ret && source->header_pa)
		iolu_luo_kernel_read(kallsyms, btf, source);
	else if (!ret) {
		iolu_debug("nothing preserved: %s not read", kcore);
		source->mem = (struct iolu_mem){ .read = no_memory_read };
	}
	if (!ret)
		ret = iolu_identity_read(notes, &source->identity, err);
	if (ret) {
		iolu_source_close(source);
		return ret;
	}
	*sourcep = source;
	return 0;
}

const struct iolu_mem *iolu_source_mem(const struct iolu_source *source)
{
	return &source->mem;
}

enum iolu_side iolu_source_side(const struct iolu_source *source)
{
	return source->side;
}

uint64_t iolu_source_header_pa(const struct iolu_source *source)
{
	return source->header_pa;
}

const struct iolu_identity *iolu_source_identity(const struct iolu_source *s)
{
	return &s->identity;
}

const void *iolu_source_kho_fdt(const struct iolu_source *source, size_t *len)
{
	*len = source->kho_fdt_len;
	return source->kho_fdt;
}

const struct iolu_ranges *iolu_source_ram(const struct iolu_source *source)
{
	return &source->ram;
}

const struct iolu_luo_index *iolu_source_luo(const struct iolu_source *s)
{
	return &s->luo;
}

const char *iolu_source_kind(const struct iolu_source *source)
{
	return source->kind;
}

int iolu_snapshot_info(const struct iolu_source *source,
		       struct iolu_snapshot_info *info)
{
	if (strcmp(source->kind, "snapshot"))
		return -EINVAL;
	*info = source->snapshot;
	return 0;
}

/* Load the preserved-memory map; trouble with it is a finding. */
static int load_kho_map(const struct iolu_source *source,
			struct iolu_model *model, struct iolu_findings *findings)
{
	struct iolu_err err = { 0 };
	int ret;

	/*
	 * Before kexec no map means nothing proves the state preserved (KHO
	 * off, or a snapshot without it): the verdict cannot be "ready".
	 */
	if (!source->kho_fdt && source->side == IOLU_SIDE_OUTGOING)
		return iolu_report(findings, "kho-map-missing",
				   IOLU_OBJ_KHO_MAP, 0, 0,
				   "no KHO FDT before kexec: nothing shows the state preserved");
	if (!source->kho_fdt)
		return iolu_report(findings, "kho-map-absent", IOLU_OBJ_KHO_MAP,
				   0, 0,
				   "no KHO FDT for the %s side: preserved memory not checked",
				   side_dir(source->side));
	/*
	 * The next kernel consumes the previous kernel's radix tree early in
	 * boot and frees its pages (7.2 and 7.3), so what kho/in points at may be
	 * reused memory: a walk of it could pass anything. Do not trust it.
	 */
	if (source->side == IOLU_SIDE_INCOMING)
		return iolu_report(findings, "kho-map-absent", IOLU_OBJ_KHO_MAP,
				   0, 0,
				   "the previous kernel's preserved-memory map is freed at boot: preserved memory is judged by the pre-kexec snapshot's map (iolu audit) or not at all");
	ret = iolu_kho_fdt_map_root(source->kho_fdt, source->kho_fdt_len,
				    &model->kho_root_pa, &err);
	if (!ret)
		ret = iolu_kho_map_load(&source->mem, model->kho_root_pa,
					&model->kho, &err);
	if (ret == -ENOMEM)
		return ret;
	if (ret)
		return iolu_report(findings, "kho-map-invalid", IOLU_OBJ_KHO_MAP,
				   0, err.where, "%s", err.msg);
	return 0;
}

/* LUO's index as the source has it, then every file's record. */
static int load_luo(const struct iolu_source *source,
		    struct iolu_model *model, struct iolu_findings *findings)
{
	struct iolu_luo_index *index = &model->luo.index;
	int ret;

	if (source->luo_pa)
		ret = iolu_luo_index_read(&source->mem, source->luo_pa, index,
					  findings);
	else if (source->luo_sessions_pa) {
		index->origin = "serialized";
		ret = iolu_luo_index_read_sessions(&source->mem,
						   source->luo_sessions_pa,
						   index, findings);
	} else
		ret = iolu_luo_index_copy(index, &source->luo);
	if (!ret && !index->present && !index->absent_reason[0])
		snprintf(index->absent_reason, sizeof(index->absent_reason),
			 "the %s source carries no LUO state", source->kind);
	if (!ret && index->present)
		ret = iolu_luo_load(&source->mem, index, &model->luo, findings);
	return ret;
}

static bool source_claimed(const struct iolu_source *source, uint64_t pa)
{
	return source->nr_claimed &&
	       bsearch(&pa, source->claimed, source->nr_claimed,
		       sizeof(*source->claimed), compare_u64);
}

/* What the kernel that was handed the state says it claimed. */
static void mark_claimed(const struct iolu_source *source,
			 struct iolu_state *state)
{
	for (size_t i = 0; i < state->nr_units; i++)
		state->units[i].object.claimed =
			source_claimed(source, state->units[i].object.pa);
	for (size_t i = 0; i < state->nr_domains; i++)
		state->domains[i].object.claimed =
			source_claimed(source, state->domains[i].object.pa);
	for (size_t i = 0; i < state->nr_devices; i++)
		state->devices[i].object.claimed =
			source_claimed(source, state->devices[i].object.pa);
}

int iolu_model_load(const struct iolu_source *source,
		    struct iolu_model *model, struct iolu_findings *findings,
		    struct iolu_err *err)
{
	int ret;

	memset(model, 0, sizeof(*model));
	if (!source->header_pa)
		return iolu_fail(err, -ENODATA, 0,
				 "the %s kernel has no preserved IOMMU state",
				 side_dir(source->side));
	ret = iolu_state_read(&source->mem, source->header_pa, &model->state,
			      findings, err);
	if (!ret)
		mark_claimed(source, &model->state);
	if (!ret)
		ret = load_kho_map(source, model, findings);
	if (!ret)
		ret = load_luo(source, model, findings);
	if (ret == -ENOMEM)
		iolu_fail(err, ret, 0, "out of memory loading the state");
	return ret;
}

void iolu_model_free(struct iolu_model *model)
{
	iolu_state_free(&model->state);
	iolu_kho_map_free(model->kho);
	iolu_luo_free(&model->luo);
	memset(model, 0, sizeof(*model));
}

/* What the checks of one state are told: derived here and nowhere else. */
static void derive_check_opts(const struct iolu_source *source,
			      const struct iolu_model *model,
			      const struct iolu_verify_opts *verify,
			      struct iolu_check_opts *opts)
{
	opts->checks = verify->checks;
	opts->kho = model->kho ? model->kho : verify->kho_reference;
	/*
	 * No RAM recorded says nothing about where RAM is: treating every
	 * target as MMIO would excuse them all, so each must be preserved.
	 */
	opts->ram = source->ram.nr ? &source->ram : NULL;
}

int iolu_verify(const struct iolu_source *source,
		const struct iolu_verify_opts *opts, struct iolu_model *model,
		struct iolu_findings *findings, struct iolu_err *err)
{
	struct iolu_check_opts check_opts = { 0 };
	struct iolu_model local;
	int ret;

	if (!model)
		model = &local;
	ret = iolu_model_load(source, model, findings, err);
	if (!ret && opts->checks) {
		derive_check_opts(source, model, opts, &check_opts);
		ret = iolu_check(&source->mem, &model->state, &check_opts,
				 findings);
		if (!ret)
			ret = iolu_check_luo(&source->mem, &model->state,
					     &model->luo, &check_opts, findings);
		if (ret)
			iolu_fail(err, ret, 0, "out of memory checking the state");
	}
	if (model == &local)
		iolu_model_free(&local);
	return ret;
}

int iolu_source_open_memory(const struct iolu_memory_source *desc,
			    struct iolu_source **source, struct iolu_err *err)
{
	struct iolu_source *opened = iolu_source_alloc("memory");
	size_t nr_ram = desc->ram ? desc->ram->nr : 0;

	*source = NULL;
	if (!opened)
		return iolu_fail(err, -ENOMEM, 0, "out of memory opening a source");
	opened->side = desc->side;
	opened->header_pa = desc->header_pa;
	opened->mem = desc->mem;
	opened->luo_pa = desc->luo_pa;
	if (desc->kho_fdt) {
		opened->kho_fdt = malloc(desc->kho_fdt_len ? desc->kho_fdt_len : 1);
		if (opened->kho_fdt)
			memcpy(opened->kho_fdt, desc->kho_fdt, desc->kho_fdt_len);
		opened->kho_fdt_len = desc->kho_fdt_len;
	}
	if (nr_ram) {
		opened->ram.items = calloc(nr_ram, sizeof(*opened->ram.items));
		if (opened->ram.items)
			memcpy(opened->ram.items, desc->ram->items,
			       nr_ram * sizeof(*opened->ram.items));
		opened->ram.nr = opened->ram.items ? nr_ram : 0;
		iolu_ranges_normalize(&opened->ram);
	}
	if ((desc->kho_fdt && !opened->kho_fdt) || (nr_ram && !opened->ram.items)) {
		iolu_source_close(opened);
		return iolu_fail(err, -ENOMEM, 0, "out of memory opening a source");
	}
	*source = opened;
	return 0;
}
