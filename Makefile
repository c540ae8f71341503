# SPDX-License-Identifier: GPL-2.0
#
# iolu: `make test` and `make demo` set up everything on a fresh Debian
# machine. See README.md.

SHELL := /bin/bash
# Prerequisites run in order (deps first); the kernel build runs its own -j.
.NOTPARALLEL:
# Keep intermediate files (the BPF object behind its skeleton): make would
# delete them after the tests and print that after prove's summary line.
.SECONDARY:
BUILD := build
LAB := tools/lab

CC := gcc
WARN := -std=c11 -Wall -Wextra -Werror
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Guest programs run in a busybox initramfs: static, against the lab
# kernel's own uapi headers.
GUEST_SRC := tools/lab/guest
GUEST_PROGS := $(BUILD)/guest/lu-memfd $(BUILD)/guest/lu-edu $(BUILD)/guest/lu-refusals \
	$(BUILD)/guest/lu-retrieve $(BUILD)/guest/lu-topo $(BUILD)/guest/lu-chain \
	$(BUILD)/guest/lu-punch
GUEST_CFLAGS = $(WARN) -O2 -static -I$(GUEST_SRC) -isystem $$(cat $(BUILD)/kernel.dir)/usr/include

UNIT_TESTS := $(BUILD)/unit/test_pattern $(BUILD)/unit/test_parse
UNIT_CFLAGS := $(WARN) -O1 -g $(SANITIZE) -I$(GUEST_SRC)

LAB_TESTS := tests/lab/pipeline.t tests/lab/series.t tests/lab/lab.t tests/lab/iommu-lu.t \
	tests/lab/topology.t tests/lab/chain.t \
	tests/lab/kselftests.t

# The `iolu` command: tools/iolu/iolu.c dispatches to the subcommands. Each
# module's build.mk adds its sources, libraries, tests and benchmarks to
# these lists; the rules that link and run them are below.
IOLU_SRCS := tools/iolu/iolu.c
IOLU_HDRS := tools/iolu/commands.h
IOLU_CFLAGS := $(WARN) -O2 -g -D_GNU_SOURCE -Itools/iolu -Iverifier -Ibpf
IOLU_LDLIBS :=
# Generated headers (BPF skeletons) the sources include.
IOLU_GENERATED :=
# Host-only test programs and scripts (TAP), run by `make test`.
HOST_TESTS :=
# Benchmark commands, run in order by `make bench`, and what they need
# built beyond the initramfs.
BENCH_CMDS :=
BENCH_PREREQS :=

include verifier/build.mk
include tools/iolu/build.mk
include bpf/build.mk
include packaging/build.mk

# The guest runs the same `iolu`, linked static.
GUEST_PROGS += $(BUILD)/guest/iolu

.PHONY: kselftests all deps bench-deps kernel guest initramfs unit-tests iolu check-unit check-series test lab-test lab-debug kunit-uml bench demo clean distclean

all: unit-tests iolu initramfs

deps:
	@$(LAB)/install-deps.sh

bench-deps:
	@$(LAB)/install-deps.sh --bench

# The script decides whether anything needs building (its cache is keyed
# by the source version, the series and the config fragment). kernel.dir
# only changes when the kernel does, so what depends on it is not rebuilt.
# `make test` builds the kernel patch by patch first (KERNEL_BUILD_MODE),
# so that proving every patch builds on its own costs only the objects
# each patch changes, on the way to the one full build.
KERNEL_BUILD_MODE ?=
export KERNEL_BUILD_MODE
kernel: deps
	@mkdir -p $(BUILD)
	@$(LAB)/build-kernel.sh $(KERNEL_BUILD_MODE) >$(BUILD)/kernel.dir.new
	@cmp -s $(BUILD)/kernel.dir.new $(BUILD)/kernel.dir 2>/dev/null || \
		mv $(BUILD)/kernel.dir.new $(BUILD)/kernel.dir
	@rm -f $(BUILD)/kernel.dir.new

$(BUILD)/kernel.dir:
	@$(MAKE) --no-print-directory kernel

