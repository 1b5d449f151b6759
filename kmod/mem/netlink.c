// SPDX-License-Identifier: GPL-2.0
/*
 * The "hvk_mem" generic netlink family: module info, hvkmem regions, their
 * dirty-rate sampling and merging, region and full-scan events, the merge
 * scanner's controls, KSM controls for other processes.
 *
 * Guest memory is host memory, not networking (Documentation/mem.md,
 * "Who may see and steer guest memory"): a region is shown to the host's
 * CAP_SYS_ADMIN and to callers who could open its file; its settings
 * change for CAP_SYS_ADMIN or its file's owner, and only CAP_SYS_ADMIN
 * names a shared merge domain; host-wide merge and KSM controls need
 * CAP_SYS_ADMIN; events (every region's path) go to CAP_SYS_ADMIN
 * listeners in the initial network namespace.  CAP_NET_ADMIN grants
 * nothing here.  Capabilities are those of the initial user namespace,
 * checked against both the socket's opener and the caller.
 */
#include <net/genetlink.h>
#include <linux/hvk_mem.h>

#include "compat.h"
#include "hvk_genl.h"
#include "mem.h"
#include "netlink.h"

static struct genl_family hvk_mem_genl_family;

#define HVK_MEM_FEATURES	(HVK_MEM_F_FS | HVK_MEM_F_DIRTY_LOG | \
				 HVK_MEM_F_MERGE | \
				 (IS_ENABLED(CONFIG_KSM) ? HVK_MEM_F_KSM : 0))

/* INFO_GET takes no attributes; name the ones a confused caller might echo. */
static const struct nla_policy hvk_mem_info_nl_policy[HVK_MEM_INFO_A_MAX + 1] = {
	[HVK_MEM_INFO_A_VERSION] = READ_ONLY("version is read-only"),
	[HVK_MEM_INFO_A_FEATURES] = READ_ONLY("features are read-only"),
	[HVK_MEM_INFO_A_PAD] = { .type = NLA_REJECT },
};

static const struct nla_policy hvk_mem_region_get_nl_policy[HVK_MEM_REGION_A_MAX + 1] = {
	[HVK_MEM_REGION_A_ID] = { .type = NLA_U64 },
};

static struct netlink_range_validation hvk_mem_duration_range __ro_after_init = {
	.min = 10,
	.max = 60000,
};

static const struct nla_policy hvk_mem_region_sample_nl_policy[HVK_MEM_REGION_A_MAX + 1] = {
	[HVK_MEM_REGION_A_ID] = { .type = NLA_U64 },
	[HVK_MEM_REGION_A_DURATION] = NLA_POLICY_FULL_RANGE(NLA_U32, &hvk_mem_duration_range),
};

#define MERGE_RO READ_ONLY("merge statistics are read-only")
#define KSM_RO READ_ONLY("KSM statistics are read-only")

static const struct nla_policy hvk_mem_rmerge_nl_policy[HVK_MEM_RMERGE_A_MAX + 1] = {
	[HVK_MEM_RMERGE_A_ENABLED] = NLA_POLICY_MAX(NLA_U8, 1),
	[HVK_MEM_RMERGE_A_DOMAIN] = {
		.type = NLA_NUL_STRING,
		.len = HVK_MEM_DOMAIN_MAX - 1,
	},
	[HVK_MEM_RMERGE_A_SHARED] = MERGE_RO,
	[HVK_MEM_RMERGE_A_ZERO] = MERGE_RO,
	[HVK_MEM_RMERGE_A_UNSHARED] = MERGE_RO,
	[HVK_MEM_RMERGE_A_VOLATILE] = MERGE_RO,
	[HVK_MEM_RMERGE_A_METADATA] = MERGE_RO,
	[HVK_MEM_RMERGE_A_PAD] = { .type = NLA_REJECT },
};

static const struct nla_policy hvk_mem_region_set_nl_policy[HVK_MEM_REGION_A_MAX + 1] = {
	[HVK_MEM_REGION_A_ID] = { .type = NLA_U64 },
	[HVK_MEM_REGION_A_MERGE] = NLA_POLICY_NESTED(hvk_mem_rmerge_nl_policy),
};

static struct netlink_range_validation hvk_mem_scan_range __ro_after_init = {
	.min = 1,
	.max = 10000000,
};

static struct netlink_range_validation hvk_mem_sleep_range __ro_after_init = {
	.max = 600000,
};

static struct netlink_range_validation hvk_mem_sharing_range __ro_after_init = {
	.min = 2,
	.max = 65536,
};

