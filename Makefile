# SPDX-License-Identifier: GPL-2.0
#
# make               build the module (for KVER) and relayctl
# make module        the module only;  make tool: relayctl only
# make modules-all   the module for every installed kernel that has headers
# make check         install what is missing, build, run unit, fuzz and VM tests
# make check-kasan   build a KASAN + lockdep kernel (once) and run the VM tests on
#                    it (tests/kasan.sh; not part of make check)
# make demo          boot the CGNAT lab in a VM and show the relay at work
# make deps          install build and test dependencies from Debian
# make install       relayctl, its man page and the systemd units
# make dkms-install  register and build the module with DKMS
# make deb           the Debian packages wgrelay-dkms and relayctl, in build/deb/
# make kernels       download and unpack the extra lab kernels and the compile-only
#                    header trees (scripts/kernels.sh)
# make compat        compile-check the module (W=1) against every kernel tree there is
#
# KVER picks the kernel to build for (default: the newest one in /lib/modules that
# has a build directory; the running kernel usually has none). KDIR overrides the
# headers directory.

# The one place the version is written: dkms.conf (debian/changelog must agree).
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
# KVERS from the environment wins (make check passes it on to tests/run-all.sh).
ifeq ($(origin KVERS),undefined)
KVERS := $(shell for d in /lib/modules/*/build; do [ -e "$$d/Makefile" ] && basename "$$(dirname "$$d")"; done 2>/dev/null | sort -V)
endif
KVER ?= $(lastword $(KVERS))
KDIR ?= /lib/modules/$(KVER)/build
BUILD := build/$(KVER)

PREFIX ?= /usr
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSTEMDDIR ?= /lib/systemd/system

MODULE_SRC := Kbuild $(wildcard module/*.c module/*.h) include/uapi/linux/wgrelay.h

all: module tool

# Each kernel gets its own copy of the sources under build/KVER so that builds for
# several kernels do not trample each other's objects.
module: $(BUILD)/wgrelay.ko
$(BUILD)/wgrelay.ko: $(MODULE_SRC)
	@test -n "$(KVER)" -a -e "$(KDIR)/Makefile" || { echo "no kernel headers for '$(KVER)' (try: make deps, or KVER=...)" >&2; exit 1; }
	@mkdir -p $(BUILD)/module $(BUILD)/include/uapi/linux
	@cp -p Kbuild $(BUILD)/ && cp -p module/*.c module/*.h $(BUILD)/module/ && cp -p include/uapi/linux/wgrelay.h $(BUILD)/include/uapi/linux/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(BUILD) W=$(W) $(if $(DEBUG),CONFIG_WGRELAY_DEBUG=y) modules

module-debug:
	$(MAKE) module DEBUG=1 KVER=$(KVER) BUILD=build/$(KVER)-debug

# Every kernel is tried, so one failing build does not hide how the others fare.
modules-all:
	@failed=; for k in $(KVERS); do \
		$(MAKE) --no-print-directory module KVER=$$k || failed="$$failed $$k"; \
	done; \
	if [ -n "$$failed" ]; then echo "module build failed for:$$failed" >&2; exit 1; fi

tool:
	$(MAKE) -C tools VERSION=$(VERSION)

deps:
	@scripts/deps.sh

check:
	@tests/run-all.sh

check-kasan:
	@tests/kasan.sh

demo:
	@tests/demo.sh

bench:
	@bench/run.sh

style:
	@tests/style.sh

install: tool
	install -D -m 0755 tools/relayctl $(DESTDIR)$(SBINDIR)/relayctl
	install -D -m 0644 tools/man/relayctl.8 $(DESTDIR)$(MANDIR)/man8/relayctl.8
	install -D -m 0644 tools/systemd/wgrelay@.service $(DESTDIR)$(SYSTEMDDIR)/wgrelay@.service
	install -D -m 0644 tools/systemd/wgrelay-save@.service $(DESTDIR)$(SYSTEMDDIR)/wgrelay-save@.service
	install -D -m 0644 tools/systemd/wgrelay-save@.timer $(DESTDIR)$(SYSTEMDDIR)/wgrelay-save@.timer
	install -d -m 0700 $(DESTDIR)/etc/wgrelay
	install -d -m 0700 $(DESTDIR)/var/lib/wgrelay

dkms-install:
	@scripts/dkms-install.sh $(VERSION)

# Built from a copy of the tree, so that the packaging never touches the work tree
# (dpkg-buildpackage writes into its source tree and its parent directory). Then
# lintian: any error or warning fails the target.
deb:
	@rm -rf build/deb && mkdir -p build/deb/wgrelay-$(VERSION)
	@tar -c --exclude=./build --exclude=./tests/out --exclude=./.git . | tar -x -C build/deb/wgrelay-$(VERSION)
	$(MAKE) -C build/deb/wgrelay-$(VERSION)/tools clean
	cd build/deb/wgrelay-$(VERSION) && dpkg-buildpackage -us -uc -b
	rm -rf build/deb/wgrelay-$(VERSION)
	lintian --fail-on error,warning --info build/deb/wgrelay_$(VERSION)_*.changes

kernels:
	@scripts/kernels.sh prepare
	@scripts/kernels.sh prepare-compat

compat:
	@tests/compat.sh

clean:
	rm -rf build
	$(MAKE) -C tools clean

.PHONY: all module module-debug modules-all tool deps check check-kasan demo bench style install dkms-install deb kernels compat clean
