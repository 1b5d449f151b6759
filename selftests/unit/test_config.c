// SPDX-License-Identifier: GPL-2.0
/*
 * hvk's configuration reader: words, comments, continuation lines, quotes,
 * FILE:LINE in errors, directories in byte order, and which commands a
 * configuration may hold.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static char dir[32];
static char err[512];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hvk-test-config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Write @text to DIR/@name; return its path (static buffer). */
static const char *put(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Load @text as one file; 0 or -1 as config_load(). */
static int load(struct config *c, const char *text)
{
	return config_load(c, put("test.conf", text), err, sizeof(err));
}

static void assert_words(const struct config_line *l, unsigned int line, const char *words)
{
	char *text = config_text(l);

	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, words);
	ck_assert_uint_eq(l->line, line);
	ck_assert_ptr_null(l->argv[l->argc]);
	free(text);
}

START_TEST(test_words_comments_blank_lines)
{
	struct config c;

	ck_assert_int_eq(load(&c, "# a comment\n\n   \t\nswitch add sw0  ageing\t300\n"
			      "port add sw0 tap0 # why: the VM's NIC\n#port add sw0 tap1\n"
			      "mem set /run/hvkmem/a#b merge on"), 0);
	ck_assert_uint_eq(c.n, 3);
	assert_words(&c.lines[0], 4, "switch add sw0 ageing 300");
	ck_assert_int_eq(c.lines[0].argc, 5);
	assert_words(&c.lines[1], 5, "port add sw0 tap0");
	/* '#' inside a word is part of it; the last line needs no newline */
	ck_assert_str_eq(c.lines[2].argv[2], "/run/hvkmem/a#b");
	ck_assert_uint_eq(c.lines[2].line, 7);
	config_free(&c);
}
END_TEST

START_TEST(test_continuation)
{
	struct config c;

	ck_assert_int_eq(load(&c, "\nport set tap0 \\\n  vlan access 10\\\n"
			      "  inbound average 20mbit \\\n# a comment ends a continued command\n"
			      "fdb add sw0 02:00:00:00:00:01 \\\n  dev tap0 \\\n"), 0);
	ck_assert_uint_eq(c.n, 2);
	/* the comment line ends the command continued into it */
	assert_words(&c.lines[0], 2, "port set tap0 vlan access 10 inbound average 20mbit");
	/* a backslash on the last line ends the command there */
	assert_words(&c.lines[1], 6, "fdb add sw0 02:00:00:00:00:01 dev tap0");
	config_free(&c);
}
END_TEST

START_TEST(test_quotes)
{
	struct config c;

	ck_assert_int_eq(load(&c, "mem set \"/run/hvkmem/vm 1\" domain \"\"\n"
			      "mem set '/run/hvkmem/say \"hi\"' domain 'tenant #1'\n"), 0);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_int_eq(c.lines[0].argc, 5);
	ck_assert_str_eq(c.lines[0].argv[2], "/run/hvkmem/vm 1");
	ck_assert_str_eq(c.lines[0].argv[4], "");
	ck_assert_str_eq(c.lines[1].argv[2], "/run/hvkmem/say \"hi\"");
	ck_assert_str_eq(c.lines[1].argv[4], "tenant #1");
	/* config_text() quotes so the line reads back the same */
	assert_words(&c.lines[0], 1, "mem set \"/run/hvkmem/vm 1\" domain \"\"");
	assert_words(&c.lines[1], 2, "mem set '/run/hvkmem/say \"hi\"' domain \"tenant #1\"");
	config_free(&c);
}
END_TEST

