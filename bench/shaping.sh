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
# full queue.  Per run, over 5 s after 3 s of warm-up: the wire rate leaving
# va2 (device counters, L2 bytes, timed in one process) and its error; the
# CPU spent in the shaper's own functions per packet (perf cpu-clock
# samples, system-wide, self time: whole-guest busy time is dominated by the
# emulated sender and too noisy to subtract); the mean ping RTT.  "none"
# sends the same rate unshaped, for the path's own latency.  Interleaved
# rounds, medians.
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
	# Receive timestamps on for the whole run.  Each rtt ping (SO_TIMESTAMP)
	# otherwise flips the kernel's netstamp static key while the flood
	# runs, and code patching under multi-threaded TCG is not safe: two
	# 6.12 guests in a row died of "Oops: int3" in net_timestamp_check()'s
	# branch (netif_rx_internal, __netif_receive_skb_core), no hvk frame
	# on the stack, the first in a tbf run.  Both shapers pay the same.
	rm -f /tmp/tstamp.$$
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 29, 1)		# SO_TIMESTAMP (not in Python)
open(sys.argv[1], "w").close()
time.sleep(86400)' /tmp/tstamp.$$ > /dev/null 2>&1 &
	TSTAMP_PID=$!
	for _ in $(seq 100); do
		[ -e /tmp/tstamp.$$ ] && return 0
		sleep 0.1
	done
	echo "bench: cannot keep receive timestamps on" >&2
	exit 1
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

# The shaper's own code, by symbol (self time; the hrtimer core both use is
# not counted for either).  hvk: the shaper, its buckets and wire length.
# tbf: tbf and its inner bfifo, and the qdisc layer a queueless veth skips.
HVK_SYMS='^(hvk_shaper_xmit|shaper_timer|shaper_send|meter_charge|tb_fill|tb_cost|tb_short|hvk_wire_len|hvk_wire_segs|gso_hdr_len|frame_len)$'
TBF_SYMS='^(tbf_enqueue|tbf_dequeue|tbf_segment|bfifo_enqueue|qdisc_enqueue_tail|qdisc_dequeue_head|qdisc_peek_dequeued|__dev_xmit_skb|__qdisc_run|qdisc_restart|dequeue_skb|sch_direct_xmit|qdisc_pkt_len_init|qdisc_watchdog|qdisc_watchdog_schedule_range_ns|__netif_schedule|net_tx_action)$'
PERF_HZ=1000

# measure SECONDS: "wire_bps packets" leaving va2 (to h2), timed in one process.
measure()
{
	python3 -c '
import sys, time
d = "/sys/class/net/va2/statistics/"
rd = lambda f: int(open(d + f).read())
b0, p0, t0 = rd("tx_bytes"), rd("tx_packets"), time.monotonic()
time.sleep(float(sys.argv[1]))
b1, p1, t1 = rd("tx_bytes"), rd("tx_packets"), time.monotonic()
print("%.0f %d" % ((b1 - b0) * 8 / (t1 - t0), p1 - p0))
' "$1"
}

# window: ping through the queue while measuring 5 s ("wire_bps packets").
window()
{
	local ping

	n h1 ping -q -i 0.2 -c 20 10.0.0.2 > "$1" 2>&1 &
	ping=$!
	measure 5
	wait "$ping"
}

