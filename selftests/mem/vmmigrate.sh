#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hvk-migrate --qmp: a running QEMU VM whose RAM is an hvkmem region and
# whose virtio-net NIC is a tap on an hvk switch moves to a second QEMU
# waiting with -incoming defer -S, on this host (nested QEMU, TCG).
#
#   QEMU src (RAM $MNT/src/vm, tap0) --+-- sw0 --+-- QEMU dst (RAM $MNT/dst/vm, tap1)
#                                             |
#                                  tr0 trunk VLAN 10 (veth)     netns hostb
#                                             +-- tr1 -- sw1 -- tap3 -- QEMU dst2 (RAM $MNT/dst2/vm)
#   hvk-migrate send --qmp ---- 127.0.0.1:7100 ---> hvk-migrate recv --qmp
#
# The VM moves src -> dst (one switch, two taps), then dst -> dst2 (another
# switch, in another netns standing for another host, joined by a trunk):
# VM ports are access VLAN 10.
#
# The VM runs selftests/mem/vmworkload.s: it rewrites 8 MiB of its RAM,
# checks each page a lap later and prints a heartbeat counter kept in RAM.
# The two serial logs joined must read as one run: every heartbeat once, in
# order, no failed check.  The VM has no operating system, so no ping: the
# network check is QEMU's own announcement (RARP) moving the MAC's FDB entry.
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=selftests/mem/common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=selftests/mem/vm.sh
. "$(dirname "$0")/vm.sh"

OUT=/tmp/vmmigrate
VM_OUT=$OUT
SRC=$MNT/src/vm
DST=$MNT/dst/vm
MAC=$VM_MAC
MONJ=$OUT/monitor.json
# The spin between two iterations: at this one, nested under TCG, the VM
# writes a few hundred pages a second (a lap of its 2048 pages in seconds).
DELAY=${HVK_VM_DELAY:-200000}

cleanup()
{
	# shellcheck disable=SC2086 # an unset pid is no argument
	vm_cleanup ${MON_PID:-}
	ip link del sw0 2>/dev/null
	ip link del tr0 2>/dev/null
	ip netns del hostb 2>/dev/null
	umount "$MNT" 2>/dev/null
	return 0
}
trap cleanup EXIT

setup()
{
	command -v qemu-system-x86_64 > /dev/null || { echo "# no qemu-system-x86_64"; exit "$KSFT_SKIP"; }
	mount_hvkmem "size=256m" || exit "$KSFT_SKIP"
	rm -rf "$OUT"
	mkdir -p "$MNT/src" "$MNT/dst" "$MNT/dst2" "$OUT"
	vm_workload "$DELAY" || { echo "# cannot assemble the test VM"; exit "$KSFT_SKIP"; }
	modprobe hvk_switch
	modprobe tun
	ip link add sw0 type hvk_switch
	ip link set sw0 up
	for t in tap0 tap1; do
		ip tuntap add "$t" mode tap
		ip link set "$t" up
		"$HVK" port add sw0 "$t"
		"$HVK" port set "$t" vlan access 10
	done
	ip netns add hostb
	ip -n hostb link add sw1 type hvk_switch
	ip -n hostb link set sw1 up
	ip link add tr0 type veth peer name tr1 netns hostb
	ip link set tr0 up
	ip -n hostb link set tr1 up
	"$HVK" port add sw0 tr0
	"$HVK" port set tr0 vlan trunk 10
	ip netns exec hostb ip tuntap add tap3 mode tap
	ip -n hostb link set tap3 up
	ip netns exec hostb "$HVK" port add sw1 tr1
	ip netns exec hostb "$HVK" port set tr1 vlan trunk 10
	ip netns exec hostb "$HVK" port add sw1 tap3
	ip netns exec hostb "$HVK" port set tap3 vlan access 10
	"$HVK" -j monitor switch sw0 > "$MONJ" 2>&1 &
	MON_PID=$!
}

