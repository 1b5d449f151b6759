#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run hvkit's guest suites the way kernel CI runs selftests: on a host (or
# its VM) with the modules installed or loadable by modprobe, as root.
# Each suite is a kselftest-style TAP producer (exit 4 = skip); this runner
# prints one TAP stream with their output indented, a per-suite timeout from
# `settings`, and fails a suite that left a kernel warning in the log.
#
#   run_kselftest.sh [-l] [-t hvkit:SUITE]... [-o TIMEOUT] [-i]
#     -l  list the suites    -t  run only these    -o  per-suite timeout (s)
#     -i  use the installed hvk and hvk-migrate (PATH) instead of the tree's
#
# Works in the source tree (selftests/, after `make -C selftests`) and in a
# tree made by `make -C selftests install INSTALL_PATH=DIR` (DIR/hvkit/ is a
# copy of what the suites read: the scripts, specs and built helpers).
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ -d "$here/hvkit/selftests" ]; then
	HVK_TOP=$here/hvkit
else
	HVK_TOP=$(dirname "$here")
fi
export HVK_TOP
export HVK_BUILD=${HVK_BUILD:-$HVK_TOP/build}
list=$HVK_TOP/selftests/kselftest-list.txt
timeout=$(sed -n 's/^timeout=//p' "$HVK_TOP/selftests/settings")

usage()
{
	sed -n 's/^#   //p; s/^#     //p' "$0" >&2
	exit 2
}

only=()
while getopts "lt:o:ih" opt; do
	case $opt in
	l) cat "$list"; exit 0 ;;
	t) only+=("$OPTARG") ;;
	o) timeout=$OPTARG ;;
	i) export HVK_INSTALLED=1 ;;
	*) usage ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "run_kselftest.sh: the suites need root" >&2; exit 4; }

tests=()
while read -r t; do
	case $t in ''|'#'*) continue ;; esac
	if [ ${#only[@]} -gt 0 ]; then
		printf '%s\n' "${only[@]}" | grep -qxF -- "$t" || continue
	fi
	tests+=("$t")
done < "$list"
for t in "${only[@]}"; do
	grep -qxF -- "$t" "$list" || { echo "run_kselftest.sh: no suite $t (see -l)" >&2; exit 2; }
done

# What the project's guest harness also fails a run on: KERNEL_BAD.
# shellcheck source=selftests/kernel-bad.sh
. "$HVK_TOP/selftests/kernel-bad.sh"

echo "TAP version 13"
echo "1..${#tests[@]}"
n=0 failed=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name="selftests: ${t%%:*}: ${t#*:}"
	echo "# $name"
	# The suite's kernel messages: those stamped after its start (seconds
	# since boot, the clock of /proc/uptime), so a wrapped log loses none.
	since=$(cut -d' ' -f1 /proc/uptime)
	# timeout's own process group: at the limit, the suite's children go too.
	(cd "$HVK_TOP" && timeout -k 10 "$timeout" bash "selftests/${t#*:}") 2>&1 |
		sed 's/^/# /'
	rc=${PIPESTATUS[0]}
	warn=$(dmesg | awk -v t="$since" '{ s = $0; sub(/^\[ */, "", s); sub(/\].*/, "", s)
		if (s + 0 >= t) print }' | grep -E "$KERNEL_BAD")
	if [ -n "$warn" ] && [ "$rc" != 4 ]; then
		printf '%s\n' "$warn" | sed 's/^/# kernel: /'
		rc=125
	fi
	case $rc in
	0) echo "ok $n $name" ;;
	4) echo "ok $n $name # SKIP" ;;
	124) echo "not ok $n $name # TIMEOUT $timeout seconds"; failed=$((failed + 1)) ;;
	125) echo "not ok $n $name # kernel warning"; failed=$((failed + 1)) ;;
	*) echo "not ok $n $name # exit=$rc"; failed=$((failed + 1)) ;;
	esac
done
[ $failed = 0 ]
