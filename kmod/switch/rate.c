// SPDX-License-Identifier: GPL-2.0
/*
 * Token buckets for the outbound policer, the inbound shaper and storm
 * control.  The semantics are tbf's: an average-rate bucket of depth
 * `burst` and, with a peak rate, a second bucket one full frame deep, so a
 * burst leaves at no more than the peak rate.  Bytes are L2 frame bytes.
 */
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include "compat.h"
#include "port.h"
#include "rate.h"

/* ---- wire length ---- */

/* Bytes from the MAC header to the end of the L4 header of a GSO frame. */
static unsigned int gso_hdr_len(const struct sk_buff *skb)
{
	unsigned int hdr;

	if (!skb_transport_header_was_set(skb))
		return 0;
	hdr = skb_transport_header(skb) - skb_mac_header(skb);
	if (skb_shinfo(skb)->gso_type & (SKB_GSO_TCPV4 | SKB_GSO_TCPV6)) {
		const struct tcphdr *th;
		struct tcphdr _th;

		th = skb_header_pointer(skb, skb_transport_offset(skb), sizeof(_th), &_th);
		if (th)
			hdr += __tcp_hdrlen(th);
	} else if (skb_shinfo(skb)->gso_type & SKB_GSO_UDP_L4) {
		hdr += sizeof(struct udphdr);
	}
	return hdr;
}

/*
 * The frame's bytes on the wire, GSO segments' headers and VLAN tag
 * included; *segs: the frames it is on the wire (1 unless GSO).
 */
static unsigned int wire_len(const struct sk_buff *skb, unsigned int *segs)
{
	unsigned int len = skb->len - skb_mac_offset(skb), hdr, size;

	if (skb_vlan_tag_present(skb))
		len += VLAN_HLEN;
	*segs = 1;
	if (!skb_is_gso(skb))
		return len;
	size = skb_shinfo(skb)->gso_size;
	hdr = gso_hdr_len(skb);
	if (!size || !hdr || hdr >= len) {
		*segs = max_t(unsigned int, skb_shinfo(skb)->gso_segs, 1);
		return len;
	}
	*segs = DIV_ROUND_UP(len - hdr, size);
	return len + (*segs - 1) * hdr;
}

/* ---- buckets ---- */

/* A bucket of @depth units filling at @rate units per second, full. */
static void tb_init(struct hvk_tb *tb, u64 rate, u64 depth)
{
	tb->mult = div64_u64((u64)NSEC_PER_SEC << 32, rate);
	tb->depth = min_t(u64, mul_u64_u64_div_u64(depth, NSEC_PER_SEC, rate), S64_MAX / 4);
	tb->tokens = tb->depth;
}

static s64 tb_cost(const struct hvk_tb *tb, u32 units)
{
	return min_t(u64, mul_u64_u32_shr(tb->mult, units, 32), S64_MAX / 4);
}

/*
 * Tokens after @elapsed ns, the bucket holding up to @slack ns more than its
 * depth: the time a backlogged shaper's timer fired late, which is owed to
 * the queue rather than lost (otherwise every late timer would cost rate).
 */
static s64 tb_fill(const struct hvk_tb *tb, u64 elapsed, s64 slack)
{
	s64 cap = tb->depth + slack;

	/* Credit left over from a late timer is kept, but does not grow. */
	if (tb->tokens >= cap)
		return tb->tokens;
	if (elapsed >= (u64)(cap - tb->tokens))
		return cap;
	return tb->tokens + elapsed;
}

static s64 tb_short(const struct hvk_tb *tb, s64 toks, s64 cost)
{
	return min(cost, tb->depth) - toks;
}

/*
 * Charge @bytes and @pkts to every bucket of @m if all have the tokens;
 * otherwise charge nothing and return how many ns until they will.
 * @slack: see tb_fill().
 */
static s64 meter_charge(struct hvk_meter *m, u64 now, u32 bytes, u32 pkts, s64 slack)
{
	const u32 units[HVK_TB_MAX] = {
		[HVK_TB_AVERAGE] = bytes, [HVK_TB_PEAK] = bytes, [HVK_TB_PKTS] = pkts,
	};
	u64 elapsed = now > m->t_c ? now - m->t_c : 0;
	s64 toks[HVK_TB_MAX], cost[HVK_TB_MAX], wait = 0;
	int i;

	for (i = 0; i < HVK_TB_MAX; i++) {
		if (!m->on[i])
			continue;
		toks[i] = tb_fill(&m->tb[i], elapsed, slack);
		cost[i] = tb_cost(&m->tb[i], units[i]);
		wait = max(wait, tb_short(&m->tb[i], toks[i], cost[i]));
	}
	if (wait > 0)
		return wait;
	for (i = 0; i < HVK_TB_MAX; i++)
		if (m->on[i])
			m->tb[i].tokens = toks[i] - cost[i];
	m->t_c = now;
	return 0;
}

