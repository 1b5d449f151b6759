#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hvk_switch traffic policy: inbound shaping (accuracy, bursts, queue),
# outbound policing, storm control, security (forged transmits, MAC changes,
# promiscuous, locked, MAC limits), mirroring, eBPF filters, events, bad input.
#
#   h1 (eth0 02:..:01 10.0.0.1) --- va1 --+
#   h2 (eth0 02:..:02 10.0.0.2) --- va2 --+-- sw0 (hvk_switch)
#   h3 (eth0 02:..:03 10.0.0.3) --- va3 --+
#
# Rates are checked as the user sees them: TCP goodput against average x
# 1448/1514 (full-sized segments with timestamps), UDP as the wire bytes;
# both counted at the receiving device over 5 s after 3 s of warm-up.
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=selftests/switch/common.sh
. "$(dirname "$0")/common.sh"

NS="h1 h2 h3"
MONJ=/tmp/hvk-policy-monitor.json
BPF_OBJ=$HVK_BUILD/selftests/drop_udp.bpf.o
# Accuracy bound of the shaper, as the issue asks: +-2 %.
TOLERANCE=0.02

cleanup()
{
	[ -n "${MONJ_PID:-}" ] && kill "$MONJ_PID" 2>/dev/null
	for ns in $NS; do ip netns del "$ns" 2>/dev/null; done
	return 0
}
trap cleanup EXIT

setup()
{
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	modprobe hvk_switch
	modprobe tun
	ip link add sw0 type hvk_switch
	ip link set sw0 up
	for i in 1 2 3; do
		mkhost "h$i" "va$i" "$i"
		"$HVK" port add sw0 "va$i"
	done
	for i in 1 2 3; do
		for j in 1 2 3; do
			[ "$i" = "$j" ] || neigh "h$i" eth0 "10.0.0.$j" "$j"
		done
	done
	sysctl -qw net.core.wmem_max=8388608 net.core.rmem_max=8388608
	n h2 iperf3 -s -D -J
	n h1 iperf3 -s -D -J
	for i in 2 3; do reach h1 "10.0.0.$i"; done
}

# within VALUE EXPECTED TOL: |VALUE / EXPECTED - 1| <= TOL
within()
{
	python3 -c 'import sys; v, e, t = map(float, sys.argv[1:]); sys.exit(abs(v / e - 1) > t)' "$@"
}

ratio()
{
	python3 -c 'import sys; print("%.4f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$@"
}

drop_stat()
{
	"$HVK" -j port show "$1" | jq -r ".[0].stats.drops.$2"
}

# dev_rate NS DELAY SECONDS HDR: bit/s received on NS's eth0 over about
# SECONDS after DELAY, less HDR bytes per frame.  The window runs from one
# frame's arrival to another's (the counters are polled at each edge), so a
# big GSO frame landing just inside or outside an edge cannot skew it.
dev_rate()
{
	n "$1" python3 -c '
import sys, time
d = "/sys/class/net/eth0/statistics/"
rd = lambda: (int(open(d + "rx_bytes").read()), int(open(d + "rx_packets").read()))
def arrival():
    last, give_up = rd(), time.monotonic() + 5
    while time.monotonic() < give_up:
        now = rd()
        if now != last:
            return now, time.monotonic()
        time.sleep(0.0002)
    sys.exit("no frame arrived for 5 s")
delay, secs, hdr = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
time.sleep(delay)
(b0, p0), t0 = arrival()
time.sleep(secs)
(b1, p1), t1 = arrival()
print(((b1 - b0) - hdr * (p1 - p0)) * 8 / (t1 - t0))
' "$2" "$3" "$4"
}

# wire_rate NS DELAY SECONDS: L2 bit/s received on NS's eth0.
wire_rate()
{
	dev_rate "$1" "$2" "$3" 0
}

# tcp_goodput: TCP payload bit/s reaching h2 over 5 s of a 9 s iperf3 run
# h1 -> h2, counted at h2's device: each frame (a GSO frame counts once)
# carries 66 bytes of headers (Ethernet 14, IPv4 20, TCP with timestamps
# 32).  The device, not iperf3's receiver, so that the application's own
# scheduling stalls under emulation cannot move bytes across the window.
tcp_goodput()
{
	local pid got

	n h1 iperf3 -c 10.0.0.2 -t 9 > /dev/null &
	pid=$!
	got=$(dev_rate h2 3 5 66)
	wait $pid
	echo "$got"
}

# shaped_tcp MBIT: goodput through va2 shaped at MBIT against its expectation.
# Sets SHAPED_RATIO.  Returns 0 within TOLERANCE, 1 below it, 2 above it.
shaped_tcp()
{
	local mbit=$1 avg got expect

	avg=$((mbit * 1000000))
	"$HVK" port set va2 inbound average "${mbit}mbit"
	got=$(tcp_goodput)
	expect=$(python3 -c "print($avg * 1448 / 1514)")
	SHAPED_RATIO=$(ratio "$got" "$expect")
	echo "# TCP ${mbit} Mbit/s: goodput $got bit/s, expected $expect, ratio $SHAPED_RATIO"
	within "$got" "$expect" $TOLERANCE && return 0
	python3 -c "import sys; sys.exit($SHAPED_RATIO < 1)" && return 2
	return 1
}

