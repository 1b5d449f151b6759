#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hvk_switch datapath and API: attach paths, learning, flooding, ageing,
# static entries, VLAN port modes on the wire, QinQ, events, bad input.
#
#   h1 (eth0 02:..:01 10.0.0.1) --- va1 --+
#   h2 (eth0 02:..:02 10.0.0.2) --- va2 --+-- sw0 (hvk_switch; host port)
#   h3 (eth0 02:..:03 10.0.0.3) --- va3 --+
#
#   QinQ:  hc (eth0.5, C-tag 5)  --- vc (dot1q-tunnel 100) --+-- sw1 (802.1ad)
#          ht (eth0.100ad.5)     --- vt (trunk 100)        --+
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=selftests/switch/common.sh
. "$(dirname "$0")/common.sh"

NS="h1 h2 h3 hc ht"
MON=/tmp/hvk-monitor.log
MONJ=/tmp/hvk-monitor.json

cleanup()
{
	[ -n "${MON_PID:-}" ] && kill "$MON_PID" 2>/dev/null
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
	mkhost h1 va1 1
	mkhost h2 va2 2
	mkhost h3 va3 3
}

test_attach_paths()
{
	local out

	RET=0
	"$HVK" port add sw0 va1; check_err $? "hvk port add failed"
	ip link set va2 master sw0; check_err $? "ip link set master failed"
	ip link set va3 master sw0; check_err $? "ip link set master va3 failed"
	out=$(ip -o link show va2)
	check_match "$out" "master sw0" "ip link does not show va2's master"
	out=$("$HVK" -j port show sw0 | jq -r '[.[].ifname] | sort | join(",")')
	check_match "$out" "^sw0,va1,va2,va3$" "port list"
	out=$("$HVK" -j switch show sw0 | jq -r '.[0].ports')
	check_match "$out" "^3$" "port count"
	ip link set va2 nomaster; check_err $? "ip link set nomaster failed"
	"$HVK" port show va2 > /dev/null 2>&1; check_fail $? "va2 still a port after nomaster"
	"$HVK" port del sw0 va1; check_err $? "hvk port del failed"
	out=$(ip -o link show va1)
	if printf '%s' "$out" | grep -q master; then check_err 1 "va1 kept its master"; fi
	"$HVK" port add sw0 va1 && "$HVK" port add sw0 va2; check_err $? "re-adding failed"
	log_test "ports attach and detach through hvk and ip link"
}

test_host_port_and_carrier()
{
	local out

	RET=0
	out=$("$HVK" -j port show sw0 | jq -r '.[] | select(.host) | .ifname + " " + .vlan.mode + " \(.vlan.pvid)"')
	check_match "$out" "^sw0 access 1$" "host port"
	out=$(ip -o link show sw0)
	check_match "$out" "LOWER_UP" "switch carrier with ports up"
	# sysfs carrier is the flag itself; ip link's operstate lags by linkwatch.
	for d in va1 va2 va3; do ip link set $d down; done
	out=$(settle /sys/class/net/sw0/carrier 0)
	check_match "$out" "^0$" "switch carrier with every port down"
	for d in va1 va2 va3; do ip link set $d up; done
	out=$(settle /sys/class/net/sw0/carrier 1)
	check_match "$out" "^1$" "switch carrier with ports up again"
	ip link set va1 mtu 1400
	out=$(cat /sys/class/net/sw0/mtu)
	check_match "$out" "^1400$" "switch MTU does not follow its smallest port"
	ip link set va1 mtu 1500
	out=$(cat /sys/class/net/sw0/mtu)
	check_match "$out" "^1500$" "switch MTU did not come back"
	ip addr add 10.0.0.254/24 dev sw0
	reach h1 10.0.0.254; check_err $? "h1 cannot reach the host port"
	# Quiet from now on: the host's ARP upkeep would add frames to counts.
	ip addr flush dev sw0
	log_test "the switch is the host's port; carrier and MTU follow the ports"
}

