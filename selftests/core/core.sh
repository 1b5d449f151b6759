#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Foundation suite: both modules register their generic netlink families,
# autoload on request, answer INFO_GET, reject bad requests with extack, work
# in any netns and unprivileged (read-only ops), and hvk drives them.
#
#   +-------------------- guest ---------------------+
#   | hvk / nltest --genl--> hvk_switch.ko, hvk_mem.ko |
#   |        netns "other" --genl--^                  |
#   +--------------------------------------------------+
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=selftests/mem/common.sh
. "$(dirname "$0")/../mem/common.sh"

VERSION=$(cat "$HVK_TOP/VERSION")
FAMILIES="hvk_switch hvk_mem"
# INFO_GET feature bits: switching, shaping, security, mirror, filter.
SWITCH_FEATURES=31
# hvk_mem: fs, dirty-log.
MEM_FEATURES=15

cleanup()
{
	ip netns del other 2>/dev/null
	return 0
}
trap cleanup EXIT

loaded()
{
	grep -q "^$1 " /proc/modules
}

test_autoload()
{
	local out

	RET=0
	for f in $FAMILIES; do
		loaded "$f"; check_fail $? "$f loaded before the test"
	done
	out=$("$HVK" version 2>&1)
	check_err $? "hvk version failed: $out"
	for f in $FAMILIES; do
		loaded "$f"; check_err $? "$f not autoloaded by its family lookup"
	done
	log_test "genl family lookup autoloads both modules"
}

test_version_text()
{
	local out

	RET=0
	out=$("$HVK" version)
	check_err $? "hvk version failed"
	check_match "$out" "^hvk $VERSION \\(libhvk $VERSION\\)$" "tool line"
	check_match "$out" "^hvk_switch $VERSION features $(printf 0x%x $SWITCH_FEATURES)$" "switch line"
	check_match "$out" "^hvk_mem $VERSION features $(printf 0x%x $MEM_FEATURES)$" "mem line"
	log_test "hvk version names tool, library and module versions"
}

test_version_json()
{
	local out

	RET=0
	for opts in -j "-j -p" "--json --pretty"; do
		# shellcheck disable=SC2086
		out=$("$HVK" $opts version)
		check_err $? "hvk $opts version failed"
		printf '%s' "$out" | python3 -c '
import json, sys
v = sys.argv[1]
d = json.load(sys.stdin)
assert d["tool"] == v and d["library"] == v, d
assert d["modules"]["hvk_switch"] == {"version": v, "features": int(sys.argv[2])}, d
assert d["modules"]["hvk_mem"] == {"version": v, "features": int(sys.argv[3])}, d
' "$VERSION" "$SWITCH_FEATURES" "$MEM_FEATURES"
		check_err $? "hvk $opts version: bad JSON: $out"
	done
	log_test "hvk -j [-p] version is JSON with the same facts"
}

test_info_raw()
{
	local out

	RET=0
	out=$("$NLTEST" info hvk_switch)
	check_match "$out" "^ok $VERSION $SWITCH_FEATURES$" "hvk_switch INFO_GET"
	out=$("$NLTEST" info hvk_mem)
	check_match "$out" "^ok $VERSION $MEM_FEATURES$" "hvk_mem INFO_GET"
	log_test "INFO_GET answers on both families"
}

test_strict_attrs()
{
	local out

	RET=0
	for f in $FAMILIES; do
		out=$("$NLTEST" attr "$f" 1)
		check_match "$out" "^error 22 version is read-only \\[attr 1\\]$" "$f version attr"
		out=$("$NLTEST" attr "$f" 2)
		check_match "$out" "^error 22 features are read-only \\[attr 2\\]$" "$f features attr"
		out=$("$NLTEST" attr "$f" 99)
		check_match "$out" "^error 22 Unknown attribute type \\[attr 99\\]$" "$f unknown attr"
	done
	log_test "unknown and read-only attributes are rejected with extack"
}

test_bad_headers()
{
	local out

	RET=0
	for f in $FAMILIES; do
		out=$("$NLTEST" cmd "$f" 77)
		check_match "$out" "^error 95 " "$f unknown command"
		out=$("$NLTEST" reserved "$f")
		check_match "$out" "^error 22 " "$f reserved header field"
	done
	log_test "unknown commands and non-zero reserved fields are rejected"
}

