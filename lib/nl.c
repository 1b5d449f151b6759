// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libhvk generic netlink core: family lookup, request/reply and dump loop
 * with extack decoding and NLM_F_DUMP_INTR restarts, event subscription.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

void hvk_error_clear(struct hvk_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int hvkp_error_set(struct hvk_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

static ssize_t mnl_send(void *ctx, const void *buf, size_t len)
{
	return mnl_socket_sendto(ctx, buf, len);
}

static ssize_t mnl_recv(void *ctx, void *buf, size_t len)
{
	return mnl_socket_recvfrom(ctx, buf, len);
}

void hvkp_nl_init_transport(struct hvk_nl *nl, const struct hvk_nl_transport *io,
			   const struct hvk_nl_family *family)
{
	memset(nl, 0, sizeof(*nl));
	nl->io = *io;
	nl->seq = 1;
	if (family)
		nl->family = *family;
}

int hvk_nl_parse_error(const struct nlmsghdr *nlh, const struct nlmsghdr *req,
		       struct hvk_error *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	unsigned int off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return hvkp_error_set(err, -EBADMSG, "truncated netlink error message");
	if (e->error > 0 || e->error < -4095)
		return hvkp_error_set(err, -EBADMSG, "netlink error %d out of range", e->error);
	if (err)
		err->code = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || !err)
		goto out;

	/* The TLVs follow the echoed request, or only its header if capped. */
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		goto out;

	mnl_attr_for_each(attr, nlh, off) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
				snprintf(err->msg, sizeof(err->msg), "%s",
					 mnl_attr_get_str(attr));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				err->bad_attr_offset = mnl_attr_get_u32(attr);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				err->missing_attr_type = mnl_attr_get_u32(attr);
			break;
		}
	}

	/* The offset points into our request: name the attribute's type. */
	if (req && err->bad_attr_offset &&
	    err->bad_attr_offset + sizeof(struct nlattr) <= req->nlmsg_len) {
		const struct nlattr *bad = (const void *)
			((const char *)req + err->bad_attr_offset);

		err->bad_attr_type = bad->nla_type & NLA_TYPE_MASK;
	} else {
		err->bad_attr_offset = 0;
	}
out:
	if (e->error && err && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "%s", strerror(-e->error));
	return e->error;
}

/*
 * One pass of a request: send it, then read until ACK or DONE.  Sets *intr
 * when the kernel flagged a dump as inconsistent.
 */
static int nl_transact(struct hvk_nl *nl, struct nlmsghdr *req,
		       hvk_nl_msg_cb cb, void *data, bool *intr,
		       struct hvk_error *err)
{
	char *buf;
	ssize_t len;
	int ret = 0;
	bool done = false;

	req->nlmsg_seq = nl->seq++;
	if (nl->io.send(nl->io.ctx, req, req->nlmsg_len) < 0)
		return hvkp_error_set(err, -errno, "netlink send: %s", strerror(errno));

	buf = malloc(HVK_NL_RECV_SIZE);
	if (!buf)
		return hvkp_error_set(err, -ENOMEM, "out of memory");

	while (!done) {
		const struct nlmsghdr *nlh;
		int left;

		len = nl->io.recv(nl->io.ctx, buf, HVK_NL_RECV_SIZE);
		if (len < 0) {
			ret = hvkp_error_set(err, -errno, "netlink receive: %s",
					    strerror(errno));
			break;
		}
		if (len == 0) {
			ret = hvkp_error_set(err, -ECONNRESET, "netlink peer closed");
			break;
		}
		left = len;
		for (nlh = (void *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_seq != req->nlmsg_seq ||
			    (nl->portid && nlh->nlmsg_pid && nlh->nlmsg_pid != nl->portid))
				continue;	/* stale reply of an earlier request */
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				*intr = true;

			if (nlh->nlmsg_type == NLMSG_ERROR) {
				int e = hvk_nl_parse_error(nlh, req, err);

				/* An error after a callback failure keeps the first. */
				if (!ret)
					ret = e;
				done = true;
				break;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				const int *status = mnl_nlmsg_get_payload(nlh);

				if (!ret && nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(int)) &&
				    *status < 0)
					ret = hvkp_error_set(err, *status, "dump failed: %s",
							    strerror(-*status));
				done = true;
				break;
			}
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;	/* NOOP, OVERRUN */
			if (!ret && cb) {
				ret = cb(nlh, data, err);
				if (ret > 0)
					ret = 0;
			}
		}
		/* After a callback error, drain to the ACK to stay in sync. */
	}
	free(buf);
	if (ret && err && !err->code)
		err->code = ret;
	return ret;
}

