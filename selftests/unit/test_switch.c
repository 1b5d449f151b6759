// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libhvk switch API: VLAN lists and MACs in text, request encoding, reply
 * parsing and dumps, against the scripted kernel.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/hvk_switch.h>

#include "fake.h"

static unsigned int count_vids(const uint8_t *vids)
{
	unsigned int v, n = 0;

	for (v = 0; v < 4096; v++)
		n += hvk_vids_test(vids, v);
	return n;
}

START_TEST(test_vids_parse)
{
	uint8_t vids[HVK_VIDS_LEN];
	struct hvk_error err;

	ck_assert_int_eq(hvk_vids_parse("10", vids, &err), 0);
	ck_assert(hvk_vids_test(vids, 10));
	ck_assert_uint_eq(count_vids(vids), 1);
	ck_assert_int_eq(hvk_vids_parse("10,20-22,4094", vids, &err), 0);
	ck_assert_uint_eq(count_vids(vids), 5);
	ck_assert(hvk_vids_test(vids, 21) && hvk_vids_test(vids, 4094));
	ck_assert_int_eq(hvk_vids_parse("all", vids, &err), 0);
	ck_assert_uint_eq(count_vids(vids), 4094);
	ck_assert(!hvk_vids_test(vids, 0) && !hvk_vids_test(vids, 4095));
}
END_TEST

START_TEST(test_vids_parse_errors)
{
	static const char *const bad[] = { "", "a", "10,", ",10", "-5", "5-", "1--3", "+3", "10 20" };
	static const char *const range[] = { "0", "4095", "4096", "5-3", "1-4095" };
	uint8_t vids[HVK_VIDS_LEN];
	struct hvk_error err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(hvk_vids_parse(bad[i], vids, &err) == -EINVAL, "\"%s\"", bad[i]);
		ck_assert_ptr_nonnull(strstr(err.msg, "bad VLAN list"));
	}
	for (i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
		ck_assert_msg(hvk_vids_parse(range[i], vids, &err) == -ERANGE, "\"%s\"", range[i]);
		ck_assert_ptr_nonnull(strstr(err.msg, "1-4094"));
	}
}
END_TEST

