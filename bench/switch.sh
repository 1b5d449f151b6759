#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-switch: 64-byte frames from netns A through a switch to netns B,
# pps at the sink, in one guest boot, side by side:
#   veth floor (A and B wired directly), hvk_switch, Linux bridge
#   (vlan_filtering 1, same VLANs), Open vSwitch kernel datapath (one
#   megaflow, when ovs-dpctl is installed); access and trunk ports; one
#   source MAC and 1024.  Interleaved rounds, median of ROUNDS.
#
#   A: gA --- pA [ DUT ] pB --- gB :B        A: fA ------------- fB :B (floor)
#
# HVK_BENCH_INJECT=1 (make bench-switch-rx) isolates the switch: pktgen in
# xmit_mode netif_receive hands its frames (burst 32) to pA's receive path
# directly, as a NIC's driver would, so no skb is built per frame and no
# veth hop comes before the DUT; the one after it (pB to gB, dropped at
# gB's tc ingress) is the same for every DUT.  There is no floor then.
set -u
ROUNDS=${HVK_BENCH_ROUNDS:-3}
COUNT=${HVK_BENCH_COUNT:-150000}
MAC_B=02:00:00:00:0b:02
HVK=${HVK_BUILD:-$HVK_TOP/build}/bin/hvk
INJECT=${HVK_BENCH_INJECT:-0}
HAVE_OVS=0
command -v ovs-dpctl > /dev/null && modprobe openvswitch 2>/dev/null && HAVE_OVS=1

n()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

setup()
{
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	modprobe pktgen
	modprobe 8021q
	modprobe bridge
	modprobe hvk_switch
	ip netns add A
	ip netns add B
	for ns in A B; do
		n $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		n $ns ip link set lo up
	done
	ip link add pA type veth peer name gA netns A
	ip link add pB type veth peer name gB netns B
	ip link add fA netns A type veth peer name fB netns B
	n B ip link set gB address $MAC_B
	n B ip link set fB address $MAC_B
	for d in pA pB; do ip link set $d up; done
	n A ip link set gA up
	n A ip link set fA up
	n B ip link set gB up
	n B ip link set fB up
	# The sink drops at ingress: B's IP stack (and conntrack, which the
	# openvswitch module pulls in) would otherwise dominate every number.
	for d in gB fB; do
		n B tc qdisc add dev $d clsact
		n B tc filter add dev $d ingress matchall action drop
	done
}

# pktgen DEV VLAN(0=none) SRC_MACS: send COUNT frames from A, print sink pps.
pktgen()
{
	local dev=$1 vlan=$2 macs=$3 sink=$4 before after t0 t1

	n A bash -c "
		P=/proc/net/pktgen
		echo rem_device_all > \$P/kpktgend_0
		echo 'add_device $dev' > \$P/kpktgend_0
		for c in 'count $COUNT' 'pkt_size 60' 'delay 0' 'dst_mac $MAC_B' \
			 'src_mac 02:00:00:aa:00:00' 'src_mac_count $macs' \
			 'dst 10.9.0.2' 'src_min 10.9.0.1' 'src_max 10.9.0.1' \
			 'udp_dst_min 9' 'udp_dst_max 9'; do
			echo \"\$c\" > \$P/$dev
		done
		[ $vlan = 0 ] || echo 'vlan_id $vlan' > \$P/$dev
	"
	before=$(n B cat /sys/class/net/$sink/statistics/rx_packets)
	t0=$(date +%s%N)
	n A bash -c 'echo start > /proc/net/pktgen/pgctrl'
	t1=$(date +%s%N)
	after=$(n B cat /sys/class/net/$sink/statistics/rx_packets)
	echo $(( (after - before) * 1000000000 / (t1 - t0) ))
}

# inject VLAN SRC_MACS: COUNT frames into pA's receive path, print sink pps.
inject()
{
	local vlan=$1 macs=$2 before after t0 t1 P=/proc/net/pktgen c

	echo rem_device_all > $P/kpktgend_0
	echo 'add_device pA' > $P/kpktgend_0
	for c in "count $COUNT" 'pkt_size 60' 'delay 0' "dst_mac $MAC_B" \
		 'src_mac 02:00:00:aa:00:00' "src_mac_count $macs" \
		 'dst 10.9.0.2' 'src_min 10.9.0.1' 'src_max 10.9.0.1' \
		 'udp_dst_min 9' 'udp_dst_max 9' 'xmit_mode netif_receive' 'burst 32'; do
		echo "$c" > $P/pA
	done
	[ "$vlan" = 0 ] || echo "vlan_id $vlan" > $P/pA
	before=$(n B cat /sys/class/net/gB/statistics/rx_packets)
	t0=$(date +%s%N)
	echo start > $P/pgctrl
	t1=$(date +%s%N)
	after=$(n B cat /sys/class/net/gB/statistics/rx_packets)
	echo $(( (after - before) * 1000000000 / (t1 - t0) ))
}

dut_clear()
{
	ip link del sw0 2>/dev/null
	ip link del br0 2>/dev/null
	[ $HAVE_OVS = 1 ] && ovs-dpctl del-dp hvkbench 2>/dev/null
	n B ip link set gB up
	return 0
}

# dut_hvk MODE: access VLAN 10 on both ports, or trunk 10 on both.
dut_hvk()
{
	ip link add sw0 type hvk_switch
	ip link set sw0 up
	"$HVK" port add sw0 pA
	"$HVK" port add sw0 pB
	if [ "$1" = access ]; then
		"$HVK" port set pA vlan access 10
		"$HVK" port set pB vlan access 10
	else
		"$HVK" port set pA vlan trunk 10
		"$HVK" port set pB vlan trunk 10
	fi
	"$HVK" fdb add sw0 $MAC_B dev pB vlan 10
}

