// SPDX-License-Identifier: GPL-2.0
/*
 * Port VLAN modes (802.1Q, with 802.1ad outer tags for QinQ):
 *
 *   mode             untagged in   tagged in                  out
 *   access PVID      joins PVID    dropped unless VID 0       untagged
 *   trunk VIDS       dropped       VIDS only                  tagged
 *   native-untagged  joins PVID    VIDS                       PVID untagged, rest tagged
 *   native-tagged    joins PVID    VIDS + PVID                all tagged
 *   dot1q-tunnel     joins PVID    joins PVID, tag kept       untagged (inner tag kept)
 *   none             dropped       dropped                    nothing
 *
 * A tag whose TPID is not the switch's VLAN protocol is payload, as is a
 * priority tag's (VID 0) VID: such frames count as untagged, the PCP of a
 * priority tag is kept for a tagged egress.
 */
#include <linux/slab.h>
#include <linux/hvk_switch.h>

#include "switch.h"
#include "vlan.h"

struct hvk_vlan *hvk_vlan_new_default(const struct hvk_switch *sw)
{
	struct hvk_vlan *v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);

	if (!v)
		return NULL;
	if (sw->default_pvid) {
		v->mode = HVK_SWITCH_VLAN_ACCESS;
		v->pvid = sw->default_pvid;
	} else {
		v->mode = HVK_SWITCH_VLAN_NONE;
	}
	return v;
}

/* Put a hardware-accelerated tag back into the frame: it is payload to us. */
static struct sk_buff *vlan_tag_to_payload(struct sk_buff *skb)
{
	u16 tci = skb_vlan_tag_get(skb);

	skb_push(skb, ETH_HLEN);
	skb = vlan_insert_tag_set_proto(skb, skb->vlan_proto, tci);
	if (!skb)
		return NULL;
	skb_pull(skb, ETH_HLEN);
	/* The tag's last four bytes are now payload: keep a CHECKSUM_COMPLETE valid. */
	skb_postpush_rcsum(skb, skb->data, VLAN_HLEN);
	skb_reset_mac_len(skb);
	__vlan_hwaccel_clear_tag(skb);
	return skb;
}

bool hvk_vlan_ingress(const struct hvk_switch *sw, const struct hvk_vlan *v,
		      struct sk_buff **pskb, u16 *vid, u16 *pcp)
{
	struct sk_buff *skb = *pskb;
	bool tagged = false;
	u16 tag_vid = 0;

	*pcp = 0;
	if (skb_vlan_tag_present(skb)) {
		if (skb->vlan_proto != READ_ONCE(sw->vlan_proto) ||
		    v->mode == HVK_SWITCH_VLAN_DOT1Q_TUNNEL) {
			skb = vlan_tag_to_payload(skb);
			*pskb = skb;
			if (!skb)
				return false;
		} else {
			tag_vid = skb_vlan_tag_get_id(skb);
			*pcp = skb->vlan_tci & VLAN_PRIO_MASK;
			tagged = tag_vid != 0;
			__vlan_hwaccel_clear_tag(skb);
		}
	}

	switch (v->mode) {
	case HVK_SWITCH_VLAN_ACCESS:
	case HVK_SWITCH_VLAN_DOT1Q_TUNNEL:
		*vid = v->pvid;
		return !tagged;
	case HVK_SWITCH_VLAN_TRUNK:
		*vid = tag_vid;
		return tagged && test_bit(tag_vid, v->vids);
	case HVK_SWITCH_VLAN_NATIVE_UNTAGGED:
		*vid = tagged ? tag_vid : v->pvid;
		return !tagged || test_bit(tag_vid, v->vids);
	case HVK_SWITCH_VLAN_NATIVE_TAGGED:
		*vid = tagged ? tag_vid : v->pvid;
		return !tagged || tag_vid == v->pvid || test_bit(tag_vid, v->vids);
	default:
		return false;
	}
}

bool hvk_vlan_egress_member(const struct hvk_vlan *v, u16 vid)
{
	switch (v->mode) {
	case HVK_SWITCH_VLAN_ACCESS:
	case HVK_SWITCH_VLAN_DOT1Q_TUNNEL:
		return vid == v->pvid;
	case HVK_SWITCH_VLAN_TRUNK:
		return test_bit(vid, v->vids);
	case HVK_SWITCH_VLAN_NATIVE_UNTAGGED:
	case HVK_SWITCH_VLAN_NATIVE_TAGGED:
		return vid == v->pvid || test_bit(vid, v->vids);
	default:
		return false;
	}
}

void hvk_vlan_egress_tag(const struct hvk_switch *sw, const struct hvk_vlan *v,
			 struct sk_buff *skb, u16 vid, u16 pcp)
{
	bool tagged;

	switch (v->mode) {
	case HVK_SWITCH_VLAN_TRUNK:
	case HVK_SWITCH_VLAN_NATIVE_TAGGED:
		tagged = true;
		break;
	case HVK_SWITCH_VLAN_NATIVE_UNTAGGED:
		tagged = vid != v->pvid;
		break;
	default:
		tagged = false;
		break;
	}
	if (tagged)
		__vlan_hwaccel_put_tag(skb, READ_ONCE(sw->vlan_proto), vid | pcp);
	else
		__vlan_hwaccel_clear_tag(skb);
}
