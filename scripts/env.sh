# SPDX-License-Identifier: GPL-2.0
# Sourced by scripts/deps and the guest harness: where things live.
# Every value may be overridden from the environment.

HVK_TOP=${HVK_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
HVK_CACHE=${HVK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hvkit}

# The kernel we build against: $KDIR if set; else release $KVER's headers
# (`make KVER=6.12.118+deb12-amd64`); else the running kernel's build dir if
# present; else the release Debian's linux-headers-amd64 points at (the one
# that is tested), so installing other headers changes nothing; else the
# newest /lib/modules/*/build.  The guest boots exactly this release.
hvk_kdir()
{
	local d rel
	if [ -n "${KDIR:-}" ]; then
		echo "$KDIR"
		return
	fi
	if [ -n "${KVER:-}" ]; then
		for d in "/lib/modules/$KVER/build" "/usr/src/linux-headers-$KVER"; do
			if [ -d "$d" ]; then
				echo "$d"
				return
			fi
		done
		echo "hvk_kdir: no headers for $KVER (apt-get install linux-headers-$KVER)" >&2
		return 1
	fi
	d=/lib/modules/$(uname -r)/build
	if [ -d "$d" ]; then
		echo "$d"
		return
	fi
	rel=$(dpkg-query -W -f '${Depends}' linux-headers-amd64 2>/dev/null |
		sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
	d=/lib/modules/$rel/build
	if [ -n "$rel" ] && [ -d "$d" ]; then
		echo "$d"
		return
	fi
	find /lib/modules -mindepth 2 -maxdepth 2 -name build 2>/dev/null | sort -V | tail -n 1
}

hvk_kver()
{
	local kdir
	kdir=$(hvk_kdir)
	# Debian's kernel.release holds the upstream version; UTS_RELEASE is
	# what the kernel calls itself and names /lib/modules/<release>.
	[ -n "$kdir" ] && [ -r "$kdir/include/generated/utsrelease.h" ] || return 1
	sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h"
}

# Unpacked Debian image package of release $1 (boot/, lib/modules/).
hvk_image_dir()
{
	echo "$HVK_CACHE/kernel/$1"
}
