// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libhvk mem API: region requests and replies against the scripted kernel,
 * the dirty-log wrappers' errors on a file that is not an hvkmem region.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <hvk/mem.h>

#include "fake.h"

static const struct nlattr *attr(const struct nlmsghdr *nlh, int type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static struct nlmsghdr *put_region(struct fake *f, char *buf, uint16_t flags, uint64_t id)
{
	struct nlmsghdr *nlh = put_genl(f, buf, 0, flags, HVK_MEM_CMD_REGION_GET);
	struct nlattr *nest;

	mnl_attr_put_u64(nlh, HVK_MEM_REGION_A_ID, id);
	mnl_attr_put_strz(nlh, HVK_MEM_REGION_A_PATH, "/run/hvkmem/vm1");
	mnl_attr_put_u32(nlh, HVK_MEM_REGION_A_DEV, 0x2a);
	mnl_attr_put_u64(nlh, HVK_MEM_REGION_A_INO, 77);
	mnl_attr_put_u64(nlh, HVK_MEM_REGION_A_SIZE, 1 << 30);
	mnl_attr_put_u64(nlh, HVK_MEM_REGION_A_RESIDENT, 1000);
	mnl_attr_put_u32(nlh, HVK_MEM_REGION_A_MAPPINGS, 2);
	nest = mnl_attr_nest_start(nlh, HVK_MEM_REGION_A_LOG);
	mnl_attr_put(nlh, HVK_MEM_LOG_A_RUNNING, 0, NULL);
	mnl_attr_put_u32(nlh, HVK_MEM_LOG_A_PID, 812);
	mnl_attr_put_u64(nlh, HVK_MEM_LOG_A_DIRTY, 12);
	mnl_attr_put_u64(nlh, HVK_MEM_LOG_A_RATE, 4096000);
	mnl_attr_put_u64(nlh, HVK_MEM_LOG_A_GETS, 3);
	mnl_attr_put_u64(nlh, HVK_MEM_LOG_A_WRITE_FAULTS, 40);
	mnl_attr_put_u64(nlh, HVK_MEM_LOG_A_PROTECTED, 30);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, HVK_MEM_REGION_A_SAMPLE);
	mnl_attr_put_u64(nlh, HVK_MEM_SAMPLE_A_SEQ, 2);
	mnl_attr_put_u32(nlh, HVK_MEM_SAMPLE_A_DURATION, 1001);
	mnl_attr_put_u64(nlh, HVK_MEM_SAMPLE_A_PAGES, 250);
	mnl_attr_put_u64(nlh, HVK_MEM_SAMPLE_A_RATE, 1023000);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static size_t reply_region(struct fake *f, int n, char *buf)
{
	if (n > 0)
		return put_error(f, buf, 0, 0, NULL, 0)->nlmsg_len;
	return put_region(f, buf, 0, 3)->nlmsg_len;
}

START_TEST(test_region_get)
{
	struct hvk_mem_region r;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_region);
	ck_assert_int_eq(hvk_mem_region_get(&nl, 3, &r, &err), 0);
	ck_assert_uint_eq(mnl_attr_get_u64(attr(last_req(&f), HVK_MEM_REGION_A_ID)), 3);
	ck_assert_uint_eq(r.id, 3);
	ck_assert_str_eq(r.path, "/run/hvkmem/vm1");
	ck_assert_uint_eq(r.dev, 0x2a);
	ck_assert_uint_eq(r.ino, 77);
	ck_assert_uint_eq(r.size, 1 << 30);
	ck_assert_uint_eq(r.resident, 1000);
	ck_assert_uint_eq(r.mappings, 2);
	ck_assert(r.log.running);
	ck_assert_uint_eq(r.log.pid, 812);
	ck_assert_uint_eq(r.log.dirty, 12);
	ck_assert_uint_eq(r.log.rate, 4096000);
	ck_assert_uint_eq(r.log.gets, 3);
	ck_assert_uint_eq(r.log.write_faults, 40);
	ck_assert_uint_eq(r.log.protected_pages, 30);
	ck_assert_uint_eq(r.sample.seq, 2);
	ck_assert(!r.sample.running);
	ck_assert_uint_eq(r.sample.duration_ms, 1001);
	ck_assert_uint_eq(r.sample.pages, 250);
	ck_assert_uint_eq(r.sample.rate, 1023000);
}
END_TEST

