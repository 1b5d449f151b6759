// SPDX-License-Identifier: GPL-2.0
/* hvk: argument parsing and name helpers shared by the objects. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvk.h"

int parse_u32(const char *s, uint32_t max, uint32_t *v)
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
	fprintf(stderr, "hvk: %s takes on or off, not \"%s\"\n", what, s);
	return -EINVAL;
}

int ifindex_of(const char *name, uint32_t *ifindex)
{
	*ifindex = if_nametoindex(name);
	if (!*ifindex) {
		fprintf(stderr, "hvk: cannot find device \"%s\"\n", name);
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

/* A number with a unit suffix from @units; bare numbers use @units[0]. */
struct unit {
	const char *suffix;
	uint64_t mult;
};

static int parse_with_units(const char *s, const struct unit *units, uint64_t *v)
{
	unsigned long long x;
	char *end;
	double d;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (*end == '.') {	/* "1.5mbit" */
		d = strtod(s, &end);
		x = 0;
	} else {
		d = -1;
	}
	if (errno || end == s)
		return -EINVAL;
	for (; units->suffix; units++) {
		if (strcasecmp(end, units->suffix))
			continue;
		if (d >= 0) {
			d *= units->mult;
			if (d >= 1.8e19)
				return -ERANGE;
			*v = (uint64_t)(d + 0.5);
		} else {
			if (x && units->mult > UINT64_MAX / x)
				return -ERANGE;
			*v = x * units->mult;
		}
		return 0;
	}
	return -EINVAL;
}

static const struct unit rate_units[] = {
	{ "", 1 }, { "bit", 1 }, { "kbit", 1000 }, { "mbit", 1000000 },
	{ "gbit", 1000000000ULL }, { "tbit", 1000000000000ULL },
	{ "bps", 8 }, { "kbps", 8000 }, { "mbps", 8000000 }, { "gbps", 8000000000ULL },
	{ NULL, 0 },
};

static const struct unit size_units[] = {
	{ "", 1 }, { "b", 1 }, { "k", 1024 }, { "kb", 1024 }, { "m", 1 << 20 },
	{ "mb", 1 << 20 }, { "g", 1 << 30 }, { "gb", 1 << 30 },
	{ NULL, 0 },
};

int parse_rate(const char *s, uint64_t *bps)
{
	return parse_with_units(s, rate_units, bps);
}

int parse_size(const char *s, uint64_t *bytes)
{
	return parse_with_units(s, size_units, bytes);
}

/* The largest unit that divides @v exactly, so output parses back to @v. */
static const char *format_exact(uint64_t v, const struct unit *units, size_t n,
				char *buf, size_t len)
{
	size_t i;

	for (i = n; i-- > 0;) {
		if (v && v % units[i].mult == 0) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(v / units[i].mult),
				 units[i].suffix);
			return buf;
		}
	}
	snprintf(buf, len, "%llu%s", (unsigned long long)v, units[0].suffix);
	return buf;
}

const char *format_rate(uint64_t bps, char *buf, size_t len)
{
	static const struct unit out[] = {
		{ "bit", 1 }, { "kbit", 1000 }, { "mbit", 1000000 }, { "gbit", 1000000000ULL },
	};

	return format_exact(bps, out, 4, buf, len);
}

const char *format_size(uint64_t bytes, char *buf, size_t len)
{
	static const struct unit out[] = {
		{ "b", 1 }, { "k", 1024 }, { "m", 1 << 20 }, { "g", 1 << 30 },
	};

	return format_exact(bytes, out, 4, buf, len);
}
