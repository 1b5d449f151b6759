// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libhvk netlink core: message building and parsing, and the request loop
 * driven through a scripted fake kernel (no kernel needed).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/hvk_switch.h>
#include <linux/netlink.h>

#include "fake.h"
#include "nl.h"

#define FAMILY_ID 0x1f

static int count_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	struct fake *f = data;

	(void)nlh;
	(void)err;
	f->items++;
	return 0;
}

static void reset_cb(void *data)
{
	struct fake *f = data;

	f->items = 0;
	f->resets++;
}

/* ---- building requests ---- */

START_TEST(test_req_start)
{
	struct hvk_nl nl;
	struct fake f;
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	fake_nl(&nl, &f, NULL);
	nlh = hvk_nl_req_start(&nl, buf, HVK_SWITCH_CMD_INFO_GET, NLM_F_DUMP);
	ck_assert_uint_eq(nlh->nlmsg_type, FAMILY_ID);
	ck_assert_uint_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
	ck_assert_uint_eq(nlh->nlmsg_len, NLMSG_HDRLEN + GENL_HDRLEN);
	g = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(g->cmd, HVK_SWITCH_CMD_INFO_GET);
	ck_assert_uint_eq(g->version, 1);
	/* The kernel rejects new commands whose reserved field is set. */
	ck_assert_uint_eq(g->reserved, 0);
}
END_TEST

/* ---- parsing errors ---- */

START_TEST(test_parse_ack)
{
	struct hvk_nl nl;
	struct fake f;
	char req[HVK_NL_REQ_SIZE], buf[512];
	struct hvk_error err;

	fake_nl(&nl, &f, reply_none);
	fake_send(&f, hvk_nl_req_start(&nl, req, 1, 0), NLMSG_HDRLEN + GENL_HDRLEN);
	hvk_error_clear(&err);
	ck_assert_int_eq(hvk_nl_parse_error(put_error(&f, buf, 0, 0, NULL, 0),
					    last_req(&f), &err), 0);
	ck_assert_int_eq(err.code, 0);
	ck_assert_str_eq(err.msg, "");
}
END_TEST

START_TEST(test_parse_extack)
{
	struct hvk_nl nl;
	struct fake f;
	char req[HVK_NL_REQ_SIZE], buf[512];
	struct nlmsghdr *r;
	struct nlattr *bad;
	struct hvk_error err;

	fake_nl(&nl, &f, reply_none);
	r = hvk_nl_req_start(&nl, req, 1, 0);
	mnl_attr_put_u32(r, 7, 1);
	bad = mnl_nlmsg_get_payload_tail(r);
	mnl_attr_put_u64(r, HVK_SWITCH_INFO_A_FEATURES, 5);
	fake_send(&f, r, r->nlmsg_len);

	hvk_error_clear(&err);
	ck_assert_int_eq(hvk_nl_parse_error(put_error(&f, buf, 0, -EINVAL,
						      "features are read-only",
						      (char *)bad - req),
					    r, &err), -EINVAL);
	ck_assert_int_eq(err.code, -EINVAL);
	ck_assert_str_eq(err.msg, "features are read-only");
	ck_assert_uint_eq(err.bad_attr_offset, (char *)bad - req);
	ck_assert_uint_eq(err.bad_attr_type, HVK_SWITCH_INFO_A_FEATURES);
}
END_TEST

START_TEST(test_parse_error_plain)
{
	struct hvk_nl nl;
	struct fake f;
	char req[HVK_NL_REQ_SIZE], buf[512];
	struct hvk_error err;

	fake_nl(&nl, &f, reply_none);
	fake_send(&f, hvk_nl_req_start(&nl, req, 1, 0), NLMSG_HDRLEN + GENL_HDRLEN);
	hvk_error_clear(&err);
	/* No extack: the message falls back to strerror. */
	ck_assert_int_eq(hvk_nl_parse_error(put_error(&f, buf, 0, -EPERM, NULL, 0),
					    NULL, &err), -EPERM);
	ck_assert_str_eq(err.msg, strerror(EPERM));
	ck_assert_uint_eq(err.bad_attr_offset, 0);
}
END_TEST

START_TEST(test_parse_error_bad_offset)
{
	struct hvk_nl nl;
	struct fake f;
	char req[HVK_NL_REQ_SIZE], buf[512];
	struct nlmsghdr *r;
	struct hvk_error err;

	fake_nl(&nl, &f, reply_none);
	r = hvk_nl_req_start(&nl, req, 1, 0);
	fake_send(&f, r, r->nlmsg_len);
	hvk_error_clear(&err);
	/* An offset outside our request is dropped, not dereferenced. */
	hvk_nl_parse_error(put_error(&f, buf, 0, -EINVAL, "x", 4000), r, &err);
	ck_assert_uint_eq(err.bad_attr_offset, 0);
	ck_assert_str_eq(err.msg, "x");
}
END_TEST

