#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-shaping: the hvk inbound shaper against tc's tbf on the same
# switch port, same rate, burst and queue limit, in one guest boot:
#
#   h1 --- va1 [ sw0 ] va2 (hvk shaper | tbf qdisc | nothing) --- h2
#
# For each rate: UDP offered at 1.5 x the rate (1400-byte datagrams, send
# buffer larger than the queue) and, alongside, pings h1 -> h2 through the
# full queue.  Per run, over 5 s after 3 s of warm-up: the wire rate at h2
# (device counters, L2 bytes) and its error, the whole guest's busy CPU per
# delivered packet (/proc/stat), the mean ping RTT.  "none" delivers the
# same rate unshaped (iperf3 paces it): its CPU is the base the shapers'
# cost is measured from.  Interleaved rounds, medians.
set -u
ROUNDS=${HVK_BENCH_ROUNDS:-3}
RATES=${HVK_BENCH_RATES:-"10 100"}
BURST=32k
LIMIT=100k
HVK=${HVK_BUILD:-$HVK_TOP/build}/bin/hvk

n()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

setup()
{
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	sysctl -qw net.core.wmem_max=8388608 net.core.rmem_max=8388608
	modprobe hvk_switch
	modprobe sch_tbf
	ip link add sw0 type hvk_switch
	ip link set sw0 up
	for i in 1 2; do
		ip netns add "h$i"
		n "h$i" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip link add "va$i" type veth peer name eth0 netns "h$i"
		ip link set "va$i" up
		n "h$i" ip link set lo up
		n "h$i" ip link set eth0 address "02:00:00:00:00:0$i" up
		n "h$i" ip addr add "10.0.0.$i/24" dev eth0
		"$HVK" port add sw0 "va$i"
	done
	n h1 ip neigh replace 10.0.0.2 lladdr 02:00:00:00:00:02 dev eth0 nud permanent
	n h2 ip neigh replace 10.0.0.1 lladdr 02:00:00:00:00:01 dev eth0 nud permanent
	n h1 ping -q -c 2 10.0.0.2 > /dev/null
	n h2 iperf3 -s -D
}

configure()
{
	local dut=$1 mbit=$2

	"$HVK" port set va2 inbound off
	tc qdisc del dev va2 root 2>/dev/null
	case $dut in
	hvk) "$HVK" port set va2 inbound average "${mbit}mbit" burst $BURST limit $LIMIT ;;
	tbf) tc qdisc add dev va2 root tbf rate "${mbit}mbit" burst $BURST limit $LIMIT ;;
	esac
}

busy_ticks()
{
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat
}

# run DUT MBIT: "wire_bps busy_us_per_packet rtt_ms"
run()
{
	local dut=$1 mbit=$2 offered pid ping_pid ping_out=/tmp/ping.$$
	local p0 p1 b0 b1 c0 c1 t0 t1

	configure "$dut" "$mbit"
	if [ "$dut" = none ]; then
		# The same wire rate, paced by the sender: 1400 of 1442 bytes are payload.
		offered=$((mbit * 1000 * 1400 / 1442))K
	else
		offered=$((mbit * 1500))K
	fi
	n h1 iperf3 -c 10.0.0.2 -u -l 1400 -w 4M -b "$offered" -t 10 > /dev/null &
	pid=$!
	sleep 3
	n h1 ping -q -i 0.2 -c 20 10.0.0.2 > "$ping_out" 2>&1 &
	ping_pid=$!
	read -r p0 < /sys/class/net/va2/statistics/tx_packets
	b0=$(n h2 cat /sys/class/net/eth0/statistics/rx_bytes)
	c0=$(busy_ticks)
	t0=$(date +%s.%N)
	sleep 5
	read -r p1 < /sys/class/net/va2/statistics/tx_packets
	b1=$(n h2 cat /sys/class/net/eth0/statistics/rx_bytes)
	c1=$(busy_ticks)
	t1=$(date +%s.%N)
	wait "$pid" "$ping_pid"
	awk -v p=$((p1 - p0)) -v b=$((b1 - b0)) -v c=$((c1 - c0)) -v t0="$t0" -v t1="$t1" \
		-v hz="$(getconf CLK_TCK)" -v rtt="$(sed -n 's|.* = [0-9.]*/\([0-9.]*\)/.*|\1|p' "$ping_out")" \
		'BEGIN { printf "%.0f %.2f %s\n", b * 8 / (t1 - t0), c / hz * 1e6 / p, rtt == "" ? "-" : rtt }'
	rm -f "$ping_out"
}

median()
{
	tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "-" }'
}

setup
declare -A wire cpu rtt
for mbit in $RATES; do
	for r in $(seq "$ROUNDS"); do
		for dut in none hvk tbf; do
			read -r w c l < <(run $dut "$mbit")
			echo "# ${mbit}mbit round $r $dut: wire $w bit/s, $c us busy/packet, rtt $l ms"
			wire[$dut,$mbit]+=" $w"
			cpu[$dut,$mbit]+=" $c"
			rtt[$dut,$mbit]+=" $l"
		done
	done
done
configure none 0

printf '\n%-6s %-5s %12s %8s %12s %12s %9s\n' rate dut "wire bit/s" "error %" "busy us/pkt" \
	"shaper us/pkt" "rtt ms"
for mbit in $RATES; do
	base=$(echo "${cpu[none,$mbit]}" | median)
	for dut in none hvk tbf; do
		w=$(echo "${wire[$dut,$mbit]}" | median)
		c=$(echo "${cpu[$dut,$mbit]}" | median)
		l=$(echo "${rtt[$dut,$mbit]}" | median)
		awk -v m="$mbit" -v d=$dut -v w="$w" -v c="$c" -v b="$base" -v l="$l" 'BEGIN {
			printf "%-6s %-5s %12.0f %8.2f %12.2f %12s %9s\n", m "M", d, w,
				100 * (w / (m * 1e6) - 1), c, d == "none" ? "-" : sprintf("%.2f", c - b), l }'
	done
	h=$(echo "${cpu[hvk,$mbit]}" | median)
	t=$(echo "${cpu[tbf,$mbit]}" | median)
	hl=$(echo "${rtt[hvk,$mbit]}" | median)
	tl=$(echo "${rtt[tbf,$mbit]}" | median)
	awk -v h="$h" -v t="$t" -v b="$base" -v hl="$hl" -v tl="$tl" -v m="$mbit" 'BEGIN {
		printf "%-6s hvk/tbf: busy CPU per packet %.2f, shaper CPU per packet %s, rtt %s\n", m "M",
			h / t, (t - b > 0) ? sprintf("%.2f", (h - b) / (t - b)) : "-",
			(tl > 0) ? sprintf("%.2f", hl / tl) : "-" }'
done
echo "(UDP 1400-byte datagrams at 1.5 x the rate, burst $BURST, limit $LIMIT, median of $ROUNDS interleaved rounds;"
echo " error = wire rate / rate - 1; the \"none\" row is unshaped traffic at the same rate)"
