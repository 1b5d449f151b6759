// SPDX-License-Identifier: GPL-2.0
/*
 * The "hvk_switch" generic netlink family: switches, ports, FDB.
 * Mutations hold RTNL; dumps run under RCU and flag NLM_F_DUMP_INTR when the
 * configuration generation moved under them.
 */
#include <linux/etherdevice.h>
#include <linux/rculist.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <net/sock.h>
#include <linux/hvk_switch.h>

#include "fdb.h"
#include "hvk_genl.h"
#include "netlink.h"
#include "port.h"
#include "switch.h"

static struct genl_family hvk_switch_genl_family;

/* ---- policies ---- */

/* Attributes only replies carry: a request naming one is told so. */
#define READ_ONLY(msg) { .type = NLA_REJECT, .reject_message = msg }

static const struct nla_policy hvk_switch_info_policy[HVK_SWITCH_INFO_A_MAX + 1] = {
	[HVK_SWITCH_INFO_A_VERSION] = READ_ONLY("version is read-only"),
	[HVK_SWITCH_INFO_A_FEATURES] = READ_ONLY("features are read-only"),
	[HVK_SWITCH_INFO_A_PAD] = { .type = NLA_REJECT },
};

static struct netlink_range_validation ageing_range = {
	.min = 0,
	.max = 1000000000,	/* ms: 11.5 days */
};

static const struct nla_policy switch_policy[HVK_SWITCH_SWITCH_A_MAX + 1] = {
	[HVK_SWITCH_SWITCH_A_IFINDEX] = { .type = NLA_U32 },
	[HVK_SWITCH_SWITCH_A_NAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[HVK_SWITCH_SWITCH_A_AGEING_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &ageing_range),
	[HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL] = { .type = NLA_U16 },
	[HVK_SWITCH_SWITCH_A_DEFAULT_PVID] = NLA_POLICY_MAX(NLA_U16, VLAN_N_VID - 2),
	[HVK_SWITCH_SWITCH_A_FDB_COUNT] = READ_ONLY("fdb-count is read-only"),
	[HVK_SWITCH_SWITCH_A_FDB_STATIC] = READ_ONLY("fdb-static is read-only"),
	[HVK_SWITCH_SWITCH_A_PORT_COUNT] = READ_ONLY("port-count is read-only"),
};

static const struct nla_policy vlan_policy[HVK_SWITCH_VLAN_A_MAX + 1] = {
	[HVK_SWITCH_VLAN_A_MODE] = NLA_POLICY_MAX(NLA_U8, HVK_SWITCH_VLAN_MODE_MAX),
	[HVK_SWITCH_VLAN_A_PVID] = NLA_POLICY_RANGE(NLA_U16, 1, VLAN_N_VID - 2),
	[HVK_SWITCH_VLAN_A_VIDS] = NLA_POLICY_EXACT_LEN(HVK_SWITCH_VLAN_BITMAP_LEN),
};

static const struct nla_policy port_policy[HVK_SWITCH_PORT_A_MAX + 1] = {
	[HVK_SWITCH_PORT_A_IFINDEX] = { .type = NLA_U32 },
	[HVK_SWITCH_PORT_A_NAME] = READ_ONLY("name is read-only: use ifindex"),
	[HVK_SWITCH_PORT_A_SWITCH_IFINDEX] = { .type = NLA_U32 },
	[HVK_SWITCH_PORT_A_HOST] = READ_ONLY("host is read-only"),
	[HVK_SWITCH_PORT_A_VLAN] = NLA_POLICY_NESTED(vlan_policy),
	[HVK_SWITCH_PORT_A_LEARNING] = NLA_POLICY_MAX(NLA_U8, 1),
	[HVK_SWITCH_PORT_A_FLOOD] = NLA_POLICY_MAX(NLA_U8, 1),
	[HVK_SWITCH_PORT_A_OPER_UP] = READ_ONLY("oper-up is read-only"),
	[HVK_SWITCH_PORT_A_STATS] = READ_ONLY("stats are read-only"),
};

static const struct nla_policy fdb_policy[HVK_SWITCH_FDB_A_MAX + 1] = {
	[HVK_SWITCH_FDB_A_SWITCH_IFINDEX] = { .type = NLA_U32 },
	[HVK_SWITCH_FDB_A_MAC] = NLA_POLICY_ETH_ADDR,
	[HVK_SWITCH_FDB_A_VID] = NLA_POLICY_RANGE(NLA_U16, 1, VLAN_N_VID - 2),
	[HVK_SWITCH_FDB_A_PORT_IFINDEX] = { .type = NLA_U32 },
	[HVK_SWITCH_FDB_A_STATIC] = { .type = NLA_FLAG },
	[HVK_SWITCH_FDB_A_AGE_MS] = READ_ONLY("age is read-only"),
	[HVK_SWITCH_FDB_A_EVENT] = READ_ONLY("event is read-only"),
	[HVK_SWITCH_FDB_A_DYNAMIC_ONLY] = { .type = NLA_FLAG },
};

/* ---- messages ---- */

static int put_vlan(struct sk_buff *skb, const struct hvk_vlan *v)
{
	u8 map[HVK_SWITCH_VLAN_BITMAP_LEN] = {};
	struct nlattr *nest;
	unsigned int vid;
	bool has_vids = v->mode == HVK_SWITCH_VLAN_TRUNK ||
			v->mode == HVK_SWITCH_VLAN_NATIVE_UNTAGGED ||
			v->mode == HVK_SWITCH_VLAN_NATIVE_TAGGED;

	nest = nla_nest_start(skb, HVK_SWITCH_PORT_A_VLAN);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, HVK_SWITCH_VLAN_A_MODE, v->mode) ||
	    (v->pvid && nla_put_u16(skb, HVK_SWITCH_VLAN_A_PVID, v->pvid)))
		goto err;
	if (has_vids) {
		/* Bit N is VID N, byte-wise: independent of the host's word order. */
		for_each_set_bit(vid, v->vids, VLAN_N_VID)
			map[vid / 8] |= 1 << (vid % 8);
		if (nla_put(skb, HVK_SWITCH_VLAN_A_VIDS, sizeof(map), map))
			goto err;
	}
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int put_stat(struct sk_buff *skb, int attr, u64 value)
{
	return nla_put_u64_64bit(skb, attr, value, HVK_SWITCH_STATS_A_PAD);
}

