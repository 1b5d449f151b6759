#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hvk-migrate between two network namespaces over TCP: a busy region
# arrives byte-identical to the source at pause; killing either side, a
# failed verification or bad input leaves the source running and the
# destination without a partial copy; stalls are reported.
#
#   ns src: memtest writer -> /run/hvkmem/src/vm   hvk-migrate send --+
#                                                                     | veth 10.9.0.1 -> 10.9.0.2
#   ns dst: /run/hvkmem/dst/vm <- hvk-migrate recv --listen 7000 <----+
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=selftests/mem/common.sh
. "$(dirname "$0")/common.sh"

SRC=$MNT/src/vm
DST=$MNT/dst/vm
OUT=/tmp/migrate

cleanup()
{
	stop_writer
	pkill -f hvk-migrate 2>/dev/null
	wait 2>/dev/null
	ip netns del src 2>/dev/null
	ip netns del dst 2>/dev/null
	umount "$MNT" 2>/dev/null
	return 0
}
trap cleanup EXIT

setup()
{
	mount_hvkmem "size=512m" || exit $KSFT_SKIP
	mkdir -p "$MNT/src" "$MNT/dst" "$OUT"
	ip netns add src
	ip netns add dst
	ip link add va netns src type veth peer name vb netns dst
	ip -n src addr add 10.9.0.1/24 dev va
	ip -n dst addr add 10.9.0.2/24 dev vb
	ip -n src link set va up
	ip -n dst link set vb up
	ip -n src link set lo up
	ip -n dst link set lo up
}

# start_writer PAGES_PER_SEC: a busy region at $SRC (64 MiB: 48 MiB of
# random data, 16 MiB of zero pages, all allocated so the writer never
# needs a new page).
start_writer()
{
	local rate=$1

	# A debug kernel (KASAN, lockdep) moves pages ten times slower: a writer
	# meant to converge would outrun the link and no round would end (the
	# ones meant to outrun it, 20000 pages/s, stay as they are).
	[ -n "${HVK_DEBUG_KERNEL:-}" ] && [ "$rate" -lt 5000 ] && rate=$((rate / 10))
	rm -f "$SRC"
	dd if=/dev/urandom of="$SRC" bs=1M count=48 status=none
	fallocate -l 64M "$SRC"
	"$MEMTEST" writer "$SRC" "$rate" &
	WPID=$!
}

stop_writer()
{
	[ -n "${WPID:-}" ] || return 0
	kill -CONT "$WPID" 2>/dev/null
	kill "$WPID" 2>/dev/null
	wait "$WPID" 2>/dev/null
	WPID=
}

# state PID: R/S (running or sleeping), T (stopped), or gone.
state()
{
	awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo gone
}

recv_bg()
{
	n dst "$MIGRATE" recv "$DST" --listen 7000 "$@" > "$OUT/recv.out" 2> "$OUT/recv.err" &
	RPID=$!
	listening 7000 dst
}

send()
{
	n src "$MIGRATE" send "$SRC" --to 10.9.0.2:7000 "$@" > "$OUT/send.out" 2> "$OUT/send.err"
}

no_partial_copy()
{
	local left

	[ ! -e "$DST" ]; check_err $? "the destination kept $DST"
	left=$(ls "$MNT/dst")
	[ -z "$left" ]; check_err $? "temporary files left: $left"
	left=$("$HVK" -j mem show | jq '[.[] | select(.path | test("/dst/"))] | length')
	check_match "$left" "^0$" "a destination region is still allocated"
}

test_migrate_busy()
{
	local out down

	RET=0
	start_writer 1000
	sleep 0.5
	recv_bg --resume-cmd "touch $OUT/resumed" --json
	send --pause-pid "$WPID" --verify full --json
	check_err $? "send failed: $(cat "$OUT/send.out" "$OUT/send.err")"
	wait "$RPID"; check_err $? "recv failed: $(cat "$OUT/recv.out" "$OUT/recv.err")"
	out=$(state "$WPID")
	check_match "$out" "^T$" "the source writer is not paused after the migration"
	cmp "$SRC" "$DST"; check_err $? "destination differs from the source at pause"
	[ -e "$OUT/resumed" ]; check_err $? "the resume command did not run"
	out=$(cat "$OUT/send.out")
	echo "# $out"
	check_match "$(echo "$out" | jq -r .result)" "^ok$" "report result"
	down=$(echo "$out" | jq '.downtime_ms')
	check_match "$(echo "$out" | jq '.rounds >= 2 and .pages_sent > 0 and .downtime.final_pages >= 0')" \
		"^true$" "report fields"
	check_match "$(jq -r .result "$OUT/recv.out")" "^ok$" "recv report"
	out=$("$HVK" -j mem show "$SRC" | jq '.[0].log.running')
	check_match "$out" "^false$" "the source's dirty log still runs"
	stop_writer
	log_test "busy 64 MiB region migrates between netns, identical at pause (downtime ${down} ms)"
}

