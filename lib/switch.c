// SPDX-License-Identifier: LGPL-2.1-or-later
/* libhvk: switches, ports and the FDB over the hvk_switch family. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/hvk_switch.h>

#include "nl.h"

_Static_assert(HVK_VIDS_LEN == HVK_SWITCH_VLAN_BITMAP_LEN, "VLAN bitmap size");
_Static_assert(HVK_PORT_DROP_SWITCH_DOWN + 1 ==
	       HVK_SWITCH_STATS_A_PAD - HVK_SWITCH_STATS_A_DROP_VLAN_INGRESS, "drop reasons");
_Static_assert(HVK_PORT_DROP_MAX - HVK_PORT_DROP_SHAPER ==
	       HVK_SWITCH_STATS_A_MAX + 1 - HVK_SWITCH_STATS_A_DROP_SHAPER, "drop reasons");
_Static_assert(HVK_SECURITY_MAX_MACS == HVK_SWITCH_SECURITY_MAX_MACS, "MAC list size");

static const char *const drop_names[HVK_PORT_DROP_MAX] = {
	"vlan-ingress", "vlan-egress", "same-port", "port-down",
	"flood-suppressed", "invalid-src", "mtu", "nomem", "switch-down",
	"shaper", "policer", "storm-broadcast", "storm-multicast", "storm-unknown-unicast",
	"forged", "mac-change", "promiscuous", "mac-limit", "switch-mac-limit",
	"locked", "filter",
};

const char *hvk_port_drop_name(unsigned int drop)
{
	return drop < HVK_PORT_DROP_MAX ? drop_names[drop] : NULL;
}

static const char *const reason_names[] = {
	[HVK_SWITCH_DROP_FORGED] = "forged",
	[HVK_SWITCH_DROP_MAC_LIMIT] = "mac-limit",
	[HVK_SWITCH_DROP_SWITCH_MAC_LIMIT] = "switch-mac-limit",
	[HVK_SWITCH_DROP_LOCKED] = "locked",
};

const char *hvk_drop_reason_name(unsigned int reason)
{
	return reason < sizeof(reason_names) / sizeof(reason_names[0]) ? reason_names[reason]
									 : NULL;
}

void hvk_security_init(struct hvk_security *sec)
{
	memset(sec, 0, sizeof(*sec));
	sec->on = true;
	sec->forged_transmits = true;
	sec->mac_changes = true;
	sec->promiscuous = true;
}

uint8_t hvk_msg_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	return g->cmd;
}

int hvk_switch_open(struct hvk_nl **nl, struct hvk_error *err)
{
	return hvk_nl_open(nl, HVK_SWITCH_GENL_NAME, err);
}

/* ---- switches ---- */

int hvk_switch_parse(const struct nlmsghdr *nlh, struct hvk_switch_info *sw,
		     struct hvk_error *err)
{
	const struct nlattr *a;

	memset(sw, 0, sizeof(*sw));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		int type = mnl_attr_get_type(a);

		switch (type) {
		case HVK_SWITCH_SWITCH_A_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				goto bad;
			snprintf(sw->name, sizeof(sw->name), "%s", mnl_attr_get_str(a));
			sw->has |= HVK_SWITCH_HAS_NAME;
			break;
		case HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL:
		case HVK_SWITCH_SWITCH_A_DEFAULT_PVID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				goto bad;
			if (type == HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL) {
				sw->vlan_protocol = mnl_attr_get_u16(a);
				sw->has |= HVK_SWITCH_HAS_VLAN_PROTOCOL;
			} else {
				sw->default_pvid = mnl_attr_get_u16(a);
				sw->has |= HVK_SWITCH_HAS_DEFAULT_PVID;
			}
			break;
		case HVK_SWITCH_SWITCH_A_IFINDEX:
		case HVK_SWITCH_SWITCH_A_AGEING_MS:
		case HVK_SWITCH_SWITCH_A_FDB_COUNT:
		case HVK_SWITCH_SWITCH_A_FDB_STATIC:
		case HVK_SWITCH_SWITCH_A_MAX_MACS:
		case HVK_SWITCH_SWITCH_A_PORT_COUNT: {
			uint32_t v;

			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				goto bad;
			v = mnl_attr_get_u32(a);
			if (type == HVK_SWITCH_SWITCH_A_IFINDEX)
				sw->ifindex = v;
			else if (type == HVK_SWITCH_SWITCH_A_AGEING_MS) {
				sw->ageing_ms = v;
				sw->has |= HVK_SWITCH_HAS_AGEING;
			} else if (type == HVK_SWITCH_SWITCH_A_FDB_COUNT)
				sw->fdb_count = v;
			else if (type == HVK_SWITCH_SWITCH_A_FDB_STATIC)
				sw->fdb_static = v;
			else if (type == HVK_SWITCH_SWITCH_A_MAX_MACS) {
				sw->max_macs = v;
				sw->has |= HVK_SWITCH_HAS_MAX_MACS;
			} else
				sw->port_count = v;
			break;
		}
		}
	}
	if (!sw->ifindex)
		return hvkp_error_set(err, -EBADMSG, "switch message without an ifindex");
	return 0;
