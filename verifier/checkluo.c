// SPDX-License-Identifier: GPL-2.0
/*
 * The LUO view of a state: every page a preserved domain lets a device
 * reach must be a page of a memfd preserved in the domain's session (the
 * session whose iommufd record names the domain); anything else is some
 * other owner's page, or nobody's, in the next kernel. And across the
 * kexec, each IOVA range must map the same memfd (session, token) and
 * offset, the page after kexec being the one the incoming memfd record
 * restores there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "findings.h"
#include "luo.h"
#include "ranges.h"

#define ULL(x) ((unsigned long long)(x))

/* Findings of one rule per domain before the rest is summarized. */
#define MAX_PER_DOMAIN	16

/* A folio of the session's memfds, by physical address. */
struct backing {
	uint64_t pa, size, offset;
	long file;
};

static int compare_backing(const void *a, const void *b)
{
	const struct backing *x = a, *y = b;

	return (x->pa > y->pa) - (x->pa < y->pa);
}

/* The session whose iommufd record names the domain object, or -1. */
static long domain_session(const struct iolu_luo *luo,
			   const struct iolu_domain *domain)
{
	for (size_t i = 0; i < luo->nr_files; i++) {
		const struct iolu_luo_file *file = &luo->files[i];

		for (size_t h = 0; h < file->nr_hwpts; h++)
			if (file->hwpts[h].domain_obj_pa == domain->object.pa)
				return file->ref.session;
	}
	return -1;
}

static struct backing *session_backing(const struct iolu_luo *luo,
				       long session, size_t *nr)
{
	struct backing *items;
	size_t total = 0;

	for (size_t i = 0; i < luo->nr_files; i++)
		if ((long)luo->files[i].ref.session == session)
			total += luo->files[i].memfd.nr_read;
	items = malloc((total ? total : 1) * sizeof(*items));
	if (!items)
		return NULL;
	*nr = 0;
	for (size_t i = 0; i < luo->nr_files; i++) {
		const struct iolu_luo_file *file = &luo->files[i];

		if ((long)file->ref.session != session)
			continue;
		for (size_t f = 0; f < file->memfd.nr_read; f++) {
			const struct iolu_memfd_folio *folio =
				&file->memfd.folios[f];

			if (folio->size)
				items[(*nr)++] = (struct backing){
					folio->pa, folio->size, folio->offset,
					(long)i };
		}
	}
	qsort(items, *nr, sizeof(*items), compare_backing);
	return items;
}

/* The folio holding pa, or the first one after it (NULL: none). */
static const struct backing *find_backing(const struct backing *items,
					  size_t nr, uint64_t pa)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (items[mid].pa + items[mid].size <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nr ? &items[lo] : NULL;
}

