// SPDX-License-Identifier: GPL-2.0
/* hvk switch: create, delete, show and configure switches. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/hvk_switch.h>

#include "hvk.h"

static const char switch_usage[] =
	"usage: hvk switch add NAME [ OPTIONS ]\n"
	"       hvk switch del NAME\n"
	"       hvk switch show [ NAME ]\n"
	"       hvk switch set NAME OPTIONS\n"
	"OPTIONS := [ ageing SECONDS ] [ vlan-protocol { 802.1Q | 802.1ad } ]\n"
	"           [ default-pvid { VID | none } ] [ max-macs N ]\n"
	"max-macs: learned FDB entries, beyond which frames from new sources are\n"
	"dropped (0: the hard cap, 131072)\n";

void print_switch(const struct hvk_switch_info *sw, const char *key)
{
	char ageing[32];

	print_open_object(key);
	print_string(PRINT_ANY, "ifname", "%s:", sw->name);
	print_u64(PRINT_JSON, "ifindex", NULL, sw->ifindex);
	if (sw->ageing_ms % 1000)
		snprintf(ageing, sizeof(ageing), "%u.%03us", sw->ageing_ms / 1000,
			 sw->ageing_ms % 1000);
	else
		snprintf(ageing, sizeof(ageing), "%us", sw->ageing_ms / 1000);
	print_string(PRINT_FP, NULL, " ageing %s", ageing);
	print_u64(PRINT_JSON, "ageing_ms", NULL, sw->ageing_ms);
	print_string(PRINT_ANY, "vlan_protocol", " vlan-protocol %s",
		     sw->vlan_protocol == 0x88a8 ? "802.1ad" : "802.1Q");
	if (sw->default_pvid)
		print_u64(PRINT_ANY, "default_pvid", " default-pvid %" PRIu64, sw->default_pvid);
	else
		print_u64(PRINT_ANY, "default_pvid", " default-pvid none", 0);
	print_u64(PRINT_ANY, "ports", " ports %" PRIu64, sw->port_count);
	print_u64(PRINT_ANY, "fdb_entries", " fdb %" PRIu64, sw->fdb_count);
	print_u64(PRINT_ANY, "fdb_static", " (static %" PRIu64 ")", sw->fdb_static);
	print_u64(PRINT_ANY, "max_macs", " max-macs %" PRIu64, sw->max_macs);
	print_nl();
	print_close_object();
}

/* Parse OPTIONS into @sw; returns an exit status, EXIT_OK to go on. */
static int parse_options(int argc, char **argv, struct hvk_switch_info *sw)
{
	while (argc > 0) {
		if (!strcmp(*argv, "ageing")) {
			char *end;
			double s;

			NEXT_ARG("switch");
			s = strtod(*argv, &end);
			if (*end || end == *argv || s < 0 || s > 1000000)
				return usage_error("switch", "ageing is 0 to 1000000 seconds, not \"%s\"", *argv);
			sw->ageing_ms = (uint32_t)(s * 1000 + 0.5);
			sw->has |= HVK_SWITCH_HAS_AGEING;
		} else if (!strcmp(*argv, "vlan-protocol")) {
			NEXT_ARG("switch");
			if (!strcasecmp(*argv, "802.1q"))
				sw->vlan_protocol = 0x8100;
			else if (!strcasecmp(*argv, "802.1ad"))
				sw->vlan_protocol = 0x88a8;
			else
				return usage_error("switch", "vlan-protocol is 802.1Q or 802.1ad, not \"%s\"", *argv);
			sw->has |= HVK_SWITCH_HAS_VLAN_PROTOCOL;
		} else if (!strcmp(*argv, "default-pvid")) {
			uint32_t v;

			NEXT_ARG("switch");
			if (!strcmp(*argv, "none"))
				v = 0;
			else if (parse_u32(*argv, 4094, &v) || !v)
				return usage_error("switch", "default-pvid is 1-4094 or none, not \"%s\"", *argv);
			sw->default_pvid = v;
			sw->has |= HVK_SWITCH_HAS_DEFAULT_PVID;
		} else if (!strcmp(*argv, "max-macs")) {
			NEXT_ARG("switch");
			if (parse_u32(*argv, 131072, &sw->max_macs))
				return usage_error("switch", "max-macs is 0 to 131072, not \"%s\"", *argv);
			sw->has |= HVK_SWITCH_HAS_MAX_MACS;
		} else {
			return usage_error("switch", "unknown option \"%s\"", *argv);
		}
		argc--, argv++;
	}
	return EXIT_OK;
}

