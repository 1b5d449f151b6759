// SPDX-License-Identifier: GPL-2.0
/*
 * hvk-migrate's --psk-file: the handshake and per-message authentication of
 * tools/hvk-migrate/transport.c, between two threads over socket pairs
 * joined by a relay that can flip one byte of the source's stream.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "migrate.h"

/* What transport.c takes from main.c. */
double now_s(void)
{
	return 0;
}

void sleep_s(double s)
{
	(void)s;
}

struct relay {
	int a, b;		/* the source's end, the destination's end */
	long flip;		/* offset in the source's stream to flip, or -1 */
};

/* Copy both ways until both sides close; flip one byte source -> destination. */
static void *relay_main(void *arg)
{
	struct relay *r = arg;
	long off = 0;
	char buf[65536];
	int open_ab = 1, open_ba = 1;

	while (open_ab || open_ba) {
		struct timeval tv = { .tv_sec = 5 };
		fd_set rd;
		ssize_t n;

		FD_ZERO(&rd);
		if (open_ab)
			FD_SET(r->a, &rd);
		if (open_ba)
			FD_SET(r->b, &rd);
		if (select((r->a > r->b ? r->a : r->b) + 1, &rd, NULL, NULL, &tv) <= 0)
			break;
		if (open_ab && FD_ISSET(r->a, &rd)) {
			n = read(r->a, buf, sizeof(buf));
			if (n <= 0) {
				shutdown(r->b, SHUT_WR);
				open_ab = 0;
			} else {
				if (r->flip >= off && r->flip < off + n)
					buf[r->flip - off] ^= 1;
				off += n;
				if (write(r->b, buf, n) != n)
					open_ab = 0;
			}
		}
		if (open_ba && FD_ISSET(r->b, &rd)) {
			n = read(r->b, buf, sizeof(buf));
			if (n <= 0) {
				shutdown(r->a, SHUT_WR);
				open_ba = 0;
			} else if (write(r->a, buf, n) != n) {
				open_ba = 0;
			}
		}
	}
	return NULL;
}

struct side {
	struct conn c;
	struct psk key;
	struct mig_hello hello;
	int ret;
	char page[MIG_PAGE];	/* the destination: what arrived */
};

/* The destination: handshake, then one PAGES message, then END. */
static void *dest_main(void *arg)
{
	struct side *d = arg;
	char page[MIG_PAGE];
	struct mig_hdr h;

	d->ret = -1;
	if (auth_dest(&d->c, &d->key, &d->hello))
		goto out;
	/* As dest.c: a page is used only once read_all() returned 0. */
	if (recv_hdr(&d->c, &h) || h.type != MIG_PAGES || h.count != 1 ||
	    read_all(&d->c, page, MIG_PAGE))
		goto out;
	memcpy(d->page, page, MIG_PAGE);
	if (expect(&d->c, MIG_END, &h))
		goto out;
	d->ret = 0;
out:
	if (d->ret)
		send_abort(&d->c, d->c.err);
	shutdown(d->c.fd, SHUT_WR);
	return NULL;
}

static void set_key(struct psk *k, const char *text)
{
	k->len = strlen(text);
	memcpy(k->key, text, k->len);
}

/*
 * One migration's worth of messages with @src_key and @dst_key; @flip: a
 * byte of the source's stream to flip (-1: none).  Returns the source's
 * status; @dst gets the destination's.
 */