test_text_report()
{
	local out

	RET=0
	start_writer 200
	recv_bg
	send --pause-pid "$WPID" --downtime-limit 100
	check_err $? "send failed: $(cat "$OUT/send.err")"
	wait "$RPID"
	out=$(cat "$OUT/send.out")
	check_match "$out" "^migrated $SRC \\(64.0 MiB\\) to 10.9.0.2:7000 in" "first line"
	check_match "$out" "downtime [0-9.]+ ms: final round [0-9.]+ ms \\([0-9]+ pages\\), verify [0-9.]+ ms \\(sent\\)" "downtime line"
	check_match "$(cat "$OUT/recv.out")" "^received $DST \\(64.0 MiB\\)$" "recv line"
	cmp "$SRC" "$DST"; check_err $? "destination differs (verify sent)"
	stop_writer
	rm -f "$DST"
	log_test "text report: time, rounds, downtime breakdown"
}

test_kill_sender()
{
	local out

	RET=0
	start_writer 500
	recv_bg
	send --pause-pid "$WPID" --bandwidth 80mbit &
	SPID=$!
	sleep 2
	pkill -9 -f "hvk-migrate send"
	wait "$SPID" 2>/dev/null
	wait "$RPID"; check_fail $? "recv succeeded after the sender died"
	out=$(cat "$OUT/recv.err")
	check_match "$out" "partial copy was discarded" "recv message"
	sleep 0.3
	out=$(state "$WPID")
	check_match "$out" "^[RS]$" "the source writer is not running"
	out=$("$HVK" -j mem show "$SRC" | jq '.[0].log.running')
	check_match "$out" "^false$" "the dirty log outlived its sender"
	no_partial_copy
	stop_writer
	log_test "killing the sender: source runs on, destination discards its copy"
}

test_kill_receiver()
{
	local out rc

	RET=0
	start_writer 500
	recv_bg
	send --pause-pid "$WPID" --bandwidth 80mbit --json &
	SPID=$!
	sleep 2
	pkill -9 -f "hvk-migrate recv"
	wait "$SPID"; rc=$?
	check_match "$rc" "^1$" "sender exit status"
	out=$(cat "$OUT/send.out")
	check_match "$(echo "$out" | jq -r '.result + " " + .source')" "^failed running$" "sender report: $out"
	out=$(state "$WPID")
	check_match "$out" "^[RS]$" "the source writer is not running"
	no_partial_copy
	stop_writer
	log_test "killing the receiver: the sender reports it, the source runs on"
}

test_pause_cmd()
{
	local out

	RET=0
	start_writer 300
	recv_bg
	send --pause-cmd "kill -STOP $WPID" --resume-cmd "kill -CONT $WPID"
	check_err $? "send with --pause-cmd failed: $(cat "$OUT/send.err")"
	wait "$RPID"
	cmp "$SRC" "$DST"; check_err $? "destination differs"
	check_match "$(state "$WPID")" "^T$" "the pause command did not pause"
	stop_writer
	rm -f "$DST"
	# The destination runs out of space (the source has 64 MiB, the copy
	# needs 48 of the 16 left): the resume command runs.
	start_writer 300
	mount -o remount,size=80m "$MNT"
	recv_bg
	send --pause-cmd "kill -STOP $WPID" --resume-cmd "kill -CONT $WPID"
	check_fail $? "send succeeded into a full filesystem"
	wait "$RPID"
	out=$(cat "$OUT/send.err")
	check_match "$out" "No space left on device.*the source is running" "sender message"
	check_match "$(state "$WPID")" "^[RS]$" "the source is not running"
	mount -o remount,size=512m "$MNT"
	no_partial_copy
	stop_writer
	log_test "--pause-cmd / --resume-cmd; a destination that fails leaves the source running"
}

