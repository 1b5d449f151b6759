/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvk_mem builds against Debian 12's 6.1 kernel and the 6.12 LTS one.  The
 * kernel interfaces that changed in between are bridged here and only here;
 * each check names the release that made the change.
 */
#ifndef _HVK_MEM_COMPAT_H
#define _HVK_MEM_COMPAT_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/version.h>

/*
 * 6.3: inode operations are given the mount's idmap where they were given
 * its user namespace.  hvkmem does not allow idmapped mounts (no
 * FS_ALLOW_IDMAP), so the one they see is always the identity mapping.
 * "struct hvk_idmap" names whichever type this kernel passes.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define hvk_idmap	mnt_idmap
#define HVK_NOP_IDMAP	(&nop_mnt_idmap)
#else
#define hvk_idmap	user_namespace
#define HVK_NOP_IDMAP	(&init_user_ns)
#endif

/* Permission checks on a region's inode as the host sees it (no idmap). */
static inline int hvk_inode_permission(struct inode *inode, int mask)
{
	return inode_permission(HVK_NOP_IDMAP, inode, mask);
}

static inline bool hvk_inode_owner_or_capable(const struct inode *inode)
{
	return inode_owner_or_capable(HVK_NOP_IDMAP, inode);
}

/*
 * How many PTEs map an order-0 page: page_mapcount() until the mapcount
 * rework made folio_mapcount() inline (6.9) and page_mapcount() went (6.12).
 */
static inline int hvk_page_mapcount(struct page *page)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
	return folio_mapcount(page_folio(page));
#else
	return page_mapcount(page);
#endif
}

/* 6.6: generic_fillattr() takes the statx request mask too. */
static inline void hvk_fillattr(struct hvk_idmap *idmap, u32 request_mask,
				struct inode *inode, struct kstat *stat)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	generic_fillattr(idmap, request_mask, inode, stat);
#else
	generic_fillattr(idmap, inode, stat);
#endif
}

/*
 * Inode timestamps are set through accessors since ctime became private
 * (6.6) and atime and mtime followed (6.7).
 */
static inline struct timespec64 hvk_inode_set_ctime_current(struct inode *inode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return inode_set_ctime_current(inode);
#else
	inode->i_ctime = current_time(inode);
	return inode->i_ctime;
#endif
}

static inline void hvk_inode_set_mtime(struct inode *inode,
				       struct timespec64 ts)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	inode_set_mtime_to_ts(inode, ts);
#else
	inode->i_mtime = ts;
#endif
}

static inline void hvk_inode_set_atime(struct inode *inode,
				       struct timespec64 ts)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	inode_set_atime_to_ts(inode, ts);
#else
	inode->i_atime = ts;
#endif
}

/* A new inode: every timestamp is now. */
static inline void hvk_inode_init_times(struct inode *inode)
{
	struct timespec64 now = hvk_inode_set_ctime_current(inode);

	hvk_inode_set_mtime(inode, now);
	hvk_inode_set_atime(inode, now);
}

/* The contents changed: mtime and ctime are now. */
static inline void hvk_inode_touch(struct inode *inode)
{
	hvk_inode_set_mtime(inode, hvk_inode_set_ctime_current(inode));
}

/*
 * 6.5 removed generic_file_splice_read().  Its successor for files that
 * are not in the page cache, as regions are not, is copy_splice_read():
 * ->read_iter() into pages of its own (filemap_splice_read() would look for
 * the region's pages in the page cache and find none).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define hvk_splice_read	copy_splice_read
#else
#define hvk_splice_read	generic_file_splice_read
#endif

/*
 * 6.3 made vma->vm_flags read-only: writers go through vm_flags_*(), which
 * also (6.4 on) write-lock the VMA so that page faults handled under the
 * per-VMA lock, without the mmap lock, never see the flags change under
 * them.  The caller holds the mmap lock for writing.
 */
static inline void hvk_vma_set_flags(struct vm_area_struct *vma,
				     unsigned long flags)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_mod(vma, flags & ~vma->vm_flags, vma->vm_flags & ~flags);
#else
	vma->vm_flags = flags;
#endif
}

#endif /* _HVK_MEM_COMPAT_H */
