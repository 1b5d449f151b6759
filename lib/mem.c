// SPDX-License-Identifier: LGPL-2.1-or-later
/* libhvk: hvkmem regions over netlink, the dirty log over ioctls. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <hvk/hvk.h>
#include <hvk/mem.h>

#include "nl.h"

int hvk_mem_open(struct hvk_nl **nl, struct hvk_error *err)
{
	return hvk_nl_open(nl, HVK_MEM_GENL_NAME, err);
}

/*
 * Where a reply attribute goes: one table per attribute set, so the
 * region, its log and its sample are read by the same code.
 */
struct field {
	uint16_t type;
	enum mnl_attr_data_type kind;	/* FLAG, U8, U32, U64, NUL_STRING, NESTED */
	void *dst;			/* bool, uint8_t, uint32_t, uint64_t, char[] */
	size_t len;			/* NUL_STRING: size of dst; NESTED: entries in sub */
	const struct field *sub;	/* NESTED: the nested set's table */
};

#define N_FIELDS(t) (sizeof(t) / sizeof((t)[0]))
#define FIELD(t, k, d) { .type = (t), .kind = (k), .dst = (d) }
#define NEST(t, table) { .type = (t), .kind = MNL_TYPE_NESTED, .len = N_FIELDS(table), .sub = (table) }

/* Store @a where its entry in @f says; unknown types are skipped. */
static int decode_field(const struct nlattr *a, const struct field *f, size_t n)
{
	const struct nlattr *b;

	for (; n; f++, n--) {
		if (mnl_attr_get_type(a) != f->type)
			continue;
		if (mnl_attr_validate(a, f->kind))
			return -EBADMSG;
		switch (f->kind) {
		case MNL_TYPE_FLAG:
			*(bool *)f->dst = true;
			break;
		case MNL_TYPE_U8:
			*(uint8_t *)f->dst = mnl_attr_get_u8(a);
			break;
		case MNL_TYPE_U32:
			*(uint32_t *)f->dst = mnl_attr_get_u32(a);
			break;
		case MNL_TYPE_U64:
			*(uint64_t *)f->dst = mnl_attr_get_u64(a);
			break;
		case MNL_TYPE_NUL_STRING:
			snprintf(f->dst, f->len, "%s", mnl_attr_get_str(a));
			break;
		case MNL_TYPE_NESTED:
			mnl_attr_for_each_nested(b, a)
				if (decode_field(b, f->sub, f->len))
					return -EBADMSG;
			break;
		default:
			break;
		}
		return 0;
	}
	return 0;
}

/* Every top-level attribute of a reply or event into the table @f. */
static int decode_msg(const struct nlmsghdr *nlh, const struct field *f, size_t n,
		     const char *what, struct hvk_error *err)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (decode_field(a, f, n))
			return hvkp_error_set(err, -EBADMSG, "malformed %s attribute %u",
					      what, mnl_attr_get_type(a));
	return 0;
}

