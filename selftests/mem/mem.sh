#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hvkmem: the filesystem (sizes, holes, mappings, unlinked regions, memcg,
# limits), the dirty log (exactness under 10^6 writes, start modes, bad
# input), the hvk_mem netlink view (show, events, dirtyrate) and QEMU's
# memory-backend-file on it.
#
#   writers (mmap x2, pwrite) --> /run/hvkmem/REGION <-- memtest / hvk-migrate (ioctls)
#                                        ^-- hvk mem show / dirtyrate (genl hvk_mem)
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=selftests/mem/common.sh
. "$(dirname "$0")/common.sh"

MON=/tmp/hvk-mem-monitor.log

cleanup()
{
	[ -n "${MON_PID:-}" ] && kill "$MON_PID" 2>/dev/null
	[ -n "${WPID:-}" ] && kill "$WPID" 2>/dev/null
	wait 2>/dev/null
	umount "$MNT" 2>/dev/null
	return 0
}
trap cleanup EXIT

test_mount()
{
	local out

	RET=0
	modprobe hvk_mem; check_err $? "modprobe hvk_mem"
	out=$(mount -t hvkmem -o size=abc none /mnt 2>&1)
	check_fail $? "size=abc mounted"
	out=$(dmesg | tail -n 5)
	check_match "$out" "size must be a byte count" "no message for size=abc"
	mount -t hvkmem -o mode=99999 none /mnt 2>/dev/null
	check_fail $? "mode=99999 mounted"
	mount_hvkmem "size=64m,mode=1777,uid=65534,gid=65534"
	check_err $? "mount -t hvkmem"
	out=$(grep " $MNT " /proc/mounts)
	check_match "$out" "hvkmem rw,relatime,size=65536k,mode=1777,uid=65534,gid=65534" "/proc/mounts"
	out=$(stat -c '%a %u %g' "$MNT")
	check_match "$out" "^1777 65534 65534$" "root directory mode/owner"
	out=$(stat -f -c '%t %S %b' "$MNT")
	check_match "$out" "^68766b6d 4096 16384$" "statfs type, block size, blocks"
	rmmod hvk_mem 2>/dev/null
	check_fail $? "rmmod with a mounted hvkmem"
	mount -o remount,size=128m "$MNT"; check_err $? "remount size"
	out=$(df -k --output=size "$MNT" | tail -n 1 | tr -d ' ')
	check_match "$out" "^131072$" "df size after remount"
	log_test "mount options, /proc/mounts, statfs, remount, busy module"
}

test_file_ops()
{
	local f=$MNT/ops out

	RET=0
	truncate -s 1M "$f"; check_err $? "truncate"
	out=$(stat -c '%s %b' "$f")
	check_match "$out" "^1048576 0$" "a new region is all holes"
	python3 - "$f" <<'PY'
import os, sys
f = sys.argv[1]
fd = os.open(f, os.O_RDWR)
os.pwrite(fd, b"A" * 5000, 4096 * 10 + 100)       # spans pages 10-11
assert os.pread(fd, 5000, 4096 * 10 + 100) == b"A" * 5000
assert os.pread(fd, 100, 4096 * 10) == bytes(100)  # the rest of a page is zero
assert os.pread(fd, 10, 0) == bytes(10)            # holes read as zero
assert os.lseek(fd, 0, os.SEEK_DATA) == 4096 * 10
assert os.lseek(fd, 4096 * 10, os.SEEK_HOLE) == 4096 * 12
assert os.lseek(fd, 4096 * 12, os.SEEK_HOLE) == 4096 * 12
try:
    os.lseek(fd, 4096 * 12, os.SEEK_DATA); sys.exit("SEEK_DATA found data past the last page")
except OSError as e:
    assert e.errno == 6, e                         # ENXIO
os.write(os.open(f, os.O_WRONLY | os.O_APPEND), b"tail")
assert os.fstat(fd).st_size == 1048576 + 4
assert os.pread(fd, 4, 1048576) == b"tail"
os.ftruncate(fd, 4096 * 10 + 200)                  # shrink into page 10
assert os.pread(fd, 300, 4096 * 10) == bytes(100) + b"A" * 100
os.ftruncate(fd, 4096 * 12)                        # grow: the cut bytes stay zero
assert os.pread(fd, 300, 4096 * 10 + 100) == b"A" * 100 + bytes(200)
PY
	check_err $? "read/write/seek/truncate semantics"
	out=$(stat -c '%b' "$f")
	check_match "$out" "^8$" "blocks after shrinking to one page"
	fallocate -l 64k "$f"; check_err $? "fallocate allocates"
	out=$(stat -c '%s %b' "$f")
	check_match "$out" "^65536 128$" "fallocate grew and allocated 16 pages"
	fallocate -p -o 8k -l 16k "$f"; check_err $? "punch hole"
	out=$(stat -c '%b' "$f")
	check_match "$out" "^96$" "punch freed 4 pages"
	fallocate -c -o 0 -l 4k "$f" 2>/dev/null; check_fail $? "collapse-range accepted"
	mkdir "$MNT/dir" && mv "$f" "$MNT/dir/ops2" && ln "$MNT/dir/ops2" "$MNT/hard"
	check_err $? "mkdir, rename, link"
	ln -s x "$MNT/sym" 2>/dev/null; check_fail $? "symlink created"
	mknod "$MNT/null" c 1 3 2>/dev/null; check_fail $? "device node created"
	rm -r "$MNT/dir" "$MNT/hard"; check_err $? "unlink, rmdir"
	out=$(used_kb)
	check_match "$out" "^0$" "pages left after unlink"
	log_test "regions: read/write, holes, SEEK_DATA/HOLE, truncate, fallocate, names"
}

