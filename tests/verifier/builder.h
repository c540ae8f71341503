/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verifier's fixture, for its tests and fuzz seeds: a valid IOMMU live
 * update graph in synthetic physical memory (image.h): units with VT-d
 * root/context/PASID tables, domains with IO page tables, devices, and
 * KHO's preserved-memory radix tree and FDT describing which pages are
 * preserved. Tests build a clean fixture, break one thing, and check.
 * tests/cli/state_builder.h lays out another graph in the same image: its
 * numbering, device layout and breakages are what the command tests match.
 */
#ifndef IOLU_TEST_BUILDER_H
#define IOLU_TEST_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iolu_verifier.h"
#include "image.h"

/* An address outside RAM, for MMIO targets. */
#define IMAGE_MMIO_PA		0xfed00000ull
#define FIXTURE_IOVA_BASE	0x100000ull

struct fixture_config {
	unsigned int nr_units;
	unsigned int nr_domains;
	unsigned int nr_devices;
	bool scalable;
	unsigned int format;		/* IOLU_PT_VTD_* */
	unsigned int levels;
	unsigned int pages_per_domain;	/* 4 KiB pages mapped per domain */
	/*
	 * Scalable mode: pages of each device's PASID directory, a power of
	 * two up to 32 (PDTS 2 to 7), preserved as one block of that order.
	 * 0 is one page.
	 */
	unsigned int pasid_dir_pages;
	/*
	 * LUO's serialized state too: one session, FIXTURE_SESSION, with an
	 * iommufd naming every domain and one sealed memfd per domain whose
	 * folios are the domain's pages in IOVA order, plus one spare folio
	 * no domain maps.
	 */
	bool luo;
};

#define FIXTURE_SESSION		"fixture-vm"
#define FIXTURE_IOMMUFD_TOKEN	7
#define FIXTURE_MEMFD_TOKEN(d)	(1000ull + (d))

struct fixture {
	struct fixture_config config;
	struct image *image;
	uint64_t header_pa;
	uint64_t first_block[3];	/* units, domains, devices chains */
	uint64_t *unit_pa, *domain_pa, *device_pa;	/* entry addresses */
	uint64_t *root_table_pa;	/* per unit */
	uint64_t *pgtable_pa;		/* per domain */
	uint64_t *leaf_table_pa;	/* per domain: its first level-1 table */
	uint64_t *data_pa;		/* per domain: its first mapped page */
	/* with config.luo: struct luo_ser, and per domain its memfd */
	uint64_t luo_pa;
	uint64_t session_pa;		/* the session's entry */
	uint64_t iommufd_pa;		/* the iommufd record */
	uint64_t *memfd_pa;		/* per domain: memfd record */
	uint64_t *folio_array_pa;	/* per domain: first folio entry */
	uint64_t *spare_pa;		/* per domain: its unmapped folio */
	/* filled by fixture_seal() */
	uint64_t kho_root;
	struct iolu_kho_map *kho;
	struct iolu_ranges ram;
	void *fdt;
	size_t fdt_len;
};

/*
 * Defaults: 2 units, 6 domains (one per device: the next kernel restores
 * a domain for one device only), 6 devices, legacy mode, second stage,
 * 4 levels.
 */
void fixture_default_config(struct fixture_config *config);
int fixture_build(struct fixture *fixture, const struct fixture_config *config);
/* Build KHO's radix tree and FDT over the preserved pages, load the map. */
int fixture_seal(struct fixture *fixture);
void fixture_free(struct fixture *fixture);

/* Map one more 4 KiB page into a domain (tables allocated as needed). */
void fixture_map(struct fixture *fixture, unsigned int domain, uint64_t iova,
		 uint64_t phys);

/* Read the state as the outgoing side and run every check (iolu_verify()). */
int fixture_check(struct fixture *fixture, struct iolu_findings *findings);
/* The same for either side; the incoming one is judged by fixture->kho. */
int fixture_check_side(struct fixture *fixture, enum iolu_side side,
		       struct iolu_findings *findings);
/* The same with only some families of rules (IOLU_CHECK_*). */
int fixture_verify(struct fixture *fixture, enum iolu_side side,
		   unsigned int checks, struct iolu_findings *findings);

/* A source over the fixture (outgoing side), e.g. to write a snapshot. */
struct iolu_source *fixture_source(struct fixture *fixture);

/* Where the VT-d entries of a device are (after fixture_build). */
uint64_t fixture_context_entry(struct fixture *fixture, unsigned int device);
uint64_t fixture_pasid_entry(struct fixture *fixture, unsigned int device);

/* Device i sits behind unit i % nr_units and in domain i % nr_domains. */
static inline unsigned int fixture_unit_of(const struct fixture *f,
					   unsigned int device)
{
	return device % f->config.nr_units;
}

static inline unsigned int fixture_domain_of(const struct fixture *f,
					     unsigned int device)
{
	return device % f->config.nr_domains;
}

static inline uint16_t fixture_rid_of(const struct fixture *f,
				      unsigned int device)
{
	/* Spread over buses so the context tables see several of them. */
	unsigned int nth = device / f->config.nr_units;

	return (uint16_t)(((nth / 8) << 8) | ((nth % 8) * 0x21));
}

#endif