static int put_stats(struct sk_buff *skb, const struct hvk_port *port)
{
	struct hvk_port_stats s;
	struct nlattr *nest;
	int i;

	hvk_port_read_stats(port, &s);
	nest = nla_nest_start(skb, HVK_SWITCH_PORT_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (put_stat(skb, HVK_SWITCH_STATS_A_RX_PACKETS, s.rx_packets) ||
	    put_stat(skb, HVK_SWITCH_STATS_A_RX_BYTES, s.rx_bytes) ||
	    put_stat(skb, HVK_SWITCH_STATS_A_TX_PACKETS, s.tx_packets) ||
	    put_stat(skb, HVK_SWITCH_STATS_A_TX_BYTES, s.tx_bytes))
		goto err;
	/* The drop attributes follow enum hvk_drop_reason's order. */
	for (i = 0; i < HVK_DROP_MAX; i++)
		if (put_stat(skb, HVK_SWITCH_STATS_A_DROP_VLAN_INGRESS + i, s.drops[i]))
			goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static_assert(HVK_SWITCH_STATS_A_DROP_VLAN_INGRESS + HVK_DROP_MAX ==
	      HVK_SWITCH_STATS_A_PAD);
static_assert(HVK_SWITCH_STATS_A_DROP_VLAN_INGRESS + HVK_DROP_SWITCH_DOWN ==
	      HVK_SWITCH_STATS_A_DROP_SWITCH_DOWN);

static int fill_switch(struct sk_buff *skb, const struct hvk_switch *sw,
		       u32 portid, u32 seq, int flags, u8 cmd,
		       struct netlink_callback *cb)
{
	void *hdr = genlmsg_put(skb, portid, seq, &hvk_switch_genl_family, flags, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, HVK_SWITCH_SWITCH_A_IFINDEX, sw->dev->ifindex) ||
	    nla_put_string(skb, HVK_SWITCH_SWITCH_A_NAME, sw->dev->name) ||
	    nla_put_u32(skb, HVK_SWITCH_SWITCH_A_AGEING_MS, READ_ONCE(sw->ageing_ms)) ||
	    nla_put_u16(skb, HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL, ntohs(sw->vlan_proto)) ||
	    nla_put_u16(skb, HVK_SWITCH_SWITCH_A_DEFAULT_PVID, sw->default_pvid) ||
	    nla_put_u32(skb, HVK_SWITCH_SWITCH_A_FDB_COUNT, atomic_read(&sw->fdb_count)) ||
	    nla_put_u32(skb, HVK_SWITCH_SWITCH_A_FDB_STATIC, atomic_read(&sw->fdb_static)) ||
	    nla_put_u32(skb, HVK_SWITCH_SWITCH_A_PORT_COUNT, READ_ONCE(sw->n_ports))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int fill_port(struct sk_buff *skb, const struct hvk_port *port,
		     u32 portid, u32 seq, int flags, u8 cmd,
		     struct netlink_callback *cb)
{
	void *hdr = genlmsg_put(skb, portid, seq, &hvk_switch_genl_family, flags, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, HVK_SWITCH_PORT_A_IFINDEX, port->dev->ifindex) ||
	    nla_put_string(skb, HVK_SWITCH_PORT_A_NAME, port->dev->name) ||
	    nla_put_u32(skb, HVK_SWITCH_PORT_A_SWITCH_IFINDEX, port->sw->dev->ifindex) ||
	    (port->host && nla_put_flag(skb, HVK_SWITCH_PORT_A_HOST)) ||
	    put_vlan(skb, rcu_dereference_rtnl(port->vlan)) ||
	    nla_put_u8(skb, HVK_SWITCH_PORT_A_LEARNING, READ_ONCE(port->learning)) ||
	    nla_put_u8(skb, HVK_SWITCH_PORT_A_FLOOD, READ_ONCE(port->flood)) ||
	    nla_put_u8(skb, HVK_SWITCH_PORT_A_OPER_UP, hvk_port_forwarding(port)) ||
	    put_stats(skb, port)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int fill_fdb(struct sk_buff *skb, const struct hvk_switch *sw,
		    const struct hvk_fdb *f, int event, u32 portid, u32 seq,
		    int flags, u8 cmd, struct netlink_callback *cb)
{
	void *hdr = genlmsg_put(skb, portid, seq, &hvk_switch_genl_family, flags, cmd);
	const struct hvk_port *port;

	port = rcu_dereference_check(f->port, lockdep_is_held(&sw->fdb_lock));

	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, HVK_SWITCH_FDB_A_SWITCH_IFINDEX, sw->dev->ifindex) ||
	    nla_put(skb, HVK_SWITCH_FDB_A_MAC, ETH_ALEN, f->key.addr) ||
	    nla_put_u16(skb, HVK_SWITCH_FDB_A_VID, f->key.vid) ||
	    nla_put_u32(skb, HVK_SWITCH_FDB_A_PORT_IFINDEX, port->dev->ifindex) ||
	    (f->is_static && nla_put_flag(skb, HVK_SWITCH_FDB_A_STATIC)) ||
	    nla_put_u32(skb, HVK_SWITCH_FDB_A_AGE_MS,
			jiffies_to_msecs(jiffies - READ_ONCE(f->updated))) ||
	    (event >= 0 && nla_put_u8(skb, HVK_SWITCH_FDB_A_EVENT, event))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* ---- notifications ---- */

static void notify(struct net *net, struct sk_buff *skb, struct genl_info *info)
{
	if (info)
		genl_notify(&hvk_switch_genl_family, skb, info, 0, GFP_KERNEL);
	else
		genlmsg_multicast_netns(&hvk_switch_genl_family, net, skb, 0, 0, GFP_KERNEL);
}

void hvk_nl_switch_notify(struct hvk_switch *sw, u8 cmd, struct genl_info *info)
{
	struct net *net = dev_net(sw->dev);
	struct sk_buff *skb;

	if (!genl_has_listeners(&hvk_switch_genl_family, net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (fill_switch(skb, sw, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(skb);
		return;
	}
	notify(net, skb, info);
}

void hvk_nl_port_notify(struct hvk_port *port, u8 cmd, struct genl_info *info)
{
	struct net *net = dev_net(port->sw->dev);
	struct sk_buff *skb;

	if (!genl_has_listeners(&hvk_switch_genl_family, net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (fill_port(skb, port, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(skb);
		return;
	}
	notify(net, skb, info);
}

void hvk_nl_fdb_notify(struct hvk_switch *sw, const struct hvk_fdb *f, u8 event)
{
	struct net *net = dev_net(sw->dev);
	struct sk_buff *skb;

	if (!genl_has_listeners(&hvk_switch_genl_family, net, 0))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		return;
	if (fill_fdb(skb, sw, f, event, 0, 0, 0, HVK_SWITCH_CMD_FDB_NTF, NULL)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast_netns(&hvk_switch_genl_family, net, skb, 0, 0, GFP_ATOMIC);
}

/* ---- helpers ---- */

typedef int (*reply_fill_t)(struct sk_buff *skb, const void *obj,
			    struct genl_info *info);

static int reply(struct genl_info *info, reply_fill_t fill, const void *obj)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	int err;

	if (!skb)
		return -ENOMEM;
	err = fill(skb, obj, info);
	if (err) {
		nlmsg_free(skb);
		return err;
	}
	return genlmsg_reply(skb, info);
}

static int reply_fill_switch(struct sk_buff *skb, const void *obj, struct genl_info *info)
{
	return fill_switch(skb, obj, info->snd_portid, info->snd_seq, 0,
			   info->genlhdr->cmd, NULL);
}

static int reply_fill_port(struct sk_buff *skb, const void *obj, struct genl_info *info)
{
	return fill_port(skb, obj, info->snd_portid, info->snd_seq, 0,
			 info->genlhdr->cmd, NULL);
}

static int reply_fill_fdb(struct sk_buff *skb, const void *obj, struct genl_info *info)
{
	const struct hvk_fdb *f = obj;
	const struct hvk_port *port = rcu_dereference(f->port);

	return fill_fdb(skb, port->sw, f, -1, info->snd_portid, info->snd_seq, 0,
			info->genlhdr->cmd, NULL);
}

static struct hvk_switch *switch_from_attr(struct genl_info *info, int attr)
{
	if (GENL_REQ_ATTR_CHECK(info, attr))
		return NULL;
	return hvk_switch_by_ifindex(genl_info_net(info), nla_get_u32(info->attrs[attr]),
				     info->extack);
}

/* The port named by @attr: any port, or one of @sw's if @sw is given. */
static struct hvk_port *port_from_attr(struct genl_info *info, int attr,
				       struct hvk_switch *sw)
{
	struct net_device *dev;
	struct hvk_port *port;

	if (GENL_REQ_ATTR_CHECK(info, attr))
		return NULL;
	dev = __dev_get_by_index(genl_info_net(info), nla_get_u32(info->attrs[attr]));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[attr],
				    "no such device in this network namespace");
		return NULL;
	}
	port = hvk_is_switch(dev) ? ((struct hvk_switch *)netdev_priv(dev))->host
				  : hvk_port_get(dev);
	if (!port) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[attr],
				    "the device is not a switch port");
		return NULL;
	}
	if (sw && port->sw != sw) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[attr],
				    "the device is not a port of this switch");
		return NULL;
	}
	return port;
}

static int validate_vlan_protocol(const struct nlattr *attr,
				  struct netlink_ext_ack *extack)
{
	u16 proto = nla_get_u16(attr);

	if (proto != ETH_P_8021Q && proto != ETH_P_8021AD) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "vlan-protocol must be 802.1Q (0x8100) or 802.1ad (0x88a8)");
		return -EINVAL;
	}
	return 0;
}

/* ---- switch ---- */

static int switch_apply(struct hvk_switch *sw, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct nlattr *proto = a[HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL];

	if (a[HVK_SWITCH_SWITCH_A_AGEING_MS])
		hvk_switch_set_ageing(sw, nla_get_u32(a[HVK_SWITCH_SWITCH_A_AGEING_MS]));
	if (proto)
		WRITE_ONCE(sw->vlan_proto, htons(nla_get_u16(proto)));
	if (a[HVK_SWITCH_SWITCH_A_DEFAULT_PVID])
		sw->default_pvid = nla_get_u16(a[HVK_SWITCH_SWITCH_A_DEFAULT_PVID]);
	hvk_switch_changed();
	return 0;
}

static int hvk_nl_switch_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	const char *name = NULL;
	struct hvk_switch *sw;
	int err;

	if (a[HVK_SWITCH_SWITCH_A_IFINDEX]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[HVK_SWITCH_SWITCH_A_IFINDEX],
				    "the kernel picks a new switch's ifindex");
		return -EINVAL;
	}
	if (a[HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL]) {
		err = validate_vlan_protocol(a[HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL], info->extack);
		if (err)
			return err;
	}

	if (a[HVK_SWITCH_SWITCH_A_NAME])
		name = nla_data(a[HVK_SWITCH_SWITCH_A_NAME]);

	rtnl_lock();
	sw = hvk_switch_create(genl_info_net(info), name, info->extack);
	if (IS_ERR(sw)) {
		rtnl_unlock();
		return PTR_ERR(sw);
	}
	switch_apply(sw, info);
	hvk_nl_switch_notify(sw, HVK_SWITCH_CMD_SWITCH_NEW, NULL);
	err = reply(info, reply_fill_switch, sw);
	rtnl_unlock();
	return err;
}

