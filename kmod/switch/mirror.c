// SPDX-License-Identifier: GPL-2.0
/*
 * Mirroring.  A copy is a clone of the frame as it is on the wire of the
 * mirrored port: as received for ingress, as sent (tags included) for
 * egress.  An RSPAN VID adds an 802.1Q tag outside whatever the frame
 * carries.  Copies go straight to the destination's transmit queue; they
 * are never switched.
 */
#include <linux/if_vlan.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include "mirror.h"
#include "netlink.h"
#include "port.h"
#include "switch.h"

void hvk_mirror_copy(struct hvk_mirror *m, struct sk_buff *skb)
{
	struct hvk_port *dest = READ_ONCE(m->dest);
	struct sk_buff *copy;

	if (unlikely(!hvk_port_forwarding(dest)))
		goto drop;
	copy = skb_clone(skb, GFP_ATOMIC);
	if (unlikely(!copy))
		goto drop;
	/* From the MAC header, wherever the datapath had data. */
	if (skb_mac_offset(copy) < 0)
		__skb_push(copy, -skb_mac_offset(copy));
	if (m->truncate && copy->len > m->truncate) {
		if (pskb_trim(copy, m->truncate))
			goto drop_copy;
		/*
		 * A cut frame is one frame, with no checksum left to finish:
		 * neither segmentation nor checksum offload may act on what
		 * the original's state describes past the cut.
		 */
		skb_gso_reset(copy);
		if (copy->ip_summed == CHECKSUM_PARTIAL)
			copy->ip_summed = CHECKSUM_NONE;
	}
	if (m->vid && skb_vlan_push(copy, htons(ETH_P_8021Q), m->vid))
		goto drop_copy;
	copy->dev = dest->dev;
	atomic64_inc(&m->packets);
	atomic64_add(copy->len, &m->bytes);
	dev_queue_xmit(copy);
	return;

drop_copy:
	kfree_skb(copy);
drop:
	atomic64_inc(&m->drops);
}

struct hvk_mirror *hvk_mirror_find(struct hvk_switch *sw, const char *name)
{
	struct hvk_mirror *m;

	list_for_each_entry(m, &sw->mirrors, list)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

void hvk_mirror_destroy(struct hvk_mirror *m, struct genl_info *info)
{
	struct hvk_port *p;

	ASSERT_RTNL();
	hvk_switch_nl_mirror_notify(m, HVK_SWITCH_CMD_MIRROR_DEL, info);
	list_for_each_entry(p, &m->sw->ports, list) {
		if (rtnl_dereference(p->mirror_rx) == m)
			RCU_INIT_POINTER(p->mirror_rx, NULL);
		if (rtnl_dereference(p->mirror_tx) == m)
			RCU_INIT_POINTER(p->mirror_tx, NULL);
	}
	list_del_rcu(&m->list);
	hvk_switch_changed();
	kfree_rcu(m, rcu);
}

void hvk_mirror_port_gone(struct hvk_port *port)
{
	struct hvk_mirror *m, *tmp;

	list_for_each_entry_safe(m, tmp, &port->sw->mirrors, list)
		if (m->dest == port)
			hvk_mirror_destroy(m, NULL);
	RCU_INIT_POINTER(port->mirror_rx, NULL);
	RCU_INIT_POINTER(port->mirror_tx, NULL);
}
