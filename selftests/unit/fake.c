// SPDX-License-Identifier: LGPL-2.1-or-later
/* The scripted kernel of the libhvk unit tests; see fake.h. */
#include <check.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/hvk_switch.h>
#include <linux/netlink.h>

#include "fake.h"

ssize_t fake_send(void *ctx, const void *buf, size_t len)
{
	struct fake *f = ctx;

	ck_assert_uint_le(len, sizeof(f->req));
	memcpy(f->req, buf, len);
	f->recvs = 0;
	f->passes++;
	return len;
}

ssize_t fake_recv(void *ctx, void *buf, size_t len)
{
	struct fake *f = ctx;

	ck_assert_uint_ge(len, HVK_NL_RECV_SIZE);
	return f->reply(f, f->recvs++, buf);
}

void fake_nl(struct hvk_nl *nl, struct fake *f, fake_reply_fn reply)
{
	struct hvk_nl_transport io = { fake_send, fake_recv, f };
	struct hvk_nl_family fam = { .id = FAMILY_ID, .version = 1 };

	memset(f, 0, sizeof(*f));
	f->reply = reply;
	hvkp_nl_init_transport(nl, &io, &fam);
}

const struct nlmsghdr *last_req(struct fake *f)
{
	return (const struct nlmsghdr *)f->req;
}

/* A message of @type answering the last request, appended at @buf + @off. */
struct nlmsghdr *put_msg(struct fake *f, char *buf, size_t off,
				uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + off);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = last_req(f)->nlmsg_seq;
	return nlh;
}

struct nlmsghdr *put_genl(struct fake *f, char *buf, size_t off, uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = put_msg(f, buf, off, FAMILY_ID, flags);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

struct nlmsghdr *put_data(struct fake *f, char *buf, size_t off, uint16_t flags, uint32_t value)
{
	struct nlmsghdr *nlh = put_genl(f, buf, off, flags, HVK_SWITCH_CMD_INFO_GET);

	mnl_attr_put_u32(nlh, 1, value);
	return nlh;
}

/* NLMSG_ERROR with @error, capped (CAP_ACK), extack @msg / @offs if given. */
struct nlmsghdr *put_error(struct fake *f, char *buf, size_t off,
				  int error, const char *msg, uint32_t offs)
{
	struct nlmsghdr *nlh = put_msg(f, buf, off, NLMSG_ERROR, NLM_F_CAPPED);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = error;
	e->msg = *last_req(f);
	if (msg || offs)
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	if (offs)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, offs);
	return nlh;
}

struct nlmsghdr *put_done(struct fake *f, char *buf, size_t off, int status)
{
	struct nlmsghdr *nlh = put_msg(f, buf, off, NLMSG_DONE, NLM_F_MULTI);
	int *p = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*p = status;
	return nlh;
}

size_t reply_none(struct fake *f, int n, char *buf)
{
	(void)f; (void)n; (void)buf;
	ck_abort_msg("unexpected receive");
	return 0;
}

size_t reply_ack(struct fake *f, int n, char *buf)
{
	(void)n;
	return put_error(f, buf, 0, 0, NULL, 0)->nlmsg_len;
}
