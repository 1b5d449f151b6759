// SPDX-License-Identifier: GPL-2.0
/*
 * The switch netdevice.  Created by `ip link add NAME type hvk_switch` or
 * over genl; transmitting on it sends a frame into the switch from the host
 * port, and frames switched to the host port are received on it.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/rculist.h>
#include <net/rtnetlink.h>

#include "compat.h"
#include "fdb.h"
#include "forward.h"
#include "netlink.h"
#include "port.h"
#include "switch.h"

atomic_t hvk_switch_generation = ATOMIC_INIT(1);

#define HVK_DEFAULT_AGEING_MS	300000
#define HVK_DEFAULT_PVID	1

static netdev_tx_t hvk_switch_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct hvk_switch *sw = netdev_priv(dev);
	const struct ethhdr *eth;

	dev_sw_netstats_tx_add(dev, 1, skb->len);
	skb_reset_mac_header(skb);
	eth = eth_hdr(skb);
	skb_pull(skb, ETH_HLEN);
	/* An in-band tag from a packet socket: classify it as a received one. */
	if (unlikely(!skb_vlan_tag_present(skb) && eth_type_vlan(eth->h_proto))) {
		skb->protocol = eth->h_proto;
		skb = skb_vlan_untag(skb);
		if (!skb)
			return NETDEV_TX_OK;
	}

	rcu_read_lock();
	hvk_forward(sw->host, skb);
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

static int hvk_switch_dev_init(struct net_device *dev)
{
	struct hvk_switch *sw = netdev_priv(dev);
	int err;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	err = hvk_fdb_init(sw);
	if (err)
		goto err_stats;
	sw->host = hvk_port_create_host(sw);
	if (!sw->host) {
		err = -ENOMEM;
		goto err_fdb;
	}
	hvk_switch_set_ageing(sw, sw->ageing_ms);
	return 0;

err_fdb:
	hvk_fdb_uninit(sw);
err_stats:
	free_percpu(dev->tstats);
	return err;
}

static void hvk_switch_dev_uninit(struct net_device *dev)
{
	struct hvk_switch *sw = netdev_priv(dev);
	struct hvk_port *port, *tmp;

	list_for_each_entry_safe(port, tmp, &sw->ports, list)
		if (!port->host)
			hvk_port_release(port);
	/* Sessions go with their destination port: none is left. */
	synchronize_net();
	hvk_fdb_uninit(sw);
	hvk_port_destroy_host(sw->host);
	free_percpu(dev->tstats);
	hvk_switch_changed();
}

static int hvk_switch_dev_open(struct net_device *dev)
{
	hvk_switch_update_carrier(netdev_priv(dev));
	netif_start_queue(dev);
	return 0;
}

static int hvk_switch_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	return 0;
}

static int hvk_switch_change_mtu(struct net_device *dev, int new_mtu)
{
	struct hvk_switch *sw = netdev_priv(dev);

	dev->mtu = new_mtu;
	sw->mtu_set_by_user = true;
	return 0;
}

static void hvk_switch_set_rx_mode(struct net_device *dev)
{
	/* The host port receives every multicast of its VLANs anyway. */
}

static int hvk_switch_add_slave(struct net_device *dev, struct net_device *slave,
				struct netlink_ext_ack *extack)
{
	return hvk_port_attach(netdev_priv(dev), slave, NULL, NULL, extack);
}

static int hvk_switch_del_slave(struct net_device *dev, struct net_device *slave)
{
	struct hvk_port *port = hvk_port_of(slave);

	if (!port || port->sw != netdev_priv(dev))
		return -EINVAL;
	hvk_port_detach(port, NULL);
	return 0;
}

static const struct net_device_ops hvk_switch_netdev_ops = {
	.ndo_init		= hvk_switch_dev_init,
	.ndo_uninit		= hvk_switch_dev_uninit,
	.ndo_open		= hvk_switch_dev_open,
	.ndo_stop		= hvk_switch_stop,
	.ndo_start_xmit		= hvk_switch_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_change_mtu		= hvk_switch_change_mtu,
	.ndo_set_rx_mode	= hvk_switch_set_rx_mode,
	.ndo_add_slave		= hvk_switch_add_slave,
	.ndo_del_slave		= hvk_switch_del_slave,
};

bool hvk_is_switch(const struct net_device *dev)
{
	return dev->netdev_ops == &hvk_switch_netdev_ops;
}

#define HVK_SWITCH_FEATURES (NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HIGHDMA | \
			     NETIF_F_GSO_MASK | NETIF_F_HW_CSUM)

static void hvk_switch_setup(struct net_device *dev)
{
	struct hvk_switch *sw = netdev_priv(dev);

	ether_setup(dev);
	eth_hw_addr_random(dev);
	dev->netdev_ops = &hvk_switch_netdev_ops;
	dev->needs_free_netdev = true;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->features = HVK_SWITCH_FEATURES | NETIF_F_HW_VLAN_CTAG_TX |
			NETIF_F_HW_VLAN_STAG_TX;
	hvk_netdev_set_lltx(dev);
	hvk_netdev_set_netns_local(dev);
	dev->hw_features = HVK_SWITCH_FEATURES | NETIF_F_HW_VLAN_CTAG_TX |
			   NETIF_F_HW_VLAN_STAG_TX;
	dev->vlan_features = HVK_SWITCH_FEATURES;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;

	sw->dev = dev;
	INIT_LIST_HEAD(&sw->ports);
	INIT_LIST_HEAD(&sw->mirrors);
	sw->ageing_ms = HVK_DEFAULT_AGEING_MS;
	sw->vlan_proto = htons(ETH_P_8021Q);
	sw->default_pvid = HVK_DEFAULT_PVID;
}