# run DUT MBIT: "wire_bps shaper_us_per_packet rtt_ms"
run()
{
	local dut=$1 mbit=$2 offered pid ping_out=/tmp/ping.$$ perf_data=/tmp/perf.$$
	local wire pkts samples syms=

	configure "$dut" "$mbit"
	case $dut in
	hvk) syms=$HVK_SYMS ;;
	tbf) syms=$TBF_SYMS ;;
	esac
	if [ "$dut" = none ]; then
		# The same wire rate, paced by the sender: 1400 of 1442 bytes are payload.
		offered=$((mbit * 1000 * 1400 / 1442))K
	else
		offered=$((mbit * 1500))K
	fi
	# Sends until the window closes: perf record takes 9 s or more to
	# start its workload here, longer on a loaded host.
	n h1 iperf3 -c 10.0.0.2 -u -l 1400 -w 4M -b "$offered" -t 300 > /dev/null &
	pid=$!
	sleep 3
	if [ -n "$syms" ]; then
		perf record -q -B -N -a -e cpu-clock -F $PERF_HZ -o "$perf_data" -- \
			bash -c "$(declare -f n measure window); window $ping_out" > "$perf_data.out" 2>/dev/null
		perf report -i "$perf_data" --no-children --sort symbol --stdio -n 2>/dev/null |
			awk '/^ +[0-9.]+%/ { print $2, $4 }' > "$perf_data.syms"
		samples=$(awk -v re="$syms" '$2 ~ re { n += $1 } END { print n + 0 }' "$perf_data.syms")
		# HVK_BENCH_SYMBOLS=1: the run's top symbols, to check the sets above.
		[ -n "${HVK_BENCH_SYMBOLS:-}" ] && head -25 "$perf_data.syms" | sed 's/^/# /' >&2
	else
		window "$ping_out" > "$perf_data.out"
		samples=0
	fi
	read -r wire pkts < "$perf_data.out"
	if ! kill "$pid" 2>/dev/null; then
		echo "bench: $dut at $mbit Mbit/s: the sender stopped before the window closed" >&2
		exit 1
	fi
	wait "$pid"
	awk -v w="$wire" -v p="$pkts" -v s="$samples" -v hz=$PERF_HZ \
		-v rtt="$(sed -n 's|.* = [0-9.]*/\([0-9.]*\)/.*|\1|p' "$ping_out")" \
		'BEGIN { printf "%s %.3f %s\n", w, p ? s * 1e6 / hz / p : 0, rtt == "" ? "-" : rtt }'
	rm -f "$ping_out" "$perf_data" "$perf_data.out" "$perf_data.syms"
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
			echo "# ${mbit}mbit round $r $dut: wire $w bit/s, shaper $c us/packet, rtt $l ms"
			wire[$dut,$mbit]+=" $w"
			cpu[$dut,$mbit]+=" $c"
			rtt[$dut,$mbit]+=" $l"
		done
	done
done
configure none 0

printf '\n%-6s %-5s %12s %8s %14s %9s\n' rate dut "wire bit/s" "error %" "shaper us/pkt" \
	"rtt ms"
for mbit in $RATES; do
	for dut in hvk tbf; do
		w=$(echo "${wire[$dut,$mbit]}" | median)
		c=$(echo "${cpu[$dut,$mbit]}" | median)
		l=$(echo "${rtt[$dut,$mbit]}" | median)
		awk -v m="$mbit" -v d=$dut -v w="$w" -v c="$c" -v l="$l" 'BEGIN {
			printf "%-6s %-5s %12.0f %8.2f %14.3f %9s\n", m "M", d, w,
				100 * (w / (m * 1e6) - 1), c, l }'
	done
	h=$(echo "${cpu[hvk,$mbit]}" | median)
	t=$(echo "${cpu[tbf,$mbit]}" | median)
	hl=$(echo "${rtt[hvk,$mbit]}" | median)
	tl=$(echo "${rtt[tbf,$mbit]}" | median)
	nl=$(echo "${rtt[none,$mbit]}" | median)
	awk -v h="$h" -v t="$t" -v hl="$hl" -v tl="$tl" -v nl="$nl" -v m="$mbit" 'BEGIN {
		printf "%-6s hvk/tbf: shaper CPU per packet %s, rtt under load %s (unloaded path %s ms)\n",
			m "M", (t > 0 ? sprintf("%.2f", h / t) : "-"),
			(tl > 0 ? sprintf("%.2f", hl / tl) : "-"), nl }'
done
echo "(UDP 1400-byte datagrams at 1.5 x the rate; burst $BURST, limit $LIMIT for both; median of"
echo " $ROUNDS interleaved rounds; error = wire rate at va2 / rate - 1; shaper CPU = perf cpu-clock"
echo " samples at $PERF_HZ Hz in the shaper's own functions per packet sent; rtt = ping through the"
echo " full queue; \"none\" = the same rate unshaped, for the path's own latency)"
kill "$TSTAMP_PID" 2>/dev/null
