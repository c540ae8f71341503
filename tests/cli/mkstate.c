// SPDX-License-Identifier: GPL-2.0
/*
 * mkstate: write a fake live kernel (debugfs tree + kcore) holding a
 * synthetic preserved IOMMU state, for the command tests to read with
 * `iolu ... --debugfs DIR/debugfs --kcore DIR/kcore`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_builder.h"

static const char *const break_names[] = {
	[SB_BREAK_NONE] = "none",
	[SB_BREAK_REFCOUNT] = "refcount",
	[SB_BREAK_UNPRESERVED] = "unpreserved",
	[SB_BREAK_COMPATIBLE] = "compatible",
	[SB_BREAK_REMAP] = "remap",
	[SB_BREAK_DROP_DEVICE] = "drop-device",
	[SB_BREAK_DOMAIN_ID] = "domain-id",
	[SB_BREAK_TERMINAL] = "terminal",
	[SB_BREAK_SHARED_TABLE] = "shared-table",
	[SB_BREAK_SPLIT_TABLES] = "split-tables",
};

static int parse_break(const char *name, enum sb_break *breakage)
{
	size_t i;

	for (i = 0; i < sizeof(break_names) / sizeof(break_names[0]); i++) {
		if (!strcmp(name, break_names[i])) {
			*breakage = (enum sb_break)i;
			return 0;
		}
	}
	fprintf(stderr, "mkstate: unknown breakage '%s'\n", name);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "devices", required_argument, NULL, 'n' },
		{ "per-domain", required_argument, NULL, 'd' },
		{ "pages", required_argument, NULL, 'p' },
		{ "side", required_argument, NULL, 's' },
		{ "break", required_argument, NULL, 'b' },
		{ 0 },
	};
	struct sb_config config = {
		.nr_devices = 2, .devices_per_domain = 1, .devices_per_unit = 256,
		.pages_per_domain = 4,
	};
	struct sb_image image;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (opt) {
		case 'n':
			config.nr_devices = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'd':
			config.devices_per_domain = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'p':
			config.pages_per_domain = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 's':
			config.side = strcmp(optarg, "incoming") ? IOLU_SIDE_OUTGOING :
								    IOLU_SIDE_INCOMING;
			break;
		case 'b':
			if (parse_break(optarg, &config.breakage))
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: mkstate [--devices N] [--per-domain N] [--pages N] "
			"[--side outgoing|incoming] [--break WHAT] DIR\n");
		return 2;
	}
	rc = sb_build(&config, &image);
	if (!rc)
		rc = sb_write_live(&image, config.side, argv[optind]);
	sb_free(&image);
	if (rc) {
		fprintf(stderr, "mkstate: %s: %s\n", argv[optind], strerror(-rc));
		return 1;
	}
	return 0;
}
