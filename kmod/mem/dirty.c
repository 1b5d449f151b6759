// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking of hvkmem regions: the dirty log (ioctls on the region's
 * file, for live migration) and the dirty-rate sampler (netlink).
 *
 * Invariant, per tracker: a page whose bit is clear has had every writable
 * PTE removed since the bit was cleared, so its next write goes through
 * ->page_mkwrite (or write()), which sets the bit again with the page
 * locked.  A clearing get therefore clears bits first and write-protects
 * after, taking each page's lock so that a fault which set the bit earlier
 * has installed its PTE before we remove it.  A write that completes after
 * the get returns always lands in a later bitmap.
 *
 * How the PTEs are write-protected (the wp_mode parameter; Documentation/mem.md
 * has the measurements):
 *   0 batch (default): for each mapping on the region's list, clear the
 *     write and dirty bits of the taken pages' PTEs, then one TLB flush for
 *     the get.
 *     A mapping we cannot walk safely right now (its mm's mmap lock is
 *     taken for writing, it is being unmapped) or whose mm has MMU
 *     notifiers (KVM must hear of it) sends the get to mode 1.
 *   1 mkclean: folio_mkclean() per page (rmap walk, notifiers, TLB flush
 *     per page; the PTE stays, read-only).
 *   2 unmap: unmap_mapping_pages() per run of pages (the next access faults).
 */
#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/hvk_mem.h>
#include <asm/tlbflush.h>

#include "mem.h"

enum { WP_BATCH, WP_MKCLEAN, WP_UNMAP };
static int wp_mode;
module_param(wp_mode, int, 0644);
MODULE_PARM_DESC(wp_mode, "Write-protection: 0 batched (default), 1 folio_mkclean per page, 2 unmap");

static struct hvk_track *track(struct hvk_region *r, int slot)
{
	return rcu_dereference_protected(r->track[slot],
					 lockdep_is_held(&r->log_lock));
}

bool hvk_tracking(struct hvk_region *r)
{
	return rcu_access_pointer(r->track[HVK_TRACK_LOG]) ||
	       rcu_access_pointer(r->track[HVK_TRACK_SAMPLE]);
}

/*
 * A write notification: ->page_mkwrite (page locked, before the PTE becomes
 * writable), write() after its copy, punch-hole after the removal.
 */
void hvk_mark_dirty(struct hvk_region *r, pgoff_t idx)
{
	struct hvk_track *t;
	int i;

	rcu_read_lock();
	for (i = 0; i < HVK_TRACK_MAX; i++) {
		t = rcu_dereference(r->track[i]);
		if (!t || idx >= t->nbits)
			continue;
		this_cpu_inc(t->stats->notes);
		if (!test_bit(idx, t->bits) && !test_and_set_bit(idx, t->bits))
			this_cpu_inc(t->stats->dirtied);
	}
	rcu_read_unlock();
}

/*
 * @pages written over @ns as bytes/s, saturated; products of pages, page
 * size and NSEC_PER_SEC overflow u64 past 4.5 million pages (17 GiB).
 */
static u64 rate_bps(u64 pages, u64 ns)
{
	u64 bytes = pages << PAGE_SHIFT;

	if (!ns)
		return 0;
	if (div64_u64(bytes, ns) >= div64_u64(U64_MAX, NSEC_PER_SEC))
		return U64_MAX;
	return mul_u64_u64_div_u64(bytes, NSEC_PER_SEC, ns);
}

void hvk_track_sum(const struct hvk_track *t, struct hvk_track_stats *sum)
{
	int cpu;

	sum->dirtied = 0;
	sum->notes = 0;
	for_each_possible_cpu(cpu) {
		const struct hvk_track_stats *s = per_cpu_ptr(t->stats, cpu);

		sum->dirtied += READ_ONCE(s->dirtied);
		sum->notes += READ_ONCE(s->notes);
	}
}

