// SPDX-License-Identifier: GPL-2.0
/*
 * hvkmem regions: the pages of a regular hvkmem file and every way to reach
 * them (mmap faults, read/write, fallocate, truncate).
 *
 * Pages are allocated by the module, charged to the faulting task's memory
 * cgroup (__GFP_ACCOUNT), kept in the region's own xarray and never enter the
 * page cache, the LRU or swap.  page->mapping and page->index are set while a
 * page belongs to a region so that rmap (folio_mkclean) can find its mappings;
 * they are cleared, under the page lock, when it leaves.
 *
 * Every write reaches hvk_mark_dirty() with the page locked: shared mappings
 * get read-only PTEs until ->page_mkwrite, and write() copies under the lock.
 */
#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/hvk_mem.h>

#include "compat.h"
#include "mem.h"

/*
 * The registry: every region of every mount, for netlink.  The mutex guards
 * the list and the generation (bumped on each change, for dumps); the
 * spinlock guards each region's mnt_path.
 *
 * Lock order of the module (the one place it is written; merge.c details
 * the merge locks below hvk_merge_lock):
 *   hvk_regions_lock -> hvk_merge_lock	(a region's statistics in a dump)
 *   log_lock -> hvk_merge_lock		(a log-start/stop event's statistics)
 *   log_lock -> vma_lock -> mmap lock (trylock only)
 *   hvk_merge_lock -> invalidate lock -> page lock -> domain lock
 *   hvk_path_lock: innermost, nothing taken under it.
 * hvk_regions_lock and a log_lock are never held together: messages read a
 * region's log through RCU, so a long clearing get never stalls a dump.
 */
static DEFINE_MUTEX(hvk_regions_lock);
static LIST_HEAD(hvk_regions);
static unsigned int hvk_regions_gen;
static DEFINE_SPINLOCK(hvk_path_lock);
static atomic64_t hvk_region_ids;

int hvk_regions_walk(int (*fn)(struct hvk_region *r, void *arg), void *arg,
		     unsigned int *gen)
{
	struct hvk_region *r;
	int ret = 0;

	mutex_lock(&hvk_regions_lock);
	if (gen)
		*gen = hvk_regions_gen;
	list_for_each_entry(r, &hvk_regions, node) {
		ret = fn(r, arg);
		if (ret)
			break;
	}
	mutex_unlock(&hvk_regions_lock);
	return ret;
}

/* Record where a region is mounted (its last open); takes @path. */
static void region_set_mnt(struct hvk_region *r, char *path)
{
	spin_lock(&hvk_path_lock);
	swap(r->mnt_path, path);
	spin_unlock(&hvk_path_lock);
	kfree(path);
}

size_t hvk_region_mnt(struct hvk_region *r, char *buf, size_t len)
{
	ssize_t n;

	spin_lock(&hvk_path_lock);
	n = strscpy(buf, r->mnt_path ?: "", len);
	spin_unlock(&hvk_path_lock);
	return n < 0 ? len - 1 : n;
}

void hvk_region_init(struct hvk_region *r)
{
	/* Everything after the inode, which the VFS has set up. */
	BUILD_BUG_ON(offsetof(struct hvk_region, vfs_inode) != 0);
	memset((char *)r + sizeof(r->vfs_inode), 0,
	       sizeof(*r) - sizeof(r->vfs_inode));
	xa_init(&r->pages);
	mutex_init(&r->log_lock);
	mutex_init(&r->vma_lock);
	INIT_LIST_HEAD(&r->vmas);
	INIT_DELAYED_WORK(&r->sample.work, hvk_sample_done);
	r->id = atomic64_inc_return(&hvk_region_ids);
	mutex_lock(&hvk_regions_lock);
	list_add_tail(&r->node, &hvk_regions);
	hvk_regions_gen++;
	mutex_unlock(&hvk_regions_lock);
	hvk_merge_region_new(r);
}

static struct hvk_sb *region_sb(struct hvk_region *r)
{
	return r->vfs_inode.i_sb->s_fs_info;
}

