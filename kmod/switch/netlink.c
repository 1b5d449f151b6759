// SPDX-License-Identifier: GPL-2.0
/*
 * The "hvk_switch" generic netlink family: switches, ports (VLANs, rates,
 * security, storm control, filters), FDB, mirror sessions.
 * Mutations hold RTNL; dumps run under RCU and flag NLM_F_DUMP_INTR when the
 * configuration generation moved under them.
 */
#include <linux/bpf.h>
#include <linux/etherdevice.h>
#include <linux/rculist.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <net/sock.h>
#include <linux/hvk_switch.h>

#include "compat.h"
#include "fdb.h"
#include "hvk_genl.h"
#include "mirror.h"
#include "netlink.h"
#include "policy.h"
#include "port.h"
#include "rate.h"
#include "switch.h"

static struct genl_family hvk_switch_genl_family;

/* ---- policies ---- */

static const struct nla_policy hvk_switch_info_nl_policy[HVK_SWITCH_INFO_A_MAX + 1] = {
	[HVK_SWITCH_INFO_A_VERSION] = READ_ONLY("version is read-only"),
	[HVK_SWITCH_INFO_A_FEATURES] = READ_ONLY("features are read-only"),
	[HVK_SWITCH_INFO_A_PAD] = { .type = NLA_REJECT },
};

static struct netlink_range_validation hvk_switch_ageing_range __ro_after_init = {
	.min = 0,
	.max = 1000000000,	/* ms: 11.5 days */
};

static struct netlink_range_validation hvk_switch_max_macs_range __ro_after_init = {
	.min = 0,
	.max = HVK_FDB_MAX_ENTRIES,
};

