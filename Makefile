# SPDX-License-Identifier: GPL-2.0
#
# hvkit top-level build.  `make` builds the modules, libhvk and the tools;
# `make check` installs what is missing, builds and runs every test;
# `make demo` shows the modules answering in the test guest.

VERSION := $(shell cat VERSION)
# KVER=<release> builds against that release's headers (scripts/env.sh).
KDIR ?= $(shell KVER='$(KVER)' bash -c '. scripts/env.sh && hvk_kdir')
# Installation directories (GNU conventions).  hvk(8) is an administration
# command (SBINDIR); hvk-migrate(1) a user command (BINDIR).
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
HOOKDIR ?= $(DATADIR)/hvkit/libvirt
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
# systemd and udev read both /usr/local/lib and /usr/lib (Debian 12: /lib).
UNITDIR ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
# The configuration hvk.service applies: always /etc/hvk (hvk(8)).
CONFDIR := /etc/hvk
# The os-vif plugin: where Debian's python3 finds packages (and stevedore
# their entry points) without a PYTHONPATH.
PYTHONDIR ?= /usr/lib/python3/dist-packages
DESTDIR ?=
B := build
SOVERSION := 0

CC ?= cc
# CPPFLAGS, CFLAGS and LDFLAGS are the caller's (debian/rules passes
# dpkg-buildflags' hardening flags).  Warnings fail the project's own builds
# (WERROR=1); package builds set WERROR=0 so that a newer compiler's new
# warning never fails them.
CFLAGS ?= -O2 -g
CPPFLAGS ?=
LDFLAGS ?=
WERROR ?= 1
HVK_CFLAGS := -std=gnu11 -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -D_GNU_SOURCE \
	-DHVK_VERSION='"$(VERSION)"' -isystem include/uapi -Iinclude \
	$(shell pkg-config --cflags libmnl 2>/dev/null)
MNL_LIBS := $(shell pkg-config --libs libmnl libbpf 2>/dev/null || echo -lmnl -lbpf)
# hvk-migrate: json-c parses QEMU's QMP replies, nettle's HMAC-SHA256
# authenticates the stream (--psk-file).
MIGRATE_LIBS := $(shell pkg-config --libs json-c nettle 2>/dev/null || echo -ljson-c -lnettle)

LIB_SRC := lib/nl.c lib/info.c lib/switch.c lib/filter.c lib/mem.c
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
LIB_PIC := $(LIB_SRC:%.c=$(B)/%.pic.o)
LIB_SO := $(B)/lib/libhvk.so.$(VERSION)
LIB_A := $(B)/lib/libhvk.a

# tools/common: what hvk and hvk-migrate share (the printer, units).
COMMON_SRC := tools/common/print.c tools/common/units.c
HVK_SRC := tools/hvk/hvk.c tools/hvk/version.c tools/hvk/util.c \
	tools/hvk/switch.c tools/hvk/port.c tools/hvk/fdb.c tools/hvk/monitor.c \
	tools/hvk/policy.c tools/hvk/mirror.c tools/hvk/mem.c \
	tools/hvk/merge.c tools/hvk/ksm.c tools/hvk/estimate.c tools/hvk/stats.c tools/hvk/config.c \
	tools/hvk/batch.c tools/hvk/save.c tools/hvk/apply.c $(COMMON_SRC)
MIGRATE_SRC := tools/hvk-migrate/main.c tools/hvk-migrate/transport.c \
	tools/hvk-migrate/source.c tools/hvk-migrate/dest.c tools/hvk-migrate/qmp.c \
	$(COMMON_SRC)
HVK_OBJ := $(HVK_SRC:%.c=$(B)/%.o)
HVK_BIN := $(B)/bin/hvk

UNIT_TESTS := $(B)/unit/test_nl $(B)/unit/test_print $(B)/unit/test_switch $(B)/unit/test_units \
	$(B)/unit/test_mem $(B)/unit/test_migrate_auth $(B)/unit/test_config
SELFTEST_BINS := $(B)/selftests/nltest $(B)/selftests/drop_udp.bpf.o $(B)/selftests/memtest \
	$(B)/selftests/mergetest $(B)/selftests/iocfuzz $(B)/selftests/vmwork \
	$(B)/ynl-upstream/.complete