static const struct nla_policy hvk_mem_merge_nl_policy[HVK_MEM_MERGE_A_MAX + 1] = {
	[HVK_MEM_MERGE_A_RUN] = NLA_POLICY_MAX(NLA_U8, HVK_MEM_MERGE_RUN_UNMERGE),
	[HVK_MEM_MERGE_A_PAGES_TO_SCAN] = NLA_POLICY_FULL_RANGE(NLA_U32, &hvk_mem_scan_range),
	[HVK_MEM_MERGE_A_SLEEP_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &hvk_mem_sleep_range),
	[HVK_MEM_MERGE_A_MAX_SHARING] = NLA_POLICY_FULL_RANGE(NLA_U32, &hvk_mem_sharing_range),
	[HVK_MEM_MERGE_A_ZERO_PAGES] = NLA_POLICY_MAX(NLA_U8, 1),
	[HVK_MEM_MERGE_A_CPU_BUDGET] = NLA_POLICY_MAX(NLA_U8, 100),
	[HVK_MEM_MERGE_A_PAGES_SHARED] = MERGE_RO,
	[HVK_MEM_MERGE_A_PAGES_SHARING] = MERGE_RO,
	[HVK_MEM_MERGE_A_PAGES_UNSHARED] = MERGE_RO,
	[HVK_MEM_MERGE_A_PAGES_VOLATILE] = MERGE_RO,
	[HVK_MEM_MERGE_A_PAGES_ZERO] = MERGE_RO,
	[HVK_MEM_MERGE_A_PAGES_SCANNED] = MERGE_RO,
	[HVK_MEM_MERGE_A_FULL_SCANS] = MERGE_RO,
	[HVK_MEM_MERGE_A_LAST_SCAN_MS] = MERGE_RO,
	[HVK_MEM_MERGE_A_CPU_NS] = MERGE_RO,
	[HVK_MEM_MERGE_A_METADATA] = MERGE_RO,
	[HVK_MEM_MERGE_A_PROFIT] = MERGE_RO,
	[HVK_MEM_MERGE_A_REGIONS] = MERGE_RO,
	[HVK_MEM_MERGE_A_SCAN_PAGES] = MERGE_RO,
	[HVK_MEM_MERGE_A_BATCH] = MERGE_RO,
	[HVK_MEM_MERGE_A_PAD] = { .type = NLA_REJECT },
};

static const struct nla_policy hvk_mem_ksm_nl_policy[HVK_MEM_KSM_A_MAX + 1] = {
	[HVK_MEM_KSM_A_PID] = NLA_POLICY_MIN(NLA_U32, 1),
	[HVK_MEM_KSM_A_MERGEABLE] = NLA_POLICY_MAX(NLA_U8, 1),
	[HVK_MEM_KSM_A_START] = { .type = NLA_U64 },
	[HVK_MEM_KSM_A_LENGTH] = { .type = NLA_U64 },
	[HVK_MEM_KSM_A_ENTERED] = KSM_RO,
	[HVK_MEM_KSM_A_VMAS] = KSM_RO,
	[HVK_MEM_KSM_A_BYTES] = KSM_RO,
	[HVK_MEM_KSM_A_MERGING_PAGES] = KSM_RO,
	[HVK_MEM_KSM_A_RMAP_ITEMS] = KSM_RO,
	[HVK_MEM_KSM_A_PAD] = { .type = NLA_REJECT },
};

static int hvk_mem_nl_info_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return hvk_genl_reply_info(info, &hvk_mem_genl_family,
				   HVK_MEM_CMD_INFO_GET,
				   HVK_MEM_INFO_A_VERSION,
				   HVK_MEM_INFO_A_FEATURES,
				   HVK_MEM_INFO_A_PAD, HVK_MEM_FEATURES);
}

/* Longest path shown; a region message must fit NLMSG_GOODSIZE (~3.7 KiB). */
#define HVK_PATH_SHOWN	1024

static int put_path(struct sk_buff *skb, struct hvk_region *r)
{
	struct dentry *d = d_find_any_alias(&r->vfs_inode);
	char *buf, *p = "?";
	size_t n;
	int ret;

	buf = kmalloc(2 * PATH_MAX, GFP_KERNEL);
	if (!buf) {
		dput(d);
		return -ENOMEM;
	}
	if (d) {
		p = dentry_path_raw(d, buf + PATH_MAX, PATH_MAX);
		if (IS_ERR(p))
			p = "?";
	}
	n = hvk_region_mnt(r, buf, PATH_MAX);
	snprintf(buf + n, PATH_MAX - n, "%s%s", p,
		 r->vfs_inode.i_nlink ? "" : " (deleted)");
	n = strlen(buf);
	if (n > HVK_PATH_SHOWN) {
		/* Every region fits any message: "..." and the path's tail. */
		memcpy(buf, "...", 3);
		memmove(buf + 3, buf + n - (HVK_PATH_SHOWN - 3), HVK_PATH_SHOWN - 3 + 1);
	}
	ret = nla_put_string(skb, HVK_MEM_REGION_A_PATH, buf);
	kfree(buf);
	dput(d);
	return ret;
}

