/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-port policy on the datapath: security (forged transmits, MAC changes,
 * promiscuous, locked, MAC limits), storm control and the eBPF filter.
 * Each is an RCU-replaced object; the admin side holds RTNL.
 */
#ifndef _HVK_SWITCH_POLICY_H
#define _HVK_SWITCH_POLICY_H

#include <linux/atomic.h>
#include <linux/etherdevice.h>
#include <linux/skbuff.h>

#include "rate.h"

struct bpf_prog;

struct hvk_sec_policy {
	bool forged_reject;
	bool mac_change_reject;
	bool promisc_reject;
	bool locked;
	u32 max_macs;			/* 0 = no limit */
	/* With no list, the first source seen: MAC in bits 0-47, bit 48 = set. */
	atomic64_t sticky;
	struct rcu_head rcu;
	unsigned int n_macs;
	u8 macs[][ETH_ALEN];
};

struct hvk_storm_limits {
	struct hvk_pps_limit bcast, mcast, unknown;
	struct rcu_head rcu;
};

struct hvk_sec_policy *hvk_security_new(unsigned int n_macs);
/* Is @mac the port's own address (listed, or the sticky one)? */
bool hvk_security_owns(const struct hvk_sec_policy *sec, const u8 *mac);
/* Record @src as the sticky address if the policy has none yet. */
void hvk_security_stick(struct hvk_sec_policy *sec, const u8 *src);
/* The sticky address into @mac; false if there is none. */
bool hvk_security_sticky(const struct hvk_sec_policy *sec, u8 *mac);

struct hvk_storm_limits *hvk_storm_new(u32 bcast, u32 mcast, u32 unknown);

/* Run @prog on @skb (data at the network header); true = drop. */
bool hvk_filter_drop(const struct bpf_prog *prog, struct sk_buff *skb);

#endif /* _HVK_SWITCH_POLICY_H */