# mac_port [NETNS SWITCH]: the port the VM's MAC is learned on, in VLAN 10
# of sw0 (or of SWITCH in NETNS).
mac_port()
{
	local in_ns=()

	[ -n "${1:-}" ] && in_ns=(ip netns exec "$1")
	"${in_ns[@]}" "$HVK" -j fdb show "${2:-sw0}" |
		jq -r ".[] | select(.mac == \"$MAC\" and .vlan == 10) | .dev"
}

test_vm_migrate()
{
	local out beats size

	RET=0
	vm src "$SRC" tap0 || { log_test "migrate a running VM"; return; }
	wait_beats src 3; check_err $? "the source VM shows no heartbeat"
	# The VM sends nothing itself: QEMU announces its MAC, the switch learns tap0.
	qmp src announce-self '{"initial": 50, "max": 100, "rounds": 2, "step": 50}' > /dev/null
	for _ in $(seq 50); do
		[ "$(mac_port)" = tap0 ] && break
		sleep 0.1
	done
	check_match "$(mac_port)" "^tap0$" "the VM's MAC before the migration"
	vm dst "$DST" tap1 -incoming defer -S
	check_err $? "the destination QEMU did not start"
	"$MIGRATE" recv "$DST" --listen 127.0.0.1:7100 --qmp "$OUT/dst.qmp" --json \
		> "$OUT/recv.json" 2> "$OUT/recv.err" &
	RPID=$!
	listening 7100
	"$MIGRATE" send "$SRC" --to 127.0.0.1:7100 --qmp "$OUT/src.qmp" --verify full --json \
		> "$OUT/send.json" 2> "$OUT/send.err"
	check_err $? "send failed: $(cat "$OUT/send.json" "$OUT/send.err")"
	wait "$RPID"; check_err $? "recv failed: $(cat "$OUT/recv.json" "$OUT/recv.err")"
	jq -r '"# downtime \(.downtime_ms | floor) ms (final round \(.downtime.final_round_ms | floor) ms, \(.downtime.final_pages) pages; device state \(.downtime.device_bytes) bytes saved in \(.downtime.device_save_ms | floor) ms, loaded in \(.downtime.device_load_ms | floor) ms; \(.downtime.late_pages) pages dirtied meanwhile; verify \(.downtime.verify_ms | floor) ms; resume \(.downtime.resume_ms | floor) ms), total \(.total_ms | floor) ms, \(.rounds) rounds, \(.bytes) bytes"' \
		"$OUT/send.json" 2>&1
	out=$(jq -r '[.result, .vm, .source, (.downtime.device_bytes > 0)] | @tsv' "$OUT/send.json" 2>&1)
	check_match "$out" "^ok	true	postmigrate	true$" "send report: $out"
	out=$(jq -r '[.result, .vm, .vm_state] | @tsv' "$OUT/recv.json" 2>&1)
	check_match "$out" "^ok	true	running$" "recv report: $out"

	out=$(vm_status src)
	check_match "$out" "^postmigrate$" "the source VM after the migration"
	out=$(vm_status dst)
	check_match "$out" "^running$" "the destination VM after the migration"
	wait_beats dst 3; check_err $? "the destination VM shows no heartbeat"
	size=$(stat -c %s "$OUT/src.serial")
	sleep 2
	[ "$(stat -c %s "$OUT/src.serial")" = "$size" ]
	check_err $? "the source VM still runs"
	beats=$(one_run "$OUT/src.serial" "$OUT/dst.serial" 2>&1)
	check_err $? "the consoles do not read as one run: $beats"
	echo "# $beats heartbeats in one run: $(heartbeats src) on the source, $(heartbeats dst) on the destination"

	# QEMU announces the VM's MAC on its new tap (RARP): the switch moves it.
	sleep 1
	check_match "$(mac_port)" "^tap1$" "the VM's MAC in the FDB"
	out=$(jq -r "select(.object == \"fdb\" and .event == \"moved\" and .fdb.mac == \"$MAC\") | .fdb.dev" \
		"$MONJ" | tail -n 1)
	check_match "$out" "^tap1$" "no FDB moved event for the VM's MAC"
	log_test "migrate a running VM: it goes on from where it stopped, no page lost, the MAC moves"
	vm_kill src
}

