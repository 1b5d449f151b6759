#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hvkmem page merging: regions of one domain converge to shared pages,
# copy-on-write keeps every writer's data, domains isolate, unmerge gives
# copies back, the dirty log sees every copy-on-write, controls and the
# CPU budget, KSM controls on a real anonymous-memory process, the savings
# estimator, bad input, rmmod with merged pages.
#
#   writers --> /run/hvkmem/{a,b,c} <-- hvk_merged (scan, memcmp, share)
#                     ^-- hvk mem set / merge set / ksm (genl hvk_mem)
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=selftests/mem/common.sh
. "$(dirname "$0")/common.sh"

MERGETEST=$HVK_BUILD/selftests/mergetest
MON=/tmp/hvk-merge-monitor.log
IMG=/tmp/merge-img

cleanup()
{
	[ -n "${MON_PID:-}" ] && kill "$MON_PID" 2>/dev/null
	[ -n "${APID:-}" ] && kill "$APID" 2>/dev/null
	[ -n "${HOG_PID:-}" ] && kill "$HOG_PID" 2>/dev/null
	[ -n "${BW_PID:-}" ] && kill "$BW_PID" 2>/dev/null
	wait 2>/dev/null
	umount "$MNT" 2>/dev/null
	return 0
}
trap cleanup EXIT

mjson() { "$HVK" -j merge show; }
mfield() { mjson | jq -r ".$1"; }
rfield() { region_json "$1" | jq -r ".merge.$2"; }
CG=/sys/fs/cgroup/hvkmerge
# in_cg CMD...: run CMD in the test's memory cgroup (pages it allocates are
# charged there and uncharged the moment they are freed).
in_cg() { sh -c 'echo $$ > "$0/cgroup.procs"; exec "$@"' "$CG" "$@"; }
cg_kb() { echo $(($(cat "$CG/memory.current") / 1024)); }

# wait_for CMD EXPECT-ERE SECONDS: poll CMD until its output matches, for
# SECONDS of wall time (CMD itself may take a while on a debug kernel).
wait_for()
{
	local out end=$((SECONDS + $3))

	while :; do
		out=$(eval "$1")
		printf '%s\n' "$out" | grep -qE -- "$2" && return 0
		[ "$SECONDS" -ge "$end" ] && break
		sleep 0.2
	done
	printf '%s\n' "$out"
	return 1
}

# full_scans N: wait for N more full scans.
full_scans()
{
	local want=$(($(mfield full_scans) + $1))

	wait_for "[ \$(mfield full_scans) -ge $want ] && echo done" "^done$" 60 > /dev/null
}

# start_rewriter FILE: a writer in the background (pid in RW_PID) that
# gives FILE's 256 pages, all alike, new content every 50 ms; returns once
# the file has its size (Python starts in seconds on a debug kernel).
start_rewriter()
{
	local _

	python3 - "$1" <<-'PY' &
	import os, sys, time
	fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
	os.ftruncate(fd, 256 * 4096)
	i = 1
	while True:
	    for p in range(256):
	        os.pwrite(fd, i.to_bytes(8, "little") * 512, p * 4096)
	    i += 1
	    time.sleep(0.05)
	PY
	RW_PID=$!
	for _ in $(seq 300); do
		[ "$(stat -c %s "$1" 2>/dev/null)" = $((256 * 4096)) ] && break
		sleep 0.1
	done
}

# budget_start: work for a CPU budget.  The scanner only scans pages written
# since their last scan: `memtest rewriter` keeps writing each page of a
# 48 MiB region with what it holds, so every page it scans is written again
# at once (unchanged each time: no back-off).  The writer runs on CPU 0,
# hvk_merged on CPU 1: the scanner has a CPU to itself, and what it uses is
# what its budget gives it, not what the writer leaves it.
budget_start()
{
	head -c 48M /dev/urandom > "$MNT/big"
	"$HVK" mem set "$MNT/big" merge on
	taskset -c 0 "$MEMTEST" rewriter "$MNT/big" &
	BW_PID=$!
	BW_MASK=$(taskset -p "$(pgrep -x hvk_merged)" | awk '{ print $NF }')
	taskset -pc 1 "$(pgrep -x hvk_merged)" > /dev/null
}

budget_stop()
{
	kill "$BW_PID"; wait "$BW_PID" 2>/dev/null
	BW_PID=
	taskset -p "$BW_MASK" "$(pgrep -x hvk_merged)" > /dev/null
	"$HVK" merge set cpu-budget 0 pages-to-scan 20000 sleep-ms 5 > /dev/null
	rm "$MNT/big"
}

# scanner_ns: the CPU time hvk_merged has used so far, in ns.
scanner_ns() { awk '{ print $1 }' "/proc/$(pgrep -x hvk_merged)/schedstat"; }
# now_us: the wall time in microseconds (a window is its own length, not
# that of the sleep in it: forks under emulation take a while).
now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }
# share_since T0 W0: the percent of a CPU hvk_merged used since scanner_ns
# was T0 and now_us W0.
share_since() { echo $(( ($(scanner_ns) - $1) / ($(now_us) - $2) / 10 )); }