# The number of tries at the highest rate: see test_tcp_shaping.
HIGH_RATE_TRIES=3

test_tcp_shaping()
{
	local mbit unshaped try rc

	for mbit in 1 10 100; do
		RET=0
		shaped_tcp "$mbit"
		check_err $? "TCP goodput at ${mbit}mbit off by more than 2 %: ratio $SHAPED_RATIO"
		log_test "inbound shaping: TCP goodput within 2 % of ${mbit} Mbit/s"
	done

	# Near the guest's own limit the shaper is the bottleneck only while
	# the emulator keeps its pace, and a busy host slows TCG for seconds at
	# a time: CI once measured 0.85 of 635 Mbit/s there after 1.27 Gbit/s
	# unshaped.  Too little is therefore tried again with a fresh unshaped
	# figure, up to HIGH_RATE_TRIES times; too much fails at once, because
	# no amount of host load makes a shaper pass more than its rate.
	RET=0
	for try in $(seq "$HIGH_RATE_TRIES"); do
		"$HVK" port set va2 inbound off
		unshaped=$(tcp_goodput)
		# The highest rate the guest sustains with the shaper still the
		# bottleneck.
		mbit=$(python3 -c "print(max(100, int($unshaped / 2e6)))")
		echo "# try $try: unshaped TCP $unshaped bit/s; shaping at ${mbit} Mbit/s"
		shaped_tcp "$mbit"
		rc=$?
		[ $rc = 1 ] || break
	done
	check_err $rc "TCP goodput at ${mbit}mbit off by more than 2 % (try $try of $HIGH_RATE_TRIES): ratio $SHAPED_RATIO"
	log_test "inbound shaping: TCP goodput within 2 % at half the guest's unshaped rate"
	"$HVK" port set va2 inbound off
}

# shaped_udp MBIT: the wire rate into h2 with 1.5 x MBIT of UDP offered.
# Returns 4 when the guest could not offer more than the rate.
shaped_udp()
{
	local mbit=$1 avg got r drops0 drops1 pid offered json=/tmp/udp.$$

	avg=$((mbit * 1000000))
	"$HVK" port set va2 inbound average "${mbit}mbit"
	drops0=$(drop_stat va2 shaper)
	# A send buffer beyond the queue: the sender's socket must not throttle
	# it before the shaper's queue fills.
	n h1 iperf3 -c 10.0.0.2 -u -l 1400 -w 4M -b "$((mbit * 1500))K" -t 10 -J > "$json" &
	pid=$!
	got=$(wire_rate h2 3 5)
	if ! wait $pid; then
		check_err 1 "iperf3 failed at ${mbit}mbit"
		return 1
	fi
	drops1=$(drop_stat va2 shaper)
	# What the sender managed, as wire bytes (1442 per 1400-byte datagram).
	offered=$(jq -r '.end.sum.bits_per_second * 1442 / 1400' "$json")
	rm -f "$json"
	r=$(ratio "$got" "$avg")
	echo "# UDP ${mbit} Mbit/s: offered $offered, wire $got bit/s, ratio $r, queue drops $((drops1 - drops0))"
	# Below 1.2 x the rate an emulated sender's stalls let the queue run
	# dry (the link idles) and its catch-up bursts overflow it: the wire
	# rate then measures the sender, not the shaper (seen: 101.5 Mbit/s
	# offered, 93.8 on the wire, 6319 tail drops).
	if ! within "$got" "$avg" $TOLERANCE && ! python3 -c "import sys; sys.exit($offered < 1.2 * $avg)"; then
		echo "# UDP ${mbit} Mbit/s: the guest could not offer more than $offered bit/s"
		return 4
	fi
	within "$got" "$avg" $TOLERANCE
	check_err $? "UDP wire rate at ${mbit}mbit off by more than 2 %: ratio $r"
	# Tail drop is only certain when the excess overflows the queue in the run.
	if python3 -c "import sys; sys.exit($offered < 1.2 * $avg)"; then
		[ "$drops1" -gt "$drops0" ]
		check_err $? "$offered bit/s offered never filled the ${mbit}mbit queue"
	fi
	return "$RET"
}

test_udp_shaping()
{
	local mbit

	for mbit in 1 10 100; do
		RET=0
		if shaped_udp "$mbit"; then
			log_test "inbound shaping: UDP wire rate within 2 % of ${mbit} Mbit/s, tail drop counted"
		elif [ $? = 4 ]; then
			log_skip "inbound shaping: UDP at ${mbit} Mbit/s" \
				"the guest cannot offer 1.2 x ${mbit} Mbit/s of UDP"
		else
			log_test "inbound shaping: UDP wire rate within 2 % of ${mbit} Mbit/s, tail drop counted"
		fi
	done
	"$HVK" port set va2 inbound off
}

