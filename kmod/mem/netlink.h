/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HVK_MEM_NETLINK_H
#define _HVK_MEM_NETLINK_H

int hvk_mem_genl_init(void);
void hvk_mem_genl_uninit(void);

#endif /* _HVK_MEM_NETLINK_H */
