// SPDX-License-Identifier: GPL-2.0
/* hvk mem: hvkmem regions, their dirty logs and dirty rates. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <hvk/mem.h>

#include "hvk.h"

static const char mem_usage[] =
	"usage: hvk mem show [ PATH ]\n"
	"       hvk mem set PATH [ merge { on | off } ] [ domain NAME ]\n"
	"       hvk mem dirtyrate PATH [ duration TIME ]\n"
	"       hvk mem estimate { pid PID | PATH } ... [ sample PERCENT ]\n"
	"TIME := a number of seconds (1, 0.5) or with a unit (500ms, 2s); default 1s,\n"
	"        10ms to 60s.  dirtyrate counts the distinct pages written during\n"
	"        TIME; it runs beside a running dirty log without touching it.\n"
	"merge: identical pages of regions in one domain share memory; a region's\n"
	"        own domain (\"\" , the default) keeps merging inside it.\n"
	"estimate: reads resident pages and reports what merging would save, per\n"
	"        target, each in its own domain and all in one.\n";

static struct hvk_nl *mem_open(const char *context)
{
	struct hvk_error err;
	struct hvk_nl *nl;

	if (hvk_mem_open(&nl, &err)) {
		report_error(context, &err);
		return NULL;
	}
	return nl;
}

static void print_rate_bytes(const char *key, const char *fmt, uint64_t bytes_per_s)
{
	char buf[32];

	print_u64(PRINT_JSON, key, NULL, bytes_per_s);
	if (!print_is_json()) {
		snprintf(buf, sizeof(buf), "%.2fMB/s", bytes_per_s / 1e6);
		print_string(PRINT_FP, NULL, fmt, buf);
	}
}

void print_mem_region(const struct hvk_mem_region *r, const char *key)
{
	char size[32];

	print_open_object(key);
	print_u64(PRINT_ANY, "id", "%" PRIu64 ":", r->id);
	print_string(PRINT_ANY, "path", " %s", r->path);
	if (r->event == HVK_MEM_EV_REGION_DEL) {
		print_nl();
		print_close_object();
		return;
	}
	print_u64(PRINT_JSON, "size", NULL, r->size);
	print_string(PRINT_FP, NULL, " size %s", format_size(r->size, size, sizeof(size)));
	print_u64(PRINT_ANY, "resident_pages", " resident %" PRIu64 " pages", r->resident);
	print_u64(PRINT_ANY, "mappings", " mappings %" PRIu64, r->mappings);
	print_open_object("log");
	print_bool(PRINT_JSON, "running", NULL, r->log.running);
	if (r->log.running) {
		print_u64(PRINT_ANY, "pid", " log on pid %" PRIu64, r->log.pid);
		print_u64(PRINT_ANY, "dirty_pages", " dirty %" PRIu64 " pages", r->log.dirty);
		print_rate_bytes("dirty_rate", " rate %s", r->log.rate);
		print_u64(PRINT_ANY, "gets", " gets %" PRIu64, r->log.gets);
		print_u64(PRINT_ANY, "write_faults", " write-faults %" PRIu64, r->log.write_faults);
		print_u64(PRINT_ANY, "protected_pages", " protected %" PRIu64, r->log.protected_pages);
	} else {
		print_string(PRINT_FP, NULL, "%s", " log off");
	}
	print_close_object();
	print_open_object("merge");
	print_bool(PRINT_JSON, "enabled", NULL, r->merge.enabled);
	print_string(PRINT_JSON, "domain", NULL, r->merge.domain);
	print_u64(PRINT_JSON, "shared_pages", NULL, r->merge.shared);
	print_u64(PRINT_JSON, "zero_pages", NULL, r->merge.zero);
	print_u64(PRINT_JSON, "unshared_pages", NULL, r->merge.unshared);
	print_u64(PRINT_JSON, "volatile_pages", NULL, r->merge.volatile_pages);
	print_u64(PRINT_JSON, "metadata", NULL, r->merge.metadata);
	if (r->merge.enabled || r->merge.shared || r->merge.zero) {
		print_string(PRINT_FP, NULL, " merge %s", r->merge.enabled ? "on" : "off");
		if (r->merge.domain[0])
			print_string(PRINT_FP, NULL, " domain %s", r->merge.domain);
		print_u64(PRINT_FP, NULL, " shared %" PRIu64, r->merge.shared);
		print_u64(PRINT_FP, NULL, " zero %" PRIu64, r->merge.zero);
		print_u64(PRINT_FP, NULL, " volatile %" PRIu64, r->merge.volatile_pages);
	}
	print_close_object();
	if (r->sample.seq) {
		print_open_object("sample");
		print_u64(PRINT_ANY, "seq", " sample %" PRIu64, r->sample.seq);
		print_bool(PRINT_JSON, "running", NULL, r->sample.running);
		if (r->sample.running) {
			print_string(PRINT_FP, NULL, "%s", " running");
		} else {
			print_u64(PRINT_ANY, "pages", " %" PRIu64 " pages", r->sample.pages);
			print_u64(PRINT_ANY, "duration_ms", " in %" PRIu64 "ms", r->sample.duration_ms);
			print_rate_bytes("rate", " %s", r->sample.rate);
		}
		print_close_object();
	}
	print_nl();
	print_close_object();
}

static int mem_show(int argc, char **argv)
{
	struct hvk_mem_region *list = NULL, one;
	struct hvk_error err;
	struct hvk_nl *nl;
	size_t n = 0, i;
	int ret;

	if (argc > 1)
		return usage_error("mem", "mem show takes at most one PATH");
	nl = mem_open("mem show");
	if (!nl)
		return EXIT_FAILED;
	if (argc == 1) {
		ret = hvk_mem_region_find(nl, argv[0], &one, &err);
		if (!ret) {
			list = &one;
			n = 1;
		}
	} else {
		ret = hvk_mem_region_list(nl, &list, &n, &err);
	}
	if (ret)
		return finish("mem show", ret, nl, &err);
	print_open_array(NULL);
	for (i = 0; i < n; i++)
		print_mem_region(&list[i], NULL);
	print_close_array();
	if (list != &one)
		free(list);
	return finish("mem show", 0, nl, &err);
}

/* "1", "0.5", "500ms", "2s" -> milliseconds. */
static int parse_duration_ms(const char *s, uint32_t *ms)
{
	double v, scale = 1000;
	char *end;

	v = strtod(s, &end);
	if (end == s)
		return -1;
	if (!strcmp(end, "ms"))
		scale = 1;
	else if (*end && strcmp(end, "s"))
		return -1;
	v *= scale;
	if (v < 10 || v > 60000)
		return -1;
	*ms = (uint32_t)(v + 0.5);
	return 0;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int mem_dirtyrate(int argc, char **argv)
{
	struct hvk_mem_region r;
	struct hvk_error err;
	uint32_t ms = 1000;
	struct hvk_nl *nl;
	uint64_t seq;
	int ret, i;

	if (argc != 1 && argc != 3)
		return usage_error("mem", "mem dirtyrate takes PATH [ duration TIME ]");
	if (argc == 3 && (strcmp(argv[1], "duration") || parse_duration_ms(argv[2], &ms)))
		return usage_error("mem", "duration is 10ms to 60s, not \"%s\"", argv[argc - 1]);
	nl = mem_open("mem dirtyrate");
	if (!nl)
		return EXIT_FAILED;
	ret = hvk_mem_region_find(nl, argv[0], &r, &err);
	if (ret)
		return finish("mem dirtyrate", ret, nl, &err);
	seq = r.sample.seq;
	ret = hvk_mem_sample(nl, r.id, ms, &err);
	if (ret)
		return finish("mem dirtyrate", ret, nl, &err);
	sleep_ms(ms);
	/* The kernel's work item ends the sample; allow it 10 s of lateness. */
	for (i = 0; i < 1000; i++) {
		ret = hvk_mem_region_get(nl, r.id, &r, &err);
		if (ret)
			return finish("mem dirtyrate", ret, nl, &err);
		if (r.sample.seq > seq && !r.sample.running)
			break;
		sleep_ms(10);
	}
	if (i == 1000) {
		errmsg("mem dirtyrate: the sample did not finish");
		hvk_nl_close(nl);
		return EXIT_FAILED;
	}
	print_open_object(NULL);
	print_string(PRINT_ANY, "path", "%s:", argv[0]);
	print_u64(PRINT_ANY, "pages", " %" PRIu64 " pages written", r.sample.pages);
	print_u64(PRINT_ANY, "duration_ms", " in %" PRIu64 "ms", r.sample.duration_ms);
	print_rate_bytes("rate", ", %s", r.sample.rate);
	print_nl();
	print_close_object();
	return finish("mem dirtyrate", 0, nl, &err);
}

static int mem_set(int argc, char **argv)
{
	const char *path, *domain = NULL;
	struct hvk_mem_region r;
	struct hvk_error err;
	struct hvk_nl *nl;
	int on = -1, ret;
	bool b;

	if (argc < 1)
		return usage_error("mem", "mem set needs PATH");
	path = argv[0];
	for (argc--, argv++; argc > 0; argc--, argv++) {
		const char *opt = argv[0];

		NEXT_ARG("mem");
		if (!strcmp(opt, "merge")) {
			if (parse_on_off("merge", argv[0], &b))
				return EXIT_USAGE;
			on = b;
		} else if (!strcmp(opt, "domain")) {
			if (strlen(argv[0]) >= HVK_MEM_DOMAIN_MAX)
				return usage_error("mem", "a domain name has at most %d characters",
						   HVK_MEM_DOMAIN_MAX - 1);
			domain = argv[0];
		} else {
			return usage_error("mem", "unknown setting \"%s\"", opt);
		}
	}
	if (on < 0 && !domain)
		return usage_error("mem", "mem set needs merge or domain");
	if (dry_run)
		return EXIT_OK;
	nl = mem_open("mem set");
	if (!nl)
		return EXIT_FAILED;
	ret = hvk_mem_region_find(nl, path, &r, &err);
	if (!ret)
		ret = hvk_mem_region_merge(nl, r.id, on, domain, &err);
	return finish("mem set", ret, nl, &err);
}

int do_mem(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "show", mem_show, "list regions" },
		{ "list", mem_show, "list regions" },
		{ "set", mem_set, "a region's merging and domain" },
		{ "dirtyrate", mem_dirtyrate, "measure a region's dirty rate" },
		{ "estimate", mem_estimate, "what merging would save" },
		{}
	};

	if (argc == 0)
		return mem_show(0, argv);
	return cmd_dispatch("mem", cmds, mem_usage, argc, argv);
}
