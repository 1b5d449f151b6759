// SPDX-License-Identifier: GPL-2.0
/* hvk port: attach, detach, show and configure switch ports. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/hvk_switch.h>

#include "hvk.h"

static const char port_usage[] =
	"usage: hvk port add SWITCH DEV\n"
	"       hvk port del [ SWITCH ] DEV\n"
	"       hvk port show [ SWITCH ] [ DEV ]\n"
	"       hvk port set DEV [ vlan VLAN ] [ learning { on | off } ] [ flood { on | off } ]\n"
	"                    [ inbound RATE ] [ outbound RATE ] [ storm STORM ]\n"
	"                    [ security SECURITY ] [ filter FILTER ]\n"
	"VLAN := { access VID | trunk [ all | LIST ] [ native VID [ untagged | tagged ] ]\n"
	"        | dot1q-tunnel SVID | none }\n"
	"LIST := VID[-VID][,...]        DEV may be the switch itself: its host port\n"
	"RATE := { off | average BITRATE [ peak BITRATE ] [ burst SIZE ] [ pps N ] [ limit SIZE ] }\n"
	"        (inbound: switch -> DEV, shaped; outbound: DEV -> switch, policed; limit: inbound)\n"
	"STORM := { off | [ broadcast PPS ] [ multicast PPS ] [ unknown-unicast PPS ] }\n"
	"SECURITY := { off | [ forged-transmits ACT ] [ mac-changes ACT ] [ promiscuous ACT ]\n"
	"              [ locked { on | off } ] [ max-macs N ] [ mac MAC... ] }   ACT := accept | reject\n"
	"FILTER := { off | object FILE.o [ section NAME ] }\n"
	"BITRATE: 20mbit, 1gbit, 500kbit, 10mbps (bytes/s); SIZE: 64k, 1m, 1518 (bytes)\n";

static const char *const mode_names[] = {
	[HVK_SWITCH_VLAN_ACCESS] = "access",
	[HVK_SWITCH_VLAN_TRUNK] = "trunk",
	[HVK_SWITCH_VLAN_NATIVE_UNTAGGED] = "native-untagged",
	[HVK_SWITCH_VLAN_NATIVE_TAGGED] = "native-tagged",
	[HVK_SWITCH_VLAN_DOT1Q_TUNNEL] = "dot1q-tunnel",
	[HVK_SWITCH_VLAN_NONE] = "none",
};

const char *vlan_mode_name(unsigned int mode)
{
	return mode <= HVK_SWITCH_VLAN_MODE_MAX ? mode_names[mode] : "unknown";
}

static void print_vlan(const struct hvk_vlan_config *v)
{
	char list[128];
	unsigned int vid;

	print_open_object("vlan");
	print_string(PRINT_JSON, "mode", NULL, vlan_mode_name(v->mode));
	if (v->pvid)
		print_u64(PRINT_JSON, "pvid", NULL, v->pvid);
	if (v->has_vids) {
		print_open_array("vids");
		for (vid = 1; vid <= 4094; vid++)
			if (hvk_vids_test(v->vids, vid))
				print_u64(PRINT_JSON, NULL, NULL, vid);
		print_close_array();
		hvk_vids_format(v->vids, list, sizeof(list));
	}
	print_close_object();

	if (print_is_json())
		return;
	printf(" vlan %s", v->mode == HVK_SWITCH_VLAN_NATIVE_UNTAGGED ||
			   v->mode == HVK_SWITCH_VLAN_NATIVE_TAGGED ? "trunk" :
			   vlan_mode_name(v->mode));
	if (v->mode == HVK_SWITCH_VLAN_ACCESS || v->mode == HVK_SWITCH_VLAN_DOT1Q_TUNNEL)
		printf(" %u", v->pvid);
	if (v->has_vids)
		printf(" %s", list[0] ? list : "(none)");
	if (v->mode == HVK_SWITCH_VLAN_NATIVE_UNTAGGED)
		printf(" native %u untagged", v->pvid);
	else if (v->mode == HVK_SWITCH_VLAN_NATIVE_TAGGED)
		printf(" native %u tagged", v->pvid);
}

void print_port(const struct hvk_port_info *p, const char *key)
{
	const struct hvk_port_stats *s = &p->stats;
	char swname[16];
	unsigned int i;
	bool any = false;

	print_open_object(key);
	print_string(PRINT_ANY, "ifname", "%s:", p->name);
	print_u64(PRINT_JSON, "ifindex", NULL, p->ifindex);
	print_string(PRINT_ANY, "switch", " switch %s", ifname_of(p->switch_ifindex, swname));
	print_bool(PRINT_JSON, "host", NULL, p->host);
	if (p->host)
		print_string(PRINT_FP, NULL, "%s", " (host port)");
	print_vlan(&p->vlan);
	print_bool(PRINT_ANY, "learning", " learning %s", p->learning);
	print_bool(PRINT_ANY, "flood", " flood %s", p->flood);
	print_bool(PRINT_JSON, "forwarding", NULL, p->oper_up);
	print_string(PRINT_FP, NULL, " state %s", p->oper_up ? "forwarding" : "down");
	print_u64(PRINT_ANY, "mac_count", " macs %" PRIu64, p->mac_count);
	print_nl();
	print_port_policy(p);

	print_open_object("stats");
	print_u64(PRINT_ANY, "rx_packets", "    rx %" PRIu64 " packets", s->rx_packets);
	print_u64(PRINT_ANY, "rx_bytes", " %" PRIu64 " bytes", s->rx_bytes);
	print_u64(PRINT_ANY, "tx_packets", "  tx %" PRIu64 " packets", s->tx_packets);
	print_u64(PRINT_ANY, "tx_bytes", " %" PRIu64 " bytes", s->tx_bytes);
	print_nl();
	print_open_object("drops");
	for (i = 0; i < HVK_PORT_DROP_MAX; i++) {
		char key[32];
		size_t j;

		snprintf(key, sizeof(key), "%s", hvk_port_drop_name(i));
		for (j = 0; key[j]; j++)
			if (key[j] == '-')
				key[j] = '_';
		print_u64(PRINT_JSON, key, NULL, s->drops[i]);
		if (s->drops[i] && !print_is_json()) {
			printf("%s %s %" PRIu64, any ? "" : "    drops:", hvk_port_drop_name(i),
			       s->drops[i]);
			any = true;
		}
	}
	print_close_object();
	print_close_object();
	if (any)
		print_nl();
	print_close_object();
}

/* A keyword that ends a "vlan trunk" without a VID list. */
static bool is_port_option(const char *arg)
{
	static const char *const options[] = {
		"native", "vlan", "learning", "flood", "inbound", "outbound", "storm",
		"security", "filter", NULL,
	};
	int i;

	for (i = 0; options[i]; i++)
		if (!strcmp(arg, options[i]))
			return true;
	return false;
}

