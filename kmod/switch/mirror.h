/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mirror sessions: copies of the frames entering and/or leaving a set of
 * ports, sent to a destination port, optionally tagged (RSPAN) and
 * truncated.  Sessions live in sw->mirrors (RTNL); ports point at the
 * session mirroring them in each direction (RCU).
 */
#ifndef _HVK_SWITCH_MIRROR_H
#define _HVK_SWITCH_MIRROR_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>

struct genl_info;
struct hvk_switch;
struct hvk_port;

/*
 * Sessions per switch: a user namespace's root may create switches, so
 * every object it can make without a frame to show for it is bounded
 * (and charged to its memory cgroup).
 */
#define HVK_MIRROR_MAX	64

struct hvk_mirror {
	struct list_head list;		/* in sw->mirrors */
	struct hvk_switch *sw;
	char name[IFNAMSIZ];
	struct hvk_port *dest;
	u16 vid;			/* 0: untagged copies */
	u32 truncate;			/* 0: whole frames */
	atomic64_t packets, bytes, drops;
	struct rcu_head rcu;
};

/* Send a copy of @skb, from its MAC header, to the session's destination. */
void hvk_mirror_copy(struct hvk_mirror *m, struct sk_buff *skb);

struct hvk_mirror *hvk_mirror_find(struct hvk_switch *sw, const char *name);
/* Unhook @m from every port and free it after RCU; RTNL held. */
/* Remove a session and announce it (@info: the request, if one asked). */
void hvk_mirror_destroy(struct hvk_mirror *m, struct genl_info *info);
/* @port is going away: sessions sending to it go with it.  RTNL held. */
void hvk_mirror_port_gone(struct hvk_port *port);

#endif /* _HVK_SWITCH_MIRROR_H */