test_events_group()
{
	local out

	RET=0
	for f in $FAMILIES; do
		out=$("$NLTEST" subscribe "$f" events)
		check_match "$out" "^ok$" "$f join events"
		out=$("$NLTEST" subscribe "$f" nosuch)
		check_match "$out" "^error 2 family $f has no multicast group nosuch$" "$f bogus group"
	done
	log_test "each family has a joinable events group"
}

test_netns()
{
	local out

	RET=0
	ip netns add other
	out=$(ip netns exec other "$HVK" -j version)
	check_err $? "hvk version in another netns failed: $out"
	log_test "families answer in any network namespace"
}

test_unprivileged()
{
	local out

	RET=0
	out=$(as_nobody "$HVK" version 2>&1)
	check_err $? "unprivileged hvk version failed: $out"
	log_test "read-only INFO_GET needs no privilege"
}

test_cli_usage()
{
	local out rc

	RET=0
	"$HVK" > /dev/null 2>&1; rc=$?
	[ $rc -eq 2 ]; check_err $? "hvk without arguments: status $rc"
	out=$("$HVK" frobnicate 2>&1); rc=$?
	[ $rc -eq 2 ]; check_err $? "unknown object: status $rc"
	check_match "$out" 'unknown object "frobnicate"' "unknown object message"
	out=$("$HVK" version extra 2>&1); rc=$?
	[ $rc -eq 2 ]; check_err $? "extra argument: status $rc"
	"$HVK" --bogus > /dev/null 2>&1; rc=$?
	[ $rc -eq 2 ]; check_err $? "unknown option: status $rc"
	"$HVK" ver > /dev/null; check_err $? "prefix 'ver' did not match version"
	out=$("$HVK" help); check_err $? "hvk help failed"
	check_match "$out" "version +tool, library and module versions" "help lists objects"
	out=$("$HVK" version help); check_err $? "hvk version help failed"
	check_match "$out" "^usage: hvk version" "per-object help"
	log_test "hvk usage errors exit 2, prefixes and help work"
}

test_module_missing()
{
	local out rc saved

	RET=0
	for f in $FAMILIES; do
		rmmod "$f"; check_err $? "rmmod $f"
	done
	# With autoload disabled, a lookup must fail cleanly and say why.
	saved=$(cat /proc/sys/kernel/modprobe)
	echo /bin/false > /proc/sys/kernel/modprobe
	out=$("$HVK" version 2>&1); rc=$?
	echo "$saved" > /proc/sys/kernel/modprobe
	[ $rc -eq 1 ]; check_err $? "hvk version without modules: status $rc"
	check_match "$out" "hvk: hvk_switch: generic netlink family hvk_switch not found: is the module loaded \\(modprobe hvk_switch\\)\\?" "message"
	out=$("$HVK" version 2>&1); check_err $? "reload after rmmod failed: $out"
	for f in $FAMILIES; do
		rmmod "$f"; check_err $? "second rmmod $f"
	done
	log_test "missing module: exit 1 with a message; unload and reload are clean"
}

test_spec()
{
	local out

	RET=0
	for f in $FAMILIES; do
		out=$(python3 "$HVK_TOP/scripts/ynl" \
			--spec "$HVK_TOP/Documentation/netlink/specs/$f.yaml" --do info-get 2>&1)
		check_err $? "ynl $f info-get failed: $out"
		printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d == {"version": sys.argv[1],
             "features": int(sys.argv[3] if sys.argv[2] == "hvk_switch" else sys.argv[4])}, d
' "$VERSION" "$f" "$SWITCH_FEATURES" "$MEM_FEATURES"
		check_err $? "ynl $f info-get: unexpected reply: $out"
		out=$(python3 "$HVK_TOP/scripts/ynl" \
			--spec "$HVK_TOP/Documentation/netlink/specs/$f.yaml" \
			--do info-get --json '{"version": "x"}' 2>&1)
		check_match "$out" "version is read-only" "ynl $f rejection"
	done
	log_test "the YAML specs drive both families (scripts/ynl)"
}

