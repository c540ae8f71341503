# SPDX-License-Identifier: GPL-2.0
# Included by the top-level Makefile, after the other build.mk files.
#
# `make install` (PREFIX, DESTDIR): the iolu command, its man page, its
# bash completion and its systemd units. See docs/operating.md.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# systemd reads units from /usr/local/lib/systemd/system too, so the
# default PREFIX works as it is.
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=

IOLU_UNITS := iolu-check.service iolu-audit.service

.PHONY: install
# The units name the installed binary, so they are made at install time.
install: $(BUILD)/iolu docs/iolu.1 packaging/iolu.bash-completion \
		$(IOLU_UNITS:%=packaging/systemd/%.in)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0755 $(BUILD)/iolu $(DESTDIR)$(BINDIR)/iolu
	install -m 0644 docs/iolu.1 $(DESTDIR)$(MANDIR)/man1/iolu.1
	install -m 0644 packaging/iolu.bash-completion $(DESTDIR)$(BASHCOMPDIR)/iolu
	@set -e; for unit in $(IOLU_UNITS); do \
		echo "  UNIT $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit"; \
		sed 's|@BINDIR@|$(BINDIR)|g' packaging/systemd/$$unit.in \
			>$(DESTDIR)$(SYSTEMDUNITDIR)/$$unit.new; \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit.new; \
		mv $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit.new $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit; \
	done

HOST_TESTS += tests/install/install.t
tests/install/install.t: $(BUILD)/iolu
