/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink helpers shared by the hvkit modules: every family answers an
 * INFO_GET with the same two attributes, and every notification is built
 * and multicast the same way, so each is written in one place.
 */
#ifndef _HVK_GENL_H
#define _HVK_GENL_H

#include <net/genetlink.h>

/* Attributes only replies carry: a request naming one is told so. */
#define READ_ONLY(msg) { .type = NLA_REJECT, .reject_message = msg }

static inline int hvk_genl_reply_info(struct genl_info *info,
				      const struct genl_family *family, u8 cmd,
				      int attr_version, int attr_features,
				      int attr_pad, u64 features)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return -ENOMEM;

	hdr = genlmsg_put_reply(skb, info, family, 0, cmd);
	if (!hdr)
		goto err_msgsize;
	if (nla_put_string(skb, attr_version, HVK_VERSION) ||
	    nla_put_u64_64bit(skb, attr_features, features, attr_pad))
		goto err_msgsize;
	genlmsg_end(skb, hdr);

	return genlmsg_reply(skb, info);

err_msgsize:
	nlmsg_free(skb);
	return -EMSGSIZE;
}

/* Put one notification for @obj (command @cmd) into @skb; 0 or -EMSGSIZE. */
typedef int (*hvk_ntf_fill_t)(struct sk_buff *skb, const void *obj, u8 cmd);

/*
 * Multicast a notification on @family's group 0 in @net, built by @fill only
 * when someone listens.  @info: the request behind it, whose sender then
 * gets it only if it asked for an echo (genl_notify), or NULL.  @size and
 * @gfp: NLMSG_DEFAULT_SIZE and GFP_ATOMIC from the data path, else
 * NLMSG_GOODSIZE and GFP_KERNEL.
 */
static inline void hvk_genl_notify(const struct genl_family *family, struct net *net,
				   hvk_ntf_fill_t fill, const void *obj, u8 cmd,
				   struct genl_info *info, size_t size, gfp_t gfp)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(family, net, 0))
		return;
	skb = genlmsg_new(size, gfp);
	if (!skb)
		return;
	if (fill(skb, obj, cmd)) {
		nlmsg_free(skb);
		return;
	}
	if (info)
		genl_notify(family, skb, info, 0, gfp);
	else
		genlmsg_multicast_netns(family, net, skb, 0, 0, gfp);
}

#endif /* _HVK_GENL_H */