/* Write-protect the pages of one 64-page chunk. */
static void protect_chunk(struct hvk_region *r, pgoff_t base, u64 bits,
			  bool unmap)
{
	struct address_space *mapping = r->vfs_inode.i_mapping;
	unsigned long b, e, word = bits;
	struct page *page;
	int err;

	/* The page lock waits for a ->page_mkwrite that is setting a PTE. */
	for_each_set_bit(b, &word, 64) {
		page = hvk_region_page(r, base + b, false, &err);
		if (!page)
			continue;	/* a hole: its next write notifies */
		lock_page(page);
		if (!unmap && page->mapping == mapping)
			folio_mkclean(page_folio(page));
		unlock_page(page);
		put_page(page);
	}
	if (!unmap)
		return;
	for (b = find_first_bit(&word, 64); b < 64; b = find_next_bit(&word, 64, e)) {
		e = find_next_zero_bit(&word, 64, b);
		unmap_mapping_pages(mapping, base + b, e - b, false);
	}
}

#ifdef CONFIG_X86
struct wp_walk {
	struct vm_area_struct *vma;
	unsigned long changed;
};

/*
 * Read-only and clean, as folio_mkclean() leaves it: a read-only but dirty
 * PTE of a shared mapping is made writable again without ->page_mkwrite by
 * mprotect() (6.1 and 6.12) and by a NUMA hinting fault (6.12), both
 * through can_change_pte_writable(), and the writes after that would
 * escape the log.  The PTE is cleared while it changes, as mprotect() does
 * it, so that no CPU sets its dirty bit in between.  The page table lock
 * is held (apply_to_pte_range()).
 */
static int wp_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct wp_walk *w = data;
	pte_t old = ptep_get(pte);

	if (!pte_present(old) || (!pte_write(old) && !pte_dirty(old)))
		return 0;
	old = ptep_modify_prot_start(w->vma, addr, pte);
	ptep_modify_prot_commit(w->vma, addr, pte, old,
				pte_mkclean(pte_wrprotect(old)));
	w->changed++;
	return 0;
}

static void flush_local(void *unused)
{
	__flush_tlb_all();
}

/*
 * Write-protect the taken pages' PTEs in one VMA, adding the PTEs changed to
 * *@changed.  False if a page table could not be walked (6.12's
 * pte_offset_map_lock() gives up on a PMD that changed under it; none of
 * ours should): the get then takes the mkclean path.
 */
static bool protect_vma(struct vm_area_struct *vma, pgoff_t first,
			const u64 *buf, u64 words, unsigned long *changed)
{
	struct wp_walk w = { .vma = vma };
	pgoff_t end = first + words * 64, lo, hi;
	const unsigned long *bits = (const unsigned long *)buf;
	unsigned long b, e, n;
	bool ok = true;

	lo = max_t(pgoff_t, first, vma->vm_pgoff);
	hi = min_t(pgoff_t, end, vma->vm_pgoff + vma_pages(vma));
	if (lo >= hi)
		return true;
	/*
	 * Runs less than 16 pages apart share one walk.  A writable PTE in a
	 * gap belongs to a page written again since our xchg: protecting it
	 * costs that page one more fault, nothing else.
	 */
	n = hi - first;
	for (b = find_next_bit(bits, n, lo - first); b < n; b = find_next_bit(bits, n, e)) {
		e = find_next_zero_bit(bits, n, b);
		while (e < n && find_next_bit(bits, n, e) < min(e + 16, n))
			e = find_next_zero_bit(bits, n, find_next_bit(bits, n, e));
		if (apply_to_existing_page_range(vma->vm_mm, vma->vm_start +
						 ((first + b - vma->vm_pgoff) << PAGE_SHIFT),
						 (e - b) << PAGE_SHIFT, wp_pte, &w)) {
			ok = false;
			break;
		}
	}
	*changed += w.changed;
	return ok;
}

/*
 * Mode 0: false if some mapping needs folio_mkclean() instead.
 *
 * Safety of the walk: a VMA on our list is not freed before its ->close,
 * which waits for vma_lock, so it and its mm stay valid.  Holding the mm's
 * mmap lock for reading, a VMA still in the mm's tree keeps its bounds and
 * its page tables (munmap detaches VMAs under the write lock before it
 * frees page tables; exit_mmap frees them under the write lock).  6.12's
 * per-VMA locks change none of this: they let page faults run without the
 * mmap lock, and page faults ran beside us under the read lock before; a
 * VMA still changes only under the mmap write lock.  We only trylock:
 * ->close runs under the write lock and takes vma_lock.
 *
 * The TLB flush: modules cannot reach flush_tlb_mm_range(), so we flush
 * every CPU, all address spaces (a CPU that later switches back to the mm
 * finds nothing stale).  One IPI round per get, whatever its size.
 */