# ynl_subscribe FAMILY OUT SECONDS: upstream's own ynl (tools/net/ynl of
# linux-source-6.12, unpacked by make) listens to FAMILY's events group for
# SECONDS, then writes what it decoded as JSON to OUT.  Returns once the
# socket has joined the group.
UPSTREAM=$HVK_BUILD/ynl-upstream
ynl_subscribe()
{
	local fam=$1 out=$2 secs=$3

	python3 "$UPSTREAM/tools/net/ynl/cli.py" --output-json \
		--spec "$HVK_TOP/Documentation/netlink/specs/$fam.yaml" \
		--schema "$UPSTREAM/Documentation/netlink/genetlink-legacy.yaml" \
		--subscribe events --sleep "$secs" > "$out" 2>&1 &
	YNL_PID=$!
	# /proc/net/netlink: protocol 16 (generic), portid = the pid, groups joined.
	for _ in $(seq 300); do
		awk -v pid="$YNL_PID" '$2 == 16 && $3 == pid && $4 != "00000000" { f = 1 } END { exit !f }' \
			/proc/net/netlink && return 0
		sleep 0.1
	done
	return 1
}

# ynl_names OUT: once ynl is done, the names of the messages it decoded,
# sorted, unique, in NAMES (not in a subshell: ynl is this shell's child).
ynl_names()
{
	wait "$YNL_PID"
	NAMES=$(jq -r '.[].name' "$1" 2>/dev/null | sort -u | tr '\n' ' ')
}

test_upstream_ynl()
{
	local out=/tmp/ynl-up.json want frame

	RET=0
	if [ ! -e "$UPSTREAM/.complete" ]; then
		log_skip "upstream ynl --subscribe decodes every event" "no linux-source-6.12"
		return
	fi
	modprobe hvk_switch && modprobe hvk_mem
	ip link add yv0 type veth peer name yv1
	ip link add yv2 type veth peer name yv3
	for d in yv0 yv1 yv2 yv3; do ip link set "$d" up; done
	ynl_subscribe hvk_switch "$out" 25; check_err $? "ynl did not subscribe"
	"$HVK" switch add ysw0 && ip link set ysw0 up &&
	"$HVK" switch set ysw0 ageing 10 &&
	"$HVK" port add ysw0 yv0 && "$HVK" port add ysw0 yv2 &&
	"$HVK" port set yv0 learning on &&
	"$HVK" fdb add ysw0 02:00:00:00:00:42 dev yv0 &&
	"$HVK" mirror add ysw0 ym dest yv2 ingress yv0 &&
	"$HVK" port set yv0 security forged-transmits reject mac 02:00:00:00:00:a1
	check_err $? "setting up the events"
	# A frame from a source the port may not use: a security event.
	frame="import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('yv1', 0))
s.send(b'\xff' * 6 + bytes.fromhex('020000000066') + b'\x88\xb5' + b'x' * 50)"
	python3 -c "$frame"
	"$HVK" port del ysw0 yv2		# the session goes with its destination
	"$HVK" switch del ysw0
	ynl_names "$out"
	want="fdb-ntf mirror-del-ntf mirror-new-ntf port-add-ntf port-del-ntf port-set-ntf security-ntf switch-del-ntf switch-new-ntf switch-set-ntf "
	[ "$NAMES" = "$want" ]; check_err $? "hvk_switch events decoded: '$NAMES' ($(tail -c 600 "$out"))"

	mount_hvkmem "size=16m" || check_err 1 "mount"
	ynl_subscribe hvk_mem "$out" 20; check_err $? "ynl did not subscribe to hvk_mem"
	# Resident pages: a pass over empty regions is no full scan.
	head -c 65536 /dev/zero > "$MNT/y1" && "$HVK" mem set "$MNT/y1" merge on > /dev/null &&
	"$HVK" merge set run on pages-to-scan 1000 sleep-ms 1000 > /dev/null
	check_err $? "hvk_mem events"
	# A few full scans, not thousands (they would overflow ynl's socket).
	sleep 4
	"$HVK" merge set run off > /dev/null
	ynl_names "$out"
	[ "$NAMES" = "merge-ntf region-ntf " ]; check_err $? "hvk_mem events decoded: '$NAMES' ($(tail -c 600 "$out"))"
	"$HVK" merge set run off > /dev/null
	umount "$MNT"
	ip link del yv0
	ip link del yv2 2>/dev/null
	log_test "upstream ynl --subscribe decodes every event of both families"
}

