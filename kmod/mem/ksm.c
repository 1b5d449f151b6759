// SPDX-License-Identifier: GPL-2.0
/*
 * KSM controls for VMs whose RAM is ordinary anonymous memory: mark another
 * process's anonymous mappings MADV_MERGEABLE or MADV_UNMERGEABLE on the
 * admin's behalf and read its KSM state.  Neither 6.1 nor 6.12 has a way to
 * do this from outside the process (process_madvise() takes neither advice;
 * 6.4's PR_SET_MEMORY_MERGE acts on the caller only).
 *
 * KSM's advice is per mapping (VMA): a module cannot split one, so a range
 * selects the whole anonymous mappings it overlaps.
 */
#include <linux/ksm.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <net/netlink.h>

#include "compat.h"
#include "mem.h"

/* The mm of process @nr in the caller's pid namespace, referenced. */
static struct mm_struct *target_mm(u32 nr, struct netlink_ext_ack *extack)
{
	struct task_struct *task = NULL;
	struct mm_struct *mm;
	struct pid *pid;

	pid = find_get_pid(nr);
	if (pid) {
		task = get_pid_task(pid, PIDTYPE_PID);
		put_pid(pid);
	}
	if (!task) {
		NL_SET_ERR_MSG(extack, "no such process");
		return ERR_PTR(-ESRCH);
	}
	if (task->flags & PF_KTHREAD) {
		put_task_struct(task);
		NL_SET_ERR_MSG(extack, "a kernel thread has no user memory");
		return ERR_PTR(-EINVAL);
	}
	mm = get_task_mm(task);
	put_task_struct(task);
	if (!mm) {
		NL_SET_ERR_MSG(extack, "the process is exiting");
		return ERR_PTR(-ESRCH);
	}
	return mm;
}

static bool ksm_candidate(struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED);
}

static void ksm_state(struct mm_struct *mm, struct hvk_ksm_info *info)
{
	struct vm_area_struct *vma;

	memset(info, 0, sizeof(*info));
	for (vma = find_vma(mm, 0); vma; vma = find_vma(mm, vma->vm_end)) {
		if (vma->vm_flags & VM_MERGEABLE) {
			info->vmas++;
			info->bytes += vma->vm_end - vma->vm_start;
		}
	}
#ifdef CONFIG_KSM
	info->entered = test_bit(MMF_VM_MERGEABLE, &mm->flags);
	info->merging = mm->ksm_merging_pages;
	info->rmap_items = mm->ksm_rmap_items;
#endif
}

int hvk_ksm_query(u32 pid, struct hvk_ksm_info *info,
		  struct netlink_ext_ack *extack)
{
	struct mm_struct *mm = target_mm(pid, extack);

	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (mmap_read_lock_killable(mm)) {
		mmput(mm);
		return -EINTR;
	}
	ksm_state(mm, info);
	mmap_read_unlock(mm);
	mmput(mm);
	return 0;
}

/*
 * Apply MADV_(UN)MERGEABLE to the anonymous mappings of @pid overlapping
 * [start, start + len) (len 0: all), under its mmap write lock as
 * madvise() does.  @changed counts the mappings whose advice changed.
 */
int hvk_ksm_mark(u32 pid, bool mergeable, u64 start, u64 len, u32 *changed,
		 struct hvk_ksm_info *info, struct netlink_ext_ack *extack)
{
	int advice = mergeable ? MADV_MERGEABLE : MADV_UNMERGEABLE;
	u64 end = len ? start + len : TASK_SIZE_MAX;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	u32 found = 0;
	int err = 0;

	if (!IS_ENABLED(CONFIG_KSM)) {
		NL_SET_ERR_MSG(extack, "the kernel is built without KSM");
		return -EOPNOTSUPP;
	}
	mm = target_mm(pid, extack);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (mmap_write_lock_killable(mm)) {
		mmput(mm);
		return -EINTR;
	}
	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end))
		found += ksm_candidate(vma);
	if (!found) {
		if (len)
			NL_SET_ERR_MSG(extack, "no anonymous mapping in the range");
		else
			NL_SET_ERR_MSG(extack, "the process has no anonymous mapping");
		err = -ENOENT;
		goto out;
	}
	*changed = 0;
	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end)) {
		unsigned long flags = vma->vm_flags;

		if (!ksm_candidate(vma))
			continue;
		err = ksm_madvise(vma, vma->vm_start, vma->vm_end, advice,
				  &flags);
		if (err) {
			NL_SET_ERR_MSG(extack, "KSM refused the advice");
			break;
		}
		if (flags != vma->vm_flags) {
			hvk_vma_set_flags(vma, flags);
			(*changed)++;
		}
	}
	ksm_state(mm, info);
out:
	mmap_write_unlock(mm);
	mmput(mm);
	return err;
}