static bool protect_batch(struct hvk_region *r, pgoff_t first, const u64 *buf,
			  u64 words)
{
	const unsigned long *bits = (const unsigned long *)buf;
	unsigned long changed = 0, b, n = 0;
	struct hvk_vma *v;
	struct page *page;
	bool all = true;

	/*
	 * A ->page_mkwrite that set a bit we took holds the page lock until
	 * its PTE is set: wait for it.  The caller holds the invalidate lock,
	 * so no page can leave the region meanwhile and needs no reference.
	 */
	for_each_set_bit(b, bits, words * 64) {
		page = xa_load(&r->pages, first + b);
		if (page && PageLocked(page))
			wait_on_page_locked(page);
		if (!(++n & 4095))
			cond_resched();	/* a start of GiBs takes every bit */
	}
	mutex_lock(&r->vma_lock);
	list_for_each_entry(v, &r->vmas, node) {
		struct vm_area_struct *vma = v->vma;
		struct mm_struct *mm = vma->vm_mm;

		if (!mmap_read_trylock(mm)) {
			all = false;
			continue;
		}
		if (find_vma(mm, vma->vm_start) != vma || mm_has_notifiers(mm))
			all = false;
		else if ((vma->vm_flags & VM_SHARED) &&	/* private: read-only PTEs */
			 !protect_vma(vma, first, buf, words, &changed))
			all = false;
		mmap_read_unlock(mm);
	}
	mutex_unlock(&r->vma_lock);
	if (changed)
		on_each_cpu(flush_local, NULL, 1);
	return all;
}
#else
static bool protect_batch(struct hvk_region *r, pgoff_t first, const u64 *buf,
			  u64 words)
{
	return false;
}
#endif

void hvk_protect(struct hvk_region *r, pgoff_t first, const u64 *buf, u64 words)
{
	int mode = READ_ONCE(wp_mode);
	u64 w;

	if (mode == WP_BATCH && protect_batch(r, first, buf, words))
		return;
	for (w = 0; w < words; w++) {
		if (buf[w])
			protect_chunk(r, first + w * 64, buf[w], mode == WP_UNMAP);
		cond_resched();
	}
}

/* Write-protect the pages whose bits a clearing get took. */
static void protect(struct hvk_region *r, pgoff_t first, const u64 *buf, u64 words)
{
	u64 w;

	for (w = 0; w < words; w++)
		r->protected += hweight64(buf[w]);
	filemap_invalidate_lock_shared(r->vfs_inode.i_mapping);
	hvk_protect(r, first, buf, words);
	filemap_invalidate_unlock_shared(r->vfs_inode.i_mapping);
}

/*
 * Write-protect every page of a tracker that starts all clear.  Batched
 * like a get when it can (PTEs stay, reads do not fault); otherwise wait
 * for faults in flight, as protect_batch() does, and zap every PTE of the
 * file at once.
 */
static void protect_all(struct hvk_region *r, unsigned long nbits)
{
	struct address_space *mapping = r->vfs_inode.i_mapping;
	u64 words = DIV_ROUND_UP(nbits, 64);
	struct page *page;
	unsigned long idx;
	bool done = false;
	u64 *all = NULL;

	if (READ_ONCE(wp_mode) == WP_BATCH && words)
		all = kvmalloc_array(words, sizeof(u64), GFP_KERNEL | __GFP_NOWARN);
	filemap_invalidate_lock_shared(mapping);
	if (all) {
		memset(all, 0xff, words * sizeof(u64));
		done = protect_batch(r, 0, all, words);
		kvfree(all);
	}
	if (!done) {
		xa_for_each(&r->pages, idx, page) {
			if (PageLocked(page))
				wait_on_page_locked(page);
			cond_resched();
		}
		unmap_mapping_range(mapping, 0, 0, 0);
	}
	filemap_invalidate_unlock_shared(mapping);
}

static void track_free_now(struct hvk_track *t)
{
	kvfree(t->bits);
	free_percpu(t->stats);
	kfree(t);
}