# Copies out of a region through the kernel: sendfile, splice to a pipe,
# copy_file_range (splice between file systems), cp.  Region pages are never
# handed to a pipe: they are copied.
test_splice()
{
	local f=$MNT/splice out

	RET=0
	python3 - "$f" <<'PY'
import os, socket, sys
f = sys.argv[1]
data = os.urandom(3 * 4096 + 100)
fd = os.open(f, os.O_RDWR | os.O_CREAT)
os.pwrite(fd, data, 4096)                          # page 0 stays a hole
want = bytes(4096) + data
r, w = os.pipe()
n = os.splice(fd, w, 8192, offset_src=0)
got = os.read(r, 65536)
assert n == 8192 and got == want[:8192], ("splice", n, len(got))
os.pwrite(fd, b"Z" * 10, 4096)                     # a later write must not show in
assert got[4096:4106] == want[4096:4106]           # ... what the pipe already holds
want = want[:4096] + b"Z" * 10 + want[4106:]
a, b = socket.socketpair()
n = os.sendfile(a.fileno(), fd, 0, len(want))
got = b""
while len(got) < n:
    got += b.recv(1 << 20)
assert n == len(want) and got == want, ("sendfile", n, len(got))
# copy_file_range within the mount (across file systems the VFS says EXDEV
# and cp falls back to read/write)
t = os.open(f + ".copy", os.O_RDWR | os.O_CREAT | os.O_TRUNC)
n = os.copy_file_range(fd, t, len(want), 0, 0)
assert n == len(want) and os.pread(t, len(want), 0) == want, ("copy_file_range", n)
os.write(w, b"piped" * 1000)                       # splice into a region
n = os.splice(r, t, 5000, offset_dst=100)
assert n == 5000 and os.pread(t, 5000, 100) == b"piped" * 1000, ("splice in", n)
os.close(t)
os.unlink(f + ".copy")
PY
	check_err $? "splice, sendfile, copy_file_range"
	out=$(cp "$f" /tmp/splice-cp 2>&1 && cmp "$f" /tmp/splice-cp 2>&1)
	check_err $? "cp: $out"
	rm -f "$f" /tmp/splice-cp
	log_test "regions: sendfile, splice to a pipe, copy_file_range and cp copy the region's bytes"
}

