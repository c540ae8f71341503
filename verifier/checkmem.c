// SPDX-License-Identifier: GPL-2.0
/*
 * Memory rules: every page the next kernel will read (graph, IO page
 * tables) and every page a preserved domain lets a device reach must be
 * in KHO's preserved-memory map.
 */
#include <errno.h>

#include "abi.h"
#include "check.h"
#include "findings.h"
#include "ranges.h"

#define ULL(x) ((unsigned long long)(x))

/* Findings of one rule per domain before the rest is summarized. */
#define MAX_PER_DOMAIN	16

static int check_graph_pages(const struct iolu_state *state,
			     const struct iolu_kho_map *kho,
			     struct iolu_findings *findings)
{
	uint64_t header_page = state->header_pa & ~0xfffull;
	int ret = 0;

	if (!iolu_kho_map_contains(kho, state->header_pa,
				   sizeof(struct iolu_abi_state)))
		ret = iolu_report(findings, "graph-unpreserved",
				  IOLU_OBJ_STATE, 0, state->header_pa,
				  "the state header at 0x%llx is not preserved",
				  ULL(state->header_pa));
	for (size_t i = 0; !ret && i < state->nr_graph_pages; i++) {
		uint64_t page = state->graph_pages[i];

		if (page == header_page ||
		    iolu_kho_map_contains(kho, page, IOLU_ABI_PAGE_SIZE))
			continue;
		ret = iolu_report(findings, "graph-unpreserved", IOLU_OBJ_BLOCK,
				  0, page,
				  "chain block page 0x%llx is not preserved",
				  ULL(page));
	}
	return ret;
}

static int check_table_pages(const struct iolu_domain *domain,
			     const struct iolu_pt_walk *walk,
			     const struct iolu_kho_map *kho,
			     struct iolu_findings *findings)
{
	size_t reported = 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < walk->nr_table_pages; i++) {
		uint64_t page = walk->table_pages[i];

		if (iolu_kho_map_contains(kho, page, IOLU_ABI_PAGE_SIZE))
			continue;
		if (++reported > MAX_PER_DOMAIN)
			continue;
		ret = iolu_report(findings, "pgtable-unpreserved",
				  IOLU_OBJ_DOMAIN, domain->object.index, page,
				  "domain %llu: IO page table page 0x%llx is not preserved",
				  ULL(domain->object.index), ULL(page));
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

static int check_domain(const struct iolu_mem *mem,
			const struct iolu_domain *domain,
			const struct iolu_check_opts *opts,
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
	if (!ret && opts->kho)
		ret = check_table_pages(domain, &walk, opts->kho, findings);
	if (!ret && opts->kho)
		ret = check_targets(domain, &walk, opts, findings);
	iolu_pt_walk_free(&walk);
	return ret;
}

int iolu_check_memory(const struct iolu_mem *mem,
		      const struct iolu_state *state,
		      const struct iolu_check_opts *opts,
		      struct iolu_findings *findings)
{
	int ret = 0;

	if (opts->kho)
		ret = check_graph_pages(state, opts->kho, findings);

	for (size_t i = 0; !ret && i < state->nr_domains; i++) {
		const struct iolu_domain *domain = &state->domains[i];

		if (!iolu_object_live(&domain->object) ||
		    !iolu_domain_walkable(domain))
			continue;
		ret = check_domain(mem, domain, opts, findings);
	}
	return ret;
}
