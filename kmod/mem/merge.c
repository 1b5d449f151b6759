// SPDX-License-Identifier: GPL-2.0
/*
 * Page merging for hvkmem regions.
 *
 * A scanner thread (hvk_merged) walks the pages of regions with merging
 * on, a batch per wake-up: not all of them, only those written since it
 * last looked at them.  Each region has a merge tracker (dirty.c) whose
 * bit is set by every write, as the dirty log's is; the scanner takes the
 * bits of a window of pages, write-protects those pages, then reads them,
 * so a write after that sets the bit again.  A page nobody writes costs
 * nothing after its first scan: idle memory is not rescanned.
 *
 * For each page it computes a 64-bit hash and looks for an identical page
 * of the same domain: first among the shared pages (a hash table chained
 * through the shared pages themselves), then among the candidates, the
 * unshared pages seen unchanged (a hash table chained through the regions'
 * slots, both ways: a page leaves its chain when it is scanned again).  A
 * match is confirmed with memcmp() once both pages are locked, unmapped and
 * unreferenced elsewhere; never on a hash alone.  The region slot then
 * points at the shared page, and the duplicate is freed.
 *
 * A shared page is never written: it has no ->mapping (so it is never made
 * writable by page_mkwrite's caller), its PTEs are read-only, and the
 * first write to it through a mapping or write() gives the writer a
 * private copy (hvk_merge_break), which then takes the normal write path:
 * locked, marked dirty in the log.  The last sharer takes the page back
 * without a copy when nothing else references it.
 *
 * page_private(shared page) = hash << 32 | sharers; page->index links it
 * in its domain's chain (it has no mapping, so nothing else reads it).
 * All-zero pages share one module-wide zero page instead.
 *
 * Locking: hvk_merge_lock (scanner batches, controls) > invalidate lock >
 * page lock > domain lock.  The scanner only trylocks pages and partner
 * regions, so it never waits for a fault.
 */
#include <linux/freezer.h>
#include <linux/hash.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/xxhash.h>
#include <linux/hvk_mem.h>

#include "compat.h"
#include "mem.h"

#define SLOT_HASH	0x00ffffffU
#define SLOT_WAIT_SHIFT	24		/* scans left to skip, 0-15 */
#define SLOT_WAIT	(0xfU << SLOT_WAIT_SHIFT)
#define SLOT_LEVEL_SHIFT 28		/* back-off level, 0-7 */
#define SLOT_LEVEL	(0x7U << SLOT_LEVEL_SHIFT)
#define SLOT_SEEN	BIT(31)
#define SLOT_HEAD	1U		/* prev of a chain's first (no handle is 1) */

#define CHUNK_SHIFT	16		/* handles per chunk: 256 MiB of pages */
#define CHUNK_MAX	0xffffU
#define CHAIN_MAX	16		/* candidates compared per page */

/* What a merge attempt came to. */
enum merge_res {
	MERGE_NONE,	/* no identical page to share with */
	MERGE_DONE,	/* shared */
	MERGE_BUSY,	/* one was there, but a page or region was in use */
};

struct hvk_mdomain {
	struct list_head node;		/* hvk_domains */
	char name[HVK_MEM_DOMAIN_MAX];	/* "" = one region's own */
	int users;
	unsigned long pages;		/* slots of its regions */
	struct xarray chunks;		/* handle >> CHUNK_SHIFT -> region */
	spinlock_t lock;		/* stable chains, sharer counts */
	struct page **stable;
	unsigned int stable_bits;
	unsigned long nr_stable, nr_sharing;
	u32 *cand;			/* candidate chains */
	unsigned int cand_bits;
};

/* Scanner batches, region attach/detach, controls. */
DEFINE_MUTEX(hvk_merge_lock);
static LIST_HEAD(hvk_merge_regions);	/* attached regions */
static LIST_HEAD(hvk_domains);
static DECLARE_WAIT_QUEUE_HEAD(hvk_merge_wait);
static struct task_struct *hvk_merged;
static bool hvk_merge_kick;

/* Wake the scanner now: there is new work, or its controls changed. */
static void scanner_kick(void)
{
	hvk_merge_kick = true;
	wake_up(&hvk_merge_wait);
}

static struct page *hvk_zero;
static u64 hvk_zero_hash;
static atomic_long_t hvk_zero_sharers;

/*
 * Every region page backed by the zero page holds a reference to it: past
 * this many (64 GiB of zeroes), zero pages share ordinary pages of their
 * domain instead, max-sharing each, so no page's count grows without bound.
 */
static unsigned long zero_max = 1UL << 24;
module_param(zero_max, ulong, 0644);
MODULE_PARM_DESC(zero_max, "Most region pages backed by the one zero page; beyond, zero pages share like any other content");

static struct hvk_merge_conf conf = {
	.run = HVK_MEM_MERGE_RUN_ON,
	.zero_pages = 1,
	.pages_to_scan = 100,
	.sleep_ms = 20,
	.max_sharing = 256,
};

/* Scanner state, under hvk_merge_lock. */
static struct hvk_region *cursor;
static unsigned long cursor_idx;
static u64 cycle_start_ns, cycle_pages, cycle_scanned, last_notify_ns;
static bool cycle_running;
static struct hvk_merge_stats scan;	/* counters kept by the scanner */
static u64 take[64];			/* bits of the window being scanned */

bool hvk_page_shared(const struct page *page)
{
	return !READ_ONCE(page->mapping) && page_private(page);
}

/* Is @page (locked) still the page at @idx of @r? */
bool hvk_page_in_region(struct hvk_region *r, pgoff_t idx, struct page *page)
{
	if (hvk_page_shared(page))
		return xa_load(&r->pages, idx) == page;
	return page->mapping == r->vfs_inode.i_mapping;
}

static u64 page_hash(struct page *page)
{
	void *p = kmap_local_page(page);
	u64 h = xxh64(p, PAGE_SIZE, 0);

	kunmap_local(p);
	return h;
}

