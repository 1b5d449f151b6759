/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HVK_SWITCH_NETLINK_H
#define _HVK_SWITCH_NETLINK_H

int hvk_switch_genl_init(void);
void hvk_switch_genl_uninit(void);

#endif /* _HVK_SWITCH_NETLINK_H */
