// SPDX-License-Identifier: GPL-2.0
/* hvk: tc's units for rates and sizes, both ways. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "units.h"

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
