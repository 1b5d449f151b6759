/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The forwarding database: (MAC, VID) -> port, in an rhashtable.
 * Lookups and learning run under RCU; writers take sw->fdb_lock.
 */
#ifndef _HVK_SWITCH_FDB_H
#define _HVK_SWITCH_FDB_H

#include <linux/bits.h>
#include <linux/etherdevice.h>
#include <linux/rhashtable.h>

#include "port.h"

struct hvk_switch;
struct hvk_port;

struct hvk_fdb_key {
	u8 addr[ETH_ALEN];
	u16 vid;
};

struct hvk_fdb {
	struct rhash_head node;
	struct hvk_fdb_key key;
	struct hvk_port __rcu *port;
	unsigned long updated;		/* jiffies, last seen */
	bool is_static;
	bool dead;			/* unlinked (fdb_lock): may not move */
	struct rcu_head rcu;
};

/* Hard cap of one switch's FDB: learning stops there (counted by the switch). */
#define HVK_FDB_MAX_ENTRIES	BIT(17)

int hvk_fdb_init(struct hvk_switch *sw);
void hvk_fdb_uninit(struct hvk_switch *sw);

struct hvk_fdb *hvk_fdb_find(struct hvk_switch *sw, const u8 *addr, u16 vid);
/*
 * Learn @addr on @port, which may hold at most @port_max dynamic entries
 * (0 = any number).  False, with @reason, when a limit refuses a new
 * address: the caller drops the frame.
 */
bool hvk_fdb_learn(struct hvk_switch *sw, struct hvk_port *port,
		   const u8 *addr, u16 vid, u32 port_max,
		   enum hvk_drop_reason *reason);
int hvk_fdb_add_static(struct hvk_switch *sw, struct hvk_port *port,
		       const u8 *addr, u16 vid);
int hvk_fdb_remove(struct hvk_switch *sw, const u8 *addr, u16 vid);

struct hvk_fdb_filter {
	struct hvk_port *port;		/* NULL: any */
	u16 vid;			/* 0: any */
	bool dynamic_only;
};

/* Delete the entries matching @f; returns how many. */
unsigned int hvk_fdb_purge(struct hvk_switch *sw, const struct hvk_fdb_filter *f);

#endif /* _HVK_SWITCH_FDB_H */