int hvk_mem_region_parse(const struct nlmsghdr *nlh, struct hvk_mem_region *r,
			 struct hvk_error *err)
{
	const struct field log[] = {
		FIELD(HVK_MEM_LOG_A_RUNNING, MNL_TYPE_FLAG, &r->log.running),
		FIELD(HVK_MEM_LOG_A_PID, MNL_TYPE_U32, &r->log.pid),
		FIELD(HVK_MEM_LOG_A_DIRTY, MNL_TYPE_U64, &r->log.dirty),
		FIELD(HVK_MEM_LOG_A_RATE, MNL_TYPE_U64, &r->log.rate),
		FIELD(HVK_MEM_LOG_A_GETS, MNL_TYPE_U64, &r->log.gets),
		FIELD(HVK_MEM_LOG_A_WRITE_FAULTS, MNL_TYPE_U64, &r->log.write_faults),
		FIELD(HVK_MEM_LOG_A_PROTECTED, MNL_TYPE_U64, &r->log.protected_pages),
	};
	const struct field sample[] = {
		FIELD(HVK_MEM_SAMPLE_A_SEQ, MNL_TYPE_U64, &r->sample.seq),
		FIELD(HVK_MEM_SAMPLE_A_RUNNING, MNL_TYPE_FLAG, &r->sample.running),
		FIELD(HVK_MEM_SAMPLE_A_DURATION, MNL_TYPE_U32, &r->sample.duration_ms),
		FIELD(HVK_MEM_SAMPLE_A_PAGES, MNL_TYPE_U64, &r->sample.pages),
		FIELD(HVK_MEM_SAMPLE_A_RATE, MNL_TYPE_U64, &r->sample.rate),
	};
	const struct field merge[] = {
		FIELD(HVK_MEM_RMERGE_A_ENABLED, MNL_TYPE_U8, &r->merge.enabled),
		{ .type = HVK_MEM_RMERGE_A_DOMAIN, .kind = MNL_TYPE_NUL_STRING,
		  .dst = r->merge.domain, .len = sizeof(r->merge.domain) },
		FIELD(HVK_MEM_RMERGE_A_SHARED, MNL_TYPE_U64, &r->merge.shared),
		FIELD(HVK_MEM_RMERGE_A_ZERO, MNL_TYPE_U64, &r->merge.zero),
		FIELD(HVK_MEM_RMERGE_A_UNSHARED, MNL_TYPE_U64, &r->merge.unshared),
		FIELD(HVK_MEM_RMERGE_A_VOLATILE, MNL_TYPE_U64, &r->merge.volatile_pages),
		FIELD(HVK_MEM_RMERGE_A_METADATA, MNL_TYPE_U64, &r->merge.metadata),
	};
	const struct field region[] = {
		FIELD(HVK_MEM_REGION_A_ID, MNL_TYPE_U64, &r->id),
		{ .type = HVK_MEM_REGION_A_PATH, .kind = MNL_TYPE_NUL_STRING, .dst = r->path,
		  .len = sizeof(r->path) },
		FIELD(HVK_MEM_REGION_A_DEV, MNL_TYPE_U32, &r->dev),
		FIELD(HVK_MEM_REGION_A_INO, MNL_TYPE_U64, &r->ino),
		FIELD(HVK_MEM_REGION_A_SIZE, MNL_TYPE_U64, &r->size),
		FIELD(HVK_MEM_REGION_A_RESIDENT, MNL_TYPE_U64, &r->resident),
		FIELD(HVK_MEM_REGION_A_MAPPINGS, MNL_TYPE_U32, &r->mappings),
		FIELD(HVK_MEM_REGION_A_EVENT, MNL_TYPE_U8, &r->event),
		NEST(HVK_MEM_REGION_A_LOG, log),
		NEST(HVK_MEM_REGION_A_SAMPLE, sample),
		NEST(HVK_MEM_REGION_A_MERGE, merge),
	};

	memset(r, 0, sizeof(*r));
	return decode_msg(nlh, region, N_FIELDS(region), "region", err);
}

static int region_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	return hvk_mem_region_parse(nlh, data, err);
}

int hvk_mem_region_list(struct hvk_nl *nl, struct hvk_mem_region **out, size_t *n,
			struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct hvkp_list l = { .size = sizeof(**out), .parse = region_cb };

	return hvkp_dump(nl, hvk_nl_req_start(nl, buf, HVK_MEM_CMD_REGION_GET, NLM_F_DUMP),
			 &l, (void **)out, n, err);
}

int hvk_mem_region_get(struct hvk_nl *nl, uint64_t id, struct hvk_mem_region *out,
		       struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_MEM_CMD_REGION_GET, 0);

	mnl_attr_put_u64(nlh, HVK_MEM_REGION_A_ID, id);
	return hvk_nl_request(nl, nlh, region_cb, NULL, out, err);
}

int hvk_mem_region_find(struct hvk_nl *nl, const char *path,
			struct hvk_mem_region *out, struct hvk_error *err)
{
	struct hvk_mem_region *list;
	struct stat st;
	size_t n, i;
	int ret;

	hvk_error_clear(err);
	if (stat(path, &st))
		return hvkp_error_set(err, -errno, "%s: %s", path, strerror(errno));
	ret = hvk_mem_region_list(nl, &list, &n, err);
	if (ret)
		return ret;
	ret = hvkp_error_set(err, -ENOENT, "%s is not an hvkmem region", path);
	for (i = 0; i < n; i++) {
		/* stat(2) reports the kernel's new_encode_dev() value */
		if (list[i].ino == st.st_ino && list[i].dev == st.st_dev) {
			*out = list[i];
			hvk_error_clear(err);
			ret = 0;
			break;
		}
	}
	free(list);
	return ret;
}

int hvk_mem_sample(struct hvk_nl *nl, uint64_t id, uint32_t duration_ms,
		   struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_MEM_CMD_REGION_SAMPLE, 0);

	mnl_attr_put_u64(nlh, HVK_MEM_REGION_A_ID, id);
	mnl_attr_put_u32(nlh, HVK_MEM_REGION_A_DURATION, duration_ms);
	return hvk_nl_request(nl, nlh, NULL, NULL, NULL, err);
}

