/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hvk_mem: generic netlink ABI of the hvkit guest-memory module.
 *
 * Conventions (Documentation/netlink.md): attributes start at 1, rates are
 * u64 bit/s, sizes u64 bytes, times u32 milliseconds.  The authoritative
 * description is Documentation/netlink/specs/hvk_mem.yaml.
 */
#ifndef _UAPI_LINUX_HVK_MEM_H
#define _UAPI_LINUX_HVK_MEM_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define HVK_MEM_GENL_NAME		"hvk_mem"
#define HVK_MEM_GENL_VERSION		1
#define HVK_MEM_MCGRP_EVENTS		"events"

enum hvk_mem_cmd {
	HVK_MEM_CMD_UNSPEC,
	HVK_MEM_CMD_INFO_GET,	/* do: module version and features */
	HVK_MEM_CMD_REGION_GET,	/* do, dump: hvkmem regions */
	HVK_MEM_CMD_REGION_SAMPLE,	/* do: start a dirty-rate sample */
	HVK_MEM_CMD_REGION_NTF,	/* notify: enum hvk_mem_region_event */
	HVK_MEM_CMD_REGION_SET,	/* do: a region's merging and domain */
	HVK_MEM_CMD_MERGE_GET,	/* do: merge controls and statistics */
	HVK_MEM_CMD_MERGE_SET,	/* do: merge controls (run, scan rate, ...) */
	HVK_MEM_CMD_MERGE_NTF,	/* notify: a full scan finished (stats) */
	HVK_MEM_CMD_KSM_GET,	/* do: KSM state of a process */
	HVK_MEM_CMD_KSM_SET,	/* do: (un)mark a process's anonymous memory */

	__HVK_MEM_CMD_MAX,
	HVK_MEM_CMD_MAX = __HVK_MEM_CMD_MAX - 1
};

/* Attribute set "info": replies to HVK_MEM_CMD_INFO_GET. */
enum hvk_mem_info_attr {
	HVK_MEM_INFO_A_UNSPEC,
	HVK_MEM_INFO_A_VERSION,	/* string: module version */
	HVK_MEM_INFO_A_FEATURES,	/* u64: feature bits, see below */
	HVK_MEM_INFO_A_PAD,

	__HVK_MEM_INFO_A_MAX,
	HVK_MEM_INFO_A_MAX = __HVK_MEM_INFO_A_MAX - 1
};

/*
 * Feature bits in HVK_MEM_INFO_A_FEATURES.  A bit is defined when its
 * feature lands; userspace ignores bits it does not know.
 */
#define HVK_MEM_F_FS		(1ULL << 0)	/* the hvkmem filesystem */
#define HVK_MEM_F_DIRTY_LOG	(1ULL << 1)	/* dirty-log ioctls, rate sampling */
#define HVK_MEM_F_MERGE		(1ULL << 2)	/* page merging in hvkmem regions */
#define HVK_MEM_F_KSM		(1ULL << 3)	/* KSM controls (kernel has CONFIG_KSM) */

/* Attribute set "region": an hvkmem file (HVK_MEM_CMD_REGION_*). */
enum hvk_mem_region_attr {
	HVK_MEM_REGION_A_UNSPEC,
	HVK_MEM_REGION_A_ID,		/* u64: region id, unique until reboot */
	HVK_MEM_REGION_A_PATH,		/* string: path (" (deleted)" if unlinked) */
	HVK_MEM_REGION_A_DEV,		/* u32: st_dev of the file */
	HVK_MEM_REGION_A_INO,		/* u64: st_ino of the file */
	HVK_MEM_REGION_A_SIZE,		/* u64: file size, bytes */
	HVK_MEM_REGION_A_RESIDENT,	/* u64: pages allocated */
	HVK_MEM_REGION_A_MAPPINGS,	/* u32: mappings (VMAs) of the file */
	HVK_MEM_REGION_A_LOG,		/* nest: attribute set "log" */
	HVK_MEM_REGION_A_SAMPLE,	/* nest: attribute set "sample" */
	HVK_MEM_REGION_A_EVENT,		/* u8: enum hvk_mem_region_event (NTF) */
	HVK_MEM_REGION_A_DURATION,	/* u32 ms: REGION_SAMPLE request */
	HVK_MEM_REGION_A_PAD,
	HVK_MEM_REGION_A_MERGE,		/* nest: attribute set "region-merge" */

	__HVK_MEM_REGION_A_MAX,
	HVK_MEM_REGION_A_MAX = __HVK_MEM_REGION_A_MAX - 1
};

/* Attribute set "log": the dirty log of a region. */
enum hvk_mem_log_attr {
	HVK_MEM_LOG_A_UNSPEC,
	HVK_MEM_LOG_A_RUNNING,		/* flag */
	HVK_MEM_LOG_A_PID,		/* u32: process that started it */
	HVK_MEM_LOG_A_DIRTY,		/* u64: pages set in the bitmap now */
	HVK_MEM_LOG_A_RATE,		/* u64: bytes/s, between the last two clearing gets */
	HVK_MEM_LOG_A_GETS,		/* u64: clearing gets */
	HVK_MEM_LOG_A_WRITE_FAULTS,	/* u64: write notifications while logging */
	HVK_MEM_LOG_A_PROTECTED,	/* u64: pages write-protected again */
	HVK_MEM_LOG_A_PAD,

