#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz both families and the region ioctls at once, from the three places a
# hostile tenant can stand:
#   - nlfuzz.py (requests built from the YAML specs, then mutated) as root in
#     a network namespace of its own with veths, switches and regions to hit;
#   - the same as nobody (no capabilities) in the initial namespaces;
#   - the same as root of a user namespace that owns a fresh network
#     namespace (where it may create switches);
#   - iocfuzz (dirty-log ioctls under write/truncate/punch/mmap churn) on a
#     root region, as nobody on a region nobody owns, and as root of a user
#     namespace nobody made.
# HVK_FUZZ_N requests per fuzzer (make check 2000; make stress 100000; the
# documented long run 1000000), HVK_FUZZ_SEED to reproduce a run.  Pass =
# each fuzzer's own checks, no kernel complaint (the harness), and both
# modules still answer and unload cleanly afterwards.
set -u
# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=selftests/mem/common.sh
. "$(dirname "$0")/../mem/common.sh"

N=${HVK_FUZZ_N:-2000}
SEED=${HVK_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
NLFUZZ=("python3" "$HVK_TOP/selftests/core/nlfuzz.py"
	--spec "$HVK_TOP/Documentation/netlink/specs/hvk_switch.yaml"
	--spec "$HVK_TOP/Documentation/netlink/specs/hvk_mem.yaml")
IOCFUZZ=$HVK_BUILD/selftests/iocfuzz
OUT=$(mktemp -d)

cleanup()
{
	ip netns del fz 2>/dev/null
	umount "$MNT" 2>/dev/null
	rm -rf "$OUT"
	return 0
}
trap cleanup EXIT

# Objects for well-typed requests to hit: veths, a switch with ports.
setup_net()
{
	ip link add fzv0 type veth peer name fzv1 &&
	ip link add fzv2 type veth peer name fzv3 &&
	ip link set fzv0 up && ip link set fzv2 up &&
	"$HVK" switch add fzsw0 && "$HVK" port add fzsw0 fzv0 && "$HVK" port add fzsw0 fzv2
}

modprobe hvk_switch && modprobe hvk_mem || exit "$KSFT_SKIP"
mount_hvkmem "size=64M,mode=1777" || exit "$KSFT_SKIP"
echo "# seed $SEED, $N requests per fuzzer"
truncate -s 1M "$MNT/root1" "$MNT/root2"
as_nobody sh -c "umask 077 && truncate -s 1M $MNT/tenant $MNT/tenant_ns"
"$HVK" mem set "$MNT/root1" merge on > /dev/null
ip netns add fz
HVK_IN_NS=$(declare -f setup_net); export HVK HVK_IN_NS
n fz bash -c "$HVK_IN_NS; setup_net" || { echo "# setup failed"; exit 1; }

n fz "${NLFUZZ[@]}" -n "$N" --seed "$SEED" > "$OUT/root" 2>&1 &
p_root=$!
as_nobody "${NLFUZZ[@]}" -n "$N" --seed "$((SEED + 1))" > "$OUT/nobody" 2>&1 &
p_nobody=$!
as_nobody unshare --user --map-root-user --net bash -c \
	"$HVK_IN_NS; setup_net && exec \"\$@\"" - \
	"${NLFUZZ[@]}" -n "$N" --seed "$((SEED + 2))" > "$OUT/userns" 2>&1 &
p_userns=$!
"$IOCFUZZ" "$MNT/root2" "$((N * 10))" "$SEED" > "$OUT/ioc" 2>&1 &
p_ioc=$!
as_nobody "$IOCFUZZ" "$MNT/tenant" "$((N * 5))" "$((SEED + 3))" > "$OUT/ioc_nobody" 2>&1 &
p_ioc_nobody=$!
as_nobody unshare --user --map-root-user "$IOCFUZZ" "$MNT/tenant_ns" "$((N * 5))" "$((SEED + 4))" \
	> "$OUT/ioc_userns" 2>&1 &
p_ioc_userns=$!

verdict()
{
	local pid=$1 name=$2 what=$3

	wait "$pid"
	check_err $? "$(tail -n 3 "$OUT/$name" | tr '\n' ' ')"
	sed 's/^/# /' "$OUT/$name" | head -n 12
	log_test "$what"
}
verdict $p_root root "netlink fuzz as root in its own netns (both families)"
verdict $p_nobody nobody "netlink fuzz as nobody"
verdict $p_userns userns "netlink fuzz as root of a user namespace"
verdict $p_ioc ioc "ioctl fuzz under churn as root"
verdict $p_ioc_nobody ioc_nobody "ioctl fuzz under churn as the file's owner (nobody)"
verdict $p_ioc_userns ioc_userns "ioctl fuzz under churn as root of a user namespace (nobody's)"

# Still answering, and nothing left holding either module.
"$HVK" switch show > /dev/null
check_err $? "hvk switch show failed after the fuzz"
"$HVK" mem show > /dev/null
check_err $? "hvk mem show failed after the fuzz"
ip netns del fz
umount "$MNT"
for m in hvk_switch hvk_mem; do
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		modprobe -r "$m" 2>/dev/null && break
		sleep 1
	done
	! lsmod | grep -q "^$m "
	check_err $? "$m does not unload after the fuzz"
done
log_test "both modules answer and unload after the fuzz"

tap_done