static u32 hash_fold(u64 h)
{
	return (u32)(h ^ (h >> 32));
}

static bool same_page(struct page *a, struct page *b)
{
	char *pa = kmap_local_page(a), *pb = kmap_local_page(b);
	bool same = !memcmp(pa, pb, PAGE_SIZE);

	kunmap_local(pb);
	kunmap_local(pa);
	return same;
}

static bool zero_page(struct page *page)
{
	void *p = kmap_local_page(page);
	bool zero = !memchr_inv(p, 0, PAGE_SIZE);

	kunmap_local(p);
	return zero;
}

/* ---- shared pages ---- */

static struct page **stable_bucket(struct hvk_mdomain *d, u32 hash)
{
	return &d->stable[hash_32(hash, d->stable_bits)];
}

static void stable_unlink(struct hvk_mdomain *d, struct page *s)
{
	struct page **pp = stable_bucket(d, page_private(s) >> 32);

	while (*pp != s)
		pp = (struct page **)&(*pp)->index;
	*pp = (struct page *)s->index;
	s->index = 0;
}

/* @s (domain lock held) loses its last sharer: no longer a shared page. */
static void stable_remove(struct hvk_mdomain *d, struct page *s)
{
	stable_unlink(d, s);
	d->nr_stable--;
	d->nr_sharing--;
	set_page_private(s, 0);
}

/* One more sharer for @s, if it is still shared and not full. */
static bool stable_get(struct hvk_mdomain *d, struct page *s)
{
	unsigned long v;
	bool ok;

	spin_lock(&d->lock);
	v = page_private(s);
	ok = v && (u32)v < READ_ONCE(conf.max_sharing);
	if (ok) {
		set_page_private(s, v + 1);
		d->nr_sharing++;
	}
	spin_unlock(&d->lock);
	return ok;
}

/*
 * The slot of @r that pointed at shared page @s lets go (truncation,
 * copy-on-write, unmerge); the region's reference goes with it.
 */
void hvk_merge_put(struct hvk_region *r, struct page *s)
{
	struct hvk_mdomain *d = r->merge.dom;
	unsigned long v;

	if (s == hvk_zero) {
		atomic_long_dec(&r->merge.zero);
		atomic_long_dec(&hvk_zero_sharers);
		put_page(s);
		return;
	}
	spin_lock(&d->lock);
	v = page_private(s);
	if ((u32)v == 1) {
		stable_remove(d, s);
	} else {
		set_page_private(s, v - 1);
		d->nr_sharing--;
	}
	spin_unlock(&d->lock);
	atomic_long_dec(&r->merge.shared);
	put_page(s);
}

/*
 * May the last sharer of @s (locked) reuse it in place?  Only if nothing
 * but this region's slot, its own PTEs and the caller's @refs hold it, as
 * KSM demands before it write-protects a page: a reference taken through
 * another region's view (vmsplice, O_DIRECT, a pin) must never see this
 * region's writes.  The count is read before the map count: a PTE zapped
 * in between drops its map count first, so a race only ever forces a copy.
 */
static bool takeback_ok(struct page *s, int refs)
{
	int count = page_count(s);

	smp_rmb();	/* the count before the map count (see above) */
	return count == 1 + refs + hvk_page_mapcount(s);
}

/*
 * Give page @idx of @r, now the shared page @s (locked, referenced, in
 * place), a private page: @s itself if this is its last sharer and nothing
 * else holds it, else a copy, which replaces it in the region while @s's
 * lock keeps faults from mapping @s there again.  @refs: the references to
 * @s the caller holds.  Returns the private page locked and referenced
 * (the caller's hold on @s moves to it); NULL with *err, @s untouched, on
 * failure.
 */
struct page *hvk_merge_break(struct hvk_region *r, pgoff_t idx,
			     struct page *s, int refs, int *err)
{
	struct address_space *mapping = r->vfs_inode.i_mapping;
	struct hvk_mdomain *d = r->merge.dom;
	struct page *n;
	void *old;

	if (s != hvk_zero) {
		spin_lock(&d->lock);
		if ((u32)page_private(s) == 1 && takeback_ok(s, refs)) {
			stable_remove(d, s);
			s->index = idx;
			WRITE_ONCE(s->mapping, mapping);
			spin_unlock(&d->lock);
			atomic_long_dec(&r->merge.shared);
			return s;
		}
		spin_unlock(&d->lock);
	}
	n = alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT |
		       (s == hvk_zero ? __GFP_ZERO : 0));
	if (!n) {
		*err = -ENOMEM;
		return NULL;
	}
	if (s != hvk_zero)
		copy_highpage(n, s);
	n->mapping = mapping;
	n->index = idx;
	__folio_set_locked(page_folio(n));
	get_page(n);		/* the caller's; the first is the region's */
	old = xa_cmpxchg(&r->pages, idx, s, n, GFP_KERNEL);
	if (old != s) {		/* cannot happen: @s is locked and in place */
		n->mapping = NULL;
		__folio_clear_locked(page_folio(n));
		put_page(n);
		put_page(n);
		*err = -EAGAIN;
		return NULL;
	}
	unmap_mapping_pages(mapping, idx, 1, false);
	hvk_merge_put(r, s);
	unlock_page(s);
	put_page(s);
	return n;
}

/* ---- merging ---- */

/*
 * Is private page @p held by nothing but the region, its PTEs and the
 * scanner?  A hint, taken again for certain once it is locked and unmapped.
 */
static bool unused(struct page *p)
{
	return page_count(p) == 2 + hvk_page_mapcount(p);
}

/*
 * A merge with @p, which is in use, is worth trying again later: unless it
 * is pinned for DMA (a VFIO device's guest RAM), which lasts.
 */
static enum merge_res busy(struct page *p)
{
	return folio_maybe_dma_pinned(page_folio(p)) ? MERGE_NONE : MERGE_BUSY;
}