/*
 * Metadata sized by a region's length (dirty bitmaps, merge slots) is only
 * made for regions no longer than their mount's size= limit: a sparse 1 TiB
 * file on a small mount would otherwise ask for gigabytes of it, and past
 * INT_MAX bytes kvmalloc() warns (a panic with panic_on_warn).
 */
int hvk_region_meta_ok(struct hvk_region *r, unsigned long pages)
{
	return pages > READ_ONCE(region_sb(r)->max_pages) ? -EFBIG : 0;
}

/*
 * Remove the pages in [start, end) with the invalidate lock held for write,
 * so no fault or write() can find them again.  Detaching takes the page
 * lock, which waits for a fault that is installing a PTE; the PTEs go
 * after that, and each page is freed when its last user lets go (mapping
 * already NULL, as the page allocator wants).  A shared page leaves this
 * region's page tables before its sharer count drops: its last sharer may
 * take it back for writing.  @dirty marks the pages in the trackers: their
 * content becomes zeroes; else only the merge scanner is told (their slots
 * leave its chains).
 */
static void region_remove(struct hvk_region *r, pgoff_t start, pgoff_t end,
			  bool dirty)
{
	struct address_space *mapping = r->vfs_inode.i_mapping;
	struct page *page;
	unsigned long idx;
	long n = 0;

	if (end <= start)
		return;
	xa_for_each_range(&r->pages, idx, page, start, end - 1) {
		xa_erase(&r->pages, idx);
		lock_page(page);
		if (dirty)
			hvk_mark_dirty(r, idx);
		else
			hvk_mark_rescan(r, idx);	/* its merge slot settles */
		if (hvk_page_shared(page)) {
			unmap_mapping_pages(mapping, idx, 1, false);
			unlock_page(page);
			hvk_merge_put(r, page);
		} else {
			page->mapping = NULL;
			unlock_page(page);
			put_page(page);
		}
		n++;
		cond_resched();
	}
	if (n)
		unmap_mapping_pages(mapping, start, end - start, false);
	atomic_long_sub(n, &r->nr_pages);
	atomic_long_sub(n, &region_sb(r)->used_pages);
}

void hvk_region_evict(struct hvk_region *r)
{
	hvk_track_teardown(r);
	mutex_lock(&hvk_regions_lock);
	list_del(&r->node);
	hvk_regions_gen++;
	mutex_unlock(&hvk_regions_lock);
	hvk_mem_nl_region_notify(r, HVK_MEM_EV_REGION_DEL);
	hvk_merge_region_evict(r);
	region_remove(r, 0, ULONG_MAX, false);
	hvk_merge_region_release(r);
	xa_destroy(&r->pages);
	kfree(r->mnt_path);
}

/*
 * The page at @idx with a reference, allocated (zeroed) if @alloc and
 * missing.  NULL with *err = 0 for a hole when !alloc.
 */
struct page *hvk_region_page(struct hvk_region *r, pgoff_t idx, bool alloc,
			     int *err)
{
	struct hvk_sb *sbi = region_sb(r);
	struct page *page, *old;

	*err = 0;
again:
	rcu_read_lock();
	page = xa_load(&r->pages, idx);
	if (page && !get_page_unless_zero(page))
		page = NULL;
	rcu_read_unlock();
	if (page) {
		if (likely(xa_load(&r->pages, idx) == page))
			return page;
		put_page(page);
		goto again;
	}
	if (!alloc)
		return NULL;

	if (atomic_long_inc_return(&sbi->used_pages) > sbi->max_pages) {
		atomic_long_dec(&sbi->used_pages);
		*err = -ENOSPC;
		return NULL;
	}
	page = alloc_page(GFP_HIGHUSER | __GFP_ZERO | __GFP_ACCOUNT);
	if (!page) {
		atomic_long_dec(&sbi->used_pages);
		*err = -ENOMEM;
		return NULL;
	}
	page->mapping = r->vfs_inode.i_mapping;
	page->index = idx;
	get_page(page);		/* the caller's; the first is the region's */
	old = xa_cmpxchg(&r->pages, idx, NULL, page, GFP_KERNEL);
	if (old) {
		atomic_long_dec(&sbi->used_pages);
		page->mapping = NULL;
		put_page(page);
		put_page(page);
		if (xa_is_err(old)) {
			*err = xa_err(old);
			return NULL;
		}
		goto again;
	}
	atomic_long_inc(&r->nr_pages);
	hvk_mark_rescan(r, idx);
	return page;
}

