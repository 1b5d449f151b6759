// SPDX-License-Identifier: GPL-2.0
/*
 * A module that WARNs on load, so the harness self-test can prove that a
 * kernel warning fails a guest run.  Never loaded outside that test.
 */
#include <linux/module.h>
#include <linux/bug.h>

static int __init hvk_warn_test_init(void)
{
	WARN(1, "hvk_warn_test: deliberate warning for the harness self-test\n");
	return 0;
}

static void __exit hvk_warn_test_exit(void)
{
}

module_init(hvk_warn_test_init);
module_exit(hvk_warn_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hvkit harness self-test: warns on load");
