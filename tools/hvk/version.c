// SPDX-License-Identifier: GPL-2.0
/* hvk version: what is talking to what. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hvk.h"

static const struct {
	const char *name;
	int (*get)(struct hvk_module_info *info, struct hvk_error *err);
} modules[] = {
	{ "hvk_switch", hvk_switch_info_get },
	{ "hvk_mem", hvk_mem_info_get },
};

int do_version(int argc, char **argv)
{
	int ret = EXIT_OK;
	size_t i;

	if (argc > 0 && is_help(argv[0])) {
		puts("usage: hvk version\n"
		     "Print the versions of hvk, libhvk and both kernel modules\n"
		     "(asking the modules over netlink, which autoloads them).");
		return EXIT_OK;
	}
	if (argc > 0)
		return usage_error("version", "version takes no arguments (got \"%s\")", argv[0]);

	print_open_object(NULL);
	print_string(PRINT_ANY, "tool", "hvk %s", HVK_VERSION);
	print_string(PRINT_ANY, "library", " (libhvk %s)", hvk_lib_version());
	print_nl();
	print_open_object("modules");
	for (i = 0; i < sizeof(modules) / sizeof(modules[0]); i++) {
		struct hvk_module_info info;
		struct hvk_error err;

		if (modules[i].get(&info, &err)) {
			report_error(modules[i].name, &err);
			ret = EXIT_FAILED;
			continue;
		}
		print_open_object(modules[i].name);
		print_string(PRINT_FP, NULL, "%s", modules[i].name);
		print_string(PRINT_ANY, "version", " %s", info.version);
		print_u64(PRINT_ANY, "features", " features 0x%" PRIx64, info.features);
		print_nl();
		print_close_object();
	}
	print_close_object();
	print_close_object();
	return ret;
}