test_converge()
{
	local out before after r

	RET=0
	mount_hvkmem "size=256m"; check_err $? "mount"
	"$HVK" monitor mem > "$MON" 2>&1 &
	MON_PID=$!
	"$HVK" merge set run on pages-to-scan 20000 sleep-ms 5 max-sharing 256 \
		zero-pages on cpu-budget 0 > /dev/null
	check_err $? "merge set"
	head -c 8M /dev/urandom > "$IMG"
	mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	mkdir -p "$CG"
	for r in a b c d; do
		in_cg cp "$IMG" "$MNT/$r"
		in_cg dd if=/dev/zero bs=1M count=1 oflag=append conv=notrunc of="$MNT/$r" 2>/dev/null
	done
	before=$(cg_kb)
	for r in a b c; do
		"$HVK" mem set "$MNT/$r" merge on domain tenant1
		check_err $? "mem set $r"
	done
	"$HVK" mem set "$MNT/d" merge on; check_err $? "mem set d"
	out=$(region_json "$MNT/a" | jq -c .merge)
	check_match "$out" '"enabled":true,"domain":"tenant1"' "region a merge state"
	wait_for "mfield pages_sharing" "^4096$" 60 > /dev/null
	check_err $? "a, b and c did not converge: $(mjson)"
	out=$(mjson | jq -c '[.pages_shared, .pages_zero, .regions]')
	check_match "$out" '^\[2048,1024,4\]$' "shared, zero, regions"
	for r in a b c; do
		out=$(region_json "$MNT/$r" | jq -c '[.merge.shared_pages, .merge.zero_pages]')
		check_match "$out" '^\[2048,256\]$' "region $r"
	done
	out=$(region_json "$MNT/d" | jq -c '[.merge.shared_pages, .merge.zero_pages, .resident_pages]')
	check_match "$out" '^\[0,256,2304\]$' "region d (own domain)"
	after=$(cg_kb)
	# 4 x 9 MiB written; a+b+c keep 8 MiB once, d 8 MiB, zeroes one page
	[ "$before" -ge $((36 * 1024)) ] && [ "$after" -lt $((18 * 1024)) ]
	check_err $? "memory use: $before KiB written, $after KiB after merging"
	for r in a b c d; do
		cmp -n 8388608 "$IMG" "$MNT/$r" || check_err 1 "region $r content"
	done
	out=$(mjson | jq -r '.metadata / .scan_pages')
	check_match "$out" '^([0-9]|1[0-6])(\.|$)' "metadata bytes per page > 16"
	out=$(mjson | jq -r .profit)
	check_match "$out" '^[1-9][0-9]{7,}$' "profit"
	wait_for "cat $MON" '\[merge\] full-scan' 10 > /dev/null
	check_err $? "no full-scan event"
	log_test "merge: regions of one domain converge (sharing 4096, zero 1024, <= 16 B/page), own domain apart, events"
}

# The zero page's sharers are bounded (zero_max): past it, zero pages
# share ordinary pages of their domain, max-sharing each.
test_zero_bound()
{
	local param=/sys/module/hvk_mem/parameters/zero_max zero old out

	RET=0
	old=$(cat "$param" 2>/dev/null); check_err $? "no zero_max parameter"
	zero=$(mfield pages_zero)
	echo $((zero + 64)) > "$param"
	fallocate -l 2M "$MNT/zb"
	"$HVK" mem set "$MNT/zb" merge on domain zb > /dev/null
	wait_for "rfield $MNT/zb shared_pages" "^448$" 60 > /dev/null
	out=$(region_json "$MNT/zb" | jq -c '[.merge.zero_pages, .merge.shared_pages]')
	[ "$out" = "[64,448]" ]; check_err $? "zero, shared pages of 512 zero pages: $out"
	out=$(mfield pages_zero)
	[ "$out" = $((zero + 64)) ]; check_err $? "zero page sharers $out past zero_max $((zero + 64))"
	cmp -n 2097152 "$MNT/zb" /dev/zero; check_err $? "contents"
	rm -f "$MNT/zb"
	[ -n "$old" ] && echo "$old" > "$param"
	log_test "merge: zero-page sharers stop at zero_max, the rest share bounded pages"
}

