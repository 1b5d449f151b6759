/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A switch port: an Ethernet netdevice attached to a switch, or the switch
 * device itself (the host port).
 */
#ifndef _HVK_SWITCH_PORT_H
#define _HVK_SWITCH_PORT_H

#include <linux/netdevice.h>
#include <linux/ratelimit.h>
#include <linux/u64_stats_sync.h>
#include <linux/hvk_switch.h>
#include <linux/skbuff.h>

#include "compat.h"
#include "vlan.h"

struct genl_info;
struct hvk_switch;
struct hvk_sec_policy;
struct hvk_storm_limits;
struct hvk_policer;
struct hvk_shaper;
struct hvk_mirror;
struct bpf_prog;

enum hvk_drop_reason {
	HVK_DROP_VLAN_INGRESS,
	HVK_DROP_VLAN_EGRESS,
	HVK_DROP_SAME_PORT,
	HVK_DROP_PORT_DOWN,
	HVK_DROP_FLOOD_SUPPRESSED,
	HVK_DROP_INVALID_SRC,
	HVK_DROP_MTU,
	HVK_DROP_NOMEM,
	HVK_DROP_SWITCH_DOWN,
	/* after the ABI's pad attribute: */
	HVK_DROP_SHAPER,
	HVK_DROP_POLICER,
	HVK_DROP_STORM_BROADCAST,
	HVK_DROP_STORM_MULTICAST,
	HVK_DROP_STORM_UNKNOWN,
	HVK_DROP_FORGED,
	HVK_DROP_MAC_CHANGE,
	HVK_DROP_PROMISC,
	HVK_DROP_MAC_LIMIT,
	HVK_DROP_SWITCH_MAC_LIMIT,
	HVK_DROP_LOCKED,
	HVK_DROP_FILTER,
	HVK_DROP_MAX
};

struct hvk_port_pcpu_stats {
	u64_stats_t rx_packets;
	u64_stats_t rx_bytes;
	u64_stats_t tx_packets;
	u64_stats_t tx_bytes;
	u64_stats_t drops[HVK_DROP_MAX];
	struct u64_stats_sync syncp;
};

struct hvk_port_counters {
	u64 rx_packets, rx_bytes, tx_packets, tx_bytes;
	u64 drops[HVK_DROP_MAX];
};

struct hvk_port {
	struct list_head list;		/* in sw->ports */
	struct hvk_switch *sw;
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	struct hvk_vlan __rcu *vlan;	/* replaced whole under RTNL */
	bool learning;
	bool flood;
	bool host;
	struct hvk_port_pcpu_stats __percpu *stats;
	/* Policy, each replaced whole under RTNL; NULL = none. */
	struct hvk_sec_policy __rcu *security;
	struct hvk_storm_limits __rcu *storm;
	struct hvk_policer __rcu *policer;	/* outbound: port -> switch */
	struct hvk_shaper __rcu *shaper;	/* inbound: switch -> port */
	struct bpf_prog __rcu *filter;
	struct hvk_mirror __rcu *mirror_rx;
	struct hvk_mirror __rcu *mirror_tx;
	atomic_t n_macs;			/* dynamic FDB entries here */
	struct ratelimit_state ntf_limit;	/* security notifications */
	struct rcu_head rcu;
};

/*
 * Attach @dev to @sw, let @setup (may be NULL) configure the new port, then
 * announce it (PORT_ADD); RTNL held.  Every way a port is added comes here.
 */
int hvk_port_attach(struct hvk_switch *sw, struct net_device *dev,
		    void (*setup)(struct hvk_port *port, void *arg), void *arg,
		 struct netlink_ext_ack *extack);
/* Announce (PORT_DEL, echoing @info's request if any) and detach; RTNL held. */
void hvk_port_detach(struct hvk_port *port, struct genl_info *info);
/* Detach without an event: the switch itself is going (SWITCH_DEL says so). */
void hvk_port_release(struct hvk_port *port);
struct hvk_port *hvk_port_create_host(struct hvk_switch *sw);
void hvk_port_destroy_host(struct hvk_port *port);

