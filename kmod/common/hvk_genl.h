/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink helpers shared by the hvkit modules: every family answers an
 * INFO_GET with the same two attributes, so the reply is built in one place.
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

#endif /* _HVK_GENL_H */
