#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Persistent configuration: hvk apply of a configuration directory, a
# second apply that changes nothing, hvk save and apply after a teardown
# (the reboot), a broken file that applies nothing, a port whose device
# appears later, hvk -batch and -force; the udev rule attaching a device
# as it appears or is renamed; the boot units' commands after a "reboot"
# (modules unloaded).
#
#   sw0 (hvk_switch, ageing 120)              sw1 (802.1ad, default-pvid none,
#    +-- va1  trunk 10,20-30 native 5,          |   max-macs 100)
#    |        inbound 20mbit, security + MACs   +-- vc1  dot1q-tunnel 100
#    +-- va2  access 10, outbound, storm,       +-- vc2  trunk 100, 12345bit
#    |        static FDB entry 02:..:09              outbound
#    +-- va3  mirror m1's destination
#    +-- va4  created only after the first apply (pending, then changed)
#    +-- va5  attached by hand: apply leaves it alone
#   (vaN/vcN: veths whose peers vbN/vdN stay unattached)
#
#   hvkmem at $MNT: region vm1, merging in domain tenantA; merge scanner knobs.
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

DIR=/tmp/hvk-config.$$
ETC=$DIR/etc
MNT=/run/hvk-config-mem
SAVED=$DIR/saved.conf
# The units and rule of the tree, or the installed ones (the autopkgtest).
if [ -n "${HVK_INSTALLED:-}" ]; then
	UNITS=/lib/systemd/system
	RULE=/lib/udev/rules.d/90-hvk.rules
else
	UNITS=$HVK_TOP/tools/systemd
	RULE=$UNITS/90-hvk.rules
fi
RULES=/run/udev/rules.d/90-hvk.rules
BOOTMNT=/run/hvkmem
UDEVD=

cleanup()
{
	"$HVK" switch del sw0 2>/dev/null
	"$HVK" switch del sw1 2>/dev/null
	for d in va1 va2 va3 va4 va5 va6 va7 vz9 vw1 vp1 vp2 vc1 vc2; do ip link del "$d" 2>/dev/null; done
	[ -n "$UDEVD" ] && udevadm control --exit 2>/dev/null
	rm -f "$RULES"
	umount "$MNT" "$BOOTMNT" 2>/dev/null
	rm -rf "$DIR"
	return 0
}
trap cleanup EXIT

setup()
{
	local d

	command -v jq > /dev/null || { echo "# jq is missing"; exit "$KSFT_SKIP"; }
	modprobe hvk_switch && modprobe hvk_mem || exit "$KSFT_SKIP"
	for d in 1 2 3 5; do ip link add "va$d" type veth peer name "vb$d"; done
	for d in 1 2; do ip link add "vc$d" type veth peer name "vd$d"; done
	mkdir -p "$ETC" "$MNT"
	mount -t hvkmem -o size=64m none "$MNT"
	truncate -s 4M "$MNT/vm1"
	write_config
}

# The configuration under test: four files, applied in lexical order.
write_config()
{
	cat > "$ETC/10-switches.conf" <<-EOF
	# hvk switches of this host
	switch add sw0 ageing 120
	switch add sw1 vlan-protocol 802.1ad default-pvid none \\
		max-macs 100
	EOF
	cat > "$ETC/20-sw0.conf" <<-EOF
	port add sw0 va1
	port set va1 vlan trunk 10,20-30 native 5 untagged learning off \\
		inbound average 20mbit peak 40mbit burst 64k \\
		security forged-transmits reject mac-changes reject \\
		mac 02:00:00:00:00:01 02:00:00:00:00:02
	port add sw0 va2
	port set va2 vlan access 10 outbound average 10mbit burst 32k
	port set va2 storm broadcast 100 multicast 200
	fdb add sw0 02:00:00:00:00:09 dev va2 vlan 10
	port add sw0 va3
	mirror add sw0 m1 dest va3 ingress va1 va2 egress va1 vlan 7 truncate 128
	EOF
	cat > "$ETC/30-sw1.conf" <<-EOF
	port add sw1 vc1
	port set vc1 vlan dot1q-tunnel 100
	port add sw1 vc2
	port set vc2 vlan trunk 100 outbound average 12345bit burst 1518
	EOF
	cat > "$ETC/40-mem.conf" <<-EOF
	merge set run off pages-to-scan 500 sleep-ms 30 max-sharing 64 zero-pages off
	mem set "$MNT/vm1" merge on domain tenantA
	EOF
}

