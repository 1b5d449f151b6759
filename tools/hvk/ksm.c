// SPDX-License-Identifier: GPL-2.0
/*
 * hvk ksm: the kernel's KSM for VMs on anonymous memory: mark a running
 * process's anonymous mappings mergeable (netlink, hvk_mem.ko does it on
 * the admin's behalf) and read and set KSM's knobs (/sys/kernel/mm/ksm).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hvk/mem.h>

#include "hvk.h"

static const char ksm_usage[] =
	"usage: hvk ksm show [ pid PID ]\n"
	"       hvk ksm { enable | disable } pid PID [ range START LENGTH ]\n"
	"       hvk ksm set [ run { on | off | unmerge } ] [ pages-to-scan N ] [ sleep-ms MS ]\n"
	"                   [ max-sharing N ] [ zero-pages { on | off } ]\n"
	"                   [ merge-across-nodes { on | off } ]\n"
	"enable marks the process's anonymous mappings MADV_MERGEABLE (disable:\n"
	"UNMERGEABLE, which also unmerges them); a range selects the mappings it\n"
	"overlaps, whole.  START and LENGTH are addresses/sizes (0x7f..., 1g).\n";

static int ksm_pid(const char *s, uint32_t *pid)
{
	if (parse_pid(s, pid))
		return usage_error("ksm", "pid must be a process id, not \"%s\"", s);
	return 0;
}

static void print_proc(const struct hvk_ksm_proc *k, const char *key)
{
	char buf[32];

	print_open_object(key);
	print_u64(PRINT_ANY, "pid", "pid %" PRIu64 ":", k->pid);
	print_bool(PRINT_ANY, "entered", " ksm %s", k->entered);
	print_u64(PRINT_ANY, "mergeable_mappings", " mergeable-mappings %" PRIu64, k->vmas);
	print_u64(PRINT_JSON, "mergeable_bytes", NULL, k->bytes);
	print_string(PRINT_FP, NULL, " size %s", format_size(k->bytes, buf, sizeof(buf)));
	print_u64(PRINT_ANY, "merging_pages", " merging %" PRIu64 " pages", k->merging_pages);
	print_u64(PRINT_ANY, "rmap_items", " rmap-items %" PRIu64, k->rmap_items);
	print_nl();
	print_close_object();
}

static int ksm_show_sys(void)
{
	size_t n = hvk_ksm_knob_count(), i;
	struct hvk_ksm_knob knobs[32];
	struct hvk_error err;

	if (n > sizeof(knobs) / sizeof(knobs[0]) || hvk_ksm_sys_read(knobs, &err)) {
		report_error("ksm show", &err);
		return EXIT_FAILED;
	}
	print_open_object(NULL);
	for (i = 0; i < n; i++) {
		char fmt[64];

		if (!knobs[i].present)
			continue;
		/* settings on the first line, statistics on the second */
		snprintf(fmt, sizeof(fmt), "%s%s %%" PRIu64, i == 0 ? "" :
			 knobs[i].writable || !knobs[i - 1].writable ? " " : "\n", knobs[i].name);
		print_u64(PRINT_ANY, knobs[i].name, fmt, knobs[i].value);
	}
	print_nl();
	print_close_object();
	return EXIT_OK;
}

static int ksm_show(int argc, char **argv)
{
	struct hvk_ksm_proc k;
	struct hvk_error err;
	struct hvk_nl *nl;
	uint32_t pid;
	int ret;

	if (argc == 0)
		return ksm_show_sys();
	if (argc != 2 || strcmp(argv[0], "pid"))
		return usage_error("ksm", "ksm show takes [ pid PID ]");
	if (ksm_pid(argv[1], &pid))
		return EXIT_USAGE;
	if (hvk_mem_open(&nl, &err)) {
		report_error("ksm show", &err);
		return EXIT_FAILED;
	}
	ret = hvk_ksm_get(nl, pid, &k, &err);
	if (!ret)
		print_proc(&k, NULL);
	return finish("ksm show", ret, nl, &err);
}