dut_bridge()
{
	ip link add br0 type bridge vlan_filtering 1
	ip link set br0 up
	ip link set pA master br0
	ip link set pB master br0
	for d in pA pB; do
		bridge vlan del dev $d vid 1
		if [ "$1" = access ]; then
			bridge vlan add dev $d vid 10 pvid untagged
		else
			bridge vlan add dev $d vid 10
		fi
	done
	bridge fdb add $MAC_B dev pB master static vlan 10
}

dut_ovs()
{
	ovs-dpctl add-dp hvkbench pA pB
	if [ "$1" = access ]; then
		ovs-dpctl add-flow hvkbench "in_port(1),eth(),eth_type(0x0800),ipv4()" 2
	else
		ovs-dpctl add-flow hvkbench \
			"in_port(1),eth(),eth_type(0x8100),vlan(vid=10),encap(eth_type(0x0800),ipv4())" 2
	fi
}

median()
{
	tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# `HVK_BENCH_PROFILE=hvk|bridge bench/switch.sh`: perf profile of one DUT instead.
profile()
{
	local dut=$1

	setup
	"dut_$dut" access > /dev/null
	pktgen gA 0 1 gB > /dev/null	# warm up: learn, fill caches
	perf record -q -a -g -e cpu-clock -F 2000 -o /tmp/perf.data -- \
		bash -c "$(declare -f n pktgen); COUNT=$COUNT MAC_B=$MAC_B pktgen gA 0 1 gB" > /dev/null 2>&1
	# The DUT's own share: its module's symbols over all busy samples.
	perf report -i /tmp/perf.data --no-children --sort symbol --stdio 2>/dev/null |
		awk '/^ +[0-9]/ { p = $1 + 0; if ($3 == "native_safe_halt") next; busy += p
			if ($3 ~ /^(hvk_|br_|nbp_|__br_|ovs_|__ovs_)/) dut += p }
			END { printf "# DUT functions: %.1f%% of busy samples\n", 100 * dut / busy }'
	perf report -i /tmp/perf.data --no-children --sort symbol --stdio 2>/dev/null |
		grep -E "^ +[0-9]" | grep -v "\[\.\]" | head -40
}

if [ -n "${HVK_BENCH_PROFILE:-}" ]; then
	profile "$HVK_BENCH_PROFILE"
	exit 0
fi

setup
declare -A res
duts="floor hvk bridge"
[ "$INJECT" = 1 ] && duts="hvk bridge"
[ $HAVE_OVS = 1 ] && duts="$duts ovs"
for round in $(seq 1 "$ROUNDS"); do
	for mode in access trunk; do
		vlan=0
		[ $mode = trunk ] && vlan=10
		for macs in 1 1024; do
			for dut in $duts; do
				dut_clear
				if [ $dut = floor ]; then
					pps=$(pktgen fA $vlan $macs fB)
				elif [ "$INJECT" = 1 ]; then
					"dut_$dut" $mode > /dev/null
					inject $vlan $macs > /dev/null	# learn, fill caches
					pps=$(inject $vlan $macs)
				else
					"dut_$dut" $mode > /dev/null
					pps=$(pktgen gA $vlan $macs gB)
				fi
				res[$dut,$mode,$macs]="${res[$dut,$mode,$macs]:-} $pps"
			done
		done
	done
	echo "# round $round done" >&2
done
dut_clear

# ratio A B: A/B to two places, or - when either is missing.
ratio()
{
	if [ "$1" = - ] || [ "$2" = - ]; then
		echo -
	else
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
	fi
}

# ns of one pktgen thread per frame: the whole path's cost, DUT included.
per_frame()
{
	[ "$1" = - ] && { echo -; return; }
	awk -v p="$1" 'BEGIN { printf "%.0f", 1e9 / p }'
}

printf '\n%-8s %-6s %-5s %10s %10s %10s %10s %9s %9s\n' mode macs "" floor hvk bridge ovs \
	hvk/br hvk/ovs
for mode in access trunk; do
	for macs in 1 1024; do
		f=-
		[ "$INJECT" = 1 ] || f=$(echo ${res[floor,$mode,$macs]} | median)
		h=$(echo ${res[hvk,$mode,$macs]} | median)
		b=$(echo ${res[bridge,$mode,$macs]} | median)
		o=-
		[ $HAVE_OVS = 1 ] && o=$(echo ${res[ovs,$mode,$macs]} | median)
		printf '%-8s %-6s %-5s %10s %10s %10s %10s %9s %9s\n' $mode $macs pps "$f" "$h" "$b" "$o" \
			"$(ratio "$h" "$b")" "$(ratio "$h" "$o")"
		[ "$INJECT" = 1 ] && printf '%-8s %-6s %-5s %10s %10s %10s %10s\n' "" "" ns "" \
			"$(per_frame "$h")" "$(per_frame "$b")" "$(per_frame "$o")"
	done
done
if [ "$INJECT" = 1 ]; then
	echo "(64-byte frames injected into pA's receive path by pktgen (netif_receive, burst 32),"
	echo " $COUNT per run after one warm-up run, median of $ROUNDS interleaved rounds, pps at"
	echo " the sink; ns: one CPU's time per frame, 1e9/pps: the guest's TCG has no cycle counter)"
else
	echo "(64-byte frames, $COUNT per run, median of $ROUNDS interleaved rounds, pps at the sink)"
fi
