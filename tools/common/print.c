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

/*
 * Length of the well-formed UTF-8 sequence at @s (Unicode table 3-7: no
 * overlong forms, surrogates or code points above U+10FFFF), 0 if none.
 * Stops at the first bad byte, so never reads past the terminating NUL.
 */
static int utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2)
		return 0;
	if (s[0] < 0xe0) {
		n = 2;
	} else if (s[0] < 0xf0) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] < 0xf5) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

/*
 * @s as a JSON string.  Names from the kernel (device names, region paths)
 * are bytes, not UTF-8, and JSON must be UTF-8: each byte that does not
 * start a well-formed sequence becomes U+FFFD, written as the escape
 * \ufffd rather than its UTF-8 bytes so the output stays ASCII there and a
 * replaced byte can be told from a name that really holds U+FFFD.
 */
static void json_str(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n;

	putchar('"');
	for (; *s; s += n) {
		n = utf8_len(s);
		if (!n) {
			fputs("\\ufffd", stdout);
			n = 1;
		} else if (n > 1) {
			fwrite(s, 1, n, stdout);
		} else if (*s == '"' || *s == '\\') {
			printf("\\%c", *s);
		} else if (*s == '\n') {
			fputs("\\n", stdout);
		} else if (*s == '\t') {
			fputs("\\t", stdout);
		} else if (*s < 0x20) {
			printf("\\u%04x", *s);
		} else {
			putchar(*s);
		}
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