bad:
	return hvkp_error_set(err, -EBADMSG, "malformed switch attribute %u",
			      mnl_attr_get_type(a));
}

static int switch_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	return hvk_switch_parse(nlh, data, err);
}

static int switch_list_parse(const struct nlmsghdr *nlh, void *item, struct hvk_error *err)
{
	return hvk_switch_parse(nlh, item, err);
}

static void put_switch(struct nlmsghdr *nlh, const struct hvk_switch_info *sw)
{
	if (sw->ifindex)
		mnl_attr_put_u32(nlh, HVK_SWITCH_SWITCH_A_IFINDEX, sw->ifindex);
	if (sw->has & HVK_SWITCH_HAS_NAME)
		mnl_attr_put_strz(nlh, HVK_SWITCH_SWITCH_A_NAME, sw->name);
	if (sw->has & HVK_SWITCH_HAS_AGEING)
		mnl_attr_put_u32(nlh, HVK_SWITCH_SWITCH_A_AGEING_MS, sw->ageing_ms);
	if (sw->has & HVK_SWITCH_HAS_VLAN_PROTOCOL)
		mnl_attr_put_u16(nlh, HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL, sw->vlan_protocol);
	if (sw->has & HVK_SWITCH_HAS_DEFAULT_PVID)
		mnl_attr_put_u16(nlh, HVK_SWITCH_SWITCH_A_DEFAULT_PVID, sw->default_pvid);
	if (sw->has & HVK_SWITCH_HAS_MAX_MACS)
		mnl_attr_put_u32(nlh, HVK_SWITCH_SWITCH_A_MAX_MACS, sw->max_macs);
}

int hvk_switch_new(struct hvk_nl *nl, const struct hvk_switch_info *req,
		   struct hvk_switch_info *out, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_SWITCH_CMD_SWITCH_NEW, 0);
	struct hvk_switch_info tmp = *req;

	tmp.ifindex = 0;
	put_switch(nlh, &tmp);
	return hvk_nl_request(nl, nlh, out ? switch_cb : NULL, NULL, out, err);
}

static int ifindex_request(struct hvk_nl *nl, uint8_t cmd, int attr, uint32_t ifindex,
			   hvk_nl_msg_cb cb, void *out, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, cmd, 0);

	mnl_attr_put_u32(nlh, attr, ifindex);
	return hvk_nl_request(nl, nlh, cb, NULL, out, err);
}

int hvk_switch_del(struct hvk_nl *nl, uint32_t ifindex, struct hvk_error *err)
{
	return ifindex_request(nl, HVK_SWITCH_CMD_SWITCH_DEL, HVK_SWITCH_SWITCH_A_IFINDEX,
			       ifindex, NULL, NULL, err);
}

int hvk_switch_get(struct hvk_nl *nl, uint32_t ifindex,
		   struct hvk_switch_info *out, struct hvk_error *err)
{
	return ifindex_request(nl, HVK_SWITCH_CMD_SWITCH_GET, HVK_SWITCH_SWITCH_A_IFINDEX,
			       ifindex, switch_cb, out, err);
}

int hvk_switch_set(struct hvk_nl *nl, const struct hvk_switch_info *req,
		   struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_SWITCH_CMD_SWITCH_SET, 0);
	struct hvk_switch_info tmp = *req;

	tmp.has &= ~HVK_SWITCH_HAS_NAME;
	put_switch(nlh, &tmp);
	return hvk_nl_request(nl, nlh, NULL, NULL, NULL, err);
}

int hvk_switch_list(struct hvk_nl *nl, struct hvk_switch_info **out, size_t *n,
		    struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct hvkp_list l = { .size = sizeof(**out), .parse = switch_list_parse };

	return hvkp_dump(nl, hvk_nl_req_start(nl, buf, HVK_SWITCH_CMD_SWITCH_GET, NLM_F_DUMP),
		    &l, (void **)out, n, err);
}

/* ---- ports ---- */

static int decode_vlan(const struct nlattr *nest, struct hvk_vlan_config *v)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case HVK_SWITCH_VLAN_A_MODE:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				return -EBADMSG;
			v->mode = mnl_attr_get_u8(a);
			break;
		case HVK_SWITCH_VLAN_A_PVID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			v->pvid = mnl_attr_get_u16(a);
			break;
		case HVK_SWITCH_VLAN_A_VIDS:
			if (mnl_attr_get_payload_len(a) != HVK_VIDS_LEN)
				return -EBADMSG;
			memcpy(v->vids, mnl_attr_get_payload(a), HVK_VIDS_LEN);
			v->has_vids = true;
			break;
		}
	}
	return 0;
}