static size_t reply_region_dump(struct fake *f, int n, char *buf)
{
	uint16_t flags = NLM_F_MULTI | (f->passes == 1 ? NLM_F_DUMP_INTR : 0);

	if (n < 3)
		return put_region(f, buf, flags, 10 + n)->nlmsg_len;
	return put_done(f, buf, 0, 0)->nlmsg_len;
}

START_TEST(test_region_list_restart)
{
	struct hvk_mem_region *list;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;
	size_t n;

	fake_nl(&nl, &f, reply_region_dump);
	ck_assert_int_eq(hvk_mem_region_list(&nl, &list, &n, &err), 0);
	ck_assert_int_eq(f.passes, 2);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(list[2].id, 12);
	ck_assert(last_req(&f)->nlmsg_flags & NLM_F_DUMP);
	free(list);
}
END_TEST

static size_t reply_bad_region(struct fake *f, int n, char *buf)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	if (n > 0)
		return put_error(f, buf, 0, 0, NULL, 0)->nlmsg_len;
	nlh = put_genl(f, buf, 0, 0, HVK_MEM_CMD_REGION_GET);
	mnl_attr_put_u64(nlh, HVK_MEM_REGION_A_ID, 3);
	nest = mnl_attr_nest_start(nlh, HVK_MEM_REGION_A_LOG);
	mnl_attr_put_u32(nlh, HVK_MEM_LOG_A_DIRTY, 5);	/* u64! */
	mnl_attr_nest_end(nlh, nest);
	return nlh->nlmsg_len;
}

START_TEST(test_region_malformed)
{
	struct hvk_mem_region r;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_bad_region);
	ck_assert_int_eq(hvk_mem_region_get(&nl, 3, &r, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err.msg, "malformed region attribute 8"));
}
END_TEST

static size_t reply_sample_busy(struct fake *f, int n, char *buf)
{
	(void)n;
	return put_error(f, buf, 0, -EBUSY, "a sample of this region is running", 0)->nlmsg_len;
}

START_TEST(test_sample_request)
{
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_sample_busy);
	ck_assert_int_eq(hvk_mem_sample(&nl, 9, 1500, &err), -EBUSY);
	ck_assert_str_eq(err.msg, "a sample of this region is running");
	ck_assert_uint_eq(mnl_attr_get_u64(attr(last_req(&f), HVK_MEM_REGION_A_ID)), 9);
	ck_assert_uint_eq(mnl_attr_get_u32(attr(last_req(&f), HVK_MEM_REGION_A_DURATION)), 1500);
}
END_TEST