START_TEST(test_vids_format)
{
	uint8_t vids[HVK_VIDS_LEN];
	struct hvk_error err;
	char buf[64], tiny[12];

	hvk_vids_parse("all", vids, &err);
	hvk_vids_format(vids, buf, sizeof(buf));
	ck_assert_str_eq(buf, "all");
	hvk_vids_parse("7,10-12,100", vids, &err);
	hvk_vids_format(vids, buf, sizeof(buf));
	ck_assert_str_eq(buf, "7,10-12,100");
	memset(vids, 0, sizeof(vids));
	hvk_vids_format(vids, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	hvk_vids_parse("1,3,5,7,9,11,13", vids, &err);
	hvk_vids_format(vids, tiny, sizeof(tiny));
	ck_assert_str_eq(tiny, "1,3,5,7,...");
}
END_TEST

START_TEST(test_mac)
{
	uint8_t mac[6];
	char buf[18];

	ck_assert_int_eq(hvk_mac_parse("02:00:5e:0A:ff:01", mac), 0);
	hvk_mac_format(mac, buf);
	ck_assert_str_eq(buf, "02:00:5e:0a:ff:01");
	ck_assert_int_eq(hvk_mac_parse("02:00:5e:0a:ff", mac), -EINVAL);
	ck_assert_int_eq(hvk_mac_parse("02:00:5e:0a:ff:01:02", mac), -EINVAL);
	ck_assert_int_eq(hvk_mac_parse("02:00:5e:0a:ff:zz", mac), -EINVAL);
	ck_assert_int_eq(hvk_mac_parse("2:0:5e:a:ff:1", mac), -EINVAL);
}
END_TEST

/* ---- requests as the kernel sees them ---- */

/* Attribute @type of a request, or of @nest if given. */
static const struct nlattr *find_attr(const struct nlmsghdr *nlh, const struct nlattr *nest,
				      uint16_t type)
{
	const struct nlattr *a;

	if (nest) {
		mnl_attr_for_each_nested(a, nest)
			if (mnl_attr_get_type(a) == type)
				return a;
		return NULL;
	}
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

#define ATTR(nlh, type) find_attr(nlh, NULL, type)
#define NESTED(nest, type) find_attr(NULL, nest, type)

START_TEST(test_port_set_trunk)
{
	struct hvk_port_info req = { .ifindex = 7, .has = HVK_PORT_HAS_VLAN | HVK_PORT_HAS_FLOOD };
	const struct nlattr *vlan, *a;
	const struct nlmsghdr *r;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	req.vlan.mode = HVK_SWITCH_VLAN_NATIVE_UNTAGGED;
	req.vlan.pvid = 5;
	req.vlan.has_vids = true;
	hvk_vids_parse("10-11", req.vlan.vids, &err);
	req.flood = false;

	fake_nl(&nl, &f, reply_ack);
	ck_assert_int_eq(hvk_port_set(&nl, &req, &err), 0);
	r = last_req(&f);
	ck_assert_uint_eq(((struct genlmsghdr *)mnl_nlmsg_get_payload(r))->cmd,
			  HVK_SWITCH_CMD_PORT_SET);
	ck_assert_uint_eq(mnl_attr_get_u32(ATTR(r, HVK_SWITCH_PORT_A_IFINDEX)), 7);
	ck_assert_uint_eq(mnl_attr_get_u8(ATTR(r, HVK_SWITCH_PORT_A_FLOOD)), 0);
	ck_assert_ptr_null(ATTR(r, HVK_SWITCH_PORT_A_LEARNING));
	vlan = ATTR(r, HVK_SWITCH_PORT_A_VLAN);
	ck_assert_ptr_nonnull(vlan);
	ck_assert_uint_eq(mnl_attr_get_u8(NESTED(vlan, HVK_SWITCH_VLAN_A_MODE)),
			  HVK_SWITCH_VLAN_NATIVE_UNTAGGED);
	ck_assert_uint_eq(mnl_attr_get_u16(NESTED(vlan, HVK_SWITCH_VLAN_A_PVID)), 5);
	a = NESTED(vlan, HVK_SWITCH_VLAN_A_VIDS);
	ck_assert_uint_eq(mnl_attr_get_payload_len(a), HVK_SWITCH_VLAN_BITMAP_LEN);
	/* VID 10 is bit 2 of byte 1, VID 11 bit 3. */
	ck_assert_uint_eq(((const uint8_t *)mnl_attr_get_payload(a))[1], 0x0c);
}
END_TEST

START_TEST(test_port_set_trunk_all)
{
	struct hvk_port_info req = { .ifindex = 7, .has = HVK_PORT_HAS_VLAN };
	const struct nlattr *vlan;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	req.vlan.mode = HVK_SWITCH_VLAN_TRUNK;
	fake_nl(&nl, &f, reply_ack);
	ck_assert_int_eq(hvk_port_set(&nl, &req, &err), 0);
	vlan = ATTR(last_req(&f), HVK_SWITCH_PORT_A_VLAN);
	/* No list means all VIDs, and a trunk has no PVID. */
	ck_assert_ptr_null(NESTED(vlan, HVK_SWITCH_VLAN_A_VIDS));
	ck_assert_ptr_null(NESTED(vlan, HVK_SWITCH_VLAN_A_PVID));
}
END_TEST

START_TEST(test_switch_set_skips_name)
{
	struct hvk_switch_info req = {
		.ifindex = 3, .has = HVK_SWITCH_HAS_NAME | HVK_SWITCH_HAS_AGEING |
				     HVK_SWITCH_HAS_DEFAULT_PVID,
		.name = "sw9", .ageing_ms = 0, .default_pvid = 0,
	};
	const struct nlmsghdr *r;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_ack);
	ck_assert_int_eq(hvk_switch_set(&nl, &req, &err), 0);
	r = last_req(&f);
	ck_assert_ptr_null(ATTR(r, HVK_SWITCH_SWITCH_A_NAME));
	/* Zero is a value here (never age, no default VLAN), not "unset". */
	ck_assert_uint_eq(mnl_attr_get_u32(ATTR(r, HVK_SWITCH_SWITCH_A_AGEING_MS)), 0);
	ck_assert_uint_eq(mnl_attr_get_u16(ATTR(r, HVK_SWITCH_SWITCH_A_DEFAULT_PVID)), 0);
	ck_assert_ptr_null(ATTR(r, HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL));
}
END_TEST


START_TEST(test_port_set_policy)
{
	struct hvk_port_info req = {
		.ifindex = 7,
		.has = HVK_PORT_HAS_INBOUND | HVK_PORT_HAS_OUTBOUND | HVK_PORT_HAS_STORM |
		       HVK_PORT_HAS_SECURITY | HVK_PORT_HAS_FILTER,
	};
	const uint8_t mac1[6] = { 2, 0, 0, 0, 0, 1 }, mac2[6] = { 2, 0, 0, 0, 0, 2 };
	const struct nlattr *nest, *macs, *a;
	const struct nlmsghdr *r;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;
	int n = 0;

	req.inbound = (struct hvk_rate){ .on = true, .average = 20000000, .peak = 40000000,
					 .burst = 65536 };
	req.outbound.on = false;
	req.storm.broadcast = 100;
	hvk_security_init(&req.security);
	req.security.forged_transmits = false;
	req.security.max_macs = 4;
	req.security.n_macs = 2;
	memcpy(req.security.macs[0], mac1, 6);
	memcpy(req.security.macs[1], mac2, 6);
	req.filter.fd = 9;

	fake_nl(&nl, &f, reply_ack);
	ck_assert_int_eq(hvk_port_set(&nl, &req, &err), 0);
	r = last_req(&f);
	nest = ATTR(r, HVK_SWITCH_PORT_A_INBOUND);
	ck_assert_uint_eq(mnl_attr_get_u64(NESTED(nest, HVK_SWITCH_RATE_A_AVERAGE)), 20000000);
	ck_assert_uint_eq(mnl_attr_get_u64(NESTED(nest, HVK_SWITCH_RATE_A_PEAK)), 40000000);
	ck_assert_uint_eq(mnl_attr_get_u64(NESTED(nest, HVK_SWITCH_RATE_A_BURST)), 65536);
	/* Unset optional fields stay out: the kernel picks its defaults. */
	ck_assert_ptr_null(NESTED(nest, HVK_SWITCH_RATE_A_LIMIT));
	ck_assert_ptr_null(NESTED(nest, HVK_SWITCH_RATE_A_PPS));
	/* Off is an empty nest. */
	nest = ATTR(r, HVK_SWITCH_PORT_A_OUTBOUND);
	ck_assert_ptr_nonnull(nest);
	ck_assert_uint_eq(mnl_attr_get_payload_len(nest), 0);
	nest = ATTR(r, HVK_SWITCH_PORT_A_STORM);
	ck_assert_uint_eq(mnl_attr_get_u32(NESTED(nest, HVK_SWITCH_STORM_A_BROADCAST)), 100);
	ck_assert_uint_eq(mnl_attr_get_u32(NESTED(nest, HVK_SWITCH_STORM_A_MULTICAST)), 0);
	nest = ATTR(r, HVK_SWITCH_PORT_A_SECURITY);
	ck_assert_uint_eq(mnl_attr_get_u8(NESTED(nest, HVK_SWITCH_SECURITY_A_FORGED_TRANSMITS)), 0);
	ck_assert_uint_eq(mnl_attr_get_u8(NESTED(nest, HVK_SWITCH_SECURITY_A_PROMISCUOUS)), 1);
	ck_assert_uint_eq(mnl_attr_get_u32(NESTED(nest, HVK_SWITCH_SECURITY_A_MAX_MACS)), 4);
	macs = NESTED(nest, HVK_SWITCH_SECURITY_A_MACS);
	mnl_attr_for_each_nested(a, macs) {
		ck_assert_uint_eq(mnl_attr_get_type(a), HVK_SWITCH_MAC_LIST_A_MAC);
		ck_assert(!memcmp(mnl_attr_get_payload(a), n ? mac2 : mac1, 6));
		n++;
	}
	ck_assert_int_eq(n, 2);
	nest = ATTR(r, HVK_SWITCH_PORT_A_FILTER);
	ck_assert_int_eq((int32_t)mnl_attr_get_u32(NESTED(nest, HVK_SWITCH_FILTER_A_FD)), 9);
	/* Security off and filter off: an empty nest and fd -1. */
	req.has = HVK_PORT_HAS_SECURITY | HVK_PORT_HAS_FILTER;
	req.security.on = false;
	req.filter.fd = -1;
	ck_assert_int_eq(hvk_port_set(&nl, &req, &err), 0);
	r = last_req(&f);
	ck_assert_uint_eq(mnl_attr_get_payload_len(ATTR(r, HVK_SWITCH_PORT_A_SECURITY)), 0);
	nest = ATTR(r, HVK_SWITCH_PORT_A_FILTER);
	ck_assert_int_eq((int32_t)mnl_attr_get_u32(NESTED(nest, HVK_SWITCH_FILTER_A_FD)), -1);
}
END_TEST

START_TEST(test_mirror_new)
{
	struct hvk_mirror_info req = {
		.switch_ifindex = 2, .name = "span0", .dest_ifindex = 9,
		.n_ingress = 2, .ingress = { 4, 5 }, .vid = 100, .truncate = 128,
	};
	const struct nlattr *nest, *a;
	const struct nlmsghdr *r;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;
	uint32_t sum = 0;

	fake_nl(&nl, &f, reply_ack);
	ck_assert_int_eq(hvk_mirror_new(&nl, &req, NULL, &err), 0);
	r = last_req(&f);
	ck_assert_uint_eq(((struct genlmsghdr *)mnl_nlmsg_get_payload(r))->cmd,
			  HVK_SWITCH_CMD_MIRROR_NEW);
	ck_assert_str_eq(mnl_attr_get_str(ATTR(r, HVK_SWITCH_MIRROR_A_NAME)), "span0");
	ck_assert_uint_eq(mnl_attr_get_u32(ATTR(r, HVK_SWITCH_MIRROR_A_DEST_IFINDEX)), 9);
	ck_assert_uint_eq(mnl_attr_get_u16(ATTR(r, HVK_SWITCH_MIRROR_A_VID)), 100);
	ck_assert_uint_eq(mnl_attr_get_u32(ATTR(r, HVK_SWITCH_MIRROR_A_TRUNCATE)), 128);
	nest = ATTR(r, HVK_SWITCH_MIRROR_A_INGRESS);
	mnl_attr_for_each_nested(a, nest)
		sum += mnl_attr_get_u32(a);
	ck_assert_uint_eq(sum, 9);
	/* No egress ports: no egress nest. */
	ck_assert_ptr_null(ATTR(r, HVK_SWITCH_MIRROR_A_EGRESS));
}
END_TEST

/* ---- replies ---- */

static struct nlmsghdr *put_port_msg(struct fake *f, char *buf, size_t off, uint16_t flags,
				     uint32_t ifindex)
{
	struct nlmsghdr *nlh = put_genl(f, buf, off, flags, HVK_SWITCH_CMD_PORT_GET);
	struct nlattr *nest;
	uint8_t map[HVK_SWITCH_VLAN_BITMAP_LEN] = { [2] = 0x10 };	/* VID 20 */

	mnl_attr_put_u32(nlh, HVK_SWITCH_PORT_A_IFINDEX, ifindex);
	mnl_attr_put_strz(nlh, HVK_SWITCH_PORT_A_NAME, "va1");
	mnl_attr_put_u32(nlh, HVK_SWITCH_PORT_A_SWITCH_IFINDEX, 2);
	nest = mnl_attr_nest_start(nlh, HVK_SWITCH_PORT_A_VLAN);
	mnl_attr_put_u8(nlh, HVK_SWITCH_VLAN_A_MODE, HVK_SWITCH_VLAN_NATIVE_TAGGED);
	mnl_attr_put_u16(nlh, HVK_SWITCH_VLAN_A_PVID, 10);
	mnl_attr_put(nlh, HVK_SWITCH_VLAN_A_VIDS, sizeof(map), map);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u8(nlh, HVK_SWITCH_PORT_A_LEARNING, 1);
	mnl_attr_put_u8(nlh, HVK_SWITCH_PORT_A_FLOOD, 0);
	mnl_attr_put_u8(nlh, HVK_SWITCH_PORT_A_OPER_UP, 1);
	nest = mnl_attr_nest_start(nlh, HVK_SWITCH_PORT_A_STATS);
	mnl_attr_put_u64(nlh, HVK_SWITCH_STATS_A_RX_PACKETS, 11);
	mnl_attr_put_u64(nlh, HVK_SWITCH_STATS_A_TX_BYTES, 1ULL << 40);
	mnl_attr_put_u64(nlh, HVK_SWITCH_STATS_A_DROP_SWITCH_DOWN, 3);
	mnl_attr_put_u64(nlh, HVK_SWITCH_STATS_A_MAX + 1, 99);	/* newer kernel */
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static size_t reply_port(struct fake *f, int n, char *buf)
{
	if (n == 0)
		return put_port_msg(f, buf, 0, 0, 4)->nlmsg_len;
	return put_error(f, buf, 0, 0, NULL, 0)->nlmsg_len;
}

START_TEST(test_port_get)
{
	struct hvk_port_info p;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_port);
	ck_assert_int_eq(hvk_port_get(&nl, 4, &p, &err), 0);
	ck_assert_uint_eq(p.ifindex, 4);
	ck_assert_str_eq(p.name, "va1");
	ck_assert_uint_eq(p.switch_ifindex, 2);
	ck_assert(!p.host && p.learning && !p.flood && p.oper_up);
	ck_assert_uint_eq(p.vlan.mode, HVK_SWITCH_VLAN_NATIVE_TAGGED);
	ck_assert_uint_eq(p.vlan.pvid, 10);
	ck_assert(p.vlan.has_vids && hvk_vids_test(p.vlan.vids, 20));
	ck_assert_uint_eq(count_vids(p.vlan.vids), 1);
	ck_assert_uint_eq(p.stats.rx_packets, 11);
	ck_assert_uint_eq(p.stats.tx_bytes, 1ULL << 40);
	ck_assert_uint_eq(p.stats.drops[HVK_PORT_DROP_SWITCH_DOWN], 3);
	ck_assert_str_eq(hvk_port_drop_name(HVK_PORT_DROP_SWITCH_DOWN), "switch-down");
	ck_assert_ptr_null(hvk_port_drop_name(HVK_PORT_DROP_MAX));
}
END_TEST

static size_t reply_port_policy(struct fake *f, int n, char *buf)
{
	const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct nlmsghdr *nlh;
	struct nlattr *nest, *macs;

	if (n)
		return put_error(f, buf, 0, 0, NULL, 0)->nlmsg_len;
	nlh = put_port_msg(f, buf, 0, 0, 4);
	nest = mnl_attr_nest_start(nlh, HVK_SWITCH_PORT_A_INBOUND);
	mnl_attr_put_u64(nlh, HVK_SWITCH_RATE_A_AVERAGE, 8192000);
	mnl_attr_put_u64(nlh, HVK_SWITCH_RATE_A_BURST, 1518);
	mnl_attr_put_u64(nlh, HVK_SWITCH_RATE_A_LIMIT, 200000);
	mnl_attr_put_u64(nlh, HVK_SWITCH_RATE_A_BACKLOG, 3000);
	mnl_attr_put_u32(nlh, HVK_SWITCH_RATE_A_PPS, 1000);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, HVK_SWITCH_PORT_A_SECURITY);
	mnl_attr_put_u8(nlh, HVK_SWITCH_SECURITY_A_FORGED_TRANSMITS, 0);
	mnl_attr_put_u8(nlh, HVK_SWITCH_SECURITY_A_MAC_CHANGES, 1);
	mnl_attr_put_u8(nlh, HVK_SWITCH_SECURITY_A_PROMISCUOUS, 0);
	mnl_attr_put_u8(nlh, HVK_SWITCH_SECURITY_A_LOCKED, 1);
	mnl_attr_put_u32(nlh, HVK_SWITCH_SECURITY_A_MAX_MACS, 8);
	mnl_attr_put(nlh, HVK_SWITCH_SECURITY_A_STICKY_MAC, 6, mac);
	macs = mnl_attr_nest_start(nlh, HVK_SWITCH_SECURITY_A_MACS);
	mnl_attr_put(nlh, HVK_SWITCH_MAC_LIST_A_MAC, 6, mac);
	mnl_attr_nest_end(nlh, macs);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, HVK_SWITCH_PORT_A_FILTER);
	mnl_attr_put_u32(nlh, HVK_SWITCH_FILTER_A_ID, 42);
	mnl_attr_put_strz(nlh, HVK_SWITCH_FILTER_A_NAME, "drop_udp");
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, HVK_SWITCH_PORT_A_MAC_COUNT, 3);
	nest = mnl_attr_nest_start(nlh, HVK_SWITCH_PORT_A_STATS);
	mnl_attr_put_u64(nlh, HVK_SWITCH_STATS_A_DROP_FILTER, 5);
	mnl_attr_put_u64(nlh, HVK_SWITCH_STATS_A_DROP_SHAPER, 6);
	mnl_attr_nest_end(nlh, nest);
	return nlh->nlmsg_len;
}

