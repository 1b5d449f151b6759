/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The switch object: a netdevice whose private data is struct hvk_switch.
 */
#ifndef _HVK_SWITCH_SWITCH_H
#define _HVK_SWITCH_SWITCH_H

#include <linux/netdevice.h>
#include <linux/rhashtable-types.h>
#include <linux/workqueue.h>

struct hvk_port;

struct hvk_switch {
	struct net_device *dev;
	struct list_head ports;		/* RCU readers; writers hold RTNL */
	struct hvk_port *host;		/* the switch device's own port */
	unsigned int n_ports;		/* host port excluded; RTNL */

	struct rhashtable fdb;
	spinlock_t fdb_lock;		/* serialises FDB writers */
	atomic_t fdb_count;
	atomic_t fdb_static;
	struct delayed_work fdb_gc;

	u32 max_macs;			/* learned entries, 0 = hard cap */
	struct list_head mirrors;	/* struct hvk_mirror, RTNL */

	u32 ageing_ms;			/* 0 = never */
	__be16 vlan_proto;		/* outer TPID for tagged ports */
	u16 default_pvid;		/* 0 = new ports join no VLAN */
	bool mtu_set_by_user;
};

int hvk_switch_init(void);
void hvk_switch_uninit(void);

bool hvk_is_switch(const struct net_device *dev);
/* The switch with @ifindex in @net, or NULL (extack set).  RTNL held. */
struct hvk_switch *hvk_switch_by_ifindex(struct net *net, u32 ifindex,
					 struct netlink_ext_ack *extack);
/*
 * Create and register a switch, let @setup (may be NULL) configure it, then
 * announce it (SWITCH_NEW), as a switch made through rtnetlink is; RTNL held.
 */
struct hvk_switch *hvk_switch_create(struct net *net, const char *name,
				     void (*setup)(struct hvk_switch *sw, void *arg), void *arg,
				     struct netlink_ext_ack *extack);
void hvk_switch_set_ageing(struct hvk_switch *sw, u32 ageing_ms);
/* Carrier and MTU follow the ports, as a Linux bridge does.  RTNL held. */
void hvk_switch_update_carrier(struct hvk_switch *sw);
void hvk_switch_update_mtu(struct hvk_switch *sw);

/* Bumped on every configuration change: dumps flag NLM_F_DUMP_INTR. */
extern atomic_t hvk_switch_generation;

static inline void hvk_switch_changed(void)
{
	atomic_inc(&hvk_switch_generation);
}

#endif /* _HVK_SWITCH_SWITCH_H */