# burst_spans COUNT FIRST: send COUNT 1200-byte datagrams h1 -> h2 at once;
# prints "received span_of_the_first_FIRST span_of_all" as h2 saw them.
burst_spans()
{
	local out=/tmp/burst.$$ pid

	n h2 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.0.2", 7000))
s.settimeout(3)
print("ready", flush=True)
n, first = int(sys.argv[1]), int(sys.argv[2])
t = []
try:
    while len(t) < n:
        s.recv(2048)
        t.append(time.monotonic())
except socket.timeout:
    pass
print(len(t), "%.3f %.3f" % (t[min(first, len(t)) - 1] - t[0], t[-1] - t[0]) if t else "0 -1 -1",
      flush=True)
' "$1" "$2" > "$out" &
	pid=$!
	while ! grep -q ready "$out" 2>/dev/null; do sleep 0.1; done
	n h1 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
for _ in range(int(sys.argv[1])):
    s.sendto(b"b" * 1200, ("10.0.0.2", 7000))
' "$1"
	wait $pid
	tail -n 1 "$out"
	rm -f "$out"
}

# spans_in "N FIRST ALL" N FIRST_MAX ALL_MIN ALL_MAX
spans_in()
{
	python3 -c '
import sys
n, first, total = sys.argv[1].split()
lim = [float(x) for x in sys.argv[3:]]
sys.exit(not (int(n) == int(sys.argv[2]) and float(first) < lim[0] and
              lim[1] <= float(total) < lim[2]))
' "$@"
}

test_burst()
{
	local out

	RET=0
	# 1242-byte frames: 52 fit a 64 KiB bucket; the other 28 follow at
	# 1 Mbit/s, 0.28 s.
	"$HVK" port set va2 inbound average 1mbit burst 64k
	sleep 1
	out=$(burst_spans 80 40)
	echo "# 80 frames after idle (received, span of the first 40, span of all): $out"
	spans_in "$out" 80 0.1 0.22 0.5
	check_err $? "not a 64k burst then 1 Mbit/s: $out"
	# With a peak rate the burst leaves at peak: 39 x 1242 bytes at 2 Mbit/s.
	"$HVK" port set va2 inbound average 1mbit peak 2mbit burst 64k
	sleep 1
	out=$(burst_spans 40 40)
	echo "# 40 frames after idle, peak 2mbit: $out"
	spans_in "$out" 40 1 0.17 0.3
	check_err $? "a burst did not leave at the peak rate: $out"
	# A packet rate under a high bit rate: 50 frames at 100 pps, 0.49 s.
	"$HVK" port set va2 inbound average 100mbit pps 100
	sleep 1
	out=$(burst_spans 50 50)
	echo "# 50 frames at pps 100: $out"
	spans_in "$out" 50 1 0.4 0.7
	check_err $? "pps 100 did not pace 50 frames over 0.49 s: $out"
	"$HVK" port set va2 inbound off
	log_test "inbound shaping: burst passes after idle, then the average; peak and pps pace it"
}

test_policing()
{
	local got r drops pid

	RET=0
	"$HVK" port set va1 outbound average 10mbit
	n h1 iperf3 -c 10.0.0.2 -u -l 1400 -b 20M -t 9 > /dev/null &
	pid=$!
	got=$(wire_rate h2 3 5)
	wait $pid
	r=$(ratio "$got" 10000000)
	echo "# policed UDP: $got bit/s, ratio $r"
	within "$got" 10000000 $TOLERANCE; check_err $? "policed rate ratio $r"
	drops=$(drop_stat va1 policer)
	[ "$drops" -gt 1000 ]; check_err $? "policer drops not counted: $drops"
	out=$("$HVK" -j port show va1 | jq -c '.[0].outbound')
	check_match "$out" '"average":10000000' "outbound in port show"
	"$HVK" port set va1 outbound off
	out=$("$HVK" -j port show va1 | jq -c '.[0].outbound')
	check_match "$out" '^null$' "outbound off"
	log_test "outbound policing: 2x the rate offered, the rate passes, drops counted"
}

# send_from NS SRC_MAC DST_MAC COUNT [ETHERTYPE]: raw frames with a chosen source.
send_from()
{
	n "$1" python3 -c '
import socket, sys
src, dst = (bytes.fromhex(m.replace(":", "")) for m in sys.argv[1:3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for _ in range(int(sys.argv[3])):
    s.send(dst + src + b"\x88\xb5" + b"hvk-test" * 8)
' "$2" "$3" "$4"
}

test_storm_control()
{
	local got kind dst drops

	RET=0
	"$HVK" port set va1 storm broadcast 20 multicast 20 unknown-unicast 20
	for kind in broadcast multicast unknown; do
		case $kind in
		broadcast) dst=ff:ff:ff:ff:ff:ff ;;
		multicast) dst=01:00:5e:00:00:42 ;;
		unknown) dst=02:00:00:00:00:99 ;;
		esac
		sleep 1.1	# a full bucket: one second's worth
		got=$(count_test_frames h2 send_from h1 02:00:00:00:00:01 "$dst" 300)
		drops=$(drop_stat va1 "storm_${kind/unknown/unknown_unicast}")
		echo "# $kind: 300 sent at 20 pps allowed, $got passed, $drops dropped"
		# One second's worth, plus 20 a second while the sender runs (well
		# under a second, several on the debug kernel).
		[ "$got" -ge 20 ] && [ "$got" -le "${STORM_MAX:-100}" ]
		check_err $? "$kind: $got of 300 passed a 20 pps limit"
		[ "$drops" -ge 200 ]; check_err $? "$kind drops not counted: $drops"
	done
	got=$(count_test_frames h2 send_from h1 02:00:00:00:00:01 02:00:00:00:00:02 300)
	[ "$got" = 300 ]; check_err $? "known unicast was limited: $got of 300"
	"$HVK" port set va1 storm off
	out=$("$HVK" -j port show va1 | jq -c '.[0].storm')
	check_match "$out" '^null$' "storm off"
	log_test "storm control: broadcast, multicast, unknown unicast pps limits, unicast untouched"
}