/*
 * The page at @idx locked, referenced and the region's own, for writing:
 * a shared page is copied (or taken back) first.  The caller holds the
 * invalidate lock.
 */
struct page *hvk_region_page_write(struct hvk_region *r, pgoff_t idx,
				   bool alloc, int *err)
{
	struct page *page, *n;

again:
	page = hvk_region_page(r, idx, alloc, err);
	if (!page)
		return NULL;
	lock_page(page);
	if (!hvk_page_in_region(r, idx, page)) {
		unlock_page(page);
		put_page(page);
		goto again;
	}
	if (!hvk_page_shared(page))
		return page;
	n = hvk_merge_break(r, idx, page, 1, err);
	if (!n) {
		unlock_page(page);
		put_page(page);
	}
	return n;
}

/* ---- mmap ---- */

static vm_fault_t hvk_fault(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct hvk_region *r = HVK_REGION(inode);
	vm_fault_t ret = VM_FAULT_LOCKED;
	struct page *page;
	int err;

	filemap_invalidate_lock_shared(inode->i_mapping);
	if (vmf->pgoff >= hvk_region_pages(inode)) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
again:
	page = hvk_region_page(r, vmf->pgoff, true, &err);
	if (!page) {
		ret = err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
		goto out;
	}
	lock_page(page);
	if (!hvk_page_in_region(r, vmf->pgoff, page)) {	/* merged, broken */
		unlock_page(page);
		put_page(page);
		goto again;
	}
	vmf->page = page;	/* a shared page is mapped read-only */
out:
	filemap_invalidate_unlock_shared(inode->i_mapping);
	return ret;
}

/* ->page_mkwrite of a merged page: copy-on-write. */
static vm_fault_t mkwrite_shared(struct vm_fault *vmf)
{
	struct address_space *mapping = vmf->vma->vm_file->f_mapping;
	struct hvk_region *r = HVK_REGION(mapping->host);
	struct page *page = vmf->page, *n;
	vm_fault_t ret = VM_FAULT_NOPAGE;
	int err;

	filemap_invalidate_lock_shared(mapping);
	get_page(page);
	lock_page(page);
	if (!hvk_page_in_region(r, vmf->pgoff, page)) {
		unlock_page(page);
		put_page(page);
		goto out;
	}
	/* ours and the fault's (wp_page_shared, __do_fault) */
	n = hvk_page_shared(page) ? hvk_merge_break(r, vmf->pgoff, page, 2, &err) :
				    page;
	if (!n) {
		unlock_page(page);
		put_page(page);
		if (err == -ENOMEM)
			ret = VM_FAULT_OOM;
	} else if (n == page) {	/* ours now: the write goes here */
		put_page(page);
		hvk_mark_dirty(r, vmf->pgoff);
		ret = VM_FAULT_LOCKED;
	} else {		/* a copy: fault again to map it */
		unlock_page(n);
		put_page(n);
	}
out:
	filemap_invalidate_unlock_shared(mapping);
	return ret;
}

/*
 * A write through a shared mapping: note it in the trackers before the PTE
 * becomes writable.  The page stays locked until the PTE is set, which is
 * what lets a clearing get wait for us (dirty.c).  A merged page is first
 * replaced by the writer's own copy (merge.c).
 */
static vm_fault_t hvk_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	struct page *page = vmf->page;

	if (hvk_page_shared(page))
		return mkwrite_shared(vmf);
	lock_page(page);
	if (page->mapping != inode->i_mapping) {
		unlock_page(page);
		return VM_FAULT_NOPAGE;	/* truncated or punched: fault again */
	}
	hvk_mark_dirty(HVK_REGION(inode), page->index);
	return VM_FAULT_LOCKED;
}

/*
 * Every VMA of the file is on the region's list, so a clearing get can
 * write-protect PTEs in batches (dirty.c).  ->open runs for mmap, fork,
 * split and mremap copies; ->close runs before the VMA is freed.  A VMA
 * with ->close is never merged away, but on 6.12 (not 6.1) it may grow
 * over an adjacent new range of the file (mmap, mremap), which then gets
 * neither a VMA nor an ->open of its own: the list still has every VMA,
 * and a get walks each with its bounds of the moment.  Nothing here needs
 * the mmap lock: on 6.12 faults run under the per-VMA lock (hvk_map_pages()).
 */
