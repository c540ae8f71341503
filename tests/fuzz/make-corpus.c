// SPDX-License-Identifier: GPL-2.0
/*
 * Generate the checked-in seed corpus of the fuzz harnesses from the test
 * fixture builder: small valid states (legacy, scalable, first stage) and
 * a few broken ones, as sparse memory for fuzz_graph and as snapshot
 * files for fuzz_snapshot. Deterministic: the same files every run.
 *
 *   make-corpus DIR    writes the seeds into DIR/fuzz_graph and DIR/fuzz_snapshot
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builder.h"
#include "source.h"
#include "sparse_mem.h"

/* Zero bytes tolerated inside one record before starting another. */
#define MERGE_GAP	32

struct seed {
	const char *name;
	bool scalable;
	unsigned int format, levels;
	void (*mutate)(struct fixture *fixture);
	/* also as a snapshot (60-80 KiB each: only a few) */
	bool snapshot;
	/* with LUO's state: a session, an iommufd, a memfd per domain */
	bool luo;
};

static void cycle_devices(struct fixture *f)
{
	image_write64(f->image, f->first_block[2], f->first_block[2]);
}

static void bad_refcount(struct fixture *f)
{
	image_write32(f->image, f->domain_pa[0] + 8, 9);
}

static void bad_context(struct fixture *f)
{
	uint64_t entry = fixture_context_entry(f, 1);

	image_write64(f->image, entry + 8, image_read64(f->image, entry + 8) ^ 0x300);
}

/* A preserved page no memfd of the session holds. */
static void foreign_page(struct fixture *f)
{
	fixture_map(f, 1, FIXTURE_IOVA_BASE + 0x200000, image_alloc(f->image));
}

static void bad_folio(struct fixture *f)
{
	image_write64(f->image, f->folio_array_pa[0] + 8, 77);
}

/* Domain 1's first IOVA now maps domain 0's memfd (its spare folio). */
static void moved_page(struct fixture *f)
{
	uint64_t entry = f->leaf_table_pa[1] + ((FIXTURE_IOVA_BASE >> 12) & 511) * 8;

	image_write64(f->image, entry, f->spare_pa[0] | 3);
}

static const struct seed seeds[] = {
	{ "legacy", false, IOLU_PT_VTD_SECOND_STAGE, 3, NULL, true, false },
	{ "scalable", true, IOLU_PT_VTD_SECOND_STAGE, 4, NULL, false, false },
	{ "first-stage", true, IOLU_PT_VTD_FIRST_STAGE, 4, NULL, true, false },
	{ "chain-cycle", false, IOLU_PT_VTD_SECOND_STAGE, 3, cycle_devices, false, false },
	{ "refcount", false, IOLU_PT_VTD_SECOND_STAGE, 3, bad_refcount, false, false },
	{ "context-did", false, IOLU_PT_VTD_SECOND_STAGE, 3, bad_context, true, false },
	{ "luo", false, IOLU_PT_VTD_SECOND_STAGE, 3, NULL, true, true },
	{ "luo-foreign", false, IOLU_PT_VTD_SECOND_STAGE, 3, foreign_page, true, true },
	{ "luo-folio", false, IOLU_PT_VTD_SECOND_STAGE, 3, bad_folio, false, true },
	{ "luo-moved", false, IOLU_PT_VTD_SECOND_STAGE, 3, moved_page, true, true },
};

static void put_record(FILE *out, uint64_t pa, const uint8_t *data,
		       uint16_t len)
{
	uint64_t pa_le = htole64(pa);
	uint16_t len_le = htole16(len);

	fwrite(&pa_le, 8, 1, out);
	fwrite(&len_le, 2, 1, out);
	fwrite(data, 1, len, out);
}

/* Each page as records of its non-zero runs (one byte for a zero page). */
static void put_page(FILE *out, uint64_t pa, const uint8_t *page)
{
	size_t at = 0, records = 0;

	while (at < 4096) {
		size_t start, end, zeros = 0;

		while (at < 4096 && !page[at])
			at++;
		if (at == 4096)
			break;
		start = end = at;
		while (at < 4096 && zeros < MERGE_GAP) {
			if (page[at]) {
				zeros = 0;
				end = at + 1;
			} else {
				zeros++;
			}
			at++;
		}
		put_record(out, pa + start, page + start, (uint16_t)(end - start));
		records++;
	}
	if (!records)
		put_record(out, pa, page, 1);
}

static int write_graph_seed(const char *dir, const struct seed *seed,
			    struct fixture *fixture)
{
	uint64_t header[3] = { htole64(fixture->header_pa),
			       htole64(fixture->kho_root),
			       htole64(fixture->luo_pa) };
	char path[512];
	FILE *out;

	snprintf(path, sizeof(path), "%s/fuzz_graph/%s", dir, seed->name);
	out = fopen(path, "wb");
	if (!out)
		return -errno;
	fwrite(header, sizeof(header), 1, out);
	for (size_t i = 0; i < image_nr_pages(fixture->image); i++) {
		uint64_t pa = IMAGE_BASE + i * 4096ull;
		const uint8_t *page = image_page(fixture->image, pa);

		if (page)
			put_page(out, pa, page);
	}
	return fclose(out) ? -errno : 0;
}

static int write_snapshot_seed(const char *dir, const struct seed *seed,
			       struct fixture *fixture)
{
	struct iolu_source *source = fixture_source(fixture);
	struct iolu_err err = { 0 };
	char path[512];
	int ret;

	if (!source)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/fuzz_snapshot/%s.snap", dir, seed->name);
	ret = iolu_snapshot_write(source, path, &err);
	if (ret)
		fprintf(stderr, "make-corpus: %s\n", err.msg);
	iolu_source_close(source);
	return ret;
}

static int make_seed(const char *dir, const struct seed *seed)
{
	struct fixture_config config = {
		.nr_units = 1, .nr_domains = 2, .nr_devices = 2,
		.scalable = seed->scalable, .format = seed->format,
		.levels = seed->levels, .pages_per_domain = 2, .luo = seed->luo,
	};
	struct fixture fixture;
	int ret;

	ret = fixture_build(&fixture, &config);
	if (!ret && seed->mutate)
		seed->mutate(&fixture);
	if (!ret)
		ret = fixture_seal(&fixture);
	if (!ret)
		ret = write_graph_seed(dir, seed, &fixture);
	if (!ret && seed->snapshot)
		ret = write_snapshot_seed(dir, seed, &fixture);
	fixture_free(&fixture);
	return ret;
}

int main(int argc, char **argv)
{
	char path[512];

	if (argc != 2) {
		fprintf(stderr, "usage: make-corpus DIR\n");
		return 2;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", argv[1],
			 i ? "fuzz_snapshot" : "fuzz_graph");
		mkdir(argv[1], 0755);
		if (mkdir(path, 0755) && errno != EEXIST) {
			perror(path);
			return 1;
		}
	}
	for (size_t i = 0; i < sizeof(seeds) / sizeof(*seeds); i++) {
		int ret = make_seed(argv[1], &seeds[i]);

		if (ret) {
			fprintf(stderr, "make-corpus: seed %s: %s\n",
				seeds[i].name, strerror(-ret));
			return 1;
		}
	}
	return 0;
}