# The configuration the modules show: counters, learned entries, link
# state, sticky MACs and ifindexes (a recreated switch gets a new one) aside.
snapshot()
{
	"$HVK" -j switch show | jq -c 'sort_by(.ifname) | [.[] | del(.ifindex, .fdb_entries)]'
	"$HVK" -j port show | jq -c 'sort_by(.ifname) | [.[] | del(.ifindex, .stats,
		.mac_count, .forwarding, .security.sticky_mac, .inbound.backlog)]'
	"$HVK" -j mirror show | jq -c 'sort_by(.name) | [.[] | del(.packets, .bytes, .drops) |
		.ingress |= sort | .egress |= sort]'
	"$HVK" -j fdb show | jq -c '[.[] | select(.static) | del(.age_ms)] | sort_by(.mac, .vlan)'
	"$HVK" -j merge show | jq -c '{run, pages_to_scan, sleep_ms, max_sharing, zero_pages, cpu_budget}'
}

# port_json DEV JQ: JQ applied to DEV's entry of hvk -j port show.
port_json()
{
	"$HVK" -j port show "$1" | jq -c ".[0] | $2"
}

test_apply()
{
	local out

	RET=0
	out=$("$HVK" apply "$ETC" 2>&1)
	check_err $? "apply failed: $out"
	check_match "$out" "/20-sw0.conf:2: changed: port set va1 vlan trunk 10,20-30 native 5 untagged" \
		"report of a continued line"
	check_match "$out" "^16 changed, 0 unchanged, 0 pending$" "summary"
	out=$("$HVK" -j switch show | jq -c 'sort_by(.ifname) | [.[] |
		[.ifname, .ageing_ms, .vlan_protocol, .default_pvid, .max_macs]]')
	check_match "$out" '^\[\["sw0",120000,"802.1Q",1,0\],\["sw1",300000,"802.1ad",0,100\]\]$' \
		"switches"
	out=$(port_json va1 '[.switch, .vlan, .learning, .flood, .inbound.average, .inbound.peak,
		.inbound.burst, .security.forged_transmits, .security.mac_changes, .security.macs]')
	check_match "$out" '^\["sw0",\{"mode":"native-untagged","pvid":5,"vids":\[10,20,21,22,23,24,25,26,27,28,29,30\]\},false,true,20000000,40000000,65536,"reject","reject",\["02:00:00:00:00:01","02:00:00:00:00:02"\]\]$' \
		"va1"
	out=$(port_json va2 '[.vlan.mode, .vlan.pvid, .outbound.average, .outbound.burst,
		.storm.broadcast, .storm.multicast, .storm.unknown_unicast]')
	check_match "$out" '^\["access",10,10000000,32768,100,200,0\]$' "va2"
	out=$(port_json vc1 '[.switch, .vlan.mode, .vlan.pvid]')
	check_match "$out" '^\["sw1","dot1q-tunnel",100\]$' "vc1"
	out=$(port_json vc2 '[.vlan.mode, .vlan.vids, .outbound.average, .outbound.burst]')
	check_match "$out" '^\["trunk",\[100\],12345,1518\]$' "vc2"
	out=$("$HVK" -j fdb show sw0 | jq -c '[.[] | select(.static) | [.mac, .vlan, .dev]]')
	check_match "$out" '^\[\["02:00:00:00:00:09",10,"va2"\]\]$' "static FDB entry"
	out=$("$HVK" -j mirror show sw0 | jq -c '[.[] | [.name, .dest, (.ingress | sort), .egress,
		.vlan, .truncate]]')
	check_match "$out" '^\[\["m1","va3",\["va1","va2"\],\["va1"\],7,128\]\]$' "mirror"
	out=$("$HVK" -j merge show | jq -c '[.run, .pages_to_scan, .sleep_ms, .max_sharing,
		.zero_pages, .cpu_budget]')
	check_match "$out" '^\["off",500,30,64,false,0\]$' "merge knobs"
	out=$("$HVK" -j mem show "$MNT/vm1" | jq -c '.[0].merge | [.enabled, .domain]')
	check_match "$out" '^\[true,"tenantA"\]$' "region merging"
	log_test "apply: a configuration directory sets what its files say"
}