.PHONY: all modules test-modules lib tools selftest-bins check check-unit check-vm demo bench-switch bench-switch-rx bench-shaping bench-dirty bench-merge bench-migrate check-merge stress fuzz \
	vm-shell sign-modules install install-modules install-lib install-tools install-os-vif uninstall \
	uninstall-modules uninstall-lib uninstall-tools uninstall-os-vif dkms-install dkms-remove deb lint clean deps check-debug

all: modules lib tools

# ---- kernel modules ----
kdir_check = $(if $(KDIR),,$(error no kernel headers found$(if $(KVER), for $(KVER))))

modules:
	$(kdir_check)
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod W=1 HVK_WERROR=y modules
	$(if $(SIGN_KEY),$(MAKE) --no-print-directory sign-modules)

# SIGN_KEY=KEY.pem SIGN_CERT=CERT.der|.pem: sign the modules in MODDIR with
# the kernel's own sign-file (Secure Boot, Documentation/packaging.md);
# `make modules` and `make install` do it when SIGN_KEY is given.
SIGN_HASH ?= sha512
MODDIR ?= kmod
sign-modules:
	$(kdir_check)
	@[ -n "$(SIGN_KEY)" ] && [ -n "$(SIGN_CERT)" ] || { echo "sign-modules: set SIGN_KEY and SIGN_CERT" >&2; exit 2; }
	for m in $(MODDIR)/switch/hvk_switch.ko $(MODDIR)/mem/hvk_mem.ko; do \
		if tail -c 28 $$m | grep -q '~Module signature appended~'; then \
			echo "sign-modules: $$m is signed already (a second signature would not verify)"; \
			continue; \
		fi; \
		$(KDIR)/scripts/sign-file $(SIGN_HASH) "$(SIGN_KEY)" "$(SIGN_CERT)" $$m || exit 1; \
	done

test-modules:
	$(kdir_check)
	$(MAKE) -C $(KDIR) M=$(CURDIR)/selftests/vm/warn W=1 HVK_WERROR=y modules