/* Parse "vlan ..." at argv[0] onwards; returns the arguments used, or -1. */
static int parse_vlan(int argc, char **argv, struct hvk_vlan_config *v)
{
	struct hvk_error err;
	const char *mode;
	uint32_t vid;
	int used = 1;

	memset(v, 0, sizeof(*v));
	if (argc < 1)
		return usage_error("port", "vlan needs a mode (access, trunk, dot1q-tunnel, none)"), -1;
	mode = argv[0];
	if (!strcmp(mode, "access") || !strcmp(mode, "dot1q-tunnel")) {
		v->mode = !strcmp(mode, "access") ? HVK_SWITCH_VLAN_ACCESS
						  : HVK_SWITCH_VLAN_DOT1Q_TUNNEL;
		if (argc < 2 || parse_u32(argv[1], 4094, &vid) || !vid)
			return usage_error("port", "vlan %s needs a VID 1-4094", mode), -1;
		v->pvid = vid;
		return 2;
	}
	if (!strcmp(mode, "none")) {
		v->mode = HVK_SWITCH_VLAN_NONE;
		return 1;
	}
	if (strcmp(mode, "trunk"))
		return usage_error("port", "unknown VLAN mode \"%s\"", mode), -1;

	v->mode = HVK_SWITCH_VLAN_TRUNK;
	if (used < argc && !is_port_option(argv[used])) {
		if (hvk_vids_parse(argv[used], v->vids, &err))
			return usage_error("port", "%s", err.msg), -1;
		v->has_vids = strcmp(argv[used], "all") != 0;
		used++;
	}
	if (used < argc && !strcmp(argv[used], "native")) {
		if (used + 1 >= argc || parse_u32(argv[used + 1], 4094, &vid) || !vid)
			return usage_error("port", "native needs a VID 1-4094"), -1;
		v->pvid = vid;
		v->mode = HVK_SWITCH_VLAN_NATIVE_UNTAGGED;
		used += 2;
		if (used < argc && !strcmp(argv[used], "tagged")) {
			v->mode = HVK_SWITCH_VLAN_NATIVE_TAGGED;
			used++;
		} else if (used < argc && !strcmp(argv[used], "untagged")) {
			used++;
		}
	}
	return used;
}

static int port_add(int argc, char **argv)
{
	struct hvk_port_info req = {}, out;
	struct hvk_error err;
	struct hvk_nl *nl;

	if (argc != 2)
		return usage_error("port", "port add takes SWITCH DEV");
	if (ifindex_of(argv[0], &req.switch_ifindex) || ifindex_of(argv[1], &req.ifindex))
		return EXIT_FAILED;
	if (dry_run)
		return EXIT_OK;
	nl = switch_open("port add");
	if (!nl)
		return EXIT_FAILED;
	return finish("port add", hvk_port_add(nl, &req, &out, &err), nl, &err);
}

static int port_del(int argc, char **argv)
{
	struct hvk_port_info p;
	struct hvk_error err;
	struct hvk_nl *nl;
	uint32_t sw = 0, ifindex;
	int ret;

	if (argc < 1 || argc > 2)
		return usage_error("port", "port del takes [SWITCH] DEV");
	if ((argc == 2 && ifindex_of(argv[0], &sw)) || ifindex_of(argv[argc - 1], &ifindex))
		return EXIT_FAILED;
	nl = switch_open("port del");
	if (!nl)
		return EXIT_FAILED;
	ret = 0;
	if (sw) {
		ret = hvk_port_get(nl, ifindex, &p, &err);
		if (!ret && p.switch_ifindex != sw) {
			errmsg("port del: %s is not a port of %s", argv[1], argv[0]);
			hvk_nl_close(nl);
			return EXIT_FAILED;
		}
	}
	if (!ret)
		ret = hvk_port_del(nl, ifindex, &err);
	return finish("port del", ret, nl, &err);
}

