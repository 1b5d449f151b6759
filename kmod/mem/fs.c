// SPDX-License-Identifier: GPL-2.0
/*
 * The hvkmem filesystem: a ramfs-like tree whose regular files are
 * guest-memory regions with pages of their own (region.c).
 *
 *   mount -t hvkmem [-o size=N[k|m|g|%],mode=OCT,uid=N,gid=N] none DIR
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/hvk_mem.h>

#include "compat.h"
#include "mem.h"

static struct kmem_cache *hvk_inode_cache;
static const struct super_operations hvk_sops;
static const struct inode_operations hvk_dir_inode_ops;
static const struct inode_operations hvk_file_inode_ops;

static struct hvk_sb *HVK_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

static struct inode *hvk_get_inode(struct super_block *sb,
				   const struct inode *dir, umode_t mode)
{
	struct inode *inode = new_inode(sb);

	if (!inode)
		return NULL;
	inode->i_ino = get_next_ino();
	inode_init_owner(HVK_NOP_IDMAP, inode, dir, mode);
	hvk_inode_init_times(inode);
	switch (mode & S_IFMT) {
	case S_IFREG:
		inode->i_op = &hvk_file_inode_ops;
		inode->i_fop = &hvk_file_ops;
		inode->i_mapping->a_ops = &hvk_aops;
		hvk_region_init(HVK_REGION(inode));
		break;
	case S_IFDIR:
		inode->i_op = &hvk_dir_inode_ops;
		inode->i_fop = &simple_dir_operations;
		inc_nlink(inode);
		break;
	default:
		iput(inode);
		return NULL;
	}
	return inode;
}

static int hvk_mknod(struct hvk_idmap *idmap, struct inode *dir,
		     struct dentry *dentry, umode_t mode, dev_t dev)
{
	struct inode *inode;

	if (!S_ISREG(mode) && !S_ISDIR(mode))
		return -EPERM;	/* regions and directories only */
	inode = hvk_get_inode(dir->i_sb, dir, mode);
	if (!inode)
		return -ENOSPC;
	d_instantiate(dentry, inode);
	dget(dentry);		/* pinned until unlink, as in ramfs */
	hvk_inode_touch(dir);
	if (S_ISREG(mode))
		hvk_mem_nl_region_notify(HVK_REGION(inode), HVK_MEM_EV_REGION_NEW);
	return 0;
}

static int hvk_create(struct hvk_idmap *idmap, struct inode *dir,
		      struct dentry *dentry, umode_t mode, bool excl)
{
	return hvk_mknod(idmap, dir, dentry, mode | S_IFREG, 0);
}

static int hvk_mkdir(struct hvk_idmap *idmap, struct inode *dir,
		     struct dentry *dentry, umode_t mode)
{
	int ret = hvk_mknod(idmap, dir, dentry, mode | S_IFDIR, 0);

	if (!ret)
		inc_nlink(dir);
	return ret;
}

static int hvk_tmpfile(struct hvk_idmap *idmap, struct inode *dir,
		       struct file *file, umode_t mode)
{
	struct inode *inode;

	if (!S_ISREG(mode))
		return -EINVAL;
	inode = hvk_get_inode(dir->i_sb, dir, mode);
	if (!inode)
		return -ENOSPC;
	d_tmpfile(file, inode);
	hvk_mem_nl_region_notify(HVK_REGION(inode), HVK_MEM_EV_REGION_NEW);
	return finish_open_simple(file, 0);
}

static const struct inode_operations hvk_dir_inode_ops = {
	.create		= hvk_create,
	.lookup		= simple_lookup,
	.link		= simple_link,
	.unlink		= simple_unlink,
	.mkdir		= hvk_mkdir,
	.rmdir		= simple_rmdir,
	.mknod		= hvk_mknod,
	.rename		= simple_rename,
	.tmpfile	= hvk_tmpfile,
};

static int hvk_setattr(struct hvk_idmap *idmap, struct dentry *dentry,
		       struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	int ret;

	ret = setattr_prepare(idmap, dentry, attr);
	if (ret)
		return ret;
	if ((attr->ia_valid & ATTR_SIZE) && attr->ia_size != inode->i_size) {
		ret = hvk_region_resize(HVK_REGION(inode), attr->ia_size);
		if (ret)
			return ret;
		hvk_inode_touch(inode);
	}
	setattr_copy(idmap, inode, attr);
	return 0;
}