/* A tracker of @nbits pages, every bit clear (whole words: gets take words). */
static struct hvk_track *track_alloc(unsigned long nbits)
{
	struct hvk_track *t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);

	if (!t)
		return NULL;
	t->nbits = nbits;
	t->bits = kvcalloc(BITS_TO_LONGS(round_up(nbits, 64) ?: 64),
			   sizeof(long), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	t->stats = alloc_percpu_gfp(struct hvk_track_stats, GFP_KERNEL_ACCOUNT);
	if (!t->bits || !t->stats) {
		track_free_now(t);
		return NULL;
	}
	return t;
}

static int track_start(struct hvk_region *r, int slot, bool all_set)
{
	unsigned long nbits = hvk_region_pages(&r->vfs_inode);
	struct hvk_track *t;

	lockdep_assert_held(&r->log_lock);
	if (hvk_region_meta_ok(r, nbits))
		return -EFBIG;
	t = track_alloc(nbits);
	if (!t)
		return -ENOMEM;
	if (all_set)
		bitmap_set(t->bits, 0, nbits);
	rcu_assign_pointer(r->track[slot], t);
	if (!all_set)
		protect_all(r, nbits);
	return 0;
}

static void track_free(struct rcu_head *head)
{
	track_free_now(container_of(head, struct hvk_track, rcu));
}

static void track_stop(struct hvk_region *r, int slot)
{
	struct hvk_track *t = track(r, slot);

	if (!t)
		return;
	RCU_INIT_POINTER(r->track[slot], NULL);
	call_rcu(&t->rcu, track_free);
}

static void log_stop(struct hvk_region *r)
{
	lockdep_assert_held(&r->log_lock);
	track_stop(r, HVK_TRACK_LOG);
	r->log_owner = NULL;
	r->log_pid = 0;
	hvk_mem_nl_region_notify(r, HVK_MEM_EV_LOG_STOP);
}

static long log_start(struct hvk_region *r, struct file *file,
		      void __user *argp)
{
	struct hvk_mem_log_start req;
	long ret;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	if (req.flags & ~HVK_MEM_LOG_INITIALLY_SET)
		return -EOPNOTSUPP;
	mutex_lock(&r->log_lock);
	if (track(r, HVK_TRACK_LOG)) {
		ret = -EBUSY;
		goto out;
	}
	ret = track_start(r, HVK_TRACK_LOG,
			  req.flags & HVK_MEM_LOG_INITIALLY_SET);
	if (ret)
		goto out;
	r->log_owner = file;
	r->log_pid = task_tgid_vnr(current);
	r->gets = 0;
	r->reported = 0;
	r->protected = 0;
	r->get_ns = 0;
	r->last_get_ns = ktime_get_ns();
	r->last_dirtied = 0;
	r->log_rate = 0;
	hvk_mem_nl_region_notify(r, HVK_MEM_EV_LOG_START);
out:
	mutex_unlock(&r->log_lock);
	return ret;
}

/* The log belongs to the open file that started it. */
static long log_owned(struct hvk_region *r, struct file *file)
{
	if (!track(r, HVK_TRACK_LOG))
		return -ENOENT;
	return r->log_owner == file ? 0 : -EBUSY;
}

static long log_stop_ioctl(struct hvk_region *r, struct file *file)
{
	long ret;

	mutex_lock(&r->log_lock);
	ret = log_owned(r, file);
	if (!ret)
		log_stop(r);
	mutex_unlock(&r->log_lock);
	return ret;
}

void hvk_log_release(struct hvk_region *r, struct file *file)
{
	mutex_lock(&r->log_lock);
	if (r->log_owner == file && track(r, HVK_TRACK_LOG))
		log_stop(r);
	mutex_unlock(&r->log_lock);
}

static int check_range(const struct hvk_mem_log_get *req, unsigned long nbits)
{
	u64 words;

	if (req->flags & ~HVK_MEM_LOG_CLEAR)
		return -EOPNOTSUPP;
	if (req->first_page % 64 || !req->num_pages)
		return -EINVAL;
	if (req->first_page >= nbits || req->num_pages > nbits - req->first_page)
		return -ERANGE;
	if (req->num_pages % 64 && req->first_page + req->num_pages != nbits)
		return -EINVAL;
	words = DIV_ROUND_UP(req->num_pages, 64);
	if (req->bitmap_size < words * sizeof(u64))
		return -ENOBUFS;
	return 0;
}