static int decode_stats(const struct nlattr *nest, struct hvk_port_stats *s)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		unsigned int type = mnl_attr_get_type(a);
		uint64_t v;

		if (type == HVK_SWITCH_STATS_A_PAD || type > HVK_SWITCH_STATS_A_MAX)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return -EBADMSG;
		v = mnl_attr_get_u64(a);
		switch (type) {
		case HVK_SWITCH_STATS_A_RX_PACKETS: s->rx_packets = v; break;
		case HVK_SWITCH_STATS_A_RX_BYTES: s->rx_bytes = v; break;
		case HVK_SWITCH_STATS_A_TX_PACKETS: s->tx_packets = v; break;
		case HVK_SWITCH_STATS_A_TX_BYTES: s->tx_bytes = v; break;
		default:
			if (type >= HVK_SWITCH_STATS_A_DROP_SHAPER)
				s->drops[HVK_PORT_DROP_SHAPER + type -
					 HVK_SWITCH_STATS_A_DROP_SHAPER] = v;
			else if (type >= HVK_SWITCH_STATS_A_DROP_VLAN_INGRESS)
				s->drops[type - HVK_SWITCH_STATS_A_DROP_VLAN_INGRESS] = v;
		}
	}
	return 0;
}

static int decode_rate(const struct nlattr *nest, struct hvk_rate *r)
{
	const struct nlattr *a;

	memset(r, 0, sizeof(*r));
	r->on = true;
	mnl_attr_for_each_nested(a, nest) {
		unsigned int type = mnl_attr_get_type(a);

		if (type == HVK_SWITCH_RATE_A_PPS) {
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			r->pps = mnl_attr_get_u32(a);
			continue;
		}
		if (type == HVK_SWITCH_RATE_A_PAD || type > HVK_SWITCH_RATE_A_MAX)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return -EBADMSG;
		switch (type) {
		case HVK_SWITCH_RATE_A_AVERAGE: r->average = mnl_attr_get_u64(a); break;
		case HVK_SWITCH_RATE_A_PEAK: r->peak = mnl_attr_get_u64(a); break;
		case HVK_SWITCH_RATE_A_BURST: r->burst = mnl_attr_get_u64(a); break;
		case HVK_SWITCH_RATE_A_LIMIT: r->limit = mnl_attr_get_u64(a); break;
		case HVK_SWITCH_RATE_A_BACKLOG: r->backlog = mnl_attr_get_u64(a); break;
		}
	}
	return 0;
}

static int decode_storm(const struct nlattr *nest, struct hvk_storm *st)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		unsigned int type = mnl_attr_get_type(a);

		if (type > HVK_SWITCH_STORM_A_MAX)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		if (type == HVK_SWITCH_STORM_A_BROADCAST)
			st->broadcast = mnl_attr_get_u32(a);
		else if (type == HVK_SWITCH_STORM_A_MULTICAST)
			st->multicast = mnl_attr_get_u32(a);
		else if (type == HVK_SWITCH_STORM_A_UNKNOWN_UNICAST)
			st->unknown_unicast = mnl_attr_get_u32(a);
	}
	return 0;
}

static int decode_mac(const struct nlattr *a, uint8_t mac[6])
{
	if (mnl_attr_get_payload_len(a) != 6)
		return -EBADMSG;
	memcpy(mac, mnl_attr_get_payload(a), 6);
	return 0;
}

static int decode_security(const struct nlattr *nest, struct hvk_security *sec)
{
	const struct nlattr *a, *m;

	hvk_security_init(sec);
	mnl_attr_for_each_nested(a, nest) {
		unsigned int type = mnl_attr_get_type(a);

		switch (type) {
		case HVK_SWITCH_SECURITY_A_FORGED_TRANSMITS:
		case HVK_SWITCH_SECURITY_A_MAC_CHANGES:
		case HVK_SWITCH_SECURITY_A_PROMISCUOUS:
		case HVK_SWITCH_SECURITY_A_LOCKED:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				return -EBADMSG;
			*(type == HVK_SWITCH_SECURITY_A_FORGED_TRANSMITS ? &sec->forged_transmits :
			  type == HVK_SWITCH_SECURITY_A_MAC_CHANGES ? &sec->mac_changes :
			  type == HVK_SWITCH_SECURITY_A_PROMISCUOUS ? &sec->promiscuous :
			  &sec->locked) = mnl_attr_get_u8(a);
			break;
		case HVK_SWITCH_SECURITY_A_MAX_MACS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			sec->max_macs = mnl_attr_get_u32(a);
			break;
		case HVK_SWITCH_SECURITY_A_STICKY_MAC:
			if (decode_mac(a, sec->sticky_mac))
				return -EBADMSG;
			sec->has_sticky = true;
			break;
		case HVK_SWITCH_SECURITY_A_MACS:
			mnl_attr_for_each_nested(m, a) {
				if (mnl_attr_get_type(m) != HVK_SWITCH_MAC_LIST_A_MAC)
					continue;
				if (sec->n_macs == HVK_SECURITY_MAX_MACS ||
				    decode_mac(m, sec->macs[sec->n_macs]))
					return -EBADMSG;
				sec->n_macs++;
			}
			break;
		}
	}
	return 0;
}

