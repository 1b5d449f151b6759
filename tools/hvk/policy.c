// SPDX-License-Identifier: GPL-2.0
/*
 * hvk port set ... inbound | outbound | storm | security | filter: parsing
 * and printing of a port's traffic policy.  Security and storm options
 * change only what is given; rates and filters are replaced whole.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvk.h"

#define UNSET (-1)

struct policy_opts {
	/* security: UNSET or the value given */
	int forged, mac_changes, promisc, locked;
	int64_t max_macs;
	bool macs_given, security_off;
	unsigned int n_macs;
	uint8_t macs[HVK_SECURITY_MAX_MACS][6];
	/* storm: UNSET or pps */
	int64_t storm[3];
	bool storm_off;
	/* filter */
	const char *object, *section;
	int fd;
};

struct policy_opts *policy_opts_new(void)
{
	struct policy_opts *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->forged = o->mac_changes = o->promisc = o->locked = UNSET;
	o->max_macs = UNSET;
	o->storm[0] = o->storm[1] = o->storm[2] = UNSET;
	o->fd = -1;
	return o;
}

void policy_opts_free(struct policy_opts *o)
{
	if (o && o->fd >= 0)
		close(o->fd);
	free(o);
}

static int parse_accept(const char *what, const char *s, int *v)
{
	if (!strcmp(s, "accept"))
		*v = 1;
	else if (!strcmp(s, "reject"))
		*v = 0;
	else
		return usage_error("port", "%s takes accept or reject, not \"%s\"", what, s), -1;
	return 0;
}

/* "inbound|outbound off | average RATE [peak RATE] [burst SIZE] [pps N] [limit SIZE]" */
static int parse_rate_opts(int argc, char **argv, struct hvk_rate *r, bool inbound)
{
	const char *dir = inbound ? "inbound" : "outbound";
	int i = 0;

	memset(r, 0, sizeof(*r));
	if (argc >= 1 && !strcmp(argv[0], "off"))
		return 1;
	r->on = true;
	while (i + 1 < argc) {
		const char *k = argv[i], *v = argv[i + 1];
		uint32_t pps;
		int bad = 0;

		if (!strcmp(k, "average"))
			bad = parse_rate(v, &r->average);
		else if (!strcmp(k, "peak"))
			bad = parse_rate(v, &r->peak);
		else if (!strcmp(k, "burst"))
			bad = parse_size(v, &r->burst);
		else if (!strcmp(k, "pps")) {
			bad = parse_u32(v, UINT32_MAX, &pps);
			r->pps = pps;
		} else if (!strcmp(k, "limit") && inbound)
			bad = parse_size(v, &r->limit);
		else
			break;
		if (bad)
			return usage_error("port", "%s %s: bad value \"%s\"", dir, k, v), -1;
		i += 2;
	}
	if (!r->average)
		return usage_error("port", "%s needs average RATE (or off)", dir), -1;
	return i;
}

static int parse_security_opts(struct policy_opts *o, int argc, char **argv)
{
	int i = 0;

	if (argc >= 1 && !strcmp(argv[0], "off")) {
		o->security_off = true;
		return 1;
	}
	while (i < argc) {
		const char *k = argv[i];
		uint32_t n;
		bool on;

		if (!strcmp(k, "mac")) {
			o->macs_given = true;
			o->n_macs = 0;
			for (i++; i < argc; i++) {
				uint8_t m[6];

				if (hvk_mac_parse(argv[i], m))
					break;
				if (o->n_macs == HVK_SECURITY_MAX_MACS)
					return usage_error("port", "at most %d MAC addresses",
							   HVK_SECURITY_MAX_MACS), -1;
				memcpy(o->macs[o->n_macs++], m, 6);
			}
			if (!o->n_macs)
				return usage_error("port", "mac needs MAC addresses (aa:bb:cc:dd:ee:ff)"), -1;
			continue;
		}
		if (i + 1 >= argc)
			break;
		if (!strcmp(k, "forged-transmits")) {
			if (parse_accept(k, argv[i + 1], &o->forged))
				return -1;
		} else if (!strcmp(k, "mac-changes")) {
			if (parse_accept(k, argv[i + 1], &o->mac_changes))
				return -1;
		} else if (!strcmp(k, "promiscuous")) {
			if (parse_accept(k, argv[i + 1], &o->promisc))
				return -1;
		} else if (!strcmp(k, "locked")) {
			if (parse_on_off("locked", argv[i + 1], &on))
				return -1;
			o->locked = on;
		} else if (!strcmp(k, "max-macs")) {
			if (parse_u32(argv[i + 1], 131072, &n))
				return usage_error("port", "max-macs is 0 (no limit) to 131072, not \"%s\"",
						   argv[i + 1]), -1;
			o->max_macs = n;
		} else {
			break;
		}
		i += 2;
	}
	if (!i)
		return usage_error("port", "security needs options (see hvk port help)"), -1;
	return i;
}

