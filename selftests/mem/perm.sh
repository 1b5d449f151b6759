#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who may see and steer guest memory (Documentation/mem.md): the matrix of
# principals against every hvk_mem operation.  Memory is not networking:
# CAP_NET_ADMIN (a container, a network daemon) grants nothing.
#
#   /run/hvkmem (1777)
#     open/vm1     root, 0644, directory 0755   readable by everybody
#     closed/vm2   root, 0600, directory 0700   root's alone
#     mine         nobody, 0600                 nobody owns it
#
#   principals: root | nobody | nobody + ambient CAP_NET_ADMIN |
#               root of a user namespace (and netns) that nobody made
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=selftests/mem/common.sh
. "$(dirname "$0")/common.sh"

# The spec-driven client, for requests hvk would not send.
YNL=(python3 "$HVK_TOP/scripts/ynl" --spec "$HVK_TOP/Documentation/netlink/specs/hvk_mem.yaml")

cleanup()
{
	umount "$MNT" 2>/dev/null
	return 0
}
trap cleanup EXIT

as_netadmin()
{
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin \
		--bounding-set=-all,+net_admin "$@"
}

as_userns_root()
{
	as_nobody unshare --user --map-root-user --net "$@"
}

# shown AS...: the region paths hvk lists for that principal, sorted, one line.
shown()
{
	"$@" "$HVK" -j mem show | jq -r '[.[].path] | sort | join(" ")'
}

test_setup()
{
	local out

	RET=0
	mount_hvkmem "size=64m,mode=1777"; check_err $? "mount"
	mkdir -m 0755 "$MNT/open"
	mkdir -m 0700 "$MNT/closed"
	(umask 022 && truncate -s 1M "$MNT/open/vm1")
	(umask 077 && truncate -s 1M "$MNT/closed/vm2")
	as_nobody sh -c "umask 077 && truncate -s 1M $MNT/mine"
	check_err $? "nobody's region"
	out=$(as_netadmin grep CapEff /proc/self/status)
	check_match "$out" "0000000000001000$" "the CAP_NET_ADMIN principal"
	out=$(as_userns_root grep CapEff /proc/self/status)
	check_match "$out" "000001ffffffffff$" "the user namespace root"
	log_test "perm: regions of root and nobody, the four principals"
}

test_visibility()
{
	local out all="$MNT/closed/vm2 $MNT/mine $MNT/open/vm1"
	local theirs="$MNT/mine $MNT/open/vm1" id

	RET=0
	out=$(shown); [ "$out" = "$all" ]; check_err $? "root sees: $out"
	out=$(shown as_nobody); [ "$out" = "$theirs" ]; check_err $? "nobody sees: $out"
	out=$(shown as_netadmin); [ "$out" = "$theirs" ]; check_err $? "CAP_NET_ADMIN sees: $out"
	out=$(shown as_userns_root); [ "$out" = "$theirs" ]; check_err $? "userns root sees: $out"
	id=$("$HVK" -j mem show "$MNT/closed/vm2" | jq .[0].id)
	out=$(as_nobody "${YNL[@]}" --do region-get --json "{\"id\": $id}" 2>&1)
	check_match "$out" "no such region" "nobody got vm2 by id: $out"
	out=$(as_nobody timeout 2 "$HVK" monitor mem 2>&1)
	check_match "$out" "Operation not permitted" "nobody subscribed to events: $out"
	log_test "perm: regions shown to who could open them, events to CAP_SYS_ADMIN"
}

test_region_settings()
{
	local out id

	RET=0
	out=$(as_netadmin "$HVK" mem set "$MNT/open/vm1" merge on 2>&1)
	check_match "$out" "needs CAP_SYS_ADMIN or ownership" "CAP_NET_ADMIN set vm1: $out"
	out=$(as_netadmin "$HVK" mem dirtyrate "$MNT/open/vm1" duration 100ms 2>&1)
	check_match "$out" "needs CAP_SYS_ADMIN or ownership" "CAP_NET_ADMIN sampled vm1: $out"
	out=$(as_nobody "$HVK" mem set "$MNT/open/vm1" merge on 2>&1)
	check_match "$out" "needs CAP_SYS_ADMIN or ownership" "nobody set vm1: $out"
	out=$(as_userns_root "$HVK" mem set "$MNT/open/vm1" merge on 2>&1)
	check_match "$out" "needs CAP_SYS_ADMIN or ownership" "userns root set vm1: $out"
	id=$("$HVK" -j mem show "$MNT/closed/vm2" | jq .[0].id)
	out=$(as_netadmin "${YNL[@]}" --do region-set --json "{\"id\": $id, \"merge\": {\"enabled\": 0}}" 2>&1)
	check_match "$out" "no such region" "CAP_NET_ADMIN set vm2 by id: $out"
	out=$("$HVK" -j mem show "$MNT/open/vm1" | jq -c '.[0].merge.enabled')
	[ "$out" = false ]; check_err $? "vm1 changed: $out"
	# the owner: merging on and off in its own domain, never a shared one
	as_nobody "$HVK" mem set "$MNT/mine" merge on; check_err $? "owner merge on"
	as_userns_root "$HVK" mem set "$MNT/mine" merge off; check_err $? "owner (userns) merge off"
	as_nobody "$HVK" mem dirtyrate "$MNT/mine" duration 100ms > /dev/null
	check_err $? "owner dirtyrate"
	out=$(as_nobody "$HVK" mem set "$MNT/mine" merge on domain tenant 2>&1)
	check_match "$out" "naming a shared merge domain needs CAP_SYS_ADMIN" "owner joined a domain: $out"
	out=$("$HVK" -j mem show "$MNT/mine" | jq -c '[.[0].merge.enabled, .[0].merge.domain]')
	[ "$out" = '[false,""]' ]; check_err $? "mine changed: $out"
	"$HVK" mem set "$MNT/open/vm1" merge on domain tenant; check_err $? "root set vm1"
	"$HVK" mem set "$MNT/mine" merge on domain tenant; check_err $? "root set mine"
	log_test "perm: a region's settings for CAP_SYS_ADMIN or its owner; shared domains for CAP_SYS_ADMIN"
}

test_host_controls()
{
	local out before

	RET=0
	before=$("$HVK" -j merge show | jq -c '[.run, .sleep_ms]')
	for who in as_nobody as_netadmin as_userns_root; do
		out=$($who "$HVK" merge set sleep-ms 7 2>&1)
		check_match "$out" "merge controls need CAP_SYS_ADMIN" "$who merge set: $out"
		out=$($who "$HVK" merge set run unmerge 2>&1)
		check_match "$out" "merge controls need CAP_SYS_ADMIN" "$who unmerge: $out"
		out=$($who "$HVK" ksm show pid 1 2>&1)
		check_match "$out" "KSM controls need CAP_SYS_ADMIN" "$who ksm show: $out"
	done
	out=$("$HVK" -j merge show | jq -c '[.run, .sleep_ms]')
	[ "$out" = "$before" ]; check_err $? "controls changed: $before -> $out"
	out=$(as_netadmin "$HVK" -j merge show | jq -c '[.run, .sleep_ms]')
	[ "$out" = "$before" ]; check_err $? "statistics hidden from CAP_NET_ADMIN: $out"
	"$HVK" merge set sleep-ms 21 > /dev/null; check_err $? "root merge set"
	log_test "perm: host-wide merge and KSM controls for CAP_SYS_ADMIN only (statistics for all)"
}

sysctl -qw kernel.unprivileged_userns_clone=1 2>/dev/null
test_setup
test_visibility
test_region_settings
test_host_controls
tap_done