test_forged_transmits()
{
	local got out

	RET=0
	"$HVK" port set va1 security forged-transmits reject mac 02:00:00:00:00:01
	got=$(count_test_frames h2 send_from h1 02:00:00:00:00:66 02:00:00:00:00:02 50)
	[ "$got" = 0 ]; check_err $? "$got forged frames passed"
	[ "$(drop_stat va1 forged)" = 50 ]; check_err $? "forged drops: $(drop_stat va1 forged)"
	reach h1 10.0.0.2; check_err $? "the port's own MAC was dropped"
	# No list: the first source the port sends sticks.
	"$HVK" port set va1 security off
	"$HVK" port set va1 security forged-transmits reject
	reach h1 10.0.0.2; check_err $? "the first source was dropped"
	out=$("$HVK" -j port show va1 | jq -r '.[0].security.sticky_mac')
	check_match "$out" "^02:00:00:00:00:01$" "sticky MAC"
	got=$(count_test_frames h2 send_from h1 02:00:00:00:00:67 02:00:00:00:00:02 20)
	[ "$got" = 0 ]; check_err $? "$got forged frames passed the sticky MAC"
	sleep 1
	out=$(jq -c 'select(.object == "port" and .event == "drop")' "$MONJ" | head -n 1)
	check_match "$out" '"reason":"forged","mac":"02:00:00:00:00:66"' "security event"
	# 70 drops within a few seconds; at most 10 events a second per port.
	out=$(jq -c 'select(.event == "drop")' "$MONJ" | wc -l)
	[ "$out" -ge 2 ] && [ "$out" -le 40 ]; check_err $? "$out events for 70 drops"
	"$HVK" port set va1 security off
	log_test "forged-transmits reject: listed or sticky MAC only, drops counted, events rate-limited"
}

test_mac_changes()
{
	local got

	RET=0
	"$HVK" port set va2 security mac-changes reject mac 02:00:00:00:00:02
	got=$(count_test_frames h2 send_from h1 02:00:00:00:00:01 02:00:00:00:00:22 10)
	[ "$got" = 0 ]; check_err $? "$got frames for a changed MAC arrived"
	[ "$(drop_stat va2 mac_change)" = 10 ]; check_err $? "mac-change drops: $(drop_stat va2 mac_change)"
	reach h1 10.0.0.2; check_err $? "the port's own MAC was dropped"
	"$HVK" port set va2 security mac-changes accept
	got=$(count_test_frames h2 send_from h1 02:00:00:00:00:01 02:00:00:00:00:22 10)
	[ "$got" = 10 ]; check_err $? "mac-changes accept: $got of 10"
	"$HVK" port set va2 security off
	log_test "mac-changes reject: unicast for another MAC is not delivered, counted"
}

test_promiscuous()
{
	local got

	RET=0
	"$HVK" port set va3 security promiscuous reject mac 02:00:00:00:00:03
	got=$(count_test_frames h3 send_from h1 02:00:00:00:00:01 02:00:00:00:00:99 10)
	[ "$got" = 0 ]; check_err $? "$got flooded frames for another MAC reached h3"
	[ "$(drop_stat va3 promiscuous)" = 10 ]; check_err $? "promiscuous drops"
	got=$(count_test_frames h2 send_from h1 02:00:00:00:00:01 02:00:00:00:00:99 10)
	[ "$got" = 10 ]; check_err $? "an accepting port missed the flood: $got"
	"$HVK" fdb flush sw0
	got=$(count_test_frames h3 send_from h1 02:00:00:00:00:01 02:00:00:00:00:03 10)
	[ "$got" = 10 ]; check_err $? "flooded frames for h3's own MAC: $got of 10"
	got=$(count_test_frames h3 send_from h1 02:00:00:00:00:01 ff:ff:ff:ff:ff:ff 10)
	[ "$got" = 10 ]; check_err $? "broadcast: $got of 10"
	"$HVK" port set va3 security off
	log_test "promiscuous reject: flooded unicast only for the port's MACs, BUM still delivered"
}

test_locked()
{
	RET=0
	"$HVK" fdb flush sw0
	"$HVK" port set va1 security locked on
	n h1 ping -q -c 1 -W 1 10.0.0.2 > /dev/null 2>&1
	check_fail $? "a locked port forwarded a source with no static entry"
	[ "$(drop_stat va1 locked)" -ge 1 ]; check_err $? "locked drops not counted"
	[ "$(port_stat va1 rx_packets)" -ge 1 ]; check_err $? "no frames seen"
	"$HVK" fdb add sw0 02:00:00:00:00:01 dev va1
	reach h1 10.0.0.2; check_err $? "a static entry did not unlock the source"
	"$HVK" port set va1 security off
	"$HVK" fdb del sw0 02:00:00:00:00:01
	log_test "locked: only sources with a static entry on the port are forwarded"
}