int hvk_mem_region_merge(struct hvk_nl *nl, uint64_t id, int on, const char *domain,
			 struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_MEM_CMD_REGION_SET, 0);
	struct nlattr *nest;

	hvk_error_clear(err);
	if (domain && strlen(domain) >= HVK_MEM_DOMAIN_MAX)
		return hvkp_error_set(err, -ENAMETOOLONG,
				      "a domain name has at most %d characters",
				      HVK_MEM_DOMAIN_MAX - 1);
	mnl_attr_put_u64(nlh, HVK_MEM_REGION_A_ID, id);
	nest = mnl_attr_nest_start(nlh, HVK_MEM_REGION_A_MERGE);
	if (on >= 0)
		mnl_attr_put_u8(nlh, HVK_MEM_RMERGE_A_ENABLED, !!on);
	if (domain)
		mnl_attr_put_strz(nlh, HVK_MEM_RMERGE_A_DOMAIN, domain);
	mnl_attr_nest_end(nlh, nest);
	return hvk_nl_request(nl, nlh, NULL, NULL, NULL, err);
}

/* ---- the merge scanner ---- */

int hvk_merge_parse(const struct nlmsghdr *nlh, struct hvk_merge_info *m,
		    struct hvk_error *err)
{
	const struct field f[] = {
		FIELD(HVK_MEM_MERGE_A_RUN, MNL_TYPE_U8, &m->run),
		FIELD(HVK_MEM_MERGE_A_PAGES_TO_SCAN, MNL_TYPE_U32, &m->pages_to_scan),
		FIELD(HVK_MEM_MERGE_A_SLEEP_MS, MNL_TYPE_U32, &m->sleep_ms),
		FIELD(HVK_MEM_MERGE_A_MAX_SHARING, MNL_TYPE_U32, &m->max_sharing),
		FIELD(HVK_MEM_MERGE_A_ZERO_PAGES, MNL_TYPE_U8, &m->zero_pages),
		FIELD(HVK_MEM_MERGE_A_CPU_BUDGET, MNL_TYPE_U8, &m->cpu_budget),
		FIELD(HVK_MEM_MERGE_A_PAGES_SHARED, MNL_TYPE_U64, &m->pages_shared),
		FIELD(HVK_MEM_MERGE_A_PAGES_SHARING, MNL_TYPE_U64, &m->pages_sharing),
		FIELD(HVK_MEM_MERGE_A_PAGES_UNSHARED, MNL_TYPE_U64, &m->pages_unshared),
		FIELD(HVK_MEM_MERGE_A_PAGES_VOLATILE, MNL_TYPE_U64, &m->pages_volatile),
		FIELD(HVK_MEM_MERGE_A_PAGES_ZERO, MNL_TYPE_U64, &m->pages_zero),
		FIELD(HVK_MEM_MERGE_A_PAGES_SCANNED, MNL_TYPE_U64, &m->pages_scanned),
		FIELD(HVK_MEM_MERGE_A_FULL_SCANS, MNL_TYPE_U64, &m->full_scans),
		FIELD(HVK_MEM_MERGE_A_LAST_SCAN_MS, MNL_TYPE_U64, &m->last_scan_ms),
		FIELD(HVK_MEM_MERGE_A_CPU_NS, MNL_TYPE_U64, &m->cpu_ns),
		FIELD(HVK_MEM_MERGE_A_METADATA, MNL_TYPE_U64, &m->metadata),
		FIELD(HVK_MEM_MERGE_A_PROFIT, MNL_TYPE_U64, &m->profit),
		FIELD(HVK_MEM_MERGE_A_REGIONS, MNL_TYPE_U32, &m->regions),
		FIELD(HVK_MEM_MERGE_A_SCAN_PAGES, MNL_TYPE_U64, &m->scan_pages),
		FIELD(HVK_MEM_MERGE_A_BATCH, MNL_TYPE_U32, &m->batch),
	};

	memset(m, 0, sizeof(*m));
	return decode_msg(nlh, f, N_FIELDS(f), "merge", err);
}

static int merge_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	return hvk_merge_parse(nlh, data, err);
}

int hvk_merge_get(struct hvk_nl *nl, struct hvk_merge_info *out, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_MEM_CMD_MERGE_GET, 0);

	return hvk_nl_request(nl, nlh, merge_cb, NULL, out, err);
}

