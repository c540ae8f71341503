# SPDX-License-Identifier: GPL-2.0
# Included by the top-level Makefile; see the lists it defines.
#
# libiolu-verifier: a static library for `iolu`, the same sources built
# with ASan/UBSan for the unit tests, and clang libFuzzer harnesses.

VERIFIER_SRCS := $(addprefix verifier/,findings.c rules.c pageset.c ranges.c \
	bigalloc.c khomap.c graph.c luo.c luo_kernel.c checkluo.c vtd.c check.c checkmem.c checkhw.c compare.c \
	checkunit.c source.c kcore.c identity.c snapshot.c ptwalk.c owners.c \
	kernel_image.c decompress.c)
VERIFIER_HDRS := $(wildcard verifier/*.h)
VERIFIER_LIB := $(BUILD)/verifier/libiolu-verifier.a
# -lbpf: BTF, to lay out LUO's lists. -lzstd: the static libelf.a of the
# guest build needs it. -lz, -lzstd, -llzma and -lbz2: the payloads of
# kernel images (kernel_image.c).
VERIFIER_LIBS := -lfdt -lbpf -lelf -lz -lzstd -llzma -lbz2
IOLU_LDLIBS += $(VERIFIER_LIBS)

VERIFIER_CFLAGS := $(WARN) -O2 -g -D_GNU_SOURCE -Iverifier
VERIFIER_OBJS := $(VERIFIER_SRCS:%.c=$(BUILD)/%.o)

$(BUILD)/verifier/%.o: verifier/%.c $(VERIFIER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VERIFIER_CFLAGS) -c -o $@ $<

$(VERIFIER_LIB): $(VERIFIER_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The unit tests link a sanitized build of the same sources.
VERIFIER_SAN_OBJS := $(VERIFIER_SRCS:verifier/%.c=$(BUILD)/verifier-san/%.o)
VERIFIER_SAN_LIB := $(BUILD)/verifier-san/libiolu-verifier.a
VERIFIER_TEST_CFLAGS := $(WARN) -O1 -g $(SANITIZE) -D_GNU_SOURCE \
	-Iverifier -Itests/verifier

$(BUILD)/verifier-san/%.o: verifier/%.c $(VERIFIER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(VERIFIER_TEST_CFLAGS) -c -o $@ $<

$(VERIFIER_SAN_LIB): $(VERIFIER_SAN_OBJS)
	@rm -f $@
	ar rcs $@ $^

# The fixture builder shared by the tests and the seed corpus generator,
# and the synthetic memory it writes into (shared with tests/cli).
TEST_IMAGE := tests/verifier/image.c tests/verifier/image.h
VERIFIER_BUILDER := tests/verifier/builder.c tests/verifier/builder.h \
	$(TEST_IMAGE)

VERIFIER_TESTS := $(addprefix $(BUILD)/verifier-tests/,test_rules test_khomap test_snapshot test_sources test_btf)

$(BUILD)/verifier-tests/test_btf: VERIFIER_TEST_LIBS := -lbpf
$(BUILD)/verifier-tests/%: tests/verifier/%.c $(VERIFIER_BUILDER) \
		$(VERIFIER_SAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(VERIFIER_TEST_CFLAGS) -o $@ $< $(filter %.c,$(VERIFIER_BUILDER)) \
		$(VERIFIER_SAN_LIB) $(VERIFIER_LIBS) $(VERIFIER_TEST_LIBS) -lcmocka

HOST_TESTS += $(VERIFIER_TESTS) tests/fuzz/fuzz-smoke.t

# libFuzzer harnesses: clang builds the library sources into each one.
FUZZ_CC := clang-19
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -O1 -g -D_GNU_SOURCE \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Iverifier -Itests/fuzz
FUZZ_HARNESSES := fuzz_snapshot fuzz_graph fuzz_kernel_image fuzz_boottrace
FUZZ_BINS := $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/%)

# iolu trace --boot's reader of a trace instance's text.
$(BUILD)/fuzz/fuzz_boottrace: tests/fuzz/fuzz_boottrace.c tools/iolu/trace_boot.c \
		tools/iolu/trace_timeline.c tools/iolu/trace_decode.c $(TRACE_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itools/iolu -Ibpf -o $@ $(filter %.c,$^) -ljson-c

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/sparse_mem.h $(VERIFIER_SRCS) \
		$(VERIFIER_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< \
		$(VERIFIER_SRCS) $(VERIFIER_LIBS)

# The bounded run in `make test` needs the harnesses built first: the
# script itself is checked in, so this rule only adds prerequisites.
tests/fuzz/fuzz-smoke.t: $(FUZZ_BINS)

# Regenerate the checked-in seed corpus (small files, see tests/fuzz/).
$(BUILD)/verifier-tests/make-corpus: tests/fuzz/make-corpus.c \
		tests/fuzz/sparse_mem.h $(VERIFIER_BUILDER) $(VERIFIER_SAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(VERIFIER_TEST_CFLAGS) -Itests/fuzz -o $@ $< \
		$(filter %.c,$(VERIFIER_BUILDER)) $(VERIFIER_SAN_LIB) $(VERIFIER_LIBS)

.PHONY: fuzz fuzz-corpus check-verifier
fuzz-corpus: $(BUILD)/verifier-tests/make-corpus
	$< tests/fuzz/corpus

# A long run of each harness (FUZZ_SECONDS each), corpus grown in build/.
FUZZ_SECONDS ?= 300
fuzz: $(FUZZ_BINS)
	@set -e; for harness in $(FUZZ_HARNESSES); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$harness; \
		nice $(BUILD)/fuzz/$$harness -max_total_time=$(FUZZ_SECONDS) \
			-max_len=131072 $(BUILD)/fuzz/corpus/$$harness \
			tests/fuzz/corpus/$$harness; \
	done

# The verifier's own tests, without the lab.
check-verifier: $(VERIFIER_TESTS) tests/fuzz/fuzz-smoke.t
	@CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(VERIFIER_TESTS) tests/fuzz/fuzz-smoke.t
