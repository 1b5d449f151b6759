// SPDX-License-Identifier: GPL-2.0
/*
 * Forwarding database.  Learning runs in the datapath under RCU and takes
 * the switch's fdb_lock only to insert; admin changes, flushes and ageing
 * take it with BHs off.  Static entries never move or age.
 */
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/hvk_switch.h>

#include "fdb.h"
#include "netlink.h"
#include "port.h"
#include "switch.h"

static const struct rhashtable_params fdb_params = {
	.head_offset = offsetof(struct hvk_fdb, node),
	.key_offset = offsetof(struct hvk_fdb, key),
	.key_len = sizeof(struct hvk_fdb_key),
	.automatic_shrinking = true,
};

static_assert(sizeof(struct hvk_fdb_key) == ETH_ALEN + sizeof(u16));

static void fdb_gc_work(struct work_struct *work);

int hvk_fdb_init(struct hvk_switch *sw)
{
	spin_lock_init(&sw->fdb_lock);
	atomic_set(&sw->fdb_count, 0);
	atomic_set(&sw->fdb_static, 0);
	INIT_DELAYED_WORK(&sw->fdb_gc, fdb_gc_work);
	return rhashtable_init(&sw->fdb, &fdb_params);
}

static void fdb_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/* No reader may be left: the ports are gone and RCU has been waited for. */
void hvk_fdb_uninit(struct hvk_switch *sw)
{
	cancel_delayed_work_sync(&sw->fdb_gc);
	rhashtable_free_and_destroy(&sw->fdb, fdb_free, NULL);
}

static void fdb_make_key(struct hvk_fdb_key *key, const u8 *addr, u16 vid)
{
	ether_addr_copy(key->addr, addr);
	key->vid = vid;
}

struct hvk_fdb *hvk_fdb_find(struct hvk_switch *sw, const u8 *addr, u16 vid)
{
	struct hvk_fdb_key key;

	fdb_make_key(&key, addr, vid);
	return rhashtable_lookup(&sw->fdb, &key, fdb_params);
}

static struct hvk_port *fdb_port(struct hvk_switch *sw, struct hvk_fdb *f)
{
	return rcu_dereference_protected(f->port, lockdep_is_held(&sw->fdb_lock));
}

/* Unlink @f (fdb_lock held); it is freed after readers are done. */
static void fdb_unlink(struct hvk_switch *sw, struct hvk_fdb *f, u8 event)
{
	if (rhashtable_remove_fast(&sw->fdb, &f->node, fdb_params))
		return;
	f->dead = true;
	atomic_dec(&sw->fdb_count);
	if (f->is_static)
		atomic_dec(&sw->fdb_static);
	else
		atomic_dec(&fdb_port(sw, f)->n_macs);
	hvk_switch_nl_fdb_notify(sw, f, event);
	kfree_rcu(f, rcu);
}

/* May @port learn one more address?  Sets @reason when not. */
static bool fdb_room(struct hvk_switch *sw, struct hvk_port *port, u32 port_max,
		     enum hvk_drop_reason *reason)
{
	u32 sw_max = READ_ONCE(sw->max_macs);
	int learned = atomic_read(&sw->fdb_count) - atomic_read(&sw->fdb_static);

	if (port_max && atomic_read(&port->n_macs) >= port_max) {
		*reason = HVK_DROP_MAC_LIMIT;
		return false;
	}
	if (atomic_read(&sw->fdb_count) >= HVK_FDB_MAX_ENTRIES ||
	    (sw_max && learned >= sw_max)) {
		*reason = HVK_DROP_SWITCH_MAC_LIMIT;
		return false;
	}
	return true;
}

/* A dynamic entry seen on another port: move it (under fdb_lock). */
static bool fdb_move(struct hvk_switch *sw, struct hvk_fdb *f, struct hvk_port *port,
		     u32 port_max, enum hvk_drop_reason *reason)
{
	struct hvk_port *old;
	bool ok = true;

	spin_lock(&sw->fdb_lock);
	old = rcu_dereference_protected(f->port, lockdep_is_held(&sw->fdb_lock));
	if (old != port && !f->is_static && !f->dead) {
		if (port_max && atomic_read(&port->n_macs) >= port_max) {
			*reason = HVK_DROP_MAC_LIMIT;
			ok = false;
		} else {
			atomic_dec(&old->n_macs);
			atomic_inc(&port->n_macs);
			rcu_assign_pointer(f->port, port);
			hvk_switch_nl_fdb_notify(sw, f, HVK_SWITCH_FDB_MOVED);
		}
	}
	spin_unlock(&sw->fdb_lock);
	return ok;
}

bool hvk_fdb_learn(struct hvk_switch *sw, struct hvk_port *port,
		   const u8 *addr, u16 vid, u32 port_max,
		   enum hvk_drop_reason *reason)
{
	struct hvk_fdb *f = hvk_fdb_find(sw, addr, vid);
	unsigned long now = jiffies;

	if (likely(f)) {
		if (unlikely(rcu_access_pointer(f->port) != port) && !f->is_static &&
		    !fdb_move(sw, f, port, port_max, reason))
			return false;
		if (READ_ONCE(f->updated) != now)
			WRITE_ONCE(f->updated, now);
		return true;
	}

	if (!fdb_room(sw, port, port_max, reason))
		return false;
	f = kmalloc(sizeof(*f), GFP_ATOMIC);
	if (!f)
		return true;	/* forward unlearned: it floods back */
	fdb_make_key(&f->key, addr, vid);
	RCU_INIT_POINTER(f->port, port);
	f->updated = now;
	f->is_static = false;
	f->dead = false;