test_stall()
{
	local out

	RET=0
	start_writer 20000
	recv_bg
	send --pause-pid "$WPID" --bandwidth 200mbit --max-rounds 4 --json
	check_err $? "send failed: $(cat "$OUT/send.err")"
	wait "$RPID"
	out=$(cat "$OUT/send.err")
	check_match "$out" "not converging: .* use --max-rounds N .* --auto-converge" "stall warning"
	check_match "$(jq .rounds "$OUT/send.out")" "^5$" "rounds with --max-rounds 4"
	cmp "$SRC" "$DST"; check_err $? "destination differs"
	stop_writer
	rm -f "$DST"
	start_writer 20000
	recv_bg
	send --pause-pid "$WPID" --bandwidth 200mbit --auto-converge --json
	check_err $? "send --auto-converge failed: $(cat "$OUT/send.err")"
	wait "$RPID"
	cmp "$SRC" "$DST"; check_err $? "destination differs (auto-converge)"
	echo "# auto-converge: $(jq -c '{rounds, downtime_ms}' "$OUT/send.out")"
	stop_writer
	rm -f "$DST"
	log_test "a writer faster than the link: warned; --max-rounds and --auto-converge finish"
}

test_bad_input()
{
	local out bad pid

	RET=0
	start_writer 100
	echo x > /tmp/plain
	out=$("$MIGRATE" send /tmp/plain --to 10.9.0.2:7000 --pause-pid "$WPID" 2>&1)
	check_match "$out" "not an hvkmem file" "send of a plain file"
	out=$("$MIGRATE" send "$SRC" --to 10.9.0.2:7000 2>&1); check_match "$?" "^2$" "no pause option"
	check_match "$out" "one of --qmp SOCKET, --pause-pid PID or --pause-cmd CMD" "no pause message"
	out=$("$MIGRATE" send "$SRC" --to x --pause-pid 999999 2>&1); check_match "$?" "^2$" "dead pid"
	out=$("$MIGRATE" send "$SRC" --to x:1 --pause-pid "$WPID" --bandwidth fast 2>&1)
	check_match "$?" "^2$" "bad bandwidth"
	out=$("$MIGRATE" send "$SRC" --to x:1 --pause-cmd true 2>&1)
	check_match "$out" "--pause-cmd needs --resume-cmd" "pause-cmd alone"
	out=$("$MIGRATE" recv "$DST" 2>&1); check_match "$?" "^2$" "recv without --listen"
	out=$(n src "$MIGRATE" send "$SRC" --to 10.9.0.2:7001 --pause-pid "$WPID" 2>&1)
	check_match "$out" "Connection refused" "nobody listening"
	check_match "$(state "$WPID")" "^[RS]$" "the source is not running"
	# A destination whose name is not UTF-8: the --json report still parses.
	bad=$(printf '%s/\377vm' "${DST%/*}")
	n dst "$MIGRATE" recv "$bad" --listen 7003 --json > "$OUT/recv-bad.json" 2> /dev/null &
	pid=$!
	sleep 0.5
	n src python3 -c 'import socket; s = socket.create_connection(("10.9.0.2", 7003)); s.sendall(b"not hvk-migrate" * 8); s.close()'
	wait "$pid"
	out=$(python3 -c '
import json, sys
r = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))
assert r["result"] == "failed" and r["path"].endswith("/\ufffdvm"), r
print("parsed")' "$OUT/recv-bad.json" 2>&1)
	check_match "$out" "^parsed$" "--json report of a non-UTF-8 path: $out"
	rm -f "$bad"
	# A second migration of the same region while one runs is refused.
	recv_bg
	python3 - "$SRC" "$MIGRATE" "$WPID" <<'PY'
import fcntl, os, struct, subprocess, sys
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.ioctl(fd, (1 << 30) | (8 << 16) | (0xb8 << 8) | 1, struct.pack("Q", 0))
r = subprocess.run(["ip", "netns", "exec", "src", sys.argv[2], "send", sys.argv[1],
                    "--to", "10.9.0.2:7000", "--pause-pid", sys.argv[3]],
                   capture_output=True, text=True)
