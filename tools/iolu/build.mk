# SPDX-License-Identifier: GPL-2.0
# Included by the top-level Makefile; see the lists it defines.
#
# The check/snapshot/show/audit commands and their report renderers, the
# IO page table walker's unit tests, the command tests and `make bench`.

IOLU_SRCS += tools/iolu/cli.c tools/iolu/escape.c tools/iolu/report.c tools/iolu/report_text.c \
	tools/iolu/report_json.c tools/iolu/report_html.c tools/iolu/report_prom.c \
	tools/iolu/check.c tools/iolu/snapshot.c tools/iolu/show.c tools/iolu/audit.c
IOLU_HDRS += tools/iolu/cli.h tools/iolu/escape.h tools/iolu/report.h tools/iolu/report_text.h \
	tools/iolu/report_json.h tools/iolu/report_html.h tools/iolu/report_prom.h \
	$(VERIFIER_HDRS)
IOLU_LDLIBS += -ljson-c

# The walker alone, against hand-built tables, under ASan/UBSan.
UNIT_TESTS += $(BUILD)/unit/test_ptwalk
$(BUILD)/unit/test_ptwalk: tests/ptwalk/test_ptwalk.c verifier/ptwalk.c \
	verifier/ptwalk_internal.h verifier/iolu_verifier.h
$(BUILD)/unit/test_ptwalk: UNIT_CFLAGS += -Iverifier -D_GNU_SOURCE

# The renderers' shared helpers, under ASan/UBSan, with the library.
$(BUILD)/cli/test_report: tests/cli/test_report.c tools/iolu/report.c \
		tools/iolu/report_html.c tools/iolu/cli.c tools/iolu/escape.c \
		tools/iolu/report.h tools/iolu/report_html.h tools/iolu/cli.h \
		tools/iolu/escape.h $(VERIFIER_HDRS) $(VERIFIER_BUILDER) \
		$(VERIFIER_SAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -D_GNU_SOURCE -Itools/iolu -Iverifier \
		-Itests/verifier -o $@ $(filter %.c,$^) $(VERIFIER_SAN_LIB) \
		$(VERIFIER_LIBS) -lcmocka
HOST_TESTS += $(BUILD)/cli/test_report

# The command tests: mkstate writes fake live kernels (debugfs + kcore)
# for cli.t to read. cli.t is checked in; this rule only adds what it runs.
# The builder lays its state out in the verifier tests' synthetic memory.
CLI_BUILDER := tests/cli/state_builder.c tests/cli/state_builder.h \
	$(TEST_IMAGE)
$(BUILD)/cli/mkstate: tests/cli/mkstate.c $(CLI_BUILDER) verifier/abi.h \
		verifier/khomap.h verifier/vtd.h verifier/iolu_verifier.h
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -D_GNU_SOURCE -Iverifier -Itests/verifier \
		-Itests/cli -o $@ $(filter %.c,$^) -lfdt
tests/cli/cli.t: $(BUILD)/cli/mkstate $(BUILD)/cli/iolu-san
# Every command's JSON against docs/iolu-report.schema.json (python3-jsonschema).
tests/cli/schema.t: $(BUILD)/cli/mkstate $(BUILD)/cli/iolu-san
# check/audit --prometheus, validated with promtool (Debian's prometheus).
tests/cli/metrics.t: $(BUILD)/cli/mkstate $(BUILD)/cli/iolu-san
# check --next-kernel on ELF and bzImage fixtures built by the test.
tests/cli/next-kernel.t: $(BUILD)/cli/mkstate $(BUILD)/cli/iolu-san

# The same iolu under ASan/UBSan, which the command tests run, so that any
# memory error on a hostile input fails them. IOLU_SRCS is complete only
# once every build.mk is read: the recipe expands it late, and depending
# on build/iolu covers its sources and generated headers.
$(BUILD)/cli/iolu-san: $(BUILD)/iolu $(VERIFIER_SAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(IOLU_CFLAGS) $(SANITIZE) -o $@ $(filter %.c,$(IOLU_SRCS)) \
		$(VERIFIER_SAN_LIB) $(IOLU_LDLIBS)
HOST_TESTS += tests/cli/cli.t tests/cli/schema.t tests/cli/metrics.t tests/cli/next-kernel.t

# Peak memory of the plain build on crafted 64 MiB snapshots.
tests/cli/memory.t: $(BUILD)/cli/mkstate $(BUILD)/iolu
HOST_TESTS += tests/cli/memory.t

# `make bench`: timings and peak memory, printed, never asserted.
BENCH_SRCS := $(addprefix bench/,iolu-bench.c bench_pt.c bench_graph.c \
	measure.c pt_image.c)
$(BUILD)/bench/iolu-bench: $(BENCH_SRCS) $(wildcard bench/*.h) $(CLI_BUILDER) \
		$(VERIFIER_LIB)
	@mkdir -p $(@D)
	$(CC) $(IOLU_CFLAGS) -Ibench -Itests/verifier -Itests/cli -o $@ \
		$(filter %.c,$^) $(VERIFIER_LIB) $(IOLU_LDLIBS)
# BENCH_CMDS entries are single words (the Makefile runs each word), so
# the binary is a prerequisite of `bench` and a script runs it.
bench: $(BUILD)/bench/iolu-bench $(BUILD)/iolu
BENCH_CMDS += bench/run.sh