static int decode_filter(const struct nlattr *nest, struct hvk_filter *f)
{
	const struct nlattr *a;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == HVK_SWITCH_FILTER_A_ID) {
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			f->id = mnl_attr_get_u32(a);
		} else if (mnl_attr_get_type(a) == HVK_SWITCH_FILTER_A_NAME) {
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return -EBADMSG;
			snprintf(f->name, sizeof(f->name), "%s", mnl_attr_get_str(a));
		}
	}
	return 0;
}

int hvk_port_parse(const struct nlmsghdr *nlh, struct hvk_port_info *p,
		   struct hvk_error *err)
{
	const struct nlattr *a;

	memset(p, 0, sizeof(*p));
	p->filter.fd = -1;
	p->drop.reason = -1;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		int type = mnl_attr_get_type(a), ret = 0;

		switch (type) {
		case HVK_SWITCH_PORT_A_IFINDEX:
		case HVK_SWITCH_PORT_A_SWITCH_IFINDEX:
		case HVK_SWITCH_PORT_A_MAC_COUNT:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				goto bad;
			*(type == HVK_SWITCH_PORT_A_IFINDEX ? &p->ifindex :
			  type == HVK_SWITCH_PORT_A_SWITCH_IFINDEX ? &p->switch_ifindex :
			  &p->mac_count) = mnl_attr_get_u32(a);
			break;
		case HVK_SWITCH_PORT_A_INBOUND:
			ret = decode_rate(a, &p->inbound);
			p->has |= HVK_PORT_HAS_INBOUND;
			break;
		case HVK_SWITCH_PORT_A_OUTBOUND:
			ret = decode_rate(a, &p->outbound);
			p->has |= HVK_PORT_HAS_OUTBOUND;
			break;
		case HVK_SWITCH_PORT_A_STORM:
			ret = decode_storm(a, &p->storm);
			p->has |= HVK_PORT_HAS_STORM;
			break;
		case HVK_SWITCH_PORT_A_SECURITY:
			ret = decode_security(a, &p->security);
			p->has |= HVK_PORT_HAS_SECURITY;
			break;
		case HVK_SWITCH_PORT_A_FILTER:
			ret = decode_filter(a, &p->filter);
			p->has |= HVK_PORT_HAS_FILTER;
			break;
		case HVK_SWITCH_PORT_A_DROP_REASON:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				goto bad;
			p->drop.reason = mnl_attr_get_u8(a);
			break;
		case HVK_SWITCH_PORT_A_DROP_MAC:
			ret = decode_mac(a, p->drop.mac);
			break;
		case HVK_SWITCH_PORT_A_DROP_VID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				goto bad;
			p->drop.vid = mnl_attr_get_u16(a);
			break;
		case HVK_SWITCH_PORT_A_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				goto bad;
			snprintf(p->name, sizeof(p->name), "%s", mnl_attr_get_str(a));
			break;
		case HVK_SWITCH_PORT_A_HOST:
			p->host = true;
			break;
		case HVK_SWITCH_PORT_A_LEARNING:
		case HVK_SWITCH_PORT_A_FLOOD:
		case HVK_SWITCH_PORT_A_OPER_UP:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				goto bad;
			if (type == HVK_SWITCH_PORT_A_LEARNING) {
				p->learning = mnl_attr_get_u8(a);
				p->has |= HVK_PORT_HAS_LEARNING;
			} else if (type == HVK_SWITCH_PORT_A_FLOOD) {
				p->flood = mnl_attr_get_u8(a);
				p->has |= HVK_PORT_HAS_FLOOD;
			} else {
				p->oper_up = mnl_attr_get_u8(a);
			}
			break;
		case HVK_SWITCH_PORT_A_VLAN:
			ret = decode_vlan(a, &p->vlan);
			p->has |= HVK_PORT_HAS_VLAN;
			break;
		case HVK_SWITCH_PORT_A_STATS:
			ret = decode_stats(a, &p->stats);
			break;
		}
		if (ret)
			goto bad;
	}
	if (!p->ifindex)
		return hvkp_error_set(err, -EBADMSG, "port message without an ifindex");
	return 0;
bad:
	return hvkp_error_set(err, -EBADMSG, "malformed port attribute %u",
			      mnl_attr_get_type(a));
}

static int port_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	return hvk_port_parse(nlh, data, err);
}

static int port_list_parse(const struct nlmsghdr *nlh, void *item, struct hvk_error *err)
{
	return hvk_port_parse(nlh, item, err);
}

/* An empty nest turns the rate off. */
static void put_rate(struct nlmsghdr *nlh, int type, const struct hvk_rate *r)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	if (r->on) {
		mnl_attr_put_u64(nlh, HVK_SWITCH_RATE_A_AVERAGE, r->average);
		if (r->peak)
			mnl_attr_put_u64(nlh, HVK_SWITCH_RATE_A_PEAK, r->peak);
		if (r->burst)
			mnl_attr_put_u64(nlh, HVK_SWITCH_RATE_A_BURST, r->burst);
		if (r->pps)
			mnl_attr_put_u32(nlh, HVK_SWITCH_RATE_A_PPS, r->pps);
		if (r->limit)
			mnl_attr_put_u64(nlh, HVK_SWITCH_RATE_A_LIMIT, r->limit);
	}
	mnl_attr_nest_end(nlh, nest);
}