# The migrated VM moves on, to a QEMU behind another switch in another netns
# joined by a VLAN trunk: sw0 learns the MAC on the trunk, sw1 on tap3.
test_vm_migrate_trunk()
{
	local out

	RET=0
	[ "$(vm_status dst 2>/dev/null)" = running ] ||
		{ check_err 1 "no migrated VM to move on"; log_test "migrate across a trunk"; return; }
	VM_NETNS=hostb vm dst2 "$MNT/dst2/vm" tap3 -incoming defer -S
	check_err $? "the second destination QEMU did not start"
	"$MIGRATE" recv "$MNT/dst2/vm" --listen 127.0.0.1:7100 --qmp "$OUT/dst2.qmp" \
		> "$OUT/recv.out" 2> "$OUT/recv.err" &
	RPID=$!
	listening 7100
	"$MIGRATE" send "$DST" --to 127.0.0.1:7100 --qmp "$OUT/dst.qmp" > "$OUT/send.out" 2> "$OUT/send.err"
	check_err $? "send failed: $(cat "$OUT/send.out" "$OUT/send.err")"
	wait "$RPID"; check_err $? "recv failed: $(cat "$OUT/recv.out" "$OUT/recv.err")"
	sed 's/^/# /' "$OUT/send.out"
	check_match "$(vm_status dst)" "^postmigrate$" "the first destination after moving on"
	check_match "$(vm_status dst2)" "^running$" "the second destination"
	wait_beats dst2 2; check_err $? "the second destination VM shows no heartbeat"
	out=$(one_run "$OUT/src.serial" "$OUT/dst.serial" "$OUT/dst2.serial" 2>&1)
	check_err $? "the three consoles do not read as one run: $out"
	sleep 1
	check_match "$(mac_port)" "^tr0$" "sw0 learned the VM's MAC"
	check_match "$(mac_port hostb sw1)" "^tap3$" "sw1 learned the VM's MAC"
	out=$(jq -r "select(.object == \"fdb\" and .event == \"moved\" and .fdb.mac == \"$MAC\") | .fdb.dev" \
		"$MONJ" | tail -n 1)
	check_match "$out" "^tr0$" "no FDB moved event to the trunk"
	log_test "migrate it on across a VLAN trunk to another switch in another netns: one run, the MAC follows"
	vm_kill dst
	vm_kill dst2
}

# A destination QEMU without the source's NIC cannot load its device state
# (QEMU 7.2 exits): the source VM runs on, the destination never ran.
test_vm_refused()
{
	local out

	RET=0
	rm -f "$SRC" "$DST"
	vm src "$SRC" tap0 || { log_test "a refused device state"; return; }
	wait_beats src 2; check_err $? "the source VM shows no heartbeat"
	vm dst "$DST" - -incoming defer -S
	"$MIGRATE" recv "$DST" --listen 127.0.0.1:7100 --qmp "$OUT/dst.qmp" \
		> "$OUT/recv.out" 2> "$OUT/recv.err" &
	RPID=$!
	listening 7100
	"$MIGRATE" send "$SRC" --to 127.0.0.1:7100 --qmp "$OUT/src.qmp" \
		> "$OUT/send.out" 2> "$OUT/send.err"
	check_fail $? "send succeeded into a QEMU without the NIC"
	wait "$RPID"; check_fail $? "recv succeeded"
	out=$(cat "$OUT/send.err")
	check_match "$out" "refused the device state.*the source is running" "send's report: $out"
	out=$(vm_status src)
	check_match "$out" "^running$" "the source VM after a refused migration"
	wait_beats src 2; check_err $? "the source VM does not run on"
	out=$(cat "$OUT/recv.err")
	check_match "$out" "the destination VM was not started" "recv's report: $out"
	log_test "a destination QEMU refusing the device state: the source VM runs on"
	vm_kill dst
}