# flood_macs NS COUNT: frames from COUNT random locally administered sources.
flood_macs()
{
	n "$1" python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
for _ in range(int(sys.argv[1])):
    src = bytes([0x02]) + os.urandom(5)
    s.send(b"\xff\xff\xff\xff\xff\xff" + src + b"\x88\xb5" + b"flood" * 10)
' "$2"
}

test_mac_flood()
{
	local out learned

	RET=0
	"$HVK" fdb flush sw0
	"$HVK" port set va1 security max-macs 4
	reach h1 10.0.0.2; check_err $? "h1 could not talk before the flood"
	flood_macs h1 10000
	out=$("$HVK" -j port show va1 | jq -r '.[0].mac_count')
	[ "$out" = 4 ]; check_err $? "port learned $out MACs, limit 4"
	out=$(drop_stat va1 mac_limit)
	[ "$out" -ge 9900 ]; check_err $? "mac-limit drops: $out"
	reach h1 10.0.0.2; check_err $? "a known host stopped talking under the flood"
	"$HVK" port set va1 security off

	"$HVK" fdb flush sw0
	"$HVK" switch set sw0 max-macs 50
	reach h2 10.0.0.3; check_err $? "h2 could not reach h3 before the flood"
	flood_macs h1 10000
	out=$("$HVK" -j switch show sw0 | jq -r '.[0] | .fdb_entries - .fdb_static')
	learned=$out
	[ "$out" -le 50 ] && [ "$out" -ge 45 ]; check_err $? "switch learned $out MACs, limit 50"
	out=$(drop_stat va1 switch_mac_limit)
	[ "$out" -ge 9900 ]; check_err $? "switch-mac-limit drops: $out"
	reach h2 10.0.0.3; check_err $? "known hosts stopped talking under the flood"
	echo "# 10000 random sources: port kept 4, switch kept $learned of 50"
	"$HVK" switch set sw0 max-macs 0
	"$HVK" fdb flush sw0
	log_test "MAC flood: port and switch limits hold, new MACs dropped, known hosts talk"
}

test_mirror()
{
	local got out

	RET=0
	"$HVK" mirror add sw0 m0 dest va3 ingress va1
	check_err $? "mirror add failed"
	reach h1 10.0.0.2
	got=$(count_test_frames h3 send_frames h1 02:00:00:00:00:02 25)
	[ "$got" = 25 ]; check_err $? "ingress mirror: $got of 25 copies"
	out=$("$HVK" -j mirror show sw0 m0 | jq -r '.[0].packets')
	[ "$out" -ge 25 ]; check_err $? "mirror packets: $out"
	"$HVK" mirror del sw0 m0
	got=$(count_test_frames h3 send_frames h1 02:00:00:00:00:02 10)
	[ "$got" = 0 ]; check_err $? "copies after the session was deleted: $got"

	# RSPAN: egress copies of va2, tagged 100, cut to 64 bytes.
	"$HVK" mirror add sw0 m1 dest va3 egress va2 vlan 100 truncate 64
	out=$(capture h3 "vlan 100" send_frames h1 02:00:00:00:00:02 1)
	check_match "$out" "802.1Q.*length 68: vlan 100" "tagged, truncated copy"
	out=$("$HVK" -j mirror show sw0 | jq -c '.[0] | [.name, .dest, .egress, .vlan, .truncate]')
	check_match "$out" '^\["m1","va3",\["va2"\],100,64\]$' "mirror show"
	"$HVK" mirror del sw0 m1
	# A session goes with its destination port, and says so.
	"$HVK" mirror add sw0 m2 dest va3 both va1 va2
	"$HVK" -j monitor switch > /tmp/hvk-mirror-mon.json 2>&1 &
	local mon=$!
	sleep 0.5
	"$HVK" port del sw0 va3
	sleep 0.5
	kill "$mon"; wait "$mon" 2>/dev/null
	out=$("$HVK" -j mirror show sw0 | jq length)
	[ "$out" = 0 ]; check_err $? "session outlived its destination port"
	out=$(jq -r 'select(.object == "mirror") | .event + " " + .mirror.name' /tmp/hvk-mirror-mon.json)
	check_match "$out" "^del m2$" "no event for the session its destination took along: $out"
	"$HVK" port add sw0 va3
	log_test "mirroring: ingress and egress copies, RSPAN tag, truncation, counters"
}

