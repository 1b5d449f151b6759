#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make stress: the switch under churn.  pktgen floods sw0 with frames from
# 10000 random source MACs (learning, table growth, ageing) while the
# control plane keeps changing everything under it: ports leave and come
# back, VLAN modes flip, the FDB is flushed and dumped, ageing changes,
# a second switch comes and goes, shapers, policers, storm limits, MAC
# limits, security policies, mirror sessions and eBPF filters are replaced
# under traffic.  Pass = no kernel complaint (the harness
# checks), a consistent end state, and a clean rmmod.
#
#   h1 (pktgen, 10000 MACs) --- va1 --+
#   h2 ------------------------ va2 --+-- sw0
#   h3 ------------------------ va3 --+
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

SECONDS_TO_RUN=${HVK_STRESS_SECONDS:-30}
BPF_OBJ=$HVK_BUILD/selftests/drop_udp.bpf.o

cleanup()
{
	for ns in h1 h2 h3; do ip netns del "$ns" 2>/dev/null; done
	return 0
}
trap cleanup EXIT

sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
modprobe hvk_switch
modprobe pktgen
"$HVK" switch add sw0 ageing 2
ip link set sw0 up
for i in 1 2 3; do
	ip netns add h$i
	n h$i sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip link add va$i type veth peer name eth0 netns h$i
	ip link set va$i up
	n h$i ip link set eth0 up
	"$HVK" port add sw0 va$i
done

# flood_start: pktgen in h1, broadcasts from 10000 random source MACs, until
# flood_stop.
flood_start()
{
	n h1 bash -c "
		P=/proc/net/pktgen
		echo 'rem_device_all' > \$P/kpktgend_0
		echo 'add_device eth0' > \$P/kpktgend_0
		for c in 'count 0' 'pkt_size 60' 'delay 20000' 'dst_mac ff:ff:ff:ff:ff:ff' \
			 'src_mac 02:10:00:00:00:00' 'src_mac_count 10000' 'flag MACSRC_RND' \
			 'dst 10.9.0.2'; do
			echo \"\$c\" > \$P/eth0
		done
		echo start > \$P/pgctrl
	" &
	FLOOD=$!
}

flood_stop()
{
	n h1 bash -c 'echo stop > /proc/net/pktgen/pgctrl'
	wait "$FLOOD"
}

# The flood runs for as long as the churn does.
flood_start

RET=0
end=$((SECONDS + SECONDS_TO_RUN))
rounds=0
while [ $SECONDS -lt $end ]; do
	rounds=$((rounds + 1))
	# va3 visits a second switch, which is deleted under it.
	"$HVK" port del sw0 va3 || check_err 1 "port del va3 failed in round $rounds"
	"$HVK" switch add sw1 && ip link set sw1 up && "$HVK" port add sw1 va3 ||
		check_err 1 "sw1 with va3 failed in round $rounds"
	ip link del sw1
	ip link set va3 master sw0 || check_err 1 "re-attach va3 failed in round $rounds"
	"$HVK" port set va2 vlan trunk 1-100 native 1 untagged
	"$HVK" port set va2 vlan access 1
	# Policy replaced under the flood (h1's frames flood out of va2, va3).
	"$HVK" port set va2 inbound average $((rounds % 2 ? 1 : 20))mbit burst 4k limit 16k
	"$HVK" port set va1 outbound average 50mbit storm broadcast $((rounds * 100))
	"$HVK" port set va1 security max-macs $((rounds % 3 * 500)) forged-transmits accept
	"$HVK" switch set sw0 max-macs $((rounds % 2 ? 2000 : 0))
	"$HVK" port set va1 filter object "$BPF_OBJ"
	"$HVK" mirror add sw0 m0 dest va3 ingress va1 egress va2 truncate 64 ||
		check_err 1 "mirror add failed in round $rounds"
	[ $((rounds % 2)) = 0 ] && "$HVK" port set va2 inbound off
	"$HVK" port set va1 filter off
	"$HVK" -j fdb show sw0 > /dev/null || check_err 1 "fdb dump failed in round $rounds"
	"$HVK" fdb add sw0 02:20:00:00:00:01 dev va2
	"$HVK" fdb flush sw0 dynamic
	"$HVK" switch set sw0 ageing $((rounds % 2 ? 1 : 3))
	[ $rounds = 3 ] && echo "# FDB entries in round 3: $("$HVK" -j switch show sw0 | jq '.[0].fdb_entries')"
	"$HVK" -j port show > /dev/null || check_err 1 "port dump failed in round $rounds"
done
flood_stop
echo "# $rounds rounds of churn in ${SECONDS_TO_RUN}s"
log_test "control-plane churn under a 10000-MAC flood"

RET=0
count=$("$HVK" -j switch show sw0 | jq '.[0].fdb_entries')
listed=$("$HVK" -j fdb show sw0 | jq length)
[ "$count" -gt 0 ] && [ "$count" -le 131072 ]; check_err $? "FDB count $count"
# Entries may age between the two reads, never appear from nowhere.
[ "$listed" -le "$count" ]; check_err $? "dump listed $listed, count said $count"
"$HVK" switch set sw0 ageing 1
sleep 3
count=$("$HVK" -j switch show sw0 | jq '.[0].fdb_entries')
static=$("$HVK" -j switch show sw0 | jq '.[0].fdb_static')
[ "$count" = "$static" ]; check_err $? "after ageing: $count entries, $static static"
macs=$("$HVK" -j port show | jq '[.[].mac_count] | add')
[ "$macs" = 0 ]; check_err $? "ports still count $macs learned MACs after ageing"
log_test "FDB counters (switch and per port) agree with the table and ageing empties it"

# A port-add that fails at its last step, the upper-device link (mv0 sits
# on sw0: a loop), while the flood reaches mv0 through sw0's host port:
# the port that never was must not be left in the FDB (a use after free).
RET=0
"$HVK" switch set sw0 ageing 300
ip link add link sw0 name mv0 type macvlan mode bridge
ip link set mv0 up
flood_start
sleep 1
rx=$(cat /sys/class/net/mv0/statistics/rx_packets)
for _ in $(seq 1 300); do
	if "$HVK" port add sw0 mv0 2> /tmp/hvk-mv0.err; then
		check_err 1 "mv0 became a port of the switch it sits on"
		break
	fi
done
rx=$(($(cat /sys/class/net/mv0/statistics/rx_packets) - rx))
flood_stop
echo "# mv0 received $rx frames during the failing adds"
[ "$rx" -gt 1000 ]; check_err $? "the flood did not reach mv0 ($rx frames)"
out=$(cat /tmp/hvk-mv0.err)
check_match "$out" "Device or resource busy|loop" "failed port add message: $out"
out=$("$HVK" -j fdb show sw0 | jq '[.[] | select(.dev != "va1" and .dev != "va2" and .dev != "va3" and .dev != "sw0")] | length')
[ "$out" = 0 ]; check_err $? "$out FDB entries of no port after the failed adds"
out=$("$HVK" -j port show | jq -r '.[].ifname' | sort | tr '\n' ' ')
check_match "$out" "^sw0 va1 va2 va3 $|^va1 va2 va3 $" "ports: $out"
ip link del mv0
log_test "300 port-adds failing at the link under a flood leave nothing learned"

RET=0
rmmod hvk_switch; check_err $? "rmmod after the churn"
log_test "rmmod after the churn"
tap_done
