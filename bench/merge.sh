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
# prediction beside the result.
set -u
HVK=${HVK:-$HVK_BUILD/bin/hvk}
COPIES=${HVK_BENCH_COPIES:-4}
IMG_MB=${HVK_BENCH_IMG_MB:-32}
RANDOM_MB=${HVK_BENCH_RANDOM_MB:-8}
SCAN=${HVK_BENCH_SCAN:-20000}
SLEEP=${HVK_BENCH_SLEEP:-10}
IMG=/tmp/merge-bench.img
MNT=/run/hvkmem

sched_ns() { awk '{ print $1 }' "/proc/$(pgrep -x "$1")/schedstat"; }
now_ms() { date +%s%3N; }

# settle CMD: poll CMD (a page count) until it has not grown for 2 s;
# prints "value milliseconds-until-it-reached-that-value".
settle()
{
	local t0 v last=-1 reached stable=0
	t0=$(now_ms)
	reached=$t0
	while [ "$stable" -lt 20 ]; do
		v=$(eval "$1")
		if [ "$v" != "$last" ]; then
			last=$v
			reached=$(now_ms)
			stable=0
		else
			stable=$((stable + 1))
		fi
		sleep 0.1
	done
	echo "$last $((reached - t0))"
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
c0=$(sched_ns hvk_merged)
"$HVK" merge set run on > /dev/null
read -r h_saved h_ms < <(settle "$HVK -j merge show | jq '.pages_sharing + .pages_zero'")
c1=$(sched_ns hvk_merged)
h_cpu=$((c1 - c0))
h_meta=$("$HVK" -j merge show | jq -r '.metadata / .scan_pages')
for i in $(seq 1 "$COPIES"); do
	cmp "$IMG" "$MNT/vm$i" || echo "# ERROR: vm$i differs after merging"
done
"$HVK" merge set run off > /dev/null
umount $MNT

# KSM: the same content in anonymous memory of one process.
python3 - "$IMG" "$COPIES" > /tmp/ksm-bench.out <<'PY' &
import mmap, sys, time
img = open(sys.argv[1], "rb").read()
bufs = []
for _ in range(int(sys.argv[2])):
    m = mmap.mmap(-1, len(img), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    m.madvise(mmap.MADV_NOHUGEPAGE)
    m.write(img)
    bufs.append(m)
print("ready", flush=True)
time.sleep(3600)
PY
apid=$!
until grep -q ready /tmp/ksm-bench.out; do sleep 0.2; done
"$HVK" ksm set run off pages-to-scan "$SCAN" sleep-ms "$SLEEP" max-sharing 256 zero-pages off > /dev/null
"$HVK" ksm enable pid "$apid" > /dev/null
k_est=$("$HVK" -j mem estimate pid "$apid" | jq -r .targets[0].saved_pages)
c0=$(sched_ns ksmd)
"$HVK" ksm set run on > /dev/null
read -r k_saved k_ms < <(settle "cat /sys/kernel/mm/ksm/pages_sharing")
c1=$(sched_ns ksmd)
k_cpu=$((c1 - c0))
k_items=$(awk '/ksm_rmap_items/ { print $2 }' "/proc/$apid/ksm_stat")
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
echo "| scanner CPU | $(echo "scale=2; $h_cpu / 1000000000" | bc) s | $(echo "scale=2; $k_cpu / 1000000000" | bc) s | $(echo "scale=2; $h_cpu / $k_cpu" | bc) |"
echo "| CPU-s per GiB merged | $h_per | $k_per | $(echo "scale=2; $h_per / $k_per" | bc) |"
echo "| pages saved | $h_saved | $k_saved | $(echo "scale=3; $h_saved / $k_saved" | bc) |"
echo "| metadata bytes / scanned page | $h_meta | $((k_items * 64 / (pages * COPIES))) (rmap_items x 64) | |"
echo "| estimator prediction | $est | $k_est | |"
echo
echo "KSM merges zero pages among themselves (use_zero_pages off: like-for-like"
echo "with max-sharing); hvkmem counts them apart on its one zero page."