static void hvk_vm_open(struct vm_area_struct *vma)
{
	struct hvk_region *r = HVK_REGION(file_inode(vma->vm_file));
	struct hvk_vma *v = kmalloc(sizeof(*v), GFP_KERNEL | __GFP_NOFAIL);

	v->vma = vma;
	vma->vm_private_data = v;
	mutex_lock(&r->vma_lock);
	list_add_tail(&v->node, &r->vmas);
	mutex_unlock(&r->vma_lock);
	atomic_inc(&r->mappings);
}

static void hvk_vm_close(struct vm_area_struct *vma)
{
	struct hvk_region *r = HVK_REGION(file_inode(vma->vm_file));
	struct hvk_vma *v = vma->vm_private_data;

	mutex_lock(&r->vma_lock);
	list_del(&v->node);
	mutex_unlock(&r->vma_lock);
	kfree(v);
	atomic_dec(&r->mappings);
}

/*
 * Fault-around: none.  A page gets its PTE from its own fault, where it is
 * allocated or found merged, and fault-around would need the kernel's
 * set_pte_range(), which modules do not have.  Having ->map_pages at all
 * is what tells 6.12 (vmf_can_call_fault()) that ->fault and
 * ->page_mkwrite do not need the mmap lock: without it, every write fault
 * taken under the per-VMA lock was aborted and retried under mmap_lock.
 */
static vm_fault_t hvk_map_pages(struct vm_fault *vmf, pgoff_t start, pgoff_t end)
{
	return 0;
}

static const struct vm_operations_struct hvk_vm_ops = {
	.open		= hvk_vm_open,
	.close		= hvk_vm_close,
	.fault		= hvk_fault,
	.map_pages	= hvk_map_pages,
	.page_mkwrite	= hvk_page_mkwrite,
};

static int hvk_mmap(struct file *file, struct vm_area_struct *vma)
{
	file_accessed(file);
	vma->vm_ops = &hvk_vm_ops;
	hvk_vm_open(vma);
	return 0;
}

/* ---- read, write ---- */

/*
 * Reads copy, whatever the iterator: copy_page_to_iter() would link the
 * page itself into a pipe on 6.1 (splice), where it is taken for a page
 * cache page (never uptodate: the read fails) and outlives its place here.
 */
static size_t copy_from_region_page(struct page *page, size_t off, size_t n,
				    struct iov_iter *to)
{
	void *p = kmap_local_page(page);
	size_t copied = copy_to_iter(p + off, n, to);

	kunmap_local(p);
	return copied;
}

static ssize_t hvk_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct hvk_region *r = HVK_REGION(inode);
	ssize_t done = 0;
	int err;

	while (iov_iter_count(to)) {
		loff_t size = i_size_read(inode), pos = iocb->ki_pos;
		size_t off = offset_in_page(pos), n, copied;
		struct page *page;

		if (pos >= size)
			break;
		n = min_t(u64, min_t(size_t, PAGE_SIZE - off, iov_iter_count(to)),
			  size - pos);
		page = hvk_region_page(r, pos >> PAGE_SHIFT, false, &err);
		if (page) {
			copied = copy_from_region_page(page, off, n, to);
			put_page(page);
		} else {
			copied = iov_iter_zero(n, to);
		}
		done += copied;
		iocb->ki_pos += copied;
		if (copied < n) {
			if (!done)
				done = -EFAULT;
			break;
		}
		cond_resched();
	}
	file_accessed(iocb->ki_filp);
	return done;
}

/* Copy one page's worth; the source may be a mapping of this very file. */
static ssize_t write_page(struct hvk_region *r, loff_t pos, size_t n,
			  struct iov_iter *from)
{
	struct address_space *mapping = r->vfs_inode.i_mapping;
	struct page *page;
	size_t copied;
	int err;

