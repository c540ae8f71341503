// SPDX-License-Identifier: GPL-2.0
/*
 * Memory rules: every page the next kernel follows a pointer to (graph, IO
 * page tables) must pass its kho_is_preserved(), which wants the first
 * page of a preserved block; every page a preserved domain lets a device
 * reach belongs to a preserved memfd folio and need only be covered by
 * KHO's preserved-memory map.
 */
#include <errno.h>

#include "abi.h"
#include "check.h"
#include "findings.h"
#include "ranges.h"

#define ULL(x) ((unsigned long long)(x))

/* Findings of one rule per domain before the rest is summarized. */
#define MAX_PER_DOMAIN	16

const char *iolu_kho_refusal(const struct iolu_check_opts *opts, uint64_t pa)
{
	if (pa & (IOLU_ABI_PAGE_SIZE - 1))
		return "is not page aligned";
	/* kho_is_preserved() needs an online page: RAM. */
	if (opts->ram && !iolu_ranges_cover(opts->ram, pa, IOLU_ABI_PAGE_SIZE))
		return "is not RAM";
	if (iolu_kho_map_is_preserved(opts->kho, pa))
		return NULL;
	if (iolu_kho_map_contains(opts->kho, pa, IOLU_ABI_PAGE_SIZE))
		return "is inside a preserved block but does not start one";
	return "is not preserved";
}

/*
 * The next kernel follows the header and every chain block with
 * kho_is_preserved() (iommu_lu_pa_is_valid(), kho_block_set_restore()).
 */
static int check_graph_pages(const struct iolu_state *state,
			     const struct iolu_check_opts *opts,
			     struct iolu_findings *findings)
{
	const char *why = iolu_kho_refusal(opts, state->header_pa);
	int ret = 0;

	if (why)
		ret = iolu_report(findings, "graph-unpreserved",
				  IOLU_OBJ_STATE, 0, state->header_pa,
				  "the state header at 0x%llx %s",
				  ULL(state->header_pa), why);
	for (size_t i = 0; !ret && i < state->nr_graph_pages; i++) {
		uint64_t page = state->graph_pages[i];

		why = iolu_kho_refusal(opts, page);
		if (page == state->header_pa || !why)
			continue;
		ret = iolu_report(findings, "graph-unpreserved", IOLU_OBJ_BLOCK,
				  0, page, "chain block page 0x%llx %s",
				  ULL(page), why);
	}
	return ret;
}

/*
 * intel_lu_check_table() asks kho_preserved_order() of every table page:
 * a preserved block of exactly one page.
 */
static int check_table_pages(const struct iolu_domain *domain,
			     const struct iolu_pt_walk *walk,
			     const struct iolu_check_opts *opts,
			     struct iolu_findings *findings)
{
	size_t reported = 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < walk->nr_table_pages; i++) {
		uint64_t page = walk->table_pages[i];
		const char *why = iolu_kho_refusal(opts, page);

		if (!why && iolu_kho_map_block_order(opts->kho, page) != 0)
			why = "starts a preserved block larger than one page";
		if (!why)
			continue;
		if (++reported > MAX_PER_DOMAIN)
			continue;
		ret = iolu_report(findings, "pgtable-unpreserved",
				  IOLU_OBJ_DOMAIN, domain->object.index, page,
				  "domain %llu: IO page table page 0x%llx %s",
				  ULL(domain->object.index), ULL(page), why);
	}
	if (!ret && reported > MAX_PER_DOMAIN)
		ret = iolu_report(findings, "pgtable-unpreserved",
				  IOLU_OBJ_DOMAIN, domain->object.index,
				  domain->pgtable_pa,
				  "domain %llu: %zu more IO page table pages are not preserved",
				  ULL(domain->object.index),
				  reported - MAX_PER_DOMAIN);
	return ret;
}

static int report_target(const struct iolu_domain *domain,
			 const struct iolu_extent *extent,
			 const struct iolu_check_opts *opts,
			 struct iolu_findings *findings)
{
	bool in_ram = !opts->ram ||
		      iolu_ranges_touch(opts->ram, extent->phys, extent->size);

	if (!in_ram)
		return iolu_report(findings, "dma-target-mmio", IOLU_OBJ_DOMAIN,
				   domain->object.index, extent->phys,
				   "domain %llu maps IOVA 0x%llx+0x%llx to 0x%llx, outside RAM",
				   ULL(domain->object.index), ULL(extent->iova),
				   ULL(extent->size), ULL(extent->phys));
	return iolu_report(findings, "dma-target-unpreserved", IOLU_OBJ_DOMAIN,
			   domain->object.index, extent->phys,
			   "domain %llu maps IOVA 0x%llx+0x%llx to 0x%llx, which is not all preserved",
			   ULL(domain->object.index), ULL(extent->iova),
			   ULL(extent->size), ULL(extent->phys));
}

static int check_targets(const struct iolu_domain *domain,
			 const struct iolu_pt_walk *walk,
			 const struct iolu_check_opts *opts,
			 struct iolu_findings *findings)
{
	size_t reported = 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < walk->nr_extents; i++) {
		const struct iolu_extent *extent = &walk->extents[i];

		if (iolu_kho_map_contains(opts->kho, extent->phys,
					  extent->size))
			continue;
		if (++reported > MAX_PER_DOMAIN)
			continue;
		ret = report_target(domain, extent, opts, findings);
	}
	if (!ret && reported > MAX_PER_DOMAIN)
		ret = iolu_report(findings, "dma-target-unpreserved",
				  IOLU_OBJ_DOMAIN, domain->object.index,
				  domain->pgtable_pa,
				  "domain %llu: %zu more extents are not preserved or MMIO",
				  ULL(domain->object.index),
				  reported - MAX_PER_DOMAIN);
	return ret;
}