static const struct nla_policy hvk_switch_switch_nl_policy[HVK_SWITCH_SWITCH_A_MAX + 1] = {
	[HVK_SWITCH_SWITCH_A_IFINDEX] = { .type = NLA_U32 },
	[HVK_SWITCH_SWITCH_A_NAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[HVK_SWITCH_SWITCH_A_AGEING_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &hvk_switch_ageing_range),
	[HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL] = { .type = NLA_U16 },
	[HVK_SWITCH_SWITCH_A_DEFAULT_PVID] = NLA_POLICY_MAX(NLA_U16, VLAN_N_VID - 2),
	[HVK_SWITCH_SWITCH_A_FDB_COUNT] = READ_ONLY("fdb-count is read-only"),
	[HVK_SWITCH_SWITCH_A_FDB_STATIC] = READ_ONLY("fdb-static is read-only"),
	[HVK_SWITCH_SWITCH_A_PORT_COUNT] = READ_ONLY("port-count is read-only"),
	[HVK_SWITCH_SWITCH_A_MAX_MACS] = NLA_POLICY_FULL_RANGE(NLA_U32, &hvk_switch_max_macs_range),
};

static const struct nla_policy hvk_switch_vlan_nl_policy[HVK_SWITCH_VLAN_A_MAX + 1] = {
	[HVK_SWITCH_VLAN_A_MODE] = NLA_POLICY_MAX(NLA_U8, HVK_SWITCH_VLAN_MODE_MAX),
	[HVK_SWITCH_VLAN_A_PVID] = NLA_POLICY_RANGE(NLA_U16, 1, VLAN_N_VID - 2),
	[HVK_SWITCH_VLAN_A_VIDS] = NLA_POLICY_EXACT_LEN(HVK_SWITCH_VLAN_BITMAP_LEN),
};

static struct netlink_range_validation hvk_switch_average_range __ro_after_init = {
	.min = 8000,			/* 1000 bytes/s */
	.max = 1000000000000ULL,	/* 1 Tbit/s */
};

static struct netlink_range_validation hvk_switch_peak_range __ro_after_init = {
	.min = 0,
	.max = 1000000000000ULL,
};

static struct netlink_range_validation hvk_switch_bytes_range __ro_after_init = {
	.min = 0,
	.max = SZ_1G,
};

static const struct nla_policy hvk_switch_rate_nl_policy[HVK_SWITCH_RATE_A_MAX + 1] = {
	[HVK_SWITCH_RATE_A_AVERAGE] = NLA_POLICY_FULL_RANGE(NLA_U64, &hvk_switch_average_range),
	[HVK_SWITCH_RATE_A_PEAK] = NLA_POLICY_FULL_RANGE(NLA_U64, &hvk_switch_peak_range),
	[HVK_SWITCH_RATE_A_BURST] = NLA_POLICY_FULL_RANGE(NLA_U64, &hvk_switch_bytes_range),
	[HVK_SWITCH_RATE_A_PPS] = { .type = NLA_U32 },
	[HVK_SWITCH_RATE_A_LIMIT] = NLA_POLICY_FULL_RANGE(NLA_U64, &hvk_switch_bytes_range),
	[HVK_SWITCH_RATE_A_BACKLOG] = READ_ONLY("backlog is read-only"),
	[HVK_SWITCH_RATE_A_PAD] = { .type = NLA_REJECT },
};

static const struct nla_policy hvk_switch_storm_nl_policy[HVK_SWITCH_STORM_A_MAX + 1] = {
	[HVK_SWITCH_STORM_A_BROADCAST] = { .type = NLA_U32 },
	[HVK_SWITCH_STORM_A_MULTICAST] = { .type = NLA_U32 },
	[HVK_SWITCH_STORM_A_UNKNOWN_UNICAST] = { .type = NLA_U32 },
};

static const struct nla_policy hvk_switch_mac_list_nl_policy[HVK_SWITCH_MAC_LIST_A_MAX + 1] = {
	[HVK_SWITCH_MAC_LIST_A_MAC] = NLA_POLICY_ETH_ADDR,
};

static const struct nla_policy hvk_switch_security_nl_policy[HVK_SWITCH_SECURITY_A_MAX + 1] = {
	[HVK_SWITCH_SECURITY_A_FORGED_TRANSMITS] = NLA_POLICY_MAX(NLA_U8, 1),
	[HVK_SWITCH_SECURITY_A_MAC_CHANGES] = NLA_POLICY_MAX(NLA_U8, 1),
	[HVK_SWITCH_SECURITY_A_PROMISCUOUS] = NLA_POLICY_MAX(NLA_U8, 1),
	[HVK_SWITCH_SECURITY_A_LOCKED] = NLA_POLICY_MAX(NLA_U8, 1),
	[HVK_SWITCH_SECURITY_A_MAX_MACS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &hvk_switch_max_macs_range),
	[HVK_SWITCH_SECURITY_A_MACS] = NLA_POLICY_NESTED(hvk_switch_mac_list_nl_policy),
	[HVK_SWITCH_SECURITY_A_STICKY_MAC] = READ_ONLY("sticky-mac is read-only"),
};

static const struct nla_policy hvk_switch_filter_nl_policy[HVK_SWITCH_FILTER_A_MAX + 1] = {
	[HVK_SWITCH_FILTER_A_FD] = { .type = NLA_S32 },
	[HVK_SWITCH_FILTER_A_ID] = READ_ONLY("the program id is read-only: pass an fd"),
	[HVK_SWITCH_FILTER_A_NAME] = READ_ONLY("the program name is read-only"),
};

static const struct nla_policy hvk_switch_port_nl_policy[HVK_SWITCH_PORT_A_MAX + 1] = {
	[HVK_SWITCH_PORT_A_IFINDEX] = { .type = NLA_U32 },
	[HVK_SWITCH_PORT_A_NAME] = READ_ONLY("name is read-only: use ifindex"),
	[HVK_SWITCH_PORT_A_SWITCH_IFINDEX] = { .type = NLA_U32 },
	[HVK_SWITCH_PORT_A_HOST] = READ_ONLY("host is read-only"),
	[HVK_SWITCH_PORT_A_VLAN] = NLA_POLICY_NESTED(hvk_switch_vlan_nl_policy),
	[HVK_SWITCH_PORT_A_LEARNING] = NLA_POLICY_MAX(NLA_U8, 1),
	[HVK_SWITCH_PORT_A_FLOOD] = NLA_POLICY_MAX(NLA_U8, 1),
	[HVK_SWITCH_PORT_A_OPER_UP] = READ_ONLY("oper-up is read-only"),
	[HVK_SWITCH_PORT_A_STATS] = READ_ONLY("stats are read-only"),
	[HVK_SWITCH_PORT_A_INBOUND] = NLA_POLICY_NESTED(hvk_switch_rate_nl_policy),
	[HVK_SWITCH_PORT_A_OUTBOUND] = NLA_POLICY_NESTED(hvk_switch_rate_nl_policy),
	[HVK_SWITCH_PORT_A_STORM] = NLA_POLICY_NESTED(hvk_switch_storm_nl_policy),
	[HVK_SWITCH_PORT_A_SECURITY] = NLA_POLICY_NESTED(hvk_switch_security_nl_policy),
	[HVK_SWITCH_PORT_A_FILTER] = NLA_POLICY_NESTED(hvk_switch_filter_nl_policy),
	[HVK_SWITCH_PORT_A_MAC_COUNT] = READ_ONLY("mac-count is read-only"),
	[HVK_SWITCH_PORT_A_DROP_REASON] = READ_ONLY("drop-reason is read-only"),
	[HVK_SWITCH_PORT_A_DROP_MAC] = READ_ONLY("drop-mac is read-only"),
	[HVK_SWITCH_PORT_A_DROP_VID] = READ_ONLY("drop-vid is read-only"),
};

static const struct nla_policy hvk_switch_fdb_nl_policy[HVK_SWITCH_FDB_A_MAX + 1] = {
	[HVK_SWITCH_FDB_A_SWITCH_IFINDEX] = { .type = NLA_U32 },
	[HVK_SWITCH_FDB_A_MAC] = NLA_POLICY_ETH_ADDR,
	[HVK_SWITCH_FDB_A_VID] = NLA_POLICY_RANGE(NLA_U16, 1, VLAN_N_VID - 2),
	[HVK_SWITCH_FDB_A_PORT_IFINDEX] = { .type = NLA_U32 },
	[HVK_SWITCH_FDB_A_STATIC] = { .type = NLA_FLAG },
	[HVK_SWITCH_FDB_A_AGE_MS] = READ_ONLY("age is read-only"),
	[HVK_SWITCH_FDB_A_EVENT] = READ_ONLY("event is read-only"),
	[HVK_SWITCH_FDB_A_DYNAMIC_ONLY] = { .type = NLA_FLAG },
};

static const struct nla_policy hvk_switch_port_list_nl_policy[HVK_SWITCH_PORT_LIST_A_MAX + 1] = {
	[HVK_SWITCH_PORT_LIST_A_IFINDEX] = { .type = NLA_U32 },
};

static struct netlink_range_validation hvk_switch_truncate_range __ro_after_init = {
	.min = 0,
	.max = 65535,
};

static const struct nla_policy hvk_switch_mirror_nl_policy[HVK_SWITCH_MIRROR_A_MAX + 1] = {
	[HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX] = { .type = NLA_U32 },
	[HVK_SWITCH_MIRROR_A_NAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[HVK_SWITCH_MIRROR_A_DEST_IFINDEX] = { .type = NLA_U32 },
	[HVK_SWITCH_MIRROR_A_INGRESS] = NLA_POLICY_NESTED(hvk_switch_port_list_nl_policy),
	[HVK_SWITCH_MIRROR_A_EGRESS] = NLA_POLICY_NESTED(hvk_switch_port_list_nl_policy),
	[HVK_SWITCH_MIRROR_A_VID] = NLA_POLICY_MAX(NLA_U16, VLAN_N_VID - 2),
	[HVK_SWITCH_MIRROR_A_TRUNCATE] = NLA_POLICY_FULL_RANGE(NLA_U32, &hvk_switch_truncate_range),
	[HVK_SWITCH_MIRROR_A_PACKETS] = READ_ONLY("packets are read-only"),
	[HVK_SWITCH_MIRROR_A_BYTES] = READ_ONLY("bytes are read-only"),
	[HVK_SWITCH_MIRROR_A_DROPS] = READ_ONLY("drops are read-only"),
	[HVK_SWITCH_MIRROR_A_PAD] = { .type = NLA_REJECT },
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
	struct hvk_port_counters s;
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
	/* The drop attributes follow enum hvk_drop_reason's order, around PAD. */
	for (i = 0; i < HVK_DROP_MAX; i++)
		if (put_stat(skb, i <= HVK_DROP_SWITCH_DOWN ?
				  HVK_SWITCH_STATS_A_DROP_VLAN_INGRESS + i :
				  HVK_SWITCH_STATS_A_DROP_SHAPER + i - HVK_DROP_SHAPER,
			     s.drops[i]))
			goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static_assert(HVK_SWITCH_STATS_A_DROP_VLAN_INGRESS + HVK_DROP_SWITCH_DOWN + 1 ==
	      HVK_SWITCH_STATS_A_PAD);
static_assert(HVK_SWITCH_STATS_A_DROP_SHAPER + HVK_DROP_MAX - HVK_DROP_SHAPER - 1 ==
	      HVK_SWITCH_STATS_A_MAX);

static int put_rate(struct sk_buff *skb, int attr, const struct hvk_rate_cfg *cfg,
		    bool shaper, u64 backlog)
{
	struct nlattr *nest = nla_nest_start(skb, attr);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, HVK_SWITCH_RATE_A_AVERAGE, cfg->average,
			      HVK_SWITCH_RATE_A_PAD) ||
	    (cfg->peak && nla_put_u64_64bit(skb, HVK_SWITCH_RATE_A_PEAK, cfg->peak,
					    HVK_SWITCH_RATE_A_PAD)) ||
	    nla_put_u64_64bit(skb, HVK_SWITCH_RATE_A_BURST, cfg->burst, HVK_SWITCH_RATE_A_PAD) ||
	    (cfg->pps && nla_put_u32(skb, HVK_SWITCH_RATE_A_PPS, cfg->pps)) ||
	    (shaper && nla_put_u64_64bit(skb, HVK_SWITCH_RATE_A_LIMIT, cfg->limit,
					 HVK_SWITCH_RATE_A_PAD)) ||
	    (shaper && nla_put_u64_64bit(skb, HVK_SWITCH_RATE_A_BACKLOG, backlog,
					 HVK_SWITCH_RATE_A_PAD))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_storm(struct sk_buff *skb, const struct hvk_storm_limits *st)
{
	struct nlattr *nest = nla_nest_start(skb, HVK_SWITCH_PORT_A_STORM);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, HVK_SWITCH_STORM_A_BROADCAST, st->bcast.pps) ||
	    nla_put_u32(skb, HVK_SWITCH_STORM_A_MULTICAST, st->mcast.pps) ||
	    nla_put_u32(skb, HVK_SWITCH_STORM_A_UNKNOWN_UNICAST, st->unknown.pps)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_security(struct sk_buff *skb, const struct hvk_sec_policy *sec)
{
	struct nlattr *nest, *macs;
	u8 sticky[ETH_ALEN];
	unsigned int i;

	nest = nla_nest_start(skb, HVK_SWITCH_PORT_A_SECURITY);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, HVK_SWITCH_SECURITY_A_FORGED_TRANSMITS, !sec->forged_reject) ||
	    nla_put_u8(skb, HVK_SWITCH_SECURITY_A_MAC_CHANGES, !sec->mac_change_reject) ||
	    nla_put_u8(skb, HVK_SWITCH_SECURITY_A_PROMISCUOUS, !sec->promisc_reject) ||
	    nla_put_u8(skb, HVK_SWITCH_SECURITY_A_LOCKED, sec->locked) ||
	    nla_put_u32(skb, HVK_SWITCH_SECURITY_A_MAX_MACS, sec->max_macs) ||
	    (hvk_security_sticky(sec, sticky) &&
	     nla_put(skb, HVK_SWITCH_SECURITY_A_STICKY_MAC, ETH_ALEN, sticky)))
		goto err;
	if (sec->n_macs) {
		macs = nla_nest_start(skb, HVK_SWITCH_SECURITY_A_MACS);
		if (!macs)
			goto err;
		for (i = 0; i < sec->n_macs; i++)
			if (nla_put(skb, HVK_SWITCH_MAC_LIST_A_MAC, ETH_ALEN, sec->macs[i]))
				goto err;
		nla_nest_end(skb, macs);
	}
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int put_filter(struct sk_buff *skb, const struct bpf_prog *prog)
{
	struct nlattr *nest = nla_nest_start(skb, HVK_SWITCH_PORT_A_FILTER);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, HVK_SWITCH_FILTER_A_ID, prog->aux->id) ||
	    (prog->aux->name[0] &&
	     nla_put_string(skb, HVK_SWITCH_FILTER_A_NAME, prog->aux->name))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* The policy part of a port message; RTNL or RCU. */
static int put_port_policy(struct sk_buff *skb, const struct hvk_port *port)
{
	const struct hvk_sec_policy *sec = rcu_dereference_rtnl(port->security);
	const struct hvk_policer *pol = rcu_dereference_rtnl(port->policer);
	struct hvk_shaper *shaper = rcu_dereference_rtnl(port->shaper);
	const struct hvk_storm_limits *storm = rcu_dereference_rtnl(port->storm);
	const struct bpf_prog *prog = rcu_dereference_rtnl(port->filter);

	if ((shaper && put_rate(skb, HVK_SWITCH_PORT_A_INBOUND, &shaper->cfg, true,
				hvk_shaper_backlog(shaper))) ||
	    (pol && put_rate(skb, HVK_SWITCH_PORT_A_OUTBOUND, &pol->cfg, false, 0)) ||
	    (storm && put_storm(skb, storm)) ||
	    (sec && put_security(skb, sec)) ||
	    (prog && put_filter(skb, prog)) ||
	    nla_put_u32(skb, HVK_SWITCH_PORT_A_MAC_COUNT, atomic_read(&port->n_macs)))
		return -EMSGSIZE;
	return 0;
}

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
	    nla_put_u32(skb, HVK_SWITCH_SWITCH_A_PORT_COUNT, READ_ONCE(sw->n_ports)) ||
	    nla_put_u32(skb, HVK_SWITCH_SWITCH_A_MAX_MACS, READ_ONCE(sw->max_macs))) {
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
	    put_port_policy(skb, port) ||
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

/* A control-plane notification: fill_switch() and friends without a request. */
static void notify(struct net *net, hvk_ntf_fill_t fill, const void *obj, u8 cmd,
		   struct genl_info *info)
{
	hvk_genl_notify(&hvk_switch_genl_family, net, fill, obj, cmd, info,
			NLMSG_GOODSIZE, GFP_KERNEL);
}

static int ntf_fill_switch(struct sk_buff *skb, const void *obj, u8 cmd)
{
	return fill_switch(skb, obj, 0, 0, 0, cmd, NULL);
}

static int ntf_fill_port(struct sk_buff *skb, const void *obj, u8 cmd)
{
	return fill_port(skb, obj, 0, 0, 0, cmd, NULL);
}

void hvk_switch_nl_switch_notify(struct hvk_switch *sw, u8 cmd, struct genl_info *info)
{
	notify(dev_net(sw->dev), ntf_fill_switch, sw, cmd, info);
}

void hvk_switch_nl_port_notify(struct hvk_port *port, u8 cmd, struct genl_info *info)
{
	notify(dev_net(port->sw->dev), ntf_fill_port, port, cmd, info);
}

struct fdb_ntf {
	struct hvk_switch *sw;
	const struct hvk_fdb *f;
	u8 event;
};

static int ntf_fill_fdb(struct sk_buff *skb, const void *obj, u8 cmd)
{
	const struct fdb_ntf *n = obj;

	return fill_fdb(skb, n->sw, n->f, n->event, 0, 0, 0, cmd, NULL);
}

/* From the data path (learning, ageing) as well: atomic. */
void hvk_switch_nl_fdb_notify(struct hvk_switch *sw, const struct hvk_fdb *f, u8 event)
{
	struct fdb_ntf n = { .sw = sw, .f = f, .event = event };

	hvk_genl_notify(&hvk_switch_genl_family, dev_net(sw->dev), ntf_fill_fdb, &n,
			HVK_SWITCH_CMD_FDB_NTF, NULL, NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
}

static u8 drop_reason_uapi(enum hvk_drop_reason reason)
{
	switch (reason) {
	case HVK_DROP_MAC_LIMIT:
		return HVK_SWITCH_DROP_MAC_LIMIT;
	case HVK_DROP_SWITCH_MAC_LIMIT:
		return HVK_SWITCH_DROP_SWITCH_MAC_LIMIT;
	case HVK_DROP_LOCKED:
		return HVK_SWITCH_DROP_LOCKED;
	default:
		return HVK_SWITCH_DROP_FORGED;
	}
}

struct security_ntf {
	const struct hvk_port *port;
	enum hvk_drop_reason reason;
	const u8 *mac;
	u16 vid;
};

static int ntf_fill_security(struct sk_buff *skb, const void *obj, u8 cmd)
{
	const struct security_ntf *n = obj;
	const struct hvk_port *port = n->port;
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &hvk_switch_genl_family, 0, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, HVK_SWITCH_PORT_A_IFINDEX, port->dev->ifindex) ||
	    nla_put_string(skb, HVK_SWITCH_PORT_A_NAME, port->dev->name) ||
	    nla_put_u32(skb, HVK_SWITCH_PORT_A_SWITCH_IFINDEX, port->sw->dev->ifindex) ||
	    nla_put_u8(skb, HVK_SWITCH_PORT_A_DROP_REASON, drop_reason_uapi(n->reason)) ||
	    nla_put(skb, HVK_SWITCH_PORT_A_DROP_MAC, ETH_ALEN, n->mac) ||
	    nla_put_u16(skb, HVK_SWITCH_PORT_A_DROP_VID, n->vid)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* From the data path, at most ntf_limit a second per port: atomic. */
void hvk_switch_nl_security_notify(struct hvk_port *port, enum hvk_drop_reason reason,
				   const u8 *mac, u16 vid)
{
	struct security_ntf n = { .port = port, .reason = reason, .mac = mac, .vid = vid };
	struct net *net = dev_net(port->sw->dev);

	if (!genl_has_listeners(&hvk_switch_genl_family, net, 0) ||
	    !__ratelimit(&port->ntf_limit))
		return;
	hvk_genl_notify(&hvk_switch_genl_family, net, ntf_fill_security, &n,
			HVK_SWITCH_CMD_SECURITY_NTF, NULL, NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
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
				  : hvk_port_of(dev);
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

/* ---- switch ---- */

/*
 * Not NLA_POLICY_VALIDATE_FN: on 6.1 a validation function is for
 * NLA_BINARY only; on an integer type, an extack that carries the policy
 * of a malformed attribute reads the function pointer as a range and WARNs
 * (nla_get_range_unsigned; found by fuzz.sh).
 */
static int switch_vlan_protocol_check(const struct nlattr *attr,
				      struct netlink_ext_ack *extack)
{
	u16 proto;

	if (!attr)
		return 0;
	proto = nla_get_u16(attr);
	if (proto != ETH_P_8021Q && proto != ETH_P_8021AD) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "vlan-protocol must be 802.1Q (0x8100) or 802.1ad (0x88a8)");
		return -EINVAL;
	}
	return 0;
}

static void switch_apply(struct hvk_switch *sw, void *arg)
{
	struct genl_info *info = arg;
	struct nlattr **a = info->attrs;
	struct nlattr *proto = a[HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL];

	if (a[HVK_SWITCH_SWITCH_A_AGEING_MS])
		hvk_switch_set_ageing(sw, nla_get_u32(a[HVK_SWITCH_SWITCH_A_AGEING_MS]));
	if (proto)
		WRITE_ONCE(sw->vlan_proto, htons(nla_get_u16(proto)));
	if (a[HVK_SWITCH_SWITCH_A_DEFAULT_PVID])
		sw->default_pvid = nla_get_u16(a[HVK_SWITCH_SWITCH_A_DEFAULT_PVID]);
	if (a[HVK_SWITCH_SWITCH_A_MAX_MACS])
		WRITE_ONCE(sw->max_macs, nla_get_u32(a[HVK_SWITCH_SWITCH_A_MAX_MACS]));
	hvk_switch_changed();
}

static int hvk_switch_nl_switch_new_doit(struct sk_buff *skb, struct genl_info *info)
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
	err = switch_vlan_protocol_check(a[HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL], info->extack);
	if (err)
		return err;
	if (a[HVK_SWITCH_SWITCH_A_NAME])
		name = nla_data(a[HVK_SWITCH_SWITCH_A_NAME]);

	rtnl_lock();
	sw = hvk_switch_create(genl_info_net(info), name, switch_apply, info, info->extack);
	if (IS_ERR(sw)) {
		rtnl_unlock();
		return PTR_ERR(sw);
	}
	err = reply(info, reply_fill_switch, sw);
	rtnl_unlock();
	return err;
}

static int hvk_switch_nl_switch_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_switch *sw;
	int err = -ENODEV;

	rtnl_lock();
	sw = switch_from_attr(info, HVK_SWITCH_SWITCH_A_IFINDEX);
	if (sw) {
		hvk_switch_nl_switch_notify(sw, HVK_SWITCH_CMD_SWITCH_DEL, info);
		unregister_netdevice(sw->dev);
		err = 0;
	}
	rtnl_unlock();
	return err;
}

static int hvk_switch_nl_switch_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct hvk_switch *sw;
	int err = -ENODEV;

	if (a[HVK_SWITCH_SWITCH_A_NAME]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[HVK_SWITCH_SWITCH_A_NAME],
				    "rename a switch with ip link set NAME name NEW");
		return -EOPNOTSUPP;
	}
	err = switch_vlan_protocol_check(a[HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL], info->extack);
	if (err)
		return err;
	err = -ENODEV;
	rtnl_lock();
	sw = switch_from_attr(info, HVK_SWITCH_SWITCH_A_IFINDEX);
	if (sw) {
		switch_apply(sw, info);
		hvk_switch_nl_switch_notify(sw, HVK_SWITCH_CMD_SWITCH_SET, info);
		err = 0;
	}
	rtnl_unlock();
	return err;
}