test_apply_again()
{
	local out before

	RET=0
	"$HVK" port add sw0 va5; check_err $? "attaching va5 by hand"
	before=$(snapshot)
	out=$("$HVK" apply "$ETC" 2>&1)
	check_err $? "second apply failed: $out"
	check_match "$out" "^0 changed, 16 unchanged, 0 pending$" "second apply changed something"
	out=$("$HVK" -j apply "$ETC" | jq -r '[.[] | select(.result != "unchanged")] | length')
	check_match "$out" "^0$" "-j: lines not unchanged"
	out=$("$HVK" -j apply "$ETC" | jq -c '.[0] | [(.file | sub(".*/"; "")), .line, .command,
		.result]')
	check_match "$out" '^\["10-switches.conf",2,"switch add sw0 ageing 120","unchanged"\]$' \
		"-j report entry"
	[ "$(snapshot)" = "$before" ]; check_err $? "state changed"
	out=$(port_json va5 '.switch')
	check_match "$out" '^"sw0"$' "apply removed a port the configuration does not name"
	log_test "apply: a second apply changes nothing and keeps ports it does not name"
}

# Change one setting by hand: apply reports that line changed, and only it.
test_apply_converges()
{
	local out

	RET=0
	"$HVK" port set va2 vlan access 30
	"$HVK" switch set sw0 ageing 60
	out=$("$HVK" apply "$ETC" 2>&1)
	check_err $? "apply failed: $out"
	check_match "$out" "^2 changed, 14 unchanged, 0 pending$" "summary"
	check_match "$out" "20-sw0.conf:7: changed: port set va2 vlan access 10" "va2's line"
	check_match "$out" "10-switches.conf:2: changed: switch add sw0 ageing 120" "sw0's line"
	out=$(port_json va2 '.vlan.pvid')
	check_match "$out" '^10$' "va2's VLAN"
	log_test "apply: converges settings changed by hand, reporting those lines"
}

test_save_reboot_apply()
{
	local out before

	RET=0
	"$HVK" port del sw0 va5
	before=$(snapshot)
	"$HVK" save > "$SAVED"; check_err $? "save failed"
	out=$(head -n 1 "$SAVED")
	check_match "$out" "^# hvk save, hvkit [0-9][^,]*, [0-9]{4}-[0-9]{2}-[0-9]{2}T" "header"
	# The reboot: nothing of the switches is left, the knobs are the defaults.
	"$HVK" switch del sw0 && "$HVK" switch del sw1; check_err $? "teardown"
	"$HVK" merge set run on pages-to-scan 100 sleep-ms 20 max-sharing 256 zero-pages on \
		> /dev/null
	out=$("$HVK" apply "$SAVED" 2>&1)
	check_err $? "apply of the saved file failed: $out"
	check_match "$out" " 0 pending$" "summary"
	[ "$(snapshot)" = "$before" ]; check_err $? "state after save, teardown, apply differs"
	[ "$RET" = 0 ] || diff <(echo "$before") <(snapshot) | sed 's/^/# /'
	# hvk -batch runs the same file unchanged.
	"$HVK" switch del sw0 && "$HVK" switch del sw1
	"$HVK" -batch "$SAVED" > /dev/null; check_err $? "hvk -batch of the saved file"
	[ "$(snapshot)" = "$before" ]; check_err $? "state after -batch differs"
	log_test "save: a teardown and an apply (or -batch) of its output restore the state"
}

