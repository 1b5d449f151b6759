// SPDX-License-Identifier: GPL-2.0
/*
 * hvk stats: every counter of both modules in Prometheus' text exposition
 * format, for node_exporter's textfile collector (Documentation/stats.md).
 * A module that is not loaded is reported down, never loaded for it: a
 * metrics timer must not change the host.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hvk/mem.h>
#include <hvk/switch.h>

#include "hvk.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char stats_usage[] =
	"usage: hvk stats [ --prometheus ]\n"
	"Counters of the switches, their ports, the hvkmem regions and the merge\n"
	"scanner in Prometheus' text format (node_exporter's textfile collector).\n";

/* Label values: backslash, double quote and newline escaped. */
static void put_label(const char *name, const char *value, bool first)
{
	printf("%s%s=\"", first ? "" : ",", name);
	for (; *value; value++) {
		if (*value == '\\' || *value == '"')
			printf("\\%c", *value);
		else if (*value == '\n')
			fputs("\\n", stdout);
		else
			putchar(*value);
	}
	putchar('"');
}

/* The # HELP and # TYPE lines of a metric family, once each. */
static void family(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct labels {
	const char *k[3], *v[3];
};

static void sample(const char *name, const struct labels *l, uint64_t value)
{
	int i;

	fputs(name, stdout);
	if (l && l->k[0]) {
		putchar('{');
		for (i = 0; i < 3 && l->k[i]; i++)
			put_label(l->k[i], l->v[i], !i);
		putchar('}');
	}
	printf(" %" PRIu64 "\n", value);
}

static bool module_loaded(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return !access(path, F_OK);
}

static void module_up(const char *name, bool up)
{
	struct labels l = { { "module" }, { name } };

	sample("hvk_module_up", &l, up);
}

static void switch_metrics(const struct hvk_switch_info *sw, size_t n)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} m[] = {
		{ "hvk_switch_ports", "gauge", "Ports attached to the switch (its host port not counted).",
		  offsetof(struct hvk_switch_info, port_count) },
		{ "hvk_switch_fdb_entries", "gauge", "Entries in the forwarding database.",
		  offsetof(struct hvk_switch_info, fdb_count) },
		{ "hvk_switch_fdb_static_entries", "gauge", "Static forwarding database entries.",
		  offsetof(struct hvk_switch_info, fdb_static) },
		{ "hvk_switch_max_macs", "gauge", "Learned-entry limit (0: the hard cap).",
		  offsetof(struct hvk_switch_info, max_macs) },
	};
	size_t i, j;

	for (j = 0; j < ARRAY_SIZE(m); j++) {
		family(m[j].name, m[j].type, m[j].help);
		for (i = 0; i < n; i++) {
			struct labels l = { { "switch" }, { sw[i].name } };

			sample(m[j].name, &l, *(const uint32_t *)((const char *)&sw[i] + m[j].off));
		}
	}
}

/* The name of switch @ifindex, from the switch list already read. */
static const char *switch_name(const struct hvk_switch_info *sw, size_t nsw, uint32_t ifindex)
{
	size_t k;

	for (k = 0; k < nsw; k++)
		if (sw[k].ifindex == ifindex)
			return sw[k].name;
	return "";
}

static struct labels port_labels(const struct hvk_switch_info *sw, size_t nsw,
				 const struct hvk_port_info *p)
{
	struct labels l = { { "switch", "port" },
			    { switch_name(sw, nsw, p->switch_ifindex), p->name } };

	return l;
}

