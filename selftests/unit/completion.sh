#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bash completion (tools/completion/hvk) against the tools just built:
# what it offers at each point of a command line, and that the keywords it
# reads from the tools' help are grammar, never prose.  Host-side, TAP.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${HVK_BUILD:-$top/build}/bin
PATH=$bin:$PATH
# shellcheck source=tools/completion/hvk
. "$top/tools/completion/hvk"

n=0 failed=0
# complete WORDS...: COMPREPLY for the command line WORDS (the last is the
# word being completed, possibly empty), one line.
complete_line()
{
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	_hvk_bin=""
	case $1 in
	hvk-migrate) _hvk_migrate ;;
	*) _hvk ;;
	esac
	printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

# expect WHAT PATTERN WORDS...: the completion matches the ERE PATTERN.
expect()
{
	local what=$1 pattern=$2 got

	shift 2
	got=$(complete_line "$@")
	n=$((n + 1))
	if printf '%s' "$got" | grep -qE -- "$pattern"; then
		echo "ok $n - completion: $what"
	else
		echo "not ok $n - completion: $what"
		echo "# for '$*': got '$got', want /$pattern/"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
expect "objects" '^apply fdb help ksm mem merge mirror monitor port save stats switch version$' hvk ""
expect "options, from hvk's usage" '^--batch --force --help --json --pretty --timestamp --version$' hvk --
expect "short and long options" \
	'^--batch --force --help --json --pretty --timestamp --version -V -b -f -h -j -p -t$' hvk -
expect "-batch: a file" "(^| )$(dirname "$0")/completion.sh( |$)" hvk -batch "$(dirname "$0")/"
expect "-batch FILE is no object" '^--batch --force ' hvk -j -batch x --
expect "apply: files" "(^| )$(dirname "$0")/completion.sh( |$)" hvk apply "$(dirname "$0")/"
expect "apply: its options" '^--device --dry-run -d -n$' hvk apply x -
expect "apply --device: devices" '(^| )lo( |$)' hvk apply x --device ""
expect "save: no commands" '(^| )help$' hvk save ""
expect "an object after options" '^switch$' hvk -j -p sw
expect "port commands" '^add del help set show$' hvk port ""
expect "port set: the device" '(^| )lo( |$)' hvk port set ""
expect "port set: keywords of its grammar" \
	'^accept access .*inbound .*security .*trunk unknown-unicast untagged vlan$' hvk port set lo ""
expect "port set: a prefix" '^vlan$' hvk port set lo vl
expect "port set learning: on/off" '^off on$' hvk port set lo learning ""
expect "security actions" '^accept reject$' hvk port set lo security forged-transmits ""
expect "switch add: its options" '^ageing default-pvid max-macs none vlan-protocol$' hvk switch add sw0 ""
expect "vlan-protocol values" '^802.1Q 802.1ad$' hvk switch set sw0 vlan-protocol ""
expect "merge set run" '^off on unmerge$' hvk merge set run ""
expect "mem set: files" "(^| )$(dirname "$0")/completion.sh( |$)" hvk mem set "$(dirname "$0")/"
expect "ksm enable: no command names among keywords" '^pid range$' hvk ksm enable ""
expect "monitor sources" '^all help mem switch$' hvk monitor ""
expect "hvk-migrate roles" '^--help recv send$' hvk-migrate ""
expect "hvk-migrate options from its help" '(^| )--verify( |$).*' hvk-migrate send x --
expect "hvk-migrate --verify" '^full sent$' hvk-migrate send x --verify ""

# No prose: every command of every object, the words offered are keywords
# of the grammar, none of the help's sentences.
prose=""
for obj in $(_hvk_commands ""); do
	for cmd in $(_hvk_commands "$obj"); do
		w=$(_hvk_keywords "$obj" "$cmd" | grep -xE 'the|a|an|of|to|and|or|is|are|its|be|may|with|for|from|by|in|it|default|defaults|number' | tr '\n' ' ')
		[ -n "$w" ] && prose+="$obj $cmd: $w; "
	done
done
n=$((n + 1))
if [ -z "$prose" ]; then
	echo "ok $n - completion: keywords are grammar, not prose"
else
	echo "not ok $n - completion: keywords are grammar, not prose"
	echo "# $prose"
	failed=$((failed + 1))
fi
echo "1..$n"
[ $failed = 0 ]
