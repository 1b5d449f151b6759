# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Kernel log lines that fail a test run whatever the test says: sourced by
# the guest harness (selftests/vm/guest-init) and by the kselftest runner
# (selftests/run_kselftest.sh), so the two cannot disagree.
# shellcheck disable=SC2034
KERNEL_BAD='WARNING:|BUG:|Oops|refcount_t:|list_(add|del) corruption|soft lockup|hard LOCKUP|rcu_.*stall|blocked for more than|Kernel panic|general protection fault|UBSAN:|KASAN:|kernel BUG|unreferenced object'
