// SPDX-License-Identifier: GPL-2.0
/*
 * hvk-migrate's connection: framed messages over TCP (proto.h), pacing to
 * --bandwidth, the first error kept for the report; and running commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/falloc.h>
#include <hvk/hvk.h>
#include <hvk/mem.h>

#include "migrate.h"
#include "../common/print.h"
#include "../common/units.h"
/* ---- transport ---- */


int conn_fail(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->err[0]) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}

int write_all(struct conn *c, const void *buf, size_t len)
{
	const char *p = buf;

	if (c->rate) {
		double t = now_s();

		if (c->next > t)
			sleep_s(c->next - t);
		c->next = (c->next > t ? c->next : t) + (double)len / c->rate;
	}
	while (len) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return conn_fail(c, "send to peer: %s", n ? strerror(errno) : "closed");
		p += n;
		len -= n;
		c->bytes += n;
	}
	return 0;
}

int read_all(struct conn *c, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(c->fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return conn_fail(c, "receive from peer: %s",
					 errno == EAGAIN ? "timed out" : strerror(errno));
		if (n == 0)
			return conn_fail(c, "the peer closed the connection");
		p += n;
		len -= n;
	}
	return 0;
}

int send_msg(struct conn *c, uint32_t type, uint32_t count, uint64_t index,
	     const void *payload, size_t len)
{
	struct mig_hdr h = { htole32(type), htole32(count), htole64(index) };

	if (write_all(c, &h, sizeof(h)))
		return -1;
	return len ? write_all(c, payload, len) : 0;
}

int recv_hdr(struct conn *c, struct mig_hdr *h)
{
	if (read_all(c, h, sizeof(*h)))
		return -1;
	h->type = le32toh(h->type);
	h->count = le32toh(h->count);
	h->index = le64toh(h->index);
	return 0;
}

/* Read an ABORT's text into c->err. */
int peer_abort(struct conn *c, const struct mig_hdr *h)
{
	char text[200] = "";
	uint32_t n = h->count < sizeof(text) - 1 ? h->count : sizeof(text) - 1;

	if (read_all(c, text, n) == 0)
		text[n] = 0;
	return conn_fail(c, "the peer gave up: %s", text);
}

/* Expect a message of @type (an ABORT becomes the error). */
int expect(struct conn *c, uint32_t type, struct mig_hdr *h)
{
	if (recv_hdr(c, h))
		return -1;
	if (h->type == MIG_ABORT)
		return peer_abort(c, h);
	if (h->type != type)
		return conn_fail(c, "protocol error: message %u, expected %u", h->type, type);
	return 0;
}

void send_abort(struct conn *c, const char *why)
{
	struct conn quiet = *c;

	quiet.rate = 0;
	send_msg(&quiet, MIG_ABORT, strlen(why), 0, why, strlen(why));
}

int split_hostport(const char *arg, char *host, size_t hlen, const char **port)
{
	const char *colon = strrchr(arg, ':');

	if (!colon) {
		snprintf(host, hlen, "%s", "");
		*port = arg;
		return 0;
	}
	if ((size_t)(colon - arg) >= hlen)
		return -1;
	if (arg[0] == '[' && colon > arg && colon[-1] == ']')
		snprintf(host, hlen, "%.*s", (int)(colon - arg - 2), arg + 1);
	else
		snprintf(host, hlen, "%.*s", (int)(colon - arg), arg);
	*port = colon + 1;
	return *port[0] ? 0 : -1;
}

int tcp_socket(const char *hostport, bool listen_side, char *err, size_t elen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char host[256];
	const char *port;
	int fd = -1, one = 1, ret;

	if (split_hostport(hostport, host, sizeof(host), &port)) {
		snprintf(err, elen, "\"%s\" is not [HOST:]PORT", hostport);
		return -1;
	}
	if (listen_side)
		hints.ai_flags = AI_PASSIVE;
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (ret) {
		snprintf(err, elen, "%s: %s", hostport, gai_strerror(ret));
		return -1;
	}
	snprintf(err, elen, "%s: no usable address", hostport);
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (listen_side ? bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
				  listen(fd, 1) == 0
				: connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		snprintf(err, elen, "%s %s: %s", listen_side ? "listen on" : "connect to",
			 hostport, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

void set_timeout(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Run "sh -c CMD" and wait: its exit status, or -1. */
int run_cmd(const char *cmd)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