test_filter()
{
	local out

	RET=0
	"$HVK" port set va1 filter object "$BPF_OBJ"
	check_err $? "filter load failed"
	out=$(burst_port 9999)
	[ "$out" = 0 ]; check_err $? "UDP to 9999 passed the filter: $out"
	out=$(burst_port 9998)
	[ "$out" = 10 ]; check_err $? "UDP to 9998 dropped: $out of 10"
	out=$(drop_stat va1 filter)
	[ "$out" = 10 ]; check_err $? "filter drops: $out"
	out=$("$HVK" -j port show va1 | jq -r '.[0].filter.name')
	check_match "$out" "^drop_udp_9999$" "filter in port show"
	"$HVK" port set va1 filter object "$BPF_OBJ" section tc/pass
	out=$(burst_port 9999)
	[ "$out" = 10 ]; check_err $? "section tc/pass dropped: $out of 10"
	"$HVK" port set va1 filter off
	out=$("$HVK" -j port show va1 | jq -c '.[0].filter')
	check_match "$out" "^null$" "filter off"
	out=$("$HVK" port set va1 filter object /nonexistent.o 2>&1)
	check_fail $? "a missing object loaded"
	check_match "$out" "cannot open BPF object /nonexistent.o" "missing object message"
	out=$("$HVK" port set va1 filter object "$BPF_OBJ" section nosuch 2>&1)
	check_match "$out" 'no program in section "nosuch"' "missing section message"
	log_test "eBPF port filter: drops UDP 9999 only, counted, sections, off"
}

# burst_port PORT: 10 datagrams h1 -> h2:PORT; how many arrived, counted
# until the sender is done and nothing came for 1 s.
burst_port()
{
	local out=/tmp/bp.$$ done=/tmp/bp.$$.done pid

	rm -f "$done"
	n h2 python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.0.2", int(sys.argv[1])))
s.settimeout(0.2)
print("ready", flush=True)
n, last, give_up = 0, time.time(), time.time() + 120
while n < 10 and time.time() < give_up:
    try:
        s.recv(100)
        n += 1
        last = time.time()
    except socket.timeout:
        if os.path.exists(sys.argv[2]) and time.time() - last > 1:
            break
print(n, flush=True)
' "$1" "$done" > "$out" &
	pid=$!
	while ! grep -q ready "$out" 2>/dev/null; do sleep 0.1; done
	n h1 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(10):
    s.sendto(b"x", ("10.0.0.2", int(sys.argv[1])))
' "$1"
	touch "$done"
	wait $pid
	tail -n 1 "$out"
	rm -f "$out" "$done"
}

# hook OP XML: run the libvirt hook as libvirtd would for domain "vm1".
hook()
{
	printf '%s' "$2" | HVK=$HVK "$HVK_TOP/tools/libvirt/qemu-hook" vm1 "$1" begin -
}

# domain_xml VID: a domain with two taps on sw0, the first also in VLAN VID.
domain_xml()
{
	cat <<EOF
<domain type='kvm'>
  <name>vm1</name>
  <metadata>
    <hvk:ports xmlns:hvk="https://hvkit.dev/libvirt/1">
      <hvk:port target="vnet0" switch="sw0">
        <vlan trunk="yes"><tag id="42" nativeMode="untagged"/><tag id="47"/><tag id="$1"/></vlan>
        <bandwidth>
          <inbound average="1000" peak="5000" burst="1"/>
          <outbound average="128" burst="64"/>
        </bandwidth>
      </hvk:port>
      <hvk:port target="vnet1" switch="sw0">
        <vlan><tag id="10"/></vlan>
      </hvk:port>
    </hvk:ports>
  </metadata>
  <devices>
    <interface type='ethernet'>
      <mac address='52:54:00:00:00:01'/>
      <target dev='vnet0' managed='no'/>
      <model type='virtio'/>
    </interface>
    <interface type='ethernet'>
      <target dev='vnet1' managed='no'/>
    </interface>
  </devices>
</domain>
EOF
}

test_libvirt_hook()
{
	local out xml

	RET=0
	ip tuntap add vnet0 mode tap
	ip tuntap add vnet1 mode tap
	ip link set vnet0 up
	ip link set vnet1 up
	hook prepare "$(domain_xml 48)"; check_err $? "prepare rejected a good domain"
	hook started "$(domain_xml 48)"; check_err $? "started failed"
	out=$("$HVK" -j port show vnet0 | jq -c '.[0] | [.switch, .vlan.mode, .vlan.pvid, .vlan.vids,
		.inbound.average, .inbound.peak, .inbound.burst, .outbound.average, .outbound.burst]')
	# The same XML on a Linux bridge: libvirt runs tc with rate <average>kbps
	# (peak likewise) and burst <burst>kb; the hook must shape as tc would.
	want=""
	ip link add hvkd0 type veth peer name hvkd1
	for r in 1000 5000 128; do
		tc qdisc replace dev hvkd0 root tbf rate "${r}kbps" burst 64kb latency 50ms
		want+=$(tc -j qdisc show dev hvkd0 | jq '.[0].options.rate * 8'),
	done
	ip link del hvkd0
	IFS=, read -r in_avg in_peak out_avg <<< "$want"
	# Bursts: tc's kb is 1024 bytes; one frame (1518) at least.
	check_match "$out" "^\\[\"sw0\",\"native-untagged\",42,\\[42,47,48\\],$in_avg,$in_peak,1518,$out_avg,65536\\]\$" \
		"vnet0 from <vlan> and <bandwidth> (tc installs $want bit/s)"
	out=$("$HVK" -j port show vnet1 | jq -c '.[0] | [.vlan.mode, .vlan.pvid, .inbound, .outbound]')
	check_match "$out" '^\["access",10,null,null\]$' "vnet1: access 10, no rates"
	# Re-running (libvirtd reconnect) is idempotent.
	hook reconnect "$(domain_xml 48)"; check_err $? "reconnect failed"
	# A bad tag fails before anything changes.
	xml=$(domain_xml 5000)
	out=$(hook started "$xml" 2>&1)
	check_fail $? "a VLAN ID of 5000 was accepted"
	check_match "$out" "outside 1-4094" "bad tag message"
	out=$("$HVK" -j port show vnet0 | jq -c '.[0].vlan.vids')
	check_match "$out" '^\[42,47,48\]$' "a failed hook changed vnet0"
	out=$(hook prepare "<domain><devices><interface type='bridge'><source bridge='sw0'/></interface></devices></domain>" 2>&1)
	check_fail $? "type='bridge' on an hvk switch passed prepare"
	check_match "$out" "use type='ethernet'" "type=bridge message"
	out=$(hook prepare "$(domain_xml 48 | sed 's/switch="sw0"/switch="nosw"/')" 2>&1)
	check_match "$out" "no hvk switch named nosw" "unknown switch"
	ip link del vnet0
	ip link del vnet1
	log_test "libvirt hook: <vlan> and <bandwidth> (tc's kbps and kb) applied to taps, bad XML changes nothing"
}