static int ksm_mark(int argc, char **argv, bool mergeable)
{
	const char *ctx = mergeable ? "ksm enable" : "ksm disable";
	uint64_t start = 0, len = 0;
	struct hvk_ksm_proc k;
	struct hvk_error err;
	struct hvk_nl *nl;
	uint32_t pid = 0;
	int ret;

	for (; argc > 0; argc--, argv++) {
		if (!strcmp(argv[0], "pid")) {
			NEXT_ARG("ksm");
			if (ksm_pid(argv[0], &pid))
				return EXIT_USAGE;
		} else if (!strcmp(argv[0], "range")) {
			NEXT_ARG("ksm");
			if (parse_u64(argv[0], UINT64_MAX, &start))
				return usage_error("ksm", "bad start address \"%s\"", argv[0]);
			NEXT_ARG("ksm");
			if (parse_size(argv[0], &len) || !len)
				return usage_error("ksm", "bad length \"%s\"", argv[0]);
		} else {
			return usage_error("ksm", "unknown option \"%s\"", argv[0]);
		}
	}
	if (!pid)
		return usage_error("ksm", "%s needs pid PID", ctx);
	if (hvk_mem_open(&nl, &err)) {
		report_error(ctx, &err);
		return EXIT_FAILED;
	}
	ret = hvk_ksm_set(nl, pid, mergeable, start, len, &k, &err);
	if (!ret) {
		print_open_object(NULL);
		print_u64(PRINT_ANY, "pid", "pid %" PRIu64 ":", pid);
		print_u64(PRINT_ANY, "changed_mappings", " %" PRIu64 " mappings changed", k.vmas);
		print_bool(PRINT_ANY, "entered", ", ksm %s", k.entered);
		print_nl();
		print_close_object();
	}
	return finish(ctx, ret, nl, &err);
}

static int ksm_enable(int argc, char **argv)
{
	return ksm_mark(argc, argv, true);
}

static int ksm_disable(int argc, char **argv)
{
	return ksm_mark(argc, argv, false);
}

/* "hvk ksm set" names, as "hvk merge set", and their sysfs files. */
static const struct {
	const char *opt, *file;
	enum { V_NUM, V_ON_OFF, V_RUN } kind;
} ksm_opts[] = {
	{ "run", "run", V_RUN },
	{ "pages-to-scan", "pages_to_scan", V_NUM },
	{ "sleep-ms", "sleep_millisecs", V_NUM },
	{ "max-sharing", "max_page_sharing", V_NUM },
	{ "zero-pages", "use_zero_pages", V_ON_OFF },
	{ "merge-across-nodes", "merge_across_nodes", V_ON_OFF },
};

static int ksm_set(int argc, char **argv)
{
	struct { const char *file; uint64_t v; } todo[16];
	struct hvk_error err;
	size_t n = 0, i, o;

	if (!argc)
		return usage_error("ksm", "ksm set needs a setting");
	for (; argc > 0; argc--, argv++) {
		const size_t nopts = sizeof(ksm_opts) / sizeof(ksm_opts[0]);
		const char *opt = argv[0];
		uint32_t v;
		bool b;

		for (o = 0; o < nopts && strcmp(ksm_opts[o].opt, opt); o++)
			;
		if (o == nopts)
			return usage_error("ksm", "unknown setting \"%s\"", opt);
		NEXT_ARG("ksm");
		if (n == sizeof(todo) / sizeof(todo[0]))
			return usage_error("ksm", "too many settings");
		if (ksm_opts[o].kind == V_RUN) {
			if (parse_run("ksm", argv[0], &v))
				return EXIT_USAGE;
		} else if (ksm_opts[o].kind == V_ON_OFF) {
			if (parse_on_off(opt, argv[0], &b))
				return EXIT_USAGE;
			v = b;
		} else if (parse_u32(argv[0], UINT32_MAX, &v)) {
			return usage_error("ksm", "%s takes a number, not \"%s\"", opt, argv[0]);
		}
		todo[n].file = ksm_opts[o].file;
		todo[n++].v = v;
	}
	for (i = 0; i < n; i++) {
		if (hvk_ksm_sys_write(todo[i].file, todo[i].v, &err)) {
			report_error("ksm set", &err);
			return EXIT_FAILED;
		}
	}
	return ksm_show_sys();
}

int do_ksm(int argc, char **argv)
{
	static const struct cmd cmds[] = {
		{ "show", ksm_show, "KSM knobs and statistics, or a process's" },
		{ "enable", ksm_enable, "mark a process's anonymous memory mergeable" },
		{ "disable", ksm_disable, "unmark (and unmerge) it" },
		{ "set", ksm_set, "change KSM's knobs" },
		{}
	};

	if (argc == 0)
		return ksm_show_sys();
	return cmd_dispatch("ksm", cmds, ksm_usage, argc, argv);
}