	if (fault_in_iov_iter_readable(from, n) == n)
		return -EFAULT;
	filemap_invalidate_lock_shared(mapping);
	page = hvk_region_page_write(r, pos >> PAGE_SHIFT, true, &err);
	if (!page) {
		filemap_invalidate_unlock_shared(mapping);
		return err;
	}
	pagefault_disable();
	copied = copy_page_from_iter_atomic(page, offset_in_page(pos), n, from);
	pagefault_enable();
	if (copied)	/* the copy advanced @from */
		hvk_mark_dirty(r, page->index);
	unlock_page(page);
	put_page(page);
	filemap_invalidate_unlock_shared(mapping);
	return copied;
}

static ssize_t hvk_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct hvk_region *r = HVK_REGION(inode);
	ssize_t ret, done = 0;
	bool grows;

	inode_lock(inode);
	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		goto out;
	/* Trackers size their bitmaps at start: no growing while they run. */
	grows = iocb->ki_pos + iov_iter_count(from) > inode->i_size;
	if (grows) {
		mutex_lock(&r->log_lock);
		if (hvk_tracking(r)) {
			ret = -EBUSY;
			goto out_log;
		}
	}
	ret = file_remove_privs(iocb->ki_filp);
	if (ret)
		goto out_log;
	file_update_time(iocb->ki_filp);
	while (iov_iter_count(from)) {
		loff_t pos = iocb->ki_pos;
		size_t n = min_t(size_t, PAGE_SIZE - offset_in_page(pos),
				 iov_iter_count(from));

		ret = write_page(r, pos, n, from);
		if (ret < 0)
			break;
		/* 0: the source page went away between fault-in and copy */
		done += ret;
		iocb->ki_pos += ret;
		if (iocb->ki_pos > inode->i_size)
			i_size_write(inode, iocb->ki_pos);
		cond_resched();
	}
	if (done)
		ret = done;
out_log:
	if (grows)
		mutex_unlock(&r->log_lock);
out:
	inode_unlock(inode);
	return ret;
}

/* ---- size, holes ---- */

/* Zero the bytes of the page at @pos from its offset on (a partial page). */
static void zero_tail(struct hvk_region *r, loff_t pos, loff_t end, bool dirty)
{
	struct page *page;
	int err;

	page = hvk_region_page_write(r, pos >> PAGE_SHIFT, false, &err);
	if (!page)
		return;	/* a hole; or no memory to copy a merged page (kept) */
	zero_user_segment(page, offset_in_page(pos),
			  end - (pos & PAGE_MASK));
	if (dirty)
		hvk_mark_dirty(r, page->index);
	else
		hvk_mark_rescan(r, page->index);
	unlock_page(page);
	put_page(page);
}

int hvk_region_resize(struct hvk_region *r, loff_t size)
{
	struct inode *inode = &r->vfs_inode;
	loff_t old = inode->i_size;
	int ret = 0;

	mutex_lock(&r->log_lock);
	if (hvk_tracking(r)) {
		ret = -EBUSY;
		goto out;
	}
	filemap_invalidate_lock(inode->i_mapping);
	i_size_write(inode, size);
	if (size < old) {
		if (offset_in_page(size))
			zero_tail(r, size, round_up(size, PAGE_SIZE), false);
		region_remove(r, DIV_ROUND_UP(size, PAGE_SIZE), ULONG_MAX,
			      false);
	}
	filemap_invalidate_unlock(inode->i_mapping);
out:
	mutex_unlock(&r->log_lock);
	return ret;
}

static int punch_hole(struct hvk_region *r, loff_t off, loff_t len)
{
	struct inode *inode = &r->vfs_inode;
	loff_t end = min_t(loff_t, off + len, inode->i_size);
	pgoff_t first = DIV_ROUND_UP(off, PAGE_SIZE);
	pgoff_t last = end >> PAGE_SHIFT;	/* exclusive */

	if (off >= end)
		return 0;
	filemap_invalidate_lock(inode->i_mapping);
	if (first > last) {	/* inside one page */
		zero_tail(r, off, end, true);
	} else {
		if (offset_in_page(off))
			zero_tail(r, off, round_up(off, PAGE_SIZE), true);
		if (offset_in_page(end))
			zero_tail(r, end & PAGE_MASK, end, true);
		region_remove(r, first, last, true);
	}
	filemap_invalidate_unlock(inode->i_mapping);
	return 0;
}