START_TEST(test_port_get_policy)
{
	struct hvk_port_info p;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_port_policy);
	ck_assert_int_eq(hvk_port_get(&nl, 4, &p, &err), 0);
	ck_assert(p.has & HVK_PORT_HAS_INBOUND);
	ck_assert(!(p.has & (HVK_PORT_HAS_OUTBOUND | HVK_PORT_HAS_STORM)));
	ck_assert(p.inbound.on);
	ck_assert_uint_eq(p.inbound.average, 8192000);
	ck_assert_uint_eq(p.inbound.burst, 1518);
	ck_assert_uint_eq(p.inbound.limit, 200000);
	ck_assert_uint_eq(p.inbound.backlog, 3000);
	ck_assert_uint_eq(p.inbound.pps, 1000);
	ck_assert(p.has & HVK_PORT_HAS_SECURITY);
	ck_assert(!p.security.forged_transmits && p.security.mac_changes);
	ck_assert(!p.security.promiscuous && p.security.locked);
	ck_assert_uint_eq(p.security.max_macs, 8);
	ck_assert_uint_eq(p.security.n_macs, 1);
	ck_assert(p.security.has_sticky && p.security.sticky_mac[5] == 1);
	ck_assert(p.has & HVK_PORT_HAS_FILTER);
	ck_assert_uint_eq(p.filter.id, 42);
	ck_assert_str_eq(p.filter.name, "drop_udp");
	ck_assert_uint_eq(p.mac_count, 3);
	ck_assert_uint_eq(p.stats.drops[HVK_PORT_DROP_FILTER], 5);
	ck_assert_uint_eq(p.stats.drops[HVK_PORT_DROP_SHAPER], 6);
	ck_assert_str_eq(hvk_port_drop_name(HVK_PORT_DROP_FILTER), "filter");
	ck_assert_int_eq(p.drop.reason, -1);
}
END_TEST