START_TEST(test_find_missing_path)
{
	struct hvk_mem_region r;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_none);
	ck_assert_int_eq(hvk_mem_region_find(&nl, "/nonexistent/vm", &r, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/vm: No such file"));
}
END_TEST

/* On a file that is not an hvkmem region each wrapper says so. */
START_TEST(test_ioctl_not_hvkmem)
{
	struct hvk_mem_log_stats st;
	struct hvk_mem_info info;
	struct hvk_error err;
	uint64_t bm[1], dirty;
	int fd = open("/dev/null", O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(hvk_mem_info(fd, &info, &err), -ENOTTY);
	ck_assert_str_eq(err.msg, "region info: not an hvkmem file");
	ck_assert_int_eq(hvk_mem_log_start(fd, HVK_MEM_LOG_INITIALLY_SET, &err), -ENOTTY);
	ck_assert_str_eq(err.msg, "start the dirty log: not an hvkmem file");
	ck_assert_int_eq(hvk_mem_log_get(fd, 0, 64, bm, sizeof(bm), true, &dirty, &err), -ENOTTY);
	ck_assert_int_eq(hvk_mem_log_stop(fd, &err), -ENOTTY);
	ck_assert_int_eq(hvk_mem_log_stats(fd, &st, &err), -ENOTTY);
	close(fd);
	ck_assert_int_eq(hvk_mem_info(fd, &info, &err), -EBADF);
	ck_assert_str_eq(err.msg, "region info: Bad file descriptor");
}
END_TEST

static size_t reply_merge(struct fake *f, int n, char *buf)
{
	struct nlmsghdr *nlh;

	if (n > 0)
		return put_error(f, buf, 0, 0, NULL, 0)->nlmsg_len;
	nlh = put_genl(f, buf, 0, 0, HVK_MEM_CMD_MERGE_SET);
	mnl_attr_put_u8(nlh, HVK_MEM_MERGE_A_RUN, HVK_MEM_MERGE_RUN_ON);
	mnl_attr_put_u32(nlh, HVK_MEM_MERGE_A_PAGES_TO_SCAN, 100);
	mnl_attr_put_u32(nlh, HVK_MEM_MERGE_A_MAX_SHARING, 256);
	mnl_attr_put_u8(nlh, HVK_MEM_MERGE_A_CPU_BUDGET, 15);
	mnl_attr_put_u64(nlh, HVK_MEM_MERGE_A_PAGES_SHARING, 4096);
	mnl_attr_put_u64(nlh, HVK_MEM_MERGE_A_METADATA, 1 << 20);
	mnl_attr_put_u64(nlh, HVK_MEM_MERGE_A_PROFIT, (uint64_t)-4096);
	mnl_attr_put_u32(nlh, HVK_MEM_MERGE_A_REGIONS, 3);
	return nlh->nlmsg_len;
}

/* Only the controls named by the mask go out; the reply is parsed. */
START_TEST(test_merge_set)
{
	struct hvk_merge_info set = { .run = HVK_MEM_MERGE_RUN_ON, .pages_to_scan = 7,
				      .cpu_budget = 15 }, out;
	const struct nlmsghdr *req;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_merge);
	ck_assert_int_eq(hvk_merge_set(&nl, &set, HVK_MERGE_SET_RUN | HVK_MERGE_SET_CPU_BUDGET,
				       &out, &err), 0);
	req = last_req(&f);
	ck_assert_uint_eq(mnl_attr_get_u8(attr(req, HVK_MEM_MERGE_A_RUN)), HVK_MEM_MERGE_RUN_ON);
	ck_assert_uint_eq(mnl_attr_get_u8(attr(req, HVK_MEM_MERGE_A_CPU_BUDGET)), 15);
	ck_assert_ptr_null(attr(req, HVK_MEM_MERGE_A_PAGES_TO_SCAN));
	ck_assert_ptr_null(attr(req, HVK_MEM_MERGE_A_ZERO_PAGES));
	ck_assert_uint_eq(out.run, HVK_MEM_MERGE_RUN_ON);
	ck_assert_uint_eq(out.pages_to_scan, 100);
	ck_assert_uint_eq(out.max_sharing, 256);
	ck_assert_uint_eq(out.cpu_budget, 15);
	ck_assert_uint_eq(out.pages_sharing, 4096);
	ck_assert_uint_eq(out.metadata, 1 << 20);
	ck_assert_int_eq(out.profit, -4096);
	ck_assert_uint_eq(out.regions, 3);
	ck_assert_uint_eq(out.sleep_ms, 0);
	/* no output wanted */
	ck_assert_int_eq(hvk_merge_set(&nl, &set, HVK_MERGE_SET_PAGES_TO_SCAN, NULL, &err), 0);
	ck_assert_uint_eq(mnl_attr_get_u32(attr(last_req(&f), HVK_MEM_MERGE_A_PAGES_TO_SCAN)), 7);
	ck_assert_ptr_null(attr(last_req(&f), HVK_MEM_MERGE_A_RUN));
}
END_TEST

static size_t reply_bad_merge(struct fake *f, int n, char *buf)
{
	struct nlmsghdr *nlh;

	if (n > 0)
		return put_error(f, buf, 0, 0, NULL, 0)->nlmsg_len;
	nlh = put_genl(f, buf, 0, 0, HVK_MEM_CMD_MERGE_GET);
	mnl_attr_put_u32(nlh, HVK_MEM_MERGE_A_PAGES_SHARED, 5);	/* u64! */
	return nlh->nlmsg_len;
}

START_TEST(test_merge_malformed)
{
	struct hvk_merge_info m;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_bad_merge);
	ck_assert_int_eq(hvk_merge_get(&nl, &m, &err), -EBADMSG);
	ck_assert_str_eq(err.msg, "malformed merge attribute 7");
}
END_TEST

static size_t reply_ksm(struct fake *f, int n, char *buf)
{
	struct nlmsghdr *nlh;

	if (n > 0)
		return put_error(f, buf, 0, 0, NULL, 0)->nlmsg_len;
	nlh = put_genl(f, buf, 0, 0, HVK_MEM_CMD_KSM_SET);
	mnl_attr_put_u32(nlh, HVK_MEM_KSM_A_PID, 4242);
	mnl_attr_put(nlh, HVK_MEM_KSM_A_ENTERED, 0, NULL);
	mnl_attr_put_u32(nlh, HVK_MEM_KSM_A_VMAS, 2);
	mnl_attr_put_u64(nlh, HVK_MEM_KSM_A_BYTES, 8 << 20);
	mnl_attr_put_u64(nlh, HVK_MEM_KSM_A_MERGING_PAGES, 2047);
	return nlh->nlmsg_len;
}