static int hvk_nl_switch_del(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_switch *sw;
	int err = -ENODEV;

	rtnl_lock();
	sw = switch_from_attr(info, HVK_SWITCH_SWITCH_A_IFINDEX);
	if (sw) {
		hvk_nl_switch_notify(sw, HVK_SWITCH_CMD_SWITCH_DEL, info);
		unregister_netdevice(sw->dev);
		err = 0;
	}
	rtnl_unlock();
	return err;
}

static int hvk_nl_switch_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct hvk_switch *sw;
	int err = -ENODEV;

	if (a[HVK_SWITCH_SWITCH_A_NAME]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[HVK_SWITCH_SWITCH_A_NAME],
				    "rename a switch with ip link set NAME name NEW");
		return -EOPNOTSUPP;
	}
	if (a[HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL]) {
		err = validate_vlan_protocol(a[HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL], info->extack);
		if (err)
			return err;
	}
	rtnl_lock();
	sw = switch_from_attr(info, HVK_SWITCH_SWITCH_A_IFINDEX);
	if (sw) {
		switch_apply(sw, info);
		hvk_nl_switch_notify(sw, HVK_SWITCH_CMD_SWITCH_SET, info);
		err = 0;
	}
	rtnl_unlock();
	return err;
}

static int hvk_nl_switch_get(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_switch *sw;
	int err = -ENODEV;

	rtnl_lock();
	sw = switch_from_attr(info, HVK_SWITCH_SWITCH_A_IFINDEX);
	if (sw)
		err = reply(info, reply_fill_switch, sw);
	rtnl_unlock();
	return err;
}