/*
 * Lock private page @p at @idx of @r and take it out of every page table;
 * false if it is busy, moved, or referenced by anything but the region
 * and the scanner (a pin, an in-flight fault or write()).
 */
static bool isolate(struct hvk_region *r, pgoff_t idx, struct page *p)
{
	struct address_space *mapping = r->vfs_inode.i_mapping;

	if (!trylock_page(p))
		return false;
	if (p->mapping != mapping)
		goto busy;
	/* Held by more than its PTEs (a pin): leave its mappings alone. */
	if (!unused(p))
		goto busy;
	if (page_mapped(p))
		unmap_mapping_pages(mapping, idx, 1, false);
	if (page_mapped(p) || page_count(p) != 2)
		goto busy;
	return true;
busy:
	unlock_page(p);
	return false;
}

/* Isolated @p at @idx of @r gives way to shared @s (a sharer already counted). */
static void replace(struct hvk_region *r, pgoff_t idx, struct page *p,
		    struct page *s)
{
	get_page(s);
	xa_cmpxchg(&r->pages, idx, p, s, GFP_NOWAIT);
	WRITE_ONCE(p->mapping, NULL);
	put_page(p);
	if (s == hvk_zero)
		atomic_long_inc(&r->merge.zero);
	else
		atomic_long_inc(&r->merge.shared);
}

static enum merge_res merge_zero(struct hvk_region *r, pgoff_t idx,
				 struct page *p)
{
	bool ok;

	if (atomic_long_read(&hvk_zero_sharers) >= READ_ONCE(zero_max))
		return MERGE_NONE;
	if (!isolate(r, idx, p))
		return busy(p);
	ok = zero_page(p);
	if (ok) {
		atomic_long_inc(&hvk_zero_sharers);
		replace(r, idx, p, hvk_zero);
	}
	unlock_page(p);
	return ok ? MERGE_DONE : MERGE_NONE;
}

static enum merge_res merge_stable(struct hvk_region *r, pgoff_t idx,
				   struct page *p, u32 hash)
{
	struct hvk_mdomain *d = r->merge.dom;
	enum merge_res res = MERGE_NONE;
	struct page *s;

	spin_lock(&d->lock);
	for (s = *stable_bucket(d, hash); s; s = (struct page *)s->index) {
		unsigned long v = page_private(s);

		if (v >> 32 == hash && (u32)v < READ_ONCE(conf.max_sharing))
			break;
	}
	if (s)
		get_page(s);
	spin_unlock(&d->lock);
	if (!s)
		return MERGE_NONE;
	/* Compare before the costly isolation, and again after it. */
	if (same_page(p, s)) {
		res = busy(p);
		if (isolate(r, idx, p)) {
			/*
			 * Written meanwhile (scanned again), or @s lost its last
			 * sharer (the candidates are tried next).
			 */
			res = MERGE_NONE;
			if (same_page(p, s) && stable_get(d, s)) {
				replace(r, idx, p, s);
				res = MERGE_DONE;
			}
			unlock_page(p);
		}
	}
	put_page(s);
	return res;
}

/* Isolated @q at @idx of @r becomes a shared page with one sharer. */
static void make_stable(struct hvk_region *r, struct page *q, u32 hash)
{
	struct hvk_mdomain *d = r->merge.dom;
	struct page **b;

	spin_lock(&d->lock);
	WRITE_ONCE(q->mapping, NULL);
	set_page_private(q, (unsigned long)hash << 32 | 1);
	b = stable_bucket(d, hash);
	q->index = (unsigned long)*b;
	*b = q;
	d->nr_stable++;
	d->nr_sharing++;
	spin_unlock(&d->lock);
	atomic_long_inc(&r->merge.shared);
}

/* Merge @p with candidate page @j of @r2 (same domain). */
static enum merge_res merge_pair(struct hvk_region *r, pgoff_t idx,
				 struct page *p, struct hvk_region *r2,
				 pgoff_t j, u32 hash)
{
	struct rw_semaphore *lock2 = &r2->vfs_inode.i_mapping->invalidate_lock;
	enum merge_res res = MERGE_NONE;
	struct page *q;
	int err;

	q = hvk_region_page(r2, j, false, &err);
	if (!q)
		return MERGE_NONE;
	if (q == p || hvk_page_shared(q) || !same_page(p, q))
		goto out;
	/* @p in use: leave @q mapped (this is tried again, maybe often). */
	if (!unused(p)) {
		res = busy(p);
		goto out;
	}
	res = MERGE_BUSY;
	if (r2 != r && !down_read_trylock(lock2))
		goto out;
	if (!isolate(r2, j, q)) {
		res = busy(q);
	} else {
		res = busy(p);
		if (isolate(r, idx, p)) {
			if (same_page(p, q)) {
				make_stable(r2, q, hash);
				stable_get(r->merge.dom, q);
				replace(r, idx, p, q);
				res = MERGE_DONE;
			} else {
				res = MERGE_NONE;	/* written: scanned again */
			}
			unlock_page(p);
		}
		unlock_page(q);
	}
	if (r2 != r)
		up_read(lock2);
out:
	put_page(q);
	return res;
}

/*
 * Slot @sl of @r stops backing off: its page was merged, or is gone.  The
 * region's count of volatile pages is exactly its slots at a level.
 */
static void slot_settle(struct hvk_region *r, struct hvk_mslot *sl)
{
	if (!(sl->sum & SLOT_LEVEL))
		return;
	sl->sum &= ~(SLOT_LEVEL | SLOT_WAIT);
	r->merge.volatil--;
}

static u32 *cand_bucket(struct hvk_mdomain *d, u32 sum)
{
	return &d->cand[hash_32(sum & SLOT_HASH, d->cand_bits)];
}

/* The slot of a handle in a chain: always one of an attached region. */
static struct hvk_mslot *cand_slot(struct hvk_mdomain *d, u32 handle)
{
	struct hvk_region *r = xa_load(&d->chunks, handle >> CHUNK_SHIFT);