assert r.returncode == 1 and "already running" in r.stderr, r
PY
	check_err $? "a second log owner"
	wait "$RPID"
	no_partial_copy
	stop_writer
	rm -f /tmp/plain
	log_test "bad input: clear errors, source untouched"
}

setup
# --psk-file: the same key on both ends migrates; a wrong key, a key on one
# end only, or a byte changed on the wire is refused before the copy is
# used, and the destination keeps nothing.
test_psk()
{
	local out

	RET=0
	stop_writer
	rm -f "$SRC" "$DST"
	dd if=/dev/urandom of="$SRC" bs=1M count=8 status=none
	(umask 077; head -c 32 /dev/urandom | base64 > "$OUT/key"; head -c 32 /dev/urandom | base64 > "$OUT/key2")
	recv_bg --psk-file "$OUT/key"
	send --pause-cmd true --resume-cmd true --psk-file "$OUT/key"
	check_err $? "send with a key failed: $(cat "$OUT/send.err")"
	wait "$RPID"; check_err $? "recv with a key failed: $(cat "$OUT/recv.err")"
	cmp "$SRC" "$DST"; check_err $? "the authenticated copy differs"
	rm -f "$DST"

	recv_bg --psk-file "$OUT/key2"
	send --pause-cmd true --resume-cmd true --psk-file "$OUT/key"
	check_fail $? "send with the wrong key succeeded"
	wait "$RPID"; check_fail $? "recv with the wrong key succeeded"
	check_match "$(cat "$OUT/send.err")" "authentication failed: the destination does not have this key" \
		"send, wrong key"
	check_match "$(cat "$OUT/recv.err")" "authentication failed" "recv, wrong key"
	no_partial_copy

	recv_bg --psk-file "$OUT/key"
	send --pause-cmd true --resume-cmd true
	check_fail $? "send without a key into recv --psk-file succeeded"
	wait "$RPID"
	check_match "$(cat "$OUT/recv.err")" "the source does not authenticate" "recv, key on one end"
	no_partial_copy

	# A man in the middle flips one bit 2 MiB into the stream.
	n dst python3 -c '
import socket, threading
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 7001))
ls.listen(1)
a, _ = ls.accept()
b = socket.create_connection(("127.0.0.1", 7000))
def pump(src, dst, flip):
    n = 0
    try:
        while True:
            d = src.recv(65536)
            if not d:
                dst.shutdown(socket.SHUT_WR)
                return
            if flip is not None and n <= flip < n + len(d):
                d = bytearray(d)
                d[flip - n] ^= 1
            n += len(d)
            dst.sendall(d)
    except OSError:
        pass
threading.Thread(target=pump, args=(b, a, None), daemon=True).start()
pump(a, b, 2 << 20)
' &
	PPID_=$!
	listening 7001 dst
	recv_bg --psk-file "$OUT/key"
	n src "$MIGRATE" send "$SRC" --to 10.9.0.2:7001 --pause-cmd true --resume-cmd true \
		--psk-file "$OUT/key" > "$OUT/send.out" 2> "$OUT/send.err"
	check_fail $? "send through a tampering proxy succeeded"
	wait "$RPID"; check_fail $? "recv of a tampered stream succeeded"
	check_match "$(cat "$OUT/recv.err")" "integrity check failed: message [0-9]* was changed on the way" \
		"recv, tampered stream"
	check_match "$(cat "$OUT/send.err")" "the source is running" "send, tampered stream"
	kill "$PPID_" 2>/dev/null
	wait "$PPID_" 2>/dev/null
	no_partial_copy

	chmod 644 "$OUT/key"
	out=$("$MIGRATE" send "$SRC" --to 10.9.0.2:7000 --pause-cmd true --resume-cmd true \
		--psk-file "$OUT/key" 2>&1)
	check_match "$?" "^2$" "a key readable by others: exit status"
	check_match "$out" "is readable by others \\(mode 644\\): chmod 600 it" "a key readable by others"
	log_test "--psk-file: one key migrates; a wrong key, one end only, a changed bit: refused, no copy kept"
}

test_migrate_busy
test_text_report
test_kill_sender
test_kill_receiver
test_pause_cmd
test_stall
test_psk
test_bad_input
tap_done
