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
# It also measures scaling: two pktgen threads (CPUs 0 and 1), one into pA
# for pB and one into pC for pD, against one thread, on one switch.
#
# HVK_BENCH_PROFILE=1 (or a list of DUTs) records perf for each DUT (access,
# one MAC) instead: the CPU time per frame in the DUT's own functions, what
# hvk/bridge would be if hvk's own functions cost nothing, and the functions
# whose time per frame differs most between hvk and the bridge.
# HVK_BENCH_CALLERS=sym,sym prints where those were called from.
set -u
ROUNDS=${HVK_BENCH_ROUNDS:-3}
COUNT=${HVK_BENCH_COUNT:-150000}
MAC_B=02:00:00:00:0b:02
MAC_D=02:00:00:00:0d:02
PORTS="pA pB"
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
	ip link add pC type veth peer name gC netns A
	ip link add pD type veth peer name gD netns B
	ip link add fA netns A type veth peer name fB netns B
	n B ip link set gB address $MAC_B
	n B ip link set fB address $MAC_B
	n B ip link set gD address $MAC_D
	for d in pA pB pC pD; do ip link set $d up; done
	n A ip link set gA up
	n A ip link set gC up
	n A ip link set fA up
	n B ip link set gB up
	n B ip link set gD up
	n B ip link set fB up
	# The sink drops at ingress: B's IP stack (and conntrack, which the
	# openvswitch module pulls in) would otherwise dominate every number.
	for d in gB gD fB; do
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

# inject_dev THREAD DEV DST_MAC SRC_MAC VLAN SRC_MACS: pktgen thread THREAD
# (on CPU THREAD) injects COUNT frames into DEV's receive path.
inject_dev()
{
	local P=/proc/net/pktgen c

	echo "add_device $2" > $P/kpktgend_$1
	for c in "count $COUNT" 'pkt_size 60' 'delay 0' "dst_mac $3" \
		 "src_mac $4" "src_mac_count $6" \
		 'dst 10.9.0.2' 'src_min 10.9.0.1' 'src_max 10.9.0.1' \
		 'udp_dst_min 9' 'udp_dst_max 9' 'xmit_mode netif_receive' 'burst 32'; do
		echo "$c" > $P/$2
	done
	[ "$5" = 0 ] || echo "vlan_id $5" > $P/$2
}

# sink_rx: frames the sinks have received.
sink_rx()
{
	n B cat /sys/class/net/gB/statistics/rx_packets /sys/class/net/gD/statistics/rx_packets |
		awk '{ s += $1 } END { print s }'
}