START_TEST(test_parse_error_truncated)
{
	struct hvk_error err;
	struct nlmsghdr nlh = {
		.nlmsg_len = NLMSG_HDRLEN + 4,
		.nlmsg_type = NLMSG_ERROR,
	};
	char buf[64];

	memcpy(buf, &nlh, sizeof(nlh));
	hvk_error_clear(&err);
	ck_assert_int_eq(hvk_nl_parse_error((void *)buf, NULL, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.msg, "truncated"));
}
END_TEST

/* ---- parsing replies ---- */

static struct nlmsghdr *family_msg(char *buf, bool with_id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	struct nlattr *grps, *grp;

	nlh->nlmsg_type = GENL_ID_CTRL;
	g->cmd = CTRL_CMD_NEWFAMILY;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "hvk_switch");
	if (with_id)
		mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x22);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, 1);
	grps = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 9);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "events");
	mnl_attr_nest_end(nlh, grp);
	grp = mnl_attr_nest_start(nlh, 2);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 11);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, grps);
	return nlh;
}

START_TEST(test_parse_family)
{
	char buf[512];
	struct hvk_nl_family fam;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	ck_assert_int_eq(hvk_nl_parse_family(family_msg(buf, true), &fam, &err), 0);
	ck_assert_uint_eq(fam.id, 0x22);
	ck_assert_uint_eq(fam.version, 1);
	ck_assert_uint_eq(fam.n_groups, 2);

	fake_nl(&nl, &f, reply_none);
	nl.family = fam;
	ck_assert_int_eq(hvk_nl_group_id(&nl, "events"), 9);
	ck_assert_int_eq(hvk_nl_group_id(&nl, "other"), 11);
	ck_assert_int_eq(hvk_nl_group_id(&nl, "nope"), -ENOENT);
	/* Subscribing needs a real socket; the fake has none. */
	ck_assert_int_eq(hvk_nl_subscribe(&nl, "nope", &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "no multicast group nope"));
}
END_TEST

START_TEST(test_parse_family_no_id)
{
	char buf[512];
	struct hvk_nl_family fam;
	struct hvk_error err;

	hvk_error_clear(&err);
	ck_assert_int_eq(hvk_nl_parse_family(family_msg(buf, false), &fam, &err), -EBADMSG);
	ck_assert_int_eq(err.code, -EBADMSG);
}
END_TEST

static struct nlmsghdr *info_msg(char *buf, int version_type, bool wide_features)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = FAMILY_ID;
	g->cmd = HVK_SWITCH_CMD_INFO_GET;
	if (version_type == MNL_TYPE_NUL_STRING)
		mnl_attr_put_strz(nlh, HVK_SWITCH_INFO_A_VERSION, "1.2.3");
	else if (version_type == MNL_TYPE_STRING)
		mnl_attr_put(nlh, HVK_SWITCH_INFO_A_VERSION, 5, "1.2.3");
	if (wide_features)
		mnl_attr_put_u64(nlh, HVK_SWITCH_INFO_A_FEATURES, 0x8000000000000001ULL);
	else
		mnl_attr_put_u32(nlh, HVK_SWITCH_INFO_A_FEATURES, 1);
	/* Attributes the library does not know are skipped. */
	mnl_attr_put_u32(nlh, 200, 1);
	return nlh;
}

START_TEST(test_parse_info)
{
	char buf[512];
	struct hvk_module_info info;
	struct hvk_error err;

	ck_assert_int_eq(hvk_info_parse(info_msg(buf, MNL_TYPE_NUL_STRING, true), &info, &err), 0);
	ck_assert_str_eq(info.version, "1.2.3");
	ck_assert_uint_eq(info.features, 0x8000000000000001ULL);
}
END_TEST

START_TEST(test_parse_info_malformed)
{
	char buf[512];
	struct hvk_module_info info;
	struct hvk_error err;

	hvk_error_clear(&err);
	ck_assert_int_eq(hvk_info_parse(info_msg(buf, MNL_TYPE_NUL_STRING, false), &info, &err),
			 -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.msg, "features"));
	/* A version without its terminating NUL. */
	ck_assert_int_eq(hvk_info_parse(info_msg(buf, MNL_TYPE_STRING, true), &info, &err),
			 -EBADMSG);
	ck_assert_int_eq(hvk_info_parse(info_msg(buf, MNL_TYPE_UNSPEC, true), &info, &err),
			 -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.msg, "without a version"));
}
END_TEST

