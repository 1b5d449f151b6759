// SPDX-License-Identifier: GPL-2.0
/*
 * Security policy, storm control and the eBPF port filter.  The policy
 * objects are immutable once published except for the sticky address,
 * which the datapath sets once with a compare-and-exchange.
 */
#include <linux/filter.h>
#include <linux/slab.h>
#include <linux/pkt_cls.h>

#include "policy.h"

#define STICKY_SET	BIT_ULL(48)

struct hvk_sec_policy *hvk_security_new(unsigned int n_macs)
{
	struct hvk_sec_policy *sec;

	sec = kzalloc(struct_size(sec, macs, n_macs), GFP_KERNEL_ACCOUNT);
	if (!sec)
		return NULL;
	sec->n_macs = n_macs;
	atomic64_set(&sec->sticky, 0);
	return sec;
}

bool hvk_security_owns(const struct hvk_sec_policy *sec, const u8 *mac)
{
	unsigned int i;
	u64 sticky;

	for (i = 0; i < sec->n_macs; i++)
		if (ether_addr_equal(sec->macs[i], mac))
			return true;
	if (sec->n_macs)
		return false;
	sticky = atomic64_read(&sec->sticky);
	return sticky && ether_addr_to_u64(mac) == (sticky & ~STICKY_SET);
}

void hvk_security_stick(struct hvk_sec_policy *sec, const u8 *src)
{
	if (sec->n_macs || atomic64_read(&sec->sticky))
		return;
	atomic64_cmpxchg(&sec->sticky, 0, ether_addr_to_u64(src) | STICKY_SET);
}

bool hvk_security_sticky(const struct hvk_sec_policy *sec, u8 *mac)
{
	u64 sticky = atomic64_read(&sec->sticky);

	if (!sticky)
		return false;
	u64_to_ether_addr(sticky & ~STICKY_SET, mac);
	return true;
}

struct hvk_storm_limits *hvk_storm_new(u32 bcast, u32 mcast, u32 unknown)
{
	struct hvk_storm_limits *st = kzalloc(sizeof(*st), GFP_KERNEL_ACCOUNT);

	if (!st)
		return NULL;
	hvk_pps_limit_init(&st->bcast, bcast);
	hvk_pps_limit_init(&st->mcast, mcast);
	hvk_pps_limit_init(&st->unknown, unknown);
	return st;
}

/*
 * As cls_bpf runs a direct-action program at ingress: the data pointers
 * span the whole frame from its MAC header.  TC_ACT_SHOT and the verdicts
 * that would take the frame away (stolen, queued, trap, redirect, which a
 * switch port filter does not support) drop it; everything else passes.
 */
bool hvk_filter_drop(const struct bpf_prog *prog, struct sk_buff *skb)
{
	unsigned int mac_len = -skb_mac_offset(skb);
	u32 res;

	__skb_push(skb, mac_len);
	bpf_compute_data_pointers(skb);
	res = bpf_prog_run(prog, skb);
	__skb_pull(skb, mac_len);

	switch (res) {
	case TC_ACT_SHOT:
	case TC_ACT_STOLEN:
	case TC_ACT_QUEUED:
	case TC_ACT_TRAP:
	case TC_ACT_REDIRECT:
		return true;
	default:
		return false;
	}
}