test_mappings()
{
	local f=$MNT/map out

	RET=0
	truncate -s 4M "$f"
	python3 - "$f" <<'PY'
import mmap, os, sys
f = sys.argv[1]
fd = os.open(f, os.O_RDWR)
a = mmap.mmap(fd, 4 << 20, mmap.MAP_SHARED)
a[0:4] = b"one!"
pid = os.fork()
if pid == 0:                                       # a child writes through the inherited mapping
    a[4096:4100] = b"kid!"
    b = mmap.mmap(os.open(f, os.O_RDWR), 4 << 20, mmap.MAP_SHARED)
    assert b[0:4] == b"one!"                       # and sees the parent's write in a new one
    os._exit(0)
assert os.waitpid(pid, 0)[1] == 0
assert a[4096:4100] == b"kid!" and os.pread(fd, 4, 4096) == b"kid!"
p = mmap.mmap(fd, 4 << 20, mmap.MAP_PRIVATE)       # copy-on-write: the file is not changed
p[0:4] = b"priv"
assert a[0:4] == b"one!" and os.pread(fd, 4, 0) == b"one!"
os.pwrite(fd, b"two!", 8192)                       # write() reaches existing mappings
assert a[8192:8196] == b"two!"
a.resize(8 << 20)                                  # mremap (Python grows the file first)
a[6 << 20] = 9
assert os.pread(fd, 1, 6 << 20) == b"\x09" and a[0:4] == b"one!"
os.ftruncate(fd, 4 << 20)
PY
	check_err $? "shared/private mappings, fork"
	python3 - "$f" <<'PY'
import mmap, os, signal, sys
f = sys.argv[1]
fd = os.open(f, os.O_RDWR)
os.ftruncate(fd, 8 << 20)
a = mmap.mmap(fd, 8 << 20, mmap.MAP_SHARED)
os.ftruncate(fd, 4 << 20)                          # beyond EOF now: SIGBUS on touch
pid = os.fork()
if pid == 0:
    a[(4 << 20) + 10] = 1
    os._exit(0)
st = os.waitpid(pid, 0)[1]
assert os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGBUS, st
os.ftruncate(fd, 8 << 20)                          # grown: the same mapping now works
a[(4 << 20) + 10] = 7
assert os.pread(fd, 1, (4 << 20) + 10) == b"\x07"
os.ftruncate(fd, 4096)                             # shrink: the pages go from the mapping
pid = os.fork()
if pid == 0:
    a[8192] = 1
    os._exit(0)
st = os.waitpid(pid, 0)[1]
assert os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGBUS, st
assert a[0:4] == b"one!"
PY
	check_err $? "SIGBUS beyond EOF, grow and shrink under a mapping"
	out=$(stat -c '%b' "$f")
	check_match "$out" "^8$" "pages left after shrinking to one page"
	rm -f "$f"
	log_test "mmap: shared, private, fork, beyond EOF, resize under a mapping"
}

test_unlinked_mapped()
{
	local f=$MNT/gone out before

	RET=0
	before=$(used_kb)
	truncate -s 8M "$f"
	"$MEMTEST" writer "$f" 100000 &
	WPID=$!
	sleep 1
	rm "$f"
	out=$("$HVK" -j mem show | jq -r '.[] | select(.path | endswith("/gone (deleted)")) | .resident_pages')
	check_match "$out" "^[0-9]+$" "unlinked region missing from hvk mem show"
	[ "${out:-0}" -gt 1000 ]; check_err $? "unlinked region's resident pages: $out"
	kill "$WPID"; wait "$WPID" 2>/dev/null; WPID=
	sleep 0.2
	out=$(used_kb)
	check_match "$out" "^$before$" "pages not freed after the last unmap"
	out=$("$HVK" -j mem show | jq '[.[] | select(.path | endswith("/gone (deleted)"))] | length')
	check_match "$out" "^0$" "region listed after the last unmap"
	log_test "an unlinked region lives until its last mapping goes"
}

