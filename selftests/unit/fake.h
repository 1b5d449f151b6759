/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A scripted kernel for libhvk unit tests: the library's transport is
 * pointed at it, it records each request and answers with what the test's
 * reply function builds.
 */
#ifndef _HVK_TEST_FAKE_H
#define _HVK_TEST_FAKE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "nl.h"

#define FAMILY_ID 0x1f

struct fake;
/* Fill @buf with the reply number @n to the last request; return its length. */
typedef size_t (*fake_reply_fn)(struct fake *f, int n, char *buf);

struct fake {
	fake_reply_fn reply;
	char req[HVK_NL_REQ_SIZE];	/* the last request sent */
	int sends, recvs;		/* per request: recvs resets on send */
	int passes;			/* requests sent in total */
	int items, resets;		/* what the callbacks saw */
	void *data;			/* for the test's reply function */
};

ssize_t fake_send(void *ctx, const void *buf, size_t len);
ssize_t fake_recv(void *ctx, void *buf, size_t len);
void fake_nl(struct hvk_nl *nl, struct fake *f, fake_reply_fn reply);
const struct nlmsghdr *last_req(struct fake *f);

/* Messages answering the last request, appended at @buf + @off. */
struct nlmsghdr *put_msg(struct fake *f, char *buf, size_t off, uint16_t type, uint16_t flags);
/* A family message of command @cmd (attributes to be added by the caller). */
struct nlmsghdr *put_genl(struct fake *f, char *buf, size_t off, uint16_t flags, uint8_t cmd);
struct nlmsghdr *put_data(struct fake *f, char *buf, size_t off, uint16_t flags, uint32_t value);
/* NLMSG_ERROR with @error, capped (CAP_ACK), extack @msg / @offs if given. */
struct nlmsghdr *put_error(struct fake *f, char *buf, size_t off, int error,
			   const char *msg, uint32_t offs);
struct nlmsghdr *put_done(struct fake *f, char *buf, size_t off, int status);

/* A reply function that fails the test if called. */
size_t reply_none(struct fake *f, int n, char *buf);
/* Just an ACK. */
size_t reply_ack(struct fake *f, int n, char *buf);

#endif /* _HVK_TEST_FAKE_H */
