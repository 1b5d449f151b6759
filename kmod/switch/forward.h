/* SPDX-License-Identifier: GPL-2.0 */
/* The datapath: from an ingress port to egress ports.  RCU only. */
#ifndef _HVK_SWITCH_FORWARD_H
#define _HVK_SWITCH_FORWARD_H

#include <linux/skbuff.h>

struct hvk_port;

/*
 * Switch @skb, received on @in: skb->data at the network header, the MAC
 * header set.  Consumes @skb.  Caller holds rcu_read_lock with BHs off.
 */
void hvk_forward(struct hvk_port *in, struct sk_buff *skb);

#endif /* _HVK_SWITCH_FORWARD_H */