static long hvk_fallocate(struct file *file, int mode, loff_t off, loff_t len)
{
	struct inode *inode = file_inode(file);
	struct hvk_region *r = HVK_REGION(inode);
	pgoff_t idx, last;
	long ret = 0;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;
	inode_lock(inode);
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		ret = punch_hole(r, off, len);
		goto out;
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && off + len > inode->i_size) {
		ret = inode_newsize_ok(inode, off + len);
		if (!ret)
			ret = hvk_region_resize(r, off + len);
		if (ret)
			goto out;
	}
	/* Allocate zeroed pages; contents do not change, nothing is dirty. */
	last = min_t(loff_t, off + len, inode->i_size) >> PAGE_SHIFT;
	if (offset_in_page(min_t(loff_t, off + len, inode->i_size)))
		last++;
	for (idx = off >> PAGE_SHIFT; idx < last; idx++) {
		struct page *page;
		int err;

		filemap_invalidate_lock_shared(inode->i_mapping);
		page = hvk_region_page(r, idx, true, &err);
		filemap_invalidate_unlock_shared(inode->i_mapping);
		if (!page) {
			ret = err;
			break;
		}
		put_page(page);
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
out:
	if (!ret)
		hvk_inode_touch(inode);
	inode_unlock(inode);
	return ret;
}

/* SEEK_DATA / SEEK_HOLE over the region's pages (a migration skips holes). */
static loff_t hvk_llseek(struct file *file, loff_t offset, int whence)
{
	struct inode *inode = file_inode(file);
	struct hvk_region *r = HVK_REGION(inode);
	unsigned long idx, end;
	loff_t size;

	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return generic_file_llseek(file, offset, whence);
	inode_lock_shared(inode);
	size = inode->i_size;
	if (offset < 0 || offset >= size) {
		inode_unlock_shared(inode);
		return -ENXIO;
	}
	idx = offset >> PAGE_SHIFT;
	end = hvk_region_pages(inode);
	if (whence == SEEK_DATA) {
		if (!xa_find(&r->pages, &idx, end - 1, XA_PRESENT))
			offset = -ENXIO;
		else
			offset = max_t(loff_t, offset, (loff_t)idx << PAGE_SHIFT);
	} else {
		while (idx < end && xa_load(&r->pages, idx)) {
			if (!(++idx & 1023))
				cond_resched();	/* a dense region of GiBs */
		}
		offset = min_t(loff_t, size,
			       max_t(loff_t, offset, (loff_t)idx << PAGE_SHIFT));
	}
	inode_unlock_shared(inode);
	if (offset >= 0)
		offset = vfs_setpos(file, offset, inode->i_sb->s_maxbytes);
	return offset;
}

/* ---- open, path ---- */

static int hvk_open(struct inode *inode, struct file *file)
{
	struct path root = {
		.mnt = file->f_path.mnt,
		.dentry = file->f_path.mnt->mnt_root,
	};
	char *buf, *p;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	p = d_path(&root, buf, PATH_MAX);
	if (!IS_ERR(p)) {
		p = kstrdup(strcmp(p, "/") ? p : "", GFP_KERNEL);
		if (p)
			region_set_mnt(HVK_REGION(inode), p);
	}
	kfree(buf);
	return generic_file_open(inode, file);
}

static int hvk_release(struct inode *inode, struct file *file)
{
	hvk_log_release(HVK_REGION(inode), file);
	return 0;
}

const struct file_operations hvk_file_ops = {
	.open		= hvk_open,
	.release	= hvk_release,
	.llseek		= hvk_llseek,
	.read_iter	= hvk_read_iter,
	.write_iter	= hvk_write_iter,
	.mmap		= hvk_mmap,
	.fallocate	= hvk_fallocate,
	.unlocked_ioctl	= hvk_region_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.fsync		= noop_fsync,
	.splice_read	= hvk_splice_read,
	.splice_write	= iter_file_splice_write,
};

const struct address_space_operations hvk_aops = {
	.dirty_folio	= noop_dirty_folio,
};
