/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libhvk internals: the netlink socket object and its transport. */
#ifndef _HVK_LIB_NL_H
#define _HVK_LIB_NL_H

#include <sys/types.h>
#include <hvk/hvk.h>

/* 32 KiB: large enough for any dump skb the kernel builds by default. */
#define HVK_NL_RECV_SIZE 32768

/*
 * How a struct hvk_nl talks to the kernel.  The default is a libmnl socket;
 * unit tests plug in a scripted peer to exercise the request loop.
 */
struct hvk_nl_transport {
	ssize_t (*send)(void *ctx, const void *buf, size_t len);
	ssize_t (*recv)(void *ctx, void *buf, size_t len);
	void *ctx;
};

struct hvk_nl {
	struct mnl_socket *sock;
	struct hvk_nl_transport io;
	uint32_t portid;
	uint32_t seq;
	struct hvk_nl_family family;
	char name[HVK_NL_NAME_LEN];
};

/* Set up @nl over a custom transport with a known family (tests). */
void hvkp_nl_init_transport(struct hvk_nl *nl, const struct hvk_nl_transport *io,
			   const struct hvk_nl_family *family);

/* Format @err: code and printf-style message. Returns @code. */
int hvkp_error_set(struct hvk_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A dump collected into a growable array of @size-byte items. */
struct hvkp_list {
	void *items;
	size_t n, cap, size;
	int (*parse)(const struct nlmsghdr *nlh, void *item, struct hvk_error *err);
};

/* Run dump @req into @l; on success *out owns the items (free()). */
int hvkp_dump(struct hvk_nl *nl, struct nlmsghdr *req, struct hvkp_list *l,
	      void **out, size_t *n, struct hvk_error *err);

#endif /* _HVK_LIB_NL_H */