/* Turn bucket @kind of @m on: @depth units filling at @rate units a second. */
static void meter_add(struct hvk_meter *m, enum hvk_tb_kind kind, u64 rate, u64 depth)
{
	m->on[kind] = true;
	tb_init(&m->tb[kind], rate, depth);
}

static void meter_init(struct hvk_meter *m, const struct hvk_rate_cfg *cfg)
{
	memset(m, 0, sizeof(*m));
	meter_add(m, HVK_TB_AVERAGE, div_u64(cfg->average, 8), cfg->burst);
	if (cfg->peak)
		meter_add(m, HVK_TB_PEAK, div_u64(cfg->peak, 8), HVK_RATE_MIN_BURST);
	if (cfg->pps) {
		/* As many packets as the burst lasts at the average rate. */
		u64 depth = mul_u64_u64_div_u64(cfg->pps, cfg->burst * 8, cfg->average);

		meter_add(m, HVK_TB_PKTS, cfg->pps, max_t(u64, depth, 1));
	}
	m->t_c = ktime_get_ns();
}

/* Charge a frame of @bytes, @pkts to a limiter: false = drop it. */
static bool limiter_conform(struct hvk_limiter *l, u32 bytes, u32 pkts)
{
	s64 wait;

	spin_lock(&l->lock);
	wait = meter_charge(&l->m, ktime_get_ns(), bytes, pkts, 0);
	spin_unlock(&l->lock);
	return !wait;
}

int hvk_rate_cfg_check(struct hvk_rate_cfg *cfg, bool shaper, const struct nlattr *attr,
		       struct netlink_ext_ack *extack)
{
	if (cfg->peak && cfg->peak < cfg->average) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "peak must be at least average");
		return -EINVAL;
	}
	if (!cfg->burst)	/* 10 ms at the average rate, one frame at least */
		cfg->burst = max_t(u64, div_u64(cfg->average, 800), HVK_RATE_MIN_BURST);
	if (cfg->burst < HVK_RATE_MIN_BURST) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "burst must hold one full-sized frame (1518 bytes)");
		return -EINVAL;
	}
	if (!shaper) {
		if (!cfg->limit)
			return 0;
		NL_SET_ERR_MSG_ATTR(extack, attr, "limit applies to inbound (shaped) traffic only");
		return -EINVAL;
	}
	if (!cfg->limit)	/* the burst or 100 ms, plus one GSO frame */
		cfg->limit = max_t(u64, cfg->burst, div_u64(cfg->average, 80)) + SZ_64K;
	if (cfg->limit < HVK_RATE_MIN_BURST) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "limit must hold one full-sized frame (1518 bytes)");
		return -EINVAL;
	}
	return 0;
}

/* ---- policer ---- */

struct hvk_policer *hvk_policer_new(const struct hvk_rate_cfg *cfg)
{
	struct hvk_policer *p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);

	if (!p)
		return NULL;
	spin_lock_init(&p->l.lock);
	p->cfg = *cfg;
	meter_init(&p->l.m, cfg);
	return p;
}

bool hvk_policer_conform(struct hvk_policer *p, const struct sk_buff *skb)
{
	unsigned int segs, len = wire_len(skb, &segs);

	return limiter_conform(&p->l, len, segs);
}

/* ---- shaper ---- */

/* Lateness of the pacing timer credited back to the queue, at most. */
#define HVK_SHAPER_MAX_LATE	(10 * NSEC_PER_MSEC)

static void shaper_send(struct hvk_port *port, struct sk_buff *skb)
{
	hvk_port_count_tx(port, skb->len);
	dev_queue_xmit(skb);
}

/*
 * Move the frames the buckets allow from the head of the queue to @ready;
 * the ns until the head may go, 0 when the queue is empty.  Lock held.
 */
static s64 shaper_drain(struct hvk_shaper *s, u64 now, s64 slack, struct sk_buff_head *ready)
{
	struct sk_buff *skb;
	s64 wait;

	while ((skb = skb_peek(&s->q))) {
		unsigned int segs, len = wire_len(skb, &segs);

		wait = meter_charge(&s->m, now, len, segs, slack);
		if (wait)
			return wait;
		__skb_unlink(skb, &s->q);
		s->backlog -= len;
		__skb_queue_tail(ready, skb);
	}
	return 0;
}

static void shaper_send_all(struct hvk_port *port, struct sk_buff_head *ready)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(ready)))
		shaper_send(port, skb);
}