/* Give bits back after a failed copy-out: reported again later, never lost. */
static void restore_bits(struct hvk_track *t, u64 first, const u64 *buf,
			 u64 words)
{
	u64 w;

	for (w = 0; w < words; w++) {
		if (!buf[w])
			continue;
		atomic_long_or(buf[w], (atomic_long_t *)&t->bits[first / 64 + w]);
	}
}

static long log_get(struct hvk_region *r, struct file *file, void __user *argp)
{
	struct hvk_mem_log_get req;
	u64 words, w, count = 0, start = ktime_get_ns();
	struct hvk_track *t;
	bool clear;
	u64 *buf;
	long ret;

	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	clear = req.flags & HVK_MEM_LOG_CLEAR;
	if (clear && !(file->f_mode & FMODE_WRITE))
		return -EBADF;
	mutex_lock(&r->log_lock);
	t = track(r, HVK_TRACK_LOG);
	ret = clear ? log_owned(r, file) : t ? 0 : -ENOENT;
	if (!ret)
		ret = check_range(&req, t->nbits);
	if (ret)
		goto out;
	words = DIV_ROUND_UP(req.num_pages, 64);
	buf = kvmalloc_array(words, sizeof(u64), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (w = 0; w < words; w++) {
		unsigned long *word = &t->bits[req.first_page / 64 + w];

		buf[w] = clear ? xchg(word, 0) : READ_ONCE(*word);
		count += hweight64(buf[w]);
	}
	if (clear && count)
		protect(r, req.first_page, buf, words);
	req.dirty = count;
	if (copy_to_user(u64_to_user_ptr(req.bitmap), buf, words * sizeof(u64)) ||
	    copy_to_user(argp, &req, sizeof(req))) {
		if (clear)
			restore_bits(t, req.first_page, buf, words);
		ret = -EFAULT;
	} else if (clear) {
		u64 now = ktime_get_ns(), dirtied;
		struct hvk_track_stats sum;

		hvk_track_sum(t, &sum);
		dirtied = sum.dirtied;
		r->gets++;
		r->reported += count;
		r->get_ns += now - start;
		if (now > r->last_get_ns)
			r->log_rate = rate_bps(dirtied - r->last_dirtied,
					       now - r->last_get_ns);
		r->last_get_ns = now;
		r->last_dirtied = dirtied;
	}
	kvfree(buf);
out:
	mutex_unlock(&r->log_lock);
	return ret;
}

static long log_stats(struct hvk_region *r, void __user *argp)
{
	struct hvk_mem_log_stats st = {};
	struct hvk_track *t;

	mutex_lock(&r->log_lock);
	t = track(r, HVK_TRACK_LOG);
	if (t) {
		struct hvk_track_stats sum;

		hvk_track_sum(t, &sum);
		st.flags = HVK_MEM_INFO_LOG_RUNNING;
		st.dirty = bitmap_weight(t->bits, t->nbits);
		st.dirtied = sum.dirtied;
		st.write_faults = sum.notes;
	}
	st.gets = r->gets;
	st.reported = r->reported;
	st.protected = r->protected;
	st.get_ns = r->get_ns;
	mutex_unlock(&r->log_lock);
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

static long region_info(struct hvk_region *r, void __user *argp)
{
	struct hvk_mem_info info = {
		.id = r->id,
		.size = i_size_read(&r->vfs_inode),
		.resident = atomic_long_read(&r->nr_pages),
		.page_size = PAGE_SIZE,
	};

	if (rcu_access_pointer(r->track[HVK_TRACK_LOG]))
		info.flags |= HVK_MEM_INFO_LOG_RUNNING;
	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

long hvk_region_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hvk_region *r = HVK_REGION(file_inode(file));
	void __user *argp = (void __user *)arg;

	BUILD_BUG_ON(BITS_PER_LONG != 64);
	switch (cmd) {
	case HVK_MEM_IOC_INFO:
		return region_info(r, argp);
	case HVK_MEM_IOC_LOG_START:
		return log_start(r, file, argp);
	case HVK_MEM_IOC_LOG_STOP:
		if (!(file->f_mode & FMODE_WRITE))
			return -EBADF;
		return log_stop_ioctl(r, file);
	case HVK_MEM_IOC_LOG_GET:
		return log_get(r, file, argp);
	case HVK_MEM_IOC_LOG_STATS:
		return log_stats(r, argp);
	}
	return -ENOTTY;
}

/* ---- dirty-rate sampler ---- */

int hvk_sample_start(struct hvk_region *r, u32 duration_ms)
{
	int ret;

	mutex_lock(&r->log_lock);
	if (r->sample.running) {
		ret = -EBUSY;
		goto out;
	}
	ret = track_start(r, HVK_TRACK_SAMPLE, false);
	if (ret)
		goto out;
	r->sample.seq++;
	r->sample.running = true;
	r->sample.duration_ms = duration_ms;
	r->sample.start_ns = ktime_get_ns();
	schedule_delayed_work(&r->sample.work, msecs_to_jiffies(duration_ms));
out:
	mutex_unlock(&r->log_lock);
	return ret;
}

void hvk_sample_done(struct work_struct *work)
{
	struct hvk_region *r = container_of(to_delayed_work(work),
					    struct hvk_region, sample.work);
	struct hvk_sample *s = &r->sample;
	struct hvk_track *t;
	u64 ns;

	mutex_lock(&r->log_lock);
	t = track(r, HVK_TRACK_SAMPLE);
	if (t) {
		ns = max_t(u64, ktime_get_ns() - s->start_ns, 1);
		s->pages = bitmap_weight(t->bits, t->nbits);
		s->duration_ms = div64_u64(ns, NSEC_PER_MSEC);
		s->rate = rate_bps(s->pages, ns);
		track_stop(r, HVK_TRACK_SAMPLE);
	}
	s->running = false;
	mutex_unlock(&r->log_lock);
}

/* ---- the merge scanner's tracker ---- */

struct hvk_track *hvk_merge_track(struct hvk_region *r)
{
	return rcu_dereference_protected(r->track[HVK_TRACK_MERGE],
					 lockdep_is_held(&hvk_merge_lock));
}

/*
 * Cover @nbits pages, the ones new to the tracker set: it starts with every
 * page to scan, and pages beyond its end have never been scanned.  Growing
 * publishes a copy; a write noted in the old bitmap after the copy is
 * carried over once no CPU can still be noting one there.
 */
int hvk_merge_track_resize(struct hvk_region *r, unsigned long nbits)
{
	struct hvk_track *old = hvk_merge_track(r), *t;
	unsigned long from = old ? old->nbits : 0;

	if (old && nbits <= from)
		return 0;
	t = track_alloc(nbits);
	if (!t)
		return -ENOMEM;
	if (old)
		bitmap_copy(t->bits, old->bits, from);
	bitmap_set(t->bits, from, nbits - from);
	rcu_assign_pointer(r->track[HVK_TRACK_MERGE], t);
	if (old) {
		synchronize_rcu();
		bitmap_or(t->bits, t->bits, old->bits, from);
		track_free_now(old);
	}
	return 0;
}

void hvk_merge_track_stop(struct hvk_region *r)
{
	struct hvk_track *t = hvk_merge_track(r);

	if (!t)
		return;
	RCU_INIT_POINTER(r->track[HVK_TRACK_MERGE], NULL);
	call_rcu(&t->rcu, track_free);
}

/*
 * A page new to the region (zeroes), or changed by the kernel without a
 * write to report (a truncated tail), or unmerged: the merge scanner has to
 * look at it, the dirty log not.
 */
void hvk_mark_rescan(struct hvk_region *r, pgoff_t idx)
{
	struct hvk_track *t;

	rcu_read_lock();
	t = rcu_dereference(r->track[HVK_TRACK_MERGE]);
	if (t && idx < t->nbits && !test_bit(idx, t->bits))
		set_bit(idx, t->bits);
	rcu_read_unlock();
}

/* The region is going away: no open file, no mapping is left. */
void hvk_track_teardown(struct hvk_region *r)
{
	cancel_delayed_work_sync(&r->sample.work);
	mutex_lock(&r->log_lock);
	track_stop(r, HVK_TRACK_SAMPLE);
	track_stop(r, HVK_TRACK_LOG);
	r->sample.running = false;
	mutex_unlock(&r->log_lock);
}