/* ---- the request loop ---- */

/* A reply, a stale message of an older request, then the ACK, one per recv. */
static size_t reply_do(struct fake *f, int n, char *buf)
{
	struct nlmsghdr *nlh;

	switch (n) {
	case 0:
		return put_data(f, buf, 0, 0, 1)->nlmsg_len;
	case 1:
		nlh = put_data(f, buf, 0, 0, 2);
		nlh->nlmsg_seq--;
		return nlh->nlmsg_len;
	default:
		return put_error(f, buf, 0, 0, NULL, 0)->nlmsg_len;
	}
}

START_TEST(test_request_do)
{
	struct hvk_nl nl;
	struct fake f;
	char req[HVK_NL_REQ_SIZE];
	struct hvk_error err;

	fake_nl(&nl, &f, reply_do);
	ck_assert_int_eq(hvk_nl_request(&nl, hvk_nl_req_start(&nl, req, 1, 0),
					count_cb, NULL, &f, &err), 0);
	ck_assert_int_eq(f.items, 1);
	ck_assert_int_eq(f.recvs, 3);
	ck_assert_int_eq(err.code, 0);
}
END_TEST

static size_t reply_reject(struct fake *f, int n, char *buf)
{
	(void)n;
	return put_error(f, buf, 0, -EOPNOTSUPP, "unknown flag", 0)->nlmsg_len;
}

START_TEST(test_request_rejected)
{
	struct hvk_nl nl;
	struct fake f;
	char req[HVK_NL_REQ_SIZE];
	struct hvk_error err;

	fake_nl(&nl, &f, reply_reject);
	ck_assert_int_eq(hvk_nl_request(&nl, hvk_nl_req_start(&nl, req, 1, 0),
					count_cb, NULL, &f, &err), -EOPNOTSUPP);
	ck_assert_int_eq(err.code, -EOPNOTSUPP);
	ck_assert_str_eq(err.msg, "unknown flag");
	ck_assert_int_eq(f.items, 0);
}
END_TEST

static int failing_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	(void)nlh;
	((struct fake *)data)->items++;
	snprintf(err->msg, sizeof(err->msg), "callback says no");
	return -ERANGE;
}

/* Two replies in one datagram, then the ACK. */
static size_t reply_two(struct fake *f, int n, char *buf)
{
	struct nlmsghdr *a;

	if (n > 0)
		return put_error(f, buf, 0, 0, NULL, 0)->nlmsg_len;
	a = put_data(f, buf, 0, 0, 1);
	return a->nlmsg_len + put_data(f, buf, a->nlmsg_len, 0, 2)->nlmsg_len;
}

START_TEST(test_request_cb_error_drains)
{
	struct hvk_nl nl;
	struct fake f;
	char req[HVK_NL_REQ_SIZE];
	struct hvk_error err;

	fake_nl(&nl, &f, reply_two);
	ck_assert_int_eq(hvk_nl_request(&nl, hvk_nl_req_start(&nl, req, 1, 0),
					failing_cb, NULL, &f, &err), -ERANGE);
	ck_assert_str_eq(err.msg, "callback says no");
	ck_assert_int_eq(err.code, -ERANGE);
	/* The callback stopped at the first reply, but the ACK was consumed. */
	ck_assert_int_eq(f.items, 1);
	ck_assert_int_eq(f.recvs, 2);
}
END_TEST

/* A dump of three items; the first @intr passes are flagged inconsistent. */
static int intr_passes;

static size_t reply_dump(struct fake *f, int n, char *buf)
{
	uint16_t flags = NLM_F_MULTI;

	if (f->passes <= intr_passes)
		flags |= NLM_F_DUMP_INTR;
	if (n < 3)
		return put_data(f, buf, 0, flags, n)->nlmsg_len;
	return put_done(f, buf, 0, 0)->nlmsg_len;
}

START_TEST(test_dump_restarts_when_interrupted)
{
	struct hvk_nl nl;
	struct fake f;
	char req[HVK_NL_REQ_SIZE];
	struct hvk_error err;

	intr_passes = 2;
	fake_nl(&nl, &f, reply_dump);
	ck_assert_int_eq(hvk_nl_request(&nl, hvk_nl_req_start(&nl, req, 1, NLM_F_DUMP),
					count_cb, reset_cb, &f, &err), 0);
	ck_assert_int_eq(f.passes, 3);
	ck_assert_int_eq(f.resets, 2);
	/* Only the consistent pass counts. */
	ck_assert_int_eq(f.items, 3);
}
END_TEST

