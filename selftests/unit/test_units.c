// SPDX-License-Identifier: GPL-2.0
/* hvk's tc units: parsing rates and sizes, and printing them back exactly. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "units.h"

START_TEST(test_parse_rate)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "8000", 8000 }, { "8000bit", 8000 }, { "20mbit", 20000000 },
		{ "20Mbit", 20000000 }, { "1.5mbit", 1500000 }, { "1gbit", 1000000000 },
		{ "100kbps", 800000 }, { "10mbps", 80000000 }, { "2tbit", 2000000000000ULL },
	};
	static const char *const bad[] = { "", "-1", "+5", "mbit", "10xbit", "1.5.5mbit", "10 mbit" };
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(parse_rate(ok[i].s, &v) == 0, "%s", ok[i].s);
		ck_assert_msg(v == ok[i].v, "%s: %llu", ok[i].s, (unsigned long long)v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_rate(bad[i], &v) < 0, "\"%s\" parsed", bad[i]);
	ck_assert_int_eq(parse_rate("99999999999999999gbit", &v), -ERANGE);
}
END_TEST

START_TEST(test_parse_size)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "1518", 1518 }, { "1518b", 1518 }, { "64k", 65536 }, { "64kb", 65536 },
		{ "1m", 1048576 }, { "2g", 2147483648ULL }, { "0.5k", 512 },
	};
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(parse_size(ok[i].s, &v) == 0, "%s", ok[i].s);
		ck_assert_msg(v == ok[i].v, "%s: %llu", ok[i].s, (unsigned long long)v);
	}
	ck_assert_int_lt(parse_size("64kbit", &v), 0);
	ck_assert_int_lt(parse_size("k", &v), 0);
}
END_TEST

START_TEST(test_format_round_trip)
{
	static const uint64_t rates[] = { 8000, 8001, 1500000, 20000000, 1000000000, 8192000 };
	static const uint64_t sizes[] = { 1518, 65536, 1048576, 1000, 3 << 30 };
	char buf[32];
	uint64_t v;
	size_t i;

	ck_assert_str_eq(format_rate(20000000, buf, sizeof(buf)), "20mbit");
	ck_assert_str_eq(format_rate(1500000, buf, sizeof(buf)), "1500kbit");
	ck_assert_str_eq(format_rate(8001, buf, sizeof(buf)), "8001bit");
	ck_assert_str_eq(format_size(65536, buf, sizeof(buf)), "64k");
	ck_assert_str_eq(format_size(1518, buf, sizeof(buf)), "1518b");
	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		ck_assert_int_eq(parse_rate(format_rate(rates[i], buf, sizeof(buf)), &v), 0);
		ck_assert_msg(v == rates[i], "%s", buf);
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ck_assert_int_eq(parse_size(format_size(sizes[i], buf, sizeof(buf)), &v), 0);
		ck_assert_msg(v == sizes[i], "%s", buf);
	}
}
END_TEST

/*
 * What hvk save prints must read back exactly, whatever the value: every
 * magnitude, values one off a unit, and the extremes.
 */
START_TEST(test_format_round_trip_sweep)
{
	static const uint64_t edges[] = {
		0, 1, 999, 1000, 1001, 1023, 1024, 1025, 12345, 999999999, 1000000001,
		UINT64_MAX / 1000 * 1000, UINT64_MAX - 1, UINT64_MAX,
	};
	uint64_t x = 88172645463325252ULL, v, w;
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(edges) / sizeof(edges[0]) + 20000; i++) {
		if (i < sizeof(edges) / sizeof(edges[0])) {
			v = edges[i];
		} else {
			/* xorshift64, shifted to spread the values over every magnitude */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			v = x >> (x % 64);
			if (i % 3 == 0)		/* whole kbit/mbit/gbit, k/m/g */
				v = v % 1000000 * 1000000000;
		}
		ck_assert_int_eq(parse_rate(format_rate(v, buf, sizeof(buf)), &w), 0);
		ck_assert_msg(w == v, "rate %llu printed as %s", (unsigned long long)v, buf);
		ck_assert_int_eq(parse_size(format_size(v, buf, sizeof(buf)), &w), 0);
		ck_assert_msg(w == v, "size %llu printed as %s", (unsigned long long)v, buf);
	}
	ck_assert_str_eq(format_rate(12345, buf, sizeof(buf)), "12345bit");
	ck_assert_str_eq(format_rate(12000, buf, sizeof(buf)), "12kbit");
	ck_assert_str_eq(format_rate(3000000000ULL, buf, sizeof(buf)), "3gbit");
	ck_assert_str_eq(format_size(3 << 20, buf, sizeof(buf)), "3m");
	ck_assert_str_eq(format_size(1536, buf, sizeof(buf)), "1536b");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvk-units");
	TCase *tc = tcase_create("units");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_parse_rate);
	tcase_add_test(tc, test_parse_size);
	tcase_add_test(tc, test_format_round_trip);
	tcase_add_test(tc, test_format_round_trip_sweep);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
