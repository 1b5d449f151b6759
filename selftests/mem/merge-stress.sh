#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make stress: hvkmem merging under control-plane churn.  mergetest's
# writers (shadow copies, copy-on-write, forks, punches, truncates, remaps,
# readers) run on REGIONS regions while the controls keep changing under
# them: run on/off/unmerge, regions leaving and rejoining merging, moving
# between two named domains and their own, scan rate, max-sharing, zero
# pages, cpu-budget.  Pass = every writer's region equals its shadow copy,
# an unmerge at the end leaves nothing shared, umount and rmmod are clean
# and the kernel log is (the harness checks).
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=selftests/mem/common.sh
. "$(dirname "$0")/common.sh"

SECS=${HVK_STRESS_SECONDS:-120}
REGIONS=${HVK_STRESS_REGIONS:-4}
PAGES=${HVK_STRESS_PAGES:-2048}
MERGETEST=$HVK_BUILD/selftests/mergetest
OUT=/tmp/merge-stress.out

cleanup()
{
	[ -n "${PID:-}" ] && kill "$PID" 2>/dev/null
	wait 2>/dev/null
	umount "$MNT" 2>/dev/null
	return 0
}
trap cleanup EXIT

# churn: one random control change.
churn()
{
	local r=$MNT/s/r$((RANDOM % REGIONS)) doms=(x y "")

	case $((RANDOM % 9)) in
	0) "$HVK" merge set run unmerge && "$HVK" merge set run on ;;
	1) "$HVK" merge set run off && "$HVK" merge set run on ;;
	2) "$HVK" mem set "$r" merge off && "$HVK" mem set "$r" merge on ;;
	3) "$HVK" mem set "$r" domain "${doms[RANDOM % 3]}" ;;
	4) "$HVK" merge set pages-to-scan $((RANDOM % 20000 + 1)) sleep-ms $((RANDOM % 20)) ;;
	5) "$HVK" merge set max-sharing $((RANDOM % 255 + 2)) ;;
	6) "$HVK" merge set zero-pages "$( ((RANDOM % 2)) && echo on || echo off)" ;;
	7) "$HVK" merge set cpu-budget "$(( (RANDOM % 3) * 25 ))" ;;
	8) "$HVK" -j merge show | jq -e '.pages_shared >= 0' ;;
	esac > /dev/null
}

RET=0
mount_hvkmem "size=512m"; check_err $? "mount"
mkdir -p "$MNT/s"
for i in $(seq 0 $((REGIONS - 1))); do
	: > "$MNT/s/r$i"
	"$HVK" mem set "$MNT/s/r$i" merge on domain "$( ((i % 2)) && echo x || echo y)"
done
"$HVK" merge set run on pages-to-scan 20000 sleep-ms 2 > /dev/null
seed=$RANDOM
echo "# $REGIONS writers x $PAGES pages for $SECS s, seed $seed"
"$MERGETEST" stress "$MNT/s" "$REGIONS" "$PAGES" "$SECS" "$seed" > "$OUT" 2>&1 &
PID=$!
changes=0 fails=0 max=0
while kill -0 "$PID" 2>/dev/null; do
	churn || fails=$((fails + 1))
	changes=$((changes + 1))
	((changes % 8)) && continue
	s=$("$HVK" -j merge show | jq -r '.pages_sharing + .pages_zero')
	[ "$s" -gt "$max" ] && max=$s
done
wait "$PID"
check_err $? "mergetest: $(grep -v 'mismatches 0' "$OUT" | head -n 5)"
[ "$(grep -c 'mismatches 0$' "$OUT")" -eq "$REGIONS" ]
check_err $? "not every writer reported: $(cat "$OUT")"
[ "$fails" -eq 0 ]; check_err $? "$fails of $changes control changes failed"
echo "# $changes control changes, at most $max pages saved at once"
"$HVK" merge set run on pages-to-scan 20000 sleep-ms 2 cpu-budget 0 > /dev/null
"$HVK" merge set run unmerge > /dev/null
out=$("$HVK" -j merge show | jq -c '[.pages_shared, .pages_sharing, .pages_zero]')
check_match "$out" '^\[0,0,0\]$' "after the final unmerge"
log_test "merge: $REGIONS writers for $SECS s under control churn: contents exact"

RET=0
rm -r "$MNT/s"
umount "$MNT"; check_err $? "umount"
rmmod hvk_mem; check_err $? "rmmod"
log_test "merge: umount and rmmod after the churn"
tap_done
