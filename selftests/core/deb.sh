#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages as a host administrator meets them: install the four
# packages `make deb` built (HVK_DEBS: their directory) on this guest's root
# (a writable overlay), let the hvkit-dkms postinst build and install the
# modules for the running kernel from the installed sources, build a program
# against libhvk-dev through pkg-config, and run the smoke checks with the
# installed hvk only.  The harness must put no hvkit module in the guest's
# module tree (scripts/check passes an empty HVK_KMOD_DIRS).
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

debs=${HVK_DEBS:?HVK_DEBS must name the directory of the built packages}
kver=$(uname -r)
mods=/lib/modules/$kver

# The harness binds a read-only module tree at $mods; DKMS installs into it
# and runs depmod, so give it a writable layer.  The kernel headers are the
# host's (linux-headers-$kver, through the 9p root): a headers package would
# create this link.
layer=$(mktemp -d /run/modlayer.XXXXXX)
mkdir -p "$layer/upper" "$layer/work"
mount -t overlay -o "lowerdir=$mods,upperdir=$layer/upper,workdir=$layer/work" \
	modules "$mods" || { echo "# cannot make $mods writable"; exit "$KSFT_SKIP"; }
[ -e "$mods/build" ] || ln -s "/usr/src/linux-headers-$kver" "$mods/build"

RET=0
if modinfo hvk_switch > /dev/null 2>&1; then
	check_err 1 "an hvk_switch module is already in the guest's tree"
fi
out=$(dpkg -i "$debs"/hvkit-dkms_*.deb "$debs"/libhvk0_*.deb \
	"$debs"/libhvk-dev_*.deb "$debs"/hvk-tools_*.deb 2>&1)
check_err $? "dpkg -i: $(printf '%s' "$out" | tail -n 15)"
for p in hvkit-dkms libhvk0 libhvk-dev hvk-tools; do
	st=$(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>&1)
	[ "$st" = "ii " ]; check_err $? "$p: dpkg status '$st'"
done
log_test "deb: the four packages install and configure"

RET=0
kre=$(printf '%s' "$kver" | sed 's/[.+]/\\&/g')	# 6.12.118+deb12-amd64 as an ERE
st=$(dkms status -m hvkit -k "$kver" 2>&1)
check_match "$st" "^hvkit/[^,]+, $kre, [^:]+: installed" "dkms status"
for m in hvk_switch hvk_mem; do
	f=$(modinfo -F filename "$m" 2>&1)
	check_match "$f" "^/lib/modules/$kre/updates/dkms/$m\\.ko" "$m comes from DKMS"
done
v=$(modinfo -F version hvk_switch 2>&1)
[ "$v" = "$(dpkg-query -W -f '${Version}' hvkit-dkms | sed 's/-[^-]*$//')" ]
check_err $? "module version $v is not the package's"
log_test "deb: the postinst built and installed the modules with DKMS for $kver"

RET=0
[ "$(pkg-config --modversion hvk 2>&1)" = "$v" ]
check_err $? "pkg-config --modversion hvk: $(pkg-config --modversion hvk 2>&1)"
src=$(mktemp /tmp/hvkpc.XXXXXX.c)
cat > "$src" << 'EOF'
#include <stdio.h>
#include <hvk/hvk.h>

int main(void)
{
	struct hvk_error err;
	struct hvk_nl *nl;

	if (hvk_nl_open(&nl, "hvk_switch", &err)) {
		printf("hvk_nl_open: %s (%d)\n", err.msg, err.code);
		return 1;
	}
	hvk_nl_close(nl);
	printf("libhvk %s\n", hvk_lib_version());
	return 0;
}
EOF
# shellcheck disable=SC2046 # pkg-config's words are the flags
out=$(cc -Wall -Werror -o "${src%.c}" "$src" $(pkg-config --cflags --libs hvk) 2>&1)
check_err $? "cc against libhvk-dev: $out"
out=$("${src%.c}" 2>&1)
[ "$out" = "libhvk $v" ]; check_err $? "the program linked to libhvk0 said: $out"
ldd "${src%.c}" | grep -qE "libhvk\.so\.0 => (/usr)?/lib/"
check_err $? "not linked to the installed libhvk.so.0"
log_test "deb: a program builds with pkg-config against libhvk-dev and runs on libhvk0"

# hvk-tools' boot units, udev rule and libvirt helpers, as installed: the
# boot unit enabled by the postinst (not started: no systemd runs here),
# the libvirt one left for the admin, the event daemon runnable.
RET=0
for f in /lib/systemd/system/hvk.service /lib/systemd/system/hvk-libvirt.service \
	/lib/systemd/system/run-hvkmem.mount /lib/udev/rules.d/90-hvk.rules; do
	[ -f "$f" ]; check_err $? "$f is not installed"
done
[ -d /etc/hvk ]; check_err $? "no /etc/hvk"
[ -L /etc/systemd/system/multi-user.target.wants/hvk.service ]
check_err $? "hvk.service is not enabled"
[ -e /etc/systemd/system/multi-user.target.wants/hvk-libvirt.service ]
check_fail $? "hvk-libvirt.service is enabled"
grep -q '^ExecStart=/usr/sbin/hvk apply /etc/hvk$' /lib/systemd/system/hvk.service
check_err $? "hvk.service does not run the installed hvk"
out=$(/usr/share/hvkit/libvirt/hvk-libvirt-events --help 2>&1)
check_err $? "hvk-libvirt-events --help: $out"
out=$(printf '<domain/>' | /usr/share/hvkit/libvirt/qemu-hook vm1 prepare begin - 2>&1)
check_err $? "the installed hook: $out"
log_test "deb: hvk.service enabled, its mount and udev rule, the libvirt hook and event daemon run"

# The rest is the smoke suite, with the installed hvk and the DKMS modules.
HVK_SMOKE_HVK=/usr/sbin/hvk
# shellcheck source=selftests/core/smoke.sh
. "$(dirname "$0")/smoke.sh"