static int switch_add(int argc, char **argv)
{
	struct hvk_switch_info sw = {}, out;
	struct hvk_error err;
	struct hvk_nl *nl;
	int ret;

	if (argc < 1)
		return usage_error("switch", "switch add needs a NAME");
	if (strlen(argv[0]) >= HVK_IFNAMSIZ)
		return usage_error("switch", "\"%s\" is too long for a device name", argv[0]);
	snprintf(sw.name, sizeof(sw.name), "%s", argv[0]);
	sw.has = HVK_SWITCH_HAS_NAME;
	ret = parse_options(argc - 1, argv + 1, &sw);
	if (ret || dry_run)
		return ret;
	nl = switch_open("switch add");
	if (!nl)
		return EXIT_FAILED;
	return finish("switch add", hvk_switch_new(nl, &sw, &out, &err), nl, &err);
}

static int switch_del(int argc, char **argv)
{
	struct hvk_error err;
	struct hvk_nl *nl;
	uint32_t ifindex;

	if (argc != 1)
		return usage_error("switch", "switch del takes one NAME");
	if (ifindex_of(argv[0], &ifindex))
		return EXIT_FAILED;
	nl = switch_open("switch del");
	if (!nl)
		return EXIT_FAILED;
	return finish("switch del", hvk_switch_del(nl, ifindex, &err), nl, &err);
}

static int switch_set(int argc, char **argv)
{
	struct hvk_switch_info sw = {};
	struct hvk_error err;
	struct hvk_nl *nl;
	int ret;

	if (argc < 2)
		return usage_error("switch", "switch set needs a NAME and options");
	ret = parse_options(argc - 1, argv + 1, &sw);
	if (ret)
		return ret;
	if (ifindex_of(argv[0], &sw.ifindex))
		return EXIT_FAILED;
	if (dry_run)
		return EXIT_OK;
	nl = switch_open("switch set");
	if (!nl)
		return EXIT_FAILED;
	return finish("switch set", hvk_switch_set(nl, &sw, &err), nl, &err);
}

static int switch_show(int argc, char **argv)
{
	struct hvk_switch_info *list = NULL, one;
	struct hvk_error err;
	struct hvk_nl *nl;
	uint32_t ifindex = 0;
	size_t n = 0, i;
	int ret;

	if (argc > 1)
		return usage_error("switch", "switch show takes at most a NAME");
	if (argc == 1 && ifindex_of(argv[0], &ifindex))
		return EXIT_FAILED;
	nl = switch_open("switch show");
	if (!nl)
		return EXIT_FAILED;
	if (ifindex) {
		ret = hvk_switch_get(nl, ifindex, &one, &err);
		list = &one;
		n = 1;
	} else {
		ret = hvk_switch_list(nl, &list, &n, &err);
	}
	hvk_nl_close(nl);
	if (ret) {
		report_error("switch show", &err);
		return EXIT_FAILED;
	}
	print_open_array(NULL);
	for (i = 0; i < n; i++)
		print_switch(&list[i], NULL);
	print_close_array();
	if (list != &one)
		free(list);
	return EXIT_OK;
}

static const struct cmd switch_cmds[] = {
	{ "add", switch_add, "create a switch" },
	{ "del", switch_del, "delete a switch and release its ports" },
	{ "show", switch_show, "show switches" },
	{ "set", switch_set, "change a switch's options" },
	{ NULL, NULL, NULL },
};

int do_switch(int argc, char **argv)
{
	if (argc == 0)
		return switch_show(0, NULL);
	return cmd_dispatch("switch", switch_cmds, switch_usage, argc, argv);
}
