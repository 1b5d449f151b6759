// SPDX-License-Identifier: GPL-2.0
/* hvk: argument parsing and name helpers shared by the objects. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvk.h"

int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

int parse_u32(const char *s, uint32_t max, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, max, &x))
		return -EINVAL;
	*v = x;
	return 0;
}

int parse_pid(const char *s, uint32_t *pid)
{
	return parse_u32(s, INT32_MAX, pid) || !*pid ? -EINVAL : 0;
}

int parse_on_off(const char *what, const char *s, bool *v)
{
	if (!strcmp(s, "on")) {
		*v = true;
		return 0;
	}
	if (!strcmp(s, "off")) {
		*v = false;
		return 0;
	}
	errmsg("%s takes on or off, not \"%s\"", what, s);
	return -EINVAL;
}

int ifindex_of(const char *name, uint32_t *ifindex)
{
	if (strlen(name) >= IF_NAMESIZE) {
		errmsg("\"%s\" is too long for a device name", name);
		return -EINVAL;
	}
	*ifindex = dry_run ? UINT32_MAX : if_nametoindex(name);
	if (!*ifindex) {
		errmsg("cannot find device \"%s\"", name);
		return -ENODEV;
	}
	return 0;
}

const char *ifname_of(uint32_t ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "help") || !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

struct hvk_nl *switch_open(const char *context)
{
	struct hvk_error err;
	struct hvk_nl *nl;

	if (hvk_switch_open(&nl, &err)) {
		report_error(context, &err);
		return NULL;
	}
	return nl;
}

int finish(const char *context, int ret, struct hvk_nl *nl, const struct hvk_error *err)
{
	hvk_nl_close(nl);
	if (ret) {
		report_error(context, err);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* run values of hvk_merged and of KSM alike: off 0, on 1, unmerge 2. */
static const char *const run_names[] = { "off", "on", "unmerge" };

const char *run_name(unsigned int run)
{
	return run < 3 ? run_names[run] : "?";
}

int parse_run(const char *object, const char *s, uint32_t *run)
{
	for (*run = 0; *run < 3; (*run)++)
		if (!strcmp(s, run_names[*run]))
			return 0;
	return usage_error(object, "run takes on, off or unmerge, not \"%s\"", s);
}
