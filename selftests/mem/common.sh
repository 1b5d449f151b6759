# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the hvkmem suites.

MEMTEST=$HVK_BUILD/selftests/memtest
MIGRATE=$HVK_MIGRATE
MNT=/run/hvkmem

# mount_hvkmem [OPTIONS]: a fresh hvkmem at $MNT.
mount_hvkmem()
{
	modprobe hvk_mem || return 1
	mkdir -p "$MNT"
	mount -t hvkmem ${1:+-o "$1"} none "$MNT"
}

# listening PORT [NETNS]: until something listens on TCP PORT (in NETNS),
# 30 s at most: a receiver or relay starts slowly under emulation.
listening()
{
	local in_ns=()

	[ -n "${2:-}" ] && in_ns=(ip netns exec "$2")
	for _ in $(seq 300); do
		"${in_ns[@]}" ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# used_kb: the mount's used kilobytes, as df reports them.
used_kb()
{
	df -k --output=used "$MNT" | tail -n 1 | tr -d ' '
}

# region_json PATH: hvk's JSON object for the region at PATH.
region_json()
{
	"$HVK" -j mem show "$1" | jq -c '.[0]'
}

# A python prelude with the dirty-log ioctls (tests of bad input).
PYIOC='
import array, errno, fcntl, os, struct, sys
def _ioc(d, nr, size): return (d << 30) | (size << 16) | (0xb8 << 8) | nr
INFO = _ioc(2, 0, 32)
START = _ioc(1, 1, 8)
STOP = _ioc(0, 2, 0)
GET = _ioc(3, 3, 48)
STATS = _ioc(2, 4, 64)
def start(fd, flags=0): fcntl.ioctl(fd, START, struct.pack("Q", flags))
def stop(fd): fcntl.ioctl(fd, STOP)
def get(fd, first, n, clear=True, words=None, flags=None):
    words = (n + 63) // 64 if words is None else words
    bm = array.array("Q", [0] * max(words, 1))
    fl = (1 if clear else 0) if flags is None else flags
    r = fcntl.ioctl(fd, GET, struct.pack("QQQQQQ", first, n, bm.buffer_info()[0], words * 8, fl, 0))
    return bm, struct.unpack("QQQQQQ", r)[5]
def stats(fd): return struct.unpack("8Q", fcntl.ioctl(fd, STATS, bytes(64)))
def errno_of(f, *a):
    try:
        f(*a)
    except OSError as e:
        return errno.errorcode[e.errno]
    return "OK"
'
