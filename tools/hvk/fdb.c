// SPDX-License-Identifier: GPL-2.0
/* hvk fdb: the switches' forwarding databases. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvk.h"

static const char fdb_usage[] =
	"usage: hvk fdb show [ SWITCH ] [ vlan VID ] [ dev DEV ]\n"
	"       hvk fdb add SWITCH MAC dev DEV [ vlan VID ]\n"
	"       hvk fdb del SWITCH MAC [ vlan VID ]\n"
	"       hvk fdb flush SWITCH [ dev DEV ] [ vlan VID ] [ dynamic ]\n"
	"VID defaults to 1 for add and del.  Entries added here are static.\n";

void print_fdb(const struct hvk_fdb_entry *e, const char *key)
{
	char mac[18], dev[16], sw[16];

	hvk_mac_format(e->mac, mac);
	print_open_object(key);
	print_string(PRINT_ANY, "mac", "%s", mac);
	print_u64(PRINT_ANY, "vlan", " vlan %" PRIu64, e->vid);
	print_string(PRINT_ANY, "dev", " dev %s", ifname_of(e->port_ifindex, dev));
	print_string(PRINT_ANY, "switch", " switch %s", ifname_of(e->switch_ifindex, sw));
	print_bool(PRINT_JSON, "static", NULL, e->is_static);
	print_u64(PRINT_JSON, "age_ms", NULL, e->age_ms);
	if (e->is_static)
		print_string(PRINT_FP, NULL, "%s", " static");
	else if (!print_is_json())
		printf(" age %u.%us", e->age_ms / 1000, e->age_ms % 1000 / 100);
	print_nl();
	print_close_object();
}

struct fdb_args {
	uint32_t sw, dev;
	uint16_t vid;
	bool vid_set, dynamic;
	const char *mac;
};

/* [SWITCH] [MAC] then keyword options; @want_mac: a MAC follows the switch. */
static int parse_args(int argc, char **argv, bool want_sw, bool want_mac,
		      struct fdb_args *a)
{
	uint32_t v;

	memset(a, 0, sizeof(*a));
	if (want_sw) {
		if (argc < 1)
			return usage_error("fdb", "a SWITCH is needed");
		if (ifindex_of(argv[0], &a->sw))
			return EXIT_FAILED;
		argc--, argv++;
	}
	if (want_mac) {
		if (argc < 1)
			return usage_error("fdb", "a MAC address is needed");
		a->mac = argv[0];
		argc--, argv++;
	}
	while (argc > 0) {
		if (!strcmp(*argv, "vlan")) {
			NEXT_ARG("fdb");
			if (parse_u32(*argv, 4094, &v) || !v)
				return usage_error("fdb", "vlan takes a VID 1-4094, not \"%s\"", *argv);
			a->vid = v;
			a->vid_set = true;
		} else if (!strcmp(*argv, "dev")) {
			NEXT_ARG("fdb");
			if (ifindex_of(*argv, &a->dev))
				return EXIT_FAILED;
		} else if (!strcmp(*argv, "dynamic")) {
			a->dynamic = true;
		} else if (!a->sw && !want_sw && !want_mac) {
			if (ifindex_of(*argv, &a->sw))
				return EXIT_FAILED;
		} else {
			return usage_error("fdb", "unknown option \"%s\"", *argv);
		}
		argc--, argv++;
	}
	return EXIT_OK;
}

static int mac_arg(const char *s, uint8_t mac[6])
{
	if (hvk_mac_parse(s, mac))
		return usage_error("fdb", "\"%s\" is not a MAC address (aa:bb:cc:dd:ee:ff)", s);
	return EXIT_OK;
}

int fdb_parse_add(int argc, char **argv, struct hvk_fdb_entry *e)
{
	struct fdb_args a;
	int ret = parse_args(argc, argv, true, true, &a);

	memset(e, 0, sizeof(*e));
	if (ret)
		return ret;
	if (!a.dev)
		return usage_error("fdb", "fdb add needs dev DEV");
	if (a.dynamic)
		return usage_error("fdb", "entries added by hand are static");
	ret = mac_arg(a.mac, e->mac);
	if (ret)
		return ret;
	e->switch_ifindex = a.sw;
	e->port_ifindex = a.dev;
	e->vid = a.vid_set ? a.vid : 1;
	e->is_static = true;
	return EXIT_OK;
}

static int fdb_add(int argc, char **argv)
{
	struct hvk_fdb_entry e;
	struct hvk_error err;
	struct hvk_nl *nl;
	int ret = fdb_parse_add(argc, argv, &e);

	if (ret || dry_run)
		return ret;
	nl = switch_open("fdb add");
	if (!nl)
		return EXIT_FAILED;
	return finish("fdb add", hvk_fdb_add(nl, &e, &err), nl, &err);
}

static int fdb_del(int argc, char **argv)
{
	struct fdb_args a;
	struct hvk_error err;
	struct hvk_nl *nl;
	uint8_t mac[6];
	int ret = parse_args(argc, argv, true, true, &a);

	if (ret)
		return ret;
	if (a.dev || a.dynamic)
		return usage_error("fdb", "fdb del takes SWITCH MAC [vlan VID]");
	ret = mac_arg(a.mac, mac);
	if (ret)
		return ret;
	nl = switch_open("fdb del");
	if (!nl)
		return EXIT_FAILED;
	return finish("fdb del", hvk_fdb_del(nl, a.sw, mac, a.vid_set ? a.vid : 1, &err),
		       nl, &err);
}

static int fdb_flush(int argc, char **argv)
{
	struct fdb_args a;
	struct hvk_error err;
	struct hvk_nl *nl;
	int ret = parse_args(argc, argv, true, false, &a);

	if (ret)
		return ret;
	nl = switch_open("fdb flush");
	if (!nl)
		return EXIT_FAILED;
	return finish("fdb flush", hvk_fdb_flush(nl, a.sw, a.dev, a.vid, a.dynamic, &err),
		       nl, &err);
}

static int fdb_show(int argc, char **argv)
{
	struct hvk_fdb_entry *list;
	struct fdb_args a;
	struct hvk_error err;
	struct hvk_nl *nl;
	size_t n, i;
	int ret = parse_args(argc, argv, false, false, &a);

	if (ret)
		return ret;
	if (a.dynamic)
		return usage_error("fdb", "fdb show takes [SWITCH] [vlan VID] [dev DEV]");
	nl = switch_open("fdb show");
	if (!nl)
		return EXIT_FAILED;
	ret = hvk_fdb_list(nl, a.sw, &list, &n, &err);
	hvk_nl_close(nl);
	if (ret) {
		report_error("fdb show", &err);
		return EXIT_FAILED;
	}
	print_open_array(NULL);
	for (i = 0; i < n; i++)
		if ((!a.vid_set || list[i].vid == a.vid) && (!a.dev || list[i].port_ifindex == a.dev))
			print_fdb(&list[i], NULL);
	print_close_array();
	free(list);
	return EXIT_OK;
}

static const struct cmd fdb_cmds[] = {
	{ "show", fdb_show, "show forwarding entries" },
	{ "add", fdb_add, "add or replace a static entry" },
	{ "del", fdb_del, "delete an entry" },
	{ "flush", fdb_flush, "delete matching entries" },
	{ NULL, NULL, NULL },
};

int do_fdb(int argc, char **argv)
{
	if (argc == 0)
		return fdb_show(0, NULL);
	return cmd_dispatch("fdb", fdb_cmds, fdb_usage, argc, argv);
}
