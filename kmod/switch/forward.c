// SPDX-License-Identifier: GPL-2.0
/*
 * The datapath.  Every frame is classified into one VLAN at ingress, its
 * source learned as (MAC, VID), then sent to the port the FDB knows for its
 * destination or flooded to every other port of that VLAN.  Nothing here
 * linearizes or segments: GSO frames go out as they came in (only a port's
 * shaper splits one larger than its burst), and the egress device's own
 * xmit path adapts them to its features.
 *
 * Ingress, in order: mirror, eBPF filter, forged-transmits, VLAN, policer,
 * locked / learning limits, storm control.  Egress: VLAN, MAC changes,
 * promiscuous (flooded unicast), tagging, MTU, mirror, shaper.
 */
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rculist.h>

#include "fdb.h"
#include "forward.h"
#include "mirror.h"
#include "netlink.h"
#include "policy.h"
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
	const struct hvk_sec_policy *sec;
	enum hvk_drop_reason reason;
	struct hvk_shaper *shaper;
	struct hvk_mirror *m;

	if (unlikely(!hvk_vlan_egress_member(v, vid))) {
		reason = HVK_DROP_VLAN_EGRESS;
		goto drop;
	}
	if (unlikely(!hvk_port_forwarding(out))) {
		reason = HVK_DROP_PORT_DOWN;
		goto drop;
	}
	sec = rcu_dereference(out->security);
	if (unlikely(sec) && sec->mac_change_reject &&
	    !is_multicast_ether_addr(eth_hdr(skb)->h_dest) &&
	    !hvk_security_owns(sec, eth_hdr(skb)->h_dest)) {
		reason = HVK_DROP_MAC_CHANGE;
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
	m = rcu_dereference(out->mirror_tx);
	if (unlikely(m))
		hvk_mirror_copy(m, skb);
	shaper = rcu_dereference(out->shaper);
	if (shaper) {
		hvk_shaper_xmit(shaper, skb);
		return;
	}
	hvk_port_count_tx(out, skb->len);
	dev_queue_xmit(skb);
	return;

drop:
	hvk_port_drop(out, skb, reason);
}

/* Every port of the VLAN but the ingress one gets a copy; the last the original. */
static void flood(struct hvk_switch *sw, struct hvk_port *in, struct sk_buff *skb,
		  u16 vid, u16 pcp, bool unknown_unicast)
{
	const u8 *dest = eth_hdr(skb)->h_dest;
	struct hvk_port *p, *prev = NULL;
	const struct hvk_sec_policy *sec;

	list_for_each_entry_rcu(p, &sw->ports, list) {
		if (p == in || !hvk_vlan_egress_member(rcu_dereference(p->vlan), vid))
			continue;
		if (unknown_unicast && !READ_ONCE(p->flood)) {
			hvk_port_count_drop(p, HVK_DROP_FLOOD_SUPPRESSED);
			continue;
		}
		sec = rcu_dereference(p->security);
		if (unknown_unicast && unlikely(sec) && sec->promisc_reject &&
		    !hvk_security_owns(sec, dest)) {
			hvk_port_count_drop(p, HVK_DROP_PROMISC);
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

/* Frames from a locked port need a static entry for their source there. */
static bool locked_src_ok(struct hvk_switch *sw, struct hvk_port *in,
			  const u8 *src, u16 vid)
{
	const struct hvk_fdb *f = hvk_fdb_find(sw, src, vid);

	return f && f->is_static && rcu_access_pointer(f->port) == in;
}

/* Over the port's storm limit for this kind of flooded frame?  Sets @reason. */
static bool storm_over(struct hvk_storm_limits *st, const u8 *dest, bool unknown,
		       enum hvk_drop_reason *reason)
{
	struct hvk_pps_limit *l;

	if (unknown) {
		l = &st->unknown;
		*reason = HVK_DROP_STORM_UNKNOWN;
	} else if (is_broadcast_ether_addr(dest)) {
		l = &st->bcast;
		*reason = HVK_DROP_STORM_BROADCAST;
	} else {
		l = &st->mcast;
		*reason = HVK_DROP_STORM_MULTICAST;
	}
	return !hvk_pps_limit_conform(l);
}

void hvk_forward(struct hvk_port *in, struct sk_buff *skb)
{
	struct hvk_switch *sw = in->sw;
	enum hvk_drop_reason reason;
	struct hvk_sec_policy *sec;
	struct hvk_policer *pol;
	struct hvk_storm_limits *storm;
	struct bpf_prog *prog;
	struct hvk_mirror *m;
	struct hvk_port *out;
	const u8 *src, *dest;
	struct hvk_fdb *f;
	bool unknown;
	u16 vid = 0, pcp;

	hvk_port_count_rx(in, skb->len + ETH_HLEN);
	if (unlikely(!netif_running(sw->dev))) {
		reason = HVK_DROP_SWITCH_DOWN;
		goto drop;
	}
	src = eth_hdr(skb)->h_source;
	if (unlikely(!is_valid_ether_addr(src))) {
		reason = HVK_DROP_INVALID_SRC;
		goto drop;
	}
	m = rcu_dereference(in->mirror_rx);
	if (unlikely(m))
		hvk_mirror_copy(m, skb);
	prog = rcu_dereference(in->filter);
	if (prog && hvk_filter_drop(prog, skb)) {
		reason = HVK_DROP_FILTER;
		goto drop;
	}
	src = eth_hdr(skb)->h_source;	/* the filter may have moved data */
	sec = rcu_dereference(in->security);
	if (unlikely(sec)) {
		hvk_security_stick(sec, src);
		if (sec->forged_reject && !hvk_security_owns(sec, src)) {
			reason = HVK_DROP_FORGED;
			goto drop_notify;
		}
	}
	if (unlikely(!hvk_vlan_ingress(sw, rcu_dereference(in->vlan), &skb, &vid, &pcp))) {
		if (!skb) {
			hvk_port_count_drop(in, HVK_DROP_NOMEM);
			return;
		}
		reason = HVK_DROP_VLAN_INGRESS;
		goto drop;
	}
	src = eth_hdr(skb)->h_source;
	pol = rcu_dereference(in->policer);
	if (pol && !hvk_policer_conform(pol, skb)) {
		reason = HVK_DROP_POLICER;
		goto drop;
	}

	if (unlikely(sec && sec->locked)) {
		if (!locked_src_ok(sw, in, src, vid)) {
			reason = HVK_DROP_LOCKED;
			goto drop_notify;
		}
	} else if (READ_ONCE(in->learning) &&
		   !hvk_fdb_learn(sw, in, src, vid, sec ? sec->max_macs : 0, &reason)) {
		goto drop_notify;
	}

	dest = eth_hdr(skb)->h_dest;
	out = NULL;
	if (is_multicast_ether_addr(dest)) {
		unknown = false;
	} else if (ether_addr_equal(dest, sw->dev->dev_addr)) {
		out = sw->host;
	} else {
		f = hvk_fdb_find(sw, dest, vid);
		unknown = !f;
		if (f)
			out = rcu_dereference(f->port);
	}
	if (!out) {
		storm = rcu_dereference(in->storm);
		if (storm && storm_over(storm, dest, unknown, &reason))
			goto drop;
		flood(sw, in, skb, vid, pcp, unknown);
		return;
	}
	if (unlikely(out == in)) {
		reason = HVK_DROP_SAME_PORT;
		goto drop;
	}
	egress(out, skb, vid, pcp);
	return;

drop_notify:
	hvk_switch_nl_security_notify(in, reason, src, vid);
drop:
	hvk_port_drop(in, skb, reason);
}