static void port_metrics(const struct hvk_switch_info *sw, size_t nsw,
			 const struct hvk_port_info *p, size_t n)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} c[] = {
		{ "hvk_port_receive_packets_total", "Frames the switch received from the port.",
		  offsetof(struct hvk_port_stats, rx_packets) },
		{ "hvk_port_receive_bytes_total", "Bytes the switch received from the port.",
		  offsetof(struct hvk_port_stats, rx_bytes) },
		{ "hvk_port_transmit_packets_total", "Frames the switch sent to the port.",
		  offsetof(struct hvk_port_stats, tx_packets) },
		{ "hvk_port_transmit_bytes_total", "Bytes the switch sent to the port.",
		  offsetof(struct hvk_port_stats, tx_bytes) },
	};
	struct labels l;
	size_t i, j;
	unsigned int d;

	for (j = 0; j < ARRAY_SIZE(c); j++) {
		family(c[j].name, "counter", c[j].help);
		for (i = 0; i < n; i++) {
			l = port_labels(sw, nsw, &p[i]);
			sample(c[j].name, &l,
			       *(const uint64_t *)((const char *)&p[i].stats + c[j].off));
		}
	}
	family("hvk_port_drops_total", "counter", "Frames dropped at the port, by reason.");
	for (i = 0; i < n; i++) {
		l = port_labels(sw, nsw, &p[i]);
		l.k[2] = "reason";
		for (d = 0; d < HVK_PORT_DROP_MAX; d++) {
			l.v[2] = hvk_port_drop_name(d);
			sample("hvk_port_drops_total", &l, p[i].stats.drops[d]);
		}
	}
	family("hvk_port_learned_macs", "gauge", "Source MACs learned on the port.");
	for (i = 0; i < n; i++) {
		l = port_labels(sw, nsw, &p[i]);
		sample("hvk_port_learned_macs", &l, p[i].mac_count);
	}
	family("hvk_port_forwarding", "gauge", "1 if the port forwards (its device is up).");
	for (i = 0; i < n; i++) {
		l = port_labels(sw, nsw, &p[i]);
		sample("hvk_port_forwarding", &l, p[i].oper_up);
	}
	family("hvk_port_shaper_backlog_bytes", "gauge",
	       "Bytes queued in the port's inbound shaper (ports with one).");
	for (i = 0; i < n; i++) {
		l = port_labels(sw, nsw, &p[i]);
		if (p[i].inbound.on)
			sample("hvk_port_shaper_backlog_bytes", &l, p[i].inbound.backlog);
	}
}

static int switch_part(void)
{
	struct hvk_switch_info *sw = NULL;
	struct hvk_port_info *ports = NULL;
	size_t nsw = 0, nports = 0;
	struct hvk_error err;
	struct hvk_nl *nl;
	int ret;

	if (hvk_switch_open(&nl, &err)) {
		report_error("stats", &err);
		return EXIT_FAILED;
	}
	ret = hvk_switch_list(nl, &sw, &nsw, &err);
	if (!ret)
		ret = hvk_port_list(nl, 0, &ports, &nports, &err);
	hvk_nl_close(nl);
	if (ret) {
		report_error("stats", &err);
	} else {
		switch_metrics(sw, nsw);
		port_metrics(sw, nsw, ports, nports);
	}
	free(sw);
	free(ports);
	return ret ? EXIT_FAILED : EXIT_OK;
}

static void merge_metrics(const struct hvk_merge_info *m)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} c[] = {
		{ "hvk_merge_pages_shared", "gauge", "Shared pages the scanner keeps.",
		  offsetof(struct hvk_merge_info, pages_shared) },
		{ "hvk_merge_pages_sharing", "gauge", "Region pages backed by a shared page.",
		  offsetof(struct hvk_merge_info, pages_sharing) },
		{ "hvk_merge_pages_zero", "gauge", "Region pages backed by the zero page.",
		  offsetof(struct hvk_merge_info, pages_zero) },
		{ "hvk_merge_pages_unshared", "gauge", "Unique candidates of the last full scan.",
		  offsetof(struct hvk_merge_info, pages_unshared) },
		{ "hvk_merge_pages_volatile", "gauge", "Pages changing too often to merge.",
		  offsetof(struct hvk_merge_info, pages_volatile) },
		{ "hvk_merge_pages_scanned_total", "counter", "Pages the scanner has looked at.",
		  offsetof(struct hvk_merge_info, pages_scanned) },
		{ "hvk_merge_full_scans_total", "counter", "Completed passes over every region.",
		  offsetof(struct hvk_merge_info, full_scans) },
		{ "hvk_merge_metadata_bytes", "gauge", "Memory the scanner uses for its metadata.",
		  offsetof(struct hvk_merge_info, metadata) },
	};
	size_t j;

	family("hvk_merge_running", "gauge", "1 if the merge scanner runs.");
	sample("hvk_merge_running", NULL, m->run == HVK_MEM_MERGE_RUN_ON);
	for (j = 0; j < ARRAY_SIZE(c); j++) {
		family(c[j].name, c[j].type, c[j].help);
		sample(c[j].name, NULL, *(const uint64_t *)((const char *)m + c[j].off));
	}
	family("hvk_merge_cpu_seconds_total", "counter", "CPU time of the scanner thread.");
	printf("hvk_merge_cpu_seconds_total %.9f\n", m->cpu_ns / 1e9);
	family("hvk_merge_profit_bytes", "gauge", "Bytes saved by merging minus the metadata.");
	printf("hvk_merge_profit_bytes %" PRId64 "\n", m->profit);
}