/* A range goes out as start + length; the whole process as neither. */
START_TEST(test_ksm_set)
{
	struct hvk_ksm_proc k;
	struct hvk_error err;
	struct hvk_nl nl;
	struct fake f;

	fake_nl(&nl, &f, reply_ksm);
	ck_assert_int_eq(hvk_ksm_set(&nl, 4242, true, 0x7f0000000000, 1 << 21, &k, &err), 0);
	ck_assert_uint_eq(mnl_attr_get_u32(attr(last_req(&f), HVK_MEM_KSM_A_PID)), 4242);
	ck_assert_uint_eq(mnl_attr_get_u8(attr(last_req(&f), HVK_MEM_KSM_A_MERGEABLE)), 1);
	ck_assert_uint_eq(mnl_attr_get_u64(attr(last_req(&f), HVK_MEM_KSM_A_START)),
			  0x7f0000000000);
	ck_assert_uint_eq(mnl_attr_get_u64(attr(last_req(&f), HVK_MEM_KSM_A_LENGTH)), 1 << 21);
	ck_assert_uint_eq(k.pid, 4242);
	ck_assert(k.entered);
	ck_assert_uint_eq(k.vmas, 2);
	ck_assert_uint_eq(k.bytes, 8 << 20);
	ck_assert_uint_eq(k.merging_pages, 2047);
	ck_assert_uint_eq(k.rmap_items, 0);
	ck_assert_int_eq(hvk_ksm_set(&nl, 4242, false, 0, 0, NULL, &err), 0);
	ck_assert_uint_eq(mnl_attr_get_u8(attr(last_req(&f), HVK_MEM_KSM_A_MERGEABLE)), 0);
	ck_assert_ptr_null(attr(last_req(&f), HVK_MEM_KSM_A_START));
	ck_assert_ptr_null(attr(last_req(&f), HVK_MEM_KSM_A_LENGTH));
}
END_TEST

/*
 * The KSM sysfs knobs: read whatever this kernel has; a statistic or an
 * unknown name is refused before anything is opened for writing.
 */
START_TEST(test_ksm_sysfs)
{
	size_t i, n = hvk_ksm_knob_count();
	struct hvk_ksm_knob *k = calloc(n, sizeof(*k));
	struct hvk_error err;
	int ret;

	ck_assert_ptr_nonnull(k);
	ret = hvk_ksm_sys_read(k, &err);
	if (access("/sys/kernel/mm/ksm/run", R_OK)) {
		ck_assert_int_eq(ret, -ENOENT);
		ck_assert_ptr_nonnull(strstr(err.msg, "no KSM here"));
	} else {
		ck_assert_int_eq(ret, 0);
		ck_assert_str_eq(k[0].name, "run");
		ck_assert(k[0].present && k[0].writable);
		ck_assert_uint_le(k[0].value, 2);
		for (i = 0; i < n; i++)
			if (!strcmp(k[i].name, "pages_sharing"))
				ck_assert(!k[i].writable);
	}
	free(k);
	ck_assert_int_eq(hvk_ksm_sys_write("pages_sharing", 1, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "pages_sharing is not a KSM setting");
	ck_assert_int_eq(hvk_ksm_sys_write("../../../kernel/panic", 1, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "../../../kernel/panic is not a KSM setting");
}
END_TEST

static Suite *mem_suite(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("regions");

	tcase_add_test(tc, test_region_get);
	tcase_add_test(tc, test_region_list_restart);
	tcase_add_test(tc, test_region_malformed);
	tcase_add_test(tc, test_sample_request);
	tcase_add_test(tc, test_find_missing_path);
	tcase_add_test(tc, test_merge_set);
	tcase_add_test(tc, test_merge_malformed);
	tcase_add_test(tc, test_ksm_set);
	tcase_add_test(tc, test_ksm_sysfs);
	suite_add_tcase(s, tc);
	tc = tcase_create("ioctls");
	tcase_add_test(tc, test_ioctl_not_hvkmem);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mem_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