test_bad_input()
{
	local before after out sw va1 va2 va3 macs m d ok

	RET=0
	"$HVK" port set va2 inbound average 10mbit burst 64k
	"$HVK" port set va1 security forged-transmits reject max-macs 8
	"$HVK" mirror add sw0 m0 dest va3 ingress va1
	before=$(state; "$HVK" -j mirror show | jq -c '[.[] | del(.packets, .bytes, .drops)]')

	out=$("$HVK" port set va2 inbound average 10mbit peak 5mbit 2>&1)
	check_match "$out" "peak must be at least average" "peak < average"
	out=$("$HVK" port set va2 inbound average 10mbit burst 1000 2>&1)
	check_match "$out" "burst must hold one full-sized frame" "small burst"
	out=$("$HVK" port set va2 inbound average 100bit 2>&1)
	check_match "$out" "out of range" "average below 8000"
	out=$("$HVK" port set va2 inbound peak 5mbit 2>&1)
	[ $? = 2 ]; check_err $? "a rate without average was not a usage error"
	out=$("$HVK" port set sw0 inbound average 10mbit 2>&1)
	check_match "$out" "the host port has no traffic policy" "host port"
	out=$("$HVK" port set va1 security mac 01:00:5e:00:00:01 2>&1)
	check_match "$out" "must be a unicast" "multicast MAC"
	out=$("$HVK" port set va1 security max-macs 200000 2>&1)
	[ $? = 2 ]; check_err $? "max-macs 200000 was not a usage error"
	out=$("$HVK" mirror add sw0 m0 dest va3 ingress va2 2>&1)
	check_match "$out" "a mirror session of that name exists" "duplicate session"
	out=$("$HVK" mirror add sw0 m9 dest va3 ingress va1 2>&1)
	check_match "$out" "mirrored by another session" "port mirrored twice"
	out=$("$HVK" mirror add sw0 m9 dest va2 ingress va2 2>&1)
	check_match "$out" "the destination port cannot be mirrored" "dest mirrored"
	out=$("$HVK" mirror add sw0 m9 dest sw0 ingress va2 2>&1)
	check_match "$out" "the destination must be a port of the switch" "host as dest"
	out=$("$HVK" mirror add sw0 m9 dest va3 ingress va2 truncate 10 2>&1)
	check_match "$out" "truncate must be 0 .off. or at least 60" "truncate 10"
	# Sessions per switch are bounded (each needs a port and a direction of
	# its own: 32 more ports give 64 more, past the limit with m0).
	for m in $(seq 1 32); do
		echo "link add vx$m type veth peer name vy$m"
		echo "link set vx$m up"
	done | ip -batch -
	for m in $(seq 1 32); do "$HVK" port add sw0 "vx$m"; done
	ok=0
	for m in $(seq 1 32); do
		for d in ingress egress; do
			out=$("$HVK" mirror add sw0 "$d$m" dest va3 "$d" "vx$m" 2>&1) && ok=$((ok + 1))
		done
	done
	[ "$ok" = 63 ]; check_err $? "$ok sessions besides m0"
	check_match "$out" "the switch has its maximum of mirror sessions" "65th session"
	# (a session outlives its mirrored ports, as a SPAN session's
	# configuration does; it goes with its destination or when deleted)
	for m in $(seq 1 32); do ip link del "vx$m"; done
	"$HVK" -j mirror show sw0 | jq -r '.[].name | select(. != "m0")' |
		while read -r m; do "$HVK" mirror del sw0 "$m"; done
	out=$("$HVK" mirror del sw0 nosuch 2>&1)
	check_match "$out" "no mirror session of that name" "unknown session"
	out=$(as_nobody "$HVK" port set va1 inbound average 1mbit 2>&1)
	check_match "$out" "Operation not permitted" "unprivileged port set"
	out=$(as_nobody "$HVK" mirror del sw0 m0 2>&1)
	check_match "$out" "Operation not permitted" "unprivileged mirror del"

	# Below the CLI: what only a raw request can say.
	sw=$(cat /sys/class/net/sw0/ifindex)
	va1=$(cat /sys/class/net/va1/ifindex)
	va2=$(cat /sys/class/net/va2/ifindex)
	va3=$(cat /sys/class/net/va3/ifindex)
	expect_ynl port-set "{\"ifindex\": $va1, \"outbound\": {\"average\": 10000000, \"limit\": 65536}}" \
		"limit applies to inbound"
	expect_ynl port-set "{\"ifindex\": $va2, \"inbound\": {\"burst\": 65536}}" \
		"a rate needs average"
	macs=$(python3 -c 'print(",".join("\"02000000%04x\"" % i for i in range(1, 66)))')
	expect_ynl port-set "{\"ifindex\": $va1, \"security\": {\"macs\": {\"mac\": [$macs]}}}" \
		"at most 64 MAC addresses"
	expect_ynl port-set "{\"ifindex\": $va1, \"security\": {\"sticky-mac\": \"020000000001\"}}" \
		"sticky-mac is read-only"
	expect_ynl port-set "{\"ifindex\": $va1, \"filter\": {\"fd\": 0}}" \
		"not a BPF program of type sched_cls"
	expect_ynl port-set "{\"ifindex\": $va1, \"filter\": {}}" "needs a program fd"
	expect_ynl mirror-new "{\"switch-ifindex\": $sw, \"name\": \"m9\", \"dest-ifindex\": $va3}" \
		"needs ingress or egress ports"
	expect_ynl mirror-new "{\"switch-ifindex\": $sw, \"name\": \"m9\", \"dest-ifindex\": $va3, \"ingress\": {\"ifindex\": [$sw]}}" \
		"mirrored ports must be ports of the switch"

	after=$(state; "$HVK" -j mirror show | jq -c '[.[] | del(.packets, .bytes, .drops)]')
	[ "$before" = "$after" ]
	check_err $? "a rejected request changed the configuration: $(diff \
		<(printf '%s\n' "$before" | jq .) <(printf '%s\n' "$after" | jq .) |
		grep '^[<>]' | head -n 12 | tr -s ' \n' ' ')"
	"$HVK" mirror del sw0 m0
	"$HVK" port set va1 security off
	"$HVK" port set va2 inbound off
	log_test "bad rates, security, mirror and filter requests: clear errors, nothing changes"
}