static int port_set_parse(struct policy_opts *o, struct hvk_port_info *req,
			  int argc, char **argv)
{
	while (argc > 0) {
		int used = policy_parse(o, req, argc, argv);

		if (used < 0)
			return EXIT_USAGE;
		if (used) {
			argc -= used;
			argv += used;
			continue;
		}
		if (!strcmp(*argv, "vlan")) {
			used = parse_vlan(argc - 1, argv + 1, &req->vlan);
			if (used < 0)
				return EXIT_USAGE;
			req->has |= HVK_PORT_HAS_VLAN;
			argc -= used + 1;
			argv += used + 1;
			continue;
		} else if (!strcmp(*argv, "learning")) {
			NEXT_ARG("port");
			if (parse_on_off("learning", *argv, &req->learning))
				return EXIT_USAGE;
			req->has |= HVK_PORT_HAS_LEARNING;
		} else if (!strcmp(*argv, "flood")) {
			NEXT_ARG("port");
			if (parse_on_off("flood", *argv, &req->flood))
				return EXIT_USAGE;
			req->has |= HVK_PORT_HAS_FLOOD;
		} else {
			return usage_error("port", "unknown option \"%s\"", *argv);
		}
		argc--, argv++;
	}
	return EXIT_OK;
}

static int port_set(int argc, char **argv)
{
	struct hvk_port_info *req, *cur = NULL;
	struct policy_opts *o;
	struct hvk_error err;
	struct hvk_nl *nl = NULL;
	int ret;

	if (argc < 2)
		return usage_error("port", "port set needs a DEV and options");
	req = calloc(2, sizeof(*req));
	o = policy_opts_new();
	if (!req || !o) {
		errmsg("port set: out of memory");
		ret = EXIT_FAILED;
		goto out;
	}
	ret = port_set_parse(o, req, argc - 1, argv + 1);
	if (ret)
		goto out;
	ret = EXIT_FAILED;
	if (ifindex_of(argv[0], &req->ifindex))
		goto out;
	if (dry_run) {
		ret = EXIT_OK;
		goto out;
	}
	nl = switch_open("port set");
	if (!nl)
		goto out;
	if (policy_needs_current(o, req)) {
		cur = req + 1;
		if (hvk_port_get(nl, req->ifindex, cur, &err)) {
			ret = finish("port set", -1, nl, &err);
			nl = NULL;
			goto out;
		}
	}
	if (policy_finish(o, req, cur))
		goto out;
	ret = finish("port set", hvk_port_set(nl, req, &err), nl, &err);
	nl = NULL;
out:
	hvk_nl_close(nl);
	policy_opts_free(o);
	free(req);
	return ret;
}

static int port_show(int argc, char **argv)
{
	struct hvk_port_info *list = NULL, one;
	struct hvk_switch_info sw;
	struct hvk_error err;
	struct hvk_nl *nl;
	uint32_t a = 0, b = 0;
	size_t n = 0, i;
	int ret;

	if (argc > 2)
		return usage_error("port", "port show takes [SWITCH] [DEV]");
	if ((argc >= 1 && ifindex_of(argv[0], &a)) || (argc == 2 && ifindex_of(argv[1], &b)))
		return EXIT_FAILED;
	nl = switch_open("port show");
	if (!nl)
		return EXIT_FAILED;
	if (b || (a && hvk_switch_get(nl, a, &sw, &err))) {
		/* A single port: DEV, or SWITCH DEV. */
		ret = hvk_port_get(nl, b ? b : a, &one, &err);
		if (!ret && b && one.switch_ifindex != a) {
			errmsg("port show: %s is not a port of %s", argv[1], argv[0]);
			hvk_nl_close(nl);
			return EXIT_FAILED;
		}
		list = &one;
		n = 1;
	} else {
		ret = hvk_port_list(nl, a, &list, &n, &err);
	}
	hvk_nl_close(nl);
	if (ret) {
		report_error("port show", &err);
		return EXIT_FAILED;
	}
	print_open_array(NULL);
	for (i = 0; i < n; i++)
		print_port(&list[i], NULL);
	print_close_array();
	if (list != &one)
		free(list);
	return EXIT_OK;
}

static const struct cmd port_cmds[] = {
	{ "add", port_add, "attach a device to a switch" },
	{ "del", port_del, "detach a port" },
	{ "show", port_show, "show ports, their VLANs and counters" },
	{ "set", port_set, "configure a port" },
	{ NULL, NULL, NULL },
};

int do_port(int argc, char **argv)
{
	if (argc == 0)
		return port_show(0, NULL);
	return cmd_dispatch("port", port_cmds, port_usage, argc, argv);
}