static int hvk_switch_nl_switch_get_doit(struct sk_buff *skb, struct genl_info *info)
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

/*
 * Dump objects of every switch, or of the one @filter names: @fill_sw puts
 * those of one switch, numbering them with *idx and skipping the first
 * cb->args[0] (what earlier messages held).
 */
typedef int (*dump_sw_t)(struct sk_buff *skb, struct netlink_callback *cb,
			 struct hvk_switch *sw, long *idx);

static int dump_switches(struct sk_buff *skb, struct netlink_callback *cb,
			 const struct nlattr *filter, dump_sw_t fill_sw)
{
	struct net *net = sock_net(skb->sk);
	struct net_device *dev;
	long idx = 0;
	int err = 0;

	rcu_read_lock();
	cb->seq = atomic_read(&hvk_switch_generation);
	for_each_netdev_rcu(net, dev) {
		if (!hvk_is_switch(dev) || (filter && dev->ifindex != nla_get_u32(filter)))
			continue;
		err = fill_sw(skb, cb, netdev_priv(dev), &idx);
		if (err)
			break;
	}
	rcu_read_unlock();
	cb->args[0] = idx;
	return err && !skb->len ? err : skb->len;
}

static int dump_switch(struct sk_buff *skb, struct netlink_callback *cb,
		       struct hvk_switch *sw, long *idx)
{
	if ((*idx)++ < cb->args[0])
		return 0;
	if (fill_switch(skb, sw, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			NLM_F_MULTI, HVK_SWITCH_CMD_SWITCH_GET, cb)) {
		(*idx)--;
		return -EMSGSIZE;
	}
	return 0;
}