static enum hrtimer_restart shaper_timer(struct hrtimer *timer)
{
	struct hvk_shaper *s = container_of(timer, struct hvk_shaper, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	struct sk_buff_head ready;
	u64 now = ktime_get_ns();
	s64 wait, late;

	/* The queue waited this long past its turn: it keeps the tokens. */
	late = clamp_t(s64, now - ktime_to_ns(hrtimer_get_expires(timer)), 0, HVK_SHAPER_MAX_LATE);
	__skb_queue_head_init(&ready);
	spin_lock(&s->lock);
	if (!s->dead) {
		wait = shaper_drain(s, now, late, &ready);
		if (wait) {
			/*
			 * Exactly when the head may go (not hrtimer_forward's
			 * multiple of the interval): lateness is measured
			 * from here and credited back.
			 */
			hrtimer_set_expires(timer, ns_to_ktime(now + wait));
			ret = HRTIMER_RESTART;
		}
	}
	spin_unlock(&s->lock);
	shaper_send_all(s->port, &ready);
	return ret;
}

struct hvk_shaper *hvk_shaper_new(struct hvk_port *port, const struct hvk_rate_cfg *cfg)
{
	struct hvk_shaper *s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);

	if (!s)
		return NULL;
	spin_lock_init(&s->lock);
	__skb_queue_head_init(&s->q);
	hrtimer_init(&s->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	s->timer.function = shaper_timer;
	s->port = port;
	s->cfg = *cfg;
	meter_init(&s->m, cfg);
	return s;
}

/*
 * A GSO frame bigger than the burst is queued as the frames it becomes,
 * as tbf does: a full queue then drops one segment, not a whole
 * super-frame (dozens of consecutive TCP segments, which TCP recovers
 * from only by a timeout).
 */
static void shaper_segment(struct hvk_shaper *s, struct sk_buff *skb)
{
	netdev_features_t features = netif_skb_features(skb);
	struct sk_buff *segs, *seg, *next;

	skb_reset_mac_len(skb);
	segs = skb_gso_segment(skb, features & ~NETIF_F_GSO_MASK);
	if (IS_ERR_OR_NULL(segs)) {
		hvk_port_drop(s->port, skb, HVK_DROP_NOMEM);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		hvk_shaper_xmit(s, seg);
	}
}

/*
 * Like tbf, frames leave from here too, not only from the timer: an
 * arrival first sends what the buckets allow from the head of the queue,
 * so under load the timer rarely fires.
 */
void hvk_shaper_xmit(struct hvk_shaper *s, struct sk_buff *skb)
{
	unsigned int segs, len = wire_len(skb, &segs);
	struct sk_buff_head ready;
	u64 now;
	s64 wait;

	if (skb_is_gso(skb) && len > s->cfg.burst) {
		shaper_segment(s, skb);
		return;
	}

	__skb_queue_head_init(&ready);
	spin_lock_bh(&s->lock);
	if (unlikely(s->dead)) {
		/* Being replaced: the frame goes out as if unshaped. */
		spin_unlock_bh(&s->lock);
		shaper_send(s->port, skb);
		return;
	}
	now = ktime_get_ns();
	if (!shaper_drain(s, now, 0, &ready)) {
		wait = meter_charge(&s->m, now, len, segs, 0);
		if (!wait) {
			__skb_queue_tail(&ready, skb);
			goto out;
		}
		/* The queue was empty: no timer is due for this frame yet. */
		hrtimer_start(&s->timer, ns_to_ktime(wait), HRTIMER_MODE_REL_SOFT);
	} else if (s->backlog + len > s->cfg.limit) {
		spin_unlock_bh(&s->lock);
		shaper_send_all(s->port, &ready);
		hvk_port_drop(s->port, skb, HVK_DROP_SHAPER);
		return;
	}
	__skb_queue_tail(&s->q, skb);
	s->backlog += len;
out:
	spin_unlock_bh(&s->lock);
	shaper_send_all(s->port, &ready);
}

u64 hvk_shaper_backlog(struct hvk_shaper *s)
{
	u64 backlog;

	spin_lock_bh(&s->lock);
	backlog = s->backlog;
	spin_unlock_bh(&s->lock);
	return backlog;
}

void hvk_shaper_destroy(struct hvk_shaper *s)
{
	struct sk_buff_head dropped;
	unsigned int n;

	__skb_queue_head_init(&dropped);
	spin_lock_bh(&s->lock);
	s->dead = true;
	skb_queue_splice_init(&s->q, &dropped);
	s->backlog = 0;
	spin_unlock_bh(&s->lock);
	/* Nobody arms the timer once dead is set. */
	hrtimer_cancel(&s->timer);

	n = skb_queue_len(&dropped);
	__skb_queue_purge(&dropped);
	local_bh_disable();
	while (n--)
		hvk_port_count_drop(s->port, HVK_DROP_SHAPER);
	local_bh_enable();
	kfree_rcu(s, rcu);
}

/* ---- storm control ---- */

void hvk_pps_limit_init(struct hvk_pps_limit *l, u32 pps)
{
	spin_lock_init(&l->l.lock);
	memset(&l->l.m, 0, sizeof(l->l.m));
	l->pps = pps;
	if (pps)
		meter_add(&l->l.m, HVK_TB_PKTS, pps, pps);
	l->l.m.t_c = ktime_get_ns();
}

bool hvk_pps_limit_conform(struct hvk_pps_limit *l)
{
	return !l->pps || limiter_conform(&l->l, 0, 1);
}
