#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hvk-migrate --qmp with an operating system in the VM: a Debian kernel
# (the running one) whose RAM is an hvkmem region, its virtio-net NIC a tap
# on an hvk switch, pinged from another netns while it migrates.
#
#   QEMU src (RAM $MNT/src/vm, tap0) --+-- sw0 --+-- QEMU dst (RAM $MNT/dst/vm, tap1)
#                                      |
#                         h0 (veth, netns hostc, 10.9.0.1) pings 10.9.0.2
#
# All ports are access VLAN 10.  Inside the VM, selftests/mem/vmwork.c
# rewrites and checks 8 MiB of its memory and prints heartbeats; the two
# consoles joined must read as one run.  The pings stop while the VM is
# paused and must come back from the destination: the report gives the gap.
# The VM's kernel boots in one to two minutes under nested emulation, so
# this suite is in make stress, not make check (vmmigrate.sh covers the
# rest of the contract there with a VM that needs no boot).
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=selftests/mem/common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=selftests/mem/vm.sh
. "$(dirname "$0")/vm.sh"

OUT=/tmp/vmping
VM_OUT=$OUT
VM_MEM=128M
SRC=$MNT/src/vm
DST=$MNT/dst/vm
MAC=$VM_MAC
MONJ=$OUT/monitor.json
IP=10.9.0.2

cleanup()
{
	# shellcheck disable=SC2086 # unset pids are no arguments
	vm_cleanup ${MON_PID:-} ${PING_PID:-}
	ip link del sw0 2>/dev/null
	ip netns del hostc 2>/dev/null
	umount "$MNT" 2>/dev/null
	return 0
}
trap cleanup EXIT

setup()
{
	command -v qemu-system-x86_64 > /dev/null || { echo "# no qemu-system-x86_64"; exit "$KSFT_SKIP"; }
	mount_hvkmem "size=320m" || exit "$KSFT_SKIP"
	rm -rf "$OUT"
	mkdir -p "$MNT/src" "$MNT/dst" "$OUT"
	vm_linux "$IP/24" 2000 || { echo "# cannot build the test VM"; exit "$KSFT_SKIP"; }
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
	ip netns add hostc
	ip link add h1 type veth peer name h0 netns hostc
	ip link set h1 up
	"$HVK" port add sw0 h1
	"$HVK" port set h1 vlan access 10
	ip -n hostc link set h0 up
	ip -n hostc addr add 10.9.0.1/24 dev h0
	"$HVK" -j monitor switch sw0 > "$MONJ" 2>&1 &
	MON_PID=$!
}

mac_port()
{
	"$HVK" -j fdb show sw0 | jq -r ".[] | select(.mac == \"$MAC\" and .vlan == 10) | .dev"
}

# ping_report LOG SINCE: of ping -D's replies in LOG, "REPLIES LOST GAP
# AFTER": the replies, the requests never answered, the longest gap between
# two replies (ms) and the replies after epoch SINCE.
ping_report()
{
	sed -n 's/^\[\([0-9.]*\)\] .* icmp_seq=\([0-9]*\) .*/\1 \2/p' "$1" | awk -v since="$2" '
		{ if (n && ($1 - last) * 1000 > gap) gap = ($1 - last) * 1000
		  last = $1; n++; if ($1 > since) after++; if ($2 > seq) seq = $2 }
		END { printf "%d %d %d %d\n", n, seq - n, gap, after }'
}

test_vm_ping()
{
	local out replies lost gap after end

	RET=0
	vm src "$SRC" tap0 || { log_test "migrate a pinged Linux VM"; return; }
	# Boot, then the workload: minutes under nested emulation.
	wait_beats src 2 600
	check_err $? "the VM shows no heartbeat: $(tail -n 5 "$OUT/src.console")"
	for _ in $(seq 60); do
		n hostc ping -c 1 -W 1 "$IP" > /dev/null && break
	done
	check_match "$(mac_port)" "^tap0$" "the VM's MAC before the migration"
	n hostc ping -D -i 0.2 -W 1 "$IP" > "$OUT/ping.log" 2>&1 &
	PING_PID=$!
	sleep 2
	vm dst "$DST" tap1 -incoming defer -S
	check_err $? "the destination QEMU did not start"
	"$MIGRATE" recv "$DST" --listen 127.0.0.1:7100 --qmp "$OUT/dst.qmp" --json \
		> "$OUT/recv.json" 2> "$OUT/recv.err" &
	RPID=$!
	listening 7100
	"$MIGRATE" send "$SRC" --to 127.0.0.1:7100 --qmp "$OUT/src.qmp" --verify full --json \
		> "$OUT/send.json" 2> "$OUT/send.err"
	check_err $? "send failed: $(cat "$OUT/send.json" "$OUT/send.err")"
	end=$(date +%s.%N)
	wait "$RPID"; check_err $? "recv failed: $(cat "$OUT/recv.json" "$OUT/recv.err")"
	check_match "$(vm_status src)" "^postmigrate$" "the source VM after the migration"
	check_match "$(vm_status dst)" "^running$" "the destination VM after the migration"
	wait_beats dst 3; check_err $? "the destination VM shows no heartbeat"
	sleep 3
	kill "$PING_PID"
	wait "$PING_PID" 2>/dev/null
	PING_PID=
	jq -r '"# downtime \(.downtime_ms | floor) ms (final round \(.downtime.final_round_ms | floor) ms, device state \(.downtime.device_bytes) bytes, saved in \(.downtime.device_save_ms | floor) ms, loaded in \(.downtime.device_load_ms | floor) ms), total \(.total_ms | floor) ms, \(.rounds) rounds, \(.bytes) bytes"' \
		"$OUT/send.json" 2>&1
	read -r replies lost gap after < <(ping_report "$OUT/ping.log" "$end")
	echo "# pings every 200 ms: $replies replies, $lost lost, the longest gap $gap ms, $after after the migration"
	[ "${after:-0}" -ge 10 ]
	check_err $? "the pings did not come back from the destination: $(tail -n 3 "$OUT/ping.log")"
	out=$(one_run "$OUT/src.serial" "$OUT/dst.serial" 2>&1)
	check_err $? "the consoles do not read as one run: $out"
	echo "# $out heartbeats in one run: $(heartbeats src) on the source, $(heartbeats dst) on the destination"
	check_match "$(mac_port)" "^tap1$" "the VM's MAC in the FDB"
	out=$(jq -r "select(.object == \"fdb\" and .event == \"moved\" and .fdb.mac == \"$MAC\") | .fdb.dev" \
		"$MONJ" | tail -n 1)
	check_match "$out" "^tap1$" "no FDB moved event for the VM's MAC"
	log_test "migrate a Linux VM while pinged: the pings come back from the destination, one run, the MAC moves"
}

setup
test_vm_ping
tap_done