test_learning_stops_flooding()
{
	local out

	RET=0
	"$HVK" fdb flush sw0
	neigh h1 eth0 10.0.0.2 2
	neigh h2 eth0 10.0.0.1 1
	# Unknown destination: h3 sees the flood.
	out=$(count_test_frames h3 send_frames h1 02:00:00:00:00:77 5)
	[ "$out" = 5 ]; check_err $? "unknown unicast: h3 got $out of 5 test frames"
	# h2 talks: both learned, unicast no longer reaches h3.
	reach h2 10.0.0.1; check_err $? "h2 cannot reach h1"
	out=$(fdb_port sw0 02:00:00:00:00:02 1)
	check_match "$out" "^va2$" "h2 not learned on va2"
	out=$(fdb_port sw0 02:00:00:00:00:01 1)
	check_match "$out" "^va1$" "h1 not learned on va1"
	out=$(count_test_frames h3 send_frames h1 02:00:00:00:00:02 20)
	[ "$out" = 0 ]; check_err $? "known unicast leaked to h3: $out of 20 test frames"
	reach h1 10.0.0.2; check_err $? "h1 cannot reach h2"
	log_test "learning: unknown unicast floods, learned unicast does not"
}

test_flood_off()
{
	local before after

	RET=0
	"$HVK" port set va3 flood off; check_err $? "flood off failed"
	before=$(port_stat va3 drops.flood_suppressed)
	send_frames h1 02:00:00:00:00:99 4
	after=$(port_stat va3 drops.flood_suppressed)
	[ $((after - before)) -eq 4 ]; check_err $? "flood-suppressed $before -> $after"
	"$HVK" port set va3 flood on
	log_test "flood off keeps unknown unicast away and counts it"
}

test_vlan_isolation()
{
	local before after

	RET=0
	"$HVK" port set va1 vlan access 10
	"$HVK" port set va2 vlan access 20
	reach h1 10.0.0.2; check_fail $? "h1 reached h2 across VLANs 10 and 20"
	"$HVK" port set va2 vlan access 10
	reach h1 10.0.0.2; check_err $? "h1 cannot reach h2 in VLAN 10"
	# A tagged frame on an access port is dropped and counted.
	ip -n h1 link add link eth0 name eth0.7 type vlan id 7
	ip -n h1 link set eth0.7 up
	before=$(port_stat va1 drops.vlan_ingress)
	n h1 ping -q -c 2 -W 1 -I eth0.7 10.0.0.2 > /dev/null 2>&1
	after=$(port_stat va1 drops.vlan_ingress)
	[ "$after" -gt "$before" ]; check_err $? "tagged frame on access port not dropped"
	ip -n h1 link del eth0.7
	log_test "access VLANs isolate; tagged frames on access ports are dropped"
}

test_trunk_tags_on_wire()
{
	local out before after

	RET=0
	"$HVK" port set va3 vlan trunk 10,30; check_err $? "trunk config failed"
	ip -n h3 link add link eth0 name eth0.10 type vlan id 10
	ip -n h3 link set eth0.10 up
	ip -n h3 addr flush dev eth0
	ip -n h3 addr add 10.0.0.3/24 dev eth0.10
	reach h1 10.0.0.3; check_err $? "access 10 -> trunk 10 failed"
	out=$(capture h3 "vlan 10 and icmp" n h1 ping -c 2 -W 1 10.0.0.3)
	check_match "$out" "ethertype 802\\.1Q \\(0x8100\\).*vlan 10" "no 802.1Q tag 10 on the trunk wire: $out"
	# Untagged and not-allowed VIDs are dropped at the trunk.
	before=$(port_stat va3 drops.vlan_ingress)
	send_frames h3 02:00:00:00:00:01 3
	ip -n h3 link add link eth0 name eth0.20 type vlan id 20
	ip -n h3 link set eth0.20 up
	n h3 ping -q -c 2 -W 1 -I eth0.20 10.0.0.1 > /dev/null 2>&1
	after=$(port_stat va3 drops.vlan_ingress)
	[ $((after - before)) -ge 5 ]; check_err $? "trunk admitted untagged or VID 20 ($before -> $after)"
	out=$("$HVK" port show va3)
	check_match "$out" "vlan trunk 10,30 learning on" "port show text"
	log_test "trunk: tagged on the wire, untagged and foreign VIDs dropped"
}