# inject VLAN SRC_MACS [THREADS]: COUNT frames per thread into pA's receive
# path (and, with 2 threads, pC's on the second CPU), print sink pps.
inject()
{
	local vlan=$1 macs=$2 threads=${3:-1} before after t0 t1 P=/proc/net/pktgen

	echo rem_device_all > $P/kpktgend_0
	echo rem_device_all > $P/kpktgend_1
	inject_dev 0 pA $MAC_B 02:00:00:aa:00:00 "$vlan" "$macs"
	[ "$threads" = 2 ] && inject_dev 1 pC $MAC_D 02:00:00:cc:00:00 "$vlan" "$macs"
	before=$(sink_rx)
	t0=$(date +%s%N)
	echo start > $P/pgctrl
	t1=$(date +%s%N)
	after=$(sink_rx)
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

# dut_hvk MODE: access VLAN 10 on every port of PORTS, or trunk 10.
dut_hvk()
{
	local d

	ip link add sw0 type hvk_switch
	ip link set sw0 up
	for d in $PORTS; do
		"$HVK" port add sw0 $d
		"$HVK" port set $d vlan "$1" 10
	done
	"$HVK" fdb add sw0 $MAC_B dev pB vlan 10
	[ "${PORTS#*pD}" = "$PORTS" ] || "$HVK" fdb add sw0 $MAC_D dev pD vlan 10
}

dut_bridge()
{
	local d

	ip link add br0 type bridge vlan_filtering 1
	ip link set br0 up
	for d in $PORTS; do
		ip link set $d master br0
		bridge vlan del dev $d vid 1
		if [ "$1" = access ]; then
			bridge vlan add dev $d vid 10 pvid untagged
		else
			bridge vlan add dev $d vid 10
		fi
	done
	bridge fdb add $MAC_B dev pB master static vlan 10
	[ "${PORTS#*pD}" = "$PORTS" ] || bridge fdb add $MAC_D dev pD master static vlan 10
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

# ns of one pktgen thread per frame: the whole path's cost, DUT included.
per_frame()
{
	[ "$1" = - ] && { echo -; return; }
	awk -v p="$1" 'BEGIN { printf "%.0f", 1e9 / p }'
}

median()
{
	tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# send: one run of the bench's traffic (access, one MAC), print sink pps.
send()
{
	if [ "$INJECT" = 1 ]; then
		inject 0 1
	else
		pktgen gA 0 1 gB
	fi
}

# rotate N WORD...: the words, the first N (modulo their count) moved to the
# end.  Round r runs the DUTs in the order rotated by r - 1: under TCG the
# DUT that runs first after another was torn down ran slower (hvk first in
# every round: the rest of its path 508 ns a frame over the bridge's;
# the bridge first: 125), so no DUT keeps one place.
rotate()
{
	local n=$1

	shift
	n=$((n % $#))
	echo "${@:n+1}" "${@:1:n}"
}

# own_share: percent of the busy samples of /tmp/perf.data on CPU 0 (where
# pktgen's thread runs, and so everything a frame costs up to the sink) in
# the DUT's own functions: its module's (hvk_switch, bridge, openvswitch,
# with what they inline; named by /proc/kallsyms, as perf in the guest
# cannot tell modules apart), not the kernel's they call (dev_queue_xmit).
# Idle's halt is not busy (6.1 names it native_safe_halt, 6.12
# pv_native_safe_halt), nor is user space (perf itself).
own_share()
{
	perf report -i /tmp/perf.data --cpu 0 -n --no-children --sort symbol --stdio 2>/dev/null |
		awk 'NR == FNR { if ($4 ~ /^\[(hvk_switch|bridge|openvswitch)\]$/) mod[$3] = 1; next }
			/^ +[0-9.]+%/ { n = $2 + 0; if ($4 ~ /safe_halt$/ || $3 != "[k]") next
			busy += n; if ($4 in mod) own += n }
			END { printf "%.2f", busy ? 100 * own / busy : 0 }' /proc/kallsyms -
}

# `HVK_BENCH_PROFILE=1` (or DUT names): profiles of each DUT instead,
# interleaved, ROUNDS each: a run's pps without perf, then a run under perf
# for the share of the CPU in the DUT's own functions.
profile()
{
	local dut duts=$1 round ns own fns

	[ "$duts" = 1 ] && duts="hvk bridge" && [ $HAVE_OVS = 1 ] && duts="$duts ovs"
	setup
	for round in $(seq 1 "$ROUNDS"); do
		# shellcheck disable=SC2086 # a list
		for dut in $(rotate $((round - 1)) $duts); do
			dut_clear
			"dut_$dut" access > /dev/null
			send > /dev/null	# warm up: learn, fill caches
			res[$dut,ns]="${res[$dut,ns]:-} $(per_frame "$(send)")"
			perf record -q -a -g -e cpu-clock -F 2000 -o /tmp/perf.data -- \
				bash -c "$(declare -f n pktgen inject inject_dev sink_rx send); \
					 INJECT=$INJECT COUNT=$COUNT MAC_B=$MAC_B MAC_D=$MAC_D send" > /dev/null 2>&1
			res[$dut,share]="${res[$dut,share]:-} $(own_share)"
			perf report -i /tmp/perf.data --cpu 0 -n --no-children --sort symbol --stdio \
				2> /dev/null > "/tmp/profile.$dut.$round"
			[ "$round" = "$ROUNDS" ] && [ -n "${HVK_BENCH_CALLERS:-}" ] &&
				perf report -i /tmp/perf.data --cpu 0 --no-children --stdio \
					-S "$HVK_BENCH_CALLERS" -g caller,0.5,callee,function,percent \
					2> /dev/null | grep -v "^$" | head -150 > "/tmp/callers.$dut"
		done
		echo "# round $round done" >&2
	done
	dut_clear
	printf '%-8s %12s %12s %14s\n' DUT "ns/frame" "own share" "own ns/frame"
	for dut in $duts; do
		ns=$(echo ${res[$dut,ns]} | median)
		share=$(echo ${res[$dut,share]} | median)
		own=$(awk -v n="$ns" -v s="$share" 'BEGIN { printf "%.0f", n * s / 100 }')
		res[$dut]="$ns $own"
		printf '%-8s %12s %11s%% %14s\n' $dut "$ns" "$share" "$own"
	done
	if [ -n "${res[hvk]:-}" ] && [ -n "${res[bridge]:-}" ]; then
		# shellcheck disable=SC2086 # two numbers each
		set -- ${res[hvk]} ${res[bridge]}
		awk -v h="$1" -v ho="$2" -v b="$3" 'BEGIN {
			printf "hvk/bridge %.2f; if hvk'"'"'s own functions cost nothing: %.2f\n", b / h, b / (h - ho) }'
	fi
	echo "(access VLAN 10, one MAC, $COUNT frames per run after a warm-up run; ns/frame: 1e9/pps"
	echo " without perf; own share: of CPU 0's busy kernel samples under perf (-F 2000); medians"
	echo " of $ROUNDS interleaved rounds)"
	for dut in $duts; do
		echo "# $dut, the last round's top functions on CPU 0 (% of all its samples, idle included; samples):"
		grep -E "^ +[0-9]" "/tmp/profile.$dut.$ROUNDS" | grep -v "safe_halt\|\[\.\]" | head -40
		if [ -n "${HVK_BENCH_CALLERS:-}" ]; then
			echo "# $dut, where $HVK_BENCH_CALLERS were called from (the last round, CPU 0):"
			cat "/tmp/callers.$dut"
		fi
	done
	if [ -n "${res[hvk]:-}" ] && [ -n "${res[bridge]:-}" ]; then
		echo "# where hvk's and the bridge's frames differ: ns per frame in each function (all rounds'"
		echo "# busy samples on CPU 0, scaled to the DUT's ns/frame), the 25 largest differences:"
		printf '%-44s %8s %8s %8s\n' function hvk bridge hvk-bridge
		# shellcheck disable=SC2086 # two numbers each
		set -- ${res[hvk]} ${res[bridge]}
		fns=$(fn_ns hvk "$1"; fn_ns bridge "$3")
		echo "$fns" |
			awk '{ v[$1, $2] = $3; f[$2] = 1 }
			     END { for (x in f) { d = v["hvk", x] - v["bridge", x]
					printf "%.2f %s %.2f %.2f %.2f\n", d < 0 ? -d : d, x,
						v["hvk", x], v["bridge", x], d } }' |
			sort -gr | head -25 |
			awk '{ printf "%-44s %8.0f %8.0f %+8.0f\n", $2, $3, $4, $5 }'
		echo "$fns" |
			awk '$2 !~ /\]$/ { r[$1] += $3 }
			     END { printf "outside the modules: hvk %.0f, bridge %.0f ns per frame\n",
					r["hvk"], r["bridge"] }'
	fi
}

# fn_ns DUT NS: "DUT function ns" for each kernel function busy on CPU 0 in
# all of DUT's profiled rounds, its samples scaled to NS per frame; a
# module's functions are named function[module] (a static function's name
# may be in two: rht_key_get_hash.constprop.0[hvk_switch][bridge]).
fn_ns()
{
	cat "/tmp/profile.$1".* |
		awk -v dut="$1" -v ns="$2" '
			NR == FNR { if ($4 ~ /^\[(hvk_switch|bridge|openvswitch)\]$/ &&
					index(mod[$3], $4) == 0) mod[$3] = mod[$3] $4
				    next }
			/^ +[0-9.]+%/ { if ($4 ~ /safe_halt$/ || $3 != "[k]") next
				s[$4] += $2; busy += $2 }
			END { for (f in s) printf "%s %s%s %.2f\n", dut, f, mod[f], ns * s[f] / busy }' \
			/proc/kallsyms -
}

declare -A res
if [ -n "${HVK_BENCH_PROFILE:-}" ]; then
	profile "$HVK_BENCH_PROFILE"
	exit 0
fi

setup
duts="floor hvk bridge"
[ "$INJECT" = 1 ] && duts="hvk bridge"
[ $HAVE_OVS = 1 ] && duts="$duts ovs"
for round in $(seq 1 "$ROUNDS"); do
	for mode in access trunk; do
		vlan=0
		[ $mode = trunk ] && vlan=10
		for macs in 1 1024; do
			# shellcheck disable=SC2086 # a list
			for dut in $(rotate $((round - 1)) $duts); do
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

# Scaling: one switch with four ports, one pktgen thread (pA to pB) or two
# (and pC to pD on the second CPU); access, one MAC each.
if [ "$INJECT" = 1 ]; then
	PORTS="pA pB pC pD"
	for round in $(seq 1 "$ROUNDS"); do
		for dut in $(rotate $((round - 1)) hvk bridge); do
			dut_clear
			"dut_$dut" access > /dev/null
			inject 0 1 2 > /dev/null	# learn, fill caches
			res[$dut,1t]="${res[$dut,1t]:-} $(inject 0 1 1)"
			res[$dut,2t]="${res[$dut,2t]:-} $(inject 0 1 2)"
		done
	done
	dut_clear
fi

# ratio A B: A/B to two places, or - when either is missing.
ratio()
{
	if [ "$1" = - ] || [ "$2" = - ]; then
		echo -
	else
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
	fi
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
	printf '\n%-8s %12s %12s %8s\n' scaling "1 thread" "2 threads" "2/1"
	for dut in hvk bridge; do
		one=$(echo ${res[$dut,1t]} | median)
		two=$(echo ${res[$dut,2t]} | median)
		printf '%-8s %12s %12s %8s\n' $dut "$one" "$two" "$(ratio "$two" "$one")"
		res[$dut,scale]=$(ratio "$two" "$one")
	done
	echo "hvk's scaling / the bridge's: $(ratio "${res[hvk,scale]}" "${res[bridge,scale]}")"
	echo "(pps at the sinks: one pktgen thread into pA for pB, or two on two CPUs, pA for pB"
	echo " and pC for pD, through one switch; access VLAN 10, one MAC per thread, median of $ROUNDS)"
else
	echo "(64-byte frames, $COUNT per run, median of $ROUNDS interleaved rounds, pps at the sink)"
fi
