// SPDX-License-Identifier: GPL-2.0
/*
 * nltest: send hand-made generic netlink requests to the hvkit families and
 * print what came back, one line, for the shell selftests to match:
 *   ok VERSION FEATURES            (info)
 *   error ERRNO MESSAGE [attr N]   (any rejection)
 *
 *   nltest info FAMILY             INFO_GET
 *   nltest attr FAMILY TYPE [CMD]  INFO_GET (or CMD) carrying attribute TYPE (u64 0)
 *   nltest cmd FAMILY CMD          an arbitrary command number
 *   nltest reserved FAMILY         INFO_GET with the genl reserved field set
 *   nltest subscribe FAMILY GROUP  join a multicast group
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "nl.h"

#define INFO_GET 1	/* HVK_SWITCH_CMD_INFO_GET == HVK_MEM_CMD_INFO_GET */

static int info_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	return hvk_info_parse(nlh, data, err);
}

static int result(int ret, const struct hvk_module_info *info,
		  const struct hvk_error *err)
{
	if (ret) {
		printf("error %d %s", -ret, err->msg);
		if (err->bad_attr_offset)
			printf(" [attr %u]", err->bad_attr_type);
		putchar('\n');
		return 0;
	}
	if (info)
		printf("ok %s %" PRIu64 "\n", info->version, info->features);
	else
		puts("ok");
	return 0;
}

int main(int argc, char **argv)
{
	char buf[HVK_NL_REQ_SIZE];
	struct hvk_module_info info;
	struct hvk_error err;
	struct nlmsghdr *nlh;
	struct hvk_nl *nl;
	const char *op;
	int ret;

	if (argc < 3) {
		fprintf(stderr, "usage: nltest info|attr|cmd|reserved|subscribe FAMILY [ARG]\n");
		return 2;
	}
	op = argv[1];
	ret = hvk_nl_open(&nl, argv[2], &err);
	if (ret)
		return result(ret, NULL, &err);

	if (!strcmp(op, "subscribe") && argc == 4) {
		ret = hvk_nl_subscribe(nl, argv[3], &err);
		result(ret, NULL, &err);
		goto out;
	}

	nlh = hvk_nl_req_start(nl, buf, INFO_GET, 0);
	if (!strcmp(op, "attr") && (argc == 4 || argc == 5)) {
		if (argc == 5)
			((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = atoi(argv[4]);
		mnl_attr_put_u64(nlh, atoi(argv[3]), 0);
	} else if (!strcmp(op, "cmd") && argc == 4) {
		((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = atoi(argv[3]);
	} else if (!strcmp(op, "reserved")) {
		((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->reserved = 1;
	} else if (strcmp(op, "info")) {
		fprintf(stderr, "nltest: bad arguments\n");
		hvk_nl_close(nl);
		return 2;
	}
	ret = hvk_nl_request(nl, nlh, info_cb, NULL, &info, &err);
	result(ret, &info, &err);
out:
	hvk_nl_close(nl);
	return 0;
}
