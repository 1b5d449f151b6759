/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvk_mem internals: the hvkmem filesystem's regions and their dirty tracking.
 */
#ifndef _HVK_MEM_INT_H
#define _HVK_MEM_INT_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/xarray.h>
#include <linux/workqueue.h>
#include <linux/netlink.h>

/* One mounted hvkmem instance. */
struct hvk_sb {
	bool merge;			/* new regions merge (mount option) */
	unsigned long max_pages;	/* size= */
	atomic_long_t used_pages;
	umode_t mode;			/* of the root directory */
	kuid_t uid;
	kgid_t gid;
};

/*
 * A dirty bitmap.  A region has up to two: the dirty log (ioctls) and the
 * rate sampler (netlink).  Every write notification sets a bit in each; a
 * clear bit means the page has been write-protected since it was cleared.
 */
struct hvk_track_stats {
	u64 dirtied;			/* clear -> set transitions */
	u64 notes;			/* write notifications */
};

struct hvk_track {
	unsigned long *bits;
	unsigned long nbits;
	struct hvk_track_stats __percpu *stats;
	struct rcu_head rcu;
};

/*
 * The dirty log, the dirty-rate sampler, and the merge scanner's pages to
 * look at again (under hvk_merge_lock, not log_lock; merge.c).
 */
enum { HVK_TRACK_LOG, HVK_TRACK_SAMPLE, HVK_TRACK_MERGE, HVK_TRACK_MAX };

struct hvk_sample {
	u64 seq;
	bool running;
	u32 duration_ms;
	u64 pages;
	u64 rate;			/* bytes/s */
	u64 start_ns;
	struct delayed_work work;
};

/* A mapping of a region (vm_private_data), on the region's list. */
struct hvk_vma {
	struct list_head node;
	struct vm_area_struct *vma;
};

/*
 * Merging (merge.c).  Every page of a region with merging on has a 12-byte
 * slot: the hash seen by its last scan (volatility) and its links in its
 * domain's table of candidates, and a bit in the region's merge tracker
 * (written since that scan).  Slots are addressed by 32-bit handles, per
 * domain: the domain maps chunks of handles to regions.
 */
struct hvk_mslot {
	u32 sum;			/* SLOT_* flags | 24 bits of hash */
	u32 next, prev;			/* candidate chain; prev 0: in none */
};

struct hvk_mdomain;

struct hvk_rmerge {
	bool on;
	char domain[32];		/* name, "" = the region's own */
	struct hvk_mdomain *dom;	/* while on */
	struct list_head node;		/* hvk_merge_regions, while on */
	struct hvk_mslot *slots;
	unsigned long nslots;
	u32 base, span;			/* handles, chunks */
	atomic_long_t shared, zero;	/* pages backed by shared pages */
	unsigned long unshared;		/* candidates (slots in a chain) */
	unsigned long volatil;		/* slots backing off */
};

/* A regular hvkmem file. */
struct hvk_region {
	struct inode vfs_inode;
	u64 id;
	struct xarray pages;		/* index -> struct page, ours */
	atomic_long_t nr_pages;
	atomic_t mappings;		/* VMAs */
	struct mutex vma_lock;		/* the list; held across ->close */
	struct list_head vmas;		/* struct hvk_vma */
	struct list_head node;		/* hvk_regions */
	char *mnt_path;			/* mount point as of the last open */

	struct mutex log_lock;		/* tracker start/stop/get, resize */
	struct hvk_track __rcu *track[HVK_TRACK_MAX];
	struct file *log_owner;
	pid_t log_pid;
	u64 gets, reported, protected, get_ns;
	u64 last_get_ns, last_dirtied, log_rate;
	struct hvk_sample sample;

	struct hvk_rmerge merge;	/* under hvk_merge_lock */
};

static inline struct hvk_region *HVK_REGION(struct inode *inode)
{
	return container_of(inode, struct hvk_region, vfs_inode);
}

static inline unsigned long hvk_region_pages(struct inode *inode)
{
	return DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
}

/* fs.c */
int hvk_fs_init(void);
void hvk_fs_exit(void);

