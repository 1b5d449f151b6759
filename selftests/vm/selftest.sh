#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of the guest harness (TAP): it must pass the command's exit status
# through, and fail a run whose kernel warned or was tainted, even when the
# command itself succeeded.  Three boots.
set -u
RUN=$(dirname "$0")/run
n=0 failed=0

expect()
{
	local want=$1 what=$2 got
	shift 2
	"$RUN" --quiet --timeout 300 -- "$@" > /dev/null 2>&1
	got=$?
	n=$((n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $n - harness: $what (status $got)"
	else
		echo "not ok $n - harness: $what (status $got, expected $want)"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
echo "1..3"
expect 3 "command status passes through" sh -c 'exit 3'
expect 125 "a kernel WARNING fails the run" modprobe hvk_warn_test
expect 125 "a taint other than O/E fails the run" sh -c 'echo 64 > /proc/sys/kernel/tainted'
exit $((failed > 0))
