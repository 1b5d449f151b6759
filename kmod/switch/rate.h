/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rate limits: token buckets, the outbound policer (port -> switch: frames
 * over the rate are dropped) and the inbound shaper (switch -> port: frames
 * wait in a bounded queue paced by an hrtimer).
 */
#ifndef _HVK_SWITCH_RATE_H
#define _HVK_SWITCH_RATE_H

#include <linux/hrtimer.h>
#include <net/netlink.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>

struct hvk_port;

/* A configuration as the admin gave it; bytes and bits as in the ABI. */
struct hvk_rate_cfg {
	u64 average;		/* bit/s */
	u64 peak;		/* bit/s, 0 = none */
	u64 burst;		/* bytes */
	u32 pps;		/* 0 = none */
	u64 limit;		/* shaper queue bytes */
};

/*
 * One bucket.  Tokens are nanoseconds of transmission at the bucket's rate,
 * as in sch_tbf; a unit costs (units * mult) >> 32 ns.  A unit costing more
 * than the bucket holds is let through when the bucket is full and leaves
 * it negative, so the long-run rate stays exact for frames of any size.
 */
struct hvk_tb {
	u64 mult;
	s64 depth;		/* ns */
	s64 tokens;		/* ns */
};

/* A meter's buckets: frame bytes at average, bytes at peak, packets. */
enum hvk_tb_kind {
	HVK_TB_AVERAGE,
	HVK_TB_PEAK,
	HVK_TB_PKTS,
	HVK_TB_MAX
};

struct hvk_meter {
	struct hvk_tb tb[HVK_TB_MAX];
	bool on[HVK_TB_MAX];
	u64 t_c;		/* ns, last update */
};

/* A meter that drops what does not conform: the policer, storm limits. */
struct hvk_limiter {
	spinlock_t lock;	/* the meter */
	struct hvk_meter m;
};

struct hvk_policer {
	struct hvk_limiter l;
	struct hvk_rate_cfg cfg;
	struct rcu_head rcu;
};

struct hvk_shaper {
	spinlock_t lock;	/* the meter, the queue, backlog, dead */
	struct hvk_meter m;
	struct sk_buff_head q;
	u64 backlog;		/* bytes queued */
	bool dead;
	struct hrtimer timer;
	struct hvk_port *port;
	struct hvk_rate_cfg cfg;
	struct rcu_head rcu;
};

/* Largest frame a burst must hold: a full-sized VLAN-tagged Ethernet frame. */
#define HVK_RATE_MIN_BURST	(ETH_FRAME_LEN + VLAN_HLEN)

/*
 * Check @cfg, filling in defaults; -EINVAL with a message at @attr (the rate
 * nest it came from) if it is not a usable rate.
 */
int hvk_rate_cfg_check(struct hvk_rate_cfg *cfg, bool shaper, const struct nlattr *attr,
		       struct netlink_ext_ack *extack);

struct hvk_policer *hvk_policer_new(const struct hvk_rate_cfg *cfg);
/* True when the frame conforms (and is charged). */
bool hvk_policer_conform(struct hvk_policer *p, const struct sk_buff *skb);

struct hvk_shaper *hvk_shaper_new(struct hvk_port *port, const struct hvk_rate_cfg *cfg);
/* Send @skb (data at the MAC header) now or queue it; consumes it. */
void hvk_shaper_xmit(struct hvk_shaper *s, struct sk_buff *skb);
/* Stop the timer, drop the queue, free after RCU; RTNL held. */
void hvk_shaper_destroy(struct hvk_shaper *s);
u64 hvk_shaper_backlog(struct hvk_shaper *s);

/* A single-rate packet bucket for storm control, one second deep. */
struct hvk_pps_limit {
	struct hvk_limiter l;
	u32 pps;		/* 0 = no limit */
};

void hvk_pps_limit_init(struct hvk_pps_limit *l, u32 pps);
bool hvk_pps_limit_conform(struct hvk_pps_limit *l);

#endif /* _HVK_SWITCH_RATE_H */