# hvk stats: Prometheus' own Python client parses every line; the figures
# are those of hvk -j; label values are escaped (a region's path holds a
# quote and a backslash); a module not loaded is reported down, not loaded.
test_stats()
{
	local out

	RET=0
	modprobe hvk_switch && modprobe hvk_mem
	ip link add ps0 type hvk_switch
	ip link add pv0 type veth peer name pv1
	# No IPv6 chatter (router solicitations, MLD) from the host port.
	sysctl -qw net.ipv6.conf.ps0.disable_ipv6=1
	ip link set ps0 up
	ip link set pv0 up
	ip link set pv1 up
	"$HVK" port add ps0 pv0
	"$HVK" port set pv0 inbound average 10mbit
	mount_hvkmem "size=16m"
	head -c 8192 /dev/zero > "$MNT/a\"b\\c"
	# Traffic into the port: pv1 asks for 192.0.2.1 (ARP), pv0 receives it.
	ip addr add 192.0.2.2/24 dev pv1
	ping -c 3 -i 0.2 -W 1 192.0.2.1 > /dev/null 2>&1
	# Counters still while both snapshots are taken: pv1 (its ARP retries)
	# down, so nothing enters or leaves pv0.
	ip link set pv1 down
	"$HVK" stats > /tmp/stats.prom; check_err $? "hvk stats failed"
	"$HVK" -j port show pv0 > /tmp/stats.port.json
	/usr/bin/python3 - /tmp/stats.prom /tmp/stats.port.json "$MNT/a\"b\\c" <<'PY'
import json, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
fams = {f.name: f for f in text_string_to_metric_families(text)}
def value(name, **labels):
    base = name[:-6] if name.endswith("_total") else name
    hits = [s.value for s in fams[base].samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(hits) == 1, (name, labels, hits)
    return hits[0]
port = json.load(open(sys.argv[2]))[0]
assert value("hvk_module_up", module="hvk_switch") == 1
assert value("hvk_module_up", module="hvk_mem") == 1
assert value("hvk_switch_ports", switch="ps0") == 1
assert port["stats"]["rx_packets"] > 0, port["stats"]
for k, m in (("rx_packets", "receive_packets"), ("rx_bytes", "receive_bytes"),
             ("tx_packets", "transmit_packets"), ("tx_bytes", "transmit_bytes")):
    assert value("hvk_port_%s_total" % m, switch="ps0", port="pv0") == port["stats"][k], k
for reason, n in port["stats"]["drops"].items():
    assert value("hvk_port_drops_total", switch="ps0", port="pv0",
                 reason=reason.replace("_", "-")) == n, reason
assert value("hvk_port_shaper_backlog_bytes", switch="ps0", port="pv0") == 0
assert value("hvk_mem_region_size_bytes", path=sys.argv[3]) == 8192
assert value("hvk_merge_running") in (0, 1)
PY
	check_err $? "the Prometheus client's reading of hvk stats: $(head -c 300 /tmp/stats.prom)"
	umount "$MNT"
	ip link del ps0
	ip link del pv0
	rmmod hvk_switch
	out=$("$HVK" stats 2>&1); check_err $? "hvk stats without hvk_switch: $out"
	check_match "$out" 'hvk_module_up\{module="hvk_switch"\} 0' "hvk_switch reported down"
	loaded hvk_switch; check_fail $? "hvk stats loaded hvk_switch"
	modprobe hvk_switch
	out=$("$HVK" -j stats 2>&1); check_fail $? "hvk -j stats"
	log_test "hvk stats: Prometheus' parser reads it, the figures match hvk -j, modules not loaded are down"
}

test_autoload
test_version_text
test_version_json
test_info_raw
test_strict_attrs
test_bad_headers
test_events_group
test_netns
test_unprivileged
test_cli_usage
test_spec
test_upstream_ynl
test_stats
test_module_missing
tap_done
