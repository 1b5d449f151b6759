/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhvk: the hvk_mem family (hvkmem regions) and the dirty-log ioctls on
 * an open hvkmem file.  Same conventions as hvk.h: 0 or -errno, and a
 * message in the caller's struct hvk_error.
 */
#ifndef _HVK_MEM_API_H
#define _HVK_MEM_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/hvk_mem.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hvk_nl;
struct hvk_error;
struct nlmsghdr;

#define HVK_MEM_PATH_LEN 4096

struct hvk_mem_region {
	uint64_t id;
	char path[HVK_MEM_PATH_LEN];	/* " (deleted)" once unlinked */
	uint32_t dev;			/* st_dev, new_encode_dev() */
	uint64_t ino;
	uint64_t size;			/* bytes */
	uint64_t resident;		/* pages */
	uint32_t mappings;		/* VMAs */
	uint8_t event;			/* notifications: enum hvk_mem_region_event */
	struct {
		bool running;
		uint32_t pid;
		uint64_t dirty;		/* pages */
		uint64_t rate;		/* bytes/s, between the last two clearing gets */
		uint64_t gets, write_faults, protected_pages;
	} log;
	struct {
		uint64_t seq;		/* 0: never sampled */
		bool running;
		uint32_t duration_ms;
		uint64_t pages, rate;	/* distinct pages written, bytes/s */
	} sample;
	struct {
		uint8_t enabled;
		char domain[HVK_MEM_DOMAIN_MAX];	/* "" = the region's own */
		uint64_t shared;	/* pages backed by a shared page */
		uint64_t zero;		/* pages backed by the zero page */
		uint64_t unshared;	/* unique candidates, last full scan */
		uint64_t volatile_pages;	/* changing, last full scan */
		uint64_t metadata;	/* bytes */
	} merge;
};

int hvk_mem_open(struct hvk_nl **nl, struct hvk_error *err);
int hvk_mem_region_parse(const struct nlmsghdr *nlh, struct hvk_mem_region *r,
			 struct hvk_error *err);
int hvk_mem_region_list(struct hvk_nl *nl, struct hvk_mem_region **out, size_t *n,
			struct hvk_error *err);
int hvk_mem_region_get(struct hvk_nl *nl, uint64_t id, struct hvk_mem_region *out,
		       struct hvk_error *err);
/* The region of the file at @path (stat: same device and inode). */
int hvk_mem_region_find(struct hvk_nl *nl, const char *path,
			struct hvk_mem_region *out, struct hvk_error *err);
/* Start a dirty-rate sample of @duration_ms; read it back from ->sample. */
int hvk_mem_sample(struct hvk_nl *nl, uint64_t id, uint32_t duration_ms,
		   struct hvk_error *err);

/*
 * Merging of region @id: @on 1/0, or -1 to leave it; @domain a name ("" =
 * the region's own), or NULL to leave it.  Leaving merging or a domain
 * unmerges the region's pages first.
 */
int hvk_mem_region_merge(struct hvk_nl *nl, uint64_t id, int on, const char *domain,
			 struct hvk_error *err);

/* The merge scanner: controls and statistics (HVK_MEM_CMD_MERGE_*). */
struct hvk_merge_info {
	uint8_t run;			/* enum hvk_mem_merge_run */
	uint32_t pages_to_scan, sleep_ms, max_sharing;
	uint8_t zero_pages, cpu_budget;	/* cpu_budget: % of a CPU, 0 = off */
	uint64_t pages_shared, pages_sharing, pages_unshared, pages_volatile;
	uint64_t pages_zero, pages_scanned, full_scans, last_scan_ms, cpu_ns;
	uint64_t metadata;		/* bytes */
	int64_t profit;			/* bytes saved - metadata */
	uint32_t regions, batch;
	uint64_t scan_pages;		/* pages with merge metadata */
};

/* Controls to change: a bit per field, HVK_MERGE_SET_*. */
enum {
	HVK_MERGE_SET_RUN = 1 << 0,
	HVK_MERGE_SET_PAGES_TO_SCAN = 1 << 1,
	HVK_MERGE_SET_SLEEP_MS = 1 << 2,
	HVK_MERGE_SET_MAX_SHARING = 1 << 3,
	HVK_MERGE_SET_ZERO_PAGES = 1 << 4,
	HVK_MERGE_SET_CPU_BUDGET = 1 << 5,
};

int hvk_merge_parse(const struct nlmsghdr *nlh, struct hvk_merge_info *m,
		    struct hvk_error *err);
int hvk_merge_get(struct hvk_nl *nl, struct hvk_merge_info *out, struct hvk_error *err);
/* Apply the fields of @set named by @mask; @out (may be NULL) gets the result. */
int hvk_merge_set(struct hvk_nl *nl, const struct hvk_merge_info *set, unsigned int mask,
		  struct hvk_merge_info *out, struct hvk_error *err);

/* The kernel's KSM for one process (netlink) and its global knobs (sysfs). */
struct hvk_ksm_proc {
	uint32_t pid;
	bool entered;			/* known to ksmd */
	uint32_t vmas;			/* mergeable mappings (set: changed) */
	uint64_t bytes;			/* in mergeable mappings */
	uint64_t merging_pages, rmap_items;
};

int hvk_ksm_get(struct hvk_nl *nl, uint32_t pid, struct hvk_ksm_proc *out,
		struct hvk_error *err);
/* (Un)mark the anonymous mappings overlapping [start, start + len) (len 0: all). */
int hvk_ksm_set(struct hvk_nl *nl, uint32_t pid, bool mergeable, uint64_t start,
		uint64_t len, struct hvk_ksm_proc *out, struct hvk_error *err);

/* /sys/kernel/mm/ksm: the files this kernel has, in a fixed order. */
struct hvk_ksm_knob {
	const char *name;		/* file name */
	bool writable, present;
	uint64_t value;
};

/* Fill @knobs (an array of hvk_ksm_knob_count() entries). */
size_t hvk_ksm_knob_count(void);
int hvk_ksm_sys_read(struct hvk_ksm_knob *knobs, struct hvk_error *err);
int hvk_ksm_sys_write(const char *name, uint64_t value, struct hvk_error *err);

/* ---- the dirty log, on a file descriptor of an hvkmem file ---- */

int hvk_mem_info(int fd, struct hvk_mem_info *info, struct hvk_error *err);
/* @flags: HVK_MEM_LOG_INITIALLY_SET.  The log belongs to @fd's open file. */
int hvk_mem_log_start(int fd, uint64_t flags, struct hvk_error *err);
int hvk_mem_log_stop(int fd, struct hvk_error *err);
/*
 * Copy the bitmap of pages [first, first + n) into @bitmap (bit i of word
 * w = page first + 64 w + i); with @clear, clear it and write-protect those
 * pages atomically.  @first is a multiple of 64; @n too unless it reaches
 * the last page.  *dirty (if not NULL) = bits set.
 */
int hvk_mem_log_get(int fd, uint64_t first, uint64_t n, uint64_t *bitmap,
		    size_t bitmap_size, bool clear, uint64_t *dirty,
		    struct hvk_error *err);
int hvk_mem_log_stats(int fd, struct hvk_mem_log_stats *st, struct hvk_error *err);

#ifdef __cplusplus
}
#endif

#endif /* _HVK_MEM_API_H */