static int hvk_nl_switch_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct net_device *dev;
	long idx = 0, start = cb->args[0];
	int err = 0;

	rcu_read_lock();
	cb->seq = atomic_read(&hvk_switch_generation);
	for_each_netdev_rcu(net, dev) {
		if (!hvk_is_switch(dev))
			continue;
		if (idx++ < start)
			continue;
		err = fill_switch(skb, netdev_priv(dev), NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, NLM_F_MULTI, HVK_SWITCH_CMD_SWITCH_GET, cb);
		if (err) {
			idx--;
			break;
		}
	}
	rcu_read_unlock();
	cb->args[0] = idx;
	return err && !skb->len ? err : skb->len;
}

/* ---- ports ---- */

/* Parse the "vlan" nest into a new config; NULL + extack when it is wrong. */
static struct hvk_vlan *vlan_from_attr(const struct nlattr *nest,
				       struct netlink_ext_ack *extack, int *err)
{
	struct nlattr *tb[HVK_SWITCH_VLAN_A_MAX + 1];
	struct hvk_vlan *v;
	const u8 *map;
	unsigned int vid;
	u8 mode;

	*err = nla_parse_nested(tb, HVK_SWITCH_VLAN_A_MAX, nest, vlan_policy, extack);
	if (*err)
		return NULL;
	*err = -EINVAL;
	if (!tb[HVK_SWITCH_VLAN_A_MODE]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a VLAN configuration needs a mode");
		return NULL;
	}
	mode = nla_get_u8(tb[HVK_SWITCH_VLAN_A_MODE]);
	switch (mode) {
	case HVK_SWITCH_VLAN_TRUNK:
	case HVK_SWITCH_VLAN_NONE:
		if (tb[HVK_SWITCH_VLAN_A_PVID]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[HVK_SWITCH_VLAN_A_PVID],
					    "this mode has no PVID (use a native mode)");
			return NULL;
		}
		break;
	default:
		if (!tb[HVK_SWITCH_VLAN_A_PVID]) {
			NL_SET_ERR_MSG_ATTR(extack, nest,
					    "access, native and dot1q-tunnel modes need a PVID");
			return NULL;
		}
	}
	if (tb[HVK_SWITCH_VLAN_A_VIDS] &&
	    (mode == HVK_SWITCH_VLAN_ACCESS || mode == HVK_SWITCH_VLAN_DOT1Q_TUNNEL ||
	     mode == HVK_SWITCH_VLAN_NONE)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[HVK_SWITCH_VLAN_A_VIDS],
				    "tagged VIDs apply to trunk and native modes only");
		return NULL;
	}
	if (tb[HVK_SWITCH_VLAN_A_VIDS]) {
		map = nla_data(tb[HVK_SWITCH_VLAN_A_VIDS]);
		if ((map[0] & 1) || (map[HVK_SWITCH_VLAN_BITMAP_LEN - 1] & 0x80)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[HVK_SWITCH_VLAN_A_VIDS],
					    "VIDs 0 and 4095 are reserved");
			return NULL;
		}
	}

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v) {
		*err = -ENOMEM;
		return NULL;
	}
	v->mode = mode;
	if (tb[HVK_SWITCH_VLAN_A_PVID])
		v->pvid = nla_get_u16(tb[HVK_SWITCH_VLAN_A_PVID]);
	if (tb[HVK_SWITCH_VLAN_A_VIDS]) {
		for (vid = 1; vid < VLAN_N_VID - 1; vid++)
			if (map[vid / 8] & (1 << (vid % 8)))
				__set_bit(vid, v->vids);
	} else if (mode != HVK_SWITCH_VLAN_ACCESS && mode != HVK_SWITCH_VLAN_DOT1Q_TUNNEL &&
		   mode != HVK_SWITCH_VLAN_NONE) {
		bitmap_set(v->vids, 1, VLAN_N_VID - 2);	/* no list: all */
	}
	*err = 0;
	return v;
}