START_TEST(test_security_event)
{
	const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x66 };
	struct hvk_port_info p;
	struct hvk_error err;
	struct nlmsghdr *nlh;
	struct fake f = {};
	char buf[512];

	nlh = put_genl(&f, buf, 0, 0, HVK_SWITCH_CMD_SECURITY_NTF);
	mnl_attr_put_u32(nlh, HVK_SWITCH_PORT_A_IFINDEX, 4);
	mnl_attr_put_u8(nlh, HVK_SWITCH_PORT_A_DROP_REASON, HVK_SWITCH_DROP_FORGED);
	mnl_attr_put(nlh, HVK_SWITCH_PORT_A_DROP_MAC, 6, mac);
	mnl_attr_put_u16(nlh, HVK_SWITCH_PORT_A_DROP_VID, 10);
	ck_assert_int_eq(hvk_port_parse(nlh, &p, &err), 0);
	ck_assert_int_eq(p.drop.reason, HVK_SWITCH_DROP_FORGED);
	ck_assert(!memcmp(p.drop.mac, mac, 6));
	ck_assert_uint_eq(p.drop.vid, 10);
	ck_assert_str_eq(hvk_drop_reason_name(HVK_SWITCH_DROP_LOCKED), "locked");
	ck_assert_ptr_null(hvk_drop_reason_name(99));
	/* A MAC of the wrong size is malformed. */
	mnl_attr_put(nlh, HVK_SWITCH_PORT_A_DROP_MAC, 5, mac);
	ck_assert_int_eq(hvk_port_parse(nlh, &p, &err), -EBADMSG);
}
END_TEST

