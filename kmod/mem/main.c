// SPDX-License-Identifier: GPL-2.0
/*
 * hvk_mem: the hvkit guest-memory filesystem, page merging and dirty tracking.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <linux/hvk_mem.h>

#include "mem.h"
#include "netlink.h"

static int __init hvk_mem_init(void)
{
	int ret;

	ret = hvk_merge_init();
	if (ret)
		goto err_merge;
	ret = hvk_mem_genl_init();
	if (ret)
		goto err_genl;
	ret = hvk_fs_init();
	if (ret)
		goto err_fs;

	pr_info("hvkit mem %s loaded\n", HVK_VERSION);
	return 0;

err_fs:
	hvk_mem_genl_uninit();
err_genl:
	hvk_merge_exit();
err_merge:
	return ret;
}

/* Module references held by mounts keep us loaded while any is mounted. */
static void __exit hvk_mem_exit(void)
{
	hvk_fs_exit();
	hvk_mem_genl_uninit();
	hvk_merge_exit();
}

module_init(hvk_mem_init);
module_exit(hvk_mem_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvkit guest-memory filesystem, page merging and dirty tracking");
MODULE_AUTHOR("The hvkit authors");
MODULE_VERSION(HVK_VERSION);
MODULE_ALIAS_GENL_FAMILY(HVK_MEM_GENL_NAME);