/* Validate every settable port attribute of the request; nothing changes. */
static int port_prepare(struct genl_info *info, struct hvk_vlan **vlan)
{
	int err = 0;

	*vlan = NULL;
	if (info->attrs[HVK_SWITCH_PORT_A_VLAN])
		*vlan = vlan_from_attr(info->attrs[HVK_SWITCH_PORT_A_VLAN], info->extack, &err);
	return err;
}

/* Apply what port_prepare() validated; consumes @vlan. */
static void port_apply(struct hvk_port *port, struct genl_info *info, struct hvk_vlan *vlan)
{
	struct nlattr **a = info->attrs;
	struct hvk_vlan *old;

	if (vlan) {
		old = rtnl_dereference(port->vlan);
		rcu_assign_pointer(port->vlan, vlan);
		kfree_rcu(old, rcu);
	}
	if (a[HVK_SWITCH_PORT_A_LEARNING])
		WRITE_ONCE(port->learning, nla_get_u8(a[HVK_SWITCH_PORT_A_LEARNING]));
	if (a[HVK_SWITCH_PORT_A_FLOOD])
		WRITE_ONCE(port->flood, nla_get_u8(a[HVK_SWITCH_PORT_A_FLOOD]));
	hvk_switch_changed();
}

static int hvk_nl_port_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct net_device *dev;
	struct hvk_switch *sw;
	struct hvk_vlan *vlan;
	struct hvk_port *port;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HVK_SWITCH_PORT_A_IFINDEX))
		return -EINVAL;
	err = port_prepare(info, &vlan);
	if (err)
		return err;

	rtnl_lock();
	err = -ENODEV;
	sw = switch_from_attr(info, HVK_SWITCH_PORT_A_SWITCH_IFINDEX);
	if (!sw)
		goto out;
	dev = __dev_get_by_index(genl_info_net(info), nla_get_u32(a[HVK_SWITCH_PORT_A_IFINDEX]));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[HVK_SWITCH_PORT_A_IFINDEX],
				    "no such device in this network namespace");
		goto out;
	}
	err = hvk_port_add(sw, dev, info->extack);
	if (err)
		goto out;
	port = hvk_port_get(dev);
	port_apply(port, info, vlan);
	vlan = NULL;
	hvk_nl_port_notify(port, HVK_SWITCH_CMD_PORT_ADD, NULL);
	err = reply(info, reply_fill_port, port);
