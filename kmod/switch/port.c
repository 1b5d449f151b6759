// SPDX-License-Identifier: GPL-2.0
/*
 * Switch ports: attaching a netdevice (rx_handler, upper-device link,
 * promiscuity), detaching it on either request or when it goes away, and
 * the per-CPU counters.
 */
#include <linux/bpf.h>
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include "fdb.h"
#include "forward.h"
#include "mirror.h"
#include "netlink.h"
#include "policy.h"
#include "port.h"
#include "switch.h"

static rx_handler_result_t hvk_port_rx(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct hvk_port *port;

	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;
	/* 802.1D: link-local group frames (STP, LLDP, LACP, 802.1X) are never
	 * forwarded; the port's own stack gets them.
	 */
	if (unlikely(is_link_local_ether_addr(eth_hdr(skb)->h_dest)))
		return RX_HANDLER_PASS;

	port = rcu_dereference(skb->dev->rx_handler_data);
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		hvk_port_count_drop(port, HVK_DROP_NOMEM);
		return RX_HANDLER_CONSUMED;
	}
	hvk_forward(port, skb);
	return RX_HANDLER_CONSUMED;
}

struct hvk_port *hvk_port_of(const struct net_device *dev)
{
	if (rcu_access_pointer(dev->rx_handler) != hvk_port_rx)
		return NULL;
	return rcu_dereference_rtnl(dev->rx_handler_data);
}

struct hvk_port *hvk_port_by_ifindex(struct hvk_switch *sw, u32 ifindex)
{
	struct hvk_port *port;

	list_for_each_entry_rcu(port, &sw->ports, list, lockdep_rtnl_is_held())
		if (port->dev->ifindex == ifindex)
			return port;
	return NULL;
}

bool hvk_port_forwarding(const struct hvk_port *port)
{
	return netif_running(port->dev) &&
	       (port->host || netif_oper_up(port->dev));
}

void hvk_port_read_stats(const struct hvk_port *port, struct hvk_port_counters *s)
{
	int cpu, i;

	memset(s, 0, sizeof(*s));
	for_each_possible_cpu(cpu) {
		const struct hvk_port_pcpu_stats *p = per_cpu_ptr(port->stats, cpu);
		struct hvk_port_counters c;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&p->syncp);
			c.rx_packets = u64_stats_read(&p->rx_packets);
			c.rx_bytes = u64_stats_read(&p->rx_bytes);
			c.tx_packets = u64_stats_read(&p->tx_packets);
			c.tx_bytes = u64_stats_read(&p->tx_bytes);
			for (i = 0; i < HVK_DROP_MAX; i++)
				c.drops[i] = u64_stats_read(&p->drops[i]);
		} while (u64_stats_fetch_retry(&p->syncp, start));

		s->rx_packets += c.rx_packets;
		s->rx_bytes += c.rx_bytes;
		s->tx_packets += c.tx_packets;
		s->tx_bytes += c.tx_bytes;
		for (i = 0; i < HVK_DROP_MAX; i++)
			s->drops[i] += c.drops[i];
	}
}

static struct hvk_port *port_alloc(struct hvk_switch *sw, struct net_device *dev)
{
	struct hvk_port *port;
	struct hvk_vlan *vlan;

	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
	if (!port)
		return NULL;
	port->stats = netdev_alloc_pcpu_stats(struct hvk_port_pcpu_stats);
	vlan = hvk_vlan_new_default(sw);
	if (!port->stats || !vlan) {
		free_percpu(port->stats);
		kfree(vlan);
		kfree(port);
		return NULL;
	}
	RCU_INIT_POINTER(port->vlan, vlan);
	port->sw = sw;
	port->dev = dev;
	port->learning = true;
	port->flood = true;
	atomic_set(&port->n_macs, 0);
	ratelimit_state_init(&port->ntf_limit, HZ, 10);
	ratelimit_set_flags(&port->ntf_limit, RATELIMIT_MSG_ON_RELEASE);
	return port;
}