/* Statistics only: read without the log lock (lock order: region.c). */
static int put_log(struct sk_buff *skb, struct hvk_region *r)
{
	struct hvk_track *t;
	struct nlattr *nest;
	int ret = 0;

	nest = nla_nest_start(skb, HVK_MEM_REGION_A_LOG);
	if (!nest)
		return -EMSGSIZE;
	rcu_read_lock();
	t = rcu_dereference(r->track[HVK_TRACK_LOG]);
	if (t) {
		struct hvk_track_stats sum;

		hvk_track_sum(t, &sum);
		ret = nla_put_flag(skb, HVK_MEM_LOG_A_RUNNING) ||
		      nla_put_u32(skb, HVK_MEM_LOG_A_PID, READ_ONCE(r->log_pid)) ||
		      nla_put_u64_64bit(skb, HVK_MEM_LOG_A_DIRTY,
					bitmap_weight(t->bits, t->nbits),
					HVK_MEM_LOG_A_PAD) ||
		      nla_put_u64_64bit(skb, HVK_MEM_LOG_A_WRITE_FAULTS,
					sum.notes, HVK_MEM_LOG_A_PAD);
	}
	rcu_read_unlock();
	if (ret ||
	    nla_put_u64_64bit(skb, HVK_MEM_LOG_A_RATE, READ_ONCE(r->log_rate),
			      HVK_MEM_LOG_A_PAD) ||
	    nla_put_u64_64bit(skb, HVK_MEM_LOG_A_GETS, READ_ONCE(r->gets),
			      HVK_MEM_LOG_A_PAD) ||
	    nla_put_u64_64bit(skb, HVK_MEM_LOG_A_PROTECTED,
			      READ_ONCE(r->protected), HVK_MEM_LOG_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_sample(struct sk_buff *skb, struct hvk_region *r)
{
	const struct hvk_sample *s = &r->sample;
	struct nlattr *nest;

	if (!READ_ONCE(s->seq))
		return 0;
	nest = nla_nest_start(skb, HVK_MEM_REGION_A_SAMPLE);
	if (!nest ||
	    nla_put_u64_64bit(skb, HVK_MEM_SAMPLE_A_SEQ, READ_ONCE(s->seq),
			      HVK_MEM_SAMPLE_A_PAD) ||
	    (READ_ONCE(s->running) && nla_put_flag(skb, HVK_MEM_SAMPLE_A_RUNNING)) ||
	    nla_put_u32(skb, HVK_MEM_SAMPLE_A_DURATION, READ_ONCE(s->duration_ms)) ||
	    nla_put_u64_64bit(skb, HVK_MEM_SAMPLE_A_PAGES, READ_ONCE(s->pages),
			      HVK_MEM_SAMPLE_A_PAD) ||
	    nla_put_u64_64bit(skb, HVK_MEM_SAMPLE_A_RATE, READ_ONCE(s->rate),
			      HVK_MEM_SAMPLE_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_u64s(struct sk_buff *skb, const int *types, const u64 *vals,
		    int n, int pad)
{
	int i;

	for (i = 0; i < n; i++)
		if (nla_put_u64_64bit(skb, types[i], vals[i], pad))
			return -EMSGSIZE;
	return 0;
}

static int put_merge(struct sk_buff *skb, struct hvk_region *r)
{
	static const int types[] = {
		HVK_MEM_RMERGE_A_SHARED, HVK_MEM_RMERGE_A_ZERO,
		HVK_MEM_RMERGE_A_UNSHARED, HVK_MEM_RMERGE_A_VOLATILE,
		HVK_MEM_RMERGE_A_METADATA,
	};
	const struct hvk_rmerge *m = &r->merge;
	struct nlattr *nest;
	u64 vals[ARRAY_SIZE(types)];
	int ret;

	nest = nla_nest_start(skb, HVK_MEM_REGION_A_MERGE);
	if (!nest)
		return -EMSGSIZE;
	mutex_lock(&hvk_merge_lock);
	vals[0] = atomic_long_read(&m->shared);
	vals[1] = atomic_long_read(&m->zero);
	vals[2] = m->unshared;
	vals[3] = m->volatil;
	vals[4] = hvk_merge_region_bytes(m);
	ret = nla_put_u8(skb, HVK_MEM_RMERGE_A_ENABLED, m->on) ||
	      nla_put_string(skb, HVK_MEM_RMERGE_A_DOMAIN, m->domain);
	mutex_unlock(&hvk_merge_lock);
	if (ret || put_u64s(skb, types, vals, ARRAY_SIZE(types),
			    HVK_MEM_RMERGE_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* @event 0: the whole region; otherwise an event (DEL carries the id only). */
static int fill_region(struct sk_buff *skb, struct hvk_region *r, u8 event,
		       u32 portid, u32 seq, int flags, u8 cmd,
		       struct netlink_callback *cb)
{
	struct inode *inode = &r->vfs_inode;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &hvk_mem_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u64_64bit(skb, HVK_MEM_REGION_A_ID, r->id, HVK_MEM_REGION_A_PAD) ||
	    (event && nla_put_u8(skb, HVK_MEM_REGION_A_EVENT, event)))
		goto cancel;
	if (event == HVK_MEM_EV_REGION_DEL)
		goto end;
	if (put_path(skb, r) ||
	    nla_put_u32(skb, HVK_MEM_REGION_A_DEV, new_encode_dev(inode->i_sb->s_dev)) ||
	    nla_put_u64_64bit(skb, HVK_MEM_REGION_A_INO, inode->i_ino, HVK_MEM_REGION_A_PAD) ||
	    nla_put_u64_64bit(skb, HVK_MEM_REGION_A_SIZE, i_size_read(inode),
			      HVK_MEM_REGION_A_PAD) ||
	    nla_put_u64_64bit(skb, HVK_MEM_REGION_A_RESIDENT,
			      atomic_long_read(&r->nr_pages), HVK_MEM_REGION_A_PAD) ||
	    nla_put_u32(skb, HVK_MEM_REGION_A_MAPPINGS, atomic_read(&r->mappings)) ||
	    put_log(skb, r) || put_sample(skb, r) || put_merge(skb, r))
		goto cancel;
end:
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static bool sys_admin(const struct sk_buff *skb)
{
	return netlink_capable(skb, CAP_SYS_ADMIN);
}

/*
 * Could the caller open the region's file?  Read permission on it and
 * search permission on every directory above it in its hvkmem tree (the
 * directories above the mount point are not seen from here).  An unlinked
 * region has no path: its owner only.
 */
static bool region_may_open(struct hvk_region *r)
{
	struct inode *inode = &r->vfs_inode;
	struct dentry *d, *parent;
	bool ok = true;

	if (hvk_inode_permission(inode, MAY_READ))
		return false;
	d = d_find_alias(inode);
	if (!d)
		return uid_eq(current_fsuid(), inode->i_uid);
	while (ok && !IS_ROOT(d)) {
		parent = dget_parent(d);
		dput(d);
		d = parent;
		ok = !hvk_inode_permission(d_inode(d), MAY_EXEC);
	}
	dput(d);
	return ok;
}

static bool region_visible(const struct sk_buff *skb, struct hvk_region *r)
{
	return sys_admin(skb) || region_may_open(r);
}

/* Changing a region's settings: as for chmod, its owner (or the admin). */
static int region_may_steer(const struct sk_buff *skb, struct hvk_region *r,
			    struct netlink_ext_ack *extack)
{
	if (sys_admin(skb) || hvk_inode_owner_or_capable(&r->vfs_inode))
		return 0;
	NL_SET_ERR_MSG(extack, "this needs CAP_SYS_ADMIN or ownership of the region's file");
	return -EPERM;
}

/* 0, or -EPERM with @msg (a literal) unless the caller is the host admin. */
#define host_admin(skb, extack, msg) ({				\
	int __ret = 0;						\
								\
	if (!sys_admin(skb)) {					\
		NL_SET_ERR_MSG(extack, msg);			\
		__ret = -EPERM;					\
	}							\
	__ret;							\
})

struct region_ntf {
	struct hvk_region *r;
	u8 event;
};

static int ntf_fill_region(struct sk_buff *skb, const void *obj, u8 cmd)
{
	const struct region_ntf *n = obj;

	return fill_region(skb, n->r, n->event, 0, 0, 0, cmd, NULL);
}

/* Events go to the initial namespace: regions are host objects. */
void hvk_mem_nl_region_notify(struct hvk_region *r, u8 event)
{
	struct region_ntf n = { .r = r, .event = event };

	hvk_genl_notify(&hvk_mem_genl_family, &init_net, ntf_fill_region, &n,
			HVK_MEM_CMD_REGION_NTF, NULL, NLMSG_GOODSIZE, GFP_KERNEL);
}

struct region_lookup {
	struct sk_buff *skb;
	u64 id;
	struct hvk_region *found;
};

static int region_match(struct hvk_region *r, void *arg)
{
	struct region_lookup *l = arg;

	if (r->id != l->id || !region_visible(l->skb, r) || !igrab(&r->vfs_inode))
		return 0;
	l->found = r;
	return 1;
}

/* The region with @id, with an inode reference; NULL + extack if none. */
static struct hvk_region *region_get(struct sk_buff *skb, struct genl_info *info)
{
	struct region_lookup l = { .skb = skb };

	if (GENL_REQ_ATTR_CHECK(info, HVK_MEM_REGION_A_ID))
		return NULL;
	l.id = nla_get_u64(info->attrs[HVK_MEM_REGION_A_ID]);
	if (!hvk_regions_walk(region_match, &l, NULL))
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HVK_MEM_REGION_A_ID],
				    "no such region");
	return l.found;
}

static int hvk_mem_nl_region_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_region *r = region_get(skb, info);
	struct sk_buff *msg;
	int ret;

	if (!r)
		return -ENOENT;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	ret = -ENOMEM;
	if (msg) {
		ret = fill_region(msg, r, 0, info->snd_portid, info->snd_seq, 0,
				  HVK_MEM_CMD_REGION_GET, NULL);
		if (ret)
			nlmsg_free(msg);
		else
			ret = genlmsg_reply(msg, info);
	}
	iput(&r->vfs_inode);
	return ret;
}

struct region_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	long idx;
};

/* One region into the dump: the visible ones after those already sent. */
static int region_dump_one(struct hvk_region *r, void *arg)
{
	struct region_dump *d = arg;
	struct netlink_callback *cb = d->cb;
	int err;

	if (!region_visible(cb->skb, r) || d->idx++ < cb->args[0])
		return 0;
	err = fill_region(d->skb, r, 0, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  NLM_F_MULTI, HVK_MEM_CMD_REGION_GET, cb);
	if (err)
		d->idx--;
	return err;
}

static int hvk_mem_nl_region_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct region_dump d = { .skb = skb, .cb = cb };
	int err;

	/* cb->seq is set before the first fill checks it against prev_seq. */
	err = hvk_regions_walk(region_dump_one, &d, &cb->seq);
	cb->args[0] = d.idx;
	return err && !skb->len ? err : skb->len;
}

static int hvk_mem_nl_region_sample_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_region *r;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, HVK_MEM_REGION_A_DURATION))
		return -EINVAL;
	r = region_get(skb, info);
	if (!r)
		return -ENOENT;
	ret = region_may_steer(skb, r, info->extack);
	if (!ret)
		ret = hvk_sample_start(r, nla_get_u32(info->attrs[HVK_MEM_REGION_A_DURATION]));
	if (ret == -EBUSY)
		NL_SET_ERR_MSG(info->extack, "a sample of this region is running");
	else if (ret == -EFBIG)
		NL_SET_ERR_MSG(info->extack, "the region is larger than its mount's size= limit");
	iput(&r->vfs_inode);
	return ret;
}