	__HVK_MEM_LOG_A_MAX,
	HVK_MEM_LOG_A_MAX = __HVK_MEM_LOG_A_MAX - 1
};

/* Attribute set "sample": the last dirty-rate sample of a region. */
enum hvk_mem_sample_attr {
	HVK_MEM_SAMPLE_A_UNSPEC,
	HVK_MEM_SAMPLE_A_SEQ,		/* u64: sample number, 1 for the first */
	HVK_MEM_SAMPLE_A_RUNNING,	/* flag: not finished yet */
	HVK_MEM_SAMPLE_A_DURATION,	/* u32 ms */
	HVK_MEM_SAMPLE_A_PAGES,		/* u64: distinct pages written */
	HVK_MEM_SAMPLE_A_RATE,		/* u64: bytes/s */
	HVK_MEM_SAMPLE_A_PAD,

	__HVK_MEM_SAMPLE_A_MAX,
	HVK_MEM_SAMPLE_A_MAX = __HVK_MEM_SAMPLE_A_MAX - 1
};

/* Attribute set "region-merge": a region's merging (REGION_GET, REGION_SET). */
enum hvk_mem_rmerge_attr {
	HVK_MEM_RMERGE_A_UNSPEC,
	HVK_MEM_RMERGE_A_ENABLED,	/* u8: 0 off, 1 on */
	HVK_MEM_RMERGE_A_DOMAIN,	/* string: domain name, "" = its own */
	HVK_MEM_RMERGE_A_SHARED,	/* u64: pages backed by a shared page */
	HVK_MEM_RMERGE_A_ZERO,		/* u64: pages backed by the zero page */
	HVK_MEM_RMERGE_A_UNSHARED,	/* u64: candidates, unique in the last scan */
	HVK_MEM_RMERGE_A_VOLATILE,	/* u64: skipped as changing, last scan */
	HVK_MEM_RMERGE_A_METADATA,	/* u64: bytes of merge metadata */
	HVK_MEM_RMERGE_A_PAD,

	__HVK_MEM_RMERGE_A_MAX,
	HVK_MEM_RMERGE_A_MAX = __HVK_MEM_RMERGE_A_MAX - 1
};

#define HVK_MEM_DOMAIN_MAX	32	/* bytes of a domain name, with the NUL */

/* HVK_MEM_MERGE_A_RUN */
enum hvk_mem_merge_run {
	HVK_MEM_MERGE_RUN_OFF,		/* stop scanning, keep merged pages */
	HVK_MEM_MERGE_RUN_ON,		/* scan regions with merging on */
	HVK_MEM_MERGE_RUN_UNMERGE,	/* stop, give every sharer its own copy */
};

/* Attribute set "merge": controls and statistics of the merge scanner. */
enum hvk_mem_merge_attr {
	HVK_MEM_MERGE_A_UNSPEC,
	HVK_MEM_MERGE_A_RUN,		/* u8: enum hvk_mem_merge_run */
	HVK_MEM_MERGE_A_PAGES_TO_SCAN,	/* u32: pages per wake-up */
	HVK_MEM_MERGE_A_SLEEP_MS,	/* u32: sleep between wake-ups */
	HVK_MEM_MERGE_A_MAX_SHARING,	/* u32: sharers per shared page */
	HVK_MEM_MERGE_A_ZERO_PAGES,	/* u8: merge zero pages into one */
	HVK_MEM_MERGE_A_CPU_BUDGET,	/* u8: % of one CPU, 0 = use pages-to-scan */
	HVK_MEM_MERGE_A_PAGES_SHARED,	/* u64: shared pages in use */
	HVK_MEM_MERGE_A_PAGES_SHARING,	/* u64: further sharers (pages saved) */
	HVK_MEM_MERGE_A_PAGES_UNSHARED,	/* u64: unique candidates, last scan */
	HVK_MEM_MERGE_A_PAGES_VOLATILE,	/* u64: changing pages, last scan */
	HVK_MEM_MERGE_A_PAGES_ZERO,	/* u64: pages backed by the zero page */
	HVK_MEM_MERGE_A_PAGES_SCANNED,	/* u64: pages scanned since load */
	HVK_MEM_MERGE_A_FULL_SCANS,	/* u64 */
	HVK_MEM_MERGE_A_LAST_SCAN_MS,	/* u64: duration of the last full scan */
	HVK_MEM_MERGE_A_CPU_NS,		/* u64: scanner CPU time since load */
	HVK_MEM_MERGE_A_METADATA,	/* u64: bytes of merge metadata */
	HVK_MEM_MERGE_A_PROFIT,		/* s64: bytes saved - metadata */
	HVK_MEM_MERGE_A_REGIONS,	/* u32: regions with merging on */
	HVK_MEM_MERGE_A_SCAN_PAGES,	/* u64: pages those regions hold slots for */
	HVK_MEM_MERGE_A_BATCH,		/* u32: pages scanned in the last wake-up */
	HVK_MEM_MERGE_A_PAD,