static int hvk_switch_nl_switch_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dump_switches(skb, cb, NULL, dump_switch);
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

	*err = nla_parse_nested(tb, HVK_SWITCH_VLAN_A_MAX, nest, hvk_switch_vlan_nl_policy, extack);
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

	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
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

static void port_req_free(struct hvk_port_policy *r)
{
	kfree(r->vlan);
	if (r->shaper)
		hvk_shaper_destroy(r->shaper);
	kfree(r->policer);
	kfree(r->storm);
	kfree(r->security);
	if (r->filter)
		bpf_prog_put(r->filter);
}

static bool port_req_policy(const struct hvk_port_policy *r)
{
	return r->set_shaper || r->set_policer || r->set_storm || r->set_security ||
	       r->set_filter;
}

/* A "rate" nest: false with *cfg untouched when it is empty (= off). */
static int rate_from_attr(const struct nlattr *nest, bool shaper,
			  struct hvk_rate_cfg *cfg, bool *on,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[HVK_SWITCH_RATE_A_MAX + 1];
	int err, i;

	err = nla_parse_nested(tb, HVK_SWITCH_RATE_A_MAX, nest, hvk_switch_rate_nl_policy, extack);
	if (err)
		return err;
	*on = false;
	for (i = 1; i <= HVK_SWITCH_RATE_A_MAX; i++)
		*on |= !!tb[i];
	if (!*on)
		return 0;
	if (!tb[HVK_SWITCH_RATE_A_AVERAGE]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a rate needs average (bit/s)");
		return -EINVAL;
	}
	memset(cfg, 0, sizeof(*cfg));
	cfg->average = nla_get_u64(tb[HVK_SWITCH_RATE_A_AVERAGE]);
	if (tb[HVK_SWITCH_RATE_A_PEAK])
		cfg->peak = nla_get_u64(tb[HVK_SWITCH_RATE_A_PEAK]);
	if (tb[HVK_SWITCH_RATE_A_BURST])
		cfg->burst = nla_get_u64(tb[HVK_SWITCH_RATE_A_BURST]);
	if (tb[HVK_SWITCH_RATE_A_PPS])
		cfg->pps = nla_get_u32(tb[HVK_SWITCH_RATE_A_PPS]);
	if (tb[HVK_SWITCH_RATE_A_LIMIT])
		cfg->limit = nla_get_u64(tb[HVK_SWITCH_RATE_A_LIMIT]);
	return hvk_rate_cfg_check(cfg, shaper, nest, extack);
}

