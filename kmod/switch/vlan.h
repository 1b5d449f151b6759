/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Port VLAN configuration and the ingress/egress rules of each mode.
 */
#ifndef _HVK_SWITCH_VLAN_H
#define _HVK_SWITCH_VLAN_H

#include <linux/bitmap.h>
#include <linux/if_vlan.h>
#include <linux/skbuff.h>

struct hvk_switch;

/* Immutable once published: a change replaces the whole object (RCU). */
struct hvk_vlan {
	u8 mode;			/* enum hvk_switch_vlan_mode */
	u16 pvid;			/* access/native VID, tunnel S-VID */
	DECLARE_BITMAP(vids, VLAN_N_VID);	/* tagged VIDs */
	struct rcu_head rcu;
};

/* The VLAN config a new port starts with: access to the default PVID. */
struct hvk_vlan *hvk_vlan_new_default(const struct hvk_switch *sw);

/*
 * Classify a received frame: on success returns true with *vid set and the
 * frame's tag, if any, removed (the PCP of a tag is kept in *pcp); false
 * means the port's mode does not admit the frame.  May replace *pskb.
 */
bool hvk_vlan_ingress(const struct hvk_switch *sw, const struct hvk_vlan *v,
		      struct sk_buff **pskb, u16 *vid, u16 *pcp);

/* Whether frames of @vid may leave through a port with config @v. */
bool hvk_vlan_egress_member(const struct hvk_vlan *v, u16 vid);

/* Tag or untag @skb for leaving through a port with config @v. */
void hvk_vlan_egress_tag(const struct hvk_switch *sw, const struct hvk_vlan *v,
			 struct sk_buff *skb, u16 vid, u16 pcp);

#endif /* _HVK_SWITCH_VLAN_H */