test_broken_file()
{
	local out before bad=$DIR/broken

	RET=0
	before=$(snapshot)
	cp -r "$ETC" "$bad"
	# A change in the first file that must not be applied ...
	sed -i 's/ageing 120/ageing 99/' "$bad/10-switches.conf"
	# ... because of a bad line in the middle of the second.
	sed -i '6a port set va2 vlan access 5000' "$bad/20-sw0.conf"
	out=$("$HVK" apply "$bad" 2>&1)
	check_err $(($? != 2)) "a broken file did not exit 2: $out"
	check_match "$out" "^hvk: $bad/20-sw0.conf:7: vlan access needs a VID 1-4094" "message"
	[ "$(snapshot)" = "$before" ]; check_err $? "a broken configuration changed the state"
	sed -i '7d' "$bad/20-sw0.conf"
	echo "switch del sw1" >> "$bad/30-sw1.conf"
	out=$("$HVK" apply -n "$bad" 2>&1)
	check_err $(($? != 2)) "a non-configuration command did not exit 2: $out"
	check_match "$out" "30-sw1.conf:5: \"hvk switch del\" is not a configuration command" \
		"non-configuration command"
	[ "$(snapshot)" = "$before" ]; check_err $? "apply -n changed the state"
	log_test "apply: a broken configuration exits 2 naming FILE:LINE and applies nothing"
}

test_port_of_another_switch()
{
	local out before

	RET=0
	before=$(snapshot)
	echo "port add sw1 va1" > "$DIR/steal.conf"
	out=$("$HVK" apply "$DIR/steal.conf" 2>&1)
	check_err $(($? != 1)) "taking another switch's port did not exit 1"
	check_match "$out" "steal.conf:1: va1 is a port of sw0" "message"
	[ "$(snapshot)" = "$before" ]; check_err $? "state changed"
	log_test "apply: a device that is another switch's port is an error"
}

test_pending_port()
{
	local out

	RET=0
	cat > "$ETC/50-late.conf" <<-EOF
	port add sw0 va4
	port set va4 vlan access 20
	fdb add sw0 02:00:00:00:00:44 dev va4 vlan 20
	mem set "$MNT/vm2" merge on
	EOF
	out=$("$HVK" apply "$ETC" 2>&1)
	check_err $? "apply with a missing device failed: $out"
	check_match "$out" "50-late.conf:1: pending: port add sw0 va4" "port add"
	check_match "$out" "50-late.conf:2: pending: port set va4" "port set"
	check_match "$out" "50-late.conf:3: pending: fdb add" "fdb entry on the pending port"
	check_match "$out" "50-late.conf:4: pending: mem set" "region not created yet"
	check_match "$out" "^0 changed, 16 unchanged, 4 pending$" "summary"
	ip link add va4 type veth peer name vb4
	truncate -s 4M "$MNT/vm2"
	out=$("$HVK" apply "$ETC" 2>&1)
	check_err $? "apply once the device exists failed: $out"
	check_match "$out" "^4 changed, 16 unchanged, 0 pending$" "summary"
	out=$(port_json va4 '[.switch, .vlan.mode, .vlan.pvid]')
	check_match "$out" '^\["sw0","access",20\]$' "va4"
	rm "$ETC/50-late.conf"
	ip link del va4		# its port and static entry with it: not configured now
	log_test "apply: a device that does not exist yet is pending, then applied"
}