START_TEST(test_dump_gives_up)
{
	struct hvk_nl nl;
	struct fake f;
	char req[HVK_NL_REQ_SIZE];
	struct hvk_error err;

	intr_passes = 1000;
	fake_nl(&nl, &f, reply_dump);
	ck_assert_int_eq(hvk_nl_request(&nl, hvk_nl_req_start(&nl, req, 1, NLM_F_DUMP),
					count_cb, reset_cb, &f, &err), -EAGAIN);
	ck_assert_int_eq(f.passes, HVK_NL_DUMP_TRIES);
	ck_assert_ptr_nonnull(strstr(err.msg, "interrupted"));
}
END_TEST

static size_t reply_done_error(struct fake *f, int n, char *buf)
{
	if (n == 0)
		return put_data(f, buf, 0, NLM_F_MULTI, 0)->nlmsg_len;
	return put_done(f, buf, 0, -ENOBUFS)->nlmsg_len;
}

START_TEST(test_dump_done_error)
{
	struct hvk_nl nl;
	struct fake f;
	char req[HVK_NL_REQ_SIZE];
	struct hvk_error err;

	fake_nl(&nl, &f, reply_done_error);
	ck_assert_int_eq(hvk_nl_request(&nl, hvk_nl_req_start(&nl, req, 1, NLM_F_DUMP),
					count_cb, reset_cb, &f, &err), -ENOBUFS);
	ck_assert_ptr_nonnull(strstr(err.msg, "dump failed"));
}
END_TEST

static ssize_t broken_send(void *ctx, const void *buf, size_t len)
{
	(void)ctx; (void)buf; (void)len;
	errno = ECONNREFUSED;
	return -1;
}

START_TEST(test_send_error)
{
	struct hvk_nl nl;
	struct fake f;
	char req[HVK_NL_REQ_SIZE];
	struct hvk_error err;

	fake_nl(&nl, &f, reply_none);
	nl.io.send = broken_send;
	ck_assert_int_eq(hvk_nl_request(&nl, hvk_nl_req_start(&nl, req, 1, 0),
					count_cb, NULL, &f, &err), -ECONNREFUSED);
	ck_assert_ptr_nonnull(strstr(err.msg, "netlink send"));
}
END_TEST

static size_t reply_eof(struct fake *f, int n, char *buf)
{
	(void)f; (void)n; (void)buf;
	return 0;
}

START_TEST(test_recv_eof)
{
	struct hvk_nl nl;
	struct fake f;
	char req[HVK_NL_REQ_SIZE];
	struct hvk_error err;

	fake_nl(&nl, &f, reply_eof);
	ck_assert_int_eq(hvk_nl_request(&nl, hvk_nl_req_start(&nl, req, 1, 0),
					count_cb, NULL, &f, &err), -ECONNRESET);
}
END_TEST

START_TEST(test_open_long_name)
{
	struct hvk_nl *nl = (void *)1;
	struct hvk_error err;

	ck_assert_int_eq(hvk_nl_open(&nl, "a-family-name-longer-than-the-kernel-allows", &err),
			 -EINVAL);
	ck_assert_ptr_null(nl);
	hvk_nl_close(NULL);
}
END_TEST

static Suite *nl_suite(void)
{
	Suite *s = suite_create("libhvk-nl");
	TCase *tc;

	tc = tcase_create("build");
	tcase_add_test(tc, test_req_start);
	tcase_add_test(tc, test_open_long_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_ack);
	tcase_add_test(tc, test_parse_extack);
	tcase_add_test(tc, test_parse_error_plain);
	tcase_add_test(tc, test_parse_error_bad_offset);
	tcase_add_test(tc, test_parse_error_truncated);
	tcase_add_test(tc, test_parse_family);
	tcase_add_test(tc, test_parse_family_no_id);
	tcase_add_test(tc, test_parse_info);
	tcase_add_test(tc, test_parse_info_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("request");
	tcase_add_test(tc, test_request_do);
	tcase_add_test(tc, test_request_rejected);
	tcase_add_test(tc, test_request_cb_error_drains);
	tcase_add_test(tc, test_dump_restarts_when_interrupted);
	tcase_add_test(tc, test_dump_gives_up);
	tcase_add_test(tc, test_dump_done_error);
	tcase_add_test(tc, test_send_error);
	tcase_add_test(tc, test_recv_eof);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(nl_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
