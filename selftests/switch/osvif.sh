#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The os-vif plugin (tools/os-vif, Documentation/openstack.md) driven by the
# real os_vif library: initialize() loads it, plug() makes a tap a port of
# sw0 with its MTU, access VLAN and port security, a second plug changes
# nothing, a failed plug leaves nothing behind, unplug() removes the port
# and the tap and may be repeated.
#
#   os_vif.plug(VIFGeneric vif_name=osv0, network.bridge=sw0, vlan 100,
#               mtu 1400, address 02:00:00:00:aa:01)
#        |
#   osv0 (tap, created by the plugin) --- sw0 (hvk_switch)
#         access 100, security forged-transmits/mac-changes reject, 1 MAC
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
OSVIF="$PY $(dirname "$0")/osvif.py"
TAP=osv0
MAC=02:00:00:00:aa:01
LOG=/tmp/hvk-osvif.$$.log
FIFO=/tmp/hvk-osvif.$$
SERVER=
export HVK PYTHONPATH=$HVK_TOP/tools/os-vif${PYTHONPATH:+:$PYTHONPATH}

cleanup()
{
	exec 3>&- 4<&-
	[ -n "${SERVER:-}" ] && wait "$SERVER"
	rm -f "$FIFO.in" "$FIFO.out"
	ip link del "$TAP" 2>/dev/null
	"$HVK" switch del sw0 2>/dev/null
	rm -f "$LOG"
	return 0
}
trap cleanup EXIT

setup()
{
	command -v jq > /dev/null || { echo "# jq is missing"; exit "$KSFT_SKIP"; }
	$PY -c 'import os_vif' 2> /dev/null || { echo "# $PY cannot import os_vif"; exit "$KSFT_SKIP"; }
	modprobe tun && modprobe hvk_switch || exit "$KSFT_SKIP"
	"$HVK" switch add sw0 || exit 1
	# One os_vif process answers every call (fd 3: requests, fd 4: answers).
	mkfifo "$FIFO.in" "$FIFO.out" || exit 1
	$OSVIF < "$FIFO.in" > "$FIFO.out" 2>> "$LOG" &
	SERVER=$!
	exec 3> "$FIFO.in" 4< "$FIFO.out"
}

# osvif ARGS...: one os_vif call by osvif.py; its output, its status.
osvif()
{
	local line out=""

	echo "$*" >&3
	while IFS= read -r line <&4; do
		case $line in
		rc=*) printf '%s' "$out"; return "${line#rc=}" ;;
		esac
		out+=$line$'\n'
	done
	echo "osvif.py is gone: $(tail -n 3 "$LOG")"
	return 1
}

# port_json JQ: JQ applied to $TAP's entry of hvk -j port show.
port_json()
{
	"$HVK" -j port show "$TAP" 2>&1 | jq -c ".[0] | $1"
}

# What a plugged $TAP looks like: MTU, up, port of sw0, VLAN, security.
check_plugged()
{
	local out

	out=$(ip -d -j link show dev "$TAP" | jq -c '.[0] | [.linkinfo.info_kind, .mtu,
		(.flags | index("UP") != null), .master]')
	check_match "$out" '^\["tun",1400,true,"sw0"\]$' "tap (kind, MTU, up, master)"
	out=$(port_json '[.switch, .vlan.mode, .vlan.pvid, .security.forged_transmits,
		.security.mac_changes, .security.macs]')
	check_match "$out" "^\[\"sw0\",\"access\",100,\"reject\",\"reject\",\[\"$MAC\"\]\]$" \
		"port of sw0"
}

test_initialize()
{
	local out

	RET=0
	out=$(osvif plugins)
	check_err $? "os_vif.initialize() failed: $(tail -n 3 "$LOG")"
	check_match "$out" '^hvk$' "plugins loaded"
	log_test "os_vif.initialize() loads the hvk plugin"
}

test_plug()
{
	local out

	RET=0
	out=$(osvif plug "$TAP" sw0 100 1400 "$MAC")
	check_err $? "plug failed: $out"
	check_plugged
	log_test "plug: a new tap, port of sw0 with MTU, access VLAN and port security"
}

test_plug_again()
{
	local out before

	RET=0
	before=$(port_json 'del(.stats)')
	out=$(osvif plug "$TAP" sw0 100 1400 "$MAC")
	check_err $? "second plug failed: $out"
	check_plugged
	[ "$(port_json 'del(.stats)')" = "$before" ]; check_err $? "the port changed"
	log_test "plug: plugging again changes nothing"
}

test_plug_fails()
{
	local out

	RET=0
	out=$(osvif plug osv1 nosuchsw 100 1400 02:00:00:00:aa:02)
	check_err $(($? != 1)) "a plug into a missing switch did not fail: $out"
	check_match "$out" '^PlugException: .*nosuchsw' "exception"
	ip link show dev osv1 > /dev/null 2>&1; check_fail $? "the failed plug left its tap"
	# A port of sw0 plugged into another switch: refused, left as it was.
	out=$(osvif plug "$TAP" nosuchsw 100 1400 "$MAC")
	check_match "$out" "^PlugException: .*$TAP is a port of sw0" "another switch's port"
	check_plugged
	log_test "plug: a failure raises PlugException and leaves no tap, no port"
}

test_unplug()
{
	local out

	RET=0
	out=$(osvif unplug "$TAP" sw0)
	check_err $? "unplug failed: $out"
	ip link show dev "$TAP" > /dev/null 2>&1; check_fail $? "the tap is left"
	out=$("$HVK" -j port show sw0 | jq -c '[.[] | select(.host | not)] | length')
	check_match "$out" '^0$' "ports of sw0"
	out=$(osvif unplug "$TAP" sw0)
	check_err $? "a second unplug failed: $out"
	log_test "unplug: the port and the tap are gone; unplugging again is no error"
}

setup
test_initialize
test_plug
test_plug_again
test_plug_fails
test_unplug
tap_done