static int hvk_mem_nl_region_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[HVK_MEM_RMERGE_A_MAX + 1];
	struct hvk_region *r;
	const char *domain = NULL;
	int on = -1, ret;

	if (GENL_REQ_ATTR_CHECK(info, HVK_MEM_REGION_A_MERGE))
		return -EINVAL;
	ret = nla_parse_nested(tb, HVK_MEM_RMERGE_A_MAX,
			       info->attrs[HVK_MEM_REGION_A_MERGE],
			       hvk_mem_rmerge_nl_policy, info->extack);
	if (ret)
		return ret;
	if (!tb[HVK_MEM_RMERGE_A_ENABLED] && !tb[HVK_MEM_RMERGE_A_DOMAIN]) {
		NL_SET_ERR_MSG(info->extack, "nothing to change");
		return -EINVAL;
	}
	if (tb[HVK_MEM_RMERGE_A_ENABLED])
		on = nla_get_u8(tb[HVK_MEM_RMERGE_A_ENABLED]);
	if (tb[HVK_MEM_RMERGE_A_DOMAIN])
		domain = nla_data(tb[HVK_MEM_RMERGE_A_DOMAIN]);
	/* A shared domain opens a side channel between its members' VMs. */
	if (domain && *domain) {
		ret = host_admin(skb, info->extack,
				 "naming a shared merge domain needs CAP_SYS_ADMIN");
		if (ret)
			return ret;
	}
	r = region_get(skb, info);
	if (!r)
		return -ENOENT;
	ret = region_may_steer(skb, r, info->extack);
	if (!ret)
		ret = hvk_merge_region_set(r, on, domain, info->extack);
	iput(&r->vfs_inode);
	return ret;
}

