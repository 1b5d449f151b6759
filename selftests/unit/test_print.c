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

static Suite *print_suite(void)
{
	Suite *s = suite_create("hvk-print");
	TCase *tc = tcase_create("print");

	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_json_pretty);
	tcase_add_test(tc, test_json_escape_and_autoclose);
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