	spin_lock(&sw->fdb_lock);
	/* Again under the lock the counters change under: limits are exact. */
	if (!fdb_room(sw, port, port_max, reason)) {
		spin_unlock(&sw->fdb_lock);
		kfree(f);
		return false;
	}
	if (rhashtable_lookup_insert_fast(&sw->fdb, &f->node, fdb_params)) {
		/* Another CPU learned it first, or the table is busy growing. */
		spin_unlock(&sw->fdb_lock);
		kfree(f);
		return true;
	}
	atomic_inc(&sw->fdb_count);
	atomic_inc(&port->n_macs);
	hvk_switch_nl_fdb_notify(sw, f, HVK_SWITCH_FDB_LEARNED);
	spin_unlock(&sw->fdb_lock);
	return true;
}

int hvk_fdb_add_static(struct hvk_switch *sw, struct hvk_port *port,
		       const u8 *addr, u16 vid)
{
	struct hvk_fdb *f, *old;
	int err = 0;

	f = kmalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	fdb_make_key(&f->key, addr, vid);
	RCU_INIT_POINTER(f->port, port);
	f->updated = jiffies;
	f->is_static = true;
	f->dead = false;

	spin_lock_bh(&sw->fdb_lock);
	old = rhashtable_lookup_fast(&sw->fdb, &f->key, fdb_params);
	if (old) {
		err = rhashtable_replace_fast(&sw->fdb, &old->node, &f->node, fdb_params);
		if (!err) {
			old->dead = true;
			if (old->is_static)
				atomic_dec(&sw->fdb_static);
			else
				atomic_dec(&fdb_port(sw, old)->n_macs);
			atomic_dec(&sw->fdb_count);
			kfree_rcu(old, rcu);
		}
	} else if (atomic_read(&sw->fdb_count) >= HVK_FDB_MAX_ENTRIES) {
		err = -ENOSPC;
	} else {
		err = rhashtable_insert_fast(&sw->fdb, &f->node, fdb_params);
	}
	if (!err) {
		atomic_inc(&sw->fdb_count);
		atomic_inc(&sw->fdb_static);
		hvk_switch_nl_fdb_notify(sw, f, HVK_SWITCH_FDB_ADDED);
	}
	spin_unlock_bh(&sw->fdb_lock);
	if (err)
		kfree(f);
	return err;
}

int hvk_fdb_remove(struct hvk_switch *sw, const u8 *addr, u16 vid)
{
	struct hvk_fdb_key key;
	struct hvk_fdb *f;
	int err = -ENOENT;

	fdb_make_key(&key, addr, vid);
	spin_lock_bh(&sw->fdb_lock);
	f = rhashtable_lookup_fast(&sw->fdb, &key, fdb_params);
	if (f) {
		fdb_unlink(sw, f, HVK_SWITCH_FDB_DELETED);
		err = 0;
	}
	spin_unlock_bh(&sw->fdb_lock);
	return err;
}

/* Visit every entry; @fn returns true to delete it, with @event. */
static unsigned int fdb_sweep(struct hvk_switch *sw,
			      bool (*fn)(const struct hvk_fdb *f, const void *arg),
			      const void *arg, u8 event)
{
	struct rhashtable_iter iter;
	struct hvk_fdb *f;
	unsigned int n = 0;

	rhashtable_walk_enter(&sw->fdb, &iter);
	rhashtable_walk_start(&iter);
	while ((f = rhashtable_walk_next(&iter))) {
		if (IS_ERR(f)) {
			if (PTR_ERR(f) == -EAGAIN)
				continue;	/* resized under us: go on */
			break;
		}
		if (!fn(f, arg))
			continue;
		spin_lock_bh(&sw->fdb_lock);
		fdb_unlink(sw, f, event);
		spin_unlock_bh(&sw->fdb_lock);
		n++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return n;
}

static bool fdb_flush_match(const struct hvk_fdb *f, const void *arg)
{
	const struct hvk_fdb_filter *filter = arg;

	if (filter->port && rcu_access_pointer(f->port) != filter->port)
		return false;
	if (filter->vid && f->key.vid != filter->vid)
		return false;
	return !(filter->dynamic_only && f->is_static);
}

unsigned int hvk_fdb_purge(struct hvk_switch *sw, const struct hvk_fdb_filter *f)
{
	return fdb_sweep(sw, fdb_flush_match, f, HVK_SWITCH_FDB_DELETED);
}

static bool fdb_expired(const struct hvk_fdb *f, const void *arg)
{
	const unsigned long *ageing = arg;

	return !f->is_static &&
	       time_after(jiffies, READ_ONCE(f->updated) + *ageing);
}

static void fdb_gc_work(struct work_struct *work)
{
	struct hvk_switch *sw = container_of(to_delayed_work(work),
					     struct hvk_switch, fdb_gc);
	u32 ageing_ms = READ_ONCE(sw->ageing_ms);
	unsigned long ageing;

	if (!ageing_ms)
		return;
	ageing = msecs_to_jiffies(ageing_ms);
	fdb_sweep(sw, fdb_expired, &ageing, HVK_SWITCH_FDB_AGED);
	/* Expire entries within a tenth of the ageing time. */
	queue_delayed_work(system_long_wq, &sw->fdb_gc,
			   clamp_t(unsigned long, ageing / 10, HZ / 10, 10 * HZ));
}
