// SPDX-License-Identifier: GPL-2.0
/*
 * hvk: configure the hvkit switch and guest-memory modules.
 * "hvk [OPTIONS] OBJECT COMMAND [ARGS]", as ip(8).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hvk.h"

static const char main_usage[] =
	"usage: hvk [OPTIONS] OBJECT { COMMAND | help }\n"
	"       hvk [OPTIONS] -b[atch] FILE [ -f[orce] ]\n"
	"OBJECT := { switch | port | fdb | mirror | mem | merge | ksm | monitor | stats | save\n"
	"            | apply | version }\n"
	"OPTIONS := { -j[son] | -p[retty] | -t[imestamp] | -V[ersion] | -h[elp] }\n";

bool timestamps;
const char *cmd_location;
bool dry_run;
bool quiet;

static const struct cmd objects[] = {
	{ "switch", do_switch, "virtual switches" },
	{ "port", do_port, "switch ports: VLANs, learning, counters" },
	{ "fdb", do_fdb, "forwarding databases" },
	{ "monitor", do_monitor, "print events as they happen" },
	{ "mirror", do_mirror, "mirror sessions" },
	{ "mem", do_mem, "hvkmem regions, dirty rates, merging, estimates" },
	{ "merge", do_merge, "the hvkmem page-merge scanner" },
	{ "ksm", do_ksm, "the kernel's KSM, per process and its knobs" },
	{ "stats", do_stats, "every counter, for Prometheus" },
	{ "save", do_save, "print the running configuration as hvk commands" },
	{ "apply", do_apply, "converge to a configuration file or directory" },
	{ "version", do_version, "tool, library and module versions" },
	{ NULL, NULL, NULL },
};

bool matches(const char *arg, const char *name)
{
	size_t len = strlen(arg);

	return len && len <= strlen(name) && !strncmp(arg, name, len);
}

int hvk_run(int argc, char **argv)
{
	return cmd_dispatch(NULL, objects, main_usage, argc, argv);
}

static void error_start(void)
{
	fputs("hvk: ", stderr);
	if (cmd_location)
		fprintf(stderr, "%s: ", cmd_location);
}

void errmsg(const char *fmt, ...)
{
	va_list ap;

	error_start();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void report_error(const char *context, const struct hvk_error *err)
{
	error_start();
	fprintf(stderr, "%s: %s", context, err->msg[0] ? err->msg : "unknown error");
	if (err->bad_attr_offset)
		fprintf(stderr, " (attribute %u)", err->bad_attr_type);
	if (err->missing_attr_type)
		fprintf(stderr, " (missing attribute %u)", err->missing_attr_type);
	fputc('\n', stderr);
}

int usage_error(const char *object, const char *fmt, ...)
{
	va_list ap;

	error_start();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry \"hvk %s%shelp\".\n", object ? object : "",
		object ? " " : "");
	return EXIT_USAGE;
}

int cmd_dispatch(const char *object, const struct cmd *cmds, const char *usage,
		 int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 1)
		return usage_error(object, "%s: missing command", object ? object : "hvk");
	if (is_help(argv[0])) {
		fputs(usage, stdout);
		for (c = cmds; c->name; c++)
			printf("  %-10s %s\n", c->name, c->help);
		return EXIT_OK;
	}
	for (c = cmds; c->name; c++)
		if (matches(argv[0], c->name))
			return c->func(argc - 1, argv + 1);
	return usage_error(object, "unknown %s \"%s\"",
			   object ? "command" : "object", argv[0]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "timestamp", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "batch", required_argument, NULL, 'b' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, pretty = false, force = false;
	const char *batch = NULL;
	int c, ret;

	/*
	 * '+': options end at the object, as in ip(8).  getopt_long_only():
	 * ip's single-dash long options ("-batch", "-force") work as typed.
	 */
	while ((c = getopt_long_only(argc, argv, "+jptVhb:f", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			pretty = true;
			break;
		case 't':
			timestamps = true;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'V':
			printf("hvk %s (libhvk %s)\n", HVK_VERSION, hvk_lib_version());
			return EXIT_OK;
		case 'h':
			fputs(main_usage, stdout);
			return EXIT_OK;
		default:
			fputs(main_usage, stderr);
			return EXIT_USAGE;
		}
	}
	/* -batch takes no object; -force goes with -batch only. */
	if (batch ? optind < argc : optind >= argc || force) {
		fputs(main_usage, stderr);
		return EXIT_USAGE;
	}

	print_init(json, pretty);
	if (batch)
		ret = run_batch(batch, force);
	else
		ret = hvk_run(argc - optind, argv + optind);
	if (print_fini() && ret == EXIT_OK) {
		perror("hvk: write");
		ret = EXIT_FAILED;
	}
	return ret;
}