static int storm_from_attr(const struct nlattr *nest, struct hvk_port_policy *r,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[HVK_SWITCH_STORM_A_MAX + 1];
	u32 pps[HVK_SWITCH_STORM_A_MAX + 1] = {};
	int err, i;

	err = nla_parse_nested(tb, HVK_SWITCH_STORM_A_MAX, nest,
			       hvk_switch_storm_nl_policy, extack);
	if (err)
		return err;
	r->set_storm = true;
	for (i = 1; i <= HVK_SWITCH_STORM_A_MAX; i++)
		if (tb[i])
			pps[i] = nla_get_u32(tb[i]);
	if (!pps[HVK_SWITCH_STORM_A_BROADCAST] && !pps[HVK_SWITCH_STORM_A_MULTICAST] &&
	    !pps[HVK_SWITCH_STORM_A_UNKNOWN_UNICAST])
		return 0;	/* no limit left: off */
	r->storm = hvk_storm_new(pps[HVK_SWITCH_STORM_A_BROADCAST],
				 pps[HVK_SWITCH_STORM_A_MULTICAST],
				 pps[HVK_SWITCH_STORM_A_UNKNOWN_UNICAST]);
	return r->storm ? 0 : -ENOMEM;
}

static int security_from_attr(const struct nlattr *nest, struct hvk_port_policy *r,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[HVK_SWITCH_SECURITY_A_MAX + 1];
	struct hvk_sec_policy *sec;
	unsigned int n = 0;
	struct nlattr *mac;
	bool any = false;
	int err, rem, i;

	err = nla_parse_nested(tb, HVK_SWITCH_SECURITY_A_MAX, nest,
			       hvk_switch_security_nl_policy, extack);
	if (err)
		return err;
	r->set_security = true;
	for (i = 1; i <= HVK_SWITCH_SECURITY_A_MAX; i++)
		any |= !!tb[i];
	if (!any)
		return 0;	/* empty: no policy */

	if (tb[HVK_SWITCH_SECURITY_A_MACS]) {
		nla_for_each_nested(mac, tb[HVK_SWITCH_SECURITY_A_MACS], rem) {
			if (!is_valid_ether_addr(nla_data(mac))) {
				NL_SET_ERR_MSG_ATTR(extack, mac,
						    "a port's MAC must be a unicast, non-zero address");
				return -EINVAL;
			}
			if (++n > HVK_SWITCH_SECURITY_MAX_MACS) {
				NL_SET_ERR_MSG_ATTR(extack, mac,
						    "a port lists at most 64 MAC addresses");
				return -E2BIG;
			}
		}
	}
	sec = hvk_security_new(n);
	if (!sec)
		return -ENOMEM;
	n = 0;
	if (tb[HVK_SWITCH_SECURITY_A_MACS])
		nla_for_each_nested(mac, tb[HVK_SWITCH_SECURITY_A_MACS], rem)
			ether_addr_copy(sec->macs[n++], nla_data(mac));
	/* The attributes say accept (1) or reject (0); absent = accept. */
	sec->forged_reject = tb[HVK_SWITCH_SECURITY_A_FORGED_TRANSMITS] &&
			     !nla_get_u8(tb[HVK_SWITCH_SECURITY_A_FORGED_TRANSMITS]);
	sec->mac_change_reject = tb[HVK_SWITCH_SECURITY_A_MAC_CHANGES] &&
				 !nla_get_u8(tb[HVK_SWITCH_SECURITY_A_MAC_CHANGES]);
	sec->promisc_reject = tb[HVK_SWITCH_SECURITY_A_PROMISCUOUS] &&
			      !nla_get_u8(tb[HVK_SWITCH_SECURITY_A_PROMISCUOUS]);
	sec->locked = tb[HVK_SWITCH_SECURITY_A_LOCKED] &&
		      nla_get_u8(tb[HVK_SWITCH_SECURITY_A_LOCKED]);
	if (tb[HVK_SWITCH_SECURITY_A_MAX_MACS])
		sec->max_macs = nla_get_u32(tb[HVK_SWITCH_SECURITY_A_MAX_MACS]);
	r->security = sec;
	return 0;
}

static int filter_from_attr(const struct nlattr *nest, struct hvk_port_policy *r,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[HVK_SWITCH_FILTER_A_MAX + 1];
	struct bpf_prog *prog;
	int err, fd;

	err = nla_parse_nested(tb, HVK_SWITCH_FILTER_A_MAX, nest,
			       hvk_switch_filter_nl_policy, extack);
	if (err)
		return err;
	if (!tb[HVK_SWITCH_FILTER_A_FD]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "a filter needs a program fd (-1 removes it)");
		return -EINVAL;
	}
	r->set_filter = true;
	fd = nla_get_s32(tb[HVK_SWITCH_FILTER_A_FD]);
	if (fd < 0)
		return 0;
	prog = bpf_prog_get_type_dev(fd, BPF_PROG_TYPE_SCHED_CLS, false);
	if (IS_ERR(prog)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[HVK_SWITCH_FILTER_A_FD],
				    "the fd is not a BPF program of type sched_cls");
		return PTR_ERR(prog);
	}
	r->filter = prog;
	return 0;
}