test_native_modes()
{
	RET=0
	# native untagged 10: untagged h3 joins VLAN 10, VLAN 20 stays tagged.
	"$HVK" port set va2 vlan access 20
	"$HVK" port set va3 vlan trunk 20 native 10 untagged; check_err $? "native untagged config"
	ip -n h3 addr flush dev eth0.10
	ip -n h3 addr add 10.0.0.3/24 dev eth0
	ip -n h3 addr flush dev eth0.20
	ip -n h3 addr add 10.0.1.3/24 dev eth0.20
	ip -n h2 addr add 10.0.1.2/24 dev eth0
	reach h3 10.0.0.1; check_err $? "native-untagged: untagged h3 cannot reach h1 (VLAN 10)"
	reach h3 10.0.1.2; check_err $? "native-untagged: h3 VLAN 20 tagged cannot reach h2"
	# native tagged 10: everything out is tagged, so h3 must use eth0.10.
	"$HVK" port set va3 vlan trunk 20 native 10 tagged; check_err $? "native tagged config"
	ip -n h3 addr flush dev eth0
	ip -n h3 addr add 10.0.0.3/24 dev eth0.10
	reach h3 10.0.0.1; check_err $? "native-tagged: h3 eth0.10 cannot reach h1"
	log_test "native-untagged and native-tagged trunks"
}

test_priority_tag()
{
	RET=0
	"$HVK" port set va2 vlan access 10
	ip -n h2 link add link eth0 name eth0.0 type vlan id 0 egress-qos-map 0:5
	ip -n h2 link set eth0.0 up
	ip -n h2 addr flush dev eth0
	ip -n h2 addr add 10.0.0.2/24 dev eth0.0
	neigh h2 eth0.0 10.0.0.1 1
	reach h2 10.0.0.1; check_err $? "priority-tagged frames on an access port not switched"
	ip -n h2 link del eth0.0
	ip -n h2 addr add 10.0.0.2/24 dev eth0
	log_test "priority-tagged frames (VID 0) count as untagged"
}

test_qinq()
{
	local out

	RET=0
	"$HVK" switch add sw1 vlan-protocol 802.1ad; check_err $? "switch add 802.1ad"
	ip link set sw1 up
	mkhost hc vc 5
	mkhost ht vt 6
	"$HVK" port add sw1 vc && "$HVK" port add sw1 vt; check_err $? "port add sw1"
	"$HVK" port set vc vlan dot1q-tunnel 100; check_err $? "dot1q-tunnel"
	"$HVK" port set vt vlan trunk 100
	ip -n hc link add link eth0 name eth0.5 type vlan id 5
	ip -n hc link set eth0.5 up
	ip -n hc addr add 10.5.0.5/24 dev eth0.5
	ip -n ht link add link eth0 name eth0.s100 type vlan proto 802.1ad id 100
	ip -n ht link set eth0.s100 up
	ip -n ht link add link eth0.s100 name eth0.s100.5 type vlan id 5
	ip -n ht link set eth0.s100.5 up
	ip -n ht addr add 10.5.0.6/24 dev eth0.s100.5
	reach hc 10.5.0.6; check_err $? "C-VLAN 5 inside S-VLAN 100 does not pass"
	out=$(capture ht "ether src 02:00:00:00:00:05" n hc ping -c 2 -W 1 10.5.0.6)
	check_match "$out" "ethertype 802\\.1Q-QinQ \\(0x88a8\\).*vlan 100.*ethertype 802\\.1Q.*vlan 5" \
		"no 802.1ad 100 + 802.1Q 5 on the wire: $out"
	log_test "dot1q-tunnel: customer tags ride inside an 802.1ad S-tag"
}

