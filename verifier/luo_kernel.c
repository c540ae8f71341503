// SPDX-License-Identifier: GPL-2.0
/*
 * LUO's index in the live kernel. Before the kexec LUO writes nothing a
 * reader of physical memory could find: sessions and files are serialized
 * during the reboot itself. After it, struct luo_ser is freed early in
 * boot. Both sides keep the index in luo_session_global, though: the
 * outgoing sessions and their files in lists, the incoming ones as the
 * head of the serialized session chain until /dev/liveupdate is first
 * opened, then in lists. Find it through kallsyms, lay its structures out
 * with the running kernel's BTF (they are internal, not ABI), and read
 * them through kcore's virtual addresses. Nothing here fails the source:
 * what cannot be read leaves the LUO view absent, saying why.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "findings.h"
#include "luo.h"
#include "source.h"

#define LUO_SYMBOL	"luo_session_global"

/* Offsets of what is read, from BTF. */
struct luo_layout {
	uint64_t side_list, side_head_pa;	/* in luo_session_global */
	uint64_t session_name, session_list, session_files;
	uint64_t file_fh, file_data, file_token, file_list, file_status;
	uint64_t fh_compatible;
	bool fh_compatible_inline;		/* char[] rather than char * */
};

struct kernel_read {
	struct iolu_source *source;
	struct luo_layout layout;
	char why[160];
};

__attribute__((format(printf, 2, 3)))
static int absent(struct kernel_read *read, const char *fmt, ...)
{
	va_list args;

	if (read->why[0])
		return -ENOENT;
	va_start(args, fmt);
	vsnprintf(read->why, sizeof(read->why), fmt, args);
	va_end(args);
	return -ENOENT;
}

static int read_virt(struct kernel_read *read, uint64_t va, void *buf,
		     size_t len)
{
	char *out = buf;

	while (len) {
		uint64_t pa, contiguous;
		size_t chunk;

		if (iolu_kcore_virt_to_phys(read->source, va, &pa, &contiguous) ||
		    iolu_mem_read(&read->source->mem, pa, out,
				  chunk = len < contiguous ? len : contiguous))
			return absent(read, "kernel address 0x%" PRIx64 " is not in /proc/kcore",
				      va);
		out += chunk;
		va += chunk;
		len -= chunk;
	}
	return 0;
}

static int read_u64(struct kernel_read *read, uint64_t va, uint64_t *value)
{
	return read_virt(read, va, value, sizeof(*value));
}

/* ---- layout from BTF ---- */

/* The offset of a dotted member path in a struct, and its type. */
static int member_offset(const struct btf *btf, const char *type_name,
			 const char *path, uint64_t *offset, __u32 *type_id)
{
	char name[64];
	__s32 id = btf__find_by_name_kind(btf, type_name, BTF_KIND_STRUCT);

	*offset = 0;
	if (id < 0)
		return -ENOENT;
	while (*path) {
		const struct btf_type *type = btf__type_by_id(btf, id);
		const struct btf_member *member;
		size_t len = strcspn(path, ".");
		bool found = false;

		if (!type || !btf_is_composite(type) || len >= sizeof(name))
			return -ENOENT;
		memcpy(name, path, len);
		name[len] = '\0';
		member = btf_members(type);
		for (__u16 i = 0; i < btf_vlen(type); i++, member++) {
			if (strcmp(btf__name_by_offset(btf, member->name_off), name))
				continue;
			*offset += btf_member_bit_offset(type, i) / 8;
			id = btf__resolve_type(btf, member->type);
			found = true;
			break;
		}
		if (!found || id < 0)
			return -ENOENT;
		path += len + (path[len] == '.');
	}
	*type_id = (__u32)id;
	return 0;
}

struct layout_field {
	const char *type, *path;
	size_t at;	/* offsetof(struct luo_layout, ...) */
};

#define FIELD(type, path, field) { type, path, offsetof(struct luo_layout, field) }