static void put_security(struct nlmsghdr *nlh, const struct hvk_security *sec)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, HVK_SWITCH_PORT_A_SECURITY), *macs;
	unsigned int i;

	if (sec->on) {
		mnl_attr_put_u8(nlh, HVK_SWITCH_SECURITY_A_FORGED_TRANSMITS, sec->forged_transmits);
		mnl_attr_put_u8(nlh, HVK_SWITCH_SECURITY_A_MAC_CHANGES, sec->mac_changes);
		mnl_attr_put_u8(nlh, HVK_SWITCH_SECURITY_A_PROMISCUOUS, sec->promiscuous);
		mnl_attr_put_u8(nlh, HVK_SWITCH_SECURITY_A_LOCKED, sec->locked);
		mnl_attr_put_u32(nlh, HVK_SWITCH_SECURITY_A_MAX_MACS, sec->max_macs);
		if (sec->n_macs) {
			macs = mnl_attr_nest_start(nlh, HVK_SWITCH_SECURITY_A_MACS);
			for (i = 0; i < sec->n_macs && i < HVK_SECURITY_MAX_MACS; i++)
				mnl_attr_put(nlh, HVK_SWITCH_MAC_LIST_A_MAC, 6, sec->macs[i]);
			mnl_attr_nest_end(nlh, macs);
		}
	}
	mnl_attr_nest_end(nlh, nest);
}

static void put_port(struct nlmsghdr *nlh, const struct hvk_port_info *p)
{
	mnl_attr_put_u32(nlh, HVK_SWITCH_PORT_A_IFINDEX, p->ifindex);
	if (p->has & HVK_PORT_HAS_VLAN) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, HVK_SWITCH_PORT_A_VLAN);

		mnl_attr_put_u8(nlh, HVK_SWITCH_VLAN_A_MODE, p->vlan.mode);
		if (p->vlan.pvid)
			mnl_attr_put_u16(nlh, HVK_SWITCH_VLAN_A_PVID, p->vlan.pvid);
		if (p->vlan.has_vids)
			mnl_attr_put(nlh, HVK_SWITCH_VLAN_A_VIDS, HVK_VIDS_LEN, p->vlan.vids);
		mnl_attr_nest_end(nlh, nest);
	}
	if (p->has & HVK_PORT_HAS_LEARNING)
		mnl_attr_put_u8(nlh, HVK_SWITCH_PORT_A_LEARNING, p->learning);
	if (p->has & HVK_PORT_HAS_FLOOD)
		mnl_attr_put_u8(nlh, HVK_SWITCH_PORT_A_FLOOD, p->flood);
	if (p->has & HVK_PORT_HAS_INBOUND)
		put_rate(nlh, HVK_SWITCH_PORT_A_INBOUND, &p->inbound);
	if (p->has & HVK_PORT_HAS_OUTBOUND)
		put_rate(nlh, HVK_SWITCH_PORT_A_OUTBOUND, &p->outbound);
	if (p->has & HVK_PORT_HAS_STORM) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, HVK_SWITCH_PORT_A_STORM);

		mnl_attr_put_u32(nlh, HVK_SWITCH_STORM_A_BROADCAST, p->storm.broadcast);
		mnl_attr_put_u32(nlh, HVK_SWITCH_STORM_A_MULTICAST, p->storm.multicast);
		mnl_attr_put_u32(nlh, HVK_SWITCH_STORM_A_UNKNOWN_UNICAST, p->storm.unknown_unicast);
		mnl_attr_nest_end(nlh, nest);
	}
	if (p->has & HVK_PORT_HAS_SECURITY)
		put_security(nlh, &p->security);
	if (p->has & HVK_PORT_HAS_FILTER) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, HVK_SWITCH_PORT_A_FILTER);

		mnl_attr_put_u32(nlh, HVK_SWITCH_FILTER_A_FD, (uint32_t)(p->filter.fd < 0 ? -1 : p->filter.fd));
		mnl_attr_nest_end(nlh, nest);
	}
}

int hvk_port_add(struct hvk_nl *nl, const struct hvk_port_info *req,
		 struct hvk_port_info *out, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_SWITCH_CMD_PORT_ADD, 0);

	put_port(nlh, req);
	mnl_attr_put_u32(nlh, HVK_SWITCH_PORT_A_SWITCH_IFINDEX, req->switch_ifindex);
	return hvk_nl_request(nl, nlh, out ? port_cb : NULL, NULL, out, err);
}

int hvk_port_del(struct hvk_nl *nl, uint32_t ifindex, struct hvk_error *err)
{
	return ifindex_request(nl, HVK_SWITCH_CMD_PORT_DEL, HVK_SWITCH_PORT_A_IFINDEX,
			       ifindex, NULL, NULL, err);
}

