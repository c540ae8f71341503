// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: any bytes as a boot trace instance's `trace` file,
 * read, sorted and put into a restore timeline, printed and serialized.
 * Nothing may crash, leak or loop.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "trace_boot.h"
#include "trace_timeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iolu_timeline timeline;
	struct iolu_boot_trace boot = { 0 };
	struct json_object *json;
	FILE *in, *sink;
	size_t i;

	if (!size)
		return 0;
	in = fmemopen((void *)data, size, "r");
	sink = fopen("/dev/null", "w");
	if (!in || !sink)
		goto out;
	iolu_boot_read(in, "fuzz", &boot, sink);
	memset(&timeline, 0, sizeof(timeline));
	for (i = 0; i < boot.nr_records; i++)
		iolu_timeline_add(&timeline, &boot.records[i].event);
	iolu_timeline_print(&timeline, 1000000000ULL, sink);
	json = iolu_timeline_to_json(&timeline, 1000000000ULL);
	json_object_put(json);
out:
	if (in)
		fclose(in);
	if (sink)
		fclose(sink);
	iolu_boot_free(&boot);
	return 0;
}