test_patterns()
{
	local out d

	RET=0
	for d in 1 2; do
		ip link add "vp$d" type veth peer name "vq$d"
		truncate -s 4M "$MNT/pat-$d"
	done
	cat > "$ETC/55-patterns.conf" <<-EOF
	port add sw0 vp*
	port set vp[0-9] vlan access 30
	mem set "$MNT/pat-*" merge on domain tenantP
	port add sw1 vx*
	EOF
	out=$("$HVK" apply "$ETC" 2>&1)
	check_err $? "apply: $out"
	check_match "$out" "55-patterns.conf:1: changed: port add sw0 vp1" "vp1's port add"
	check_match "$out" "55-patterns.conf:2: changed: port set vp2 vlan access 30" "vp2's port set"
	check_match "$out" "55-patterns.conf:4: pending: port add sw1 vx\\*" "no match"
	check_match "$out" "^6 changed, 16 unchanged, 1 pending$" "summary"
	out=$(port_json vp2 '[.switch, .vlan.mode, .vlan.pvid]')
	check_match "$out" '^\["sw0","access",30\]$' "vp2"
	out=$("$HVK" -j mem show "$MNT/pat-2" | jq -c '.[0].merge | [.enabled, .domain]')
	check_match "$out" '^\[true,"tenantP"\]$' "pat-2's merging"
	"$HVK" -j port show vq1 > /dev/null 2>&1; check_fail $? "vq1 matched vp*"
	rm "$ETC/55-patterns.conf"
	ip link del vp1 && ip link del vp2
	log_test "apply: a pattern names devices or region files, one line each; none: pending"
}

test_batch()
{
	local out f=$DIR/batch

	RET=0
	printf '%s\n' "switch set sw0 ageing 200" "port set nosuchdev vlan access 3" \
		"switch set sw0 max-macs 77" > "$f"
	out=$("$HVK" -batch "$f" 2>&1)
	check_err $(($? != 1)) "a failing line did not exit 1"
	check_match "$out" "^hvk: $f:2: cannot find device \"nosuchdev\"" "message"
	out=$("$HVK" -j switch show sw0 | jq -c '.[0] | [.ageing_ms, .max_macs]')
	check_match "$out" '^\[200000,0\]$' "lines before ran, lines after did not"
	"$HVK" -b "$f" -force 2> /dev/null
	check_err $(($? != 1)) "-force with a failing line did not exit 1"
	out=$("$HVK" -j switch show sw0 | jq -c '.[0].max_macs')
	check_match "$out" '^77$' "-force went on"
	printf '%s\n' "switch set sw0 ageing x" "switch set sw0 max-macs 0" > "$f"
	out=$("$HVK" -batch "$f" 2>&1)
	check_err $(($? != 2)) "a usage error did not exit 2"
	check_match "$out" "^hvk: $f:1: ageing is 0 to 1000000 seconds" "usage message"
	printf '%s\n' "switch show sw0" "# a comment" "mirror show sw0" | "$HVK" -j -batch - > "$f.json"
	check_err $? "-j -batch from stdin"
	out=$(jq -c '[length, .[0][0].ifname, .[1][0].name]' "$f.json")
	check_match "$out" '^\[2,"sw0","m1"\]$' "-j -batch: one JSON array"
	"$HVK" switch set sw0 ageing 120 max-macs 0
	log_test "-batch stops at the failing line naming FILE:LINE; -force goes on"
}

# unit_paths: stdin with the installed paths made the test's.
unit_paths()
{
	sed -e "s|/usr/sbin/hvk|$HVK|g" -e "s|/etc/hvk|$ETC|g"
}

