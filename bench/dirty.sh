#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-dirty: dirty-page tracking of a 1 GiB region, one guest boot,
# one workload (bench/dirtybench.c), four mechanisms:
#   hvkmem         hvkmem's dirty log, batched write-protection: one PTE
#                  walk per mapping and one TLB flush per get (wp_mode=0)
#   hvkmem-mkclean the same, folio_mkclean() per page (wp_mode=1)
#   hvkmem-unmap   the same, PTEs zapped per run of pages (wp_mode=2)
#   softdirty     anonymous memory, clear_refs 4 + /proc/self/pagemap
#   uffd          anonymous memory, userfaultfd write-protect (a thread
#                 records and un-protects each faulting page)
# For 1, 10 and 50 % of the pages written (random, distinct): the time to
# collect the dirty set and re-arm, and the cost of a write to a protected
# page (less the same write to a writable one).  Median of ROUNDS rounds,
# mechanisms interleaved.  Then a live migration of a 1 GiB region between
# two netns with a writer at ~25 % of the link rate the first run measured.
set -u
ROUNDS=${HVK_BENCH_ROUNDS:-3}
B=${HVK_BUILD:-$HVK_TOP/build}
BENCH=$B/bench/dirtybench
MEMTEST=$B/selftests/memtest
MIGRATE=$B/bin/hvk-migrate
MECHS="hvkmem hvkmem-mkclean hvkmem-unmap softdirty uffd"
OUT=/tmp/dirtybench