static int parse_storm_opts(struct policy_opts *o, int argc, char **argv)
{
	static const char *const kinds[] = { "broadcast", "multicast", "unknown-unicast" };
	int i = 0, k;

	if (argc >= 1 && !strcmp(argv[0], "off")) {
		o->storm_off = true;
		return 1;
	}
	while (i + 1 < argc) {
		uint32_t pps;

		for (k = 0; k < 3 && strcmp(argv[i], kinds[k]); k++)
			;
		if (k == 3)
			break;
		if (parse_u32(argv[i + 1], UINT32_MAX, &pps))
			return usage_error("port", "storm %s takes packets per second, not \"%s\"",
					   kinds[k], argv[i + 1]), -1;
		o->storm[k] = pps;
		i += 2;
	}
	if (!i)
		return usage_error("port", "storm needs broadcast|multicast|unknown-unicast PPS or off"), -1;
	return i;
}

static int parse_filter_opts(struct policy_opts *o, int argc, char **argv)
{
	if (argc >= 1 && !strcmp(argv[0], "off"))
		return 1;
	if (argc < 2 || strcmp(argv[0], "object"))
		return usage_error("port", "filter takes object FILE [section NAME], or off"), -1;
	o->object = argv[1];
	if (argc >= 4 && !strcmp(argv[2], "section")) {
		o->section = argv[3];
		return 4;
	}
	return 2;
}

int policy_parse(struct policy_opts *o, struct hvk_port_info *req, int argc, char **argv)
{
	const char *k = argv[0];
	int used;

	if (!strcmp(k, "inbound") || !strcmp(k, "outbound")) {
		bool in = k[0] == 'i';

		used = parse_rate_opts(argc - 1, argv + 1, in ? &req->inbound : &req->outbound, in);
		req->has |= in ? HVK_PORT_HAS_INBOUND : HVK_PORT_HAS_OUTBOUND;
	} else if (!strcmp(k, "security")) {
		used = parse_security_opts(o, argc - 1, argv + 1);
		req->has |= HVK_PORT_HAS_SECURITY;
	} else if (!strcmp(k, "storm")) {
		used = parse_storm_opts(o, argc - 1, argv + 1);
		req->has |= HVK_PORT_HAS_STORM;
	} else if (!strcmp(k, "filter")) {
		used = parse_filter_opts(o, argc - 1, argv + 1);
		req->has |= HVK_PORT_HAS_FILTER;
	} else {
		return 0;
	}
	return used < 0 ? -1 : used + 1;
}

bool policy_needs_current(const struct policy_opts *o, const struct hvk_port_info *req)
{
	return ((req->has & HVK_PORT_HAS_SECURITY) && !o->security_off) ||
	       ((req->has & HVK_PORT_HAS_STORM) && !o->storm_off);
}

int policy_finish(struct policy_opts *o, struct hvk_port_info *req,
		  const struct hvk_port_info *cur)
{
	struct hvk_security *sec = &req->security;
	struct hvk_error err;
	int k;

	if (req->has & HVK_PORT_HAS_SECURITY) {
		if (o->security_off) {
			memset(sec, 0, sizeof(*sec));
		} else {
			if (cur && (cur->has & HVK_PORT_HAS_SECURITY))
				*sec = cur->security;
			else
				hvk_security_init(sec);
			sec->on = true;
			if (o->forged != UNSET)
				sec->forged_transmits = o->forged;
			if (o->mac_changes != UNSET)
				sec->mac_changes = o->mac_changes;
			if (o->promisc != UNSET)
				sec->promiscuous = o->promisc;
			if (o->locked != UNSET)
				sec->locked = o->locked;
			if (o->max_macs != UNSET)
				sec->max_macs = o->max_macs;
			if (o->macs_given) {
				sec->n_macs = o->n_macs;
				memcpy(sec->macs, o->macs, sizeof(o->macs));
			}
		}
	}
	if (req->has & HVK_PORT_HAS_STORM) {
		uint32_t *pps[3] = { &req->storm.broadcast, &req->storm.multicast,
				     &req->storm.unknown_unicast };

		memset(&req->storm, 0, sizeof(req->storm));
		if (!o->storm_off && cur && (cur->has & HVK_PORT_HAS_STORM))
			req->storm = cur->storm;
		for (k = 0; k < 3 && !o->storm_off; k++)
			if (o->storm[k] != UNSET)
				*pps[k] = o->storm[k];
	}
	if (req->has & HVK_PORT_HAS_FILTER) {
		req->filter.fd = -1;
		if (o->object) {
			if (hvk_filter_load(o->object, o->section, &o->fd, &err)) {
				report_error("port set: filter", &err);
				return -1;
			}
			req->filter.fd = o->fd;
		}
	}
	return 0;
}