/* Validate every settable port attribute of the request; nothing changes. */
static int port_prepare(struct genl_info *info, struct hvk_port_policy *r)
{
	struct nlattr **a = info->attrs;
	struct hvk_rate_cfg cfg;
	bool on;
	int err = 0;

	memset(r, 0, sizeof(*r));
	if (a[HVK_SWITCH_PORT_A_VLAN]) {
		r->vlan = vlan_from_attr(a[HVK_SWITCH_PORT_A_VLAN], info->extack, &err);
		if (err)
			goto err;
	}
	if (a[HVK_SWITCH_PORT_A_INBOUND]) {
		err = rate_from_attr(a[HVK_SWITCH_PORT_A_INBOUND], true, &cfg, &on, info->extack);
		if (err)
			goto err;
		r->set_shaper = true;
		if (on) {
			r->shaper = hvk_shaper_new(NULL, &cfg);
			if (!r->shaper)
				goto nomem;
		}
	}
	if (a[HVK_SWITCH_PORT_A_OUTBOUND]) {
		err = rate_from_attr(a[HVK_SWITCH_PORT_A_OUTBOUND], false, &cfg, &on, info->extack);
		if (err)
			goto err;
		r->set_policer = true;
		if (on) {
			r->policer = hvk_policer_new(&cfg);
			if (!r->policer)
				goto nomem;
		}
	}
	if (a[HVK_SWITCH_PORT_A_STORM]) {
		err = storm_from_attr(a[HVK_SWITCH_PORT_A_STORM], r, info->extack);
		if (err)
			goto err;
	}
	if (a[HVK_SWITCH_PORT_A_SECURITY]) {
		err = security_from_attr(a[HVK_SWITCH_PORT_A_SECURITY], r, info->extack);
		if (err)
			goto err;
	}
	if (a[HVK_SWITCH_PORT_A_FILTER]) {
		err = filter_from_attr(a[HVK_SWITCH_PORT_A_FILTER], r, info->extack);
		if (err)
			goto err;
	}
	return 0;
nomem:
	err = -ENOMEM;
err:
	port_req_free(r);
	return err;
}

/* What a request may not do to @port; RTNL held. */
static int port_req_check(struct hvk_port *port, const struct hvk_port_policy *r,
			  struct genl_info *info)
{
	if (port->host && port_req_policy(r)) {
		NL_SET_ERR_MSG(info->extack,
			       "the host port has no traffic policy: use tc or nftables on the switch device");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Apply what port_prepare() validated; consumes @r. */
static void port_apply(struct hvk_port *port, struct genl_info *info, struct hvk_port_policy *r)
{
	struct nlattr **a = info->attrs;

	hvk_port_publish(port, r);
	if (a[HVK_SWITCH_PORT_A_LEARNING])
		WRITE_ONCE(port->learning, nla_get_u8(a[HVK_SWITCH_PORT_A_LEARNING]));
	if (a[HVK_SWITCH_PORT_A_FLOOD])
		WRITE_ONCE(port->flood, nla_get_u8(a[HVK_SWITCH_PORT_A_FLOOD]));
	hvk_switch_changed();
}

struct port_setup {
	struct genl_info *info;
	struct hvk_port_policy *r;
};

/* A new port's configuration, applied before the port is announced. */
static void port_add_setup(struct hvk_port *port, void *arg)
{
	struct port_setup *s = arg;

	port_apply(port, s->info, s->r);
}

static int hvk_switch_nl_port_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct port_setup setup;
	struct net_device *dev;
	struct hvk_switch *sw;
	struct hvk_port_policy r;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HVK_SWITCH_PORT_A_IFINDEX))
		return -EINVAL;
	err = port_prepare(info, &r);
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
	setup.info = info;
	setup.r = &r;
	err = hvk_port_attach(sw, dev, port_add_setup, &setup, info->extack);
	if (!err)
		err = reply(info, reply_fill_port, hvk_port_of(dev));
out:
	rtnl_unlock();
	port_req_free(&r);
	return err;
}

static int hvk_switch_nl_port_del_doit(struct sk_buff *skb, struct genl_info *info)
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
		hvk_port_detach(port, info);
		err = 0;
	}
	rtnl_unlock();
	return err;
}

static int hvk_switch_nl_port_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_port *port;
	struct hvk_port_policy r;
	int err;

	if (info->attrs[HVK_SWITCH_PORT_A_SWITCH_IFINDEX]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HVK_SWITCH_PORT_A_SWITCH_IFINDEX],
				    "move a port by deleting and adding it");
		return -EOPNOTSUPP;
	}
	err = port_prepare(info, &r);
	if (err)
		return err;
	rtnl_lock();
	port = port_from_attr(info, HVK_SWITCH_PORT_A_IFINDEX, NULL);
	err = port ? port_req_check(port, &r, info) : -ENODEV;
	if (!err) {
		port_apply(port, info, &r);
		hvk_switch_nl_port_notify(port, HVK_SWITCH_CMD_PORT_SET, info);
	}
	rtnl_unlock();
	port_req_free(&r);
	return err;
}

static int hvk_switch_nl_port_get_doit(struct sk_buff *skb, struct genl_info *info)
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

static int dump_ports_of(struct sk_buff *skb, struct netlink_callback *cb,
			 struct hvk_switch *sw, long *idx)
{
	struct hvk_port *port;

	list_for_each_entry_rcu(port, &sw->ports, list) {
		if ((*idx)++ < cb->args[0])
			continue;
		if (fill_port(skb, port, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			      NLM_F_MULTI, HVK_SWITCH_CMD_PORT_GET, cb)) {
			(*idx)--;
			return -EMSGSIZE;
		}
	}
	return 0;
}

static int hvk_switch_nl_port_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = hvk_genl_dump_attrs(cb);

	return dump_switches(skb, cb, attrs[HVK_SWITCH_PORT_A_SWITCH_IFINDEX], dump_ports_of);
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

static int hvk_switch_nl_fdb_add_doit(struct sk_buff *skb, struct genl_info *info)
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

static int hvk_switch_nl_fdb_del_doit(struct sk_buff *skb, struct genl_info *info)
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
		err = hvk_fdb_remove(sw, mac, vid);
		if (err)
			NL_SET_ERR_MSG(info->extack, "no such FDB entry");
		else
			hvk_switch_changed();
	}
	rtnl_unlock();
	return err;
}

static int hvk_switch_nl_fdb_get_doit(struct sk_buff *skb, struct genl_info *info)
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

static int hvk_switch_nl_fdb_flush_doit(struct sk_buff *skb, struct genl_info *info)
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
	hvk_fdb_purge(sw, &filter);
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
static int hvk_switch_nl_fdb_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *filter = hvk_genl_dump_attrs(cb)[HVK_SWITCH_FDB_A_SWITCH_IFINDEX];
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

/* ---- mirror sessions ---- */

