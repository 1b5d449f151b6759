# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers of the guest suites (kselftest style, TAP output).
#   RET=0; cmd; check_err $? "what went wrong"; log_test "what was tested"
# Each suite ends with tap_done.  A suite that cannot run exits 4 (skip).

# Sourced once per suite: a suite that goes on with another's checks (deb.sh
# ends with smoke.sh's) keeps one TAP stream.
[ -n "${HVK_LIB_SOURCED:-}" ] && return 0
HVK_LIB_SOURCED=1
: "${HVK_TOP:?HVK_TOP must be set (the harness sets it)}"
HVK_BUILD=${HVK_BUILD:-$HVK_TOP/build}
# HVK_INSTALLED=1 (run_kselftest.sh -i, the autopkgtest): the installed tools.
if [ -n "${HVK_INSTALLED:-}" ]; then
	HVK=$(PATH=$PATH:/usr/sbin:/sbin command -v hvk)
	HVK_MIGRATE=$(command -v hvk-migrate)
else
	HVK=$HVK_BUILD/bin/hvk
	HVK_MIGRATE=$HVK_BUILD/bin/hvk-migrate
fi
NLTEST=$HVK_BUILD/selftests/nltest
KSFT_SKIP=4

TAP_N=0
TAP_FAILED=0
RET=0
RET_MSG=""

echo "TAP version 13"

# n NS CMD...: run CMD in network namespace NS.
n()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

# as_nobody CMD...: run CMD as an unprivileged user without capabilities.
as_nobody()
{
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$@"
}

# check_err STATUS MSG: fail the current test unless STATUS is 0.
check_err()
{
	if [ "$1" -ne 0 ] && [ "$RET" -eq 0 ]; then
		RET=1
		RET_MSG=$2
	fi
}

# check_fail STATUS MSG: fail the current test if STATUS is 0.
check_fail()
{
	if [ "$1" -eq 0 ] && [ "$RET" -eq 0 ]; then
		RET=1
		RET_MSG=$2
	fi
}

# check_match TEXT PATTERN MSG: fail unless TEXT matches the ERE PATTERN.
check_match()
{
	if ! printf '%s\n' "$1" | grep -qE -- "$2"; then
		check_err 1 "$3: got '$1'"
	fi
}

log_test()
{
	TAP_N=$((TAP_N + 1))
	if [ "$RET" -eq 0 ]; then
		echo "ok $TAP_N - $1"
	else
		echo "not ok $TAP_N - $1"
		echo "# $RET_MSG"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
	RET=0
	RET_MSG=""
}

log_skip()
{
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

tap_done()
{
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}