static int fill_merge(struct sk_buff *skb, u32 portid, u32 seq, u8 cmd)
{
	static const int types[] = {
		HVK_MEM_MERGE_A_PAGES_SHARED, HVK_MEM_MERGE_A_PAGES_SHARING,
		HVK_MEM_MERGE_A_PAGES_UNSHARED, HVK_MEM_MERGE_A_PAGES_VOLATILE,
		HVK_MEM_MERGE_A_PAGES_ZERO, HVK_MEM_MERGE_A_PAGES_SCANNED,
		HVK_MEM_MERGE_A_FULL_SCANS, HVK_MEM_MERGE_A_LAST_SCAN_MS,
		HVK_MEM_MERGE_A_CPU_NS, HVK_MEM_MERGE_A_METADATA,
		HVK_MEM_MERGE_A_PROFIT, HVK_MEM_MERGE_A_SCAN_PAGES,
	};
	struct hvk_merge_stats st;
	struct hvk_merge_conf c;
	u64 vals[ARRAY_SIZE(types)];
	void *hdr;

	hvk_merge_conf_get(&c);
	hvk_merge_stats(&st);
	vals[0] = st.shared;
	vals[1] = st.sharing;
	vals[2] = st.unshared;
	vals[3] = st.volatil;
	vals[4] = st.zero;
	vals[5] = st.scanned;
	vals[6] = st.full_scans;
	vals[7] = st.last_scan_ms;
	vals[8] = st.cpu_ns;
	vals[9] = st.metadata;
	vals[10] = (s64)(st.sharing + st.zero) * PAGE_SIZE - (s64)st.metadata;
	vals[11] = st.scan_pages;
	hdr = genlmsg_put(skb, portid, seq, &hvk_mem_genl_family, 0, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u8(skb, HVK_MEM_MERGE_A_RUN, c.run) ||
	    nla_put_u32(skb, HVK_MEM_MERGE_A_PAGES_TO_SCAN, c.pages_to_scan) ||
	    nla_put_u32(skb, HVK_MEM_MERGE_A_SLEEP_MS, c.sleep_ms) ||
	    nla_put_u32(skb, HVK_MEM_MERGE_A_MAX_SHARING, c.max_sharing) ||
	    nla_put_u8(skb, HVK_MEM_MERGE_A_ZERO_PAGES, c.zero_pages) ||
	    nla_put_u8(skb, HVK_MEM_MERGE_A_CPU_BUDGET, c.cpu_budget) ||
	    nla_put_u32(skb, HVK_MEM_MERGE_A_REGIONS, st.regions) ||
	    nla_put_u32(skb, HVK_MEM_MERGE_A_BATCH, st.batch) ||
	    put_u64s(skb, types, vals, ARRAY_SIZE(types), HVK_MEM_MERGE_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int reply_merge(struct genl_info *info)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	int ret;

	if (!msg)
		return -ENOMEM;
	ret = fill_merge(msg, info->snd_portid, info->snd_seq,
			 HVK_MEM_CMD_MERGE_GET);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

static int hvk_mem_nl_merge_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return reply_merge(info);
}

static int ntf_fill_merge(struct sk_buff *skb, const void *obj, u8 cmd)
{
	return fill_merge(skb, 0, 0, cmd);
}

void hvk_mem_nl_merge_notify(void)
{
	hvk_genl_notify(&hvk_mem_genl_family, &init_net, ntf_fill_merge, NULL,
			HVK_MEM_CMD_MERGE_NTF, NULL, NLMSG_GOODSIZE, GFP_KERNEL);
}

static void get_u8(struct nlattr **tb, int type, u8 *v)
{
	if (tb[type])
		*v = nla_get_u8(tb[type]);
}

static void get_u32(struct nlattr **tb, int type, u32 *v)
{
	if (tb[type])
		*v = nla_get_u32(tb[type]);
}

/* Serialises merge-set's read-modify-write of the controls (parallel_ops). */
static DEFINE_MUTEX(merge_set_lock);

static int merge_set(struct genl_info *info, struct hvk_merge_conf *c)
{
	struct nlattr **tb = info->attrs;
	int ret;

	hvk_merge_conf_get(c);
	get_u8(tb, HVK_MEM_MERGE_A_RUN, &c->run);
	get_u32(tb, HVK_MEM_MERGE_A_PAGES_TO_SCAN, &c->pages_to_scan);
	get_u32(tb, HVK_MEM_MERGE_A_SLEEP_MS, &c->sleep_ms);
	get_u32(tb, HVK_MEM_MERGE_A_MAX_SHARING, &c->max_sharing);
	get_u8(tb, HVK_MEM_MERGE_A_ZERO_PAGES, &c->zero_pages);
	get_u8(tb, HVK_MEM_MERGE_A_CPU_BUDGET, &c->cpu_budget);
	ret = hvk_merge_conf_set(c);
	if (ret) {
		if (ret == -EINTR)
			NL_SET_ERR_MSG(info->extack, "unmerge interrupted");
		else
			NL_SET_ERR_MSG(info->extack, "out of memory to unmerge every page");
		return ret;
	}
	return reply_merge(info);
}

static int hvk_mem_nl_merge_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct hvk_merge_conf c;
	int ret;

	if (!tb[HVK_MEM_MERGE_A_RUN] && !tb[HVK_MEM_MERGE_A_PAGES_TO_SCAN] &&
	    !tb[HVK_MEM_MERGE_A_SLEEP_MS] && !tb[HVK_MEM_MERGE_A_MAX_SHARING] &&
	    !tb[HVK_MEM_MERGE_A_ZERO_PAGES] && !tb[HVK_MEM_MERGE_A_CPU_BUDGET]) {
		NL_SET_ERR_MSG(info->extack, "nothing to change");
		return -EINVAL;
	}
	ret = host_admin(skb, info->extack, "merge controls need CAP_SYS_ADMIN");
	if (ret)
		return ret;
	/* read-modify-write of the controls: one request at a time */
	mutex_lock(&merge_set_lock);
	ret = merge_set(info, &c);
	mutex_unlock(&merge_set_lock);
	return ret;
}

static int reply_ksm(struct genl_info *info, u32 pid,
		     const struct hvk_ksm_info *k, u8 cmd)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &hvk_mem_genl_family, 0, cmd);
	if (!hdr ||
	    nla_put_u32(msg, HVK_MEM_KSM_A_PID, pid) ||
	    (k->entered && nla_put_flag(msg, HVK_MEM_KSM_A_ENTERED)) ||
	    nla_put_u32(msg, HVK_MEM_KSM_A_VMAS, k->vmas) ||
	    nla_put_u64_64bit(msg, HVK_MEM_KSM_A_BYTES, k->bytes,
			      HVK_MEM_KSM_A_PAD) ||
	    nla_put_u64_64bit(msg, HVK_MEM_KSM_A_MERGING_PAGES, k->merging,
			      HVK_MEM_KSM_A_PAD) ||
	    nla_put_u64_64bit(msg, HVK_MEM_KSM_A_RMAP_ITEMS, k->rmap_items,
			      HVK_MEM_KSM_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* Acting on another process's memory: the host administrator only. */
static int ksm_admin(const struct sk_buff *skb, struct genl_info *info)
{
	return host_admin(skb, info->extack, "KSM controls need CAP_SYS_ADMIN");
}

static int hvk_mem_nl_ksm_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct hvk_ksm_info k;
	u32 pid;
	int ret;

	ret = ksm_admin(skb, info);
	if (ret || GENL_REQ_ATTR_CHECK(info, HVK_MEM_KSM_A_PID))
		return ret ?: -EINVAL;
	pid = nla_get_u32(info->attrs[HVK_MEM_KSM_A_PID]);
	ret = hvk_ksm_query(pid, &k, info->extack);
	return ret ?: reply_ksm(info, pid, &k, HVK_MEM_CMD_KSM_GET);
}

static int hvk_mem_nl_ksm_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	u64 start = 0, len = 0;
	struct hvk_ksm_info k;
	u32 pid, changed;
	int ret;

	ret = ksm_admin(skb, info);
	if (ret || GENL_REQ_ATTR_CHECK(info, HVK_MEM_KSM_A_PID) ||
	    GENL_REQ_ATTR_CHECK(info, HVK_MEM_KSM_A_MERGEABLE))
		return ret ?: -EINVAL;
	if (!!tb[HVK_MEM_KSM_A_START] != !!tb[HVK_MEM_KSM_A_LENGTH]) {
		NL_SET_ERR_MSG(info->extack, "a range needs both start and length");
		return -EINVAL;
	}
	if (tb[HVK_MEM_KSM_A_START]) {
		start = nla_get_u64(tb[HVK_MEM_KSM_A_START]);
		len = nla_get_u64(tb[HVK_MEM_KSM_A_LENGTH]);
		if (!len || start + len < start || start + len > TASK_SIZE_MAX) {
			NL_SET_ERR_MSG(info->extack,
				       "the range is empty or outside user memory");
			return -ERANGE;
		}
	}
	pid = nla_get_u32(tb[HVK_MEM_KSM_A_PID]);
	ret = hvk_ksm_mark(pid, nla_get_u8(tb[HVK_MEM_KSM_A_MERGEABLE]), start,
			   len, &changed, &k, info->extack);
	if (ret)
		return ret;
	k.vmas = changed;
	return reply_ksm(info, pid, &k, HVK_MEM_CMD_KSM_SET);
}