	__HVK_MEM_MERGE_A_MAX,
	HVK_MEM_MERGE_A_MAX = __HVK_MEM_MERGE_A_MAX - 1
};

/* Attribute set "ksm": the kernel's KSM for one process (KSM_GET/SET). */
enum hvk_mem_ksm_attr {
	HVK_MEM_KSM_A_UNSPEC,
	HVK_MEM_KSM_A_PID,		/* u32: in the caller's pid namespace */
	HVK_MEM_KSM_A_MERGEABLE,	/* u8: SET: 1 MADV_MERGEABLE, 0 UNMERGEABLE */
	HVK_MEM_KSM_A_START,		/* u64: SET: address range (optional) */
	HVK_MEM_KSM_A_LENGTH,		/* u64: SET: bytes, with START */
	HVK_MEM_KSM_A_ENTERED,		/* flag: the process is known to ksmd */
	HVK_MEM_KSM_A_VMAS,		/* u32: mergeable mappings (SET: changed) */
	HVK_MEM_KSM_A_BYTES,		/* u64: bytes in mergeable mappings */
	HVK_MEM_KSM_A_MERGING_PAGES,	/* u64: pages merged by KSM */
	HVK_MEM_KSM_A_RMAP_ITEMS,	/* u64: KSM metadata items of the process */
	HVK_MEM_KSM_A_PAD,

	__HVK_MEM_KSM_A_MAX,
	HVK_MEM_KSM_A_MAX = __HVK_MEM_KSM_A_MAX - 1
};

enum hvk_mem_region_event {
	HVK_MEM_EV_NONE,		/* not an event (replies) */
	HVK_MEM_EV_REGION_NEW,
	HVK_MEM_EV_REGION_DEL,
	HVK_MEM_EV_LOG_START,
	HVK_MEM_EV_LOG_STOP,
};

/* statfs(2) f_type of an hvkmem mount ("hvkm"). */
#define HVKMEM_SUPER_MAGIC	0x68766b6d

/*
 * Dirty-log ioctls on an open hvkmem file (Documentation/mem-ioctl.md).
 * Pages are PAGE_SIZE; page N covers bytes [N * PAGE_SIZE, (N + 1) * PAGE_SIZE).
 */
#define HVK_MEM_IOC_MAGIC	0xb8

struct hvk_mem_info {
	__u64 id;		/* the region's netlink id */
	__u64 size;		/* bytes */
	__u64 resident;		/* pages allocated */
	__u32 page_size;
	__u32 flags;		/* HVK_MEM_INFO_LOG_RUNNING */
};

#define HVK_MEM_INFO_LOG_RUNNING	(1U << 0)

/* LOG_START flags: every page starts dirty; start costs O(1). */
#define HVK_MEM_LOG_INITIALLY_SET	(1ULL << 0)

struct hvk_mem_log_start {
	__u64 flags;
};

/* LOG_GET flags: clear what is returned and write-protect those pages. */
#define HVK_MEM_LOG_CLEAR		(1ULL << 0)

struct hvk_mem_log_get {
	__u64 first_page;	/* a multiple of 64 */
	__u64 num_pages;	/* a multiple of 64, or up to the last page */
	__u64 bitmap;		/* user pointer: bit N = page first_page + N */
	__u64 bitmap_size;	/* bytes at bitmap, >= 8 * ceil(num_pages / 64) */
	__u64 flags;		/* HVK_MEM_LOG_CLEAR */
	__u64 dirty;		/* out: bits set in the returned bitmap */
};

struct hvk_mem_log_stats {
	__u64 flags;		/* HVK_MEM_INFO_LOG_RUNNING */
	__u64 dirty;		/* pages set in the bitmap now */
	__u64 dirtied;		/* pages that went clean -> dirty since start */
	__u64 write_faults;	/* write notifications (mkwrite, write()) */
	__u64 gets;		/* clearing gets */
	__u64 reported;		/* pages returned by clearing gets */
	__u64 protected;	/* pages write-protected again */
	__u64 get_ns;		/* time spent in clearing gets */
};

#define HVK_MEM_IOC_INFO	_IOR(HVK_MEM_IOC_MAGIC, 0, struct hvk_mem_info)
#define HVK_MEM_IOC_LOG_START	_IOW(HVK_MEM_IOC_MAGIC, 1, struct hvk_mem_log_start)
#define HVK_MEM_IOC_LOG_STOP	_IO(HVK_MEM_IOC_MAGIC, 2)
#define HVK_MEM_IOC_LOG_GET	_IOWR(HVK_MEM_IOC_MAGIC, 3, struct hvk_mem_log_get)
#define HVK_MEM_IOC_LOG_STATS	_IOR(HVK_MEM_IOC_MAGIC, 4, struct hvk_mem_log_stats)

#endif /* _UAPI_LINUX_HVK_MEM_H */