$(BUILD)/guest/lu-memfd: $(addprefix $(GUEST_SRC)/,lu-memfd.c luo.c kexec.c pattern.c parse.c) \
		$(wildcard $(GUEST_SRC)/*.h) $(BUILD)/kernel.dir
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -o $@ $(filter %.c,$^)

$(BUILD)/guest/lu-edu: $(addprefix $(GUEST_SRC)/,lu-edu.c edu.c vfio_cdev.c iommufd_ops.c luo.c \
		kexec.c pattern.c parse.c physmem.c) $(wildcard $(GUEST_SRC)/*.h) $(BUILD)/kernel.dir
$(BUILD)/guest/lu-topo: $(addprefix $(GUEST_SRC)/,lu-topo.c edu.c vfio_cdev.c iommufd_ops.c luo.c \
		kexec.c pattern.c parse.c) $(wildcard $(GUEST_SRC)/*.h) $(BUILD)/kernel.dir
$(BUILD)/guest/lu-chain: $(addprefix $(GUEST_SRC)/,lu-chain.c expect.c edu.c vfio_cdev.c iommufd_ops.c \
		luo.c kexec.c pattern.c parse.c) $(wildcard $(GUEST_SRC)/*.h) $(BUILD)/kernel.dir
$(BUILD)/guest/lu-punch: $(addprefix $(GUEST_SRC)/,lu-punch.c expect.c edu.c vfio_cdev.c iommufd_ops.c \
		luo.c kexec.c pattern.c parse.c physmem.c) $(wildcard $(GUEST_SRC)/*.h) $(BUILD)/kernel.dir
$(BUILD)/guest/lu-edu $(BUILD)/guest/lu-topo $(BUILD)/guest/lu-chain $(BUILD)/guest/lu-punch:
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -o $@ $(filter %.c,$^)

$(BUILD)/guest/lu-refusals: $(addprefix $(GUEST_SRC)/,lu-refusals.c expect.c vfio_cdev.c iommufd_ops.c luo.c) \
		$(wildcard $(GUEST_SRC)/*.h) $(BUILD)/kernel.dir
$(BUILD)/guest/lu-retrieve: $(addprefix $(GUEST_SRC)/,lu-retrieve.c expect.c edu.c vfio_cdev.c iommufd_ops.c luo.c) \
		$(wildcard $(GUEST_SRC)/*.h) $(BUILD)/kernel.dir
$(BUILD)/guest/lu-refusals $(BUILD)/guest/lu-retrieve:
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -o $@ $(filter %.c,$^)

$(BUILD)/guest/lu-kexec: $(addprefix $(GUEST_SRC)/,lu-kexec.c kexec.c) \
		$(wildcard $(GUEST_SRC)/*.h) $(BUILD)/kernel.dir
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -o $@ $(filter %.c,$^)

# The kernel's own selftests of what the series touches (iommufd, live
# update), from the pinned source, run in the guest by the
# kernel-selftests scenario.
KSELFTESTS := $(addprefix $(BUILD)/guest/ks-,iommufd iommufd_fail_nth liveupdate \
	luo_kexec_simple luo_multi_session luo_stress_sessions luo_stress_files)
$(KSELFTESTS) &: $(BUILD)/kernel.dir $(LAB)/build-selftests.sh
	@$(LAB)/build-selftests.sh $(BUILD)/guest $$(cat $(BUILD)/kernel.dir)
GUEST_PROGS += $(BUILD)/guest/lu-kexec $(KSELFTESTS)

# What preserving and restoring the IOMMU state costs, beside the kexec's
# blackout (`make bench`): lu-bench times the ioctls in the guest.
$(BUILD)/guest/lu-bench: $(addprefix $(GUEST_SRC)/,lu-bench.c edu.c vfio_cdev.c iommufd_ops.c \
		luo.c kexec.c pattern.c parse.c) $(wildcard $(GUEST_SRC)/*.h) $(BUILD)/kernel.dir
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -o $@ $(filter %.c,$^)
GUEST_PROGS += $(BUILD)/guest/lu-bench
BENCH_CMDS += tools/lab/bench-liveupdate.sh

guest: $(GUEST_PROGS)

$(BUILD)/initramfs.cpio.gz: $(GUEST_PROGS) $(GUEST_SRC)/init $(GUEST_SRC)/lab-lib.sh \
		$(wildcard tests/lab/scenarios/*.sh) $(wildcard packaging/systemd/*.in) \
		$(LAB)/build-initramfs.sh
	@$(LAB)/build-initramfs.sh $@ $(GUEST_PROGS) >/dev/null

initramfs: kernel $(BUILD)/initramfs.cpio.gz

$(BUILD)/unit/test_pattern: tests/unit/test_pattern.c $(GUEST_SRC)/pattern.c $(GUEST_SRC)/pattern.h
$(BUILD)/unit/test_parse: tests/unit/test_parse.c $(GUEST_SRC)/parse.c $(GUEST_SRC)/parse.h

$(UNIT_TESTS):
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ $(filter %.c,$^) -lcmocka

unit-tests: $(UNIT_TESTS)

# Host build, and a static build for the lab guest's busybox initramfs.
$(BUILD)/iolu: $(IOLU_SRCS) $(IOLU_HDRS) $(IOLU_GENERATED) $(VERIFIER_LIB)
	@mkdir -p $(@D)
	$(CC) $(IOLU_CFLAGS) -o $@ $(filter %.c,$^) $(VERIFIER_LIB) $(IOLU_LDLIBS)

$(BUILD)/guest/iolu: $(IOLU_SRCS) $(IOLU_HDRS) $(IOLU_GENERATED) $(VERIFIER_SRCS)
	@mkdir -p $(@D)
	$(CC) $(IOLU_CFLAGS) -static -o $@ $(filter %.c,$^) $(IOLU_LDLIBS)

iolu: $(BUILD)/iolu

# Unit tests alone, no kernel needed.
check-unit: deps unit-tests
	@CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(UNIT_TESTS)

# The series alone: checkpatch --strict, kernel-doc, and each patch built
# on its own.
check-series: deps
	@$(LAB)/check-patches.sh
	@$(LAB)/build-kernel.sh --each-patch >/dev/null
	@$(LAB)/build-kernel.sh --distro-config

# The generic page table's KUnit suites (every format, find_leaf() of
# patch 50 included) under UML with the kernel's kunit.py: a build of its
# own, too slow for make test's budget.
kunit-uml: deps
	@$(LAB)/kunit-uml.sh

# The kernel's own selftests in the lab alone (make test runs them too).
kselftests: initramfs
	@prove -v --exec '' tests/lab/kselftests.t

# Host side of the lab tests: the knob's corruptions made in a snapshot.
$(BUILD)/lab/snap-knob: tests/lab/snap-knob.c $(VERIFIER_LIB) $(VERIFIER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(IOLU_CFLAGS) -o $@ $< $(VERIFIER_LIB) $(VERIFIER_LIBS)

lab-test: initramfs iolu $(BUILD)/lab/snap-knob
	@prove -v --exec '' $(LAB_TESTS)

# Every lab scenario again with the debug kernel (lockdep, KASAN,
# atomic-sleep checks, kmemleak): too slow for make test's budget.
lab-debug: initramfs iolu $(BUILD)/lab/snap-knob
	@$(LAB)/lab-debug.sh

# Everything: unit tests under ASan/UBSan, then the lab tests in QEMU.
# prove's summary is the last line.
test: KERNEL_BUILD_MODE := --each-patch
test: deps unit-tests iolu $(HOST_TESTS) initramfs $(BUILD)/lab/snap-knob
	@CMOCKA_MESSAGE_OUTPUT=TAP prove -v --exec '' $(UNIT_TESTS) $(HOST_TESTS) $(LAB_TESTS)

# Timings, never asserted: each command prints its own table.
bench: deps bench-deps iolu initramfs $(BENCH_PREREQS)
	@set -e; $(foreach cmd,$(BENCH_CMDS),$(cmd);)

demo: deps initramfs
	@$(LAB)/demo.sh

clean:
	rm -rf $(BUILD)

# Also drop the kernel source, builds and apt cache kept outside the clone.
distclean: clean
	rm -rf "$${IOLU_CACHE:-$$HOME/.cache/iolu}"