int hvk_nl_request(struct hvk_nl *nl, struct nlmsghdr *req, hvk_nl_msg_cb cb,
		   hvk_nl_reset_cb reset, void *data, struct hvk_error *err)
{
	int tries, ret;

	hvk_error_clear(err);
	for (tries = 0; tries < HVK_NL_DUMP_TRIES; tries++) {
		bool intr = false;

		ret = nl_transact(nl, req, cb, data, &intr, err);
		if (ret || !intr || !(req->nlmsg_flags & NLM_F_DUMP))
			return ret;
		/* The objects changed under the dump: start over. */
		if (reset)
			reset(data);
	}
	return hvkp_error_set(err, -EAGAIN,
			     "dump interrupted %d times by concurrent changes",
			     HVK_NL_DUMP_TRIES);
}

struct nlmsghdr *hvk_nl_req_start(const struct hvk_nl *nl, void *buf,
				  uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = nl->family.id;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = nl->family.version ? nl->family.version : 1;
	return nlh;
}

static int decode_group(const struct nlattr *nest, struct hvk_nl_family *fam)
{
	const struct nlattr *attr;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(attr);
		else if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_ID &&
			 mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			id = mnl_attr_get_u32(attr);
	}
	if (!name || !id || fam->n_groups == HVK_NL_MAX_GROUPS)
		return 0;
	snprintf(fam->groups[fam->n_groups].name, HVK_NL_NAME_LEN, "%s", name);
	fam->groups[fam->n_groups].id = id;
	fam->n_groups++;
	return 0;
}

int hvk_nl_parse_family(const struct nlmsghdr *nlh, struct hvk_nl_family *fam,
			struct hvk_error *err)
{
	const struct nlattr *attr, *grp;

	memset(fam, 0, sizeof(*fam));
	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
				fam->id = mnl_attr_get_u16(attr);
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				fam->version = mnl_attr_get_u32(attr);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, attr)
				decode_group(grp, fam);
			break;
		}
	}
	if (!fam->id)
		return hvkp_error_set(err, -EBADMSG, "family reply without an id");
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data,
		     struct hvk_error *err)
{
	return hvk_nl_parse_family(nlh, data, err);
}

static int nl_resolve(struct hvk_nl *nl, const char *family,
		      struct hvk_error *err)
{
	char buf[HVK_NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct hvk_nl_family fam;
	uint16_t id = nl->family.id;
	int ret;

	nl->family.id = GENL_ID_CTRL;
	nl->family.version = 1;
	nlh = hvk_nl_req_start(nl, buf, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	ret = hvk_nl_request(nl, nlh, family_cb, NULL, &fam, err);
	if (ret == -ENOENT)
		return hvkp_error_set(err, ret,
				     "generic netlink family %s not found: is the module loaded (modprobe %s)?",
				     family, family);
	if (ret) {
		nl->family.id = id;
		return ret;
	}
	nl->family = fam;
	return 0;
}

int hvk_nl_open(struct hvk_nl **out, const char *family, struct hvk_error *err)
{
	struct hvk_nl *nl;
	int one = 1, ret;

	hvk_error_clear(err);
	*out = NULL;
	if (strlen(family) >= HVK_NL_NAME_LEN)
		return hvkp_error_set(err, -EINVAL, "family name too long");
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return hvkp_error_set(err, -ENOMEM, "out of memory");

	nl->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->sock) {
		ret = hvkp_error_set(err, -errno, "netlink socket: %s", strerror(errno));
		free(nl);
		return ret;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = hvkp_error_set(err, -errno, "netlink bind: %s", strerror(errno));
		goto err_close;
	}
	/* Without extack a rejection is only an errno; without CAP_ACK the
	 * kernel echoes our whole request back.
	 */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));

	nl->io.send = mnl_send;
	nl->io.recv = mnl_recv;
	nl->io.ctx = nl->sock;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	snprintf(nl->name, sizeof(nl->name), "%s", family);

	ret = nl_resolve(nl, family, err);
	if (ret)
		goto err_close;
	*out = nl;
	return 0;