/* The tail of every switch creation: configure, then announce. */
static void switch_registered(struct hvk_switch *sw,
			      void (*setup)(struct hvk_switch *sw, void *arg), void *arg)
{
	netif_carrier_off(sw->dev);
	if (setup)
		setup(sw, arg);
	hvk_switch_changed();
	hvk_switch_nl_switch_notify(sw, HVK_SWITCH_CMD_SWITCH_NEW, NULL);
}

static int hvk_switch_newlink(struct net *src_net, struct net_device *dev,
			      struct nlattr *tb[], struct nlattr *data[],
			      struct netlink_ext_ack *extack)
{
	int err = register_netdevice(dev);

	if (!err)
		switch_registered(netdev_priv(dev), NULL, NULL);
	return err;
}

static void hvk_switch_dellink(struct net_device *dev, struct list_head *head)
{
	hvk_switch_nl_switch_notify(netdev_priv(dev), HVK_SWITCH_CMD_SWITCH_DEL, NULL);
	unregister_netdevice_queue(dev, head);
}

static struct rtnl_link_ops hvk_switch_link_ops __read_mostly = {
	.kind		= "hvk_switch",
	.priv_size	= sizeof(struct hvk_switch),
	.setup		= hvk_switch_setup,
	.newlink	= hvk_switch_newlink,
	.dellink	= hvk_switch_dellink,
};

struct hvk_switch *hvk_switch_by_ifindex(struct net *net, u32 ifindex,
					 struct netlink_ext_ack *extack)
{
	struct net_device *dev = __dev_get_by_index(net, ifindex);

	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such switch in this network namespace");
		return NULL;
	}
	if (!hvk_is_switch(dev)) {
		NL_SET_ERR_MSG(extack, "the device is not an hvk switch");
		return NULL;
	}
	return netdev_priv(dev);
}

/*
 * Set under RTNL at module exit, before the switches go: the genl family
 * stays registered until then (their deletion events reach listeners), so
 * it must not create new ones behind rtnl_link_unregister()'s back.
 */
static bool hvk_switch_closing;

struct hvk_switch *hvk_switch_create(struct net *net, const char *name,
				     void (*setup)(struct hvk_switch *sw, void *arg), void *arg,
				     struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int err;

	ASSERT_RTNL();
	if (hvk_switch_closing) {
		NL_SET_ERR_MSG(extack, "the switch module is being unloaded");
		return ERR_PTR(-ENODEV);
	}
	dev = alloc_netdev(sizeof(struct hvk_switch), name ? name : "hvksw%d",
			   name ? NET_NAME_USER : NET_NAME_ENUM, hvk_switch_setup);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev_net_set(dev, net);
	dev->rtnl_link_ops = &hvk_switch_link_ops;
	err = register_netdevice(dev);
	if (err) {
		if (err == -EEXIST)
			NL_SET_ERR_MSG(extack, "a device with this name already exists");
		else if (err == -EINVAL)
			NL_SET_ERR_MSG(extack, "invalid device name");
		free_netdev(dev);
		return ERR_PTR(err);
	}
	switch_registered(netdev_priv(dev), setup, arg);
	return netdev_priv(dev);
}

void hvk_switch_set_ageing(struct hvk_switch *sw, u32 ageing_ms)
{
	WRITE_ONCE(sw->ageing_ms, ageing_ms);
	if (ageing_ms)
		mod_delayed_work(system_long_wq, &sw->fdb_gc, 0);
	else
		cancel_delayed_work(&sw->fdb_gc);
}

void hvk_switch_update_carrier(struct hvk_switch *sw)
{
	struct hvk_port *port;
	bool up = false;

	ASSERT_RTNL();
	if (sw->dev->reg_state != NETREG_REGISTERED)
		return;
	list_for_each_entry(port, &sw->ports, list)
		if (!port->host && hvk_port_forwarding(port))
			up = true;
	if (up && !netif_carrier_ok(sw->dev))
		netif_carrier_on(sw->dev);
	else if (!up && netif_carrier_ok(sw->dev))
		netif_carrier_off(sw->dev);
}

/* Without an MTU set by the admin, the switch takes its smallest port's. */
void hvk_switch_update_mtu(struct hvk_switch *sw)
{
	struct hvk_port *port;
	unsigned int mtu = 0;

	ASSERT_RTNL();
	if (sw->mtu_set_by_user || sw->dev->reg_state != NETREG_REGISTERED)
		return;
	list_for_each_entry(port, &sw->ports, list)
		if (!port->host && (!mtu || port->dev->mtu < mtu))
			mtu = port->dev->mtu;
	if (mtu && mtu != sw->dev->mtu) {
		dev_set_mtu(sw->dev, mtu);
		/* That went through ndo_change_mtu: it was not the admin. */
		sw->mtu_set_by_user = false;
	}
}

int __init hvk_switch_init(void)
{
	return rtnl_link_register(&hvk_switch_link_ops);
}

void hvk_switch_uninit(void)
{
	rtnl_lock();
	hvk_switch_closing = true;
	rtnl_unlock();
	rtnl_link_unregister(&hvk_switch_link_ops);
}