static void port_free(struct hvk_port *port)
{
	kfree(rcu_access_pointer(port->vlan));
	free_percpu(port->stats);
	kfree(port);
}

static void port_free_rcu(struct rcu_head *head)
{
	struct hvk_port *port = container_of(head, struct hvk_port, rcu);

	netdev_put(port->dev, &port->dev_tracker);
	port_free(port);
}

static int port_check(struct hvk_switch *sw, struct net_device *dev,
		      struct netlink_ext_ack *extack)
{
	if (dev == sw->dev) {
		NL_SET_ERR_MSG(extack, "a switch cannot be its own port");
		return -ELOOP;
	}
	if (hvk_is_switch(dev)) {
		NL_SET_ERR_MSG(extack, "a switch cannot be a port of another switch");
		return -ELOOP;
	}
	if ((dev->flags & IFF_LOOPBACK) || dev->type != ARPHRD_ETHER ||
	    dev->addr_len != ETH_ALEN) {
		NL_SET_ERR_MSG(extack, "only Ethernet devices can be switch ports");
		return -EINVAL;
	}
	if (dev->priv_flags & IFF_DONT_BRIDGE) {
		NL_SET_ERR_MSG(extack, "the device does not allow being switched");
		return -EOPNOTSUPP;
	}
	if (hvk_port_of(dev)) {
		NL_SET_ERR_MSG(extack, "the device is already a port of a switch");
		return -EBUSY;
	}
	if (netdev_master_upper_dev_get(dev)) {
		NL_SET_ERR_MSG(extack, "the device already has a master device");
		return -EBUSY;
	}
	if (rtnl_dereference(dev->rx_handler)) {
		NL_SET_ERR_MSG(extack, "the device is claimed by another rx handler");
		return -EBUSY;
	}
	return 0;
}

int hvk_port_attach(struct hvk_switch *sw, struct net_device *dev,
		    void (*setup)(struct hvk_port *port, void *arg), void *arg,
		 struct netlink_ext_ack *extack)
{
	struct hvk_port *port;
	int err;

	ASSERT_RTNL();
	err = port_check(sw, dev, extack);
	if (err)
		return err;

	port = port_alloc(sw, dev);
	if (!port)
		return -ENOMEM;
	netdev_hold(dev, &port->dev_tracker, GFP_KERNEL);

	err = dev_set_promiscuity(dev, 1);
	if (err)
		goto err_free;
	err = netdev_master_upper_dev_link(dev, sw->dev, NULL, NULL, extack);
	if (err)
		goto err_promisc;
	/*
	 * Last: from here on frames are learned with this port, so nothing
	 * may fail after it (an error path would free a port the FDB holds).
	 */
	err = netdev_rx_handler_register(dev, hvk_port_rx, port);
	if (err)
		goto err_unlink;
	dev_disable_lro(dev);

	list_add_tail_rcu(&port->list, &sw->ports);
	sw->n_ports++;
	hvk_switch_update_mtu(sw);
	hvk_switch_update_carrier(sw);
	if (setup)
		setup(port, arg);
	hvk_switch_changed();
	hvk_switch_nl_port_notify(port, HVK_SWITCH_CMD_PORT_ADD, NULL);
	return 0;

err_unlink:
	netdev_upper_dev_unlink(dev, sw->dev);
err_promisc:
	dev_set_promiscuity(dev, -1);
err_free:
	netdev_put(dev, &port->dev_tracker);
	port_free(port);
	return err;
}

/* Publish @obj in the RCU pointer at @ptr, returning the old value. */
#define RTNL_REPLACE(ptr, obj) \
	rcu_replace_pointer(*(ptr), obj, lockdep_rtnl_is_held())