test_static_and_move()
{
	local out

	RET=0
	"$HVK" port set va1 vlan access 1
	"$HVK" port set va2 vlan access 1
	"$HVK" port set va3 vlan access 1
	"$HVK" fdb add sw0 02:00:00:00:00:42 dev va2 vlan 1; check_err $? "fdb add"
	out=$(fdb_static sw0 02:00:00:00:00:42 1)
	check_match "$out" "^true$" "static entry"
	out=$(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_switch.yaml" \
		--do fdb-get --json "{\"switch-ifindex\": $(cat /sys/class/net/sw0/ifindex), \"mac\": \"020000000042\", \"vid\": 1}" 2>&1)
	check_match "$out" "\"port-ifindex\": $(cat /sys/class/net/va2/ifindex), \"static\": true" "fdb-get: $out"
	expect_ynl fdb-get "{\"switch-ifindex\": $(cat /sys/class/net/sw0/ifindex), \"mac\": \"020000000099\", \"vid\": 1}" \
		"no such FDB entry"
	# A static entry does not move when the MAC shows up elsewhere.
	n h3 ip link set eth0 address 02:00:00:00:00:42
	send_frames h3 ff:ff:ff:ff:ff:ff 2
	out=$(fdb_port sw0 02:00:00:00:00:42 1)
	check_match "$out" "^va2$" "static entry moved"
	# A dynamic one does: h1's MAC now sends from va3.
	send_frames h1 ff:ff:ff:ff:ff:ff 1
	out=$(fdb_port sw0 02:00:00:00:00:01 1)
	check_match "$out" "^va1$" "h1 not learned on va1"
	n h3 ip link set eth0 address 02:00:00:00:00:01
	send_frames h3 ff:ff:ff:ff:ff:ff 1
	out=$(fdb_port sw0 02:00:00:00:00:01 1)
	check_match "$out" "^va3$" "station move to va3 not seen"
	n h3 ip link set eth0 address 02:00:00:00:00:03
	"$HVK" fdb del sw0 02:00:00:00:00:42 vlan 1; check_err $? "fdb del"
	out=$(fdb_port sw0 02:00:00:00:00:42 1)
	[ -z "$out" ]; check_err $? "deleted entry still there"
	log_test "static entries stay put, learned ones move, delete works"
}

# The kernel's reason for hvk's drops, as perf and dropwatch read it
# (skb:kfree_skb): frames for a static entry whose port is down are
# DEV_READY drops, freed in hvk_switch, one per frame hvk counts.
test_drop_reasons()
{
	local t=/sys/kernel/tracing ev base size n out before after

	RET=0
	[ -d "$t/events" ] || mount -t tracefs nodev "$t"
	ev=$t/events/skb/kfree_skb
	n=$(grep -oE '\{ ?[0-9]+, "DEV_READY" \}' "$ev/format" | grep -oE '[0-9]+')
	read -r base size < <(awk '$1 == "hvk_switch" { print $6, $2 }' /proc/modules)
	if [ -z "$n" ] || [ -z "$base" ] || [ "$base" = 0x0000000000000000 ]; then
		log_skip "drop reasons: hvk's drops are DEV_READY in skb:kfree_skb" \
			"no DEV_READY reason or no module address"
		return
	fi
	"$HVK" fdb add sw0 02:00:00:00:00:52 dev va2 vlan 1
	n h2 ip link set eth0 down
	before=$(port_stat va2 drops.port_down)
	printf 'reason == %s && location >= %s && location < %#x\n' "$n" "$base" \
		$((base + size)) > "$ev/filter"
	check_err $? "setting the tracepoint filter"
	echo > "$t/trace"
	echo 1 > "$ev/enable"
	send_frames h1 02:00:00:00:00:52 3
	echo 0 > "$ev/enable"
	echo 0 > "$ev/filter"
	after=$(port_stat va2 drops.port_down)
	check_match "$((after - before))" '^3$' "port_down drops counted on va2"
	out=$(grep -c 'kfree_skb:.*reason: DEV_READY' "$t/trace")
	check_match "$out" '^3$' "DEV_READY drops located in hvk_switch in the trace"
	n h2 ip link set eth0 up
	"$HVK" fdb del sw0 02:00:00:00:00:52 vlan 1
	log_test "drop reasons: hvk's drops are DEV_READY in skb:kfree_skb"
}

test_flush()
{
	local out

	RET=0
	"$HVK" fdb add sw0 02:00:00:00:00:43 dev va2
	send_frames h1 ff:ff:ff:ff:ff:ff 1
	"$HVK" fdb flush sw0 dynamic; check_err $? "flush dynamic"
	out=$("$HVK" -j fdb show sw0 | jq -r '[.[] | .static] | unique | join(",")')
	check_match "$out" "^true$" "flush dynamic left: $out"
	send_frames h1 ff:ff:ff:ff:ff:ff 1
	"$HVK" fdb flush sw0 dev va1; check_err $? "flush dev"
	out=$(fdb_port sw0 02:00:00:00:00:01 1)
	[ -z "$out" ]; check_err $? "flush dev va1 kept h1"
	"$HVK" fdb flush sw0
	out=$("$HVK" -j fdb show sw0 | jq length)
	check_match "$out" "^0$" "flush all left $out"
	log_test "fdb flush: all, by port, dynamic only"
}

test_ageing()
{
	local out

	RET=0
	"$HVK" fdb add sw0 02:00:00:00:00:44 dev va2
	send_frames h1 ff:ff:ff:ff:ff:ff 1
	out=$(fdb_port sw0 02:00:00:00:00:01 1)
	check_match "$out" "^va1$" "h1 not learned"
	# Shorten ageing only now: a slow (debug) kernel may take a second to list.
	"$HVK" switch set sw0 ageing 1; check_err $? "ageing 1"
	sleep 3
	out=$(fdb_port sw0 02:00:00:00:00:01 1)
	[ -z "$out" ]; check_err $? "h1 did not age out"
	out=$(fdb_port sw0 02:00:00:00:00:44 1)
	check_match "$out" "^va2$" "static entry aged"
	"$HVK" switch set sw0 ageing 300
	out=$("$HVK" switch show sw0)
	check_match "$out" "ageing 300s" "switch show ageing"
	log_test "dynamic entries age out, static ones do not"
}

test_gso()
{
	local pkts bytes ok _

	RET=0
	n h2 iperf3 -s -1 -D > /dev/null 2>&1
	sleep 1
	pkts=$(port_stat va2 tx_packets)
	bytes=$(port_stat va2 tx_bytes)
	# The server may still be starting: retry the connection, not the test.
	ok=1
	for _ in 1 2 3 4 5; do
		n h1 iperf3 -c 10.0.0.2 -t 2 > /dev/null 2>&1 && ok=0 && break
		sleep 1
	done
	check_err $ok "iperf3 through the switch failed"
	pkts=$(($(port_stat va2 tx_packets) - pkts))
	bytes=$(($(port_stat va2 tx_bytes) - bytes))
	# No frame on a 1500-byte-MTU wire exceeds 1514 bytes: an average above
	# that means super-frames went through unsegmented.
	[ "$pkts" -gt 0 ] && [ $((bytes / pkts)) -gt 1514 ]
	check_err $? "frames were segmented: $bytes bytes in $pkts frames"
	log_test "GSO super-frames cross the switch whole"
}

test_remove_by_deleting_device()
{
	local out

	RET=0
	send_frames h3 ff:ff:ff:ff:ff:ff 1
	out=$(fdb_port sw0 02:00:00:00:00:03 1)
	check_match "$out" "^va3$" "h3 not learned"
	ip link del va3; check_err $? "ip link del va3"
	"$HVK" port show va3 > /dev/null 2>&1; check_fail $? "va3 still a port"
	out=$(fdb_port sw0 02:00:00:00:00:03 1)
	[ -z "$out" ]; check_err $? "FDB kept an entry of the deleted port"
	log_test "deleting a port's device detaches it and flushes its entries"
}

test_events()
{
	local out

	RET=0
	kill "$MON_PID" "$MONJ_PID"
	wait "$MON_PID" "$MONJ_PID" 2>/dev/null
	MON_PID=
	MONJ_PID=
	# -j: one valid JSON object per line, the same events.
	out=$(jq -r 'select(.object == "fdb" and .event == "moved") | .fdb.mac + " " + .fdb.dev' "$MONJ" 2>&1)
	check_match "$out" "^02:00:00:00:00:01 va3$" "JSON monitor: $out"
	out=$(jq -r 'select(.object == "port") | .event + " " + .port.ifname' "$MONJ" 2>&1 | head -n 1)
	check_match "$out" "^add va1$" "JSON monitor port event: $out"
	# switch sw0: nothing of sw1 (its creation, its ports vc and vt).
	out=$(jq -r 'select(.object == "switch" and .switch.ifname == "sw1" or
		.object == "port" and .port.switch == "sw1") | .object' "$MONJ" |
		sort | uniq -c | tr -s ' \n' ' ')
	[ -z "$out" ]; check_err $? "monitor switch sw0 showed sw1's events: $out"
	out=$("$HVK" monitor switch lo 2>&1)
	check_fail $? "monitor switch lo was accepted"
	check_match "$out" "lo is not an hvk switch" "monitor switch lo: $out"
	# -t: every event stamped, as ip -t monitor (local time, microseconds).
	out=$(jq -r '.timestamp' "$MONJ" | grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}[+-][0-9]{4}$')
	[ "$out" = 0 ] && [ -s "$MONJ" ]; check_err $? "$out events without a timestamp"
	out=$(cat "$MON")
	check_match "$out" "^\\[switch\\] new sw1:" "switch new event"
	check_match "$out" "^\\[port\\] add va1: switch sw0" "port add event"
	check_match "$out" "^\\[port\\] del va2: switch sw0" "port del event"
	check_match "$out" "^\\[fdb\\] learned 02:00:00:00:00:01 vlan 1 dev va1" "fdb learned event"
	check_match "$out" "^\\[fdb\\] moved 02:00:00:00:00:01 vlan 1 dev va3" "fdb moved event"
	check_match "$out" "^\\[fdb\\] aged 02:00:00:00:00:01 vlan 1" "fdb aged event"
	check_match "$out" "^\\[fdb\\] added 02:00:00:00:00:42 vlan 1 dev va2 switch sw0 static" "fdb added event"
	check_match "$out" "^\\[fdb\\] deleted 02:00:00:00:00:42" "fdb deleted event"
	log_test "hvk monitor shows switch, port and FDB events; -t stamps them; switch SWITCH filters"
}

