#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-migrate: one VM (nested QEMU under TCG, RAM an hvkmem region,
# selftests/mem/vmworkload.s rewriting part of it), migrated on this host
# over loopback TCP in the same guest boot by
#   hvk   hvk-migrate --qmp: RAM from the hvkmem dirty log, device state by
#         QEMU (x-ignore-shared) over hvk-migrate's connection;
#   qemu  QEMU's own migration of the whole VM, RAM included (its dirty
#         bitmap), to a QEMU waiting with -incoming.
# Both at the same downtime limit; ROUNDS rounds each, interleaved; each
# run is checked (the workload goes on at the destination, no page lost).
# Printed: total time, downtime, bytes on the wire, rounds, and the
# ratios hvk/qemu (median of the rounds).
set -u
HVK_TOP=${HVK_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
B=${HVK_BUILD:-$HVK_TOP/build}
MIGRATE=$B/bin/hvk-migrate
ROUNDS=${HVK_BENCH_ROUNDS:-3}
DOWNTIME=${HVK_BENCH_DOWNTIME:-300}
MNT=/run/hvkmem
VM_OUT=/tmp/migratebench
VM_MEM=256M
# shellcheck source=selftests/mem/vm.sh
. "$HVK_TOP/selftests/mem/vm.sh"

fail()
{
	echo "bench: $*"
	exit 1
}

cleanup()
{
	# shellcheck disable=SC2086 # a list of pids
	[ -n "${EV_PIDS:-}" ] && kill $EV_PIDS 2>/dev/null
	vm_kill src
	vm_kill dst
	umount "$MNT" 2>/dev/null
}
trap cleanup EXIT

modprobe hvk_mem || fail "no hvk_mem"
mkdir -p "$MNT"
mount -t hvkmem -o size=1g none "$MNT"
rm -rf "$VM_OUT"
# 64 MiB rewritten at about 5 MB/s under nested TCG (vmmigrate.sh's VM at
# twice the rate): both migrations converge at the limit.
vm_workload "${HVK_BENCH_DELAY:-100000}" 16384 || fail "cannot assemble the test VM"

# events NAME: QEMU NAME's STOP and RESUME events ("EVENT seconds") into
# $VM_OUT/NAME.events, over a third monitor, until killed.  QEMU stamps
# each event with the host's clock: both VMs run on this host.
events()
{
	python3 -u - "$VM_OUT/$1.ev" > "$VM_OUT/$1.events" 2>&1 <<'PY' &
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()
f.write('{"execute": "qmp_capabilities"}\n')
f.flush()
for line in f:
    e = json.loads(line)
    if e.get("event") in ("STOP", "RESUME"):
        t = e["timestamp"]
        print(e["event"], t["seconds"] + t["microseconds"] / 1e6)
PY
	EV_PIDS+=" $!"
}

# start_pair [-S]: a running source VM and a destination waiting for it
# (-S: paused once its state is in), both with event listeners.
start_pair()
{
	local ev=(-qmp "unix:$VM_OUT/src.ev,server=on,wait=off")

	rm -f "$MNT/src" "$MNT/dst"
	EV_PIDS=
	vm src "$MNT/src" - "${ev[@]}" || fail "the source QEMU did not start"
	wait_beats src 3 || fail "the source VM shows no heartbeat"
	ev=(-qmp "unix:$VM_OUT/dst.ev,server=on,wait=off")
	vm dst "$MNT/dst" - -incoming defer "$@" "${ev[@]}" ||
		fail "the destination QEMU did not start"
	events src
	events dst
	sleep 1
}

# paused_ms: the VM's pause as the guest saw it, the source's last STOP to
# the destination's first RESUME (QEMU's event timestamps).
paused_ms()
{
	local stop resume

	stop=$(awk '$1 == "STOP" { t = $2 } END { print t }' "$VM_OUT/src.events")
	resume=$(awk '$1 == "RESUME" { print $2; exit }' "$VM_OUT/dst.events")
	[ -n "$stop" ] && [ -n "$resume" ] ||
		fail "no STOP/RESUME events: $(cat "$VM_OUT/src.events" "$VM_OUT/dst.events")"
	awk -v a="$stop" -v b="$resume" 'BEGIN { printf "%.1f", (b - a) * 1000 }'
}

# check_run: the workload went on at the destination.
check_run()
{
	local out

	wait_beats dst 2 || fail "$1: the destination VM shows no heartbeat (status $(vm_status dst 2>&1);" \
		"QEMU: $(tail -c 300 "$VM_OUT/dst.log"); console: $(tail -c 100 "$VM_OUT/dst.serial"))"
	out=$(one_run "$VM_OUT/src.serial" "$VM_OUT/dst.serial" 2>&1) || fail "$1: $out"
	PAUSED=$(paused_ms)
	# shellcheck disable=SC2086 # a list of pids
	kill $EV_PIDS 2>/dev/null
	vm_kill src
	vm_kill dst
}

run_hvk()
{
	local r rpid

	start_pair -S
	"$MIGRATE" recv "$MNT/dst" --listen 127.0.0.1:7100 --qmp "$VM_OUT/dst.qmp" \
		> /dev/null 2> "$VM_OUT/recv.err" &
	rpid=$!
	for _ in $(seq 300); do
		ss -Hltn "sport = :7100" | grep -q . && break
		sleep 0.1
	done
	"$MIGRATE" send "$MNT/src" --to 127.0.0.1:7100 --qmp "$VM_OUT/src.qmp" \
		--downtime-limit "$DOWNTIME" --max-rounds 60 --json > "$VM_OUT/send.json" \
		2> "$VM_OUT/send.err" ||
		fail "hvk-migrate: $(cat "$VM_OUT/send.json" "$VM_OUT/send.err" "$VM_OUT/recv.err")"
	wait "$rpid" || fail "hvk-migrate recv: $(cat "$VM_OUT/recv.err")"
	check_run hvk
	r=$(jq -r '"\(.total_ms) \(.downtime_ms) \(.bytes) \(.rounds) \(.downtime.device_bytes)"' \
		"$VM_OUT/send.json")
	echo "hvk $r $PAUSED" >> "$VM_OUT/raw"
	jq -r '.downtime | "\(.final_round_ms) \(.final_pages) \(.device_save_ms) \(.late_pages_ms) \(.verify_ms) \(.device_load_ms) \(.resume_ms)"' \
		"$VM_OUT/send.json" >> "$VM_OUT/down"
}

run_qemu()
{
	local r status

	start_pair
	qmp src migrate-set-parameters "{\"downtime-limit\": $DOWNTIME}" > /dev/null ||
		fail "qemu: downtime-limit refused"
	qmp dst migrate-incoming '{"uri": "tcp:127.0.0.1:7200"}' > /dev/null ||
		fail "qemu: migrate-incoming refused"
	qmp src migrate '{"uri": "tcp:127.0.0.1:7200"}' > /dev/null || fail "qemu: migrate refused"
	for _ in $(seq 3000); do
		r=$(qmp src query-migrate)
		status=$(echo "$r" | jq -r .status)
		[ "$status" = completed ] && break
		[ "$status" = failed ] && fail "qemu: $(echo "$r" | jq -r '."error-desc"')"
		sleep 0.1
	done
	if [ "$status" != completed ]; then
		qmp src migrate_cancel > /dev/null
		fail "qemu: still $status after 300 s (not converging at this dirty rate)"
	fi
	# Without -S the destination runs as soon as its state is in.
	check_run qemu
	r=$(echo "$r" | jq -r '"\(."total-time") \(.downtime) \(.ram.transferred) \(.ram."dirty-sync-count") 0"')
	echo "qemu $r $PAUSED" >> "$VM_OUT/raw"
}

for _ in $(seq "$ROUNDS"); do
	run_hvk
	run_qemu
done

python3 - "$VM_OUT/raw" "$DOWNTIME" "$VM_OUT/down" <<'PY'
import statistics, sys
runs = {"hvk": [], "qemu": []}
for line in open(sys.argv[1]):
    name, *vals = line.split()
    runs[name].append([float(v) for v in vals])
print("VM: 256 MiB, 64 MiB rewritten; downtime limit %s ms; %d rounds each"
      % (sys.argv[2], len(runs["hvk"])))
print("%-5s %10s %12s %12s %12s %7s %12s" % ("", "total ms", "downtime ms", "paused ms",
                                             "bytes", "rounds", "device B"))
med = {}
for name, rows in runs.items():
    for r in rows:
        print("%-5s %10.0f %12.1f %12.1f %12.0f %7.0f %12.0f" % (name, r[0], r[1], r[5], *r[2:5]))
    m = med[name] = [statistics.median(c) for c in zip(*rows)]
    print("%-5s %10.0f %12.1f %12.1f %12.0f %7.0f %12.0f  (median)" % (name, m[0], m[1], m[5], *m[2:5]))
h, q = med["hvk"], med["qemu"]
print("hvk/qemu: total time %.2f, downtime (each tool's own) %.2f, paused %.2f, bytes %.2f"
      % (h[0] / q[0], h[1] / q[1], h[5] / q[5], h[2] / q[2]))
print("downtime: hvk-migrate's from stop to cont at the destination; QEMU's from stop until its")
print("stream ends at the source.  paused: the source's STOP event to the destination's RESUME")
print("event (QEMU's own timestamps): the same measure for both.")
down = [[float(v) for v in line.split()] for line in open(sys.argv[3])]
d = [statistics.median(c) for c in zip(*down)]
print("hvk downtime (median ms): final round %.1f (%.0f pages), device save %.1f, late pages %.1f,"
      " verify %.1f, device load %.1f, resume %.1f" % tuple(d))
PY
