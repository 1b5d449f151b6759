/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvk_mem's view of the kernel APIs that changed between the kernels it
 * supports (Debian 12's 6.1 and 6.12): every difference is here, none in
 * the code that uses them.
 */
#ifndef _HVK_MEM_COMPAT_H
#define _HVK_MEM_COMPAT_H

#include <linux/fs.h>
#include <linux/version.h>

/* Permission checks on a region's inode as the host sees it (no idmap). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static inline int hvk_inode_permission(struct inode *inode, int mask)
{
	return inode_permission(&nop_mnt_idmap, inode, mask);
}

static inline bool hvk_inode_owner_or_capable(const struct inode *inode)
{
	return inode_owner_or_capable(&nop_mnt_idmap, inode);
}
#else
static inline int hvk_inode_permission(struct inode *inode, int mask)
{
	return inode_permission(&init_user_ns, inode, mask);
}

static inline bool hvk_inode_owner_or_capable(const struct inode *inode)
{
	return inode_owner_or_capable(&init_user_ns, inode);
}
#endif

#endif /* _HVK_MEM_COMPAT_H */
