// SPDX-License-Identifier: GPL-2.0
/* hvk merge: the hvkmem merge scanner's controls and statistics. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hvk/mem.h>

#include "hvk.h"

static const char merge_usage[] =
	"usage: hvk merge show\n"
	"       hvk merge set [ run { on | off | unmerge } ] [ pages-to-scan N ]\n"
	"                     [ sleep-ms MS ] [ max-sharing N ] [ zero-pages { on | off } ]\n"
	"                     [ cpu-budget PERCENT ]\n"
	"pages-to-scan 1-10000000 (per wake-up), sleep-ms 0-600000, max-sharing 2-65536,\n"
	"cpu-budget 0-100 (% of one CPU; 0 = scan pages-to-scan per wake-up).\n"
	"unmerge gives every merged page its own copy again and stops scanning.\n"
	"Regions merge when their merging is on: hvk mem set PATH merge on.\n";

void print_merge(const struct hvk_merge_info *m, const char *key)
{
	char buf[32];
	double per_page = m->scan_pages ? (double)m->metadata / m->scan_pages : 0;

	print_open_object(key);
	print_string(PRINT_ANY, "run", "run %s", run_name(m->run));
	print_u64(PRINT_ANY, "pages_to_scan", " pages-to-scan %" PRIu64, m->pages_to_scan);
	print_u64(PRINT_ANY, "sleep_ms", " sleep-ms %" PRIu64, m->sleep_ms);
	print_u64(PRINT_ANY, "max_sharing", " max-sharing %" PRIu64, m->max_sharing);
	print_bool(PRINT_JSON, "zero_pages", NULL, m->zero_pages);
	print_string(PRINT_FP, NULL, " zero-pages %s", m->zero_pages ? "on" : "off");
	print_u64(PRINT_ANY, "cpu_budget", " cpu-budget %" PRIu64 "%%", m->cpu_budget);
	print_nl();
	print_u64(PRINT_ANY, "regions", "    regions %" PRIu64, m->regions);
	print_u64(PRINT_ANY, "pages_shared", " shared %" PRIu64, m->pages_shared);
	print_u64(PRINT_ANY, "pages_sharing", " sharing %" PRIu64, m->pages_sharing);
	print_u64(PRINT_ANY, "pages_zero", " zero %" PRIu64, m->pages_zero);
	print_u64(PRINT_ANY, "pages_unshared", " unshared %" PRIu64, m->pages_unshared);
	print_u64(PRINT_ANY, "pages_volatile", " volatile %" PRIu64, m->pages_volatile);
	print_nl();
	print_u64(PRINT_ANY, "full_scans", "    full-scans %" PRIu64, m->full_scans);
	print_u64(PRINT_ANY, "last_scan_ms", " last-scan %" PRIu64 "ms", m->last_scan_ms);
	print_u64(PRINT_ANY, "pages_scanned", " scanned %" PRIu64, m->pages_scanned);
	print_u64(PRINT_ANY, "batch", " batch %" PRIu64, m->batch);
	print_u64(PRINT_JSON, "cpu_ns", NULL, m->cpu_ns);
	snprintf(buf, sizeof(buf), "%.3fs", m->cpu_ns / 1e9);
	print_string(PRINT_FP, NULL, " cpu %s", buf);
	print_nl();
	print_u64(PRINT_JSON, "metadata", NULL, m->metadata);
	print_string(PRINT_FP, NULL, "    metadata %s", format_size(m->metadata, buf, sizeof(buf)));
	print_u64(PRINT_JSON, "scan_pages", NULL, m->scan_pages);
	snprintf(buf, sizeof(buf), "%.1f", per_page);
	print_string(PRINT_FP, NULL, " (%s bytes/page)", buf);
	print_s64(PRINT_JSON, "profit", NULL, m->profit);
	if (m->profit >= 0)
		print_string(PRINT_FP, NULL, " profit %s",
			     format_size((uint64_t)m->profit, buf, sizeof(buf)));
	else
		print_string(PRINT_FP, NULL, " profit -%s",
			     format_size((uint64_t)-m->profit, buf, sizeof(buf)));
	print_nl();
	print_close_object();
}

static int merge_show(int argc, char **argv)
{
	struct hvk_merge_info m;
	struct hvk_error err;
	struct hvk_nl *nl;
	int ret;

	(void)argv;
	if (argc)
		return usage_error("merge", "merge show takes no arguments");
	if (hvk_mem_open(&nl, &err)) {
		report_error("merge show", &err);
		return EXIT_FAILED;
	}
	ret = hvk_merge_get(nl, &m, &err);
	if (!ret)
		print_merge(&m, NULL);
	return finish("merge show", ret, nl, &err);
}

static int merge_set(int argc, char **argv)
{
	struct hvk_merge_info set = { 0 }, out;
	unsigned int mask = 0;
	struct hvk_error err;
	struct hvk_nl *nl;
	uint32_t v;
	bool b;
	int ret;

	if (!argc)
		return usage_error("merge", "merge set needs a setting");
	for (; argc > 0; argc--, argv++) {
		const char *opt = argv[0];

		NEXT_ARG("merge");
		if (!strcmp(opt, "run")) {
			if (parse_run("merge", argv[0], &v))
				return EXIT_USAGE;
			set.run = v;
			mask |= HVK_MERGE_SET_RUN;
		} else if (!strcmp(opt, "pages-to-scan")) {
			if (parse_u32(argv[0], 10000000, &v) || !v)
				return usage_error("merge", "pages-to-scan is 1-10000000, not \"%s\"",
						   argv[0]);
			set.pages_to_scan = v;
			mask |= HVK_MERGE_SET_PAGES_TO_SCAN;
		} else if (!strcmp(opt, "sleep-ms")) {
			if (parse_u32(argv[0], 600000, &v))
				return usage_error("merge", "sleep-ms is 0-600000, not \"%s\"", argv[0]);
			set.sleep_ms = v;
			mask |= HVK_MERGE_SET_SLEEP_MS;
		} else if (!strcmp(opt, "max-sharing")) {
			if (parse_u32(argv[0], 65536, &v) || v < 2)
				return usage_error("merge", "max-sharing is 2-65536, not \"%s\"", argv[0]);
			set.max_sharing = v;
			mask |= HVK_MERGE_SET_MAX_SHARING;
		} else if (!strcmp(opt, "zero-pages")) {
			if (parse_on_off("zero-pages", argv[0], &b))
				return EXIT_USAGE;
			set.zero_pages = b;
			mask |= HVK_MERGE_SET_ZERO_PAGES;
		} else if (!strcmp(opt, "cpu-budget")) {
			size_t n = strlen(argv[0]);
			char pct[16];

			snprintf(pct, sizeof(pct), "%.*s", (int)(n && argv[0][n - 1] == '%' ? n - 1 : n),
				 argv[0]);
			if (parse_u32(pct, 100, &v))
				return usage_error("merge", "cpu-budget is 0-100 (%%), not \"%s\"", argv[0]);
			set.cpu_budget = v;
			mask |= HVK_MERGE_SET_CPU_BUDGET;
		} else {
			return usage_error("merge", "unknown setting \"%s\"", opt);
		}
	}
	if (dry_run)
		return EXIT_OK;
	if (hvk_mem_open(&nl, &err)) {
		report_error("merge set", &err);
		return EXIT_FAILED;
	}
	ret = hvk_merge_set(nl, &set, mask, &out, &err);
	if (!ret && !quiet)
		print_merge(&out, NULL);
	return finish("merge set", ret, nl, &err);
}

int do_merge(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "show", merge_show, "controls and statistics" },
		{ "set", merge_set, "change the controls" },
		{}
	};

	if (argc == 0)
		return merge_show(0, argv);
	return cmd_dispatch("merge", cmds, merge_usage, argc, argv);
}