# Killing the receiver mid-round: the source VM (never paused) runs on, the
# destination never runs.
test_vm_recv_killed()
{
	local out

	RET=0
	vm dst "$DST" tap1 -incoming defer -S || { log_test "recv killed"; return; }
	"$MIGRATE" recv "$DST" --listen 127.0.0.1:7100 --qmp "$OUT/dst.qmp" \
		> /dev/null 2>&1 &
	RPID=$!
	listening 7100
	"$MIGRATE" send "$SRC" --to 127.0.0.1:7100 --qmp "$OUT/src.qmp" --bandwidth 4mbit \
		> "$OUT/send.out" 2> "$OUT/send.err" &
	SPID=$!
	sleep 3
	kill -9 "$RPID"
	wait "$SPID"; check_fail $? "send succeeded without its receiver"
	out=$(cat "$OUT/send.err")
	check_match "$out" "the source is running" "send's report: $out"
	out=$(vm_status src)
	check_match "$out" "^running$" "the source VM after its receiver died"
	# Its stream cut, QEMU 7.2 gives up on the incoming migration and exits.
	check_match "$(heartbeats dst)" "^0$" "the destination VM ran"
	wait_beats src 2; check_err $? "the source VM does not run on"
	out=$(one_run "$OUT/src.serial" 2>&1)
	check_err $? "the source's console: $out"
	log_test "the receiver killed mid-round: the source VM runs on, the destination never ran"
	vm_kill dst
}

# Killing the sender while the source VM is paused: a listener on the
# test's monitor kills it the moment QEMU reports the sender's "stop" (its
# final round, before any commit can be).  Its guardian resumes the VM over
# QMP; the destination never runs.
test_vm_send_killed()
{
	local out st

	RET=0
	[ "$(vm_status src 2>/dev/null)" = running ] || vm src "$SRC" tap0 ||
		{ log_test "send killed"; return; }
	vm dst "$DST" tap1 -incoming defer -S || { log_test "send killed"; return; }
	"$MIGRATE" recv "$DST" --listen 127.0.0.1:7100 --qmp "$OUT/dst.qmp" \
		> "$OUT/recv.out" 2> "$OUT/recv.err" &
	RPID=$!
	listening 7100
	rm -f "$OUT/killer.ready" "$OUT/sender.pid"
	python3 - "$OUT/src.mon" "$OUT" > "$OUT/killer.out" 2>&1 <<'EOF2' &
import json, os, signal, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()
f.write('{"execute": "qmp_capabilities"}\n')
f.flush()
f.readline()
open(sys.argv[2] + "/killer.ready", "w").close()
for line in f:
    if json.loads(line).get("event") == "STOP":
        pid = int(open(sys.argv[2] + "/sender.pid").read())
        os.kill(pid, signal.SIGKILL)
        print("killed the sender at STOP")
        break
EOF2
	KPID=$!
	for _ in $(seq 300); do
		[ -e "$OUT/killer.ready" ] && break
		sleep 0.1
	done
	"$MIGRATE" send "$SRC" --to 127.0.0.1:7100 --qmp "$OUT/src.qmp" \
		> "$OUT/send.out" 2> "$OUT/send.err" &
	SPID=$!
	echo "$SPID" > "$OUT/sender.pid"
	bounded_wait "$KPID" 60
	check_err $? "no STOP event: $(cat "$OUT/killer.out" "$OUT/send.err")"
	wait "$SPID" 2>/dev/null
	check_match "$(cat "$OUT/killer.out")" "killed the sender at STOP" "the listener"
	for _ in $(seq 100); do
		st=$(vm_status src)
		[ "$st" = running ] && break
		sleep 0.1
	done
	check_match "$st" "^running$" "the source VM after its sender died paused"
	bounded_wait "$RPID" 60; check_fail $? "recv succeeded without its sender"
	out=$(cat "$OUT/recv.err")
	check_match "$out" "the destination VM was not started" "recv's report: $out"
	check_match "$(heartbeats dst)" "^0$" "the destination VM ran"
	wait_beats src 2; check_err $? "the source VM does not run on"
	out=$(one_run "$OUT/src.serial" 2>&1)
	check_err $? "the source's console: $out"
	log_test "the sender killed while the VM is paused: its guardian resumes the VM, the destination never ran"
	vm_kill dst
}