void hvk_port_publish(struct hvk_port *port, struct hvk_port_policy *p)
{
	struct hvk_sec_policy *old_sec;
	struct hvk_shaper *old_shaper;
	struct bpf_prog *old_prog;

	if (p->vlan)
		kfree_rcu(RTNL_REPLACE(&port->vlan, p->vlan), rcu);
	if (p->set_shaper) {
		if (p->shaper)
			p->shaper->port = port;
		old_shaper = RTNL_REPLACE(&port->shaper, p->shaper);
		if (old_shaper)
			hvk_shaper_destroy(old_shaper);
	}
	if (p->set_policer)
		kfree_rcu(RTNL_REPLACE(&port->policer, p->policer), rcu);
	if (p->set_storm)
		kfree_rcu(RTNL_REPLACE(&port->storm, p->storm), rcu);
	if (p->set_security) {
		/* A new policy without a MAC list keeps the sticky address. */
		old_sec = rtnl_dereference(port->security);
		if (p->security && old_sec && !p->security->n_macs)
			atomic64_set(&p->security->sticky, atomic64_read(&old_sec->sticky));
		kfree_rcu(RTNL_REPLACE(&port->security, p->security), rcu);
	}
	if (p->set_filter) {
		old_prog = RTNL_REPLACE(&port->filter, p->filter);
		if (old_prog)
			bpf_prog_put(old_prog);	/* freed after an RCU grace period */
	}
	memset(p, 0, sizeof(*p));
}

/* Drop the port's policy objects (shaper queue included); RTNL held. */
static void port_clear_policy(struct hvk_port *port)
{
	struct hvk_port_policy off = {
		.set_shaper = true, .set_policer = true, .set_storm = true,
		.set_security = true, .set_filter = true,
	};

	hvk_port_publish(port, &off);
}

void hvk_port_release(struct hvk_port *port)
{
	struct hvk_switch *sw = port->sw;
	struct net_device *dev = port->dev;
	struct hvk_fdb_filter filter = { .port = port };

	ASSERT_RTNL();
	list_del_rcu(&port->list);
	sw->n_ports--;
	netdev_upper_dev_unlink(dev, sw->dev);
	/* Waits for the receivers in flight: none can learn on it after this. */
	netdev_rx_handler_unregister(dev);
	dev_set_promiscuity(dev, -1);
	hvk_fdb_purge(sw, &filter);
	hvk_mirror_port_gone(port);
	port_clear_policy(port);

	hvk_switch_update_mtu(sw);
	hvk_switch_update_carrier(sw);
	hvk_switch_changed();
	call_rcu(&port->rcu, port_free_rcu);
}

void hvk_port_detach(struct hvk_port *port, struct genl_info *info)
{
	hvk_switch_nl_port_notify(port, HVK_SWITCH_CMD_PORT_DEL, info);
	hvk_port_release(port);
}

struct hvk_port *hvk_port_create_host(struct hvk_switch *sw)
{
	struct hvk_port *port = port_alloc(sw, sw->dev);

	if (!port)
		return NULL;
	port->host = true;
	list_add_rcu(&port->list, &sw->ports);
	return port;
}

/* The switch is being unregistered and RCU was waited for: no reader left. */
void hvk_port_destroy_host(struct hvk_port *port)
{
	port_clear_policy(port);
	list_del_rcu(&port->list);
	port_free(port);
}

static int hvk_port_netdev_event(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct hvk_port *port = hvk_port_of(dev);

	if (!port)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_UNREGISTER:
		hvk_port_detach(port, NULL);
		break;
	case NETDEV_CHANGEMTU:
		hvk_switch_update_mtu(port->sw);
		break;
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		hvk_switch_update_carrier(port->sw);
		break;
	case NETDEV_PRE_TYPE_CHANGE:
		/* A port must stay Ethernet. */
		return notifier_from_errno(-EBUSY);
	}
	return NOTIFY_DONE;
}

static struct notifier_block hvk_port_notifier = {
	.notifier_call = hvk_port_netdev_event,
};

int __init hvk_port_init(void)
{
	return register_netdevice_notifier(&hvk_port_notifier);
}

void hvk_port_uninit(void)
{
	unregister_netdevice_notifier(&hvk_port_notifier);
}