err_close:
	mnl_socket_close(nl->sock);
	free(nl);
	return ret;
}

void hvk_nl_close(struct hvk_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

uint16_t hvk_nl_family_id(const struct hvk_nl *nl)
{
	return nl->family.id;
}

uint32_t hvk_nl_family_version(const struct hvk_nl *nl)
{
	return nl->family.version;
}

int hvk_nl_group_id(const struct hvk_nl *nl, const char *group)
{
	unsigned int i;

	for (i = 0; i < nl->family.n_groups; i++)
		if (!strcmp(nl->family.groups[i].name, group))
			return nl->family.groups[i].id;
	return -ENOENT;
}

int hvk_nl_fd(const struct hvk_nl *nl)
{
	return nl->sock ? mnl_socket_get_fd(nl->sock) : -1;
}

int hvk_nl_subscribe(struct hvk_nl *nl, const char *group,
		     struct hvk_error *err)
{
	int id;

	hvk_error_clear(err);
	id = hvk_nl_group_id(nl, group);
	if (id < 0)
		return hvkp_error_set(err, -ENOENT, "family %s has no multicast group %s",
				     nl->name, group);
	if (!nl->sock)
		return hvkp_error_set(err, -ENOTSOCK, "not a netlink socket");
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &id, sizeof(id)) < 0)
		return hvkp_error_set(err, -errno, "joining %s/%s: %s", nl->name,
				     group, strerror(errno));
	return 0;
}

int hvk_nl_recv_events(struct hvk_nl *nl, int timeout_ms, hvk_nl_msg_cb cb,
		       void *data, struct hvk_error *err)
{
	struct pollfd pfd = { .fd = hvk_nl_fd(nl), .events = POLLIN };
	const struct nlmsghdr *nlh;
	char *buf;
	ssize_t len;
	int n = 0, left, ret;

	hvk_error_clear(err);
	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return hvkp_error_set(err, -errno, "poll: %s", strerror(errno));
	if (ret == 0)
		return 0;

	buf = malloc(HVK_NL_RECV_SIZE);
	if (!buf)
		return hvkp_error_set(err, -ENOMEM, "out of memory");
	len = nl->io.recv(nl->io.ctx, buf, HVK_NL_RECV_SIZE);
	if (len < 0) {
		/* ENOBUFS: we fell behind and the kernel dropped events. */
		ret = hvkp_error_set(err, -errno, "netlink receive: %s%s", strerror(errno),
				    errno == ENOBUFS ? " (events were lost)" : "");
		goto out;
	}
	left = len;
	for (nlh = (void *)buf; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type != nl->family.id)
			continue;
		ret = cb(nlh, data, err);
		if (ret < 0)
			goto out;
		n++;
	}
	ret = n;
out:
	free(buf);
	return ret;
}

/* ---- a growable array for dumps ---- */

static int list_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	struct hvkp_list *l = data;
	int ret;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *p = realloc(l->items, cap * l->size);

		if (!p)
			return hvkp_error_set(err, -ENOMEM, "out of memory");
		l->items = p;
		l->cap = cap;
	}
	ret = l->parse(nlh, (char *)l->items + l->n * l->size, err);
	if (ret)
		return ret;
	l->n++;
	return 0;
}

static void list_reset(void *data)
{
	((struct hvkp_list *)data)->n = 0;
}

int hvkp_dump(struct hvk_nl *nl, struct nlmsghdr *req, struct hvkp_list *l,
	      void **out, size_t *n, struct hvk_error *err)
{
	int ret = hvk_nl_request(nl, req, list_cb, list_reset, l, err);

	if (ret) {
		free(l->items);
		*out = NULL;
		*n = 0;
		return ret;
	}
	*out = l->items;
	*n = l->n;
	return 0;
}
