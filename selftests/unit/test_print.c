// SPDX-License-Identifier: GPL-2.0
/* The hvk text/JSON printer: the same calls give text or valid JSON. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "print.h"

static char captured[4096];

/* Run @fn with stdout sent to a temporary file; leave its text in captured. */
static void capture(void (*fn)(void), bool json, bool pretty)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	ck_assert_ptr_nonnull(tmp);
	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	print_init(json, pretty);
	fn();
	ck_assert_int_eq(print_fini(), 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(captured, 1, sizeof(captured) - 1, tmp);
	captured[n] = '\0';
	fclose(tmp);
}

static void emit_sample(void)
{
	print_open_object(NULL);
	print_string(PRINT_ANY, "name", "name %s", "sw0");
	print_u64(PRINT_ANY, "rate", " rate %llu", 20000000);
	print_string(PRINT_FP, NULL, " (text only)", "");
	print_string(PRINT_JSON, "json_only", NULL, "x");
	print_bool(PRINT_ANY, "up", " up %s", true);
	print_nl();
	print_open_array("vlans");
	print_u64(PRINT_JSON, NULL, NULL, 10);
	print_u64(PRINT_JSON, NULL, NULL, 20);
	print_close_array();
	print_open_object("empty");
	print_close_object();
	print_close_object();
}

START_TEST(test_text)
{
	capture(emit_sample, false, false);
	ck_assert_str_eq(captured, "name sw0 rate 20000000 (text only) up on\n");
}
END_TEST

START_TEST(test_json)
{
	capture(emit_sample, true, false);
	ck_assert_str_eq(captured,
			 "{\"name\":\"sw0\",\"rate\":20000000,\"json_only\":\"x\","
			 "\"up\":true,\"vlans\":[10,20],\"empty\":{}}\n");
}
END_TEST

START_TEST(test_json_pretty)
{
	capture(emit_sample, true, true);
	ck_assert_str_eq(captured,
			 "{\n"
			 "    \"name\": \"sw0\",\n"
			 "    \"rate\": 20000000,\n"
			 "    \"json_only\": \"x\",\n"
			 "    \"up\": true,\n"
			 "    \"vlans\": [\n"
			 "        10,\n"
			 "        20\n"
			 "    ],\n"
			 "    \"empty\": {}\n"
			 "}\n");
}
END_TEST

static void emit_escapes(void)
{
	print_open_object(NULL);
	print_string(PRINT_ANY, "s", "%s", "a\"b\\c\nd\te\x01");
}

START_TEST(test_json_escape_and_autoclose)
{
	/* print_fini closes what the caller left open. */
	capture(emit_escapes, true, false);
	ck_assert_str_eq(captured, "{\"s\":\"a\\\"b\\\\c\\nd\\te\\u0001\"}\n");
}
END_TEST

/*
 * Device names may hold any byte but '/', ':' and whitespace, region paths
 * any byte but NUL: the JSON must stay valid UTF-8 whatever they hold.
 * Each byte that does not start a well-formed UTF-8 sequence (Unicode 3.9,
 * table 3-7) becomes one \ufffd; well-formed UTF-8 passes unchanged.
 * Adjacent literals stop "\xff" "0" reading as one hex escape.
 */
static const struct {
	const char *in, *json;
} utf8_cases[] = {
	/* lone continuation bytes */
	{ "\x80", "\"\\ufffd\"" },
	{ "a\xbf" "b", "\"a\\ufffdb\"" },
	/* sequences cut short by the end of the string */
	{ "a\xc3", "\"a\\ufffd\"" },
	{ "a\xe2\x82", "\"a\\ufffd\\ufffd\"" },
	{ "a\xf0\x9f\x98", "\"a\\ufffd\\ufffd\\ufffd\"" },
	/* ... and by a byte that is not a continuation */
	{ "\xe2(\xa1", "\"\\ufffd(\\ufffd\"" },
	{ "\xc3\xc3\xa9", "\"\\ufffd\xc3\xa9\"" },
	/* overlong encodings */
	{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
	{ "\xc1\xbf", "\"\\ufffd\\ufffd\"" },
	{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	/* UTF-16 surrogates U+D800, U+DFFF */
	{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"" },
	/* above U+10FFFF */
	{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	/* bytes that never occur in UTF-8 */
	{ "\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe\xff",
	  "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "eth\xff" "0", "\"eth\\ufffd0\"" },
	/* well-formed UTF-8 passes unchanged, at the edges of each range too */
	{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },			/* é */
	{ "\xe2\x82\xac", "\"\xe2\x82\xac\"" },			/* € */
	{ "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"" },		/* 😀 */
	{ "\xc2\x80\xdf\xbf", "\"\xc2\x80\xdf\xbf\"" },		/* U+0080 U+07FF */
	{ "\xe0\xa0\x80\xed\x9f\xbf", "\"\xe0\xa0\x80\xed\x9f\xbf\"" },	/* U+0800 U+D7FF */
	{ "\xee\x80\x80\xef\xbf\xbd", "\"\xee\x80\x80\xef\xbf\xbd\"" },	/* U+E000 U+FFFD */
	{ "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"" },
	/* control characters: JSON requires < 0x20 escaped, DEL may stay */
	{ "\x01\x1f\x7f\"\\", "\"\\u0001\\u001f\x7f\\\"\\\\\"" },
	{ "\r\b\f\n\t", "\"\\u000d\\u0008\\u000c\\n\\t\"" },
	{ "", "\"\"" },
};

static const char *utf8_in;

static void emit_utf8(void)
{
	print_string(PRINT_ANY, NULL, "%s", utf8_in);
}

START_TEST(test_json_utf8)
{
	char want[256];

	utf8_in = utf8_cases[_i].in;
	capture(emit_utf8, true, false);
	snprintf(want, sizeof(want), "%s\n", utf8_cases[_i].json);
	ck_assert_msg(!strcmp(captured, want), "case %d: got %s, want %s",
		      _i, captured, want);
}
END_TEST

static void emit_utf8_key(void)
{
	print_open_object(NULL);
	print_string(PRINT_ANY, "k\xff", "%s", "v\xc0");
	print_close_object();
}

START_TEST(test_json_utf8_key)
{
	/* Keys go through the same escaping as values. */
	capture(emit_utf8_key, true, false);
	ck_assert_str_eq(captured, "{\"k\\ufffd\":\"v\\ufffd\"}\n");
}
END_TEST

START_TEST(test_text_utf8)
{
	/* Text output keeps the bytes as they are. */
	utf8_in = "eth\xff" "0\x80";
	capture(emit_utf8, false, false);
	ck_assert_str_eq(captured, "eth\xff" "0\x80");
}
END_TEST

static Suite *print_suite(void)
{
	Suite *s = suite_create("hvk-print");
	TCase *tc = tcase_create("print");

	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_json_pretty);
	tcase_add_test(tc, test_json_escape_and_autoclose);
	tcase_add_loop_test(tc, test_json_utf8, 0,
			    sizeof(utf8_cases) / sizeof(utf8_cases[0]));
	tcase_add_test(tc, test_json_utf8_key);
	tcase_add_test(tc, test_text_utf8);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(print_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
