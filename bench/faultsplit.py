#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Split a perf profile's write-fault time by function, per fault.

    perf script -F comm,period,ip,sym | faultsplit.py MECH FAULTS

Reads perf script's samples (cpu-clock: a sample's period is in ns, its
call chain one address and symbol a line) and keeps dirtybench's samples
taken inside a page fault that allocates nothing: the write faults on
protected pages of the timed loops.  Prints their time per fault, the functions they were
in (self time, ns per fault), and the inclusive time of the fault path's
main steps.
"""
import collections
import sys

# A fault that maps a new page passes one of these: not a write fault on a
# protected page (the region's population before the timed loops).
ALLOC = {"do_anonymous_page", "do_fault", "do_read_fault", "do_shared_fault",
         "__do_fault", "do_cow_fault", "hvk_fault", "do_pte_missing"}
STEPS = ["exc_page_fault", "do_user_addr_fault", "lock_vma_under_rcu",
         "handle_mm_fault", "do_wp_page", "wp_page_reuse", "wp_page_shared",
         "do_page_mkwrite", "hvk_page_mkwrite", "hvk_mark_dirty",
         "finish_mkwrite_fault", "fault_dirty_shared_page", "folio_mark_dirty",
         "irqentry_exit_to_user_mode"]


def samples(lines):
    head, chain = None, []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if head:
                yield head, chain
            head, chain = None, []
        elif head is None:
            head = line.split()
        else:
            f = line.split()
            # a kernel frame's symbol; a user frame is "user"
            chain.append(f[-1] if f[0].startswith("ffffffff") else "user")
    if head:
        yield head, chain


def main():
    mech, faults = sys.argv[1], int(sys.argv[2])
    self_ns = collections.Counter()
    incl_ns = collections.Counter()
    total = 0
    for head, chain in samples(sys.stdin):
        if len(head) < 2 or head[0] != "dirtybench":
            continue
        if "asm_exc_page_fault" not in chain or ALLOC.intersection(chain):
            continue
        at = chain.index("asm_exc_page_fault")
        if at + 1 < len(chain) and chain[at + 1] != "user":
            continue  # a fault taken in the kernel (exec, copy_to_user)
        period = int(head[1])
        total += period
        self_ns[chain[0] if chain else "?"] += period
        for step in set(chain).intersection(STEPS):
            incl_ns[step] += period
    print(f"\n{mech}: write faults on protected pages, {faults} faults, "
          f"{total / faults:.0f} ns per fault in the kernel")
    print("  self time per fault (ns), top functions:")
    for sym, ns in self_ns.most_common(18):
        print(f"    {ns / faults:8.0f}  {100 * ns / max(total, 1):5.1f} %  {sym}")
    print("  inclusive time per fault (ns) of the path's steps:")
    for step in STEPS:
        if incl_ns[step]:
            print(f"    {incl_ns[step] / faults:8.0f}  {step}")


if __name__ == "__main__":
    main()
