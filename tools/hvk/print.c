// SPDX-License-Identifier: GPL-2.0
/* Text/JSON printer; see print.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "print.h"

#define MAX_DEPTH 16

static struct {
	bool json, pretty;
	int depth;
	bool first[MAX_DEPTH];	/* no member printed yet at this depth */
	char closer[MAX_DEPTH];	/* '}' or ']' ending this depth */
} out;

void print_init(bool json, bool pretty)
{
	memset(&out, 0, sizeof(out));
	out.json = json;
	out.pretty = pretty;
	out.first[0] = true;
}

bool print_is_json(void)
{
	return out.json;
}

static void indent(void)
{
	int i;

	if (!out.pretty)
		return;
	putchar('\n');
	for (i = 0; i < out.depth; i++)
		fputs("    ", stdout);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Separator, indentation and key before a JSON member or array element. */
static void json_member(const char *key)
{
	if (!out.first[out.depth])
		putchar(',');
	out.first[out.depth] = false;
	if (out.depth)
		indent();
	if (key) {
		json_str(key);
		fputs(out.pretty ? ": " : ":", stdout);
	}
}

static void json_open(const char *key, char open, char close)
{
	json_member(key);
	putchar(open);
	if (out.depth < MAX_DEPTH - 1)
		out.depth++;
	out.first[out.depth] = true;
	out.closer[out.depth] = close;
}

static void json_close(void)
{
	bool empty = out.first[out.depth];
	char c = out.closer[out.depth];

	if (out.depth > 0)
		out.depth--;
	if (!empty)
		indent();
	putchar(c);
}

void print_open_object(const char *key)
{
	if (out.json)
		json_open(key, '{', '}');
}

void print_close_object(void)
{
	if (out.json)
		json_close();
}

void print_open_array(const char *key)
{
	if (out.json)
		json_open(key, '[', ']');
}

void print_close_array(void)
{
	if (out.json)
		json_close();
}

void print_string(enum print_type t, const char *key, const char *fmt, const char *val)
{
	if (out.json && (t & PRINT_JSON)) {
		json_member(key);
		json_str(val);
	} else if (!out.json && (t & PRINT_FP)) {
		printf(fmt, val);
	}
}

void print_u64(enum print_type t, const char *key, const char *fmt, uint64_t val)
{
	if (out.json && (t & PRINT_JSON)) {
		json_member(key);
		printf("%" PRIu64, val);
	} else if (!out.json && (t & PRINT_FP)) {
		printf(fmt, val);
	}
}

void print_s64(enum print_type t, const char *key, const char *fmt, int64_t val)
{
	if (out.json && (t & PRINT_JSON)) {
		json_member(key);
		printf("%" PRId64, val);
	} else if (!out.json && (t & PRINT_FP)) {
		printf(fmt, val);
	}
}

/* JSON gets 4 decimals: ratios and percentages, not measurements. */
void print_double(enum print_type t, const char *key, const char *fmt, double val)
{
	if (out.json && (t & PRINT_JSON)) {
		json_member(key);
		printf("%.4f", val);
	} else if (!out.json && (t & PRINT_FP)) {
		printf(fmt, val);
	}
}

void print_bool(enum print_type t, const char *key, const char *fmt, bool val)
{
	if (out.json && (t & PRINT_JSON)) {
		json_member(key);
		fputs(val ? "true" : "false", stdout);
	} else if (!out.json && (t & PRINT_FP)) {
		printf(fmt, val ? "on" : "off");
	}
}

void print_nl(void)
{
	if (!out.json)
		putchar('\n');
}

int print_fini(void)
{
	while (out.json && out.depth > 0)
		json_close();
	if (out.json)
		putchar('\n');
	if (fflush(stdout) || ferror(stdout))
		return -EIO;
	return 0;
}