int hvk_port_get(struct hvk_nl *nl, uint32_t ifindex, struct hvk_port_info *out,
		 struct hvk_error *err)
{
	return ifindex_request(nl, HVK_SWITCH_CMD_PORT_GET, HVK_SWITCH_PORT_A_IFINDEX,
			       ifindex, port_cb, out, err);
}

int hvk_port_set(struct hvk_nl *nl, const struct hvk_port_info *req,
		 struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_SWITCH_CMD_PORT_SET, 0);

	put_port(nlh, req);
	return hvk_nl_request(nl, nlh, NULL, NULL, NULL, err);
}

int hvk_port_list(struct hvk_nl *nl, uint32_t switch_ifindex,
		  struct hvk_port_info **out, size_t *n, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct hvkp_list l = { .size = sizeof(**out), .parse = port_list_parse };
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_SWITCH_CMD_PORT_GET, NLM_F_DUMP);

	if (switch_ifindex)
		mnl_attr_put_u32(nlh, HVK_SWITCH_PORT_A_SWITCH_IFINDEX, switch_ifindex);
	return hvkp_dump(nl, nlh, &l, (void **)out, n, err);
}

/* ---- mirror sessions ---- */

static int decode_port_list(const struct nlattr *nest, uint32_t *list, size_t *n)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != HVK_SWITCH_PORT_LIST_A_IFINDEX)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0 || *n == HVK_MIRROR_MAX_PORTS)
			return -EBADMSG;
		list[(*n)++] = mnl_attr_get_u32(a);
	}
	return 0;
}

int hvk_mirror_parse(const struct nlmsghdr *nlh, struct hvk_mirror_info *m,
		     struct hvk_error *err)
{
	const struct nlattr *a;

	memset(m, 0, sizeof(*m));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		int type = mnl_attr_get_type(a), ret = 0;

		switch (type) {
		case HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX:
		case HVK_SWITCH_MIRROR_A_DEST_IFINDEX:
		case HVK_SWITCH_MIRROR_A_TRUNCATE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				goto bad;
			*(type == HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX ? &m->switch_ifindex :
			  type == HVK_SWITCH_MIRROR_A_DEST_IFINDEX ? &m->dest_ifindex :
			  &m->truncate) = mnl_attr_get_u32(a);
			break;
		case HVK_SWITCH_MIRROR_A_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				goto bad;
			snprintf(m->name, sizeof(m->name), "%s", mnl_attr_get_str(a));
			break;
		case HVK_SWITCH_MIRROR_A_VID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				goto bad;
			m->vid = mnl_attr_get_u16(a);
			break;
		case HVK_SWITCH_MIRROR_A_INGRESS:
			ret = decode_port_list(a, m->ingress, &m->n_ingress);
			break;
		case HVK_SWITCH_MIRROR_A_EGRESS:
			ret = decode_port_list(a, m->egress, &m->n_egress);
			break;
		case HVK_SWITCH_MIRROR_A_PACKETS:
		case HVK_SWITCH_MIRROR_A_BYTES:
		case HVK_SWITCH_MIRROR_A_DROPS:
			if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
				goto bad;
			*(type == HVK_SWITCH_MIRROR_A_PACKETS ? &m->packets :
			  type == HVK_SWITCH_MIRROR_A_BYTES ? &m->bytes : &m->drops) =
				mnl_attr_get_u64(a);
			break;
		}
		if (ret)
			goto bad;
	}
	if (!m->switch_ifindex || !m->name[0])
		return hvkp_error_set(err, -EBADMSG, "mirror message without switch or name");
	return 0;
bad:
	return hvkp_error_set(err, -EBADMSG, "malformed mirror attribute %u",
			      mnl_attr_get_type(a));
}

static int mirror_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	return hvk_mirror_parse(nlh, data, err);
}

static void put_port_list(struct nlmsghdr *nlh, int type, const uint32_t *list, size_t n)
{
	struct nlattr *nest;
	size_t i;

	if (!n)
		return;
	nest = mnl_attr_nest_start(nlh, type);
	for (i = 0; i < n && i < HVK_MIRROR_MAX_PORTS; i++)
		mnl_attr_put_u32(nlh, HVK_SWITCH_PORT_LIST_A_IFINDEX, list[i]);
	mnl_attr_nest_end(nlh, nest);
}

int hvk_mirror_new(struct hvk_nl *nl, const struct hvk_mirror_info *req,
		   struct hvk_mirror_info *out, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_SWITCH_CMD_MIRROR_NEW, 0);

	mnl_attr_put_u32(nlh, HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX, req->switch_ifindex);
	mnl_attr_put_strz(nlh, HVK_SWITCH_MIRROR_A_NAME, req->name);
	mnl_attr_put_u32(nlh, HVK_SWITCH_MIRROR_A_DEST_IFINDEX, req->dest_ifindex);
	put_port_list(nlh, HVK_SWITCH_MIRROR_A_INGRESS, req->ingress, req->n_ingress);
	put_port_list(nlh, HVK_SWITCH_MIRROR_A_EGRESS, req->egress, req->n_egress);
	if (req->vid)
		mnl_attr_put_u16(nlh, HVK_SWITCH_MIRROR_A_VID, req->vid);
	if (req->truncate)
		mnl_attr_put_u32(nlh, HVK_SWITCH_MIRROR_A_TRUNCATE, req->truncate);
	return hvk_nl_request(nl, nlh, out ? mirror_cb : NULL, NULL, out, err);
}