	return &r->merge.slots[handle - r->merge.base];
}

/* Put slot @sl, handle @h, first in the chain of the hash in its sum. */
static void cand_link(struct hvk_mdomain *d, u32 h, struct hvk_mslot *sl)
{
	u32 *b = cand_bucket(d, sl->sum);

	sl->next = *b;
	sl->prev = SLOT_HEAD;
	if (*b)
		cand_slot(d, *b)->prev = h;
	*b = h;
}

/* Page @idx of @r, its hash in its slot, is a candidate from now on. */
static void cand_insert(struct hvk_region *r, pgoff_t idx)
{
	struct hvk_mdomain *d = r->merge.dom;

	if (!d->cand)
		return;		/* no memory for the table yet */
	cand_link(d, r->merge.base + idx, &r->merge.slots[idx]);
	r->merge.unshared++;
}

/* ...and no longer (it was written, merged, or its region leaves). */
static void cand_unlink(struct hvk_region *r, pgoff_t idx)
{
	struct hvk_mdomain *d = r->merge.dom;
	struct hvk_mslot *sl = &r->merge.slots[idx];

	if (!sl->prev)
		return;
	if (sl->next)
		cand_slot(d, sl->next)->prev = sl->prev;
	if (sl->prev == SLOT_HEAD)
		*cand_bucket(d, sl->sum) = sl->next;
	else
		cand_slot(d, sl->prev)->next = sl->next;
	sl->next = 0;
	sl->prev = 0;
	r->merge.unshared--;
}

/* Move every chain to a larger table. */
static void cand_rehash(struct hvk_mdomain *d, u32 *cand, unsigned int bits)
{
	u32 *old = d->cand, n = old ? 1U << d->cand_bits : 0, i, h, next;

	d->cand = cand;
	d->cand_bits = bits;
	for (i = 0; i < n; i++) {
		for (h = old[i]; h; h = next) {
			struct hvk_mslot *sl = cand_slot(d, h);

			next = sl->next;
			cand_link(d, h, sl);
		}
		if (!(i & 1023))
			cond_resched();
	}
	kvfree(old);
}

static enum merge_res merge_candidate(struct hvk_region *r, pgoff_t idx,
				      struct page *p, u32 hash)
{
	struct hvk_mdomain *d = r->merge.dom;
	u32 handle = d->cand ? *cand_bucket(d, hash) : 0;
	enum merge_res res = MERGE_NONE;
	int steps;

	for (steps = 0; handle && steps < CHAIN_MAX; steps++) {
		struct hvk_region *r2 = xa_load(&d->chunks, handle >> CHUNK_SHIFT);
		struct hvk_mslot *sl = &r2->merge.slots[handle - r2->merge.base];
		pgoff_t j = handle - r2->merge.base;

		handle = sl->next;
		if ((sl->sum & SLOT_HASH) != (hash & SLOT_HASH))
			continue;
		switch (merge_pair(r, idx, p, r2, j, hash)) {
		case MERGE_DONE:
			cand_unlink(r2, j);	/* shared now */
			slot_settle(r2, sl);
			return MERGE_DONE;
		case MERGE_BUSY:
			res = MERGE_BUSY;
			break;
		case MERGE_NONE:
			break;
		}
	}
	return res;
}

/*
 * One page of the scan, its bit taken and its PTEs write-protected; @r's
 * invalidate lock is held shared.
 */
static void scan_page(struct hvk_region *r, struct hvk_track *t, pgoff_t idx)
{
	struct hvk_mslot *slot = &r->merge.slots[idx];
	enum merge_res res = MERGE_NONE;
	u32 sum = slot->sum, h, level;
	struct page *p;
	bool retry;
	u64 hash;
	int err;

	cand_unlink(r, idx);	/* written since: its hash is stale */
	p = hvk_region_page(r, idx, false, &err);
	if (!p) {
		slot_settle(r, slot);	/* punched or truncated */
		return;
	}
	scan.scanned++;
	cycle_scanned++;
	if (hvk_page_shared(p)) {
		slot_settle(r, slot);
		goto out;
	}
	hash = page_hash(p);
	h = hash_fold(hash);
	if (hash == hvk_zero_hash && READ_ONCE(conf.zero_pages)) {
		res = merge_zero(r, idx, p);
		if (res == MERGE_DONE) {
			slot_settle(r, slot);
			goto out;
		}
	}
	level = (sum & SLOT_LEVEL) >> SLOT_LEVEL_SHIFT;
	if ((sum & SLOT_SEEN) && (sum & SLOT_HASH) != (h & SLOT_HASH)) {
		/*
		 * Changed since the last scan: look again after 1, 3, 7, 15
		 * scans (its bit stays set), a candidate once it holds still.
		 */
		if (!level)
			r->merge.volatil++;
		level = min(level + 1, 7U);
		slot->sum = SLOT_SEEN | level << SLOT_LEVEL_SHIFT |
			    min((1U << level) - 1, 15U) << SLOT_WAIT_SHIFT |
			    (h & SLOT_HASH);
		set_bit(idx, t->bits);
		goto out;
	}
	if (level) {
		/* It held still: back off less, looked at until it is level 0. */
		if (--level)
			set_bit(idx, t->bits);
		else
			r->merge.volatil--;
	}
	slot->sum = SLOT_SEEN | level << SLOT_LEVEL_SHIFT | (h & SLOT_HASH);
	retry = res == MERGE_BUSY;	/* merge_zero()'s */
	res = merge_stable(r, idx, p, h);
	if (res == MERGE_NONE)
		res = merge_candidate(r, idx, p, h);
	if (res == MERGE_DONE) {
		slot_settle(r, slot);
		goto out;
	}
	cand_insert(r, idx);
	if ((retry || res == MERGE_BUSY) && !level) {
		/*
		 * An identical page was there but in use (locked, pinned, in
		 * a fault): try again in 16 passes, not only once written.
		 */
		slot->sum |= SLOT_WAIT;
		set_bit(idx, t->bits);
	}
out:
	put_page(p);
}

