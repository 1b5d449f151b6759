#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A real libvirtd (Debian's 9.0) drives hvkit as its users do: a domain
# whose RAM is a file of an hvkmem mount (memory_backing_dir) and whose tap
# is on an hvk switch through the shipped hook, with <vlan>, <bandwidth> and
# MAC security; interfaces hot-plugged while it runs, seen by
# hvk-libvirt-events; destroy; a domain the hook rejects leaves nothing.
#
#   sw0 (hvk_switch)
#    +-- vm1-eth0  started with vm1: access 42, rates, security mac
#    +-- vm1-eth1  hot-plugged after its metadata: trunk 10,20
#    +-- vm1-eth2  hot-plugged before its metadata: access 7
#
# QEMU runs under TCG, started paused (nothing boots).  libvirt runs as
# root, QEMU too (qemu.conf): the test guest has no libvirt-qemu user of
# its own, so the test creates it (libvirtd resolves it before reading
# qemu.conf).
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"

DIR=/tmp/hvk-libvirt.$$
MEM=/run/hvkmem
VIRSH=(virsh -q -c qemu:///system)
HOOKS=/etc/libvirt/hooks/qemu.d
if [ -n "${HVK_INSTALLED:-}" ]; then
	LIBVIRT_TOOLS=/usr/share/hvkit/libvirt
else
	LIBVIRT_TOOLS=$HVK_TOP/tools/libvirt
fi
EVENTS_PID=

cleanup()
{
	"${VIRSH[@]}" destroy vm1 > /dev/null 2>&1
	"${VIRSH[@]}" undefine vm1 > /dev/null 2>&1
	[ -n "$EVENTS_PID" ] && kill "$EVENTS_PID" 2>/dev/null
	pkill -x libvirtd
	pkill -x virtlogd
	"$HVK" switch del sw0 2>/dev/null
	umount "$MEM" 2>/dev/null
	rm -rf "$DIR" "$HOOKS/hvk"
	return 0
}
trap cleanup EXIT

setup()
{
	local d

	for d in libvirtd virtlogd virsh jq; do
		PATH=$PATH:/usr/sbin command -v "$d" > /dev/null ||
			{ echo "# $d is missing (libvirt-daemon, libvirt-clients)"; exit "$KSFT_SKIP"; }
	done
	/usr/bin/python3 -c 'import libvirt' 2> /dev/null ||
		{ echo "# python3-libvirt is missing"; exit "$KSFT_SKIP"; }
	ls /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so > /dev/null ||
		{ echo "# libvirt-daemon-driver-qemu is missing"; exit "$KSFT_SKIP"; }
	pgrep -x libvirtd > /dev/null && { echo "# a libvirtd runs already"; exit "$KSFT_SKIP"; }
	modprobe tun && modprobe hvk_switch && modprobe hvk_mem || exit "$KSFT_SKIP"
	getent group libvirt-qemu > /dev/null || groupadd -r libvirt-qemu
	getent passwd libvirt-qemu > /dev/null ||
		useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
	mkdir -p "$DIR" "$MEM" "$HOOKS" /var/lib/libvirt /var/cache/libvirt /var/log/libvirt \
		/run/libvirt
	mount -t hvkmem none "$MEM"
	cat > /etc/libvirt/qemu.conf <<-EOF
	user = "root"
	group = "root"
	security_driver = "none"
	cgroup_controllers = [ ]
	namespaces = [ ]
	memory_backing_dir = "$MEM"
	EOF
	ln -sf "$LIBVIRT_TOOLS/qemu-hook" "$HOOKS/hvk"
	"$HVK" switch add sw0
	# The hook runs "hvk" from libvirtd's PATH (HVK= is not passed to hooks).
	PATH=${HVK%/*}:$PATH /usr/sbin/virtlogd -d &&
		PATH=${HVK%/*}:$PATH /usr/sbin/libvirtd -d || exit "$KSFT_SKIP"
	poll "${VIRSH[@]}" version > /dev/null 2>&1 && return
	echo "# libvirtd did not answer"
	exit 1
}

# poll CMD...: run CMD every 0.2 s until it succeeds (status 0), 10 s at most.
poll()
{
	for _ in $(seq 50); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# port0_xml PREFIX SWITCH: vm1-eth0's port element on SWITCH, named PREFIXport.
port0_xml()
{
	echo "<$1port target='vm1-eth0' switch='$2' security='mac'><vlan><tag id='42'/></vlan>" \
		"<bandwidth><inbound average='1000' peak='2000' burst='64'/>" \
		"<outbound average='500'/></bandwidth></$1port>"
}

# domain_xml SWITCH: vm1, 64 MiB in hvkmem, one tap on SWITCH.
domain_xml()
{
	cat <<-EOF
	<domain type='qemu'>
	  <name>vm1</name>
	  <memory unit='MiB'>64</memory>
	  <memoryBacking><source type='file'/><access mode='shared'/></memoryBacking>
	  <os><type arch='x86_64' machine='pc'>hvm</type></os>
	  <features><acpi/></features>
	  <metadata>
	    <hvk:ports xmlns:hvk="https://hvkit.dev/libvirt/1">
	      $(port0_xml hvk: "$1")
	    </hvk:ports>
	  </metadata>
	  <devices>
	    <emulator>/usr/bin/qemu-system-x86_64</emulator>
	    <interface type='ethernet'>
	      <mac address='52:54:00:00:00:01'/>
	      <target dev='vm1-eth0'/>
	      <model type='virtio'/>
	    </interface>
	  </devices>
	</domain>
	EOF
}

# nic_xml N: an interface vm1-ethN to hot-plug.
nic_xml()
{
	echo "<interface type='ethernet'><mac address='52:54:00:00:01:0$1'/>" \
		"<target dev='vm1-eth$1'/><model type='virtio'/></interface>"
}

# set_ports PORT...: vm1's live <hvk:ports> metadata, made of PORT elements.
set_ports()
{
	"${VIRSH[@]}" metadata vm1 https://hvkit.dev/libvirt/1 --key hvk --live \
		--set "<ports>$*</ports>"
}

# port_is DEV JQ WANT: whether JQ of DEV's port entry is WANT.
port_is()
{
	[ "$("$HVK" -j port show "$1" 2>/dev/null | jq -c ".[0] | $2")" = "$3" ]
}

region()
{
	"$HVK" -j mem show | jq -c "[.[] | select(.path | startswith(\"$MEM/libvirt/qemu/\")) |
		[.size, .mappings]]"
}

test_start()
{
	local out

	RET=0
	domain_xml sw0 > "$DIR/vm1.xml"
	"${VIRSH[@]}" define "$DIR/vm1.xml" > /dev/null; check_err $? "define"
	out=$("${VIRSH[@]}" start vm1 --paused 2>&1); check_err $? "start: $out"
	out=$("$HVK" -j port show vm1-eth0 | jq -c '.[0] | [.switch, .vlan.mode, .vlan.pvid,
		.inbound.average, .inbound.peak, .inbound.burst, .outbound.average,
		.security.forged_transmits, .security.macs]')
	# libvirt's units as tc reads them: kbps = 8000 bit/s, kb = 1024 bytes.
	check_match "$out" '^\["sw0","access",42,8000000,16000000,65536,4000000,"reject",\["52:54:00:00:00:01"\]\]$' \
		"vm1-eth0"
	out=$(region)
	check_match "$out" '^\[\[67108864,[1-9][0-9]*\]\]$' "vm1's RAM: one hvkmem region of 64 MiB, mapped"
	log_test "libvirtd: a domain starts with its RAM in hvkmem and its tap on sw0 (VLAN, rates, MAC)"
}

test_hotplug()
{
	local out eth0 eth1 eth2

	RET=0
	HVK=$HVK /usr/bin/python3 "$LIBVIRT_TOOLS/hvk-libvirt-events" 2> "$DIR/events.log" &
	EVENTS_PID=$!
	poll grep -q "listening" "$DIR/events.log"
	eth0=$(port0_xml "" sw0)
	eth1="<port target='vm1-eth1' switch='sw0'><vlan trunk='yes'><tag id='10'/><tag id='20'/></vlan></port>"
	eth2="<port target='vm1-eth2' switch='sw0'><vlan><tag id='7'/></vlan></port>"
	# The metadata first, then the interface: device-added attaches it.
	set_ports "$eth0$eth1" > /dev/null; check_err $? "metadata with vm1-eth1"
	nic_xml 1 > "$DIR/nic1.xml"
	out=$("${VIRSH[@]}" attach-device vm1 "$DIR/nic1.xml" --live 2>&1)
	check_err $? "attach-device vm1-eth1: $out"
	poll port_is vm1-eth1 '[.switch, .vlan.mode, .vlan.vids]' '["sw0","trunk",[10,20]]'
	check_err $? "vm1-eth1 hot-plugged after its metadata"
	# The interface first, then the metadata: metadata-change attaches it.
	nic_xml 2 > "$DIR/nic2.xml"
	out=$("${VIRSH[@]}" attach-device vm1 "$DIR/nic2.xml" --live 2>&1)
	check_err $? "attach-device vm1-eth2: $out"
	set_ports "$eth0$eth1$eth2" > /dev/null; check_err $? "metadata with vm1-eth2"
	poll port_is vm1-eth2 '[.switch, .vlan.mode, .vlan.pvid]' '["sw0","access",7]'
	check_err $? "vm1-eth2 hot-plugged before its metadata"
	out=$(port_count)
	check_match "$out" '^3$' "ports of sw0"
	# No unplug here: the guest must acknowledge a PCI unplug (ACPI
	# eject) before libvirt deletes the tap, and this one is paused, with
	# no OS.  Destroy deletes the taps instead (test_destroy).
	out=$("$HVK" -j port show vm1-eth0 | jq -c '.[0].vlan.pvid')
	check_match "$out" '^42$' "vm1-eth0 unchanged"
	[ "$RET" = 0 ] || sed 's/^/# /' "$DIR/events.log"
	log_test "hot-plug: attach-device --live, the hvk metadata before or after (hvk-libvirt-events)"
}

port_count()
{
	"$HVK" -j switch show sw0 | jq '.[0].ports'
}

test_destroy()
{
	local out

	RET=0
	"${VIRSH[@]}" destroy vm1 > /dev/null; check_err $? "destroy"
	check_match "$(port_count)" '^0$' "ports of sw0 after destroy"
	out=$(region)
	check_match "$out" '^\[\]$' "vm1's region after destroy"
	log_test "destroy: the domain's ports and its hvkmem region are gone"
}

# The hook's prepare rejects a domain on a switch that does not exist:
# QEMU never starts, nothing is attached, no region is created.
test_rejected()
{
	local out

	RET=0
	domain_xml nosw > "$DIR/bad.xml"
	"${VIRSH[@]}" undefine vm1 > /dev/null
	out=$("${VIRSH[@]}" define "$DIR/bad.xml" 2>&1); check_err $? "define: $out"
	out=$("${VIRSH[@]}" start vm1 --paused 2>&1)
	check_fail $? "a domain on a missing switch started: $out"
	check_match "$out" "no hvk switch named nosw" "libvirt reports the hook's message"
	out=$("${VIRSH[@]}" domstate vm1)
	check_match "$out" "^shut off" "vm1's state"
	check_match "$(port_count)" '^0$' "ports of sw0"
	check_match "$(region)" '^\[\]$' "regions"
	[ -e /sys/class/net/vm1-eth0 ]; check_fail $? "the tap is left behind"
	log_test "a domain the hook rejects does not start and leaves nothing"
}

setup
test_start
test_hotplug
test_destroy
test_rejected
tap_done