test_cow_unmerge()
{
	local out before after saved

	RET=0
	python3 - "$MNT/b" "$IMG" <<-'PY'
	import mmap, os, sys
	fd = os.open(sys.argv[1], os.O_RDWR)
	m = mmap.mmap(fd, 9 << 20)
	img = open(sys.argv[2], "rb").read()
	m[4096 * 7 + 5] = 0xee          # a store into a merged page
	os.pwrite(fd, b"xyz", 4096 * 9)  # write() into another
	m[(8 << 20) + 10] = 1            # and into the zero page
	exp = bytearray(img + bytes(1 << 20))
	exp[4096 * 7 + 5] = 0xee
	exp[4096 * 9:4096 * 9 + 3] = b"xyz"
	exp[(8 << 20) + 10] = 1
	assert m[:] == bytes(exp), "b differs after copy-on-write"
	PY
	check_err $? "copy-on-write"
	for r in a c; do
		cmp -n 8388608 "$IMG" "$MNT/$r" || check_err 1 "region $r changed by b's writes"
	done
	out=$(region_json "$MNT/b" | jq -c '[.merge.shared_pages, .merge.zero_pages]')
	check_match "$out" '^\[2046,255\]$' "b after three writes"
	# every saved page comes back as a private copy charged to the caller:
	# the memcg's per-CPU charge stock (64 pages per CPU) blurs memory.current
	saved=$(mjson | jq -r '.pages_sharing + .pages_zero')
	before=$(cg_kb)
	out=$(in_cg "$HVK" merge set run unmerge | head -n 2)
	check_match "$out" "run unmerge" "run unmerge"
	out=$(mjson | jq -c '[.pages_shared, .pages_sharing, .pages_zero]')
	check_match "$out" '^\[0,0,0\]$' "after unmerge"
	after=$(cg_kb)
	[ $((after - before)) -ge $((saved * 4 - 2 * 64 * 4 * $(nproc))) ] && [ "$saved" -gt 5000 ]
	check_err $? "unmerge of $saved saved pages: $before KiB before, $after KiB after"
	for r in a c d; do
		cmp -n 8388608 "$IMG" "$MNT/$r" || check_err 1 "region $r after unmerge"
	done
	"$HVK" merge set run on > /dev/null
	wait_for "mfield pages_sharing" "^40[0-9][0-9]$" 60 > /dev/null
	check_err $? "no merging after run on: $(mjson)"
	log_test "merge: copy-on-write through a mapping, write() and the zero page; unmerge returns copies"
}

test_domains()
{
	local out

	RET=0
	"$HVK" mem set "$MNT/c" domain tenant2; check_err $? "move c"
	"$HVK" mem set "$MNT/d" domain tenant2; check_err $? "move d"
	full_scans 3
	out=$(region_json "$MNT/c" | jq -c '[.merge.domain, .merge.shared_pages]')
	check_match "$out" '^\["tenant2",2048\]$' "c in tenant2 merged with d"
	out=$(region_json "$MNT/a" | jq -r '.merge.shared_pages')
	check_match "$out" '^204[0-9]$' "a"
	out=$(mjson | jq -c '[.pages_shared, .pages_sharing]')
	# tenant1: a+b share ~2048 pages, tenant2: c+d share 2048: never all four
	check_match "$out" '^\[40[0-9][0-9],(20[0-9][0-9]|40[0-9][0-9])\]$' "two domains"
	out=$(mjson | jq -r '.pages_sharing')
	[ "$out" -le 4096 ]; check_err $? "sharing $out: domains merged together"
	"$HVK" mem set "$MNT/d" merge off; check_err $? "merge off d"
	out=$(region_json "$MNT/d" | jq -c '[.merge.enabled, .merge.shared_pages, .merge.zero_pages]')
	check_match "$out" '^\[false,0,0\]$' "d after merge off"
	cmp -n 8388608 "$IMG" "$MNT/d" || check_err 1 "d content"
	cmp -n 8388608 "$IMG" "$MNT/c" || check_err 1 "c content"
	log_test "merge: domains isolate identical pages; moving or leaving unmerges"
}

test_dirty_log_cow()
{
	RET=0
	"$HVK" mem set "$MNT/d" merge on domain tenant2 > /dev/null
	full_scans 2
	python3 - "$MNT/c" <<-PY
	$PYIOC
	import mmap, random
	fd = os.open(sys.argv[1], os.O_RDWR)
	m = mmap.mmap(fd, 9 << 20)
	n = (9 << 20) // 4096
	start(fd)
	bm, d = get(fd, 0, n)
	assert d == 0, d
	want = set(random.sample(range(n), 300))
	for i in sorted(want)[:250]:
	    m[i * 4096 + 17] = (m[i * 4096 + 17] + 1) % 256
	for i in sorted(want)[250:]:
	    os.pwrite(fd, b"Q", i * 4096 + 99)
	bm, d = get(fd, 0, n)
	got = {w * 64 + b for w in range(len(bm)) for b in range(64) if bm[w] >> b & 1}
	assert got == want, ("missed", sorted(want - got)[:5], "extra", sorted(got - want)[:5])
	stop(fd)
	PY
	check_err $? "dirty log with copy-on-write"
	log_test "merge + dirty log: each of 300 writes into merged pages reported, nothing else"
}