out:
	rtnl_unlock();
	kfree(vlan);
	return err;
}

static int hvk_nl_port_del(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_port *port;
	int err = -ENODEV;

	rtnl_lock();
	port = port_from_attr(info, HVK_SWITCH_PORT_A_IFINDEX, NULL);
	if (port && port->host) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HVK_SWITCH_PORT_A_IFINDEX],
				    "the switch's own port goes with the switch");
		err = -EINVAL;
	} else if (port) {
		hvk_nl_port_notify(port, HVK_SWITCH_CMD_PORT_DEL, info);
		hvk_port_del(port);
		err = 0;
	}
	rtnl_unlock();
	return err;
}

static int hvk_nl_port_set(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_vlan *vlan;
	struct hvk_port *port;
	int err;

	if (info->attrs[HVK_SWITCH_PORT_A_SWITCH_IFINDEX]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HVK_SWITCH_PORT_A_SWITCH_IFINDEX],
				    "move a port by deleting and adding it");
		return -EOPNOTSUPP;
	}
	err = port_prepare(info, &vlan);
	if (err)
		return err;
	rtnl_lock();
	port = port_from_attr(info, HVK_SWITCH_PORT_A_IFINDEX, NULL);
	if (port) {
		port_apply(port, info, vlan);
		vlan = NULL;
		hvk_nl_port_notify(port, HVK_SWITCH_CMD_PORT_SET, info);
	} else {
		err = -ENODEV;
	}
	rtnl_unlock();
	kfree(vlan);
	return err;
}

static int hvk_nl_port_get(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_port *port;
	int err = -ENODEV;

	rtnl_lock();
	port = port_from_attr(info, HVK_SWITCH_PORT_A_IFINDEX, NULL);
	if (port)
		err = reply(info, reply_fill_port, port);
	rtnl_unlock();
	return err;
}

/* Dump the ports of every switch, or of the one the request names. */
static int hvk_nl_port_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	struct nlattr *filter = di->attrs[HVK_SWITCH_PORT_A_SWITCH_IFINDEX];
	struct net *net = sock_net(skb->sk);
	long idx = 0, start = cb->args[0];
	struct net_device *dev;
	struct hvk_port *port;
	int err = 0;

	rcu_read_lock();
	cb->seq = atomic_read(&hvk_switch_generation);
	for_each_netdev_rcu(net, dev) {
		struct hvk_switch *sw;

		if (!hvk_is_switch(dev) || (filter && dev->ifindex != nla_get_u32(filter)))
			continue;
		sw = netdev_priv(dev);
		list_for_each_entry_rcu(port, &sw->ports, list) {
			if (idx++ < start)
				continue;
			err = fill_port(skb, port, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
					NLM_F_MULTI, HVK_SWITCH_CMD_PORT_GET, cb);
			if (err) {
				idx--;
				goto out;
			}
		}
	}
out:
	rcu_read_unlock();
	cb->args[0] = idx;
	return err && !skb->len ? err : skb->len;
}

/* ---- FDB ---- */