static void region_metrics(const struct hvk_mem_region *r, size_t n)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
		bool pages;
	} m[] = {
		{ "hvk_mem_region_size_bytes", "gauge", "Size of the region's file.",
		  offsetof(struct hvk_mem_region, size), false },
		{ "hvk_mem_region_resident_bytes", "gauge", "Memory the region's pages hold.",
		  offsetof(struct hvk_mem_region, resident), true },
		{ "hvk_mem_region_dirty_log_pages", "gauge", "Pages dirty in the log since its last get.",
		  offsetof(struct hvk_mem_region, log.dirty), false },
		{ "hvk_mem_region_dirty_log_write_faults_total", "counter",
		  "Write faults the dirty log took.",
		  offsetof(struct hvk_mem_region, log.write_faults), false },
		{ "hvk_mem_region_merged_bytes", "gauge", "Region memory backed by a shared page.",
		  offsetof(struct hvk_mem_region, merge.shared), true },
		{ "hvk_mem_region_zero_bytes", "gauge", "Region memory backed by the zero page.",
		  offsetof(struct hvk_mem_region, merge.zero), true },
	};
	long page = sysconf(_SC_PAGESIZE);
	char id[24];
	size_t i, j;

	for (j = 0; j < ARRAY_SIZE(m); j++) {
		family(m[j].name, m[j].type, m[j].help);
		for (i = 0; i < n; i++) {
			uint64_t v = *(const uint64_t *)((const char *)&r[i] + m[j].off);
			struct labels l = { { "region", "path" }, { id, r[i].path } };

			snprintf(id, sizeof(id), "%" PRIu64, r[i].id);
			sample(m[j].name, &l, m[j].pages ? v * page : v);
		}
	}
	family("hvk_mem_region_mappings", "gauge", "Mappings (VMAs) of the region.");
	for (i = 0; i < n; i++) {
		struct labels l = { { "region", "path" }, { id, r[i].path } };

		snprintf(id, sizeof(id), "%" PRIu64, r[i].id);
		sample("hvk_mem_region_mappings", &l, r[i].mappings);
	}
	family("hvk_mem_region_dirty_log_running", "gauge", "1 while the dirty log runs.");
	for (i = 0; i < n; i++) {
		struct labels l = { { "region", "path" }, { id, r[i].path } };

		snprintf(id, sizeof(id), "%" PRIu64, r[i].id);
		sample("hvk_mem_region_dirty_log_running", &l, r[i].log.running);
	}
}

static int mem_part(void)
{
	struct hvk_mem_region *regions = NULL;
	struct hvk_merge_info m;
	struct hvk_error err;
	struct hvk_nl *nl;
	size_t n = 0;
	int ret;

	if (hvk_mem_open(&nl, &err)) {
		report_error("stats", &err);
		return EXIT_FAILED;
	}
	ret = hvk_merge_get(nl, &m, &err);
	if (!ret)
		ret = hvk_mem_region_list(nl, &regions, &n, &err);
	hvk_nl_close(nl);
	if (ret) {
		report_error("stats", &err);
	} else {
		merge_metrics(&m);
		region_metrics(regions, n);
	}
	free(regions);
	return ret ? EXIT_FAILED : EXIT_OK;
}

int do_stats(int argc, char **argv)
{
	bool sw, mem;
	int ret = EXIT_OK;

	if (argc && is_help(argv[0])) {
		fputs(stats_usage, stdout);
		return EXIT_OK;
	}
	if (argc > 1 || (argc && strcmp(argv[0], "--prometheus")))
		return usage_error("stats", "unknown argument \"%s\"", argv[argc > 1]);
	if (print_is_json())
		return usage_error("stats", "stats prints Prometheus' text format, not JSON");
	sw = module_loaded("hvk_switch");
	mem = module_loaded("hvk_mem");
	family("hvk_module_up", "gauge", "1 if the module is loaded.");
	module_up("hvk_switch", sw);
	module_up("hvk_mem", mem);
	if (sw)
		ret = switch_part();
	if (mem && mem_part())
		ret = EXIT_FAILED;
	return ret;
}