int hvk_merge_set(struct hvk_nl *nl, const struct hvk_merge_info *set, unsigned int mask,
		  struct hvk_merge_info *out, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_MEM_CMD_MERGE_SET, 0);
	struct hvk_merge_info ignored;

	if (mask & HVK_MERGE_SET_RUN)
		mnl_attr_put_u8(nlh, HVK_MEM_MERGE_A_RUN, set->run);
	if (mask & HVK_MERGE_SET_PAGES_TO_SCAN)
		mnl_attr_put_u32(nlh, HVK_MEM_MERGE_A_PAGES_TO_SCAN, set->pages_to_scan);
	if (mask & HVK_MERGE_SET_SLEEP_MS)
		mnl_attr_put_u32(nlh, HVK_MEM_MERGE_A_SLEEP_MS, set->sleep_ms);
	if (mask & HVK_MERGE_SET_MAX_SHARING)
		mnl_attr_put_u32(nlh, HVK_MEM_MERGE_A_MAX_SHARING, set->max_sharing);
	if (mask & HVK_MERGE_SET_ZERO_PAGES)
		mnl_attr_put_u8(nlh, HVK_MEM_MERGE_A_ZERO_PAGES, set->zero_pages);
	if (mask & HVK_MERGE_SET_CPU_BUDGET)
		mnl_attr_put_u8(nlh, HVK_MEM_MERGE_A_CPU_BUDGET, set->cpu_budget);
	return hvk_nl_request(nl, nlh, merge_cb, NULL, out ? out : &ignored, err);
}

/* ---- KSM ---- */

static int ksm_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	struct hvk_ksm_proc *k = data;
	const struct field f[] = {
		FIELD(HVK_MEM_KSM_A_PID, MNL_TYPE_U32, &k->pid),
		FIELD(HVK_MEM_KSM_A_ENTERED, MNL_TYPE_FLAG, &k->entered),
		FIELD(HVK_MEM_KSM_A_VMAS, MNL_TYPE_U32, &k->vmas),
		FIELD(HVK_MEM_KSM_A_BYTES, MNL_TYPE_U64, &k->bytes),
		FIELD(HVK_MEM_KSM_A_MERGING_PAGES, MNL_TYPE_U64, &k->merging_pages),
		FIELD(HVK_MEM_KSM_A_RMAP_ITEMS, MNL_TYPE_U64, &k->rmap_items),
	};

	memset(k, 0, sizeof(*k));
	return decode_msg(nlh, f, N_FIELDS(f), "KSM", err);
}

int hvk_ksm_get(struct hvk_nl *nl, uint32_t pid, struct hvk_ksm_proc *out,
		struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_MEM_CMD_KSM_GET, 0);

	mnl_attr_put_u32(nlh, HVK_MEM_KSM_A_PID, pid);
	return hvk_nl_request(nl, nlh, ksm_cb, NULL, out, err);
}

int hvk_ksm_set(struct hvk_nl *nl, uint32_t pid, bool mergeable, uint64_t start,
		uint64_t len, struct hvk_ksm_proc *out, struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh = hvk_nl_req_start(nl, buf, HVK_MEM_CMD_KSM_SET, 0);
	struct hvk_ksm_proc ignored;

	mnl_attr_put_u32(nlh, HVK_MEM_KSM_A_PID, pid);
	mnl_attr_put_u8(nlh, HVK_MEM_KSM_A_MERGEABLE, mergeable);
	if (len) {
		mnl_attr_put_u64(nlh, HVK_MEM_KSM_A_START, start);
		mnl_attr_put_u64(nlh, HVK_MEM_KSM_A_LENGTH, len);
	}
	return hvk_nl_request(nl, nlh, ksm_cb, NULL, out ? out : &ignored, err);
}

#define KSM_SYS "/sys/kernel/mm/ksm/"

static const struct {
	const char *name;
	bool writable;
} ksm_knobs[] = {
	{ "run", true }, { "pages_to_scan", true }, { "sleep_millisecs", true },
	{ "max_page_sharing", true }, { "use_zero_pages", true },
	{ "merge_across_nodes", true }, { "stable_node_chains_prune_millisecs", true },
	{ "pages_shared", false }, { "pages_sharing", false }, { "pages_unshared", false },
	{ "pages_volatile", false }, { "full_scans", false },
	{ "stable_node_chains", false }, { "stable_node_dups", false },
};

size_t hvk_ksm_knob_count(void)
{
	return N_FIELDS(ksm_knobs);
}