# The shipped rule, run by a udevd of the test's: taps that /etc/hvk names
# are attached as they appear (add) or get their name (move), others not.
test_udev()
{
	local out udevd=/lib/systemd/systemd-udevd

	RET=0
	if [ ! -x "$udevd" ] || pgrep -x systemd-udevd > /dev/null; then
		log_skip "udev rule: a device the configuration names joins its switch as it appears" "$udevd missing or already running"
		return
	fi
	mkdir -p "${RULES%/*}"
	unit_paths < "$RULE" > "$RULES"
	"$udevd" --daemon --resolve-names=never; check_err $? "starting $udevd"
	UDEVD=1
	cat > "$ETC/60-udev.conf" <<-EOF
	port add sw0 va6
	port set va6 vlan access 21
	port add sw1 va7
	port set va7 vlan trunk 100 security mac 02:00:00:00:00:77
	port add sw0 vw*
	EOF
	ip link add va6 type veth peer name vb6
	ip link add tmp7 type veth peer name vb7
	ip link set tmp7 name va7
	ip link add vz9 type veth peer name vy9
	ip link add vw1 type veth peer name vv1
	udevadm settle --timeout=60; check_err $? "udevadm settle"
	out=$(port_json va6 '[.switch, .vlan.mode, .vlan.pvid]')
	check_match "$out" '^\["sw0","access",21\]$' "va6 (added)"
	out=$(port_json va7 '[.switch, .vlan.mode, .security.macs]')
	check_match "$out" '^\["sw1","trunk",\["02:00:00:00:00:77"\]\]$' "va7 (renamed)"
	"$HVK" -j port show vz9 > /dev/null 2>&1
	check_fail $? "vz9, which the configuration does not name, was attached"
	out=$(port_json vw1 '.switch')
	check_match "$out" '^"sw0"$' "vw1 (a pattern)"
	out=$("$HVK" apply "$ETC" 2>&1)
	check_match "$out" "^0 changed, 21 unchanged, 0 pending$" "a full apply after udev's"
	out=$("$HVK" apply "$ETC" --device va6 2>&1)
	check_match "$out" "^0 changed, 2 unchanged, 0 pending$" "--device va6 applies its two lines"
	udevadm control --exit
	UDEVD=
	rm -f "$RULES" "$ETC/60-udev.conf"
	for out in va6 va7 vz9 vw1; do ip link del "$out"; done
	log_test "udev rule: a device the configuration names joins its switch as it appears"
}

# A reboot: no switch, no module, no mount.  Then what the units run, in
# their order: run-hvkmem.mount's mount, hvk.service's ExecStart= lines.
test_boot_units()
{
	local out before line mnt=() cmds=()

	RET=0
	before=$(snapshot)
	"$HVK" switch del sw0 && "$HVK" switch del sw1 && umount "$MNT" &&
		modprobe -r hvk_switch hvk_mem
	check_err $? "teardown (the reboot)"
	for line in What Where Type Options; do
		mnt+=("$(sed -n "s/^$line=//p" "$UNITS/run-hvkmem.mount")")
	done
	[ "${mnt[1]}" = "$BOOTMNT" ]; check_err $? "the mount unit mounts ${mnt[1]}"
	mkdir -p "$BOOTMNT"
	mount -t "${mnt[2]}" -o "${mnt[3]}" "${mnt[0]}" "${mnt[1]}"
	check_err $? "mount -t ${mnt[2]} -o ${mnt[3]}"
	mapfile -t cmds < <(sed -n 's/^ExecStart=//p' "$UNITS/hvk.service" | unit_paths)
	for line in "${cmds[@]}"; do
		read -ra argv <<< "$line"
		out=$("${argv[@]}" 2>&1); check_err $? "$line: $out"
	done
	check_match "$out" "^15 changed, 0 unchanged, 1 pending$" "apply at boot"
	out=$(findmnt -n -o FSTYPE,OPTIONS "$BOOTMNT")
	check_match "$out" "^hvkmem +rw,nosuid,nodev" "the hvkmem mount"
	[ "$(snapshot)" = "$before" ]; check_err $? "state after the boot units differs"
	[ "$RET" = 0 ] || diff <(echo "$before") <(snapshot) | sed 's/^/# /'
	read -ra argv <<< "$(sed -n 's/^ExecReload=//p' "$UNITS/hvk.service" | unit_paths)"
	out=$("${argv[@]}" 2>&1)
	check_match "$out" "^0 changed, 15 unchanged, 1 pending$" "reload"
	log_test "boot units: modules, hvkmem mount and /etc/hvk after a reboot"
}

setup
test_apply
test_apply_again
test_apply_converges
test_save_reboot_apply
test_broken_file
test_port_of_another_switch
test_pending_port
test_patterns
test_batch
test_udev
test_boot_units
tap_done