# ---- userspace ----
$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(HVK_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/%.pic.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(HVK_CFLAGS) -fPIC -fvisibility=default -MMD -MP -c -o $@ $<

$(LIB_SO): $(LIB_PIC) lib/libhvk.map
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libhvk.so.$(SOVERSION) \
		-Wl,--version-script=lib/libhvk.map -o $@ $(LIB_PIC) $(MNL_LIBS)
	ln -sf libhvk.so.$(VERSION) $(B)/lib/libhvk.so.$(SOVERSION)
	ln -sf libhvk.so.$(SOVERSION) $(B)/lib/libhvk.so

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

# hvk.pc for PREFIX/LIBDIR/INCLUDEDIR as given to this make: the build
# tree's copy is for the values at build time; `make install` writes the
# installed one again for the values at install time.  Directories under
# PREFIX are written relative to ${prefix}.
pc_dir = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
hvk_pc = sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(call pc_dir,$(LIBDIR))|' \
	-e 's|@INCLUDEDIR@|$(call pc_dir,$(INCLUDEDIR))|; s|@VERSION@|$(VERSION)|' lib/hvk.pc.in

$(B)/lib/hvk.pc: lib/hvk.pc.in VERSION FORCE
	@mkdir -p $(dir $@)
	@$(hvk_pc) > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@ && echo "  GEN     $@"; fi

FORCE:

lib: $(LIB_SO) $(LIB_A) $(B)/lib/hvk.pc

# The tools link libhvk statically: one binary to copy into the guest or a host.
$(HVK_BIN): $(HVK_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(HVK_OBJ) $(LIB_A) $(MNL_LIBS)

MIGRATE_BIN := $(B)/bin/hvk-migrate
MIGRATE_OBJ := $(MIGRATE_SRC:%.c=$(B)/%.o)

$(MIGRATE_BIN): $(MIGRATE_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $(MIGRATE_OBJ) $(LIB_A) $(MNL_LIBS) $(MIGRATE_LIBS)

tools: $(HVK_BIN) $(MIGRATE_BIN)

# ---- tests ----
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

$(B)/unit/test_%: selftests/unit/test_%.c selftests/unit/fake.c selftests/unit/fake.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -Ilib -o $@ $< selftests/unit/fake.c $(LIB_A) \
		$(MNL_LIBS) $(CHECK_LIBS)

$(B)/unit/test_print: selftests/unit/test_print.c $(B)/tools/common/print.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -Itools/common -o $@ $^ $(CHECK_LIBS)

$(B)/unit/test_migrate_auth: selftests/unit/test_migrate_auth.c $(B)/tools/hvk-migrate/transport.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -Itools/hvk-migrate -pthread -o $@ $^ $(CHECK_LIBS) \
		$(MIGRATE_LIBS)

$(B)/unit/test_units: selftests/unit/test_units.c $(B)/tools/common/units.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -Itools/common -o $@ $^ $(CHECK_LIBS)

$(B)/unit/test_config: selftests/unit/test_config.c $(B)/tools/hvk/config.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -Itools/hvk -o $@ $^ $(CHECK_LIBS)

$(B)/selftests/nltest: selftests/core/nltest.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -Ilib -o $@ $< $(LIB_A) $(MNL_LIBS)

$(B)/selftests/memtest: selftests/mem/memtest.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -o $@ $< $(LIB_A) $(MNL_LIBS)

# The kernel's own ynl (not in Linux 6.1), from Debian's linux-source-6.12,
# so a guest test proves upstream tools decode our specs' events.  Used as
# shipped; nothing of it is kept in this tree.
UPSTREAM_SRC := /usr/src/linux-source-6.12.tar.xz
$(B)/ynl-upstream/.complete:
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	tar -xJf $(UPSTREAM_SRC) -C $(dir $@) --strip-components=1 \
		--wildcards 'linux-source-6.12/tools/net/ynl/cli.py' \
		'linux-source-6.12/tools/net/ynl/lib/*.py' \
		'linux-source-6.12/Documentation/netlink/genetlink*.yaml'
	@touch $@

$(B)/selftests/iocfuzz: selftests/mem/iocfuzz.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -o $@ $<

# Runs as a nested VM's only process (vmping.sh): static.
$(B)/selftests/vmwork: selftests/mem/vmwork.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -static -o $@ $<

$(B)/selftests/mergetest: selftests/mem/mergetest.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $<

$(B)/bench/dirtybench: bench/dirtybench.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -pthread -o $@ $< $(LIB_A) $(MNL_LIBS)

# BPF objects for the port-filter tests (clang's BPF target, libbpf's headers).
$(B)/selftests/%.bpf.o: selftests/switch/%.bpf.c
	@mkdir -p $(dir $@)
	clang -O2 -g -target bpf -I/usr/include/$(shell $(CC) -dumpmachine) -c -o $@ $<

deps:
	scripts/deps

check: deps
	$(MAKE) all test-modules $(UNIT_TESTS) $(SELFTEST_BINS)
	scripts/check

check-unit: $(UNIT_TESTS) $(HVK_BIN) $(MIGRATE_BIN)
	scripts/check unit

# What the guest suites run besides the tools (selftests/Makefile uses it).
selftest-bins: $(SELFTEST_BINS)

check-vm: all test-modules $(SELFTEST_BINS)
	scripts/check vm

# The debug kernel's modules are built in a copy of the module sources so
# they never clobber the ones `make` builds for the Debian kernel.
DEBUG_SRC := build-debug/src
check-debug: deps
	scripts/debug-kernel
	$(MAKE) all $(SELFTEST_BINS)
	rm -rf $(DEBUG_SRC) && mkdir -p $(DEBUG_SRC)
	cp -r kmod include VERSION $(DEBUG_SRC)/
	$(MAKE) -C $$(scripts/debug-kernel --kdir) M=$(CURDIR)/$(DEBUG_SRC)/kmod W=1 HVK_WERROR=y modules
	KDIR=$$(scripts/debug-kernel --kdir) HVK_DEBUG_KERNEL=1 \
		HVK_KMOD_DIRS=$(CURDIR)/$(DEBUG_SRC)/kmod HVK_TEST_OUT=$(CURDIR)/build-debug/tests \
		scripts/check vm

# Every binary scripts/demo runs is built here, not left to make check.
demo: deps
	$(MAKE) all $(B)/selftests/memtest
	selftests/vm/run --timeout 300 -- scripts/demo

# Benchmarks: one guest boot each; TSC clocksource (the emulated HPET would
# otherwise dominate every timestamp).  Open vSwitch's tools are installed
# for the comparison.
BENCH_RUN := selftests/vm/run --timeout 1800 --append "clocksource=tsc tsc=reliable"
bench-switch: deps
	scripts/deps bench
	$(MAKE) all
	$(BENCH_RUN) -- bench/switch.sh

# The switch alone: frames injected into the port's receive path.
bench-switch-rx: deps
	scripts/deps bench
	$(MAKE) all
	HVK_BENCH_INJECT=1 $(BENCH_RUN) -- bench/switch.sh

bench-shaping: deps
	$(MAKE) all
	$(BENCH_RUN) -- bench/shaping.sh

bench-dirty: deps
	$(MAKE) all $(B)/bench/dirtybench $(B)/selftests/memtest
	$(BENCH_RUN) --mem 3G -- bench/dirty.sh

# A QEMU VM (nested, RAM in hvkmem) migrated by hvk-migrate --qmp and by
# QEMU itself, in one guest boot.
bench-migrate: deps
	$(MAKE) all
	$(BENCH_RUN) --mem 3G -- bench/migrate.sh

# The merge suite alone (make check runs it with the others).
check-merge: deps
	$(MAKE) all $(SELFTEST_BINS)
	selftests/vm/run --timeout 1500 -- selftests/mem/merge.sh

bench-merge: deps
	$(MAKE) all
	$(BENCH_RUN) --mem 2G -- bench/merge.sh

# Longer churn and soak runs, outside make check.
stress: deps
	$(MAKE) all
	selftests/vm/run --timeout 1800 -- selftests/switch/stress.sh
	$(MAKE) $(SELFTEST_BINS)
	selftests/vm/run --timeout 1800 -- selftests/mem/merge-stress.sh
	selftests/vm/run --timeout 1200 -- selftests/mem/vmping.sh
	HVK_FUZZ_N=$(or $(FUZZ_N),100000) selftests/vm/run --timeout 5400 -- selftests/core/fuzz.sh

# The fuzzers alone: make fuzz [FUZZ_N=1000000] [FUZZ_SEED=N].
fuzz: deps
	$(MAKE) all $(SELFTEST_BINS)
	HVK_FUZZ_N=$(or $(FUZZ_N),100000) $(if $(FUZZ_SEED),HVK_FUZZ_SEED=$(FUZZ_SEED)) \
		selftests/vm/run --timeout 5400 -- selftests/core/fuzz.sh

vm-shell: deps
	$(MAKE) all
	selftests/vm/run

lint: $(HVK_BIN)
	scripts/lint

# ---- installation on a real host ----
# `make install` = the modules for KDIR's kernel + the library + the tools;
# install-lib and install-tools alone need no kernel headers (debian/rules
# uses them: the modules come from DKMS there).
HVK_KVER = $$(KDIR='$(KDIR)' bash -c '. scripts/env.sh && hvk_kver')

install: install-modules install-lib install-tools

install-modules: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod INSTALL_MOD_DIR=extra \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR) DEPMOD=true CONFIG_MODULE_SIG_ALL=) \
		modules_install
	[ -n "$(DESTDIR)" ] || depmod -a "$(HVK_KVER)"

install-lib: $(LIB_SO) $(LIB_A)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/hvk/uapi/linux $(DESTDIR)$(MANDIR)/man3
	install -m 0644 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libhvk.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libhvk.so.$(SOVERSION)
	ln -sf libhvk.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libhvk.so
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	$(hvk_pc) > $(DESTDIR)$(PKGCONFIGDIR)/hvk.pc
	chmod 0644 $(DESTDIR)$(PKGCONFIGDIR)/hvk.pc
	install -m 0644 include/hvk/*.h $(DESTDIR)$(INCLUDEDIR)/hvk/
	install -m 0644 include/uapi/linux/hvk_*.h $(DESTDIR)$(INCLUDEDIR)/hvk/uapi/linux/
	install -m 0644 Documentation/libhvk.3 $(DESTDIR)$(MANDIR)/man3/
	[ -n "$(DESTDIR)" ] || ldconfig

# The libvirt hook is installed inactive (Documentation/packaging.md):
# link it as /etc/libvirt/hooks/qemu.d/hvk to enable it.
install-tools: tools
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(HOOKDIR) \
		$(DESTDIR)$(COMPLETIONDIR)
	install -m 0755 $(HVK_BIN) $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(MIGRATE_BIN) $(DESTDIR)$(BINDIR)/
	install -m 0644 Documentation/hvk.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 Documentation/hvk-migrate.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 Documentation/hvkmem.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0755 tools/libvirt/qemu-hook tools/libvirt/hvk-libvirt-events $(DESTDIR)$(HOOKDIR)/
	install -m 0644 tools/libvirt/hvk_libvirt.py $(DESTDIR)$(HOOKDIR)/
	install -m 0644 tools/completion/hvk $(DESTDIR)$(COMPLETIONDIR)/hvk
	ln -sf hvk $(DESTDIR)$(COMPLETIONDIR)/hvk-migrate
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(CONFDIR)
	for f in hvk.service hvk-libvirt.service run-hvkmem.mount 90-hvk.rules; do \
		case $$f in *.rules) d=$(UDEVRULESDIR);; *) d=$(UNITDIR);; esac; \
		sed -e 's|/usr/sbin/hvk|$(SBINDIR)/hvk|g' -e 's|/usr/share/hvkit/libvirt|$(HOOKDIR)|g' \
			tools/systemd/$$f > $(DESTDIR)$$d/$$f && \
		chmod 0644 $(DESTDIR)$$d/$$f || exit 1; \
	done

# The os-vif plugin (Documentation/openstack.md), with the egg-info through
# which os_vif.initialize() finds it; not part of install (it needs os-vif).
OSVIF_FILES := vif_plug_hvk/__init__.py vif_plug_hvk/hvk.py vif_plug_hvk/privsep.py \
	vif_plug_hvk.egg-info/PKG-INFO vif_plug_hvk.egg-info/entry_points.txt \
	vif_plug_hvk.egg-info/top_level.txt
install-os-vif:
	install -d $(DESTDIR)$(PYTHONDIR)/vif_plug_hvk $(DESTDIR)$(PYTHONDIR)/vif_plug_hvk.egg-info
	for f in $(OSVIF_FILES); do install -m 0644 tools/os-vif/$$f $(DESTDIR)$(PYTHONDIR)/$$f || exit 1; done

uninstall-os-vif:
	rm -f $(addprefix $(DESTDIR)$(PYTHONDIR)/,$(OSVIF_FILES))
	rm -rf $(DESTDIR)$(PYTHONDIR)/vif_plug_hvk/__pycache__
	-rmdir $(DESTDIR)$(PYTHONDIR)/vif_plug_hvk $(DESTDIR)$(PYTHONDIR)/vif_plug_hvk.egg-info 2>/dev/null

# Removes what install put, with the same PREFIX/LIBDIR/... and KDIR or KVER.
uninstall: uninstall-modules uninstall-lib uninstall-tools

# modules_install puts them at extra/<dir>/<name>.ko[.gz|.xz|.zst].
uninstall-modules:
	$(kdir_check)
	kver=$(HVK_KVER) && [ -n "$$kver" ] || { echo "uninstall: no kernel release for $(KDIR)" >&2; exit 1; }; \
	d="$(DESTDIR)/lib/modules/$$kver/extra"; \
	for m in switch/hvk_switch mem/hvk_mem; do \
		rm -f "$$d/$$m.ko" "$$d/$$m.ko.gz" "$$d/$$m.ko.xz" "$$d/$$m.ko.zst"; \
	done; \
	rmdir "$$d/switch" "$$d/mem" "$$d" 2>/dev/null; \
	[ -n "$(DESTDIR)" ] || depmod -a "$$kver"

uninstall-lib:
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/,libhvk.so.$(VERSION) libhvk.so.$(SOVERSION) libhvk.so libhvk.a)
	rm -f $(DESTDIR)$(PKGCONFIGDIR)/hvk.pc $(DESTDIR)$(MANDIR)/man3/libhvk.3
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/hvk/,$(notdir $(wildcard include/hvk/*.h)))
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/hvk/uapi/linux/,$(notdir $(wildcard include/uapi/linux/hvk_*.h)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/hvk/uapi/linux $(DESTDIR)$(INCLUDEDIR)/hvk/uapi \
		$(DESTDIR)$(INCLUDEDIR)/hvk 2>/dev/null
	[ -n "$(DESTDIR)" ] || ldconfig

uninstall-tools:
	rm -f $(DESTDIR)$(SBINDIR)/hvk $(DESTDIR)$(BINDIR)/hvk-migrate
	rm -f $(DESTDIR)$(MANDIR)/man8/hvk.8 $(DESTDIR)$(MANDIR)/man1/hvk-migrate.1 \
		$(DESTDIR)$(MANDIR)/man5/hvkmem.5
	rm -f $(DESTDIR)$(HOOKDIR)/qemu-hook $(DESTDIR)$(HOOKDIR)/hvk-libvirt-events \
		$(DESTDIR)$(HOOKDIR)/hvk_libvirt.py
	rm -f $(DESTDIR)$(COMPLETIONDIR)/hvk $(DESTDIR)$(COMPLETIONDIR)/hvk-migrate
	rm -f $(DESTDIR)$(UNITDIR)/hvk.service $(DESTDIR)$(UNITDIR)/hvk-libvirt.service \
		$(DESTDIR)$(UNITDIR)/run-hvkmem.mount \
		$(DESTDIR)$(UDEVRULESDIR)/90-hvk.rules
	-rmdir $(DESTDIR)$(CONFDIR) 2>/dev/null
	-rmdir $(DESTDIR)$(HOOKDIR) $(DESTDIR)$(DATADIR)/hvkit 2>/dev/null

# KVER=<release> builds for a kernel other than the running one.
dkms-install:
	install -d /usr/src/hvkit-$(VERSION)
	cp -r kmod include VERSION /usr/src/hvkit-$(VERSION)/
	sed 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(VERSION)"/' dkms.conf \
		> /usr/src/hvkit-$(VERSION)/dkms.conf
	dkms add -m hvkit -v $(VERSION)
	dkms build -m hvkit -v $(VERSION) $(if $(KVER),-k $(KVER))
	dkms install -m hvkit -v $(VERSION) $(if $(KVER),-k $(KVER))

dkms-remove:
	dkms remove -m hvkit -v $(VERSION) --all
	rm -rf /usr/src/hvkit-$(VERSION)

# Debian packages hvkit-dkms, libhvk0, libhvk-dev and hvk-tools into
# build/deb/ (never the parent directory), with the .changes for lintian:
# Documentation/packaging.md.  The build dependencies are debian/control's.
DEB_OUT := $(B)/deb
deb:
	rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)
	v=$$(dpkg-parsechangelog -S Version | sed "s/^[0-9]*://") && a=$$(dpkg-architecture -qDEB_HOST_ARCH) && \
	HVK_DEB_DESTDIR=$(CURDIR)/$(DEB_OUT) dpkg-buildpackage -us -uc -b \
		--buildinfo-file=$(DEB_OUT)/hvkit_$${v}_$$a.buildinfo --buildinfo-option=-u$(DEB_OUT) \
		--changes-file=$(DEB_OUT)/hvkit_$${v}_$$a.changes --changes-option=-u$(DEB_OUT); \
	rc=$$?; debian/rules clean >/dev/null; exit $$rc
	@ls -1 $(DEB_OUT)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/selftests/vm/warn clean
	rm -rf $(B) build-debug

-include $(shell find $(B) -name '*.d' 2>/dev/null)