static void print_rate(const char *key, const struct hvk_rate *r)
{
	char buf[32];

	print_open_object(key);
	print_string(PRINT_FP, NULL, "    %s", key);
	print_u64(PRINT_JSON, "average", NULL, r->average);
	print_string(PRINT_FP, NULL, " average %s", format_rate(r->average, buf, sizeof(buf)));
	if (r->peak) {
		print_u64(PRINT_JSON, "peak", NULL, r->peak);
		print_string(PRINT_FP, NULL, " peak %s", format_rate(r->peak, buf, sizeof(buf)));
	}
	print_u64(PRINT_JSON, "burst", NULL, r->burst);
	print_string(PRINT_FP, NULL, " burst %s", format_size(r->burst, buf, sizeof(buf)));
	if (r->pps)
		print_u64(PRINT_ANY, "pps", " pps %" PRIu64, r->pps);
	if (r->limit) {
		print_u64(PRINT_JSON, "limit", NULL, r->limit);
		print_string(PRINT_FP, NULL, " limit %s", format_size(r->limit, buf, sizeof(buf)));
		print_u64(PRINT_ANY, "backlog", " backlog %" PRIu64 "b", r->backlog);
	}
	print_close_object();
	print_nl();
}

static void print_security(const struct hvk_security *sec)
{
	char mac[18];
	unsigned int i;

	print_open_object("security");
	print_string(PRINT_ANY, "forged_transmits", "    security forged-transmits %s",
		     sec->forged_transmits ? "accept" : "reject");
	print_string(PRINT_ANY, "mac_changes", " mac-changes %s",
		     sec->mac_changes ? "accept" : "reject");
	print_string(PRINT_ANY, "promiscuous", " promiscuous %s",
		     sec->promiscuous ? "accept" : "reject");
	print_bool(PRINT_ANY, "locked", " locked %s", sec->locked);
	print_u64(PRINT_ANY, "max_macs", " max-macs %" PRIu64, sec->max_macs);
	print_open_array("macs");
	if (sec->n_macs)
		print_string(PRINT_FP, NULL, "%s", " mac");
	for (i = 0; i < sec->n_macs; i++) {
		hvk_mac_format(sec->macs[i], mac);
		print_string(PRINT_ANY, NULL, " %s", mac);
	}
	print_close_array();
	if (sec->has_sticky) {
		hvk_mac_format(sec->sticky_mac, mac);
		print_string(PRINT_ANY, "sticky_mac", " sticky-mac %s", mac);
	}
	print_close_object();
	print_nl();
}

void print_port_policy(const struct hvk_port_info *p)
{
	if (p->has & HVK_PORT_HAS_INBOUND)
		print_rate("inbound", &p->inbound);
	if (p->has & HVK_PORT_HAS_OUTBOUND)
		print_rate("outbound", &p->outbound);
	if (p->has & HVK_PORT_HAS_STORM) {
		print_open_object("storm");
		print_u64(PRINT_ANY, "broadcast", "    storm broadcast %" PRIu64, p->storm.broadcast);
		print_u64(PRINT_ANY, "multicast", " multicast %" PRIu64, p->storm.multicast);
		print_u64(PRINT_ANY, "unknown_unicast", " unknown-unicast %" PRIu64 " pps",
			  p->storm.unknown_unicast);
		print_close_object();
		print_nl();
	}
	if (p->has & HVK_PORT_HAS_SECURITY)
		print_security(&p->security);
	if (p->has & HVK_PORT_HAS_FILTER) {
		print_open_object("filter");
		print_u64(PRINT_ANY, "id", "    filter id %" PRIu64, p->filter.id);
		if (p->filter.name[0])
			print_string(PRINT_ANY, "name", " name %s", p->filter.name);
		print_close_object();
		print_nl();
	}
}
