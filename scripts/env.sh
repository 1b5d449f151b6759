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
	rel=$(hvk_default_kver)
	d=/lib/modules/$rel/build
	if [ -n "$rel" ] && [ -d "$d" ]; then
		echo "$d"
		return
	fi
	find /lib/modules -mindepth 2 -maxdepth 2 -name build 2>/dev/null | sort -V | tail -n 1
}

# The release Debian 12's linux-headers-amd64 stands for (6.1).
hvk_default_kver()
{
	local rel

	rel=$(dpkg-query -W -f '${Depends}' linux-headers-amd64 2>/dev/null |
		sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
	[ -n "$rel" ] && echo "$rel"
}

# The newest 6.12 LTS release of Debian 12 whose headers are installed.
hvk_lts_kver()
{
	find /lib/modules -mindepth 2 -maxdepth 2 -path '/lib/modules/6.12.*+deb12-amd64/build' \
		2>/dev/null | cut -d/ -f4 | sort -V | tail -n 1
}

# Every kernel `make check` tests, one per line: Debian 12's default 6.1 and
# the newest 6.12 LTS; only $KVER's (or $KDIR's) when one is named.
hvk_kvers()
{
	if [ -n "${KVER:-}" ] || [ -n "${KDIR:-}" ]; then
		hvk_kver
		return
	fi
	hvk_default_kver
	hvk_lts_kver
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
