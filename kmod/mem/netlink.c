// SPDX-License-Identifier: GPL-2.0
/*
 * The "hvk_mem" generic netlink family.
 */
#include <net/genetlink.h>
#include <linux/hvk_mem.h>

#include "hvk_genl.h"
#include "netlink.h"

static struct genl_family hvk_mem_genl_family;

/* INFO_GET takes no attributes; name the ones a confused caller might echo. */
static const struct nla_policy hvk_mem_info_policy[HVK_MEM_INFO_A_MAX + 1] = {
	[HVK_MEM_INFO_A_VERSION] = {
		.type = NLA_REJECT,
		.reject_message = "version is read-only",
	},
	[HVK_MEM_INFO_A_FEATURES] = {
		.type = NLA_REJECT,
		.reject_message = "features are read-only",
	},
	[HVK_MEM_INFO_A_PAD] = { .type = NLA_REJECT },
};

static int hvk_mem_nl_info_get(struct sk_buff *skb, struct genl_info *info)
{
	return hvk_genl_reply_info(info, &hvk_mem_genl_family,
				   HVK_MEM_CMD_INFO_GET,
				   HVK_MEM_INFO_A_VERSION,
				   HVK_MEM_INFO_A_FEATURES,
				   HVK_MEM_INFO_A_PAD, 0);
}

static const struct genl_ops hvk_mem_genl_ops[] = {
	{
		.cmd = HVK_MEM_CMD_INFO_GET,
		.doit = hvk_mem_nl_info_get,
		.policy = hvk_mem_info_policy,
		.maxattr = HVK_MEM_INFO_A_MAX,
	},
};

static const struct genl_multicast_group hvk_mem_genl_mcgrps[] = {
	{ .name = HVK_MEM_MCGRP_EVENTS },
};

static struct genl_family hvk_mem_genl_family __ro_after_init = {
	.name = HVK_MEM_GENL_NAME,
	.version = HVK_MEM_GENL_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = hvk_mem_genl_ops,
	.n_ops = ARRAY_SIZE(hvk_mem_genl_ops),
	.mcgrps = hvk_mem_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(hvk_mem_genl_mcgrps),
};

int __init hvk_mem_genl_init(void)
{
	return genl_register_family(&hvk_mem_genl_family);
}

void hvk_mem_genl_uninit(void)
{
	genl_unregister_family(&hvk_mem_genl_family);
}
