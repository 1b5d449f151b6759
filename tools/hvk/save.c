// SPDX-License-Identifier: GPL-2.0
/*
 * hvk save [SWITCH...]: the running configuration as hvk commands in the
 * format of Documentation/config.md, so that "hvk save > f", a reboot and
 * "hvk apply f" (or "hvk -batch f") recreate it.  Only what an admin set
 * is saved: learned FDB entries, counters and sticky MACs are the
 * switch's own doing.  Rates and sizes are printed in forms that parse
 * back to the same value (format_rate(), format_size()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <hvk/mem.h>
#include <linux/hvk_switch.h>

#include "hvk.h"
#include "config.h"

#define DEFAULT_AGEING_MS 300000
#define DEFAULT_PVID 1
/* Room for any VID list in full: "1,3,5,...,4093" is under 10 KiB. */
#define VIDS_TEXT_LEN 16384

/* A module's part is skipped, not failed, when it is not loaded: save loads nothing. */
static bool module_loaded(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

/* " WORD", quoted when the file format needs it. */
static void word(const char *w)
{
	char buf[HVK_MEM_DOMAIN_MAX + HVK_IFNAMSIZ + 3];

	printf(" %s", config_quote(w, buf, sizeof(buf)));
}

static void dev_word(uint32_t ifindex)
{
	char name[HVK_IFNAMSIZ];

	word(ifname_of(ifindex, name));
}

static void save_switch(const struct hvk_switch_info *sw)
{
	printf("switch add");
	word(sw->name);
	if (sw->ageing_ms != DEFAULT_AGEING_MS && sw->ageing_ms % 1000)
		printf(" ageing %u.%03u", sw->ageing_ms / 1000, sw->ageing_ms % 1000);
	else if (sw->ageing_ms != DEFAULT_AGEING_MS)
		printf(" ageing %u", sw->ageing_ms / 1000);
	if (sw->vlan_protocol == 0x88a8)
		printf(" vlan-protocol 802.1ad");
	if (!sw->default_pvid)
		printf(" default-pvid none");
	else if (sw->default_pvid != DEFAULT_PVID)
		printf(" default-pvid %u", sw->default_pvid);
	if (sw->max_macs)
		printf(" max-macs %u", sw->max_macs);
	putchar('\n');
}

static int save_vlan(const struct hvk_vlan_config *v)
{
	char *list;

	switch (v->mode) {
	case HVK_SWITCH_VLAN_ACCESS:
		printf(" vlan access %u", v->pvid);
		return 0;
	case HVK_SWITCH_VLAN_DOT1Q_TUNNEL:
		printf(" vlan dot1q-tunnel %u", v->pvid);
		return 0;
	case HVK_SWITCH_VLAN_NONE:
		printf(" vlan none");
		return 0;
	}
	printf(" vlan trunk");
	if (v->has_vids) {
		list = malloc(VIDS_TEXT_LEN);
		if (!list)
			return -1;
		hvk_vids_format(v->vids, list, VIDS_TEXT_LEN);
		word(list);
		free(list);
	} else {
		printf(" all");
	}
	if (v->mode == HVK_SWITCH_VLAN_NATIVE_UNTAGGED)
		printf(" native %u untagged", v->pvid);
	else if (v->mode == HVK_SWITCH_VLAN_NATIVE_TAGGED)
		printf(" native %u tagged", v->pvid);
	return 0;
}

/* Each policy on a continuation line of its own: files diff by policy. */
static void save_rate(const char *dir, const struct hvk_rate *r)
{
	char buf[32];

	printf(" \\\n\t%s average %s", dir, format_rate(r->average, buf, sizeof(buf)));
	if (r->peak)
		printf(" peak %s", format_rate(r->peak, buf, sizeof(buf)));
	printf(" burst %s", format_size(r->burst, buf, sizeof(buf)));
	if (r->pps)
		printf(" pps %u", r->pps);
	if (r->limit)
		printf(" limit %s", format_size(r->limit, buf, sizeof(buf)));
}

static void save_security(const struct hvk_security *sec)
{
	char mac[18];
	unsigned int i;

	printf(" \\\n\tsecurity forged-transmits %s mac-changes %s promiscuous %s locked %s max-macs %u",
	       sec->forged_transmits ? "accept" : "reject", sec->mac_changes ? "accept" : "reject",
	       sec->promiscuous ? "accept" : "reject", sec->locked ? "on" : "off", sec->max_macs);
	if (sec->n_macs)
		printf(" mac");
	for (i = 0; i < sec->n_macs; i++) {
		hvk_mac_format(sec->macs[i], mac);
		printf(" %s", mac);
	}
}

/* What a port a switch just attached looks like (kmod/switch/port.c, vlan.c). */
static bool port_is_default(const struct hvk_port_info *p, const struct hvk_switch_info *sw)
{
	const struct hvk_vlan_config *v = &p->vlan;
	bool vlan_default = sw->default_pvid ?
		v->mode == HVK_SWITCH_VLAN_ACCESS && v->pvid == sw->default_pvid :
		v->mode == HVK_SWITCH_VLAN_NONE;

	return vlan_default && p->learning && p->flood &&
	       !(p->has & (HVK_PORT_HAS_INBOUND | HVK_PORT_HAS_OUTBOUND | HVK_PORT_HAS_STORM |
			   HVK_PORT_HAS_SECURITY | HVK_PORT_HAS_FILTER));
}

/*
 * "port add" and a "port set" naming every setting, so that applying the
 * file also undoes a hand-made change; the host port only if changed.
 */
static int save_port(const struct hvk_port_info *p, const struct hvk_switch_info *sw)
{
	const struct hvk_storm *st = &p->storm;

	if (p->host && port_is_default(p, sw))
		return 0;
	if (!p->host) {
		printf("port add");
		word(sw->name);
		word(p->name);
		putchar('\n');
	}
	printf("port set");
	word(p->name);
	if (save_vlan(&p->vlan))
		return -1;
	printf(" learning %s flood %s", p->learning ? "on" : "off", p->flood ? "on" : "off");
	if (p->has & HVK_PORT_HAS_INBOUND)
		save_rate("inbound", &p->inbound);
	if (p->has & HVK_PORT_HAS_OUTBOUND)
		save_rate("outbound", &p->outbound);
	if (p->has & HVK_PORT_HAS_STORM)
		printf(" \\\n\tstorm broadcast %u multicast %u unknown-unicast %u",
		       st->broadcast, st->multicast, st->unknown_unicast);
	if (p->has & HVK_PORT_HAS_SECURITY)
		save_security(&p->security);
	putchar('\n');
	if (p->has & HVK_PORT_HAS_FILTER)
		printf("# port %s: a filter is attached; hvk save cannot restore it (no object path in the kernel)\n",
		       p->name);
	return 0;
}

static void save_fdb(const struct hvk_fdb_entry *e, const struct hvk_switch_info *sw)
{
	char mac[18];

	hvk_mac_format(e->mac, mac);
	printf("fdb add");
	word(sw->name);
	printf(" %s dev", mac);
	dev_word(e->port_ifindex);
	printf(" vlan %u\n", e->vid);
}

static void save_port_list(const char *key, const uint32_t *list, size_t n)
{
	size_t i;

	if (n)
		printf(" %s", key);
	for (i = 0; i < n; i++)
		dev_word(list[i]);
}

static void save_mirror(const struct hvk_mirror_info *m, const struct hvk_switch_info *sw)
{
	printf("mirror add");
	word(sw->name);
	word(m->name);
	printf(" dest");
	dev_word(m->dest_ifindex);
	save_port_list("ingress", m->ingress, m->n_ingress);
	save_port_list("egress", m->egress, m->n_egress);
	if (m->vid)
		printf(" vlan %u", m->vid);
	if (m->truncate)
		printf(" truncate %u", m->truncate);
	putchar('\n');
}

/* One switch: itself, its ports, its static FDB entries, its mirror sessions. */
static int save_one_switch(struct hvk_nl *nl, const struct hvk_switch_info *sw,
			   struct hvk_error *err)
{
	struct hvk_port_info *ports = NULL;
	struct hvk_mirror_info *mirrors = NULL;
	struct hvk_fdb_entry *fdb = NULL;
	size_t n, i;
	int ret;

	printf("\n# switch %s\n", sw->name);
	save_switch(sw);
	ret = hvk_port_list(nl, sw->ifindex, &ports, &n, err);
	for (i = 0; !ret && i < n; i++)
		ret = save_port(&ports[i], sw);
	if (!ret)
		ret = hvk_fdb_list(nl, sw->ifindex, &fdb, &n, err);
	for (i = 0; !ret && i < n; i++)
		if (fdb[i].is_static)
			save_fdb(&fdb[i], sw);
	if (!ret)
		ret = hvk_mirror_list(nl, sw->ifindex, &mirrors, &n, err);
	for (i = 0; !ret && i < n; i++)
		save_mirror(&mirrors[i], sw);
	free(ports);
	free(fdb);
	free(mirrors);
	return ret;
}

/* The switches named in @argv, or all; an exit status. */
static int save_switches(int argc, char **argv)
{
	struct hvk_switch_info *list = NULL;
	struct hvk_error err;
	struct hvk_nl *nl;
	size_t n = 0, i;
	uint32_t ifindex;
	int ret = 0;

	if (!argc && !module_loaded("hvk_switch")) {
		printf("\n# hvk_switch is not loaded: no switches saved\n");
		return EXIT_OK;
	}
	nl = switch_open("save");
	if (!nl)
		return EXIT_FAILED;
	if (argc) {
		list = calloc(argc, sizeof(*list));
		if (!list) {
			hvk_nl_close(nl);
			errmsg("save: out of memory");
			return EXIT_FAILED;
		}
		for (n = 0; !ret && n < (size_t)argc; n++) {
			if (ifindex_of(argv[n], &ifindex)) {
				hvk_nl_close(nl);
				free(list);
				return EXIT_FAILED;
			}
			ret = hvk_switch_get(nl, ifindex, &list[n], &err);
		}
	} else {
		ret = hvk_switch_list(nl, &list, &n, &err);
	}
	for (i = 0; !ret && i < n; i++)
		ret = save_one_switch(nl, &list[i], &err);
	free(list);
	return finish("save", ret, nl, &err);
}

static int save_merge(void)
{
	struct hvk_merge_info m;
	struct hvk_error err;
	struct hvk_nl *nl;
	int ret;

	if (!module_loaded("hvk_mem")) {
		printf("\n# hvk_mem is not loaded: no merge settings saved\n");
		return EXIT_OK;
	}
	if (hvk_mem_open(&nl, &err)) {
		report_error("save", &err);
		return EXIT_FAILED;
	}
	ret = hvk_merge_get(nl, &m, &err);
	if (!ret)
		printf("\n# the hvkmem merge scanner\n"
		       "merge set run %s pages-to-scan %u sleep-ms %u max-sharing %u zero-pages %s cpu-budget %u\n",
		       run_name(m.run), m.pages_to_scan, m.sleep_ms, m.max_sharing,
		       m.zero_pages ? "on" : "off", m.cpu_budget);
	return finish("save", ret, nl, &err);
}

int do_save(int argc, char **argv)
{
	char date[32];
	time_t now = time(NULL);
	int ret;

	if (argc && is_help(argv[0])) {
		printf("usage: hvk save [ SWITCH... ]\n"
		       "Print the configuration of the switches (all, or those named) and, with\n"
		       "none named, of the merge scanner, as hvk commands for hvk apply or -batch.\n");
		return EXIT_OK;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	printf("# hvk save, hvkit %s, %s\n", HVK_VERSION, date);
	ret = save_switches(argc, argv);
	if (!ret && !argc)
		ret = save_merge();
	return ret;
}
