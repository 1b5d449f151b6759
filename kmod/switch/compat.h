/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvk_switch builds against Debian 12's 6.1 kernel and the 6.12 LTS one.
 * The kernel interfaces that changed in between are bridged here and only
 * here; each check names the release that made the change.
 */
#ifndef _HVK_SWITCH_COMPAT_H
#define _HVK_SWITCH_COMPAT_H

#include <linux/netdevice.h>
#include <linux/version.h>
#include <net/genetlink.h>

/* 6.5 moved skb_gso_segment() and the other GSO helpers to <net/gso.h>. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>
#endif

/*
 * The request's attributes in a dump: 6.6 keeps them in the struct
 * genl_info that dumps now carry too.
 */
static inline struct nlattr **hvk_genl_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * 6.12 turned the NETIF_F_LLTX and NETIF_F_NETNS_LOCAL "features" into
 * bits of the device (dev->lltx, dev->netns_local); 6.12.114 renamed the
 * latter netns_immutable, as 6.13 did.  Same meaning throughout: the core
 * takes no TX lock around ndo_start_xmit, and the device never leaves the
 * namespace it was created in.
 */
static inline void hvk_netdev_set_lltx(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

static inline void hvk_netdev_set_netns_local(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 114)
	dev->netns_immutable = true;
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	dev->netns_local = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL;
#endif
}

/*
 * The kernel's own drop reasons for hvk's drops, seen by the skb:kfree_skb
 * tracepoint (perf, dropwatch, drop_monitor).  6.1 has no reason for a
 * failed allocation, a frame over the MTU or an invalid source MAC; 6.12
 * has all three (added in 6.2, 6.3 and 6.10).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#define HVK_SKB_DROP_NOMEM		SKB_DROP_REASON_NOMEM
#define HVK_SKB_DROP_TOO_BIG		SKB_DROP_REASON_PKT_TOO_BIG
#define HVK_SKB_DROP_INVALID_SRC	SKB_DROP_REASON_MAC_INVALID_SOURCE
#else
#define HVK_SKB_DROP_NOMEM		SKB_DROP_REASON_NOT_SPECIFIED
#define HVK_SKB_DROP_TOO_BIG		SKB_DROP_REASON_NOT_SPECIFIED
#define HVK_SKB_DROP_INVALID_SRC	SKB_DROP_REASON_NOT_SPECIFIED
#endif

#endif /* _HVK_SWITCH_COMPAT_H */
