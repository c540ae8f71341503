# SPDX-License-Identifier: GPL-2.0
# Included by the top-level Makefile; see the lists it defines.
#
# The tracer: CO-RE BPF programs built with clang-19 against no kernel tree
# (bpf/iolu_types.h declares the fields they read), a bpftool skeleton, and
# `iolu trace` (tools/iolu/trace*.c) on top.

BPF_CLANG := clang-19
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
	-I/usr/include/x86_64-linux-gnu -Ibpf
BPF_OUT := $(BUILD)/bpf
BPF_HDRS := $(wildcard bpf/*.h)

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS)
	@mkdir -p $(@D)
	$(BPF_CLANG) $(BPF_CFLAGS) -c $< -o $@

# The tracer is one object linked from one per concern (retsnoop does the
# same): trace_maps defines what the others share and declare extern.
TRACE_BPF_OBJS := $(addprefix $(BPF_OUT)/,trace_maps.bpf.o trace_lu.bpf.o \
	trace_pgtable.bpf.o trace_vtd.bpf.o)
$(BPF_OUT)/iolu_trace.bpf.o: $(TRACE_BPF_OBJS)
	bpftool gen object $@ $^

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.bpf.o
	bpftool gen skeleton $< name $* >$@.new
	@mv $@.new $@

TRACE_SRCS := tools/iolu/trace.c tools/iolu/trace_attach.c tools/iolu/trace_coverage.c \
	tools/iolu/trace_decode.c tools/iolu/trace_filter.c tools/iolu/trace_rules.c \
	tools/iolu/trace_summary.c tools/iolu/trace_timeline.c tools/iolu/trace_boot.c
TRACE_HDRS := bpf/events.h bpf/trace_sizes.h bpf/trace_targets.h tools/iolu/trace_attach.h \
	tools/iolu/trace_coverage.h tools/iolu/trace_decode.h tools/iolu/trace_filter.h \
	tools/iolu/trace_rules.h tools/iolu/trace_summary.h tools/iolu/trace_timeline.h \
	tools/iolu/trace_boot.h

IOLU_SRCS += $(TRACE_SRCS)
IOLU_HDRS += $(TRACE_HDRS)
IOLU_GENERATED += $(BPF_OUT)/iolu_trace.skel.h
IOLU_CFLAGS += -I$(BPF_OUT)
# libbpf.a needs libelf, zlib and (through libelf) zstd when linked static.
IOLU_LDLIBS += -lbpf -lelf -lz -lzstd -ljson-c

# Unit tests of the decoder, the filters, the rules, the summary, the
# coverage and the attach plan against the object (cmocka, ASan/UBSan).
# The shared rule links only -lcmocka; json-c comes in through the flags,
# ahead of the sources, so it must not be dropped as unneeded.
TRACE_UNIT_TESTS := $(BUILD)/unit/test_trace_decode $(BUILD)/unit/test_trace_rules \
	$(BUILD)/unit/test_trace_summary $(BUILD)/unit/test_trace_filter \
	$(BUILD)/unit/test_trace_targets $(BUILD)/unit/test_trace_coverage \
	$(BUILD)/unit/test_trace_boot
UNIT_TESTS += $(TRACE_UNIT_TESTS)
$(TRACE_UNIT_TESTS): UNIT_CFLAGS += -D_GNU_SOURCE -Itools/iolu -Ibpf -Itests/trace \
	-Wl,--no-as-needed -ljson-c
$(BUILD)/unit/test_trace_decode: tests/trace/test_trace_decode.c tools/iolu/trace_decode.c \
	$(TRACE_HDRS) tests/trace/trace_fixtures.h
$(BUILD)/unit/test_trace_rules: tests/trace/test_trace_rules.c tools/iolu/trace_rules.c \
	tools/iolu/trace_decode.c $(TRACE_HDRS) tests/trace/trace_fixtures.h
$(BUILD)/unit/test_trace_filter: tests/trace/test_trace_filter.c tools/iolu/trace_filter.c \
	tools/iolu/trace_decode.c $(TRACE_HDRS) tests/trace/trace_fixtures.h
# The attach plan against the skeleton's object, opened but not loaded.
$(BUILD)/unit/test_trace_targets: UNIT_CFLAGS += -I$(BPF_OUT) -lbpf -lelf -lz -lzstd
$(BUILD)/unit/test_trace_targets: tests/trace/test_trace_targets.c tools/iolu/trace_attach.c \
	$(TRACE_HDRS) $(BPF_OUT)/iolu_trace.skel.h
$(BUILD)/unit/test_trace_coverage: tests/trace/test_trace_coverage.c \
	tools/iolu/trace_coverage.c $(TRACE_HDRS)
$(BUILD)/unit/test_trace_summary: tests/trace/test_trace_summary.c tools/iolu/trace_summary.c \
	tools/iolu/trace_coverage.c tools/iolu/trace_rules.c tools/iolu/trace_decode.c \
	tools/iolu/trace_timeline.c $(TRACE_HDRS) tests/trace/trace_fixtures.h
# The boot trace reader on text a lab kernel wrote (tests/trace/fixtures).
$(BUILD)/unit/test_trace_boot: UNIT_CFLAGS += -DFIXTURE_DIR='"$(CURDIR)/tests/trace/fixtures"'
$(BUILD)/unit/test_trace_boot: tests/trace/test_trace_boot.c tools/iolu/trace_boot.c \
	tools/iolu/trace_timeline.c tools/iolu/trace_decode.c $(TRACE_HDRS) \
	tests/trace/fixtures/boot-trace-edu.txt

# The lab guest's iommufd map/unmap loop (tests/lab/scenarios/trace-*.sh, bench).
GUEST_PROGS += $(BUILD)/guest/map-loop
$(BUILD)/guest/map-loop: $(addprefix $(GUEST_SRC)/,map-loop.c parse.c iommufd_ops.c vfio_cdev.c) \
		$(wildcard $(GUEST_SRC)/*.h) $(BUILD)/kernel.dir
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -o $@ $(filter %.c,$^)

# The bench's per-event floor: empty programs and a minimal ring buffer
# record at iommu_map_nosync, loaded by a static guest program.
GUEST_PROGS += $(BUILD)/guest/bench-anchor
$(BUILD)/guest/bench-anchor: $(GUEST_SRC)/bench-anchor.c $(BPF_OUT)/bench_anchor.skel.h
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -static -D_GNU_SOURCE -I$(BPF_OUT) -o $@ $(filter %.c,$^) \
		-lbpf -lelf -lz -lzstd

LAB_TESTS += tests/lab/trace.t

# The bench's initramfs: the lab's, with bpftrace and its libraries, which
# the trace bench measures iolu against (and no other lab boot needs).
$(BUILD)/initramfs-bench.cpio.gz: $(GUEST_PROGS) $(GUEST_SRC)/init $(GUEST_SRC)/lab-lib.sh \
		$(wildcard tests/lab/scenarios/*.sh) $(LAB)/build-initramfs.sh
	@$(LAB)/build-initramfs.sh --bpftrace $@ $(GUEST_PROGS) >/dev/null
BENCH_PREREQS += $(BUILD)/initramfs-bench.cpio.gz
BENCH_CMDS += tools/lab/bench-trace.sh