test_memcg_and_limit()
{
	local cg=/sys/fs/cgroup/hvktest out cur

	RET=0
	mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	mkdir -p "$cg"
	truncate -s 32M "$MNT/cg"
	sh -c "echo \$\$ > $cg/cgroup.procs; exec dd if=/dev/zero of=$MNT/cg bs=1M count=32 conv=notrunc status=none"
	check_err $? "dd in the cgroup"
	cur=$(cat "$cg/memory.current")
	[ "$cur" -ge $((32 << 20)) ]; check_err $? "memory.current $cur < 32 MiB"
	rm "$MNT/cg"
	sleep 0.2
	cur=$(cat "$cg/memory.current")
	[ "$cur" -lt $((8 << 20)) ]; check_err $? "memory.current $cur after unlink"
	rmdir "$cg"
	# size= is a hard limit: ENOSPC for write(), SIGBUS for a fault.
	mount -o remount,size=1m "$MNT"
	out=$(dd if=/dev/zero of="$MNT/big" bs=64k count=32 status=none 2>&1)
	check_match "$out" "No space left on device" "write beyond size="
	truncate -s 4M "$MNT/big"
	python3 -c '
import mmap, os, signal, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 4 << 20, mmap.MAP_SHARED)
pid = os.fork()
if pid == 0:
    for i in range(0, 4 << 20, 4096): m[i] = 1
    os._exit(0)
st = os.waitpid(pid, 0)[1]
assert os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGBUS, st
' "$MNT/big"
	check_err $? "fault beyond size= is not SIGBUS"
	rm "$MNT/big"
	mount -o remount,size=256m "$MNT"
	log_test "pages are charged to the writer's memory cgroup; size= is a hard limit"
}

test_dirty_exact()
{
	local out

	RET=0
	# 10^6 writes; a tenth on the debug kernel, where each costs 30 times more
	local writes=${HVK_DEBUG_KERNEL:+100002}

	writes=${writes:-1000002}
	out=$("$MEMTEST" exact "$MNT/exact" 8192 "$writes" 2>&1)
	check_err $? "memtest exact: $out"
	check_match "$out" "^writes $writes gets [0-9]+ missed 0 extra 0$" "exactness"
	echo "# $out"
	rm -f "$MNT/exact"
	log_test "dirty log: 10^6 writes (mmap x2, pwrite) vs looping gets, none missed"
}

# Every path that could make a write-protected PTE writable again without
# ->page_mkwrite, in each write-protection mode of the module.
test_dirty_paths()
{
	local mode out param=/sys/module/hvk_mem/parameters/wp_mode

	RET=0
	for mode in 0 1 2; do
		echo "$mode" > "$param"
		out=$("$MEMTEST" paths "$MNT/paths" 2>&1)
		check_err $? "wp_mode $mode: $(echo "$out" | grep -v '^ok')"
		echo "$out" | sed "s/^/# wp_mode $mode: /"
	done
	echo 0 > "$param"
	rm -f "$MNT/paths"
	log_test "dirty log: writes after mprotect, fork, mremap, DONTNEED, clear_refs, uffd, /proc/PID/mem, private COW"
}

# Metadata sized by a region's length (merge slots, dirty bitmaps) on sparse
# 1 TiB and 100 TiB files of a 128 MiB mount: refused with a clear error,
# never a kernel warning (a panic on panic_on_warn hosts) or gigabytes.
test_huge_sparse()
{
	local f out size

	RET=0
	for size in 1T 100T; do
		f=$MNT/huge-$size
		truncate -s "$size" "$f"; check_err $? "truncate -s $size"
		out=$("$HVK" mem set "$f" merge on 2>&1)
		check_match "$out" "larger than its mount's size= limit" "merge on, $size: $out"
		out=$("$HVK" mem dirtyrate "$f" duration 100ms 2>&1)
		check_match "$out" "larger than its mount's size= limit" "dirtyrate, $size: $out"
		python3 - "$f" <<PY
$PYIOC
fd = os.open(sys.argv[1], os.O_RDWR)
assert errno_of(start, fd, 0) == "EFBIG", errno_of(start, fd, 0)
assert errno_of(start, fd, 1) == "EFBIG"
os.pwrite(fd, b"x", (1 << 40) - 4096)              # one page far out
assert os.lseek(fd, 0, os.SEEK_DATA) == (1 << 40) - 4096
assert os.lseek(fd, 0, os.SEEK_HOLE) == 0
PY
		check_err $? "dirty log start, $size"
		out=$(region_json "$f" | jq -c '[.resident_pages, .merge.enabled]')
		[ "$out" = "[1,false]" ]; check_err $? "$size region changed: $out"
		rm -f "$f"
	done
	log_test "huge sparse regions: merge, dirty log and sample refused clearly, no kernel warning"
}