/* The port @dev is attached as, or NULL.  RTNL or RCU. */
struct hvk_port *hvk_port_of(const struct net_device *dev);
/* Switch @sw's port with @ifindex (host port included), or NULL; RTNL held. */
struct hvk_port *hvk_port_by_ifindex(struct hvk_switch *sw, u32 ifindex);

bool hvk_port_forwarding(const struct hvk_port *port);
/*
 * A port's policy objects as a request replaces them, built and checked
 * before anything changes.  Each set_* object replaces the port's even when
 * it is NULL (off); a NULL vlan leaves the port's.
 */
struct hvk_port_policy {
	struct hvk_vlan *vlan;
	struct hvk_shaper *shaper;
	struct hvk_policer *policer;
	struct hvk_storm_limits *storm;
	struct hvk_sec_policy *security;
	struct bpf_prog *filter;
	bool set_shaper, set_policer, set_storm, set_security, set_filter;
};

/*
 * The one way a port's policy changes: publish @p's objects (RCU), free the
 * replaced ones after readers are done; consumes @p.  RTNL held.
 */
void hvk_port_publish(struct hvk_port *port, struct hvk_port_policy *p);
void hvk_port_read_stats(const struct hvk_port *port, struct hvk_port_counters *s);

int hvk_port_init(void);
void hvk_port_uninit(void);

static inline void hvk_port_count_drop(struct hvk_port *port,
				       enum hvk_drop_reason reason)
{
	struct hvk_port_pcpu_stats *s = this_cpu_ptr(port->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->drops[reason]);
	u64_stats_update_end(&s->syncp);
}

/*
 * The kernel's drop reason closest to hvk's, for the skb:kfree_skb
 * tracepoint.  The core has none for VLANs, storms, policers, port
 * security or filters, and a module cannot add its own (the subsystems of
 * reasons are a fixed list): those drops are NOT_SPECIFIED there, and
 * named in hvk's per-port counters.
 */
static inline enum skb_drop_reason hvk_skb_drop_reason(enum hvk_drop_reason reason)
{
	switch (reason) {
	case HVK_DROP_PORT_DOWN:
	case HVK_DROP_SWITCH_DOWN:
		return SKB_DROP_REASON_DEV_READY;
	case HVK_DROP_SHAPER:
		return SKB_DROP_REASON_QDISC_DROP;
	case HVK_DROP_NOMEM:
		return HVK_SKB_DROP_NOMEM;
	case HVK_DROP_MTU:
		return HVK_SKB_DROP_TOO_BIG;
	case HVK_DROP_INVALID_SRC:
	case HVK_DROP_FORGED:
		return HVK_SKB_DROP_INVALID_SRC;
	default:
		return SKB_DROP_REASON_NOT_SPECIFIED;
	}
}

/* Count a drop of @port's and free @skb with the kernel's matching reason. */
static inline void hvk_port_drop(struct hvk_port *port, struct sk_buff *skb,
				 enum hvk_drop_reason reason)
{
	hvk_port_count_drop(port, reason);
	kfree_skb_reason(skb, hvk_skb_drop_reason(reason));
}

static inline void hvk_port_count_rx(struct hvk_port *port, unsigned int len)
{
	struct hvk_port_pcpu_stats *s = this_cpu_ptr(port->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->rx_packets);
	u64_stats_add(&s->rx_bytes, len);
	u64_stats_update_end(&s->syncp);
}

static inline void hvk_port_count_tx(struct hvk_port *port, unsigned int len)
{
	struct hvk_port_pcpu_stats *s = this_cpu_ptr(port->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->tx_packets);
	u64_stats_add(&s->tx_bytes, len);
	u64_stats_update_end(&s->syncp);
}

#endif /* _HVK_SWITCH_PORT_H */
