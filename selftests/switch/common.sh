# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the switch suites: hosts in network namespaces wired to switch
# ports, frame senders and counters, the configuration snapshot.  Sourced
# after selftests/lib.sh.

# mkhost NS PORT INDEX: a host namespace with eth0 = 02:00:00:00:00:0INDEX,
# 10.0.0.INDEX/24, wired to PORT in the root namespace.
mkhost()
{
	local ns=$1 port=$2 i=$3

	ip netns add "$ns"
	# No IPv6: its autoconfiguration chatter would teach the FDB behind our back.
	n "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link add "$port" type veth peer name eth0 netns "$ns"
	ip link set "$port" up
	n "$ns" ip link set lo up
	n "$ns" ip link set eth0 address "02:00:00:00:00:0$i" up
	n "$ns" ip addr add "10.0.0.$i/24" dev eth0
}

# Static neighbours: unicast tests must not depend on ARP broadcasts.
neigh()
{
	local ns=$1 dev=$2 ip=$3 i=$4

	n "$ns" ip neigh replace "$ip" lladdr "02:00:00:00:00:0$i" dev "$dev" nud permanent
}

# settle FILE VALUE: FILE's content once it reads VALUE, or after 3 s.
settle()
{
	local i

	for i in $(seq 30); do
		[ "$(cat "$1")" = "$2" ] && break
		sleep 0.1
	done
	cat "$1"
}

reach()
{
	local ns=$1 ip=$2 _

	for _ in 1 2 3; do
		n "$ns" ping -q -c 1 -W 1 "$ip" > /dev/null 2>&1 && return 0
	done
	return 1
}

# port_stat PORT KEY: a counter from `hvk -j port show PORT`.
port_stat()
{
	"$HVK" -j port show "$1" | jq -r ".[0].stats.$2"
}

fdb_port()
{
	local sw=$1 mac=$2 vid=$3

	"$HVK" -j fdb show "$sw" | jq -r \
		".[] | select(.mac == \"$mac\" and .vlan == $vid) | .dev"
}

fdb_static()
{
	"$HVK" -j fdb show "$1" | jq -r ".[] | select(.mac == \"$2\" and .vlan == $3) | .static"
}

# Send COUNT frames from h1 to MAC on the wire with a packet socket.
send_frames()
{
	local src_ns=$1 dst_mac=$2 count=$3

	n "$src_ns" python3 - "$dst_mac" "$count" <<'PY'
import socket, sys
dst = bytes.fromhex(sys.argv[1].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
src = s.getsockname()[4]
for _ in range(int(sys.argv[2])):
    s.send(dst + src + b"\x88\xb5" + b"hvk-test" * 8)
PY
}

# count_test_frames NS CMD...: how many send_frames frames (ethertype
# 0x88b5) reach NS's eth0 from when CMD starts until CMD has finished and
# no frame came for 1 s (however slow the guest's kernel is).
count_test_frames()
{
	local ns=$1 out=/tmp/count.$$ done=/tmp/count.$$.done pid

	shift
	rm -f "$done"
	n "$ns" python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind(("eth0", 0))
s.settimeout(0.2)
print("ready", flush=True)
n, last, give_up = 0, time.time(), time.time() + 120
while time.time() < give_up:
    try:
        s.recv(2048)
        n += 1
        last = time.time()
    except socket.timeout:
        if os.path.exists(sys.argv[1]) and time.time() - last > 1:
            break
print(n, flush=True)
' "$done" > "$out" &
	pid=$!
	while ! grep -q ready "$out" 2>/dev/null; do sleep 0.1; done
	"$@"
	touch "$done"
	wait $pid
	tail -n 1 "$out"
	rm -f "$out" "$done"
}

# capture NS FILTER CMD...: the first frame matching FILTER on NS's eth0, as a
# tcpdump -e line, sending with CMD until one is caught (tcpdump may be slow
# to start in an emulated guest).
capture()
{
	local ns=$1 filter=$2 out=/tmp/cap.$$ pid _

	shift 2
	n "$ns" timeout 15 tcpdump -l -e -nn -c 1 -i eth0 "$filter" > "$out" 2>/dev/null &
	pid=$!
	for _ in $(seq 10); do
		sleep 1
		"$@" > /dev/null 2>&1
		kill -0 $pid 2>/dev/null || break
	done
	wait $pid
	cat "$out"
	rm -f "$out"
}

# The configuration a failed request must leave unchanged: counters and
# what learning and ageing change (FDB sizes, a port's learned MACs) aside.
state()
{
	"$HVK" -j switch show | jq -c '[.[] | del(.fdb_entries)]'
	"$HVK" -j port show | jq -c '[.[] | del(.stats, .mac_count)]'
}

# expect_ynl OP JSON PATTERN: the spec-driven client's request fails with PATTERN.
expect_ynl()
{
	local out

	out=$(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_switch.yaml" \
		--do "$1" --json "$2" 2>&1)
	check_match "$out" "$3" "ynl $1 $2"
}
