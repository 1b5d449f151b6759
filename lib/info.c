// SPDX-License-Identifier: LGPL-2.1-or-later
/* libhvk: module version and features of both families. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/hvk_mem.h>
#include <linux/hvk_switch.h>

#include "nl.h"

/* One parser serves both families: their info sets are laid out alike. */
_Static_assert((int)HVK_SWITCH_INFO_A_VERSION == (int)HVK_MEM_INFO_A_VERSION &&
	       (int)HVK_SWITCH_INFO_A_FEATURES == (int)HVK_MEM_INFO_A_FEATURES,
	       "info attribute sets differ");

const char *hvk_lib_version(void)
{
	return HVK_VERSION;
}

int hvk_info_parse(const struct nlmsghdr *nlh, struct hvk_module_info *info,
		   struct hvk_error *err)
{
	const struct nlattr *attr;
	bool have_version = false;

	memset(info, 0, sizeof(*info));
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case HVK_SWITCH_INFO_A_VERSION:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				return hvkp_error_set(err, -EBADMSG, "malformed version attribute");
			snprintf(info->version, sizeof(info->version), "%s",
				 mnl_attr_get_str(attr));
			have_version = true;
			break;
		case HVK_SWITCH_INFO_A_FEATURES:
			if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
				return hvkp_error_set(err, -EBADMSG, "malformed features attribute");
			info->features = mnl_attr_get_u64(attr);
			break;
		}
	}
	if (!have_version)
		return hvkp_error_set(err, -EBADMSG, "info reply without a version");
	return 0;
}

static int info_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	return hvk_info_parse(nlh, data, err);
}

static int info_get(const char *family, uint8_t cmd,
		    struct hvk_module_info *info, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct hvk_nl *nl;
	int ret;

	ret = hvk_nl_open(&nl, family, err);
	if (ret)
		return ret;
	memset(info, 0, sizeof(*info));
	ret = hvk_nl_request(nl, hvk_nl_req_start(nl, buf, cmd, 0), info_cb,
			     NULL, info, err);
	hvk_nl_close(nl);
	return ret;
}

int hvk_switch_info_get(struct hvk_module_info *info, struct hvk_error *err)
{
	return info_get(HVK_SWITCH_GENL_NAME, HVK_SWITCH_CMD_INFO_GET, info, err);
}

int hvk_mem_info_get(struct hvk_module_info *info, struct hvk_error *err)
{
	return info_get(HVK_MEM_GENL_NAME, HVK_MEM_CMD_INFO_GET, info, err);
}