static int hvk_getattr(struct hvk_idmap *idmap, const struct path *path,
		       struct kstat *stat, u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);

	hvk_fillattr(idmap, request_mask, inode, stat);
	stat->blocks = atomic_long_read(&HVK_REGION(inode)->nr_pages) <<
		       (PAGE_SHIFT - 9);
	return 0;
}

static const struct inode_operations hvk_file_inode_ops = {
	.setattr	= hvk_setattr,
	.getattr	= hvk_getattr,
};

/* ---- superblock ---- */

static struct inode *hvk_alloc_inode(struct super_block *sb)
{
	struct hvk_region *r = alloc_inode_sb(sb, hvk_inode_cache, GFP_KERNEL);

	return r ? &r->vfs_inode : NULL;
}

static void hvk_free_inode(struct inode *inode)
{
	kmem_cache_free(hvk_inode_cache, HVK_REGION(inode));
}

static void hvk_evict_inode(struct inode *inode)
{
	if (S_ISREG(inode->i_mode)) {
		struct hvk_region *r = HVK_REGION(inode);

		hvk_region_evict(r);
		atomic_long_sub(atomic_long_xchg(&r->nr_pages, 0),
				&HVK_SB(inode->i_sb)->used_pages);
	}
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
}

static int hvk_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct hvk_sb *sbi = HVK_SB(dentry->d_sb);
	long used = atomic_long_read(&sbi->used_pages);

	buf->f_type = HVKMEM_SUPER_MAGIC;
	buf->f_bsize = PAGE_SIZE;
	buf->f_namelen = NAME_MAX;
	buf->f_blocks = sbi->max_pages;
	buf->f_bfree = sbi->max_pages > used ? sbi->max_pages - used : 0;
	buf->f_bavail = buf->f_bfree;
	return 0;
}

static int hvk_show_options(struct seq_file *m, struct dentry *root)
{
	struct hvk_sb *sbi = HVK_SB(root->d_sb);

	seq_printf(m, ",size=%luk", sbi->max_pages << (PAGE_SHIFT - 10));
	if (sbi->mode != 0755)
		seq_printf(m, ",mode=%o", sbi->mode);
	if (!uid_eq(sbi->uid, GLOBAL_ROOT_UID))
		seq_printf(m, ",uid=%u", from_kuid_munged(&init_user_ns, sbi->uid));
	if (!gid_eq(sbi->gid, GLOBAL_ROOT_GID))
		seq_printf(m, ",gid=%u", from_kgid_munged(&init_user_ns, sbi->gid));
	if (sbi->merge)
		seq_puts(m, ",merge");
	return 0;
}

static const struct super_operations hvk_sops = {
	.alloc_inode	= hvk_alloc_inode,
	.free_inode	= hvk_free_inode,
	.evict_inode	= hvk_evict_inode,
	.drop_inode	= generic_delete_inode,
	.statfs		= hvk_statfs,
	.show_options	= hvk_show_options,
};

/* ---- mount options ---- */

enum { OPT_SIZE, OPT_MODE, OPT_UID, OPT_GID, OPT_MERGE };

static const struct fs_parameter_spec hvk_fs_params[] = {
	fsparam_string("size", OPT_SIZE),
	fsparam_u32oct("mode", OPT_MODE),
	fsparam_u32("uid", OPT_UID),
	fsparam_u32("gid", OPT_GID),
	fsparam_flag_no("merge", OPT_MERGE),
	{}
};

struct hvk_fs_ctx {
	struct hvk_sb opts;
	bool has_size, has_merge;
};

static int hvk_parse_size(struct fs_context *fc, const char *s,
			  unsigned long *pages)
{
	unsigned long long bytes;
	char *rest;

	bytes = memparse(s, &rest);
	if (*rest == '%') {
		if (bytes == 0 || bytes > 100 || rest[1])
			return invalfc(fc, "size percentage must be 1-100");
		*pages = totalram_pages() * bytes / 100;
		return 0;
	}
	if (*rest || bytes < PAGE_SIZE)
		return invalfc(fc, "size must be a byte count (k, m, g), at least a page, or N%%");
	*pages = bytes >> PAGE_SHIFT;
	return 0;
}