static size_t reply_mirror_dump(struct fake *f, int n, char *buf)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	if (n == 1)
		return put_done(f, buf, 0, 0)->nlmsg_len;
	nlh = put_genl(f, buf, 0, NLM_F_MULTI, HVK_SWITCH_CMD_MIRROR_GET);
	mnl_attr_put_u32(nlh, HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX, 2);
	mnl_attr_put_strz(nlh, HVK_SWITCH_MIRROR_A_NAME, "m0");
	mnl_attr_put_u32(nlh, HVK_SWITCH_MIRROR_A_DEST_IFINDEX, 9);
	nest = mnl_attr_nest_start(nlh, HVK_SWITCH_MIRROR_A_EGRESS);
	mnl_attr_put_u32(nlh, HVK_SWITCH_PORT_LIST_A_IFINDEX, 4);
	mnl_attr_put_u32(nlh, HVK_SWITCH_PORT_LIST_A_IFINDEX, 5);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u64(nlh, HVK_SWITCH_MIRROR_A_PACKETS, 7);
	mnl_attr_put_u64(nlh, HVK_SWITCH_MIRROR_A_DROPS, 1);
	return nlh->nlmsg_len;
}

START_TEST(test_mirror_list)
{
	struct hvk_mirror_info *list;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;
	size_t n;

	fake_nl(&nl, &f, reply_mirror_dump);
	ck_assert_int_eq(hvk_mirror_list(&nl, 2, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(list[0].name, "m0");
	ck_assert_uint_eq(list[0].dest_ifindex, 9);
	ck_assert_uint_eq(list[0].n_ingress, 0);
	ck_assert_uint_eq(list[0].n_egress, 2);
	ck_assert_uint_eq(list[0].egress[1], 5);
	ck_assert_uint_eq(list[0].packets, 7);
	ck_assert_uint_eq(list[0].drops, 1);
	ck_assert_uint_eq(mnl_attr_get_u32(ATTR(last_req(&f), HVK_SWITCH_MIRROR_A_SWITCH_IFINDEX)), 2);
	free(list);
}
END_TEST

/* A dump of two ports, the first pass flagged inconsistent. */
static size_t reply_port_dump(struct fake *f, int n, char *buf)
{
	uint16_t flags = NLM_F_MULTI | (f->passes == 1 ? NLM_F_DUMP_INTR : 0);

	if (n < 2)
		return put_port_msg(f, buf, 0, flags, 10 + n)->nlmsg_len;
	return put_done(f, buf, 0, 0)->nlmsg_len;
}

START_TEST(test_port_list_restart)
{
	struct hvk_port_info *list;
	const struct nlattr *a;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;
	size_t n;

	fake_nl(&nl, &f, reply_port_dump);
	ck_assert_int_eq(hvk_port_list(&nl, 2, &list, &n, &err), 0);
	ck_assert_int_eq(f.passes, 2);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(list[0].ifindex, 10);
	ck_assert_uint_eq(list[1].ifindex, 11);
	a = ATTR(last_req(&f), HVK_SWITCH_PORT_A_SWITCH_IFINDEX);
	ck_assert_uint_eq(mnl_attr_get_u32(a), 2);
	ck_assert(last_req(&f)->nlmsg_flags & NLM_F_DUMP);
	free(list);
}
END_TEST

static size_t reply_bad_switch(struct fake *f, int n, char *buf)
{
	struct nlmsghdr *nlh;

	if (n > 0)
		return put_error(f, buf, 0, 0, NULL, 0)->nlmsg_len;
	nlh = put_genl(f, buf, 0, 0, HVK_SWITCH_CMD_SWITCH_GET);
	mnl_attr_put_u32(nlh, HVK_SWITCH_SWITCH_A_IFINDEX, 2);
	mnl_attr_put_u32(nlh, HVK_SWITCH_SWITCH_A_VLAN_PROTOCOL, 0x8100);	/* u16! */
	return nlh->nlmsg_len;
}

START_TEST(test_switch_malformed)
{
	struct hvk_switch_info sw;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_bad_switch);
	ck_assert_int_eq(hvk_switch_get(&nl, 2, &sw, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.msg, "malformed switch attribute"));
	/* The ACK after the bad reply was still read. */
	ck_assert_int_eq(f.recvs, 2);
}
END_TEST

static size_t reply_fdb_list_fail(struct fake *f, int n, char *buf)
{
	struct nlmsghdr *nlh;
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };

	if (n == 0) {
		nlh = put_genl(f, buf, 0, NLM_F_MULTI, HVK_SWITCH_CMD_FDB_GET);
		mnl_attr_put_u32(nlh, HVK_SWITCH_FDB_A_SWITCH_IFINDEX, 2);
		mnl_attr_put(nlh, HVK_SWITCH_FDB_A_MAC, 6, mac);
		mnl_attr_put_u16(nlh, HVK_SWITCH_FDB_A_VID, 10);
		mnl_attr_put_u32(nlh, HVK_SWITCH_FDB_A_PORT_IFINDEX, 4);
		mnl_attr_put(nlh, HVK_SWITCH_FDB_A_STATIC, 0, NULL);
		mnl_attr_put_u8(nlh, HVK_SWITCH_FDB_A_EVENT, HVK_SWITCH_FDB_MOVED);
		return nlh->nlmsg_len;
	}
	return put_done(f, buf, 0, -EINTR)->nlmsg_len;
}

