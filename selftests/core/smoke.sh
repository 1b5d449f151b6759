#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The shortest proof that a set of installed modules works: both autoload
# through their genl families, a switch forwards between two namespaces,
# a region holds bytes.  Runs where the modules come from somewhere else
# than this tree's build (DKMS, the Debian packages).
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"
HVK=${HVK_SMOKE_HVK:-$HVK}

cleanup()
{
	ip netns del s1 2>/dev/null
	ip netns del s2 2>/dev/null
	umount /run/hvkmem 2>/dev/null
	return 0
}
trap cleanup EXIT

RET=0
out=$("$HVK" -j version 2>&1)
check_match "$out" '"hvk_switch":' "hvk version: $out"
check_match "$out" '"hvk_mem":' "hvk version: $out"
out=$(modinfo -F filename hvk_switch hvk_mem | tr '\n' ' ')
echo "# modules: $out"
log_test "smoke: both modules autoload through their families"

RET=0
"$HVK" switch add sw0 && ip link set sw0 up; check_err $? "switch add"
for i in 1 2; do
	ip netns add "s$i"
	ip link add "v$i" type veth peer name eth0 netns "s$i"
	ip link set "v$i" up
	n "s$i" ip link set eth0 up
	n "s$i" ip addr add "10.7.0.$i/24" dev eth0
	"$HVK" port add sw0 "v$i"; check_err $? "port add v$i"
done
n s1 ping -c 2 -W 2 10.7.0.2 > /dev/null; check_err $? "ping across the switch"
log_test "smoke: a switch forwards between two ports"

RET=0
mkdir -p /run/hvkmem
mount -t hvkmem -o size=16m none /run/hvkmem; check_err $? "mount hvkmem"
printf 'hvkit' > /run/hvkmem/r; check_err $? "write a region"
out=$(cat /run/hvkmem/r)
[ "$out" = hvkit ]; check_err $? "region read back: $out"
out=$("$HVK" -j mem show | jq -r '.[0].path')
[ "$out" = /run/hvkmem/r ]; check_err $? "mem show: $out"
log_test "smoke: an hvkmem region holds bytes and is listed"
tap_done