test_bad_input()
{
	local before after sw0 va1 out

	RET=0
	ip link add br0 type bridge
	ip link add vx type veth peer name vy
	ip link set vx master br0
	ip tuntap add t0 mode tun
	ip -n h1 link add vz index 9999 type veth peer name vz2
	sw0=$(cat /sys/class/net/sw0/ifindex)
	va1=$(cat /sys/class/net/va1/ifindex)
	before=$(state)

	out=$("$NLTEST" attr hvk_switch 99 9 2>&1)
	check_match "$out" "^error 22 Unknown attribute type \\[attr 99\\]$" "unknown attribute"
	for vid in 0 4095 4096; do
		expect_ynl port-set "{\"ifindex\": $va1, \"vlan\": {\"mode\": 0, \"pvid\": $vid}}" \
			"integer out of range \\(attribute 2\\)"
	done
	expect_ynl port-set "{\"ifindex\": $va1, \"vlan\": {\"mode\": 1, \"vids\": \"01$(printf '0%.0s' $(seq 1 1022))\"}}" \
		"VIDs 0 and 4095 are reserved"
	expect_ynl port-set "{\"ifindex\": $va1, \"vlan\": {\"mode\": 1, \"pvid\": 5}}" \
		"this mode has no PVID"
	expect_ynl port-set "{\"ifindex\": $va1, \"vlan\": {\"mode\": 0}}" "need a PVID"
	expect_ynl port-set "{\"ifindex\": $va1, \"vlan\": {\"pvid\": 5}}" "needs a mode"
	expect_ynl switch-set "{\"ifindex\": $sw0, \"vlan-protocol\": 4660}" \
		"vlan-protocol must be 802.1Q \\(0x8100\\) or 802.1ad \\(0x88a8\\)"
	expect_ynl port-add "{\"switch-ifindex\": $sw0, \"ifindex\": 9999}" \
		"no such device in this network namespace"
	expect_ynl port-add "{\"switch-ifindex\": $va1, \"ifindex\": $va1}" \
		"the device is not an hvk switch"
	expect_ynl fdb-add "{\"switch-ifindex\": $sw0, \"mac\": \"ffffffffffff\", \"vid\": 1, \"port-ifindex\": $va1}" \
		"needs a unicast MAC"
	expect_ynl switch-new '{"name": "sw0"}' "a device with this name already exists"

	out=$("$HVK" port add sw0 lo 2>&1)
	check_match "$out" "only Ethernet devices can be switch ports" "loopback as port"
	out=$("$HVK" port add sw0 t0 2>&1)
	check_match "$out" "only Ethernet devices can be switch ports" "tun as port"
	out=$("$HVK" port add sw1 va1 2>&1)
	check_match "$out" "already a port of a switch" "port of two switches"
	out=$("$HVK" port add sw0 vx 2>&1)
	check_match "$out" "already has a master device" "bridge port"
	out=$("$HVK" port add sw0 sw0 2>&1)
	check_match "$out" "a switch cannot be its own port" "switch as its own port"
	out=$("$HVK" port add sw0 sw1 2>&1)
	check_match "$out" "a switch cannot be a port of another switch" "switch in switch"
	out=$(ip link set sw0 master sw0 2>&1); check_fail $? "ip link set sw0 master sw0 worked"
	out=$("$HVK" switch add sw0 2>&1); [ $? -eq 1 ]; check_err $? "duplicate name status"
	check_match "$out" "hvk: switch add: a device with this name already exists" "duplicate name"
	out=$("$HVK" port del sw0 2>&1)
	check_match "$out" "the switch's own port goes with the switch" "host port removal"
	out=$(ip netns exec h1 "$HVK" port add sw0 eth0 2>&1)
	check_match "$out" "cannot find device \"sw0\"" "switch from another netns"
	out=$("$HVK" port set va1 vlan access 0 2>&1); [ $? -eq 2 ]; check_err $? "CLI VID 0 status"
	out=$("$HVK" port set va1 vlan trunk 1,4095 2>&1); [ $? -eq 2 ]; check_err $? "CLI VID 4095 status"
	check_match "$out" "VLAN IDs are 1-4094" "CLI VID 4095 message"
	out=$(as_nobody "$HVK" switch add swx 2>&1)
	check_match "$out" "Operation not permitted" "unprivileged switch add"
	out=$(as_nobody "$HVK" -j switch show 2>&1)
	check_match "$out" "sw0" "unprivileged switch show"

	after=$(state)
	[ "$before" = "$after" ]; check_err $? "state changed by rejected requests"
	ip link del br0
	ip link del vx
	ip link del t0
	log_test "bad input is rejected with a specific message and changes nothing"
}