static int mirror_named(struct hvk_nl *nl, uint8_t cmd, uint32_t switch_ifindex,
			const char *name, struct hvk_mirror_info *out, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, cmd, 0);

	mnl_attr_put_u32(nlh, HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX, switch_ifindex);
	mnl_attr_put_strz(nlh, HVK_SWITCH_MIRROR_A_NAME, name);
	return hvk_nl_request(nl, nlh, out ? mirror_cb : NULL, NULL, out, err);
}

int hvk_mirror_del(struct hvk_nl *nl, uint32_t switch_ifindex, const char *name,
		   struct hvk_error *err)
{
	return mirror_named(nl, HVK_SWITCH_CMD_MIRROR_DEL, switch_ifindex, name, NULL, err);
}

int hvk_mirror_get(struct hvk_nl *nl, uint32_t switch_ifindex, const char *name,
		   struct hvk_mirror_info *out, struct hvk_error *err)
{
	return mirror_named(nl, HVK_SWITCH_CMD_MIRROR_GET, switch_ifindex, name, out, err);
}

static int mirror_list_parse(const struct nlmsghdr *nlh, void *item, struct hvk_error *err)
{
	return hvk_mirror_parse(nlh, item, err);
}

int hvk_mirror_list(struct hvk_nl *nl, uint32_t switch_ifindex,
		    struct hvk_mirror_info **out, size_t *n, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct hvkp_list l = { .size = sizeof(**out), .parse = mirror_list_parse };
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_SWITCH_CMD_MIRROR_GET, NLM_F_DUMP);

	if (switch_ifindex)
		mnl_attr_put_u32(nlh, HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX, switch_ifindex);
	return hvkp_dump(nl, nlh, &l, (void **)out, n, err);
}

/* ---- FDB ---- */

int hvk_fdb_parse(const struct nlmsghdr *nlh, struct hvk_fdb_entry *e,
		  struct hvk_error *err)
{
	const struct nlattr *a;

	memset(e, 0, sizeof(*e));
	e->event = -1;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		int type = mnl_attr_get_type(a);

		switch (type) {
		case HVK_SWITCH_FDB_A_SWITCH_IFINDEX:
		case HVK_SWITCH_FDB_A_PORT_IFINDEX:
		case HVK_SWITCH_FDB_A_AGE_MS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				goto bad;
			if (type == HVK_SWITCH_FDB_A_SWITCH_IFINDEX)
				e->switch_ifindex = mnl_attr_get_u32(a);
			else if (type == HVK_SWITCH_FDB_A_PORT_IFINDEX)
				e->port_ifindex = mnl_attr_get_u32(a);
			else
				e->age_ms = mnl_attr_get_u32(a);
			break;
		case HVK_SWITCH_FDB_A_MAC:
			if (mnl_attr_get_payload_len(a) != 6)
				goto bad;
			memcpy(e->mac, mnl_attr_get_payload(a), 6);
			break;
		case HVK_SWITCH_FDB_A_VID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				goto bad;
			e->vid = mnl_attr_get_u16(a);
			break;
		case HVK_SWITCH_FDB_A_STATIC:
			e->is_static = true;
			break;
		case HVK_SWITCH_FDB_A_EVENT:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				goto bad;
			e->event = mnl_attr_get_u8(a);
			break;
		}
	}
	if (!e->switch_ifindex || !e->vid)
		return hvkp_error_set(err, -EBADMSG, "FDB message without a switch or VID");
	return 0;
bad:
	return hvkp_error_set(err, -EBADMSG, "malformed FDB attribute %u",
			      mnl_attr_get_type(a));
}

static int fdb_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	return hvk_fdb_parse(nlh, data, err);
}

static int fdb_list_parse(const struct nlmsghdr *nlh, void *item, struct hvk_error *err)
{
	return hvk_fdb_parse(nlh, item, err);
}

static struct nlmsghdr *fdb_key_req(struct hvk_nl *nl, void *buf, uint8_t cmd,
				    uint32_t switch_ifindex, const uint8_t mac[6], uint16_t vid)
{
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, cmd, 0);

	mnl_attr_put_u32(nlh, HVK_SWITCH_FDB_A_SWITCH_IFINDEX, switch_ifindex);
	mnl_attr_put(nlh, HVK_SWITCH_FDB_A_MAC, 6, mac);
	mnl_attr_put_u16(nlh, HVK_SWITCH_FDB_A_VID, vid);
	return nlh;
}