test_spec_dump()
{
	local out

	RET=0
	"$HVK" port set va2 inbound average 20mbit peak 40mbit burst 64k
	"$HVK" port set va1 security forged-transmits reject mac 02:00:00:00:00:01
	out=$(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_switch.yaml" \
		--do port-get --json "{\"ifindex\": $(cat /sys/class/net/va2/ifindex)}" | jq -c '.inbound')
	check_match "$out" '"average":20000000,"peak":40000000,"burst":65536' "ynl inbound"
	out=$(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_switch.yaml" \
		--do port-get --json "{\"ifindex\": $(cat /sys/class/net/va1/ifindex)}" | jq -c '.security')
	check_match "$out" '"forged-transmits":0.*"macs":\{"mac":\["020000000001"\]\}' "ynl security"
	out=$("$HVK" port show va2)
	check_match "$out" "inbound average 20mbit peak 40mbit burst 64k" "text output"
	"$HVK" port set va2 inbound off
	"$HVK" port set va1 security off
	log_test "the spec decodes rates and security as hvk prints them"
}

test_rmmod_with_policy()
{
	local pid

	RET=0
	"$HVK" port set va2 inbound average 1mbit
	"$HVK" port set va1 filter object "$BPF_OBJ"
	"$HVK" mirror add sw0 m0 dest va3 both va1
	n h1 iperf3 -c 10.0.0.2 -u -w 4M -b 5M -t 2 > /dev/null 2>&1 &
	pid=$!
	sleep 1
	kill "$MONJ_PID"
	MONJ_PID=
	rmmod hvk_switch; check_err $? "rmmod with queued frames and policy failed"
	# Its control connection went with the switch: iperf3 would wait long.
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	log_test "rmmod with a busy shaper, a filter and a mirror session"
}

# On the debug kernel (make check-debug) rates mean nothing: KASAN and
# lockdep slow everything down.  The datapath still runs under load there
# (storm control, floods, mirrors, filters, rmmod with a busy shaper).
rate_tests()
{
	if [ -n "${HVK_DEBUG_KERNEL:-}" ]; then
		log_skip "rate accuracy, bursts and policing" "debug kernel: timing is meaningless"
		STORM_MAX=200
		return
	fi
	test_tcp_shaping
	test_udp_shaping
	test_burst
	test_policing
}

setup
"$HVK" -j monitor switch > "$MONJ" 2>&1 &
MONJ_PID=$!
sleep 0.5
# HVK_TESTS: a subset, in order ("rate" runs every rate test).
for t in ${HVK_TESTS:-rate storm_control forged_transmits mac_changes promiscuous locked \
	mac_flood mirror filter libvirt_hook bad_input spec_dump rmmod_with_policy}; do
	if [ "$t" = rate ]; then rate_tests; else "test_$t"; fi
done
tap_done