/*
 * Take the bits of the pages of @r to scan from @idx on, in one window of
 * at most 64 words from @idx's, at most @max of them, into take[] (bit 0 of
 * take[0] is page round_down(@idx, 64)).  A page backing off counts down
 * instead and keeps its bit.  Returns where the next window starts.
 */
static unsigned long take_window(struct hvk_region *r, struct hvk_track *t,
				 unsigned long idx, unsigned long end, u32 max,
				 u32 *taken)
{
	unsigned long first = round_down(idx, 64), pos = end;
	u32 w, n = 0;

	memset(take, 0, sizeof(take));
	for (w = 0; w < ARRAY_SIZE(take) && first + w * 64 < end; w++) {
		unsigned long base = first + w * 64, word, b;

		word = READ_ONCE(t->bits[base / 64]);
		if (base < idx)
			word &= ~0UL << (idx - base);
		if (end - base < 64)
			word &= ~(~0UL << (end - base));
		for_each_set_bit(b, &word, 64) {
			struct hvk_mslot *sl = &r->merge.slots[base + b];

			if (sl->sum & SLOT_WAIT) {
				sl->sum -= 1U << SLOT_WAIT_SHIFT;
				continue;
			}
			take[w] |= BIT_ULL(b);
			if (++n == max) {
				pos = base + b + 1;
				goto out;
			}
		}
		pos = min(base + 64, end);
	}
out:
	/* Bits are only ever set meanwhile: clear exactly the ones taken. */
	for (w = 0; w < ARRAY_SIZE(take); w++)
		if (take[w])
			atomic_long_andnot(take[w], (atomic_long_t *)&t->bits[first / 64 + w]);
	/* ...before the caller write-protects and reads the pages. */
	smp_mb__after_atomic();
	*taken = n;
	return pos;
}

/* ---- domains and regions ---- */

static size_t domain_bytes(const struct hvk_mdomain *d)
{
	return sizeof(*d) + (d->cand ? sizeof(u32) << d->cand_bits : 0) +
	       (sizeof(struct page *) << d->stable_bits);
}

static struct hvk_mdomain *domain_get(const char *name)
{
	struct hvk_mdomain *d;

	if (*name) {
		list_for_each_entry(d, &hvk_domains, node) {
			if (!strcmp(d->name, name)) {
				d->users++;
				return d;
			}
		}
	}
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return NULL;
	d->stable_bits = 6;
	d->stable = kvcalloc(1U << d->stable_bits, sizeof(*d->stable),
			     GFP_KERNEL);
	if (!d->stable) {
		kfree(d);
		return NULL;
	}
	strscpy(d->name, name, sizeof(d->name));
	d->users = 1;
	xa_init(&d->chunks);
	spin_lock_init(&d->lock);
	list_add_tail(&d->node, &hvk_domains);
	return d;
}

static void domain_put(struct hvk_mdomain *d)
{
	if (--d->users)
		return;
	list_del(&d->node);
	xa_destroy(&d->chunks);
	kvfree(d->cand);
	kvfree(d->stable);
	kfree(d);
}

/*
 * Size the domain's tables for its pages (candidates: a bucket per 2 to 4
 * pages, so chains of 4 or fewer on average); called as a region's scan
 * starts.
 */
static void domain_prepare(struct hvk_mdomain *d)
{
	unsigned int bits;

	bits = clamp_t(unsigned int, order_base_2(d->pages / 4), 6, 24);
	if (bits > d->cand_bits || !d->cand) {
		u32 *cand = kvcalloc(1U << bits, sizeof(u32), GFP_KERNEL);

		if (cand)
			cand_rehash(d, cand, bits);
	}
	/* Shared pages: about one bucket per 8 pages, rehashed as it grows. */
	bits = clamp_t(unsigned int, order_base_2(d->pages / 8), 6, 24);
	if (bits > d->stable_bits + 1) {
		struct page **t = kvcalloc(1U << bits, sizeof(*t), GFP_KERNEL);
		struct page **old = d->stable, *s, *next;
		unsigned int i, n = 1U << d->stable_bits;

		if (!t)
			return;
		spin_lock(&d->lock);
		d->stable = t;
		d->stable_bits = bits;
		for (i = 0; i < n; i++) {
			for (s = old[i]; s; s = next) {
				struct page **b = stable_bucket(d, page_private(s) >> 32);

				next = (struct page *)s->index;
				s->index = (unsigned long)*b;
				*b = s;
			}
		}
		spin_unlock(&d->lock);
		kvfree(old);
	}
}

static void chunks_erase(struct hvk_mdomain *d, u32 base, u32 span)
{
	u32 c;

	for (c = 0; c < span; c++)
		xa_erase(&d->chunks, (base >> CHUNK_SHIFT) + c);
}

/* Handles for @nslots pages of @r: a free run of chunks in its domain. */
static int chunks_alloc(struct hvk_region *r, unsigned long nslots)
{
	struct xarray *xa = &r->merge.dom->chunks;
	unsigned long span = max(1UL, DIV_ROUND_UP(nslots, 1UL << CHUNK_SHIFT));
	unsigned long start = 1, idx, c;
	int err;

	for (;;) {
		if (start + span - 1 > CHUNK_MAX)
			return -ENOSPC;
		idx = start;
		if (!xa_find(xa, &idx, start + span - 1, XA_PRESENT))
			break;
		start = idx + 1;
	}
	for (c = 0; c < span; c++) {
		err = xa_err(xa_store(xa, start + c, r, GFP_KERNEL));
		if (err) {
			chunks_erase(r->merge.dom, start << CHUNK_SHIFT, c);
			return err;
		}
	}
	r->merge.base = start << CHUNK_SHIFT;
	r->merge.span = span;
	return 0;
}

