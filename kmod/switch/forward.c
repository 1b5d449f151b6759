// SPDX-License-Identifier: GPL-2.0
/*
 * The datapath.  Every frame is classified into one VLAN at ingress, its
 * source learned as (MAC, VID), then sent to the port the FDB knows for its
 * destination or flooded to every other port of that VLAN.  Nothing here
 * linearizes or segments: GSO frames go out as they came in, and the egress
 * device's own xmit path adapts them to its features.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rculist.h>

#include "fdb.h"
#include "forward.h"
#include "port.h"
#include "switch.h"
#include "vlan.h"

/* Hand a frame leaving through the host port to the switch device's stack. */
static void deliver_host(struct hvk_port *host, struct sk_buff *skb)
{
	struct net_device *dev = host->dev;
	const u8 *dest = eth_hdr(skb)->h_dest;

	skb->dev = dev;
	if (!is_multicast_ether_addr(dest))
		skb->pkt_type = ether_addr_equal(dest, dev->dev_addr) ?
				PACKET_HOST : PACKET_OTHERHOST;
	hvk_port_count_tx(host, skb->len + ETH_HLEN);
	dev_sw_netstats_rx_add(dev, skb->len + ETH_HLEN);
	netif_receive_skb(skb);
}

static void egress(struct hvk_port *out, struct sk_buff *skb, u16 vid, u16 pcp)
{
	const struct hvk_vlan *v = rcu_dereference(out->vlan);
	enum hvk_drop_reason reason;

	if (unlikely(!hvk_vlan_egress_member(v, vid))) {
		reason = HVK_DROP_VLAN_EGRESS;
		goto drop;
	}
	if (unlikely(!hvk_port_forwarding(out))) {
		reason = HVK_DROP_PORT_DOWN;
		goto drop;
	}
	hvk_vlan_egress_tag(out->sw, v, skb, vid, pcp);
	if (out->host) {
		deliver_host(out, skb);
		return;
	}

	skb_push(skb, ETH_HLEN);
	if (unlikely(!is_skb_forwardable(out->dev, skb))) {
		reason = HVK_DROP_MTU;
		goto drop;
	}
	skb->dev = out->dev;
	skb_forward_csum(skb);
	hvk_port_count_tx(out, skb->len);
	dev_queue_xmit(skb);
	return;

drop:
	hvk_port_count_drop(out, reason);
	kfree_skb(skb);
}

/* Every port of the VLAN but the ingress one gets a copy; the last the original. */
static void flood(struct hvk_switch *sw, struct hvk_port *in, struct sk_buff *skb,
		  u16 vid, u16 pcp, bool unknown_unicast)
{
	struct hvk_port *p, *prev = NULL;

	list_for_each_entry_rcu(p, &sw->ports, list) {
		if (p == in || !hvk_vlan_egress_member(rcu_dereference(p->vlan), vid))
			continue;
		if (unknown_unicast && !READ_ONCE(p->flood)) {
			hvk_port_count_drop(p, HVK_DROP_FLOOD_SUPPRESSED);
			continue;
		}
		if (!hvk_port_forwarding(p)) {
			hvk_port_count_drop(p, HVK_DROP_PORT_DOWN);
			continue;
		}
		if (prev) {
			struct sk_buff *copy = skb_clone(skb, GFP_ATOMIC);

			if (likely(copy))
				egress(prev, copy, vid, pcp);
			else
				hvk_port_count_drop(prev, HVK_DROP_NOMEM);
		}
		prev = p;
	}
	if (prev)
		egress(prev, skb, vid, pcp);
	else
		consume_skb(skb);
}

void hvk_forward(struct hvk_port *in, struct sk_buff *skb)
{
	struct hvk_switch *sw = in->sw;
	enum hvk_drop_reason reason;
	struct hvk_port *out;
	struct hvk_fdb *f;
	const u8 *dest;
	u16 vid, pcp;

	hvk_port_count_rx(in, skb->len + ETH_HLEN);
	if (unlikely(!netif_running(sw->dev))) {
		reason = HVK_DROP_SWITCH_DOWN;
		goto drop;
	}
	if (unlikely(!is_valid_ether_addr(eth_hdr(skb)->h_source))) {
		reason = HVK_DROP_INVALID_SRC;
		goto drop;
	}
	if (unlikely(!hvk_vlan_ingress(sw, rcu_dereference(in->vlan), &skb, &vid, &pcp))) {
		if (!skb) {
			hvk_port_count_drop(in, HVK_DROP_NOMEM);
			return;
		}
		reason = HVK_DROP_VLAN_INGRESS;
		goto drop;
	}

	if (READ_ONCE(in->learning))
		hvk_fdb_learn(sw, in, eth_hdr(skb)->h_source, vid);

	dest = eth_hdr(skb)->h_dest;
	if (is_multicast_ether_addr(dest)) {
		flood(sw, in, skb, vid, pcp, false);
		return;
	}
	if (ether_addr_equal(dest, sw->dev->dev_addr)) {
		out = sw->host;
	} else {
		f = hvk_fdb_find(sw, dest, vid);
		if (!f) {
			flood(sw, in, skb, vid, pcp, true);
			return;
		}
		out = rcu_dereference(f->port);
	}
	if (unlikely(out == in)) {
		reason = HVK_DROP_SAME_PORT;
		goto drop;
	}
	egress(out, skb, vid, pcp);
	return;

drop:
	hvk_port_count_drop(in, reason);
	kfree_skb(skb);
}