START_TEST(test_errors_name_file_and_line)
{
	struct config c;
	char want[256];

	ck_assert_int_eq(load(&c, "switch add sw0\n\nmem set \"/run/x merge on\n"), -1);
	snprintf(want, sizeof(want), "%s/test.conf:3: unterminated quoted string", dir);
	ck_assert_str_eq(err, want);
	config_free(&c);

	ck_assert_int_eq(load(&c, "# one\nmem set \"/run/x\"merge on\n"), -1);
	snprintf(want, sizeof(want), "%s/test.conf:2: a quoted word must end at its closing quote",
		 dir);
	ck_assert_str_eq(err, want);
	config_free(&c);

	ck_assert_int_eq(config_load(&c, "/nonexistent/hvk.conf", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/nonexistent/hvk.conf: No such file or directory");
	config_free(&c);
}
END_TEST

START_TEST(test_dir_in_byte_order)
{
	char sub[64], want[256];
	struct config c;

	snprintf(sub, sizeof(sub), "%s/etc", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	put("etc/b.conf", "port add sw0 tap1\n");
	put("etc/10-switches.conf", "switch add sw0\n\nswitch add sw1\n");
	put("etc/B.conf", "port add sw1 tap2\n");
	put("etc/.hidden.conf", "switch add hidden\n");
	put("etc/notes.txt", "switch add notes\n");
	put("etc/conf", "switch add conf\n");
	ck_assert_int_eq(config_load(&c, sub, err, sizeof(err)), 0);
	ck_assert_uint_eq(c.n, 4);
	ck_assert_uint_eq(c.n_files, 3);
	snprintf(want, sizeof(want), "%s/10-switches.conf", sub);
	ck_assert_str_eq(c.lines[0].file, want);
	assert_words(&c.lines[1], 3, "switch add sw1");
	snprintf(want, sizeof(want), "%s/B.conf", sub);
	ck_assert_str_eq(c.lines[2].file, want);
	snprintf(want, sizeof(want), "%s/b.conf", sub);
	ck_assert_str_eq(c.lines[3].file, want);
	assert_words(&c.lines[3], 1, "port add sw0 tap1");
	config_free(&c);

	/* an error in the second file names that file */
	put("etc/b.conf", "port add sw0 tap1\nport set tap1 'vlan\n");
	ck_assert_int_eq(config_load(&c, sub, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/b.conf:2: unterminated quoted string", sub);
	ck_assert_str_eq(err, want);
	config_free(&c);
}
END_TEST

START_TEST(test_configuration_commands)
{
	static const char *const ok[] = {
		"switch add sw0", "switch set sw0 ageing 10", "port add sw0 tap0",
		"port set tap0 vlan none", "fdb add sw0 02:00:00:00:00:01 dev tap0",
		"mirror add sw0 m dest tap9 ingress tap0", "merge set run on",
		"mem set /run/hvkmem/vm1 merge on",
	};
	static const char *const bad[] = {
		"switch show", "switch del sw0", "port del tap0", "fdb flush sw0", "monitor",
		"mirror del sw0 m", "sw add sw0", "port a sw0 tap0", "ksm enable pid 1",
		"mem dirtyrate /x", "version",
	};
	struct config c;
	char want[256];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_int_eq(load(&c, ok[i]), 0);
		ck_assert_msg(config_check(&c.lines[0], err, sizeof(err)) == 0, "%s", ok[i]);
		config_free(&c);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(load(&c, bad[i]), 0);
		ck_assert_msg(config_check(&c.lines[0], err, sizeof(err)) == -1, "%s", bad[i]);
		config_free(&c);
	}
	ck_assert_int_eq(load(&c, "\nswitch show sw0\n"), 0);
	config_check(&c.lines[0], err, sizeof(err));
	snprintf(want, sizeof(want), "%s/test.conf:2: \"hvk switch show\" is not a configuration command",
		 dir);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "%s", err);
	config_free(&c);
}
END_TEST

START_TEST(test_reader_one_command_at_a_time)
{
	struct config_reader r;
	struct config_line l;

	ck_assert_int_eq(config_open(&r, put("batch", "switch add sw0\nbad 'quote\nport add sw0 x\n"),
				     err, sizeof(err)), 0);
	ck_assert_int_eq(config_next(&r, &l, err, sizeof(err)), 1);
	assert_words(&l, 1, "switch add sw0");
	config_line_free(&l);
	ck_assert_int_eq(config_next(&r, &l, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/batch:2: unterminated quoted string"));
	/* -force goes on after a bad line */
	ck_assert_int_eq(config_next(&r, &l, err, sizeof(err)), 1);
	assert_words(&l, 3, "port add sw0 x");
	config_line_free(&l);
	ck_assert_int_eq(config_next(&r, &l, err, sizeof(err)), 0);
	config_close(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvk-config");
	TCase *tc = tcase_create("config");
	SRunner *sr;
	int failed;

	tcase_add_unchecked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, test_words_comments_blank_lines);
	tcase_add_test(tc, test_continuation);
	tcase_add_test(tc, test_quotes);
	tcase_add_test(tc, test_errors_name_file_and_line);
	tcase_add_test(tc, test_dir_in_byte_order);
	tcase_add_test(tc, test_configuration_commands);
	tcase_add_test(tc, test_reader_one_command_at_a_time);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