modprobe hvk_mem
mkdir -p /run/hvkmem "$OUT"
mount -t hvkmem -o size=2600m none /run/hvkmem
echo never > /sys/kernel/mm/transparent_hugepage/enabled
rm -f "$OUT"/*

# HVK_BENCH_PROFILE=1: where a write fault's time goes, hvkmem against
# soft-dirty.  perf samples (cpu-clock, 4 kHz) over 3 x 50 % of the pages
# written, ROUNDS interleaved runs of each; the samples of dirtybench inside
# a user page fault that allocates nothing (only the write faults of the
# timed loops) are split by the function they were in, as ns per fault
# (one fault per page dirtybench reports written).
profile()
{
	local m r

	for r in $(seq 1 "$ROUNDS"); do
		for m in hvkmem softdirty; do
			perf record -q -g -e cpu-clock -F 4000 -o "$OUT/perf.$m.$r" -- \
				"$BENCH" $m 1024 50 50 50 >> "$OUT/prof.$m" 2>/dev/null ||
				{ echo "perf: $m failed"; exit 1; }
		done
	done
	for m in hvkmem softdirty; do
		for r in $(seq 1 "$ROUNDS"); do
			perf script -i "$OUT/perf.$m.$r" -F comm,period,ip,sym 2>/dev/null
			echo
		done | python3 "$HVK_TOP/bench/faultsplit.py" $m \
			"$(awk '{ n += $4 } END { print n }' "$OUT/prof.$m")"
	done
}
if [ -n "${HVK_BENCH_PROFILE:-}" ]; then
	profile
	exit 0
fi

for _ in $(seq 1 "$ROUNDS"); do
	for m in $MECHS; do
		"$BENCH" "$m" 1024 1 10 50 >> "$OUT/raw" || { echo "bench: $m failed"; exit 1; }
	done
done

python3 - "$OUT/raw" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    d = dict(zip(f[2::2], f[3::2]))
    if int(d["missing"]):
        sys.exit(f"{f[0]} missed {d['missing']} written pages at {f[1]} %")
    rows.setdefault((f[0], int(f[1])), []).append(
        (float(d["collect_us"]), float(d["write_ns"]) - float(d["base_ns"]), int(d["found"]), int(d["pages"])))
med = lambda k, i: statistics.median(r[i] for r in rows[k])
mechs = ["hvkmem", "hvkmem-mkclean", "hvkmem-unmap", "softdirty", "uffd"]
print("\ncollect + re-arm, 1 GiB (262144 pages), median of %d, ms" % len(rows[(mechs[0], 1)]))
print("%-6s" % "dirty" + "".join("%15s" % m for m in mechs) + "%18s%14s" % ("softdirty/hvkmem", "uffd/hvkmem"))
for p in (1, 10, 50):
    c = med(("hvkmem", p), 0)
    print("%-6s" % f"{p}%" + "".join("%15.2f" % (med((m, p), 0) / 1e3) for m in mechs) +
          "%18.1f%14.1f" % (med(("softdirty", p), 0) / c, med(("uffd", p), 0) / c))
print("\nper-write fault overhead (write to a protected page minus a writable one), us")
print("%-6s" % "dirty" + "".join("%15s" % m for m in mechs) + "%18s" % "hvkmem/softdirty")
for p in (1, 10, 50):
    print("%-6s" % f"{p}%" + "".join("%15.2f" % (med((m, p), 1) / 1e3) for m in mechs) +
          "%18.2f" % (med(("hvkmem", p), 1) / med(("softdirty", p), 1)))
print("\nreported pages (exact = written): " + ", ".join(
    f"{m} {min(r[2] - r[3] for k in rows if k[0] == m for r in rows[k])}..{max(r[2] - r[3] for k in rows if k[0] == m for r in rows[k])} extra"
    for m in mechs))
PY

# ---- a live migration of a busy 1 GiB region ----
ip netns add src
ip netns add dst
ip link add va netns src type veth peer name vb netns dst
ip -n src addr add 10.9.0.1/24 dev va
ip -n dst addr add 10.9.0.2/24 dev vb
for ns in src dst; do ip -n $ns link set lo up; done
ip -n src link set va up
ip -n dst link set vb up
mkdir -p /run/hvkmem/src /run/hvkmem/dst
migrate()
{
	local rate=$1 tag=$2

	rm -f /run/hvkmem/dst/vm
	"$MEMTEST" writer /run/hvkmem/src/vm "$rate" &
	WPID=$!
	sleep 1
	ip netns exec dst "$MIGRATE" recv /run/hvkmem/dst/vm --listen 7000 > /dev/null &
	sleep 0.3
	ip netns exec src "$MIGRATE" send /run/hvkmem/src/vm --to 10.9.0.2:7000 \
		--pause-pid "$WPID" --downtime-limit 30 --json > "$OUT/$tag.json"
	wait %2 2>/dev/null
	kill -CONT "$WPID"; kill "$WPID"; wait "$WPID" 2>/dev/null
}
dd if=/dev/urandom of=/run/hvkmem/src/vm bs=1M count=768 status=none
truncate -s 1G /run/hvkmem/src/vm
migrate 1 idle
bw=$(jq .bandwidth "$OUT/idle.json")
rate=$(python3 -c "print(int(0.25 * $bw / 4096))")
migrate "$rate" busy
python3 - "$OUT/idle.json" "$OUT/busy.json" "$rate" <<'PY'
import json, sys
idle, busy = (json.load(open(f)) for f in sys.argv[1:3])
print("\nlive migration, 1 GiB (768 MiB random + zero pages), --downtime-limit 30")
print("%-28s %8s %8s %10s %12s %12s %10s %10s" % ("", "result", "rounds", "total s", "link MB/s", "dirty MB/s", "downtime", "final pgs"))
for name, r in (("idle writer", idle), (f"writer {sys.argv[3]} pages/s (25 %)", busy)):
    print("%-28s %8s %8d %10.2f %12.1f %12.1f %8.1fms %10d" % (name, r["result"], r["rounds"], r["total_ms"] / 1e3,
          r["bandwidth"] / 1e6, r["dirty_rate"] / 1e6, r.get("downtime_ms", -1), r.get("downtime", {}).get("final_pages", -1)))
b = busy.get("downtime", {})
print("busy downtime breakdown: final round %.1f ms, verify %.1f ms, commit %.1f ms" %
      (b.get("final_round_ms", -1), b.get("verify_ms", -1), b.get("commit_ms", -1)))
PY