int hvk_fdb_add(struct hvk_nl *nl, const struct hvk_fdb_entry *e, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = fdb_key_req(nl, buf, HVK_SWITCH_CMD_FDB_ADD,
					   e->switch_ifindex, e->mac, e->vid);

	mnl_attr_put_u32(nlh, HVK_SWITCH_FDB_A_PORT_IFINDEX, e->port_ifindex);
	return hvk_nl_request(nl, nlh, NULL, NULL, NULL, err);
}

int hvk_fdb_del(struct hvk_nl *nl, uint32_t switch_ifindex, const uint8_t mac[6],
		uint16_t vid, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];

	return hvk_nl_request(nl, fdb_key_req(nl, buf, HVK_SWITCH_CMD_FDB_DEL,
					      switch_ifindex, mac, vid),
			      NULL, NULL, NULL, err);
}

int hvk_fdb_get(struct hvk_nl *nl, uint32_t switch_ifindex, const uint8_t mac[6],
		uint16_t vid, struct hvk_fdb_entry *out, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];

	return hvk_nl_request(nl, fdb_key_req(nl, buf, HVK_SWITCH_CMD_FDB_GET,
					      switch_ifindex, mac, vid),
			      fdb_cb, NULL, out, err);
}

int hvk_fdb_list(struct hvk_nl *nl, uint32_t switch_ifindex,
		 struct hvk_fdb_entry **out, size_t *n, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct hvkp_list l = { .size = sizeof(**out), .parse = fdb_list_parse };
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_SWITCH_CMD_FDB_GET, NLM_F_DUMP);

	if (switch_ifindex)
		mnl_attr_put_u32(nlh, HVK_SWITCH_FDB_A_SWITCH_IFINDEX, switch_ifindex);
	return hvkp_dump(nl, nlh, &l, (void **)out, n, err);
}

int hvk_fdb_flush(struct hvk_nl *nl, uint32_t switch_ifindex, uint32_t port_ifindex,
		  uint16_t vid, bool dynamic_only, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_SWITCH_CMD_FDB_FLUSH, 0);

	mnl_attr_put_u32(nlh, HVK_SWITCH_FDB_A_SWITCH_IFINDEX, switch_ifindex);
	if (port_ifindex)
		mnl_attr_put_u32(nlh, HVK_SWITCH_FDB_A_PORT_IFINDEX, port_ifindex);
	if (vid)
		mnl_attr_put_u16(nlh, HVK_SWITCH_FDB_A_VID, vid);
	if (dynamic_only)
		mnl_attr_put(nlh, HVK_SWITCH_FDB_A_DYNAMIC_ONLY, 0, NULL);
	return hvk_nl_request(nl, nlh, NULL, NULL, NULL, err);
}

/* ---- text forms ---- */

int hvk_vids_parse(const char *list, uint8_t vids[HVK_VIDS_LEN], struct hvk_error *err)
{
	const char *p = list;

	hvk_error_clear(err);
	memset(vids, 0, HVK_VIDS_LEN);
	if (!strcmp(list, "all")) {
		for (unsigned int v = 1; v <= 4094; v++)
			vids[v / 8] |= 1 << (v % 8);
		return 0;
	}
	while (*p) {
		char *end;
		unsigned long lo, hi;

		lo = hi = strtoul(p, &end, 10);
		if (end == p || *p == '-' || *p == '+')
			goto bad;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p || *p == '-' || *p == '+')
				goto bad;
		}
		if (lo < 1 || hi > 4094 || lo > hi)
			return hvkp_error_set(err, -ERANGE,
					      "VLAN IDs are 1-4094 (\"%s\")", list);
		for (unsigned long v = lo; v <= hi; v++)
			vids[v / 8] |= 1 << (v % 8);
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			goto bad;
		p = end;
	}
	if (p == list)
		goto bad;
	return 0;
bad:
	return hvkp_error_set(err, -EINVAL,
			      "bad VLAN list \"%s\" (want e.g. 10,20-30 or all)", list);
}

void hvk_vids_format(const uint8_t vids[HVK_VIDS_LEN], char *buf, size_t len)
{
	size_t off = 0;
	unsigned int v = 1, all = 1;

	for (v = 1; v <= 4094; v++)
		all &= hvk_vids_test(vids, v);
	if (all) {
		snprintf(buf, len, "all");
		return;
	}
	buf[0] = '\0';
	for (v = 1; v <= 4094; v++) {
		unsigned int hi = v;
		int n;

		if (!hvk_vids_test(vids, v))
			continue;
		while (hi < 4094 && hvk_vids_test(vids, hi + 1))
			hi++;
		n = hi == v ? snprintf(buf + off, len - off, "%s%u", off ? "," : "", v)
			    : snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "", v, hi);
		if (n < 0 || (size_t)n >= len - off) {
			if (len > 4)
				snprintf(buf + len - 4, 4, "...");
			return;
		}
		off += n;
		v = hi;
	}
}

int hvk_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &tail) != 6 || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

void hvk_mac_format(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
