// SPDX-License-Identifier: GPL-2.0
/*
 * hvk_switch: the hvkit virtual switch datapath.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <linux/hvk_switch.h>

#include "netlink.h"
#include "port.h"
#include "switch.h"

static int __init hvk_switch_mod_init(void)
{
	int ret;

	ret = hvk_port_init();
	if (ret)
		goto err_port;
	ret = hvk_switch_init();
	if (ret)
		goto err_switch;
	ret = hvk_switch_genl_init();
	if (ret)
		goto err_genl;

	pr_info("hvkit switch %s loaded\n", HVK_VERSION);
	return 0;

err_genl:
	hvk_switch_uninit();
err_switch:
	hvk_port_uninit();
err_port:
	return ret;
}

static void __exit hvk_switch_mod_exit(void)
{
	/*
	 * Deletes every switch in every namespace, releasing their ports, and
	 * refuses new ones; the family goes last so that listeners hear of it.
	 */
	hvk_switch_uninit();
	hvk_port_uninit();
	hvk_switch_genl_uninit();
	/* The ports' RCU callbacks run our code: wait for them. */
	rcu_barrier();
}

module_init(hvk_switch_mod_init);
module_exit(hvk_switch_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvkit virtual switch datapath");
MODULE_AUTHOR("The hvkit authors");
MODULE_VERSION(HVK_VERSION);
MODULE_ALIAS_GENL_FAMILY(HVK_SWITCH_GENL_NAME);
MODULE_ALIAS_RTNL_LINK("hvk_switch");
