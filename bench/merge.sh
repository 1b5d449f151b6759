#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-merge: hvkmem merging vs the kernel's KSM, one guest boot.
# The same content for both: COPIES copies of an image made of real files
# from the host's /usr/lib (shared libraries: partly duplicate pages, many
# zero runs) plus random pages, as COPIES hvkmem regions in one domain, or
# as COPIES anonymous MAP_PRIVATE buffers in one process for KSM.  Same
# scan settings (pages-to-scan, sleep-ms, max-sharing 256, zero pages on).
# Reports time to full merge (savings stable at their final value), CPU
# seconds of the scanner (hvk_merged, ksmd; schedstat) per GiB merged,
# final savings, metadata bytes per scanned page, and the estimator's
# prediction beside the result.  Then the steady state: the scanner's CPU
# share over STEADY seconds once everything is merged, on idle memory, and
# while 1 % of the pages get new content every second (written by the
# process that maps them, through its mapping, for both).
set -u
HVK=${HVK:-${HVK_BUILD:-$HVK_TOP/build}/bin/hvk}
COPIES=${HVK_BENCH_COPIES:-4}
IMG_MB=${HVK_BENCH_IMG_MB:-32}
RANDOM_MB=${HVK_BENCH_RANDOM_MB:-8}
SCAN=${HVK_BENCH_SCAN:-20000}
SLEEP=${HVK_BENCH_SLEEP:-10}
STEADY=${HVK_BENCH_STEADY_S:-10}
IMG=/tmp/merge-bench.img
MNT=/run/hvkmem

