# SPDX-License-Identifier: GPL-2.0
#
# hvkit top-level build.  `make` builds the modules, libhvk and the tools;
# `make check` installs what is missing, builds and runs every test;
# `make demo` shows the modules answering in the test guest.

VERSION := $(shell cat VERSION)
# KVER=<release> builds against that release's headers (scripts/env.sh).
KDIR ?= $(shell KVER='$(KVER)' bash -c '. scripts/env.sh && hvk_kdir')
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
B := build
SOVERSION := 0

CC ?= cc
CFLAGS ?= -O2 -g
HVK_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-DHVK_VERSION='"$(VERSION)"' -isystem include/uapi -Iinclude \
	$(shell pkg-config --cflags libmnl 2>/dev/null)
MNL_LIBS := $(shell pkg-config --libs libmnl libbpf 2>/dev/null || echo -lmnl -lbpf)

LIB_SRC := lib/nl.c lib/info.c lib/switch.c lib/filter.c lib/mem.c
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
LIB_PIC := $(LIB_SRC:%.c=$(B)/%.pic.o)
LIB_SO := $(B)/lib/libhvk.so.$(VERSION)
LIB_A := $(B)/lib/libhvk.a

HVK_SRC := tools/hvk/hvk.c tools/hvk/print.c tools/hvk/version.c tools/hvk/util.c \
	tools/hvk/switch.c tools/hvk/port.c tools/hvk/fdb.c tools/hvk/monitor.c \
	tools/hvk/policy.c tools/hvk/mirror.c tools/hvk/units.c tools/hvk/mem.c \
	tools/hvk/merge.c tools/hvk/ksm.c tools/hvk/estimate.c
HVK_OBJ := $(HVK_SRC:%.c=$(B)/%.o)
HVK_BIN := $(B)/bin/hvk

UNIT_TESTS := $(B)/unit/test_nl $(B)/unit/test_print $(B)/unit/test_switch $(B)/unit/test_units $(B)/unit/test_mem
SELFTEST_BINS := $(B)/selftests/nltest $(B)/selftests/drop_udp.bpf.o $(B)/selftests/memtest \
	$(B)/selftests/mergetest

.PHONY: all modules test-modules lib tools check check-unit check-vm demo bench-switch bench-shaping bench-dirty bench-merge check-merge stress \
	vm-shell install dkms-install lint clean deps check-debug

all: modules lib tools

# ---- kernel modules ----
kdir_check = $(if $(KDIR),,$(error no kernel headers found$(if $(KVER), for $(KVER))))

modules:
	$(kdir_check)
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod W=1 HVK_WERROR=y modules

test-modules:
	$(kdir_check)
	$(MAKE) -C $(KDIR) M=$(CURDIR)/selftests/vm/warn W=1 HVK_WERROR=y modules

# ---- userspace ----
$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -MMD -c -o $@ $<

$(B)/%.pic.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -fPIC -fvisibility=default -MMD -c -o $@ $<

$(LIB_SO): $(LIB_PIC) lib/libhvk.map
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -shared -Wl,-soname,libhvk.so.$(SOVERSION) \
		-Wl,--version-script=lib/libhvk.map -o $@ $(LIB_PIC) $(MNL_LIBS)
	ln -sf libhvk.so.$(VERSION) $(B)/lib/libhvk.so.$(SOVERSION)
	ln -sf libhvk.so.$(SOVERSION) $(B)/lib/libhvk.so

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(B)/lib/hvk.pc: lib/hvk.pc.in VERSION
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(VERSION)|' $< > $@

lib: $(LIB_SO) $(LIB_A) $(B)/lib/hvk.pc

# The tools link libhvk statically: one binary to copy into the guest or a host.
$(HVK_BIN): $(HVK_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(HVK_OBJ) $(LIB_A) $(MNL_LIBS)

MIGRATE_BIN := $(B)/bin/hvk-migrate
MIGRATE_OBJ := $(B)/tools/hvk-migrate/migrate.o $(B)/tools/hvk/units.o

$(MIGRATE_BIN): $(MIGRATE_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -pthread -o $@ $(MIGRATE_OBJ) $(LIB_A) $(MNL_LIBS)

tools: $(HVK_BIN) $(MIGRATE_BIN)

# ---- tests ----
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

$(B)/unit/test_%: selftests/unit/test_%.c selftests/unit/fake.c selftests/unit/fake.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -Ilib -o $@ $< selftests/unit/fake.c $(LIB_A) \
		$(MNL_LIBS) $(CHECK_LIBS)

$(B)/unit/test_print: selftests/unit/test_print.c $(B)/tools/hvk/print.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -Itools/hvk -o $@ $^ $(CHECK_LIBS)

$(B)/unit/test_units: selftests/unit/test_units.c $(B)/tools/hvk/units.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -Itools/hvk -o $@ $^ $(CHECK_LIBS)

$(B)/selftests/nltest: selftests/core/nltest.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -Ilib -o $@ $< $(LIB_A) $(MNL_LIBS)

$(B)/selftests/memtest: selftests/mem/memtest.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(HVK_CFLAGS) -o $@ $< $(LIB_A) $(MNL_LIBS)

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

check-unit: $(UNIT_TESTS)
	scripts/check unit

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

bench-shaping: deps
	$(MAKE) all
	$(BENCH_RUN) -- bench/shaping.sh

bench-dirty: deps
	$(MAKE) all $(B)/bench/dirtybench $(B)/selftests/memtest
	$(BENCH_RUN) --mem 3G -- bench/dirty.sh

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

vm-shell: deps
	$(MAKE) all
	selftests/vm/run

lint:
	scripts/lint

# ---- installation on a real host ----
install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod INSTALL_MOD_DIR=extra \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR) DEPMOD=true CONFIG_MODULE_SIG_ALL=) \
		modules_install
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/hvk/uapi/linux \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libhvk.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libhvk.so.$(SOVERSION)
	ln -sf libhvk.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libhvk.so
	install -m 0644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(B)/lib/hvk.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 0644 include/hvk/*.h $(DESTDIR)$(INCLUDEDIR)/hvk/
	install -m 0644 include/uapi/linux/hvk_*.h $(DESTDIR)$(INCLUDEDIR)/hvk/uapi/linux/
	install -m 0755 $(HVK_BIN) $(MIGRATE_BIN) $(DESTDIR)$(BINDIR)/
	install -m 0644 Documentation/hvk.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 Documentation/hvk-migrate.1 $(DESTDIR)$(MANDIR)/man1/
	[ -n "$(DESTDIR)" ] || depmod -a "$$(KDIR='$(KDIR)' bash -c '. scripts/env.sh && hvk_kver')"

# KVER=<release> builds for a kernel other than the running one.
dkms-install:
	install -d /usr/src/hvkit-$(VERSION)
	cp -r kmod include VERSION /usr/src/hvkit-$(VERSION)/
	sed 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="$(VERSION)"/' dkms.conf \
		> /usr/src/hvkit-$(VERSION)/dkms.conf
	dkms add -m hvkit -v $(VERSION)
	dkms build -m hvkit -v $(VERSION) $(if $(KVER),-k $(KVER))
	dkms install -m hvkit -v $(VERSION) $(if $(KVER),-k $(KVER))

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/selftests/vm/warn clean
	rm -rf $(B) build-debug

-include $(shell find $(B) -name '*.d' 2>/dev/null)