# A region whose path would not fit a netlink message is shown with the
# path's tail; it never breaks the dump of every region.
test_long_path()
{
	local d=$MNT out name id

	RET=0
	name=$(printf 'd%.0s' $(seq 1 250))
	for _ in $(seq 1 14); do d=$d/$name; done
	mkdir -p "$d"; check_err $? "mkdir of a ${#d}-byte path"
	truncate -s 1M "$d/vm"
	out=$("$HVK" -j mem show 2>&1 | jq -r '.[].path' 2>&1)
	check_match "$out" "^\\.\\.\\.[d/]+/vm$" "long path in the dump: ${out:0:80}"
	id=$("$HVK" -j mem show "$d/vm" | jq .[0].id)
	out=$(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_mem.yaml" \
		--do region-get --json "{\"id\": $id}" 2>&1 | jq -r '.path | length' 2>&1)
	[ "$out" = 1024 ]; check_err $? "region-get of the long path: $out"
	rm -rf "${MNT:?}/$name"
	log_test "a region path longer than a message is shown truncated in dumps and gets"
}

test_dirty_modes()
{
	local f=$MNT/modes

	RET=0
	truncate -s 1M "$f"
	python3 - "$f" <<PY
$PYIOC
f = sys.argv[1]
fd = os.open(f, os.O_RDWR)
import mmap
m = mmap.mmap(fd, 1 << 20, mmap.MAP_SHARED)
m[0] = 1                                           # a page mapped writable before the start
start(fd, 1)                                       # initially all set: every page dirty
bm, n = get(fd, 0, 256)
assert n == 256 and all(w == (1 << 64) - 1 for w in bm), (n, bm)
bm, n = get(fd, 0, 256)
assert n == 0, n
m[4096 * 3] = 1; m[4096 * 3 + 1] = 2; os.pwrite(fd, b"x", 4096 * 200)
bm, n = get(fd, 0, 256, clear=False)               # peek: no clear
assert n == 2 and bm[0] == 1 << 3 and bm[3] == 1 << 8, (n, list(bm))
bm, n = get(fd, 64, 192)                           # a sub-range: page 200 only
assert n == 1 and bm[2] == 1 << 8, (n, list(bm))
bm, n = get(fd, 0, 64)
assert n == 1 and bm[0] == 1 << 3
st = stats(fd)
assert st[0] == 1 and st[4] == 4 and st[3] == 2, st   # running, gets, write notifications
stop(fd)
start(fd, 0)                                       # all clear: the old writable PTE must be gone
m[0] = 2
bm, n = get(fd, 0, 256)
assert n == 1 and bm[0] == 1, (n, list(bm))
m.close()                                          # (a mapping holds its open file)
os.close(os.open(f, os.O_RDWR))                    # another open file closing: log stays
assert stats(fd)[0] == 1
fd2 = os.dup(fd); os.close(fd)                     # the owner is the open file, not the fd
assert stats(fd2)[0] == 1
os.close(fd2)
fd = os.open(f, os.O_RDONLY)
assert stats(fd)[0] == 0, "log still running after its file was closed"
PY
	check_err $? "start modes, peek, ranges, ownership"
	rm -f "$f"
	log_test "dirty log: initially-set and clear starts, peek, sub-ranges, owned by the open file"
}

test_dirty_bad_input()
{
	local f=$MNT/bad

	RET=0
	truncate -s 1M "$f"
	echo x > /tmp/plain
	python3 - "$f" /tmp/plain <<PY
$PYIOC
f = sys.argv[1]
fd = os.open(f, os.O_RDWR)
other = os.open(f, os.O_RDWR)
ro = os.open(f, os.O_RDONLY)
plain = os.open(sys.argv[2], os.O_RDWR)
checks = [
    ("ioctl on a non-hvkmem file", errno_of(start, plain), "ENOTTY"),
    ("get before start", errno_of(get, fd, 0, 256), "ENOENT"),
    ("stop when stopped", errno_of(stop, fd), "ENOENT"),
    ("start on a read-only fd", errno_of(start, ro), "EBADF"),
    ("start with unknown flags", errno_of(start, fd, 2), "ENOTSUP"),
]
start(fd, 1)
get(fd, 0, 256)
os.pwrite(fd, b"d", 4096 * 70)
before = stats(fd)
checks += [
    ("start twice", errno_of(start, fd), "EBUSY"),
    ("start from another file", errno_of(start, other), "EBUSY"),
    ("clearing get from another file", errno_of(get, other, 0, 256), "EBUSY"),
    ("stop from another file", errno_of(stop, other), "EBUSY"),
    ("misaligned first page", errno_of(get, fd, 1, 63), "EINVAL"),
    ("count not a multiple of 64", errno_of(get, fd, 0, 100), "EINVAL"),
    ("zero pages", errno_of(get, fd, 0, 0), "EINVAL"),
    ("range past the end", errno_of(get, fd, 192, 128), "ERANGE"),
    ("first page past the end", errno_of(get, fd, 256, 64), "ERANGE"),
    ("overflowing range", errno_of(get, fd, 64, (1 << 64) - 64, True, 4), "ERANGE"),
    ("short bitmap buffer", errno_of(get, fd, 0, 256, True, 3), "ENOBUFS"),
    ("unknown get flags", errno_of(get, fd, 0, 256, True, None, 6), "ENOTSUP"),
    ("truncate while logging", errno_of(os.ftruncate, fd, 2 << 20), "EBUSY"),
    ("write past EOF while logging", errno_of(os.pwrite, fd, b"x", 1 << 20), "EBUSY"),
    ("clearing get on a read-only fd", errno_of(get, ro, 0, 256), "EBADF"),
]
bad = fcntl.ioctl
try:
    fcntl.ioctl(fd, GET, struct.pack("QQQQQQ", 0, 256, 8, 32, 1, 0))   # unmapped buffer
    checks.append(("bitmap at a bad address", "OK", "EFAULT"))
except OSError as e:
    checks.append(("bitmap at a bad address", errno.errorcode[e.errno], "EFAULT"))
after = stats(fd)
assert os.fstat(fd).st_size == 1 << 20
ok = True
for what, got, want in checks:
    if got != want:
        print(f"{what}: {got}, expected {want}"); ok = False
if before[0:2] != after[0:2] or after[1] != 1:
    print("state changed:", before, after); ok = False
bm, n = get(fd, 0, 256)                            # the dirty page survived it all
if n != 1 or bm[1] != 1 << 6:
    print("lost the dirty page:", n, list(bm)); ok = False
sys.exit(0 if ok else 1)
PY
	check_err $? "bad dirty-log input"
	rm -f "$f" /tmp/plain
	log_test "dirty log: bad ioctls get clear errors and change nothing"
}

test_netlink_show_events()
{
	local f=$MNT/nl out

	RET=0
	"$HVK" -j monitor mem > "$MON" &
	MON_PID=$!
	sleep 0.5
	truncate -s 2M "$f"
	python3 - "$f" <<PY
$PYIOC
import time, subprocess
fd = os.open(sys.argv[1], os.O_RDWR)
os.pwrite(fd, b"x" * 8192, 0)
start(fd, 0)
os.pwrite(fd, b"y", 4096 * 5)
out = subprocess.run([os.environ["HVK"], "-j", "mem", "show", sys.argv[1]], capture_output=True, text=True).stdout
import json
r = json.loads(out)[0]
assert r["size"] == 2 << 20 and r["resident_pages"] == 3, r
assert r["log"]["running"] and r["log"]["pid"] == os.getpid() and r["log"]["dirty_pages"] == 1, r
assert r["path"] == sys.argv[1], r
stop(fd)
PY
	check_err $? "hvk mem show"
	out=$("$HVK" mem show "$f")
	check_match "$out" "^[0-9]+: $f size 2m resident 3 pages mappings 0 log off$" "text show"
	"$HVK" mem show /tmp 2>/dev/null; check_fail $? "show of a non-region"
	rm "$f"
	sleep 0.5
	kill "$MON_PID"; wait "$MON_PID" 2>/dev/null; MON_PID=
	out=$(jq -r '.event + " " + .region.path' "$MON" | tr '\n' ',')
	check_match "$out" "^new /nl,log-start $f,log-stop $f,del ," "events"
	log_test "hvk mem show (text, JSON) and region events"
}

test_dirtyrate()
{
	local f=$MNT/rate out pages

	RET=0
	truncate -s 64M "$f"
	"$MEMTEST" writer "$f" 500 &
	WPID=$!
	sleep 0.5
	out=$("$HVK" -j mem dirtyrate "$f" duration 2s)
	check_err $? "hvk mem dirtyrate"
	pages=$(echo "$out" | jq .pages)
	# 500 random stores/s into 16384 pages: ~970 distinct pages in 2 s
	[ "$pages" -ge 650 ] && [ "$pages" -le 1250 ]; check_err $? "dirty pages $pages, expected ~970"
	echo "# dirtyrate: $out"
	python3 - "$f" <<PY
$PYIOC
import subprocess
fd = os.open(sys.argv[1], os.O_RDWR)
start(fd, 0)
os.pwrite(fd, b"z", 4096 * 9999)                   # dirty in the log before the sample
r = subprocess.run([os.environ["HVK"], "mem", "dirtyrate", sys.argv[1], "duration", "200ms"])
assert r.returncode == 0
bm, n = get(fd, 0, 16384)
assert bm[9999 // 64] >> (9999 % 64) & 1, "the sample cleared a dirty page of the log"
PY
	check_err $? "a sample beside a running log"
	out=$(as_nobody "$HVK" mem dirtyrate "$f" 2>&1)
	check_match "$out" "needs CAP_SYS_ADMIN or ownership" "unprivileged sample"
	out=$("$HVK" mem dirtyrate "$f" duration 5ms 2>&1)
	check_match "$out" "duration is 10ms to 60s" "bad duration"
	out=$(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_mem.yaml" \
		--do region-sample --json '{"id": 999999, "duration": 100}' 2>&1)
	check_match "$out" "no such region" "unknown region id"
	out=$(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_mem.yaml" \
		--do region-sample --json '{"id": 1, "duration": 70000}' 2>&1)
	check_match "$out" "out of range" "duration out of range accepted"
	kill "$WPID"; wait "$WPID" 2>/dev/null; WPID=
	rm "$f"
	log_test "hvk mem dirtyrate: measured, beside a dirty log, bad input"
}

test_qemu_backend()
{
	local out qpid

	RET=0
	command -v qemu-system-x86_64 > /dev/null || { log_skip "QEMU memory-backend-file" "no qemu"; return; }
	qemu-system-x86_64 -machine pc -m 256 -nodefaults -display none -S \
		-object memory-backend-file,id=m0,size=256M,mem-path=$MNT,share=on,prealloc=on \
		-numa node,memdev=m0 -monitor none -serial none &
	qpid=$!
	for _ in $(seq 1 600); do
		out=$("$HVK" -j mem show | jq -c '[.[] | select(.resident_pages == 65536)]')
		[ "$out" != "[]" ] && break
		sleep 0.1
	done
	check_match "$out" "qemu_back_mem.*deleted" "QEMU's region (256 MiB resident) not seen: $out"
	out=$("$HVK" -j mem show | jq -r '.[] | select(.path | test("qemu_back_mem")) | .mappings')
	check_match "$out" "^[1-9]" "QEMU's region has no mapping"
	kill "$qpid"; wait "$qpid" 2>/dev/null
	sleep 0.5
	out=$("$HVK" -j mem show | jq '[.[] | select(.path | test("qemu_back_mem"))] | length')
	check_match "$out" "^0$" "region left after QEMU quit"
	out=$(used_kb)
	check_match "$out" "^0$" "pages left after QEMU quit"
	log_test "QEMU memory-backend-file,share=on,prealloc=on: 256 MiB resident, freed on quit"
}

test_rmmod()
{
	RET=0
	umount "$MNT"; check_err $? "umount"
	rmmod hvk_mem; check_err $? "rmmod after umount"
	log_test "umount and rmmod"
}

export HVK
# HVK_TESTS: a subset, in order (every test but mount needs test_mount's mount).
for t in ${HVK_TESTS:-mount file_ops splice mappings unlinked_mapped memcg_and_limit \
	dirty_exact dirty_paths huge_sparse long_path dirty_modes dirty_bad_input netlink_show_events \
	dirtyrate qemu_backend rmmod}; do
	"test_$t"
done
tap_done
