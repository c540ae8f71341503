# SPDX-License-Identifier: GPL-2.0
# Included by the top-level Makefile, after the other build.mk files.
#
# `make install` (PREFIX, DESTDIR) and `make deb`: the iolu command, its
# man page, its bash completion and its systemd units, and a Debian
# package of them. See docs/operating.md.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# How to run it (the man page points there).
DOCDIR ?= $(PREFIX)/share/doc/iolu
# systemd reads units from /usr/local/lib/systemd/system too, so the
# default PREFIX works as it is.
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=

# Flags a distribution's build adds (dpkg-buildflags: hardening). Empty by
# default: the development build is unchanged.
IOLU_EXTRA_CFLAGS ?=
IOLU_EXTRA_LDFLAGS ?=
IOLU_CFLAGS += $(IOLU_EXTRA_CFLAGS)
VERIFIER_CFLAGS += $(IOLU_EXTRA_CFLAGS)
IOLU_LDLIBS := $(IOLU_EXTRA_LDFLAGS) $(IOLU_LDLIBS)

IOLU_UNITS := iolu-check.service iolu-audit.service

.PHONY: install deb
# The units name the installed binary, so they are made at install time.
install: $(BUILD)/iolu docs/iolu.1 packaging/iolu.bash-completion \
		$(IOLU_UNITS:%=packaging/systemd/%.in) docs/operating.md
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BUILD)/iolu $(DESTDIR)$(BINDIR)/iolu
	install -m 0644 docs/iolu.1 $(DESTDIR)$(MANDIR)/man1/iolu.1
	install -m 0644 packaging/iolu.bash-completion $(DESTDIR)$(BASHCOMPDIR)/iolu
	install -m 0644 docs/operating.md $(DESTDIR)$(DOCDIR)/operating.md
	@set -e; for unit in $(IOLU_UNITS); do \
		echo "  UNIT $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit"; \
		sed 's|@BINDIR@|$(BINDIR)|g' packaging/systemd/$$unit.in \
			>$(DESTDIR)$(SYSTEMDUNITDIR)/$$unit.new; \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit.new; \
		mv $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit.new $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit; \
	done

# The package is built in a copy of the tree under build/deb, never in
# the tree itself: dpkg-buildpackage writes its results into the parent
# of the source directory (outside the clone for a top-level debian/) and
# debhelper leaves its state in debian/. The copy's debian/ is
# packaging/debian.
IOLU_VERSION_STR := $(shell sed -n 's/^\#define IOLU_VERSION[[:space:]]*"\(.*\)"/\1/p' \
	verifier/iolu_version.h)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
DEB_DIR := $(BUILD)/deb
DEB := $(DEB_DIR)/iolu_$(IOLU_VERSION_STR)_$(DEB_ARCH).deb
DEB_SRCS := $(IOLU_SRCS) $(IOLU_HDRS) $(VERIFIER_SRCS) $(VERIFIER_HDRS) \
	$(wildcard bpf/*.c) $(BPF_HDRS) Makefile $(wildcard */build.mk */*/build.mk) \
	docs/iolu.1 docs/operating.md packaging/iolu.bash-completion $(wildcard packaging/systemd/*) \
	$(wildcard packaging/debian/* packaging/debian/*/*)

$(DEB): $(DEB_SRCS)
	@rm -rf $(DEB_DIR)
	@mkdir -p $(DEB_DIR)/iolu
	@rsync -a --exclude=/build/ --exclude=/.git ./ $(DEB_DIR)/iolu/
	@cp -r packaging/debian $(DEB_DIR)/iolu/debian
	cd $(DEB_DIR)/iolu && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -n 30 ../build.log >&2; echo "dpkg-buildpackage failed:" \
			"see $(DEB_DIR)/build.log" >&2; exit 1; }
	@test -f $@ || { echo "no $@ after dpkg-buildpackage: does" \
		"packaging/debian/changelog say $(IOLU_VERSION_STR)?" >&2; exit 1; }

deb: $(DEB)
	@echo $(DEB)

HOST_TESTS += tests/install/install.t tests/install/deb.t
tests/install/install.t: $(BUILD)/iolu
tests/install/deb.t: $(DEB)