# The last sharer of a merged page may reuse it in place only if nothing
# else holds it: here a pipe holds it through another region's mapping
# (vmsplice), and must keep seeing that region's bytes.
test_takeback()
{
	local r

	RET=0
	head -c 16384 /dev/urandom > /tmp/takeback
	for r in x y; do
		cp /tmp/takeback "$MNT/$r"
		"$HVK" mem set "$MNT/$r" merge on domain pair > /dev/null
	done
	wait_for "rfield $MNT/x shared_pages" "^4$" 60 > /dev/null
	check_err $? "x and y did not merge: $(region_json "$MNT/x")"
	python3 - "$MNT/x" "$MNT/y" /tmp/takeback <<-'PY'
	import ctypes, mmap, os, sys
	x = os.open(sys.argv[1], os.O_RDWR)
	y = os.open(sys.argv[2], os.O_RDWR)
	img = open(sys.argv[3], "rb").read()
	libc = ctypes.CDLL(None, use_errno=True)
	class iovec(ctypes.Structure):
	    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
	m = mmap.mmap(x, 16384, mmap.MAP_SHARED)  # only read: the page stays shared
	iov = iovec(ctypes.addressof(ctypes.c_char.from_buffer(m)), 4096)
	r, w = os.pipe()
	n = libc.vmsplice(w, ctypes.byref(iov), 1, 0)
	assert n == 4096, ("vmsplice", n, ctypes.get_errno())
	os.pwrite(x, b"X" * 4096, 0)      # x gets its own copy: y is the last sharer
	os.pwrite(y, b"Y" * 4096, 0)      # y writes: must not reuse what the pipe holds
	got = os.read(r, 4096)
	assert got == img[:4096], ("the pipe shows", got[:8], "instead of x's", img[:8])
	assert os.pread(y, 4096, 0) == b"Y" * 4096 and os.pread(x, 4096, 0) == b"X" * 4096
	PY
	check_err $? "a pipe's page through x changed by y's write"
	rm -f "$MNT/x" "$MNT/y" /tmp/takeback
	log_test "merge: the last sharer copies a page that a pipe still holds (no cross-region read)"
}

test_stress()
{
	local out max=0 s pid

	RET=0
	mkdir -p "$MNT/s"
	for s in 0 1 2 3; do
		: > "$MNT/s/r$s"
		"$HVK" mem set "$MNT/s/r$s" merge on domain stress
	done
	"$HVK" merge set pages-to-scan 50000 sleep-ms 1 > /dev/null
	"$MERGETEST" stress "$MNT/s" 4 2048 20 "$RANDOM" > /tmp/mergetest.out 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		s=$(mjson | jq -r '.pages_sharing + .pages_zero')
		[ "$s" -gt "$max" ] && max=$s
		sleep 1
	done
	wait "$pid"; check_err $? "mergetest: $(tail -n 5 /tmp/mergetest.out)"
	out=$(cat /tmp/mergetest.out)
	check_match "$out" "r3: ops [0-9]+ mismatches 0" "mergetest output"
	[ "$max" -gt 1000 ]; check_err $? "merging barely happened (max $max pages saved)"
	echo "# $(grep -c mismatches /tmp/mergetest.out) writers, at most $max pages saved during the run"
	rm -r "$MNT/s"
	"$HVK" merge set pages-to-scan 20000 sleep-ms 5 > /dev/null
	log_test "merge: 4 writers x 2048 pages, 20 s of writes, forks, punches, truncates while merging: contents exact"
}

test_controls()
{
	local out pid

	RET=0
	# volatile pages: rewritten faster than the scanner passes
	"$HVK" merge set pages-to-scan 2000 sleep-ms 20 > /dev/null
	start_rewriter "$MNT/v"
	pid=$RW_PID
	"$HVK" mem set "$MNT/v" merge on
	# Its 256 pages are equal between rewrites: the first scan merges them,
	# the rewrites make them volatile (the back-off grows with each change).
	wait_for "region_json $MNT/v | jq -c '[.merge.volatile_pages > 100, .merge.shared_pages < 50]'" \
		'^\[true,true\]$' 30 > /dev/null
	check_err $? "volatile pages $(region_json "$MNT/v" | jq -c .merge)"
	kill "$pid"; wait "$pid" 2>/dev/null
	rm "$MNT/v"
	# max-sharing: 600 identical pages in one region
	python3 -c 'import sys; sys.stdout.buffer.write(b"\x42" * 4096 * 600)' > "$MNT/m"
	"$HVK" merge set max-sharing 256 pages-to-scan 20000 sleep-ms 5 > /dev/null
	"$HVK" mem set "$MNT/m" merge on
	wait_for "rfield $MNT/m shared_pages" "^600$" 30 > /dev/null
	check_err $? "600 identical pages not merged: $(region_json "$MNT/m" | jq -c .merge)"
	out=$(mjson | jq -r .pages_shared)
	[ "$out" -ge 3 ]; check_err $? "max-sharing 256: $out shared pages for 600 sharers"
	rm "$MNT/m"
	# cpu-budget: the scanner's CPU share over 4 s, with more work than it
	# allows.
	budget_start
	for b in 10 40; do
		local t0 w0
		"$HVK" merge set cpu-budget "$b" sleep-ms 20 > /dev/null
		sleep 1
		t0=$(scanner_ns); w0=$(now_us)
		sleep 4
		out=$(share_since "$t0" "$w0")
		echo "# cpu-budget $b%: scanner used $out%"
		# The debug kernel under TCG overshot (18 % for 10, 63 % for 40, its
		# one run): a timing figure there, printed, not asserted (as
		# policy.sh's rate tests); the stock kernels hold the bounds.
		if [ -n "${HVK_DEBUG_KERNEL:-}" ]; then
			continue
		elif [ "$b" = 10 ]; then
			[ "$out" -ge 4 ] && [ "$out" -le 16 ]; check_err $? "budget 10%: used $out%"
		else
			[ "$out" -ge 25 ] && [ "$out" -le 55 ]; check_err $? "budget 40%: used $out%"
		fi
	done
	budget_stop
	log_test "merge: volatile pages skipped, max-sharing, cpu-budget holds (10%, 40%${HVK_DEBUG_KERNEL:+; not asserted on a debug kernel})"
}

