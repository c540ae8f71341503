// SPDX-License-Identifier: GPL-2.0
/*
 * iolu-bench: how long the verifier takes, and how much memory, as the
 * state grows. `make bench` runs it; timings are printed, never asserted.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"

static const char bench_help[] =
	"usage: iolu-bench [--dir DIR] [--iolu PATH] [--max-gib N] [--max-devices N]\n"
	"                  [--only pt|graph]\n"
	"\n"
	"  --dir DIR          where the temporary images go (default /tmp)\n"
	"  --iolu PATH        also time PATH check --input on snapshots of the graphs\n"
	"  --max-gib N        largest page table case in GiB mapped (default 1024)\n"
	"  --max-devices N    largest graph case in devices (default 100000)\n"
	"  --only PART        run only the page table (pt) or graph part\n";

static int parse_u64(const char *arg, uint64_t *value)
{
	char *end;

	errno = 0;
	*value = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-') {
		fprintf(stderr, "iolu-bench: '%s' is not a count\n", arg);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "max-gib", required_argument, NULL, 'g' },
		{ "max-devices", required_argument, NULL, 'n' },
		{ "only", required_argument, NULL, 'o' },
		{ "iolu", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t max_gib = 1024, max_devices = 100000;
	const char *dir = "/tmp", *only = NULL, *iolu = NULL;
	int opt, rc = 0;

	while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			dir = optarg;
			break;
		case 'g':
			rc = parse_u64(optarg, &max_gib);
			break;
		case 'n':
			rc = parse_u64(optarg, &max_devices);
			break;
		case 'o':
			only = optarg;
			break;
		case 'i':
			iolu = optarg;
			break;
		case 'h':
			fputs(bench_help, stdout);
			return 0;
		default:
			fputs(bench_help, stderr);
			return 2;
		}
		if (rc)
			return 2;
	}
	if (only && strcmp(only, "pt") && strcmp(only, "graph")) {
		fprintf(stderr, "iolu-bench: --only takes pt or graph, not '%s'\n", only);
		return 2;
	}
	mkdir(dir, 0755);
	if (!only || !strcmp(only, "graph"))
		rc = bench_graph(dir, max_devices, iolu);
	if (!rc && (!only || !strcmp(only, "pt")))
		rc = bench_pt(dir, max_gib);
	return rc ? 1 : 0;
}
