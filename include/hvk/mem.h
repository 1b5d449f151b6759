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