static int read_layout(const struct btf *btf, enum iolu_side side,
		       struct kernel_read *read)
{
	bool out = side == IOLU_SIDE_OUTGOING;
	const struct layout_field fields[] = {
		FIELD("luo_session_global", out ? "outgoing.list" : "incoming.list",
		      side_list),
		FIELD("luo_session_global", out ? "outgoing.block_set.head_pa" :
		      "incoming.block_set.head_pa", side_head_pa),
		FIELD("luo_session", "name", session_name),
		FIELD("luo_session", "list", session_list),
		FIELD("luo_session", "file_set.files_list", session_files),
		FIELD("luo_file", "fh", file_fh),
		FIELD("luo_file", "serialized_data", file_data),
		FIELD("luo_file", "token", file_token),
		FIELD("luo_file", "list", file_list),
		FIELD("luo_file", "retrieve_status", file_status),
		FIELD("liveupdate_file_handler", "compatible", fh_compatible),
	};
	__u32 type_id = 0;

	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
		if (member_offset(btf, fields[i].type, fields[i].path,
				  (uint64_t *)((char *)&read->layout + fields[i].at),
				  &type_id))
			return absent(read, "the kernel's BTF has no %s.%s",
				      fields[i].type, fields[i].path);
	/* type_id is the handler's compatible: an array or a pointer. */
	read->layout.fh_compatible_inline =
		btf_is_array(btf__type_by_id(btf, type_id));
	return 0;
}

int iolu_luo_kernel_layout(const struct btf *btf, enum iolu_side side,
			   char *why, size_t len)
{
	struct kernel_read read = { 0 };
	int ret = read_layout(btf, side, &read);

	snprintf(why, len, "%s", read.why);
	return ret;
}

/* ---- kallsyms ---- */

/* kallsyms and BTF are big but bounded: no input makes memory grow. */
#define MAX_KALLSYMS	(32u << 20)
#define MAX_BTF		(32u << 20)

static int find_symbol(const char *path, const char *symbol, uint64_t *va,
		       struct kernel_read *read)
{
	struct iolu_err err = { 0 };
	size_t len, name_len = strlen(symbol);
	char *text, *line, *end;
	void *data;

	if (iolu_read_input_file(path, MAX_KALLSYMS, &data, &len, &err))
		return absent(read, "%s", err.msg);
	*va = 0;
	text = data;
	for (line = text; line < text + len; line = end + 1) {
		char *name;

		end = strchr(line, '\n');
		if (!end)
			end = text + len;
		*end = '\0';
		/* "ffffffff82a3c0c0 d luo_session_global" */
		name = strrchr(line, ' ');
		if (name && !strncmp(name + 1, symbol, name_len + 1)) {
			*va = strtoull(line, NULL, 16);
			break;
		}
	}
	free(data);
	if (!*va)
		return absent(read, "%s has no address for %s (LUO absent, or kptr_restrict hides it)",
			      path, symbol);
	return 0;
}

static struct btf *load_btf(const char *path, struct kernel_read *read)
{
	struct iolu_err err = { 0 };
	struct btf *btf;
	void *data;
	size_t len;

	if (iolu_read_input_file(path, MAX_BTF, &data, &len, &err)) {
		absent(read, "%s (the kernel's BTF lays out LUO's lists)", err.msg);
		return NULL;
	}
	btf = btf__new(data, (__u32)len);
	free(data);
	if (!btf)
		absent(read, "%s: not BTF", path);
	return btf;
}

/* ---- the lists ---- */

static int read_file_entry(struct kernel_read *read, uint64_t file,
			   uint32_t session, enum iolu_side side)
{
	const struct luo_layout *l = &read->layout;
	struct iolu_luo_file_ref ref = { .session = session };
	uint64_t fh, name_at;
	int32_t status = 0;

	if (read_u64(read, file + l->file_fh, &fh) ||
	    read_u64(read, file + l->file_data, &ref.data_pa) ||
	    read_u64(read, file + l->file_token, &ref.token) ||
	    read_virt(read, file + l->file_status, &status, sizeof(status)))
		return -ENOENT;
	name_at = fh + l->fh_compatible;
	if (!l->fh_compatible_inline && read_u64(read, name_at, &name_at))
		return -ENOENT;
	if (read_virt(read, name_at, ref.compatible, IOLU_LUO_COMPAT_LEN))
		return -ENOENT;
	ref.compatible[IOLU_LUO_COMPAT_LEN] = '\0';
	/* A retrieved file's record is the handler's again (memfd frees it). */
	if (side == IOLU_SIDE_INCOMING && status)
		ref.data_pa = 0;
	return iolu_luo_index_add_file(&read->source->luo, &ref);
}