static int hvk_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct hvk_fs_ctx *ctx = fc->fs_private;
	struct fs_parse_result result;
	int opt;

	opt = fs_parse(fc, hvk_fs_params, param, &result);
	if (opt < 0)
		return opt;
	switch (opt) {
	case OPT_SIZE:
		ctx->has_size = true;
		return hvk_parse_size(fc, param->string, &ctx->opts.max_pages);
	case OPT_MODE:
		if (result.uint_32 & ~07777)
			return invalfc(fc, "mode must be octal 0-7777");
		ctx->opts.mode = result.uint_32;
		return 0;
	case OPT_UID:
		ctx->opts.uid = make_kuid(current_user_ns(), result.uint_32);
		if (!uid_valid(ctx->opts.uid))
			return invalfc(fc, "uid is not mapped");
		return 0;
	case OPT_GID:
		ctx->opts.gid = make_kgid(current_user_ns(), result.uint_32);
		if (!gid_valid(ctx->opts.gid))
			return invalfc(fc, "gid is not mapped");
		return 0;
	case OPT_MERGE:
		ctx->has_merge = true;
		ctx->opts.merge = !result.negated;
		return 0;
	}
	return -EINVAL;
}

static int hvk_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct hvk_fs_ctx *ctx = fc->fs_private;
	struct hvk_sb *sbi;
	struct inode *root;

	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return -ENOMEM;
	*sbi = ctx->opts;
	atomic_long_set(&sbi->used_pages, 0);
	sb->s_fs_info = sbi;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = HVKMEM_SUPER_MAGIC;
	sb->s_op = &hvk_sops;
	sb->s_time_gran = 1;

	root = hvk_get_inode(sb, NULL, S_IFDIR | sbi->mode);
	if (!root)
		return -ENOMEM;
	root->i_uid = sbi->uid;
	root->i_gid = sbi->gid;
	sb->s_root = d_make_root(root);
	return sb->s_root ? 0 : -ENOMEM;
}

static int hvk_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, hvk_fill_super);
}

/*
 * Remount may change size (not below what is in use) and whether new
 * regions merge; the rest is fixed.
 */
static int hvk_reconfigure(struct fs_context *fc)
{
	struct hvk_fs_ctx *ctx = fc->fs_private;
	struct hvk_sb *sbi = HVK_SB(fc->root->d_sb);

	if (ctx->has_merge)
		sbi->merge = ctx->opts.merge;
	if (!ctx->has_size)
		return 0;
	if (ctx->opts.max_pages < atomic_long_read(&sbi->used_pages))
		return invalfc(fc, "size is below the pages in use");
	sbi->max_pages = ctx->opts.max_pages;
	return 0;
}

static void hvk_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations hvk_fc_ops = {
	.free		= hvk_free_fc,
	.parse_param	= hvk_parse_param,
	.get_tree	= hvk_get_tree,
	.reconfigure	= hvk_reconfigure,
};

/* Defaults follow tmpfs: half of RAM, root directory 0755 owned by root. */
static int hvk_init_fs_context(struct fs_context *fc)
{
	struct hvk_fs_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	ctx->opts.max_pages = totalram_pages() / 2;
	ctx->opts.mode = 0755;
	ctx->opts.uid = current_fsuid();
	ctx->opts.gid = current_fsgid();
	fc->fs_private = ctx;
	fc->ops = &hvk_fc_ops;
	return 0;
}

static void hvk_kill_sb(struct super_block *sb)
{
	kill_litter_super(sb);
	kfree(sb->s_fs_info);
}

static struct file_system_type hvk_fs_type = {
	.owner		= THIS_MODULE,
	.name		= "hvkmem",
	.init_fs_context = hvk_init_fs_context,
	.parameters	= hvk_fs_params,
	.kill_sb	= hvk_kill_sb,
};
MODULE_ALIAS_FS("hvkmem");

static void hvk_inode_once(void *p)
{
	struct hvk_region *r = p;

	inode_init_once(&r->vfs_inode);
}

int __init hvk_fs_init(void)
{
	int ret;

	hvk_inode_cache = kmem_cache_create("hvkmem_inode",
					    sizeof(struct hvk_region), 0,
					    SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
					    hvk_inode_once);
	if (!hvk_inode_cache)
		return -ENOMEM;
	ret = register_filesystem(&hvk_fs_type);
	if (ret)
		kmem_cache_destroy(hvk_inode_cache);
	return ret;
}

void hvk_fs_exit(void)
{
	unregister_filesystem(&hvk_fs_type);
	rcu_barrier();	/* free_inode runs after an RCU grace period */
	kmem_cache_destroy(hvk_inode_cache);
}