/*
 * One block per command, in command order (the layout of hvk_switch's table
 * and of upstream's ynl-gen).  No GENL_*ADMIN_PERM flag: what a request may
 * touch depends on the region (CAP_SYS_ADMIN or ownership of its file) or is
 * host-wide (CAP_SYS_ADMIN), so each handler checks it; see mem.md.
 */
static const struct genl_ops hvk_mem_genl_ops[] = {
	{
		.cmd = HVK_MEM_CMD_INFO_GET,
		.doit = hvk_mem_nl_info_get_doit,
		.policy = hvk_mem_info_nl_policy,
		.maxattr = HVK_MEM_INFO_A_MAX,
	},
	{
		.cmd = HVK_MEM_CMD_REGION_GET,
		.doit = hvk_mem_nl_region_get_doit,
		.dumpit = hvk_mem_nl_region_get_dumpit,
		.policy = hvk_mem_region_get_nl_policy,
		.maxattr = HVK_MEM_REGION_A_MAX,
	},
	{
		.cmd = HVK_MEM_CMD_REGION_SAMPLE,
		.doit = hvk_mem_nl_region_sample_doit,
		.policy = hvk_mem_region_sample_nl_policy,
		.maxattr = HVK_MEM_REGION_A_MAX,
	},
	{
		.cmd = HVK_MEM_CMD_REGION_SET,
		.doit = hvk_mem_nl_region_set_doit,
		.policy = hvk_mem_region_set_nl_policy,
		.maxattr = HVK_MEM_REGION_A_MAX,
	},
	{
		.cmd = HVK_MEM_CMD_MERGE_GET,
		.doit = hvk_mem_nl_merge_get_doit,
		.policy = hvk_mem_merge_nl_policy,
		.maxattr = HVK_MEM_MERGE_A_MAX,
	},
	{
		.cmd = HVK_MEM_CMD_MERGE_SET,
		.doit = hvk_mem_nl_merge_set_doit,
		.policy = hvk_mem_merge_nl_policy,
		.maxattr = HVK_MEM_MERGE_A_MAX,
	},
	{
		.cmd = HVK_MEM_CMD_KSM_GET,
		.doit = hvk_mem_nl_ksm_get_doit,
		.policy = hvk_mem_ksm_nl_policy,
		.maxattr = HVK_MEM_KSM_A_MAX,
	},
	{
		.cmd = HVK_MEM_CMD_KSM_SET,
		.doit = hvk_mem_nl_ksm_set_doit,
		.policy = hvk_mem_ksm_nl_policy,
		.maxattr = HVK_MEM_KSM_A_MAX,
	},
};

static const struct genl_multicast_group hvk_mem_genl_mcgrps[] = {
	{ .name = HVK_MEM_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_SYS_ADMIN },
};

static struct genl_family hvk_mem_genl_family __ro_after_init = {
	.name = HVK_MEM_GENL_NAME,
	.version = HVK_MEM_GENL_VERSION,
	/*
	 * Reachable from every network namespace: a containerised QEMU or
	 * libvirt manages the regions it owns; the netns itself grants nothing.
	 */
	.netnsok = true,
	/*
	 * Not under genl_mutex: an unmerge of GiBs copies pages for as long as
	 * it takes, and must not stall every other generic netlink family of
	 * the host (libvirt adding a switch port) meanwhile.  Every handler
	 * takes the locks of what it touches.
	 */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = hvk_mem_genl_ops,
	.n_ops = ARRAY_SIZE(hvk_mem_genl_ops),
	.mcgrps = hvk_mem_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(hvk_mem_genl_mcgrps),
};

int __init hvk_mem_genl_init(void)
{
	return genl_register_family(&hvk_mem_genl_family);
}

void hvk_mem_genl_uninit(void)
{
	genl_unregister_family(&hvk_mem_genl_family);
}
