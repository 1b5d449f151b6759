# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Test VMs for hvk-migrate --qmp (selftests/mem/vmmigrate.sh, vmping.sh,
# bench/migrate.sh): nested QEMU (TCG), its RAM an hvkmem region, running
# selftests/mem/vmworkload.s as a multiboot kernel (vm_workload), or a
# Debian kernel with selftests/mem/vmwork.c in a small initramfs
# (vm_linux).  The caller sets VM_OUT (a directory of its own), and may set
# VM_MEM (RAM, default 32M) and VM_MAC.

VM_MEM=${VM_MEM:-32M}
VM_MAC=${VM_MAC:-52:54:00:00:00:42}

# vm_workload DELAY [NPAGES]: assemble the workload into $VM_OUT: DELAY
# spins between iterations, NPAGES (a power of two, default 2048) pages
# from 3 MiB on are rewritten (VM_MEM must hold them).
vm_workload()
{
	mkdir -p "$VM_OUT"
	as --32 --defsym DELAY="$1" ${2:+--defsym NPAGES="$2"} -o "$VM_OUT/vmworkload.o" \
		"$HVK_TOP/selftests/mem/vmworkload.s" &&
		ld -m elf_i386 -Ttext=0x100000 -o "$VM_OUT/vmworkload.elf" "$VM_OUT/vmworkload.o" &&
		VM_BOOT=(-kernel "$VM_OUT/vmworkload.elf")
}

# vm_linux IP/PREFIX DELAY_US: VMs boot the running kernel's image (or
# HVK_VM_KERNEL) with an initramfs of busybox, virtio-net's modules and
# vmwork (DELAY_US between iterations), eth0 at IP/PREFIX.  The kernel's
# console goes to NAME.console, vmwork's output to NAME.serial.  VM_MEM
# must be 128M at least.
vm_linux()
{
	local kver d cmd ko m f

	kver=$(uname -r)
	f=${HVK_VM_KERNEL:-/boot/vmlinuz-$kver}
	# The project's test guest: the image scripts/deps unpacked.
	[ -r "$f" ] || f=$HOME/.cache/hvkit/kernel/$kver/boot/vmlinuz-$kver
	[ -r "$f" ] || { echo "# no kernel image for $kver: set HVK_VM_KERNEL"; return 1; }
	[ -x "$HVK_BUILD/selftests/vmwork" ] || { echo "# no $HVK_BUILD/selftests/vmwork"; return 1; }
	d=$VM_OUT/initramfs
	rm -rf "$d"
	mkdir -p "$d"/{bin,dev,proc,sys,modules}
	cp /bin/busybox "$d/bin/" && cp "$HVK_TOP/selftests/mem/vminit" "$d/init" &&
		cp "$HVK_BUILD/selftests/vmwork" "$d/" || return 1
	: > "$d/modules.list"
	# Built in or modules, in load order; 6.12's are xz-compressed.
	modprobe --show-depends -a virtio_pci virtio_net | while read -r cmd ko _; do
		[ "$cmd" = insmod ] || continue
		m=$(basename "${ko%.xz}" .ko)
		grep -qx "$m" "$d/modules.list" && continue
		case $ko in
		*.xz) xz -dc "$ko" > "$d/modules/$m.ko" ;;
		*) cp "$ko" "$d/modules/$m.ko" ;;
		esac || exit 1
		echo "$m" >> "$d/modules.list"
	done || { echo "# cannot collect virtio_net's modules"; return 1; }
	(cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) > "$VM_OUT/initramfs.gz" || return 1
	VM_BOOT=(-kernel "$f" -initrd "$VM_OUT/initramfs.gz"
		 -append "console=ttyS0 quiet panic=-1 hvk.ip=$1 hvk.delay=$2")
	VM_CONSOLE=1
}