/* Take every slot of @r out of the chains; @rescan: to be scanned again. */
static void region_uncand(struct hvk_region *r, bool rescan)
{
	struct hvk_track *t = hvk_merge_track(r);
	unsigned long j;

	for (j = 0; j < r->merge.nslots; j++) {
		if (!(j & 1023))
			cond_resched();
		if (!r->merge.slots[j].prev)
			continue;
		cand_unlink(r, j);
		if (rescan && t && j < t->nbits)
			set_bit(j, t->bits);
	}
}

size_t hvk_merge_region_bytes(const struct hvk_rmerge *m)
{
	return m->nslots * sizeof(struct hvk_mslot) +
	       BITS_TO_LONGS(m->nslots) * sizeof(long);
}

/* Slots, handles and tracker bits for every page of @r before its scan starts. */
static int region_grow(struct hvk_region *r, unsigned long pages)
{
	struct hvk_rmerge *m = &r->merge;
	u32 base = m->base, span = m->span;
	struct hvk_mslot *slots;
	int err;

	if (pages <= m->nslots)
		return 0;
	err = hvk_region_meta_ok(r, pages);
	if (err)
		return err;
	slots = kvcalloc(pages, sizeof(*slots), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!slots)
		return -ENOMEM;
	err = hvk_merge_track_resize(r, pages);
	if (err) {
		kvfree(slots);
		return err;
	}
	if (pages > (unsigned long)span << CHUNK_SHIFT) {
		/* Its handles change: candidates again once scanned again. */
		region_uncand(r, true);
		err = chunks_alloc(r, pages);
		if (err) {
			kvfree(slots);
			return err;
		}
		chunks_erase(m->dom, base, span);
	}
	if (m->slots)
		memcpy(slots, m->slots, m->nslots * sizeof(*slots));
	kvfree(m->slots);
	m->dom->pages += pages - m->nslots;
	m->slots = slots;
	m->nslots = pages;
	return 0;
}

static int region_attach(struct hvk_region *r)
{
	struct hvk_rmerge *m = &r->merge;
	int err;

	bool fresh = !m->dom;

	/* A region keeps its domain while it holds shared pages. */
	if (fresh) {
		m->dom = domain_get(m->domain);
		if (!m->dom)
			return -ENOMEM;
	}
	err = chunks_alloc(r, 0);
	if (!err) {
		err = region_grow(r, hvk_region_pages(&r->vfs_inode));
		if (err)
			chunks_erase(m->dom, m->base, m->span);
	}
	if (err) {
		m->span = 0;
		hvk_merge_track_stop(r);	/* region_grow() may have made it */
		if (fresh) {
			domain_put(m->dom);
			m->dom = NULL;
		}
		return err;
	}
	list_add_tail(&m->node, &hvk_merge_regions);
	return 0;
}

/* Out of the scan and of its domain's lookups; shared pages stay. */
static void region_unlist(struct hvk_region *r)
{
	struct hvk_rmerge *m = &r->merge;

	if (!m->dom || list_empty(&m->node))
		return;
	if (cursor == r) {
		cursor = list_is_last(&m->node, &hvk_merge_regions) ? NULL :
			 list_next_entry(r, merge.node);
		cursor_idx = 0;
	}
	list_del_init(&m->node);
	region_uncand(r, false);
	hvk_merge_track_stop(r);
	chunks_erase(m->dom, m->base, m->span);
	m->span = 0;
	m->dom->pages -= m->nslots;
	kvfree(m->slots);
	m->slots = NULL;
	m->nslots = 0;
	m->volatil = 0;
}

static void region_detach(struct hvk_region *r)
{
	region_unlist(r);
	if (r->merge.dom)
		domain_put(r->merge.dom);
	r->merge.dom = NULL;
}

/* Merging on for @r: into its domain's scan, and the scanner told. */
static int region_start(struct hvk_region *r)
{
	int err = region_attach(r);

	if (err)
		return err;
	r->merge.on = true;
	scanner_kick();
	return 0;
}