START_TEST(test_fdb_list_error_frees)
{
	struct hvk_fdb_entry *list = (void *)1;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;
	size_t n = 5;

	/* One good entry, then the dump fails: nothing returned, nothing leaked. */
	fake_nl(&nl, &f, reply_fdb_list_fail);
	ck_assert_int_eq(hvk_fdb_list(&nl, 0, &list, &n, &err), -EINTR);
	ck_assert_ptr_null(list);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(ATTR(last_req(&f), HVK_SWITCH_FDB_A_SWITCH_IFINDEX));
}
END_TEST

static size_t reply_fdb(struct fake *f, int n, char *buf)
{
	if (n == 0)
		return reply_fdb_list_fail(f, 0, buf);
	return put_error(f, buf, 0, 0, NULL, 0)->nlmsg_len;
}

START_TEST(test_fdb_get)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct hvk_fdb_entry e;
	const struct nlmsghdr *r;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_fdb);
	ck_assert_int_eq(hvk_fdb_get(&nl, 2, mac, 10, &e, &err), 0);
	ck_assert(e.is_static);
	ck_assert_int_eq(e.event, HVK_SWITCH_FDB_MOVED);
	ck_assert_uint_eq(e.vid, 10);
	ck_assert_uint_eq(e.port_ifindex, 4);
	ck_assert_mem_eq(e.mac, mac, 6);
	r = last_req(&f);
	ck_assert_mem_eq(mnl_attr_get_payload(ATTR(r, HVK_SWITCH_FDB_A_MAC)), mac, 6);
	ck_assert_uint_eq(mnl_attr_get_u16(ATTR(r, HVK_SWITCH_FDB_A_VID)), 10);
}
END_TEST