static int fdb_key_from_attrs(struct genl_info *info, const u8 **mac, u16 *vid)
{
	if (GENL_REQ_ATTR_CHECK(info, HVK_SWITCH_FDB_A_MAC) ||
	    GENL_REQ_ATTR_CHECK(info, HVK_SWITCH_FDB_A_VID))
		return -EINVAL;
	*mac = nla_data(info->attrs[HVK_SWITCH_FDB_A_MAC]);
	*vid = nla_get_u16(info->attrs[HVK_SWITCH_FDB_A_VID]);
	return 0;
}

static int hvk_nl_fdb_add(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_switch *sw;
	struct hvk_port *port;
	const u8 *mac;
	u16 vid;
	int err;

	err = fdb_key_from_attrs(info, &mac, &vid);
	if (err)
		return err;
	if (!is_valid_ether_addr(mac)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HVK_SWITCH_FDB_A_MAC],
				    "an FDB entry needs a unicast MAC address");
		return -EINVAL;
	}
	rtnl_lock();
	err = -ENODEV;
	sw = switch_from_attr(info, HVK_SWITCH_FDB_A_SWITCH_IFINDEX);
	port = sw ? port_from_attr(info, HVK_SWITCH_FDB_A_PORT_IFINDEX, sw) : NULL;
	if (port) {
		err = hvk_fdb_add_static(sw, port, mac, vid);
		if (err == -ENOSPC)
			NL_SET_ERR_MSG(info->extack, "the FDB is full");
		if (!err)
			hvk_switch_changed();
	}
	rtnl_unlock();
	return err;
}

static int hvk_nl_fdb_del(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_switch *sw;
	const u8 *mac;
	u16 vid;
	int err;

	err = fdb_key_from_attrs(info, &mac, &vid);
	if (err)
		return err;
	rtnl_lock();
	err = -ENODEV;
	sw = switch_from_attr(info, HVK_SWITCH_FDB_A_SWITCH_IFINDEX);
	if (sw) {
		err = hvk_fdb_del(sw, mac, vid);
		if (err)
			NL_SET_ERR_MSG(info->extack, "no such FDB entry");
		else
			hvk_switch_changed();
	}
	rtnl_unlock();
	return err;
}

static int hvk_nl_fdb_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct hvk_switch *sw;
	struct hvk_fdb *f;
	const u8 *mac;
	u16 vid;
	int err;

	err = fdb_key_from_attrs(info, &mac, &vid);
	if (err)
		return err;
	/* Entries live under RCU, where we may not sleep: allocate first. */
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	err = -ENODEV;
	sw = switch_from_attr(info, HVK_SWITCH_FDB_A_SWITCH_IFINDEX);
	if (sw) {
		rcu_read_lock();
		f = hvk_fdb_find(sw, mac, vid);
		if (f) {
			err = reply_fill_fdb(msg, f, info);
		} else {
			NL_SET_ERR_MSG(info->extack, "no such FDB entry");
			err = -ENOENT;
		}
		rcu_read_unlock();
	}
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int hvk_nl_fdb_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct hvk_fdb_filter filter = {};
	struct hvk_switch *sw;
	int err = -ENODEV;

	rtnl_lock();
	sw = switch_from_attr(info, HVK_SWITCH_FDB_A_SWITCH_IFINDEX);
	if (!sw)
		goto out;
	if (a[HVK_SWITCH_FDB_A_PORT_IFINDEX]) {
		filter.port = port_from_attr(info, HVK_SWITCH_FDB_A_PORT_IFINDEX, sw);
		if (!filter.port)
			goto out;
	}
	if (a[HVK_SWITCH_FDB_A_VID])
		filter.vid = nla_get_u16(a[HVK_SWITCH_FDB_A_VID]);
	filter.dynamic_only = nla_get_flag(a[HVK_SWITCH_FDB_A_DYNAMIC_ONLY]);
	hvk_fdb_flush(sw, &filter);
	hvk_switch_changed();
	err = 0;
out:
	rtnl_unlock();
	return err;
}

/*
 * Dump one switch's FDB (or every switch's): args[0] counts switches done,
 * args[1] the entries of the current one already sent.  Learning and ageing
 * do not flag the dump inconsistent; admin changes do.
 */
static int hvk_nl_fdb_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	struct nlattr *filter = di->attrs[HVK_SWITCH_FDB_A_SWITCH_IFINDEX];
	struct net *net = sock_net(skb->sk);
	long sw_idx = 0, fdb_idx;
	struct net_device *dev;
	int err = 0;

	rcu_read_lock();
	cb->seq = atomic_read(&hvk_switch_generation);
	for_each_netdev_rcu(net, dev) {
		struct rhashtable_iter iter;
		struct hvk_switch *sw;
		struct hvk_fdb *f;

		if (!hvk_is_switch(dev) || (filter && dev->ifindex != nla_get_u32(filter)))
			continue;
		if (sw_idx++ < cb->args[0])
			continue;
		sw = netdev_priv(dev);
		fdb_idx = 0;
		rhashtable_walk_enter(&sw->fdb, &iter);
		rhashtable_walk_start(&iter);
		while ((f = rhashtable_walk_next(&iter))) {
			if (IS_ERR(f))
				continue;
			if (fdb_idx++ < cb->args[1])
				continue;
			err = fill_fdb(skb, sw, f, -1, NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI, HVK_SWITCH_CMD_FDB_GET, cb);
			if (err)
				break;
			cb->args[1] = fdb_idx;
		}
		rhashtable_walk_stop(&iter);
		rhashtable_walk_exit(&iter);
		if (err) {
			sw_idx--;
			break;
		}
		cb->args[1] = 0;
	}
	rcu_read_unlock();
	cb->args[0] = sw_idx;
	return err && !skb->len ? err : skb->len;
}