/* Every shared page of @r becomes private again. */
static int region_unmerge(struct hvk_region *r)
{
	struct address_space *mapping = r->vfs_inode.i_mapping;
	struct page *entry, *p;
	unsigned long idx;
	int err = 0;

	filemap_invalidate_lock_shared(mapping);
	xa_for_each(&r->pages, idx, entry) {
		if (!hvk_page_shared(entry))	/* a hint: checked again locked */
			continue;
		p = hvk_region_page_write(r, idx, false, &err);
		if (!p) {
			if (err)
				break;
			continue;
		}
		hvk_mark_rescan(r, idx);	/* merged again once run */
		unlock_page(p);
		put_page(p);
		if (fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
		cond_resched();
	}
	filemap_invalidate_unlock_shared(mapping);
	return err;
}

void hvk_merge_region_new(struct hvk_region *r)
{
	struct hvk_sb *sbi = r->vfs_inode.i_sb->s_fs_info;

	INIT_LIST_HEAD(&r->merge.node);
	if (!sbi->merge)
		return;
	mutex_lock(&hvk_merge_lock);
	region_start(r);
	mutex_unlock(&hvk_merge_lock);
}

/* The inode is going: out of every lookup before its pages are removed. */
void hvk_merge_region_evict(struct hvk_region *r)
{
	mutex_lock(&hvk_merge_lock);
	r->merge.on = false;
	region_unlist(r);
	mutex_unlock(&hvk_merge_lock);
}

/* ...and its domain once they are. */
void hvk_merge_region_release(struct hvk_region *r)
{
	mutex_lock(&hvk_merge_lock);
	region_detach(r);
	mutex_unlock(&hvk_merge_lock);
}

/*
 * Merging on/off (@on < 0: unchanged) and the domain (@domain NULL:
 * unchanged) of @r.  Leaving merging or a domain unmerges the region
 * first: a shared page never spans domains.
 */
int hvk_merge_region_set(struct hvk_region *r, int on, const char *domain,
			 struct netlink_ext_ack *extack)
{
	struct hvk_rmerge *m = &r->merge;
	bool want = on < 0 ? m->on : on;
	bool move = domain && strcmp(domain, m->domain);
	int err = 0;

	mutex_lock(&hvk_merge_lock);
	if (m->on && (!want || move)) {
		m->on = false;
		region_unlist(r);
	}
	if (m->dom && (!want || move)) {
		err = region_unmerge(r);
		if (err) {
			NL_SET_ERR_MSG(extack, "could not unmerge the region");
			goto out;
		}
		region_detach(r);
	}
	if (move)
		strscpy(m->domain, domain, sizeof(m->domain));
	if (want && !m->on) {
		err = region_start(r);
		if (err == -ENOSPC)
			NL_SET_ERR_MSG(extack, "the domain has no room for this region");
		else if (err == -EFBIG)
			NL_SET_ERR_MSG(extack, "the region is larger than its mount's size= limit");
		else if (err)
			NL_SET_ERR_MSG(extack, "out of memory for merge metadata");
	}
out:
	mutex_unlock(&hvk_merge_lock);
	return err;
}

/* ---- the scanner ---- */

/* The end of a pass over every region; true if it was a full scan. */
static bool cycle_end(void)
{
	u64 now = ktime_get_ns();
	bool full = cycle_pages;	/* a pass over empty regions is no scan */

	if (full) {
		scan.full_scans++;
		scan.last_scan_ms = div_u64(now - cycle_start_ns, NSEC_PER_MSEC);
	}
	cycle_pages = 0;
	cycle_running = false;
	return full;
}

/*
 * The CPU time this thread has run since ktime_get_ns() was @wall0 and its
 * se.sum_exec_runtime @cpu0.  The scheduler accounts run time at each
 * switch and tick; the time since it last did is added, but not more than
 * a tick of it (with irq or steal time accounting, its clock lags
 * local_clock() by all of that since boot), and never more than the wall
 * time.  Time spent waiting for the CPU is not run time: a budget counts
 * what the scanner used.  Another CPU may account it meanwhile (reading
 * /proc/PID/schedstat does): the two fields are read again until stable.
 */
static u64 ran_ns(u64 wall0, u64 cpu0)
{
	u64 wall = ktime_get_ns() - wall0, sum;
	unsigned long flags;
	s64 since;

	local_irq_save(flags);
	do {
		sum = READ_ONCE(current->se.sum_exec_runtime);
		since = local_clock() - READ_ONCE(current->se.exec_start);
	} while (sum != READ_ONCE(current->se.sum_exec_runtime));
	local_irq_restore(flags);
	return min(wall, sum - cpu0 + clamp_t(s64, since, 0, TICK_NSEC));
}

/*
 * Has a wake-up under a budget used it up?  Its CPU time, as ran_ns(), or
 * 100 ms of wall time beyond it: a scanner starved of CPU holds the merge
 * lock (settings, statistics, rmmod wait for it) no longer than that.
 */
static bool budget_spent(u64 budget_ns, u64 start, u64 cpu0)
{
	return ran_ns(start, cpu0) >= budget_ns ||
	       ktime_get_ns() - start >= budget_ns + 100 * NSEC_PER_MSEC;
}

/*
 * Scan up to pages_to_scan pages, or for the CPU time a budget allows
 * (budget_spent() from @start and @cpu0), going on into the next pass if this
 * one found pages to scan, but not past a second pass's end: pages backing
 * off or retried count down a wait once a pass, and passes back to back
 * would make the wait short.
 * Returns true when a full scan finished that monitors should hear of: one
 * that scanned a page, or the first for a second (a pass over idle memory
 * is quick, and may come every wake-up).
 */
static bool scan_batch(u64 budget_ns, u64 start, u64 cpu0)
{
	bool notify = false;
	u32 n = 0, ends = 0;

	while (READ_ONCE(conf.run) == HVK_MEM_MERGE_RUN_ON) {
		struct address_space *mapping;
		unsigned long end, idx, next, b;
		struct hvk_region *r;
		struct hvk_track *t;
		u32 max, taken;
		bool scanned;

		if (!cursor) {
			cursor = list_first_entry_or_null(&hvk_merge_regions,
							  struct hvk_region,
							  merge.node);
			cursor_idx = 0;
			if (!cursor)
				break;
			if (!cycle_running) {
				cycle_running = true;
				cycle_start_ns = ktime_get_ns();
				cycle_scanned = 0;
			}
		}
		r = cursor;
		end = hvk_region_pages(&r->vfs_inode);
		if (cursor_idx == 0 && r->merge.on) {
			region_grow(r, end);
			domain_prepare(r->merge.dom);
			cycle_pages += atomic_long_read(&r->nr_pages);
		}
		/*
		 * Past i_size too: the slots of a truncated tail are marked, to
		 * leave the chains and stop backing off.
		 */
		t = hvk_merge_track(r);
		end = t ? min(r->merge.nslots, t->nbits) : 0;
		idx = cursor_idx < end ? find_next_bit(t->bits, end, cursor_idx) : end;
		if (!r->merge.on || idx >= end) {
			cursor_idx = 0;
			if (!list_is_last(&r->merge.node, &hvk_merge_regions)) {
				cursor = list_next_entry(r, merge.node);
				continue;
			}
			cursor = NULL;
			scanned = cycle_scanned;
			if (cycle_end() &&
			    (scanned || start - last_notify_ns >= NSEC_PER_SEC)) {
				last_notify_ns = start;
				notify = true;
			}
			if (!scanned || ++ends == 2)
				break;
			continue;	/* what is left of the batch: the next pass */
		}
		/* A window costs one write-protection (and TLB flush) round. */
		max = budget_ns ? 64 : min(READ_ONCE(conf.pages_to_scan) - n, 1024U);
		next = take_window(r, t, idx, end, max ?: 1, &taken);
		if (taken) {
			mapping = r->vfs_inode.i_mapping;
			filemap_invalidate_lock_shared(mapping);
			hvk_protect(r, round_down(idx, 64), take, ARRAY_SIZE(take));
			for_each_set_bit(b, (unsigned long *)take, 64 * ARRAY_SIZE(take))
				scan_page(r, t, round_down(idx, 64) + b);
			filemap_invalidate_unlock_shared(mapping);
			n += taken;
		}
		cursor_idx = next;
		cond_resched();
		if (budget_ns ? budget_spent(budget_ns, start, cpu0) :
		    n >= READ_ONCE(conf.pages_to_scan))
			break;
	}
	scan.batch = n;
	return notify;
}

/*
 * The sleep after a wake-up that ran @used_ns under a @budget percent
 * budget: at least @sleep_ms, longer when the wake-up overran its share
 * (a batch of 64 pages is the smallest step, and costs more on a slow or
 * debug kernel), so the average holds whatever a batch costs.
 */
static u32 budget_sleep_ms(u64 used_ns, u8 budget, u32 sleep_ms)
{
	u64 ms = div_u64(used_ns * (100 - budget), (u32)budget * NSEC_PER_MSEC);

	return max_t(u64, sleep_ms, min_t(u64, ms, 10 * MSEC_PER_SEC));
}

static int hvk_merged_fn(void *unused)
{
	u64 cpu0 = READ_ONCE(current->se.sum_exec_runtime);

	set_freezable();
	set_user_nice(current, 5);
	while (!kthread_should_stop()) {
		u32 sleep_ms = READ_ONCE(conf.sleep_ms);
		u8 budget = READ_ONCE(conf.cpu_budget);
		u64 budget_ns = 0, t0, c0;
		bool idle, full;

		if (budget) {
			sleep_ms = sleep_ms ?: 10;
			budget_ns = budget >= 100 ? 100 * NSEC_PER_MSEC :
				    div_u64((u64)sleep_ms * NSEC_PER_MSEC * budget,
					    100 - budget);
			if (budget >= 100)
				sleep_ms = 0;
		}
		mutex_lock(&hvk_merge_lock);
		hvk_merge_kick = false;
		t0 = ktime_get_ns();
		c0 = READ_ONCE(current->se.sum_exec_runtime);
		full = scan_batch(budget_ns, t0, c0);
		if (budget && budget < 100)
			sleep_ms = budget_sleep_ms(ran_ns(t0, c0), budget, sleep_ms);
		idle = READ_ONCE(conf.run) != HVK_MEM_MERGE_RUN_ON ||
		       list_empty(&hvk_merge_regions);
		scan.cpu_ns = READ_ONCE(current->se.sum_exec_runtime) - cpu0;
		mutex_unlock(&hvk_merge_lock);
		if (full)
			hvk_mem_nl_merge_notify();
		if (idle)
			wait_event_freezable(hvk_merge_wait, kthread_should_stop() ||
					     READ_ONCE(hvk_merge_kick));
		else if (sleep_ms)
			wait_event_freezable_timeout(hvk_merge_wait,
						     kthread_should_stop() ||
						     READ_ONCE(hvk_merge_kick),
						     msecs_to_jiffies(sleep_ms));
		else
			cond_resched();
	}
	return 0;
}

/* ---- controls and statistics ---- */

void hvk_merge_conf_get(struct hvk_merge_conf *c)
{
	mutex_lock(&hvk_merge_lock);
	*c = conf;
	mutex_unlock(&hvk_merge_lock);
}

/* Apply @c; run unmerge unmerges every attached region too. */
int hvk_merge_conf_set(const struct hvk_merge_conf *c)
{
	struct hvk_region *r;
	int err = 0;

	mutex_lock(&hvk_merge_lock);
	conf = *c;
	if (c->run == HVK_MEM_MERGE_RUN_UNMERGE) {
		list_for_each_entry(r, &hvk_merge_regions, merge.node) {
			err = region_unmerge(r);
			if (err)
				break;
		}
	}
	scanner_kick();
	mutex_unlock(&hvk_merge_lock);
	return err;
}

void hvk_merge_stats(struct hvk_merge_stats *st)
{
	struct hvk_mdomain *d;
	struct hvk_region *r;

	mutex_lock(&hvk_merge_lock);
	*st = scan;
	st->shared = 0;
	st->sharing = 0;
	st->metadata = 0;
	list_for_each_entry(d, &hvk_domains, node) {
		spin_lock(&d->lock);
		st->shared += d->nr_stable;
		st->sharing += d->nr_sharing - d->nr_stable;
		spin_unlock(&d->lock);
		st->metadata += domain_bytes(d);
	}
	st->unshared = 0;
	st->volatil = 0;
	list_for_each_entry(r, &hvk_merge_regions, merge.node) {
		st->metadata += hvk_merge_region_bytes(&r->merge);
		st->scan_pages += r->merge.nslots;
		st->regions += r->merge.on;
		st->unshared += r->merge.unshared;
		st->volatil += r->merge.volatil;
	}
	st->zero = atomic_long_read(&hvk_zero_sharers);
	mutex_unlock(&hvk_merge_lock);
}

int __init hvk_merge_init(void)
{
	hvk_zero = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!hvk_zero)
		return -ENOMEM;
	set_page_private(hvk_zero, 1);	/* shared, in no domain */
	hvk_zero_hash = page_hash(hvk_zero);
	hvk_merged = kthread_run(hvk_merged_fn, NULL, "hvk_merged");
	if (IS_ERR(hvk_merged)) {
		set_page_private(hvk_zero, 0);
		__free_page(hvk_zero);
		return PTR_ERR(hvk_merged);
	}
	return 0;
}

/* After the filesystem: no region, so no shared page, is left. */
void hvk_merge_exit(void)
{
	kthread_stop(hvk_merged);
	set_page_private(hvk_zero, 0);
	put_page(hvk_zero);
}