/* region.c */
extern const struct file_operations hvk_file_ops;
extern const struct address_space_operations hvk_aops;
void hvk_region_init(struct hvk_region *r);
void hvk_region_evict(struct hvk_region *r);
int hvk_region_meta_ok(struct hvk_region *r, unsigned long pages);
int hvk_region_resize(struct hvk_region *r, loff_t size);
struct page *hvk_region_page(struct hvk_region *r, pgoff_t idx, bool alloc,
			     int *err);
struct page *hvk_region_page_write(struct hvk_region *r, pgoff_t idx,
				   bool alloc, int *err);
/*
 * The registry (its lock order is written in region.c).  Call @fn on every
 * region in creation order, under the registry lock, until it returns
 * non-zero (returned).  @gen (may be NULL): the registry's generation, which
 * changes with every region added or removed.
 */
int hvk_regions_walk(int (*fn)(struct hvk_region *r, void *arg), void *arg,
		     unsigned int *gen);
/* Copy that mount point to @buf (truncated to @len); its length. */
size_t hvk_region_mnt(struct hvk_region *r, char *buf, size_t len);

/* dirty.c */
void hvk_mark_dirty(struct hvk_region *r, pgoff_t idx);
long hvk_region_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
void hvk_log_release(struct hvk_region *r, struct file *file);
void hvk_track_teardown(struct hvk_region *r);
bool hvk_tracking(struct hvk_region *r);
/* Write-protect the pages set in @buf, from @first; invalidate lock held. */
void hvk_protect(struct hvk_region *r, pgoff_t first, const u64 *buf, u64 words);
struct hvk_track *hvk_merge_track(struct hvk_region *r);
int hvk_merge_track_resize(struct hvk_region *r, unsigned long nbits);
void hvk_merge_track_stop(struct hvk_region *r);
void hvk_mark_rescan(struct hvk_region *r, pgoff_t idx);
void hvk_track_sum(const struct hvk_track *t, struct hvk_track_stats *sum);
int hvk_sample_start(struct hvk_region *r, u32 duration_ms);
void hvk_sample_done(struct work_struct *work);

/* merge.c */
extern struct mutex hvk_merge_lock;
int hvk_merge_init(void);
void hvk_merge_exit(void);
bool hvk_page_shared(const struct page *page);
bool hvk_page_in_region(struct hvk_region *r, pgoff_t idx, struct page *page);
struct page *hvk_merge_break(struct hvk_region *r, pgoff_t idx,
			     struct page *shared, int refs, int *err);
void hvk_merge_put(struct hvk_region *r, struct page *shared);
size_t hvk_merge_region_bytes(const struct hvk_rmerge *m);
void hvk_merge_region_new(struct hvk_region *r);
void hvk_merge_region_evict(struct hvk_region *r);
void hvk_merge_region_release(struct hvk_region *r);
int hvk_merge_region_set(struct hvk_region *r, int on, const char *domain,
			 struct netlink_ext_ack *extack);

struct hvk_merge_conf {
	u8 run, zero_pages, cpu_budget;
	u32 pages_to_scan, sleep_ms, max_sharing;
};

void hvk_merge_conf_get(struct hvk_merge_conf *c);
int hvk_merge_conf_set(const struct hvk_merge_conf *c);
struct hvk_merge_stats {
	u64 shared, sharing, unshared, volatil, zero, scanned, full_scans;
	u64 last_scan_ms, cpu_ns, metadata, scan_pages;
	u32 regions, batch;
};

void hvk_merge_stats(struct hvk_merge_stats *st);

/* ksm.c */
struct hvk_ksm_info {
	bool entered;
	u32 vmas;
	u64 bytes, merging, rmap_items;
};

int hvk_ksm_query(u32 pid, struct hvk_ksm_info *info,
		  struct netlink_ext_ack *extack);
int hvk_ksm_mark(u32 pid, bool mergeable, u64 start, u64 len, u32 *changed,
		 struct hvk_ksm_info *info, struct netlink_ext_ack *extack);

/* netlink.c */
void hvk_mem_nl_region_notify(struct hvk_region *r, u8 event);
void hvk_mem_nl_merge_notify(void);

#endif /* _HVK_MEM_INT_H */