test_spec_dump()
{
	local a b

	RET=0
	a=$(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_switch.yaml" \
		--dump port-get | jq -c '[.[] | {ifindex, name, vlan: .vlan.mode}] | sort_by(.ifindex)')
	b=$("$HVK" -j port show | jq -c '[.[] | {ifindex, name: .ifname, vlan: .vlan.mode}] | sort_by(.ifindex)' |
		sed 's/"access"/0/g; s/"trunk"/1/g; s/"native-untagged"/2/g; s/"native-tagged"/3/g; s/"dot1q-tunnel"/4/g; s/"none"/5/g')
	[ -n "$a" ] && [ "$a" = "$b" ]; check_err $? "ynl port dump $a != hvk $b"
	log_test "the spec describes the port dump hvk prints"
}

test_rmmod_live()
{
	local out

	RET=0
	"$HVK" monitor switch > /tmp/hvk-rmmod-monitor.log 2>&1 &
	MON_PID=$!
	sleep 0.5
	rmmod hvk_switch; check_err $? "rmmod with live switches failed"
	sleep 0.5
	kill "$MON_PID"; wait "$MON_PID" 2>/dev/null; MON_PID=
	# the switches go while the family is still there to announce it
	out=$(cat /tmp/hvk-rmmod-monitor.log)
	check_match "$out" "^\\[switch\\] del sw0" "no switch del event at rmmod"
	out=$(ip -o link show type hvk_switch 2>/dev/null)
	[ -z "$out" ]; check_err $? "switches left after rmmod"
	out=$(ip -o link show va1)
	if printf '%s' "$out" | grep -q master; then check_err 1 "va1 kept a master"; fi
	log_test "rmmod with live switches releases every port"
}

setup
"$HVK" monitor switch > "$MON" 2>&1 &
MON_PID=$!
# The JSON one: sw0's events only, stamped (-t).
"$HVK" -j -t monitor switch sw0 > "$MONJ" 2>&1 &
MONJ_PID=$!
sleep 0.5
test_attach_paths
test_host_port_and_carrier
test_learning_stops_flooding
test_flood_off
test_vlan_isolation
test_trunk_tags_on_wire
test_native_modes
test_priority_tag
test_qinq
test_static_and_move
test_drop_reasons
test_flush
test_ageing
test_gso
test_remove_by_deleting_device
test_bad_input
test_spec_dump
test_events
test_rmmod_live
tap_done