static int run(const char *src_key, const char *dst_key, long flip, struct side *dst,
	       char *src_err, size_t elen)
{
	struct side src = { .c = { .fd = -1 } };
	struct relay r = { .flip = flip };
	pthread_t rt, dt;
	int s1[2], s2[2];
	struct mig_hdr h;
	char page[MIG_PAGE];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, s1), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, s2), 0);
	memset(dst, 0, sizeof(*dst));
	src.c.fd = s1[0];
	r.a = s1[1];
	r.b = s2[0];
	dst->c.fd = s2[1];
	set_key(&src.key, src_key);
	set_key(&dst->key, dst_key);
	memcpy(src.hello.magic, MIG_MAGIC, 8);
	memset(src.hello.nonce, 0x5a, sizeof(src.hello.nonce));
	dst->hello = src.hello;
	memset(page, 0xa5, sizeof(page));
	ck_assert_int_eq(pthread_create(&rt, NULL, relay_main, &r), 0);
	ck_assert_int_eq(pthread_create(&dt, NULL, dest_main, dst), 0);

	src.ret = -1;
	if (!expect(&src.c, MIG_READY, &h) && !auth_source(&src.c, &src.key, &src.hello) &&
	    !send_msg(&src.c, MIG_PAGES, 1, 7, page, sizeof(page)) &&
	    !send_msg(&src.c, MIG_END, 0, 0, NULL, 0))
		src.ret = 0;
	shutdown(src.c.fd, SHUT_WR);
	pthread_join(dt, NULL);
	pthread_join(rt, NULL);
	snprintf(src_err, elen, "%s", src.c.err);
	close(s1[0]);
	close(s1[1]);
	close(s2[0]);
	close(s2[1]);
	return src.ret;
}

START_TEST(test_same_key)
{
	struct side dst;
	char err[256];
	char page[MIG_PAGE];

	ck_assert_int_eq(run("0123456789abcdef", "0123456789abcdef", -1, &dst, err, sizeof(err)), 0);
	ck_assert_msg(dst.ret == 0, "destination: %s", dst.c.err);
	memset(page, 0xa5, sizeof(page));
	ck_assert(!memcmp(dst.page, page, sizeof(page)));
}
END_TEST

START_TEST(test_wrong_key)
{
	struct side dst;
	char err[256];
	static const char zero[MIG_PAGE];

	ck_assert_int_eq(run("0123456789abcdef", "0123456789abcdeX", -1, &dst, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "authentication failed: the destination does not have this key"),
		      "source: %s", err);
	ck_assert_int_eq(dst.ret, -1);
	ck_assert_msg(strstr(dst.c.err, "authentication failed"), "destination: %s", dst.c.err);
	ck_assert(!memcmp(dst.page, zero, sizeof(zero)));	/* no page reached it */
}
END_TEST

/* Flip a byte of: the HELLO-bound proof, a page, the last header. */
START_TEST(test_tampered)
{
	/* READY is the destination's; the source's stream: AUTH (16 + 32), then PAGES. */
	static const long flips[] = { 20, 48 + 16 + 100, 48 + 16 + MIG_PAGE + 32 + 3 };
	static const char zero[MIG_PAGE];
	long f = flips[_i];
	struct side dst;
	char err[256];

	run("0123456789abcdef", "0123456789abcdef", f, &dst, err, sizeof(err));
	ck_assert_int_eq(dst.ret, -1);
	if (f < 48)
		ck_assert_msg(strstr(dst.c.err, "authentication failed: the source does not have this key"),
			      "flip %ld: %s", f, dst.c.err);
	else
		ck_assert_msg(strstr(dst.c.err, "integrity check failed"), "flip %ld: %s", f, dst.c.err);
	if (f < 48 + 16 + MIG_PAGE + 32)
		ck_assert(!memcmp(dst.page, zero, sizeof(zero)));	/* read_all failed: unused */
}
END_TEST

START_TEST(test_psk_load)
{
	char path[] = "/tmp/hvk-psk-XXXXXX", err[256];
	struct psk k;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "short\n", 6), 6);
	ck_assert_int_eq(psk_load(path, &k, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "a key is 16 bytes to 4 KiB"), "%s", err);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(pwrite(fd, "0123456789abcdefXY\n", 19, 0), 19);
	ck_assert_int_eq(psk_load(path, &k, err, sizeof(err)), 0);
	ck_assert_int_eq(k.len, 18);	/* the newline dropped */
	ck_assert_int_eq(fchmod(fd, 0640), 0);
	ck_assert_int_eq(psk_load(path, &k, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "readable by others (mode 640)"), "%s", err);
	close(fd);
	unlink(path);
	ck_assert_int_eq(psk_load(path, &k, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "No such file"), "%s", err);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvk-migrate-auth");
	TCase *tc = tcase_create("auth");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_same_key);
	tcase_add_test(tc, test_wrong_key);
	tcase_add_loop_test(tc, test_tampered, 0, 3);
	tcase_add_test(tc, test_psk_load);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