/* Walk a kernel list_head; fn gets each entry's list member address. */
static int walk_list(struct kernel_read *read, uint64_t head, size_t max,
		     int (*fn)(struct kernel_read *read, uint64_t node,
			       void *ctx), void *ctx)
{
	uint64_t node;
	size_t nr = 0;
	int ret;

	if (read_u64(read, head, &node))
		return -ENOENT;
	while (node != head) {
		if (++nr > max)
			return absent(read, "a LUO list at 0x%" PRIx64 " does not end within %zu entries",
				      head, max);
		ret = fn(read, node, ctx);
		if (ret)
			return ret;
		if (read_u64(read, node, &node))
			return -ENOENT;
	}
	return 0;
}

struct session_ctx {
	enum iolu_side side;
	uint32_t session;
};

static int visit_file(struct kernel_read *read, uint64_t node, void *ctx)
{
	struct session_ctx *sc = ctx;

	return read_file_entry(read, node - read->layout.file_list, sc->session,
			       sc->side);
}

static int visit_session(struct kernel_read *read, uint64_t node, void *ctx)
{
	const struct luo_layout *l = &read->layout;
	struct iolu_luo_index *index = &read->source->luo;
	uint64_t session = node - l->session_list;
	struct session_ctx sc = { .side = *(enum iolu_side *)ctx };
	char name[IOLU_LUO_NAME_LEN];
	int ret;

	if (read_virt(read, session + l->session_name, name, sizeof(name)))
		return -ENOENT;
	ret = iolu_luo_index_add_session(index, name, sizeof(name));
	if (ret)
		return ret;
	index->sessions[index->nr_sessions - 1][IOLU_LUO_NAME_LEN] = '\0';
	sc.session = (uint32_t)(index->nr_sessions - 1);
	return walk_list(read, session + l->session_files, IOLU_LUO_MAX_FILES,
			 visit_file, &sc);
}

static int read_lists(struct kernel_read *read, uint64_t global)
{
	struct iolu_source *source = read->source;
	enum iolu_side side = source->side;
	uint64_t head = global + read->layout.side_list, first, head_pa;

	if (read_u64(read, head, &first))
		return -ENOENT;
	/* Incoming sessions not yet deserialized: the chain is intact. */
	if (side == IOLU_SIDE_INCOMING && first == head) {
		if (read_u64(read, global + read->layout.side_head_pa, &head_pa))
			return -ENOENT;
		if (head_pa) {
			source->luo_sessions_pa = head_pa;
			return 0;
		}
	}
	source->luo.origin = "kernel";
	source->luo.present = true;
	return walk_list(read, head, IOLU_LUO_MAX_SESSIONS, visit_session,
			 &side);
}

void iolu_luo_kernel_read(const char *kallsyms, const char *btf_path,
			  struct iolu_source *source)
{
	struct kernel_read read = { .source = source };
	struct btf *btf;
	uint64_t global;
	int ret;

	btf = load_btf(btf_path, &read);
	if (btf) {
		ret = read_layout(btf, source->side, &read);
		btf__free(btf);
		if (!ret && !find_symbol(kallsyms, LUO_SYMBOL, &global, &read))
			ret = read_lists(&read, global);
		else
			ret = -ENOENT;
		if (ret == -ENOMEM)
			absent(&read, "out of memory reading LUO's lists");
		else if (ret == -E2BIG)
			absent(&read, "more LUO sessions or files than the verifier reads");
	}
	if (read.why[0]) {
		iolu_luo_index_free(&source->luo);
		source->luo_sessions_pa = 0;
		snprintf(source->luo.absent_reason,
			 sizeof(source->luo.absent_reason), "%s", read.why);
	}
	iolu_debug("LUO: %s", source->luo.present ? "read from the kernel's lists" :
		   source->luo_sessions_pa ? "the incoming session chain" :
		   source->luo.absent_reason);
}