START_TEST(test_fdb_flush_filters)
{
	const struct nlmsghdr *r;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_ack);
	ck_assert_int_eq(hvk_fdb_flush(&nl, 2, 0, 0, false, &err), 0);
	r = last_req(&f);
	ck_assert_ptr_null(ATTR(r, HVK_SWITCH_FDB_A_PORT_IFINDEX));
	ck_assert_ptr_null(ATTR(r, HVK_SWITCH_FDB_A_VID));
	ck_assert_ptr_null(ATTR(r, HVK_SWITCH_FDB_A_DYNAMIC_ONLY));
	ck_assert_int_eq(hvk_fdb_flush(&nl, 2, 4, 10, true, &err), 0);
	r = last_req(&f);
	ck_assert_uint_eq(mnl_attr_get_u32(ATTR(r, HVK_SWITCH_FDB_A_PORT_IFINDEX)), 4);
	ck_assert_uint_eq(mnl_attr_get_u16(ATTR(r, HVK_SWITCH_FDB_A_VID)), 10);
	ck_assert_ptr_nonnull(ATTR(r, HVK_SWITCH_FDB_A_DYNAMIC_ONLY));
}
END_TEST

static Suite *switch_suite(void)
{
	Suite *s = suite_create("libhvk-switch");
	TCase *tc;

	tc = tcase_create("text");
	tcase_add_test(tc, test_vids_parse);
	tcase_add_test(tc, test_vids_parse_errors);
	tcase_add_test(tc, test_vids_format);
	tcase_add_test(tc, test_mac);
	suite_add_tcase(s, tc);

	tc = tcase_create("requests");
	tcase_add_test(tc, test_port_set_trunk);
	tcase_add_test(tc, test_port_set_trunk_all);
	tcase_add_test(tc, test_switch_set_skips_name);
	tcase_add_test(tc, test_fdb_flush_filters);
	tcase_add_test(tc, test_port_set_policy);
	tcase_add_test(tc, test_mirror_new);
	suite_add_tcase(s, tc);

	tc = tcase_create("replies");
	tcase_add_test(tc, test_port_get);
	tcase_add_test(tc, test_port_list_restart);
	tcase_add_test(tc, test_switch_malformed);
	tcase_add_test(tc, test_fdb_list_error_frees);
	tcase_add_test(tc, test_fdb_get);
	tcase_add_test(tc, test_port_get_policy);
	tcase_add_test(tc, test_security_event);
	tcase_add_test(tc, test_mirror_list);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(switch_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