int hvk_ksm_sys_read(struct hvk_ksm_knob *knobs, struct hvk_error *err)
{
	char path[128];
	size_t i, found = 0;

	hvk_error_clear(err);
	for (i = 0; i < N_FIELDS(ksm_knobs); i++) {
		unsigned long long v;
		FILE *f;

		knobs[i] = (struct hvk_ksm_knob){ .name = ksm_knobs[i].name,
						 .writable = ksm_knobs[i].writable };
		snprintf(path, sizeof(path), KSM_SYS "%s", ksm_knobs[i].name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &v) == 1) {
			knobs[i].value = v;
			knobs[i].present = true;
			found++;
		}
		fclose(f);
	}
	return found ? 0 : hvkp_error_set(err, -ENOENT,
					  "%s: no KSM here (kernel without CONFIG_KSM?)",
					  KSM_SYS);
}

int hvk_ksm_sys_write(const char *name, uint64_t value, struct hvk_error *err)
{
	char path[128];
	size_t i;
	FILE *f;

	hvk_error_clear(err);
	for (i = 0; i < N_FIELDS(ksm_knobs); i++)
		if (!strcmp(ksm_knobs[i].name, name) && ksm_knobs[i].writable)
			break;
	if (i == N_FIELDS(ksm_knobs))
		return hvkp_error_set(err, -EINVAL, "%s is not a KSM setting", name);
	snprintf(path, sizeof(path), KSM_SYS "%s", name);
	f = fopen(path, "we");
	if (!f)
		return hvkp_error_set(err, -errno, "%s: %s", path, strerror(errno));
	fprintf(f, "%llu\n", (unsigned long long)value);
	if (fclose(f))
		return hvkp_error_set(err, -errno, "%s: %s", path,
				      errno == EINVAL ? "value out of range" : strerror(errno));
	return 0;
}

/* ---- ioctls ---- */

/* An ioctl's errno as a sentence; @what names the operation. */
static int ioctl_error(int fd, struct hvk_error *err, const char *what)
{
	int e = errno;
	const char *why;

	if (e == EBADF && fcntl(fd, F_GETFD) < 0)
		return hvkp_error_set(err, -e, "%s: %s", what, strerror(e));

	switch (e) {
	case ENOTTY:
		why = "not an hvkmem file";
		break;
	case EBADF:
		why = "the file is not open for writing";
		break;
	case ENOENT:
		why = "the dirty log is not running";
		break;
	case EBUSY:
		why = !strcmp(what, "start the dirty log") ?
		      "the dirty log is already running" :
		      "the dirty log belongs to another open file";
		break;
	case EINVAL:
		why = "first page must be a multiple of 64, and the count too unless it reaches the last page";
		break;
	case ERANGE:
		why = "the page range is outside the region";
		break;
	case ENOBUFS:
		why = "the bitmap buffer is too small for the range";
		break;
	case EOPNOTSUPP:
		why = "unknown flags";
		break;
	default:
		why = strerror(e);
	}
	return hvkp_error_set(err, -e, "%s: %s", what, why);
}

int hvk_mem_info(int fd, struct hvk_mem_info *info, struct hvk_error *err)
{
	hvk_error_clear(err);
	return ioctl(fd, HVK_MEM_IOC_INFO, info) ? ioctl_error(fd, err, "region info") : 0;
}

int hvk_mem_log_start(int fd, uint64_t flags, struct hvk_error *err)
{
	struct hvk_mem_log_start req = { .flags = flags };

	hvk_error_clear(err);
	return ioctl(fd, HVK_MEM_IOC_LOG_START, &req) ?
	       ioctl_error(fd, err, "start the dirty log") : 0;
}

int hvk_mem_log_stop(int fd, struct hvk_error *err)
{
	hvk_error_clear(err);
	return ioctl(fd, HVK_MEM_IOC_LOG_STOP) ? ioctl_error(fd, err, "stop the dirty log") : 0;
}

int hvk_mem_log_get(int fd, uint64_t first, uint64_t n, uint64_t *bitmap,
		    size_t bitmap_size, bool clear, uint64_t *dirty,
		    struct hvk_error *err)
{
	struct hvk_mem_log_get req = {
		.first_page = first,
		.num_pages = n,
		.bitmap = (uintptr_t)bitmap,
		.bitmap_size = bitmap_size,
		.flags = clear ? HVK_MEM_LOG_CLEAR : 0,
	};

	hvk_error_clear(err);
	if (ioctl(fd, HVK_MEM_IOC_LOG_GET, &req))
		return ioctl_error(fd, err, "get the dirty log");
	if (dirty)
		*dirty = req.dirty;
	return 0;
}

int hvk_mem_log_stats(int fd, struct hvk_mem_log_stats *st, struct hvk_error *err)
{
	hvk_error_clear(err);
	return ioctl(fd, HVK_MEM_IOC_LOG_STATS, st) ? ioctl_error(fd, err, "dirty-log stats") : 0;
}