static int put_port_list(struct sk_buff *skb, int attr, const struct hvk_mirror *m,
			 bool ingress)
{
	const struct hvk_switch *sw = m->sw;
	struct hvk_port *p;
	struct nlattr *nest;

	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	list_for_each_entry_rcu(p, &sw->ports, list, lockdep_rtnl_is_held()) {
		const struct hvk_mirror *pm = ingress ? rcu_dereference_rtnl(p->mirror_rx)
						      : rcu_dereference_rtnl(p->mirror_tx);

		if (pm == m && nla_put_u32(skb, HVK_SWITCH_PORT_LIST_A_IFINDEX, p->dev->ifindex)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_counter(struct sk_buff *skb, int attr, const atomic64_t *v)
{
	return nla_put_u64_64bit(skb, attr, atomic64_read(v), HVK_SWITCH_MIRROR_A_PAD);
}

static int fill_mirror(struct sk_buff *skb, const struct hvk_mirror *m,
		       u32 portid, u32 seq, int flags, u8 cmd,
		       struct netlink_callback *cb)
{
	void *hdr = genlmsg_put(skb, portid, seq, &hvk_switch_genl_family, flags, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX, m->sw->dev->ifindex) ||
	    nla_put_string(skb, HVK_SWITCH_MIRROR_A_NAME, m->name) ||
	    nla_put_u32(skb, HVK_SWITCH_MIRROR_A_DEST_IFINDEX, m->dest->dev->ifindex) ||
	    put_port_list(skb, HVK_SWITCH_MIRROR_A_INGRESS, m, true) ||
	    put_port_list(skb, HVK_SWITCH_MIRROR_A_EGRESS, m, false) ||
	    nla_put_u16(skb, HVK_SWITCH_MIRROR_A_VID, m->vid) ||
	    nla_put_u32(skb, HVK_SWITCH_MIRROR_A_TRUNCATE, m->truncate) ||
	    put_counter(skb, HVK_SWITCH_MIRROR_A_PACKETS, &m->packets) ||
	    put_counter(skb, HVK_SWITCH_MIRROR_A_BYTES, &m->bytes) ||
	    put_counter(skb, HVK_SWITCH_MIRROR_A_DROPS, &m->drops)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int reply_fill_mirror(struct sk_buff *skb, const void *obj, struct genl_info *info)
{
	return fill_mirror(skb, obj, info->snd_portid, info->snd_seq, 0,
			   info->genlhdr->cmd, NULL);
}

static int ntf_fill_mirror(struct sk_buff *skb, const void *obj, u8 cmd)
{
	return fill_mirror(skb, obj, 0, 0, 0, cmd, NULL);
}

void hvk_switch_nl_mirror_notify(struct hvk_mirror *m, u8 cmd, struct genl_info *info)
{
	notify(dev_net(m->sw->dev), ntf_fill_mirror, m, cmd, info);
}

/* The session the request names; RTNL held. */
static struct hvk_mirror *mirror_from_attrs(struct genl_info *info, struct hvk_switch **swp)
{
	struct hvk_switch *sw = switch_from_attr(info, HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX);
	struct hvk_mirror *m;

	*swp = sw;
	if (!sw || GENL_REQ_ATTR_CHECK(info, HVK_SWITCH_MIRROR_A_NAME))
		return NULL;
	m = hvk_mirror_find(sw, nla_data(info->attrs[HVK_SWITCH_MIRROR_A_NAME]));
	if (!m)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HVK_SWITCH_MIRROR_A_NAME],
				    "no mirror session of that name on this switch");
	return m;
}

/* Check one "port-list" of a new session against @sw and @dest. */
static int mirror_check_ports(struct genl_info *info, int attr, struct hvk_switch *sw,
			      struct hvk_port *dest, bool ingress)
{
	struct nlattr *nest = info->attrs[attr], *a;
	struct hvk_port *p;
	int rem;

	if (!nest)
		return 0;
	nla_for_each_nested(a, nest, rem) {
		p = hvk_port_by_ifindex(sw, nla_get_u32(a));
		if (!p || p->host) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "mirrored ports must be ports of the switch (not its host port)");
			return -EINVAL;
		}
		if (p == dest) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "the destination port cannot be mirrored");
			return -ELOOP;
		}
		if (ingress ? rtnl_dereference(p->mirror_rx) : rtnl_dereference(p->mirror_tx)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "that direction of the port is mirrored by another session");
			return -EBUSY;
		}
	}
	return 0;
}

static void mirror_hook_ports(struct genl_info *info, int attr, struct hvk_mirror *m,
			      bool ingress)
{
	struct nlattr *nest = info->attrs[attr], *a;
	struct hvk_port *p;
	int rem;

	if (!nest)
		return;
	nla_for_each_nested(a, nest, rem) {
		p = hvk_port_by_ifindex(m->sw, nla_get_u32(a));
		if (ingress)
			rcu_assign_pointer(p->mirror_rx, m);
		else
			rcu_assign_pointer(p->mirror_tx, m);
	}
}

static int hvk_switch_nl_mirror_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct hvk_port *dest;
	struct hvk_switch *sw;
	struct hvk_mirror *m;
	u32 trunc = 0;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, HVK_SWITCH_MIRROR_A_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, HVK_SWITCH_MIRROR_A_DEST_IFINDEX))
		return -EINVAL;
	if (!a[HVK_SWITCH_MIRROR_A_INGRESS] && !a[HVK_SWITCH_MIRROR_A_EGRESS]) {
		NL_SET_ERR_MSG(info->extack, "a mirror session needs ingress or egress ports");
		return -EINVAL;
	}
	if (a[HVK_SWITCH_MIRROR_A_TRUNCATE])
		trunc = nla_get_u32(a[HVK_SWITCH_MIRROR_A_TRUNCATE]);
	if (trunc && trunc < ETH_ZLEN) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[HVK_SWITCH_MIRROR_A_TRUNCATE],
				    "truncate must be 0 (off) or at least 60 bytes");
		return -EINVAL;
	}

	rtnl_lock();
	err = -ENODEV;
	sw = switch_from_attr(info, HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX);
	if (!sw)
		goto out;
	err = -EEXIST;
	if (hvk_mirror_find(sw, nla_data(a[HVK_SWITCH_MIRROR_A_NAME]))) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[HVK_SWITCH_MIRROR_A_NAME],
				    "a mirror session of that name exists");
		goto out;
	}
	err = -EINVAL;
	dest = hvk_port_by_ifindex(sw, nla_get_u32(a[HVK_SWITCH_MIRROR_A_DEST_IFINDEX]));
	if (!dest || dest->host) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[HVK_SWITCH_MIRROR_A_DEST_IFINDEX],
				    "the destination must be a port of the switch (not its host port)");
		goto out;
	}
	err = mirror_check_ports(info, HVK_SWITCH_MIRROR_A_INGRESS, sw, dest, true) ?:
	      mirror_check_ports(info, HVK_SWITCH_MIRROR_A_EGRESS, sw, dest, false);
	if (err)
		goto out;
	if (list_count_nodes(&sw->mirrors) >= HVK_MIRROR_MAX) {
		NL_SET_ERR_MSG(info->extack, "the switch has its maximum of mirror sessions");
		err = -ENOSPC;
		goto out;
	}
	err = -ENOMEM;
	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		goto out;
	m->sw = sw;
	nla_strscpy(m->name, a[HVK_SWITCH_MIRROR_A_NAME], sizeof(m->name));
	m->dest = dest;
	m->truncate = trunc;
	if (a[HVK_SWITCH_MIRROR_A_VID])
		m->vid = nla_get_u16(a[HVK_SWITCH_MIRROR_A_VID]);
	list_add_tail_rcu(&m->list, &sw->mirrors);
	mirror_hook_ports(info, HVK_SWITCH_MIRROR_A_INGRESS, m, true);
	mirror_hook_ports(info, HVK_SWITCH_MIRROR_A_EGRESS, m, false);
	hvk_switch_changed();
	hvk_switch_nl_mirror_notify(m, HVK_SWITCH_CMD_MIRROR_NEW, NULL);
	err = reply(info, reply_fill_mirror, m);