# vm NAME REGION TAP [QEMU ARGS...]: a test VM in the background, its RAM
# (VM_MEM) the region REGION mapped shared, a virtio-net NIC (VM_MAC) on the
# tap TAP (none for -): QMP at $VM_OUT/NAME.qmp (hvk-migrate's) and
# $VM_OUT/NAME.mon (the test's), the workload's output in
# $VM_OUT/NAME.serial, pid in $VM_OUT/NAME.pid.  VM_NETNS=NS: QEMU (and so
# its tap) in network namespace NS.
vm()
{
	local name=$1 region=$2 tap=$3 nic=() ns=() boot=()

	shift 3
	[ "$tap" = - ] || nic=(-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no"
			      -device "virtio-net-pci,netdev=n0,mac=$VM_MAC")
	[ -n "${VM_NETNS:-}" ] && ns=(ip netns exec "$VM_NETNS")
	# The kernel's console first: it is the VM's ttyS0.
	[ -n "${VM_CONSOLE:-}" ] && boot=(-serial file:"$VM_OUT/$name.console")
	rm -f "$VM_OUT/$name".{qmp,mon,serial,console}
	"${ns[@]}" qemu-system-x86_64 -machine pc,accel=tcg,memory-backend=ram -m "$VM_MEM" -smp 1 \
		-object memory-backend-file,id=ram,size="$VM_MEM",mem-path="$region",share=on \
		-nodefaults -no-user-config -display none -vga none "${boot[@]}" "${VM_BOOT[@]}" \
		-serial file:"$VM_OUT/$name.serial" \
		-qmp unix:"$VM_OUT/$name.qmp",server=on,wait=off \
		-qmp unix:"$VM_OUT/$name.mon",server=on,wait=off \
		"${nic[@]}" "$@" > "$VM_OUT/$name.log" 2>&1 &
	echo $! > "$VM_OUT/$name.pid"
	for _ in $(seq 600); do
		[ -S "$VM_OUT/$name.mon" ] && return 0
		kill -0 "$(cat "$VM_OUT/$name.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "# QEMU $name did not start: $(cat "$VM_OUT/$name.log")"
	return 1
}

vm_kill()
{
	[ -e "$VM_OUT/$1.pid" ] || return 0
	kill -9 "$(cat "$VM_OUT/$1.pid")" 2>/dev/null
	wait "$(cat "$VM_OUT/$1.pid")" 2>/dev/null
	rm -f "$VM_OUT/$1.pid"
}

# qmp NAME COMMAND [ARGUMENTS]: COMMAND's "return" as JSON, over the test's
# own monitor (a QMP socket takes one client at a time).
qmp()
{
	python3 - "$VM_OUT/$1.mon" "$2" "${3:-}" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(60)
s.connect(sys.argv[1])
f = s.makefile("rw")
def call(cmd, args=None):
    msg = {"execute": cmd}
    if args:
        msg["arguments"] = json.loads(args)
    f.write(json.dumps(msg) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
json.loads(f.readline())
call("qmp_capabilities")
r = call(sys.argv[2], sys.argv[3])
print(json.dumps(r.get("return", r)))
sys.exit("error" in r)
EOF
}

vm_status()
{
	qmp "$1" query-status | jq -r .status
}

# heartbeats NAME: how many "hb" lines NAME's console shows.
heartbeats()
{
	cat "$VM_OUT/$1.serial" 2>/dev/null | grep -c '^hb '
}

# wait_beats NAME N [SECONDS]: until NAME's console shows N more heartbeats
# than now (SECONDS, default 120, at most).
wait_beats()
{
	local want=$(($(heartbeats "$1") + $2)) _

	for _ in $(seq $((${3:-120} * 10))); do
		[ "$(heartbeats "$1")" -ge "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

# one_run LOG...: the consoles joined read as one run of the workload: one
# start, heartbeats 0x100 apart with none missing or repeated, no BAD.
one_run()
{
	cat "$@" | python3 -c '
import sys
text = sys.stdin.read()
lines = text.splitlines()
if "BAD" in text:
    sys.exit("a page check failed: " + [l for l in lines if "BAD" in l][0])
if lines.count("vmworkload: start") != 1:
    sys.exit("the workload started %d times" % lines.count("vmworkload: start"))
beats = [int(l[3:], 16) for l in lines[1:] if l.startswith("hb ") and len(l) == 11]
if len(beats) != len(lines) - 1:
    sys.exit("a garbled console line: %r" % [l for l in lines[1:] if not l.startswith("hb ") or len(l) != 11])
want = list(range(0x100, 0x100 * (len(beats) + 1), 0x100))
if beats != want:
    bad = next(i for i, (a, b) in enumerate(zip(beats, want)) if a != b)
    sys.exit("heartbeat %d is %#x, not %#x" % (bad, beats[bad], want[bad]))
print(len(beats))
'
}

# vm_cleanup PID...: the suites' exit: PIDs (monitors, pings), hvk-migrate,
# every VM of $VM_OUT; then the caller removes its links and namespaces.
vm_cleanup()
{
	local f

	[ $# -gt 0 ] && kill "$@" 2>/dev/null
	pkill -f "$HVK_MIGRATE" 2>/dev/null
	for f in "$VM_OUT"/*.pid; do
		[ -e "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
	done
	wait 2>/dev/null
}