static int add_table_owners(const struct iolu_domain *domain,
			    const struct iolu_pt_walk *walk,
			    struct iolu_owners *owners)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < walk->nr_table_pages; i++)
		ret = iolu_owners_add(owners, walk->table_pages[i],
				      IOLU_OBJ_DOMAIN, domain->object.index,
				      "IO page table");
	return ret;
}

static int add_graph_owners(const struct iolu_state *state,
			    struct iolu_owners *owners)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < state->nr_graph_pages; i++) {
		uint64_t page = state->graph_pages[i];
		bool header = page == state->header_pa;

		ret = iolu_owners_add(owners, page & ~0xfffull,
				      header ? IOLU_OBJ_STATE : IOLU_OBJ_BLOCK,
				      0, header ? "header" : "chain block");
	}
	return ret;
}

static int check_domain(const struct iolu_mem *mem,
			const struct iolu_domain *domain,
			const struct iolu_check_opts *opts,
			struct iolu_owners *owners,
			struct iolu_findings *findings)
{
	struct iolu_pt_walk walk = { 0 };
	int ret, walked;

	walked = iolu_pt_walk(mem, domain->pgtable_pa, domain->format,
			      domain->levels, &walk);
	if (walked == -ENOMEM) {
		iolu_pt_walk_free(&walk);
		return walked;
	}
	ret = 0;
	if (walked)
		ret = iolu_report(findings, "pgtable-invalid", IOLU_OBJ_DOMAIN,
				  domain->object.index, walk.error_pa,
				  "domain %llu: %s", ULL(domain->object.index),
				  walk.error[0] ? walk.error : "walk failed");
	/* What the walk reached before failing is still worth checking. */
	if (!ret && opts->kho && (opts->checks & IOLU_CHECK_MEMORY))
		ret = check_table_pages(domain, &walk, opts, findings);
	if (!ret && opts->kho && (opts->checks & IOLU_CHECK_MEMORY))
		ret = check_targets(domain, &walk, opts, findings);
	if (!ret)
		ret = add_table_owners(domain, &walk, owners);
	iolu_pt_walk_free(&walk);
	return ret;
}

static int report_target_owner(const struct iolu_domain *domain,
			       const struct iolu_extent *extent,
			       const struct iolu_owner *owner,
			       struct iolu_findings *findings)
{
	return iolu_report(findings, "dma-target-table", IOLU_OBJ_DOMAIN,
			   domain->object.index, owner->page,
			   "domain %llu maps IOVA 0x%llx+0x%llx over page 0x%llx, the %s of %s %llu: its devices can rewrite it",
			   ULL(domain->object.index), ULL(extent->iova),
			   ULL(extent->size), ULL(owner->page), owner->role,
			   iolu_obj_kind_name(owner->kind), ULL(owner->index));
}

static int check_target_owners(const struct iolu_domain *domain,
			       const struct iolu_pt_walk *walk,
			       const struct iolu_owners *owners,
			       struct iolu_findings *findings)
{
	size_t reported = 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < walk->nr_extents; i++) {
		const struct iolu_extent *extent = &walk->extents[i];
		const struct iolu_owner *owner =
			iolu_owners_find(owners, extent->phys, extent->size);

		if (owner && ++reported <= MAX_PER_DOMAIN)
			ret = report_target_owner(domain, extent, owner,
						  findings);
	}
	return ret;
}

/*
 * A DMA target belongs to a memfd; a page the state or the hardware
 * reads as a table is none, and a device writing it rewrites its own
 * translation or the state the next kernel trusts.
 */
int iolu_check_target_owners(const struct iolu_mem *mem,
			     const struct iolu_state *state,
			     const struct iolu_owners *owners,
			     struct iolu_findings *findings)
{
	int ret = 0;

	for (size_t i = 0; !ret && owners->nr && i < state->nr_domains; i++) {
		const struct iolu_domain *domain = &state->domains[i];
		struct iolu_pt_walk walk = { 0 };
		int walked;

		if (!iolu_object_live(&domain->object) ||
		    !iolu_domain_walkable(domain))
			continue;
		walked = iolu_pt_walk(mem, domain->pgtable_pa, domain->format,
				      domain->levels, &walk);
		/* A failed walk is pgtable-invalid; what it reached counts. */
		ret = walked == -ENOMEM ? walked :
		      check_target_owners(domain, &walk, owners, findings);
		iolu_pt_walk_free(&walk);
	}
	return ret;
}

int iolu_check_pgtables(const struct iolu_mem *mem,
			const struct iolu_state *state,
			const struct iolu_check_opts *opts,
			struct iolu_owners *owners,
			struct iolu_findings *findings)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < state->nr_domains; i++) {
		const struct iolu_domain *domain = &state->domains[i];

		if (!iolu_object_live(&domain->object) ||
		    !iolu_domain_walkable(domain))
			continue;
		ret = check_domain(mem, domain, opts, owners, findings);
	}
	return ret;
}

int iolu_check_memory(const struct iolu_mem *mem,
		      const struct iolu_state *state,
		      const struct iolu_check_opts *opts,
		      struct iolu_owners *owners,
		      struct iolu_findings *findings)
{
	int ret = add_graph_owners(state, owners);

	if (!ret && opts->kho)
		ret = check_graph_pages(state, opts, findings);
	if (!ret && (opts->checks & IOLU_CHECK_PGTABLES))
		ret = iolu_check_pgtables(mem, state, opts, owners, findings);
	return ret;
}