/* ---- family ---- */

static int hvk_switch_nl_info_get(struct sk_buff *skb, struct genl_info *info)
{
	return hvk_genl_reply_info(info, &hvk_switch_genl_family,
				   HVK_SWITCH_CMD_INFO_GET,
				   HVK_SWITCH_INFO_A_VERSION,
				   HVK_SWITCH_INFO_A_FEATURES,
				   HVK_SWITCH_INFO_A_PAD, HVK_SWITCH_F_SWITCHING);
}

#define OP(_cmd, _doit, _dumpit, _flags, _policy, _maxattr) {		\
	.cmd = _cmd, .doit = _doit, .dumpit = _dumpit, .flags = _flags,	\
	.policy = _policy, .maxattr = _maxattr }
#define OP_SWITCH(_cmd, _doit, _dumpit, _flags)				\
	OP(_cmd, _doit, _dumpit, _flags, switch_policy, HVK_SWITCH_SWITCH_A_MAX)
#define OP_PORT(_cmd, _doit, _dumpit, _flags)				\
	OP(_cmd, _doit, _dumpit, _flags, port_policy, HVK_SWITCH_PORT_A_MAX)
#define OP_FDB(_cmd, _doit, _dumpit, _flags)				\
	OP(_cmd, _doit, _dumpit, _flags, fdb_policy, HVK_SWITCH_FDB_A_MAX)
#define ADMIN GENL_UNS_ADMIN_PERM

static const struct genl_ops hvk_switch_genl_ops[] = {
	OP(HVK_SWITCH_CMD_INFO_GET, hvk_switch_nl_info_get, NULL, 0,
	   hvk_switch_info_policy, HVK_SWITCH_INFO_A_MAX),
	OP_SWITCH(HVK_SWITCH_CMD_SWITCH_NEW, hvk_nl_switch_new, NULL, ADMIN),
	OP_SWITCH(HVK_SWITCH_CMD_SWITCH_DEL, hvk_nl_switch_del, NULL, ADMIN),
	OP_SWITCH(HVK_SWITCH_CMD_SWITCH_GET, hvk_nl_switch_get, hvk_nl_switch_dump, 0),
	OP_SWITCH(HVK_SWITCH_CMD_SWITCH_SET, hvk_nl_switch_set, NULL, ADMIN),
	OP_PORT(HVK_SWITCH_CMD_PORT_ADD, hvk_nl_port_add, NULL, ADMIN),
	OP_PORT(HVK_SWITCH_CMD_PORT_DEL, hvk_nl_port_del, NULL, ADMIN),
	OP_PORT(HVK_SWITCH_CMD_PORT_GET, hvk_nl_port_get, hvk_nl_port_dump, 0),
	OP_PORT(HVK_SWITCH_CMD_PORT_SET, hvk_nl_port_set, NULL, ADMIN),
	OP_FDB(HVK_SWITCH_CMD_FDB_ADD, hvk_nl_fdb_add, NULL, ADMIN),
	OP_FDB(HVK_SWITCH_CMD_FDB_DEL, hvk_nl_fdb_del, NULL, ADMIN),
	OP_FDB(HVK_SWITCH_CMD_FDB_GET, hvk_nl_fdb_get, hvk_nl_fdb_dump, 0),
	OP_FDB(HVK_SWITCH_CMD_FDB_FLUSH, hvk_nl_fdb_flush, NULL, ADMIN),
};

static const struct genl_multicast_group hvk_switch_genl_mcgrps[] = {
	{ .name = HVK_SWITCH_MCGRP_EVENTS },
};

static struct genl_family hvk_switch_genl_family __ro_after_init = {
	.name = HVK_SWITCH_GENL_NAME,
	.version = HVK_SWITCH_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = hvk_switch_genl_ops,
	.n_ops = ARRAY_SIZE(hvk_switch_genl_ops),
	.mcgrps = hvk_switch_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(hvk_switch_genl_mcgrps),
};

int __init hvk_switch_genl_init(void)
{
	return genl_register_family(&hvk_switch_genl_family);
}

void hvk_switch_genl_uninit(void)
{
	genl_unregister_family(&hvk_switch_genl_family);
}