static int add_tie(struct iolu_dma_ties *ties, size_t *capacity,
		   const struct iolu_dma_tie *tie)
{
	struct iolu_dma_tie *last = ties->nr ? &ties->items[ties->nr - 1] : NULL;

	/* One run per memfd stretch: adjacent in IOVA, memory and file. */
	if (last && last->file == tie->file && last->perm == tie->perm &&
	    last->iova + last->size == tie->iova &&
	    last->phys + last->size == tie->phys &&
	    (tie->file < 0 || last->offset + last->size == tie->offset)) {
		last->size += tie->size;
		return 0;
	}
	if (ties->nr == *capacity) {
		size_t want = *capacity ? *capacity * 2 : 16;
		struct iolu_dma_tie *grown = realloc(ties->items,
						     want * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		ties->items = grown;
		*capacity = want;
	}
	ties->items[ties->nr++] = *tie;
	return 0;
}

static int tie_extent(const struct iolu_extent *extent,
		      const struct backing *items, size_t nr,
		      struct iolu_dma_ties *ties, size_t *capacity)
{
	uint64_t done = 0;
	int ret = 0;

	while (!ret && done < extent->size) {
		uint64_t pa = extent->phys + done, left = extent->size - done;
		const struct backing *hit = find_backing(items, nr, pa);
		struct iolu_dma_tie tie = {
			.iova = extent->iova + done, .phys = pa,
			.perm = extent->perm, .file = -1,
		};

		if (hit && hit->pa <= pa) {
			tie.file = hit->file;
			tie.offset = hit->offset + (pa - hit->pa);
			tie.size = hit->pa + hit->size - pa;
		} else {
			tie.size = hit ? hit->pa - pa : left;
		}
		if (tie.size > left)
			tie.size = left;
		ret = add_tie(ties, capacity, &tie);
		done += tie.size;
	}
	return ret;
}

int iolu_dma_ties(const struct iolu_mem *mem, const struct iolu_luo *luo,
		  const struct iolu_domain *domain, struct iolu_dma_ties *ties)
{
	struct iolu_pt_walk walk = { 0 };
	struct backing *items;
	size_t nr_items = 0, capacity = 0;
	int ret;

	memset(ties, 0, sizeof(*ties));
	ties->session = domain_session(luo, domain);
	items = session_backing(luo, ties->session, &nr_items);
	if (!items)
		return -ENOMEM;
	ret = iolu_pt_walk(mem, domain->pgtable_pa, domain->format,
			   domain->levels, &walk);
	ties->complete = ret == 0;
	ret = ret == -ENOMEM ? ret : 0;
	for (size_t i = 0; !ret && i < walk.nr_extents; i++)
		ret = tie_extent(&walk.extents[i], items, nr_items, ties,
				 &capacity);
	iolu_pt_walk_free(&walk);
	free(items);
	return ret;
}

void iolu_dma_ties_free(struct iolu_dma_ties *ties)
{
	free(ties->items);
	memset(ties, 0, sizeof(*ties));
}

/* ---- checks ---- */

/* A target the device may not write: preserved RAM no memfd backs. */
static bool foreign_target(const struct iolu_dma_tie *tie,
			   const struct iolu_check_opts *opts)
{
	if (tie->file >= 0)
		return false;
	/* MMIO is dma-target-mmio; unpreserved RAM dma-target-unpreserved. */
	if (opts->ram && !iolu_ranges_touch(opts->ram, tie->phys, tie->size))
		return false;
	return !opts->kho || iolu_kho_map_contains(opts->kho, tie->phys, 1);
}

/* A memfd of the session whose folios were not all read: memfd-invalid. */
static bool session_unread(const struct iolu_luo *luo, long session)
{
	for (size_t i = 0; i < luo->nr_files; i++)
		if ((long)luo->files[i].ref.session == session &&
		    luo->files[i].kind != IOLU_LUO_FILE_OTHER &&
		    !luo->files[i].record_read)
			return true;
	return false;
}

/* An iommufd whose record was not read: it may name any domain. */
static bool iommufd_unread(const struct iolu_luo *luo)
{
	for (size_t i = 0; i < luo->nr_files; i++)
		if (luo->files[i].kind == IOLU_LUO_FILE_IOMMUFD &&
		    !luo->files[i].record_read)
			return true;
	return false;
}

static int check_domain_ties(const struct iolu_mem *mem,
			     const struct iolu_luo *luo,
			     const struct iolu_domain *domain,
			     const struct iolu_check_opts *opts,
			     struct iolu_findings *findings)
{
	struct iolu_dma_ties ties;
	size_t reported = 0;
	int ret = iolu_dma_ties(mem, luo, domain, &ties);

	/* What a broken record leaves out is not someone else's page. */
	if (!ret && ties.session >= 0 && session_unread(luo, ties.session))
		ties.nr = 0;
	if (!ret && ties.session < 0 && ties.nr && !iommufd_unread(luo))
		ret = iolu_report(findings, "domain-no-session",
				  IOLU_OBJ_DOMAIN, domain->object.index,
				  domain->object.pa,
				  "domain %llu maps %zu IOVA ranges but no preserved iommufd names it: no memfd of any session backs its pages",
				  ULL(domain->object.index), ties.nr);
	for (size_t i = 0; !ret && ties.session >= 0 && i < ties.nr; i++) {
		const struct iolu_dma_tie *tie = &ties.items[i];

		if (!foreign_target(tie, opts) || ++reported > MAX_PER_DOMAIN)
			continue;
		ret = iolu_report(findings, "dma-target-foreign",
				  IOLU_OBJ_DOMAIN, domain->object.index,
				  tie->phys,
				  "domain %llu maps IOVA 0x%llx+0x%llx to preserved page 0x%llx, which no memfd of session \"%s\" holds: the device would write into someone else's page",
				  ULL(domain->object.index), ULL(tie->iova),
				  ULL(tie->size), ULL(tie->phys),
				  luo->index.sessions[ties.session]);
	}
	if (!ret && reported > MAX_PER_DOMAIN)
		ret = iolu_report(findings, "dma-target-foreign",
				  IOLU_OBJ_DOMAIN, domain->object.index,
				  domain->object.pa,
				  "domain %llu: %zu more IOVA ranges map pages no memfd of its session holds",
				  ULL(domain->object.index),
				  reported - MAX_PER_DOMAIN);
	iolu_dma_ties_free(&ties);
	return ret;
}

/* kho_restore_folio() in memfd_luo_retrieve_folios() wants each folio. */
static int check_memfd_folios(const struct iolu_luo *luo,
			      const struct iolu_check_opts *opts,
			      struct iolu_findings *findings)
{
	int ret = 0;

	for (size_t i = 0; !ret && opts->kho && i < luo->nr_files; i++) {
		const struct iolu_luo_file *file = &luo->files[i];
		size_t reported = 0;

		for (size_t f = 0; !ret && f < file->memfd.nr_read; f++) {
			uint64_t pa = file->memfd.folios[f].pa;
			const char *why = iolu_kho_refusal(opts, pa);

			if (!why || ++reported > MAX_PER_DOMAIN)
				continue;
			ret = iolu_report(findings, "memfd-folio-unpreserved",
					  IOLU_OBJ_LUO_FILE, i, pa,
					  "memfd with token %llu: the folio at offset 0x%llx, page 0x%llx, %s: the next kernel cannot restore it",
					  ULL(file->ref.token),
					  ULL(file->memfd.folios[f].offset),
					  ULL(pa), why);
		}
	}
	return ret;
}

int iolu_check_luo(const struct iolu_mem *mem, const struct iolu_state *state,
		   const struct iolu_luo *luo, const struct iolu_check_opts *opts,
		   struct iolu_findings *findings)
{
	int ret = 0;

	if (!luo->index.present || !(opts->checks & IOLU_CHECK_MEMORY))
		return 0;
	ret = check_memfd_folios(luo, opts, findings);
	for (size_t i = 0; !ret && (opts->checks & IOLU_CHECK_PGTABLES) &&
	     i < state->nr_domains; i++) {
		const struct iolu_domain *domain = &state->domains[i];

		if (!iolu_object_live(&domain->object) ||
		    !iolu_domain_walkable(domain))
			continue;
		ret = check_domain_ties(mem, luo, domain, opts, findings);
	}
	return ret;
}

/* ---- continuity in the user's terms ---- */

struct side_ties {
	const struct iolu_model *model;
	struct iolu_dma_ties ties;
};

static int add_row(struct iolu_memfd_continuities *rows, size_t *capacity,
		   const struct iolu_memfd_continuity *row)
{
	if (rows->nr == *capacity) {
		size_t want = *capacity ? *capacity * 2 : 16;
		struct iolu_memfd_continuity *grown =
			realloc(rows->items, want * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		rows->items = grown;
		*capacity = want;
	}
	rows->items[rows->nr++] = *row;
	return 0;
}

static const char *tie_session(const struct iolu_model *model,
			       const struct iolu_dma_tie *tie)
{
	const struct iolu_luo *luo = &model->luo;

	return tie->file < 0 ? "" :
	       luo->index.sessions[luo->files[tie->file].ref.session];
}

/* The after tie covering iova, or NULL. */
static const struct iolu_dma_tie *tie_at(const struct iolu_dma_ties *ties,
					 uint64_t iova)
{
	size_t lo = 0, hi = ties->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ties->items[mid].iova + ties->items[mid].size <= iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ties->nr && ties->items[lo].iova <= iova ?
	       &ties->items[lo] : NULL;
}

static bool same_memfd(const struct side_ties *b, const struct iolu_dma_tie *x,
		       const struct side_ties *a, const struct iolu_dma_tie *y,
		       uint64_t skip)
{
	if (x->file < 0 || y->file < 0)
		return false;
	return b->model->luo.files[x->file].ref.token ==
	       a->model->luo.files[y->file].ref.token &&
	       !strcmp(tie_session(b->model, x), tie_session(a->model, y)) &&
	       x->offset + skip == y->offset + (x->iova + skip - y->iova);
}

/* One before run against the after runs over the same IOVAs. */
static int compare_run(const struct side_ties *b, const struct iolu_dma_tie *x,
		       const struct side_ties *a, uint64_t after_index,
		       struct iolu_memfd_continuities *rows, size_t *capacity,
		       struct iolu_findings *findings, size_t *reported)
{
	uint64_t done = 0;
	int ret = 0;

	while (!ret && done < x->size) {
		const struct iolu_dma_tie *y = tie_at(&a->ties, x->iova + done);
		struct iolu_memfd_continuity row = {
			.domain_index = after_index, .iova = x->iova + done,
			.token = x->file >= 0 ?
				 b->model->luo.files[x->file].ref.token : 0,
			.offset = x->offset + done,
			.phys_before = x->phys + done,
		};
		uint64_t len = x->size - done;

		if (y && y->iova + y->size - row.iova < len)
			len = y->iova + y->size - row.iova;
		row.size = len;
		row.phys_after = y ? y->phys + (row.iova - y->iova) : 0;
		row.same = y && same_memfd(b, x, a, y, done);
		snprintf(row.session, sizeof(row.session), "%s",
			 tie_session(b->model, x));
		ret = add_row(rows, capacity, &row);
		/* Both untied is dma-target-foreign's or -unpreserved's. */
		if (!ret && !row.same && (x->file >= 0 || (y && y->file >= 0)) &&
		    ++*reported <= MAX_PER_DOMAIN)
			ret = iolu_report(findings, "memfd-continuity-broken",
					  IOLU_OBJ_DOMAIN, after_index,
					  row.phys_after,
					  "domain %llu: IOVA 0x%llx+0x%llx mapped memfd \"%s\" token 0x%llx offset 0x%llx before kexec; after it, %s",
					  ULL(after_index), ULL(row.iova),
					  ULL(row.size), row.session,
					  ULL(row.token), ULL(row.offset),
					  !y ? "the range is unmapped" :
					  y->file < 0 ? "it maps a page no memfd of the session holds" :
					  "it maps another memfd or offset");
		done += len;
	}
	return ret;
}

static int compare_domain(const struct iolu_mem *before_mem,
			  const struct iolu_model *before, size_t bd,
			  const struct iolu_mem *after_mem,
			  const struct iolu_model *after, size_t ad,
			  struct iolu_memfd_continuities *rows,
			  size_t *capacity, struct iolu_findings *findings)
{
	struct side_ties b = { .model = before }, a = { .model = after };
	const struct iolu_domain *after_domain = &after->state.domains[ad];
	size_t reported = 0;
	int ret;

	ret = iolu_dma_ties(before_mem, &before->luo,
			    &before->state.domains[bd], &b.ties);
	if (!ret)
		ret = iolu_dma_ties(after_mem, &after->luo, after_domain,
				    &a.ties);
	/* An incomplete walk is continuity-unwalked (compare.c). */
	for (size_t i = 0; !ret && b.ties.complete && a.ties.complete &&
			   i < b.ties.nr; i++)
		ret = compare_run(&b, &b.ties.items[i], &a,
				  after_domain->object.index, rows, capacity,
				  findings, &reported);
	iolu_dma_ties_free(&b.ties);
	iolu_dma_ties_free(&a.ties);
	return ret;
}

/* The after device with the same segment and requester ID, or -1. */
static long match_device(const struct iolu_state *after,
			 const struct iolu_device *device)
{
	for (size_t i = 0; i < after->nr_devices; i++) {
		const struct iolu_device *d = &after->devices[i];

		if (iolu_object_live(&d->object) &&
		    d->segment == device->segment &&
		    d->requester_id == device->requester_id)
			return (long)i;
	}
	return -1;
}

int iolu_compare_luo(const struct iolu_mem *before_mem,
		     const struct iolu_model *before,
		     const struct iolu_mem *after_mem,
		     const struct iolu_model *after,
		     struct iolu_memfd_continuities *rows,
		     struct iolu_findings *findings)
{
	struct iolu_memfd_continuities local = { 0 };
	unsigned char *done;
	size_t capacity = 0;
	int ret = 0;

	if (!rows)
		rows = &local;
	memset(rows, 0, sizeof(*rows));
	rows->before_view = before->luo.index.present;
	rows->after_view = after->luo.index.present;
	if (!rows->before_view || !rows->after_view)
		return 0;
	done = calloc(before->state.nr_domains + 1, 1);
	if (!done)
		return -ENOMEM;
	for (size_t i = 0; !ret && i < before->state.nr_devices; i++) {
		const struct iolu_device *device = &before->state.devices[i];
		long match = match_device(&after->state, device);
		long bd = device->domain, ad;

		if (!iolu_object_live(&device->object) || match < 0 ||
		    bd < 0 || done[bd])
			continue;
		ad = after->state.devices[match].domain;
		if (ad < 0 ||
		    !iolu_domain_walkable(&before->state.domains[bd]) ||
		    !iolu_domain_walkable(&after->state.domains[ad]))
			continue;
		done[bd] = 1;
		ret = compare_domain(before_mem, before, (size_t)bd, after_mem,
				     after, (size_t)ad, rows, &capacity,
				     findings);
	}
	free(done);
	iolu_memfd_continuities_free(&local);
	return ret;
}

void iolu_memfd_continuities_free(struct iolu_memfd_continuities *rows)
{
	free(rows->items);
	rows->items = NULL;
	rows->nr = 0;
}
