# SPDX-License-Identifier: GPL-2.0
#
# iolu: `make test` and `make demo` set up everything on a fresh Debian
# machine. See README.md.

SHELL := /bin/bash
# Prerequisites run in order (deps first); the kernel build runs its own -j.
.NOTPARALLEL:
BUILD := build
LAB := tools/lab

CC := gcc
WARN := -std=c11 -Wall -Wextra -Werror
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Guest programs run in a busybox initramfs: static, against the lab
# kernel's own 7.2 uapi headers.
GUEST_SRC := tools/lab/guest
GUEST_PROGS := $(BUILD)/guest/lu-memfd
GUEST_CFLAGS = $(WARN) -O2 -static -I$(GUEST_SRC) -isystem $$(cat $(BUILD)/kernel.dir)/usr/include

UNIT_TESTS := $(BUILD)/unit/test_pattern $(BUILD)/unit/test_parse
UNIT_CFLAGS := $(WARN) -O1 -g $(SANITIZE) -I$(GUEST_SRC)

LAB_TESTS := tests/lab/pipeline.t tests/lab/series.t tests/lab/lab.t

.PHONY: all deps kernel guest initramfs unit-tests check-unit check-series test lab-test demo clean distclean

all: unit-tests initramfs

deps:
	@$(LAB)/install-deps.sh

# The script decides whether anything needs building (its cache is keyed
# by the source version, the series and the config fragment). kernel.dir
# only changes when the kernel does, so what depends on it is not rebuilt.
kernel: deps
	@mkdir -p $(BUILD)
	@$(LAB)/build-kernel.sh >$(BUILD)/kernel.dir.new
	@cmp -s $(BUILD)/kernel.dir.new $(BUILD)/kernel.dir 2>/dev/null || \
		mv $(BUILD)/kernel.dir.new $(BUILD)/kernel.dir
	@rm -f $(BUILD)/kernel.dir.new

$(BUILD)/kernel.dir:
	@$(MAKE) --no-print-directory kernel

$(BUILD)/guest/lu-memfd: $(addprefix $(GUEST_SRC)/,lu-memfd.c luo.c kexec.c pattern.c parse.c) \
		$(wildcard $(GUEST_SRC)/*.h) $(BUILD)/kernel.dir
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -o $@ $(filter %.c,$^)

guest: $(GUEST_PROGS)

$(BUILD)/initramfs.cpio.gz: $(GUEST_PROGS) $(GUEST_SRC)/init $(GUEST_SRC)/lab-lib.sh \
		$(wildcard tests/lab/scenarios/*.sh) $(LAB)/build-initramfs.sh
	@$(LAB)/build-initramfs.sh $@ $(GUEST_PROGS) >/dev/null

initramfs: kernel $(BUILD)/initramfs.cpio.gz

$(BUILD)/unit/test_pattern: tests/unit/test_pattern.c $(GUEST_SRC)/pattern.c $(GUEST_SRC)/pattern.h
$(BUILD)/unit/test_parse: tests/unit/test_parse.c $(GUEST_SRC)/parse.c $(GUEST_SRC)/parse.h

$(UNIT_TESTS):
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ $(filter %.c,$^) -lcmocka

unit-tests: $(UNIT_TESTS)

# Unit tests alone, no kernel needed.
check-unit: deps unit-tests
	@CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(UNIT_TESTS)

# The series alone: checkpatch --strict, kernel-doc, and each patch built
# on its own.
check-series: deps
	@$(LAB)/check-patches.sh
	@$(LAB)/build-kernel.sh --each-patch

lab-test: initramfs
	@prove -v --exec '' $(LAB_TESTS)

# Everything: unit tests under ASan/UBSan, then the lab tests in QEMU.
# prove's summary is the last line.
test: deps unit-tests initramfs
	@CMOCKA_MESSAGE_OUTPUT=TAP prove -v --exec '' $(UNIT_TESTS) $(LAB_TESTS)

demo: deps initramfs
	@$(LAB)/demo.sh

clean:
	rm -rf $(BUILD)

# Also drop the kernel source, builds and apt cache kept outside the clone.
distclean: clean
	rm -rf "$${IOLU_CACHE:-$$HOME/.cache/iolu}"