test_ksm_anon()
{
	local out ksm_run addr

	RET=0
	ksm_run=$(cat /sys/kernel/mm/ksm/run)
	python3 -c '
import ctypes, mmap, os, sys, time
m = mmap.mmap(-1, 8 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
m.write(os.urandom(4096) * 2048)
print("ready %#x" % ctypes.addressof(ctypes.c_char.from_buffer(m)), flush=True)
time.sleep(600)' > /tmp/anon.out &
	APID=$!
	wait_for "cat /tmp/anon.out" ready 30 > /dev/null
	addr=$(awk '{ print $2 }' /tmp/anon.out)
	"$HVK" ksm set run on pages-to-scan 5000 sleep-ms 10 > /dev/null
	check_err $? "ksm set"
	# the buffer's mapping (the kernel may have merged it with a neighbour)
	out=$("$HVK" ksm enable pid "$APID" range "$addr" 8m)
	check_match "$out" "pid $APID: 1 mappings changed, ksm on" "ksm enable"
	out=$("$HVK" -j ksm show pid "$APID" | jq -c '[.entered, .mergeable_bytes >= 8388608]')
	check_match "$out" '^\[true,true\]$' "ksm show"
	# 2048 identical pages: KSM pages of at most max_page_sharing (256) sharers
	wait_for "$HVK -j ksm show pid $APID | jq '.merging_pages >= 2040'" true 60 > /dev/null
	check_err $? "KSM did not merge the process's pages: $("$HVK" -j ksm show pid "$APID")"
	out=$("$HVK" -j ksm show | jq -r '.pages_sharing >= 2040')
	check_match "$out" "^true$" "ksm pages_sharing"
	out=$("$HVK" -j mem estimate pid "$APID" | jq -r '.targets[0].saved_pages >= 2047')
	check_match "$out" "^true$" "estimate of the process"
	"$HVK" ksm disable pid "$APID" > /dev/null; check_err $? "ksm disable"
	out=$("$HVK" -j ksm show pid "$APID" | jq -c '[.mergeable_mappings, .merging_pages]')
	check_match "$out" '^\[0,0\]$' "after disable"
	"$HVK" ksm set run "$( [ "$ksm_run" = 1 ] && echo on || echo off)" > /dev/null
	log_test "ksm: enable on a running anonymous-memory process merges its pages; stats; disable unmerges"
}

test_estimate()
{
	local out est real

	RET=0
	"$HVK" merge set run unmerge > /dev/null
	out=$("$HVK" -j mem estimate "$MNT/a" "$MNT/b" "$MNT/c" "$MNT/d")
	est=$(printf '%s' "$out" | jq -r .one_domain.saved_pages)
	check_match "$(printf '%s' "$out" | jq -r .own_domains.saved_pages)" '^10[0-9][0-9]$' "own domains"
	for r in a b c d; do "$HVK" mem set "$MNT/$r" merge on domain all; done
	"$HVK" merge set run on > /dev/null
	wait_for "mfield pages_sharing" "^6[0-9]{3}$" 60 > /dev/null
	full_scans 1
	real=$(mjson | jq -r '.pages_sharing + .pages_zero')
	echo "# estimate one domain: $est pages; merged: $real"
	[ $((est - real)) -le $((est / 20)) ] && [ $((real - est)) -le $((est / 20)) ]
	check_err $? "estimate $est vs merged $real"
	out=$("$HVK" mem estimate "$MNT/a" sample 25 | tail -n 3)
	check_match "$out" "own domain" "sampled estimate"
	log_test "estimate: predicted savings within 5% of the merged result"
}

test_bad_input()
{
	local before out

	RET=0
	before=$(mjson | jq -c '[.run, .pages_to_scan, .sleep_ms, .max_sharing, .zero_pages, .cpu_budget]')
	for a in "pages-to-scan 0" "max-sharing 1" "cpu-budget 101" "run maybe" "sleep-ms -1" "zero-pages yes"; do
		# shellcheck disable=SC2086
		out=$("$HVK" merge set $a 2>&1)
		[ $? = 2 ]; check_err $? "merge set $a: $out"
	done
	for j in '{"sleep-ms": 600001}' '{"max-sharing": 1}' '{"pages-to-scan": 0}' '{"run": 3}'; do
		out=$(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_mem.yaml" \
			--do merge-set --json "$j" 2>&1)
		check_match "$out" "out of range|range" "kernel accepted $j"
	done
	out=$(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_mem.yaml" \
		--do merge-set --json '{"pages-shared": 5}' 2>&1)
	check_match "$out" "read-only" "statistics written"
	# every statistic, not just the first of each set, says why
	out=$(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_mem.yaml" \
		--do ksm-set --json '{"pid": 1, "mergeable": 1, "merging-pages": 5}' 2>&1)
	check_match "$out" "KSM statistics are read-only" "KSM statistic written"
	out=$(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_mem.yaml" \
		--do region-set --json '{"id": 1, "merge": {"zero": 5}}' 2>&1)
	check_match "$out" "merge statistics are read-only" "region merge statistic written"
	out=$(mjson | jq -c '[.run, .pages_to_scan, .sleep_ms, .max_sharing, .zero_pages, .cpu_budget]')
	[ "$out" = "$before" ]; check_err $? "controls changed: $before -> $out"
	out=$(as_nobody "$HVK" merge set sleep-ms 7 2>&1)
	check_match "$out" "merge controls need CAP_SYS_ADMIN" "unprivileged merge set"
	out=$(as_nobody "$HVK" mem set "$MNT/a" merge off 2>&1)
	check_match "$out" "needs CAP_SYS_ADMIN or ownership" "unprivileged mem set"
	out=$("$HVK" mem set /etc/hostname merge on 2>&1)
	check_match "$out" "not an hvkmem region" "mem set on a plain file"
	out=$("$HVK" mem set "$MNT/a" domain "$(printf 'x%.0s' $(seq 1 40))" 2>&1)
	check_match "$out" "at most 31" "long domain"
	out=$("$HVK" ksm enable pid 999999 2>&1)
	check_match "$out" "no such process" "unknown pid"
	out=$("$HVK" ksm enable pid 2 2>&1)
	check_match "$out" "kernel thread" "kernel thread"
	sleep 30 &
	local spid=$!
	out=$(unshare -p -f "$HVK" ksm enable pid "$spid" 2>&1)
	check_match "$out" "no such process" "pid from another pid namespace"
	out=$("$HVK" -j ksm show pid "$spid" | jq -c '[.entered, .mergeable_mappings]')
	check_match "$out" '^\[false,0\]$' "state changed by refused enable"
	out=$("$HVK" ksm enable pid "$spid" range 0x1000 4096 2>&1)
	check_match "$out" "no anonymous mapping in the range" "empty range"
	out=$("$HVK" ksm enable pid "$spid" range 0xfffffffffffff000 8192 2>&1)
	check_match "$out" "outside user memory" "range past the end"
	out=$(as_nobody "$HVK" ksm show pid "$spid" 2>&1)
	check_match "$out" "Operation not permitted|CAP_SYS_ADMIN" "unprivileged ksm show"
	kill "$spid"; wait "$spid" 2>/dev/null
	log_test "merge and ksm bad input: clear errors, nothing changed"
}

# A long unmerge runs inside its netlink request; it must not hold the
# generic netlink mutex meanwhile, or every family of the host (libvirt's
# port adds on hvk_switch, nl80211, ...) waits for it.
test_unmerge_parallel()
{
	local out id

	RET=0
	"$HVK" merge set run on pages-to-scan 50000 sleep-ms 1 > /dev/null
	head -c 96M /dev/urandom > "$MNT/big1"
	cp "$MNT/big1" "$MNT/big2"
	"$HVK" mem set "$MNT/big1" merge on domain big > /dev/null
	"$HVK" mem set "$MNT/big2" merge on domain big > /dev/null
	wait_for "rfield $MNT/big1 shared_pages" "^24576$" 120 > /dev/null
	check_err $? "96 MiB not merged: $(region_json "$MNT/big1")"
	id=$(region_json "$MNT/big1" | jq .id)
	# One process: the unmerge request in a thread, then the generic
	# netlink controller (not parallel: it takes genl_mutex) 50 ms later.
	out=$(python3 - "$HVK_TOP" "$id" <<-'PY'
	import importlib.machinery, importlib.util, sys, threading, time
	top, rid = sys.argv[1], int(sys.argv[2])
	loader = importlib.machinery.SourceFileLoader("ynl", top + "/scripts/ynl")
	ynl = importlib.util.module_from_spec(importlib.util.spec_from_loader("ynl", loader))
	loader.exec_module(ynl)
	spec = ynl.Spec(top + "/Documentation/netlink/specs/hvk_mem.yaml")
	a, b = ynl.GenlSocket(), ynl.GenlSocket()
	fam = a.resolve("hvk_mem")
	op = spec.ops["region-set"]
	req = spec.encode(op["attribute-set"], {"id": rid, "merge": {"enabled": 0}})
	took = {}
	def unmerge():
	    t = time.monotonic()
	    a.request(fam, op["value"], req, 0)
	    took["unmerge"] = time.monotonic() - t
	th = threading.Thread(target=unmerge)
	th.start()
	time.sleep(0.05)
	t = time.monotonic()
	b.resolve("nlctrl")
	took["other"] = time.monotonic() - t
	th.join()
	print("%d %d" % (took["unmerge"] * 1000, took["other"] * 1000))
	PY
	)
	check_err $? "requests failed: $out"
	echo "# unmerge of 24576 pages in its request: ${out% *} ms; nlctrl meanwhile: ${out#* } ms"
	[ "${out% *}" -ge 100 ]; check_err $? "the unmerge (${out% *} ms) was too short to tell"
	[ "${out#* }" -lt $((${out% *} / 3)) ]; check_err $? "nlctrl waited ${out#* } ms behind the unmerge"
	out=$(region_json "$MNT/big1" | jq -r .merge.shared_pages)
	[ "$out" = 0 ]; check_err $? "shared pages left after unmerge: $out"
	rm -f "$MNT/big1" "$MNT/big2"
	log_test "a long unmerge does not stall other generic netlink families"
}

test_rmmod_merged()
{
	local out

	RET=0
	out=$(mjson | jq -r .pages_sharing)
	[ "$out" -gt 0 ]; check_err $? "nothing merged before rmmod"
	kill "${MON_PID:-}" "${APID:-}" 2>/dev/null; wait 2>/dev/null; MON_PID=''; APID=
	umount "$MNT"; check_err $? "umount"
	rmmod hvk_mem; check_err $? "rmmod with merged pages"
	modprobe hvk_mem; check_err $? "modprobe again"
	rmdir "$CG" 2>/dev/null
	log_test "umount and rmmod with $out merged pages"
}

# Only written pages are scanned again: idle memory costs no scanning, and a
# write through a PTE that was writable before the page's scan is seen (the
# scan write-protects what it reads).
test_rescan()
{
	local out s0 fifo=/tmp/rescan.fifo log=/tmp/rescan.out pid

	RET=0
	rm -f "$fifo"; mkfifo "$fifo"
	python3 - "$MNT/w" "$fifo" > "$log" <<-'PY' &
	import mmap, os, sys
	fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
	os.ftruncate(fd, 64 * 4096)
	m = mmap.mmap(fd, 64 * 4096)
	for p in range(64):
	    m[p * 4096:(p + 1) * 4096] = os.urandom(4096)
	want = bytearray(m[:])
	print("written", flush=True)
	open(sys.argv[2]).readline()
	m[5 * 4096:6 * 4096] = m[9 * 4096:10 * 4096]
	want[5 * 4096:6 * 4096] = want[9 * 4096:10 * 4096]
	print("copied", flush=True)
	open(sys.argv[2]).readline()
	sys.exit(0 if m[:] == want else 1)
	PY
	pid=$!
	wait_for "cat $log" written 60 > /dev/null; check_err $? "writer did not start"
	"$HVK" mem set "$MNT/w" merge on
	full_scans 2
	s0=$(mfield pages_scanned)
	full_scans 3
	out=$(mfield pages_scanned)
	[ "$out" = "$s0" ]; check_err $? "idle memory rescanned: $((out - s0)) pages in 3 full scans"
	echo > "$fifo"
	wait_for "cat $log" copied 30 > /dev/null; check_err $? "writer did not copy"
	wait_for "rfield $MNT/w shared_pages" "^2$" 30 > /dev/null
	check_err $? "a page written through an old writable PTE was not merged: $(region_json "$MNT/w" | jq -c .merge)"
	echo > "$fifo"
	wait "$pid"; check_err $? "the mapping's content changed"
	rm -f "$MNT/w" "$fifo" "$log"
	log_test "merge: idle pages are not scanned again; a write through an old writable PTE is"
}

# A merge that finds its identical page in use (here: held by a pipe) is
# tried again later, not only once one of the two pages is written.
test_busy_retry()
{
	local fifo=/tmp/busy.fifo log=/tmp/busy.out pid out

	RET=0
	"$HVK" merge set run on pages-to-scan 20000 sleep-ms 5 > /dev/null
	rm -f "$fifo"; mkfifo "$fifo"
	python3 - "$MNT/p" "$fifo" > "$log" <<-'PY' &
	import ctypes, mmap, os, sys
	fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
	os.pwrite(fd, os.urandom(4096) * 2, 0)
	libc = ctypes.CDLL(None, use_errno=True)
	class iovec(ctypes.Structure):
	    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
	m = mmap.mmap(fd, 8192, mmap.MAP_SHARED)  # only read
	iov = iovec(ctypes.addressof(ctypes.c_char.from_buffer(m, 4096)), 4096)
	r, w = os.pipe()
	n = libc.vmsplice(w, ctypes.byref(iov), 1, 0)
	assert n == 4096, ("vmsplice", n, ctypes.get_errno())
	print("held", flush=True)
	open(sys.argv[2]).readline()
	os.read(r, 4096)
	os.close(r)
	os.close(w)
	print("released", flush=True)
	open(sys.argv[2]).readline()
	PY
	pid=$!
	wait_for "cat $log" held 60 > /dev/null; check_err $? "the pipe holds no page"
	"$HVK" mem set "$MNT/p" merge on
	full_scans 3
	out=$(rfield "$MNT/p" shared_pages)
	[ "$out" = 0 ]; check_err $? "merged while the pipe held a page: $out"
	timeout 10 sh -c 'echo > "$0"' "$fifo"
	wait_for "cat $log" released 30 > /dev/null; check_err $? "the pipe did not let go"
	wait_for "rfield $MNT/p shared_pages" "^2$" 30 > /dev/null
	check_err $? "not merged once the pipe let go: $(region_json "$MNT/p" | jq -c .merge)"
	timeout 10 sh -c 'echo > "$0"' "$fifo"
	wait "$pid"
	rm -f "$MNT/p" "$fifo" "$log"
	log_test "merge: a page busy when its twin was scanned merges once free, unwritten"
}

# Volatile pages stop counting as such once merged or gone: the region's
# count is exactly its pages backing off, and no slot past its end stays
# a candidate.
test_volatile_settle()
{
	local pid

	RET=0
	"$HVK" merge set run on pages-to-scan 2000 sleep-ms 20 zero-pages on > /dev/null
	start_rewriter "$MNT/s"
	pid=$RW_PID
	"$HVK" mem set "$MNT/s" merge on
	wait_for "rfield $MNT/s volatile_pages" "^([2-9][0-9]|[0-9]{3})$" 30 > /dev/null
	check_err $? "no volatile pages: $(region_json "$MNT/s" | jq -c .merge)"
	kill "$pid"; wait "$pid" 2>/dev/null
	# Half goes (truncated), half becomes zeroes (merged with the zero page).
	truncate -s $((128 * 4096)) "$MNT/s"
	dd if=/dev/zero of="$MNT/s" bs=4096 count=128 conv=notrunc status=none
	wait_for "region_json $MNT/s | jq -c '[.merge.volatile_pages, .merge.unshared_pages]'" \
		'^\[0,0\]$' 30 > /dev/null
	check_err $? "after truncate and zeroes: $(region_json "$MNT/s" | jq -c .merge)"
	rm -f "$MNT/s"
	"$HVK" merge set pages-to-scan 20000 sleep-ms 5 > /dev/null
	log_test "merge: pages backing off stop counting when merged or truncated"
}

# The budget is CPU time: a wake-up that waited for its CPU (here: a
# real-time task took it for 0.8 s) has not used its share, and must not
# sleep it off afterwards.  At 10 % with 1-s sleeps a wake-up scans for
# 111 ms; a real-time hog waits on a FIFO, pinned to the scanner's CPU, and
# is let go once the scanner runs.  It counts when it preempted the scanner
# (its nonvoluntary context switches rose); the scanner is then measured
# over the 4 s after.
nivcsw() { awk '/^nonvoluntary_ctxt_switches/ { print $2 }' "/proc/$(pgrep -x hvk_merged)/status"; }

test_budget_starved()
{
	local _ t0 w0 nv st spid fifo=/tmp/hog.fifo hit=0 used=0

	RET=0
	if [ "$(nproc)" -lt 2 ]; then
		log_skip "merge: cpu-budget counts CPU time" "one CPU"
		return
	fi
	budget_start
	spid=$(pgrep -x hvk_merged)
	"$HVK" merge set cpu-budget 10 sleep-ms 1000 > /dev/null
	rm -f "$fifo"; mkfifo "$fifo"
	for _ in 1 2 3 4 5; do
		taskset -c 1 chrt -f 10 sh -c 'read -r x < "$0"; while :; do :; done' "$fifo" &
		HOG_PID=$!
		sleep 0.5
		chrt -p "$HOG_PID" | grep -q SCHED_FIFO; check_err $? "the hog is not SCHED_FIFO"
		nv=$(nivcsw)
		while read -r st < "/proc/$spid/stat"; do
			[[ $st == *") R "* ]] && break
		done
		echo go > "$fifo"
		sleep 0.8
		[ "$(nivcsw)" -gt "$nv" ] && hit=1
		kill "$HOG_PID"; wait "$HOG_PID" 2>/dev/null
		HOG_PID=
		[ "$hit" = 1 ] || continue
		t0=$(scanner_ns); w0=$(now_us)
		sleep 4
		used=$(share_since "$t0" "$w0")
		break
	done
	rm -f "$fifo"
	[ "$hit" = 1 ]; check_err $? "the hog never preempted the scanner"
	echo "# cpu-budget 10%: scanner used $used% in the 4 s after it was preempted for 0.8 s"
	if [ -z "${HVK_DEBUG_KERNEL:-}" ]; then
		[ "$used" -ge 4 ]; check_err $? "budget 10% after starvation: used $used%"
	fi
	budget_stop
	log_test "merge: cpu-budget counts CPU time: a scanner kept off its CPU does not sleep it off"
}

# HVK_TESTS: a subset, in order (later tests use the regions of converge).
for t in ${HVK_TESTS:-converge zero_bound cow_unmerge domains dirty_log_cow takeback stress controls \
	rescan busy_retry volatile_settle budget_starved ksm_anon estimate bad_input unmerge_parallel rmmod_merged}; do
	"test_$t"
done
tap_done