# bounded_wait PID SECONDS: wait's status, or 124 (PID killed) after SECONDS.
bounded_wait()
{
	for _ in $(seq $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && { kill -9 "$1"; wait "$1"; return 124; }
	wait "$1"
}

# Setups that must be refused before a byte moves.
test_vm_bad_setup()
{
	local out

	RET=0
	# PATH is not the VM's RAM.
	truncate -s 32M "$MNT/src/other"
	out=$("$MIGRATE" send "$MNT/src/other" --to 127.0.0.1:7100 --qmp "$OUT/src.qmp" 2>&1)
	check_fail $? "send accepted a region that is not the VM's RAM"
	check_match "$out" "the VM's RAM is not in $MNT/src/other" "wrong region: $out"
	# A peer that migrates a region, not a VM.
	"$MIGRATE" recv "$SRC" --listen 127.0.0.1:7100 --qmp "$OUT/src.qmp" \
		> /dev/null 2> "$OUT/recv.err" &
	RPID=$!
	listening 7100
	"$MIGRATE" send "$MNT/src/other" --to 127.0.0.1:7100 --pause-cmd true --resume-cmd true \
		> /dev/null 2>&1
	wait "$RPID"; check_fail $? "recv --qmp accepted a running QEMU"
	out=$(cat "$OUT/recv.err")
	check_match "$out" "source migrates a region, not a VM" "recv against send without --qmp: $out"
	out=$("$MIGRATE" send "$SRC" --to 127.0.0.1:7100 --qmp "$OUT/src.qmp" --pause-pid 1234 2>&1)
	check_fail $? "--qmp with --pause-pid"
	check_match "$out" "one of --qmp SOCKET, --pause-pid PID or --pause-cmd CMD" "usage: $out"
	out=$("$MIGRATE" send "$SRC" --to 127.0.0.1:7100 --qmp "$OUT/nosuch.qmp" 2>&1)
	check_fail $? "a missing QMP socket"
	check_match "$out" "QMP socket $OUT/nosuch.qmp: No such file" "missing socket: $out"
	out=$(vm_status src)
	check_match "$out" "^running$" "the source VM after refused setups"
	log_test "refused setups: not the VM's RAM, a peer without --qmp, option clashes, no socket"
	rm -f "$MNT/src/other"
}

# A link slower than the VM dirties its RAM: --auto-converge throttles the VM
# with QMP stop/cont until the rest fits the downtime limit.
test_vm_auto_converge()
{
	local out

	RET=0
	[ "$(vm_status src 2>/dev/null)" = running ] || vm src "$SRC" tap0 ||
		{ log_test "auto-converge"; return; }
	vm dst "$DST" tap1 -incoming defer -S
	"$MIGRATE" recv "$DST" --listen 127.0.0.1:7100 --qmp "$OUT/dst.qmp" \
		> "$OUT/recv.out" 2> "$OUT/recv.err" &
	RPID=$!
	listening 7100
	"$MIGRATE" send "$SRC" --to 127.0.0.1:7100 --qmp "$OUT/src.qmp" --bandwidth 8mbit \
		--auto-converge --downtime-limit 100 --json > "$OUT/send.json" 2> "$OUT/send.err"
	check_err $? "send failed: $(cat "$OUT/send.json" "$OUT/send.err")"
	wait "$RPID"; check_err $? "recv failed: $(cat "$OUT/recv.out" "$OUT/recv.err")"
	jq -r '"# \(.rounds) rounds at 1 MB/s, last dirty rate \(.dirty_rate) B/s, downtime \(.downtime_ms | floor) ms"' \
		"$OUT/send.json" 2>&1
	check_match "$(vm_status dst)" "^running$" "the destination VM"
	wait_beats dst 2; check_err $? "the destination VM shows no heartbeat"
	out=$(one_run "$OUT/src.serial" "$OUT/dst.serial" 2>&1)
	check_err $? "the consoles do not read as one run: $out"
	log_test "--auto-converge over QMP: a VM dirtying faster than the link migrates"
	vm_kill src
	vm_kill dst
}

setup
# HVK_TESTS: a subset, in order.
for t in ${HVK_TESTS:-vm_migrate vm_migrate_trunk vm_refused vm_recv_killed vm_send_killed \
	vm_bad_setup vm_auto_converge}; do
	"test_$t"
done
vm_kill src
tap_done
