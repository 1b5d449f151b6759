// SPDX-License-Identifier: GPL-2.0
/*
 * hvk_switch: the hvkit virtual switch datapath.
 */
#include <linux/module.h>
#include <linux/genetlink.h>
#include <linux/hvk_switch.h>

#include "netlink.h"

static int __init hvk_switch_init(void)
{
	int ret;

	ret = hvk_switch_genl_init();
	if (ret)
		goto err_genl;

	pr_info("hvkit switch %s loaded\n", HVK_VERSION);
	return 0;

err_genl:
	return ret;
}

static void __exit hvk_switch_exit(void)
{
	hvk_switch_genl_uninit();
}

module_init(hvk_switch_init);
module_exit(hvk_switch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvkit virtual switch datapath");
MODULE_AUTHOR("The hvkit authors");
MODULE_VERSION(HVK_VERSION);
MODULE_ALIAS_GENL_FAMILY(HVK_SWITCH_GENL_NAME);