sched_ns() { awk '{ print $1 }' "/proc/$(pgrep -x "$1")/schedstat"; }
# steady_cpu TASK: TASK's CPU share over STEADY seconds, in percent.
steady_cpu()
{
	local c0 c1

	c0=$(sched_ns "$1")
	sleep "$STEADY"
	c1=$(sched_ns "$1")
	echo "scale=3; ($c1 - $c0) / ($STEADY * 10000000)" | bc
}
# The writer both processes run (python, in the process whose mapping it
# writes): from SIGUSR1 on, every 0.1 s new content for one thousandth of
# the pages of BUFS, a list of (mmap, length), chosen at random.
WRITER='
import os, random, signal, time
def write_steady(bufs):
    go = []
    signal.signal(signal.SIGUSR1, lambda *a: go.append(1))
    pages = [(m, o) for m, n in bufs for o in range(0, n, 4096)]
    while True:
        time.sleep(0.1)
        if go:
            for m, o in random.sample(pages, max(1, len(pages) // 1000)):
                m[o:o + 4096] = os.urandom(4096)
'
now_ms() { date +%s%3N; }

# scan_log PID: stamp each line of stdin with the time and the CPU time of
# task PID (schedstat, ns): "SECONDS CPU_NS LINE", unbuffered.
scan_log() { python3 -u -c 'import sys, time
for l in sys.stdin:
    c = open("/proc/%s/schedstat" % sys.argv[1]).read().split()[0]
    print("%.3f %s %s" % (time.time(), c, l), end="")' "$1"; }

# to_full_merge LOG T0 CPU0: from a log of "SECONDS SAVED CPU_NS" lines, one
# per full scan, the first scan that reached the final savings: prints
# "saved milliseconds cpu_ns scans" counted from T0 (s) and CPU0 (ns).
to_full_merge()
{
	awk -v t0="$2" -v c0="$3" '
		{ t[NR] = $1; v[NR] = $2; c[NR] = $3 }
		END {
			if (!NR) {
				print "0 0 0 0"
				exit
			}
			for (i = NR; i > 1 && v[i - 1] == v[NR]; i--)
				;
			printf "%d %d %d %d\n", v[NR], (t[i] - t0) * 1000, c[i] - c0, i
		}' "$1"
}

# wait_stable CMD: until CMD's output has not changed for 3 s.
wait_stable()
{
	local v last="" same=0

	while [ "$same" -lt 6 ]; do
		v=$(eval "$1")
		if [ "$v" = "$last" ]; then same=$((same + 1)); else same=0; last=$v; fi
		sleep 0.5
	done
}

# The image: real files, then random pages.
find /usr/lib/x86_64-linux-gnu -maxdepth 1 -name '*.so*' -type f -size +64k 2>/dev/null |
	sort | xargs cat 2>/dev/null | head -c $((IMG_MB << 20)) > "$IMG"
head -c $((RANDOM_MB << 20)) /dev/urandom >> "$IMG"
pages=$(($(stat -c %s "$IMG") / 4096))
echo "# image: $((IMG_MB)) MiB of /usr/lib files + $RANDOM_MB MiB random, $COPIES copies, $pages pages each"
echo "# scan: pages-to-scan $SCAN sleep-ms $SLEEP max-sharing 256 zero pages on"

modprobe hvk_mem
mkdir -p $MNT
mount -t hvkmem -o size=2g none $MNT
"$HVK" merge set run off > /dev/null
for i in $(seq 1 "$COPIES"); do
	cp "$IMG" "$MNT/vm$i"
done
est=$("$HVK" -j mem estimate "$MNT"/vm* | jq -r .one_domain.saved_pages)
"$HVK" merge set pages-to-scan "$SCAN" sleep-ms "$SLEEP" max-sharing 256 zero-pages on > /dev/null
for i in $(seq 1 "$COPIES"); do
	"$HVK" mem set "$MNT/vm$i" merge on domain bench
done
# hvkmem: every full scan sends an event with the savings; the scanner's
# CPU time is read from its schedstat as it arrives (as for ksmd below).
"$HVK" -j monitor mem | scan_log "$(pgrep -x hvk_merged)" > /tmp/merge-events &
sleep 1
c0=$(sched_ns hvk_merged)
t0=$(date +%s.%N)
"$HVK" merge set run on > /dev/null
wait_stable "$HVK -j merge show | jq '.pages_sharing + .pages_zero'"
pkill -f "hvk -j monitor mem"
# "SECONDS CPU_NS EVENT" lines -> "SECONDS SAVED CPU_NS", one jq for all
grep '"full-scan"' /tmp/merge-events > /tmp/merge-scan-events
paste -d' ' <(cut -d' ' -f1 /tmp/merge-scan-events) \
	<(cut -d' ' -f3- /tmp/merge-scan-events | jq -r '.merge.pages_sharing + .merge.pages_zero') \
	<(cut -d' ' -f2 /tmp/merge-scan-events) > /tmp/merge-scans
read -r h_saved h_ms h_cpu h_scans < <(to_full_merge /tmp/merge-scans "$t0" "$c0")
h_meta=$("$HVK" -j merge show | jq -r '.metadata / .scan_pages')
for i in $(seq 1 "$COPIES"); do
	cmp "$IMG" "$MNT/vm$i" || echo "# ERROR: vm$i differs after merging"
done
# The steady state: idle, then 1 % of the pages written per second through
# a shared mapping of the regions.
python3 - "$MNT"/vm* <<PY &
$WRITER
import mmap, sys
bufs = []
for f in sys.argv[1:]:
    fd = os.open(f, os.O_RDWR)
    n = os.fstat(fd).st_size
    bufs.append((mmap.mmap(fd, n), n))
write_steady(bufs)
PY
wpid=$!
h_idle=$(steady_cpu hvk_merged)
kill -USR1 "$wpid"
h_busy=$(steady_cpu hvk_merged)
kill "$wpid"; wait "$wpid" 2>/dev/null
"$HVK" merge set run off > /dev/null
umount $MNT

# KSM: the same content in anonymous memory of one process, its buffers
# (and nothing else of the process) marked mergeable.
python3 - "$IMG" "$COPIES" > /tmp/ksm-bench.out <<PY &
$WRITER
import ctypes, mmap, sys
img = open(sys.argv[1], "rb").read()
bufs = []
for _ in range(int(sys.argv[2])):
    m = mmap.mmap(-1, len(img), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    m.madvise(mmap.MADV_NOHUGEPAGE)
    m.write(img)
    bufs.append((m, ctypes.addressof(ctypes.c_char.from_buffer(m))))
del img
print("ready", " ".join("%#x" % a for _, a in bufs), len(bufs[0][0]), flush=True)
write_steady([(m, len(m)) for m, _ in bufs])
PY
apid=$!
until grep -q ready /tmp/ksm-bench.out; do sleep 0.2; done
read -r _ addrs < /tmp/ksm-bench.out
len=${addrs##* }
addrs=${addrs% *}
"$HVK" ksm set run off pages-to-scan "$SCAN" sleep-ms "$SLEEP" max-sharing 256 zero-pages off > /dev/null
for a in $addrs; do
	"$HVK" ksm enable pid "$apid" range "$a" "$len" > /dev/null
done
k_est=$("$HVK" -j mem estimate pid "$apid" | jq -r .targets[0].saved_pages)
# ksmd: sample savings and CPU at each full scan
python3 -u - "$(pgrep -x ksmd)" > /tmp/ksm-scans <<'PY' &
import sys, time
K = "/sys/kernel/mm/ksm/"
def rd(f): return int(open(K + f).read())
def cpu(): return int(open("/proc/%s/schedstat" % sys.argv[1]).read().split()[0])
scans = rd("full_scans")
while True:
    s = rd("full_scans")
    if s != scans:
        scans = s
        print("%.3f %d %d" % (time.time(), rd("pages_sharing"), cpu()), flush=True)
    time.sleep(0.01)
PY
poll=$!
sleep 1
c0=$(sched_ns ksmd)
t0=$(date +%s.%N)
"$HVK" ksm set run on > /dev/null
wait_stable "cat /sys/kernel/mm/ksm/pages_sharing"
kill "$poll"
read -r k_saved k_ms k_cpu k_scans < <(to_full_merge /tmp/ksm-scans "$t0" "$c0")
k_items=$(awk '/ksm_rmap_items/ { print $2 }' "/proc/$apid/ksm_stat")
k_idle=$(steady_cpu ksmd)
kill -USR1 "$apid"
k_busy=$(steady_cpu ksmd)
"$HVK" ksm set run unmerge > /dev/null
kill "$apid"

gib() { echo "scale=4; $1 * 4096 / 1073741824" | bc; }
h_gib=$(gib "$h_saved"); k_gib=$(gib "$k_saved")
h_per=$(echo "scale=2; $h_cpu / 1000000000 / $h_gib" | bc)
k_per=$(echo "scale=2; $k_cpu / 1000000000 / $k_gib" | bc)
echo
echo "| | hvkmem merge | KSM (anonymous) | hvkmem / KSM |"
echo "|---|---|---|---|"
echo "| time to full merge | $h_ms ms | $k_ms ms | $(echo "scale=2; $h_ms / $k_ms" | bc) |"
echo "| full scans to full merge | $h_scans | $k_scans | |"
echo "| scanner CPU to full merge | $(echo "scale=2; $h_cpu / 1000000000" | bc) s | $(echo "scale=2; $k_cpu / 1000000000" | bc) s | $(echo "scale=2; $h_cpu / $k_cpu" | bc) |"
echo "| CPU-s per GiB merged | $h_per | $k_per | $(echo "scale=2; $h_per / $k_per" | bc) |"
echo "| pages saved | $h_saved | $k_saved | $(echo "scale=3; $h_saved / $k_saved" | bc) |"
echo "| metadata bytes / scanned page | $h_meta | $((k_items * 64 / (pages * COPIES))) (rmap_items x 64) | |"
echo "| estimator prediction | $est | $k_est | |"
echo "| scanner CPU, merged and idle ($STEADY s) | $h_idle % | $k_idle % | $(echo "scale=3; $h_idle / $k_idle" | bc) |"
echo "| scanner CPU, 1 % of pages written per second | $h_busy % | $k_busy % | $(echo "scale=3; $h_busy / $k_busy" | bc) |"
echo
echo "KSM merges zero pages among themselves (use_zero_pages off: like-for-like"
echo "with max-sharing); hvkmem counts them apart on its one zero page."