out:
	rtnl_unlock();
	return err;
}

static int hvk_switch_nl_mirror_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_switch *sw;
	struct hvk_mirror *m;
	int err = -ENOENT;

	rtnl_lock();
	m = mirror_from_attrs(info, &sw);
	if (m) {
		hvk_mirror_destroy(m, info);
		err = 0;
	} else if (!sw) {
		err = -ENODEV;
	}
	rtnl_unlock();
	return err;
}

static int hvk_switch_nl_mirror_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_switch *sw;
	struct hvk_mirror *m;
	int err = -ENOENT;

	rtnl_lock();
	m = mirror_from_attrs(info, &sw);
	if (m)
		err = reply(info, reply_fill_mirror, m);
	else if (!sw)
		err = -ENODEV;
	rtnl_unlock();
	return err;
}

static int dump_mirrors_of(struct sk_buff *skb, struct netlink_callback *cb,
			   struct hvk_switch *sw, long *idx)
{
	struct hvk_mirror *m;

	list_for_each_entry_rcu(m, &sw->mirrors, list) {
		if ((*idx)++ < cb->args[0])
			continue;
		if (fill_mirror(skb, m, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				NLM_F_MULTI, HVK_SWITCH_CMD_MIRROR_GET, cb)) {
			(*idx)--;
			return -EMSGSIZE;
		}
	}
	return 0;
}

static int hvk_switch_nl_mirror_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = hvk_genl_dump_attrs(cb);

	return dump_switches(skb, cb, attrs[HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX],
			     dump_mirrors_of);
}

/* ---- family ---- */

static int hvk_switch_nl_info_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return hvk_genl_reply_info(info, &hvk_switch_genl_family,
				   HVK_SWITCH_CMD_INFO_GET,
				   HVK_SWITCH_INFO_A_VERSION,
				   HVK_SWITCH_INFO_A_FEATURES,
				   HVK_SWITCH_INFO_A_PAD,
				   HVK_SWITCH_F_SWITCHING | HVK_SWITCH_F_SHAPING |
				   HVK_SWITCH_F_SECURITY | HVK_SWITCH_F_MIRROR |
				   HVK_SWITCH_F_FILTER);
}

/*
 * One block per command, in command order, as upstream's ynl-gen lays out a
 * family: the attribute set's policy, its maxattr, and GENL_UNS_ADMIN_PERM on
 * every operation that changes something (CAP_NET_ADMIN in the user namespace
 * owning the netns).  Getters are open: they show what ip link shows.
 */
static const struct genl_ops hvk_switch_genl_ops[] = {
	{
		.cmd = HVK_SWITCH_CMD_INFO_GET,
		.doit = hvk_switch_nl_info_get_doit,
		.policy = hvk_switch_info_nl_policy,
		.maxattr = HVK_SWITCH_INFO_A_MAX,
	},
	{
		.cmd = HVK_SWITCH_CMD_SWITCH_NEW,
		.doit = hvk_switch_nl_switch_new_doit,
		.policy = hvk_switch_switch_nl_policy,
		.maxattr = HVK_SWITCH_SWITCH_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HVK_SWITCH_CMD_SWITCH_DEL,
		.doit = hvk_switch_nl_switch_del_doit,
		.policy = hvk_switch_switch_nl_policy,
		.maxattr = HVK_SWITCH_SWITCH_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HVK_SWITCH_CMD_SWITCH_GET,
		.doit = hvk_switch_nl_switch_get_doit,
		.dumpit = hvk_switch_nl_switch_get_dumpit,
		.policy = hvk_switch_switch_nl_policy,
		.maxattr = HVK_SWITCH_SWITCH_A_MAX,
	},
	{
		.cmd = HVK_SWITCH_CMD_SWITCH_SET,
		.doit = hvk_switch_nl_switch_set_doit,
		.policy = hvk_switch_switch_nl_policy,
		.maxattr = HVK_SWITCH_SWITCH_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HVK_SWITCH_CMD_PORT_ADD,
		.doit = hvk_switch_nl_port_add_doit,
		.policy = hvk_switch_port_nl_policy,
		.maxattr = HVK_SWITCH_PORT_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HVK_SWITCH_CMD_PORT_DEL,
		.doit = hvk_switch_nl_port_del_doit,
		.policy = hvk_switch_port_nl_policy,
		.maxattr = HVK_SWITCH_PORT_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HVK_SWITCH_CMD_PORT_GET,
		.doit = hvk_switch_nl_port_get_doit,
		.dumpit = hvk_switch_nl_port_get_dumpit,
		.policy = hvk_switch_port_nl_policy,
		.maxattr = HVK_SWITCH_PORT_A_MAX,
	},
	{
		.cmd = HVK_SWITCH_CMD_PORT_SET,
		.doit = hvk_switch_nl_port_set_doit,
		.policy = hvk_switch_port_nl_policy,
		.maxattr = HVK_SWITCH_PORT_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HVK_SWITCH_CMD_FDB_ADD,
		.doit = hvk_switch_nl_fdb_add_doit,
		.policy = hvk_switch_fdb_nl_policy,
		.maxattr = HVK_SWITCH_FDB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HVK_SWITCH_CMD_FDB_DEL,
		.doit = hvk_switch_nl_fdb_del_doit,
		.policy = hvk_switch_fdb_nl_policy,
		.maxattr = HVK_SWITCH_FDB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HVK_SWITCH_CMD_FDB_GET,
		.doit = hvk_switch_nl_fdb_get_doit,
		.dumpit = hvk_switch_nl_fdb_get_dumpit,
		.policy = hvk_switch_fdb_nl_policy,
		.maxattr = HVK_SWITCH_FDB_A_MAX,
	},
	{
		.cmd = HVK_SWITCH_CMD_FDB_FLUSH,
		.doit = hvk_switch_nl_fdb_flush_doit,
		.policy = hvk_switch_fdb_nl_policy,
		.maxattr = HVK_SWITCH_FDB_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HVK_SWITCH_CMD_MIRROR_NEW,
		.doit = hvk_switch_nl_mirror_new_doit,
		.policy = hvk_switch_mirror_nl_policy,
		.maxattr = HVK_SWITCH_MIRROR_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HVK_SWITCH_CMD_MIRROR_DEL,
		.doit = hvk_switch_nl_mirror_del_doit,
		.policy = hvk_switch_mirror_nl_policy,
		.maxattr = HVK_SWITCH_MIRROR_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = HVK_SWITCH_CMD_MIRROR_GET,
		.doit = hvk_switch_nl_mirror_get_doit,
		.dumpit = hvk_switch_nl_mirror_get_dumpit,
		.policy = hvk_switch_mirror_nl_policy,
		.maxattr = HVK_SWITCH_MIRROR_A_MAX,
	},
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
