// SPDX-License-Identifier: GPL-2.0
/*
 * hvk-migrate's connection: framed messages over TCP (proto.h), pacing to
 * --bandwidth, the first error kept for the report, the pre-shared-key
 * handshake and message authentication; and running commands.
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
#include <sys/random.h>
#include <nettle/memops.h>
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

static int read_raw(struct conn *c, void *buf, size_t len)
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

/* The message's MAC: its sequence number, then header and payload. */
static void mac_start(struct hmac_sha256_ctx *ctx, uint64_t *seq, const struct mig_hdr *wire)
{
	uint64_t le = htole64((*seq)++);

	hmac_sha256_update(ctx, sizeof(le), (const uint8_t *)&le);
	hmac_sha256_update(ctx, sizeof(*wire), (const uint8_t *)wire);
}

int send_msg(struct conn *c, uint32_t type, uint32_t count, uint64_t index,
	     const void *payload, size_t len)
{
	struct mig_hdr h = { htole32(type), htole32(count), htole64(index) };
	uint8_t tag[MIG_MAC_LEN];

	if (write_all(c, &h, sizeof(h)) || (len && write_all(c, payload, len)))
		return -1;
	if (!c->auth)
		return 0;
	mac_start(&c->tx, &c->tx_seq, &h);
	hmac_sha256_update(&c->tx, len, payload);
	hmac_sha256_digest(&c->tx, sizeof(tag), tag);
	return write_all(c, tag, sizeof(tag));
}

/* The end of a message: its MAC must match what was read. */
static int rx_verify(struct conn *c)
{
	uint8_t tag[MIG_MAC_LEN], mine[MIG_MAC_LEN];

	if (read_raw(c, tag, sizeof(tag)))
		return -1;
	hmac_sha256_digest(&c->rx, sizeof(mine), mine);
	if (!memeql_sec(tag, mine, sizeof(tag)))
		return conn_fail(c, "integrity check failed: message %" PRIu64
				 " was changed on the way (or the keys differ)", c->rx_seq - 1);
	return 0;
}

/* How many payload bytes a message of @type carries (what its reader reads). */
static uint64_t payload_len(uint32_t type, uint32_t count)
{
	switch (type) {
	case MIG_PAGES:
		return (uint64_t)count * MIG_PAGE;
	case MIG_DEVICE:
	case MIG_ABORT:
	case MIG_AUTH:
		return count;
	default:
		return 0;
	}
}

/*
 * A payload, or part of one.  With --psk-file the message's MAC is checked
 * as its last byte arrives, before the caller sees any of it.
 */
int read_all(struct conn *c, void *buf, size_t len)
{
	if (read_raw(c, buf, len))
		return -1;
	if (!c->auth)
		return 0;
	if (len > c->rx_pending)
		return conn_fail(c, "protocol error: a read past the message");
	hmac_sha256_update(&c->rx, len, buf);
	c->rx_pending -= len;
	return c->rx_pending ? 0 : rx_verify(c);
}

int recv_hdr(struct conn *c, struct mig_hdr *h)
{
	if (read_raw(c, h, sizeof(*h)))
		return -1;
	if (c->auth) {
		if (c->rx_pending)
			return conn_fail(c, "protocol error: a message left unread");
		mac_start(&c->rx, &c->rx_seq, h);
	}
	h->type = le32toh(h->type);
	h->count = le32toh(h->count);
	h->index = le64toh(h->index);
	if (c->auth) {
		c->rx_pending = payload_len(h->type, h->count);
		if (!c->rx_pending)
			return rx_verify(c);
	}
	return 0;
}

int psk_load(const char *path, struct psk *k, char *err, size_t elen)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(err, elen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, elen, "%s is readable by others (mode %03o): chmod 600 it",
			 path, st.st_mode & 0777);
		close(fd);
		return -1;
	}
	n = read(fd, k->key, sizeof(k->key));
	close(fd);
	if (n > 0 && k->key[n - 1] == '\n')
		n--;
	if (n < 16 || n == sizeof(k->key)) {
		snprintf(err, elen, "%s: a key is 16 bytes to 4 KiB (e.g. head -c 32 /dev/urandom | base64)",
			 path);
		return -1;
	}
	k->len = n;
	return 0;
}

/* HMAC(K, @label NUL, @a, @b): a proof or the session key. */
static void psk_mac(const struct psk *k, const char *label, const void *a, size_t alen,
		    const void *b, size_t blen, uint8_t out[MIG_MAC_LEN])
{
	struct hmac_sha256_ctx ctx;

	hmac_sha256_set_key(&ctx, k->len, k->key);
	hmac_sha256_update(&ctx, strlen(label) + 1, (const uint8_t *)label);
	hmac_sha256_update(&ctx, alen, a);
	hmac_sha256_update(&ctx, blen, b);
	hmac_sha256_digest(&ctx, MIG_MAC_LEN, out);
}

static void auth_on(struct conn *c, const struct psk *k, const struct mig_hello *hello,
		    const uint8_t *nonce_d)
{
	uint8_t session[MIG_MAC_LEN];

	psk_mac(k, "hvk-migrate session", hello->nonce, MIG_NONCE_LEN, nonce_d,
		MIG_NONCE_LEN, session);
	hmac_sha256_set_key(&c->tx, sizeof(session), session);
	hmac_sha256_set_key(&c->rx, sizeof(session), session);
	c->tx_seq = c->rx_seq = c->rx_pending = 0;
	c->auth = true;
}

int auth_source(struct conn *c, const struct psk *k, const struct mig_hello *hello)
{
	struct mig_ready_auth r;
	uint8_t proof[MIG_MAC_LEN];

	if (read_raw(c, &r, sizeof(r)))
		return -1;
	psk_mac(k, "hvk-migrate dst", hello, sizeof(*hello), r.nonce, MIG_NONCE_LEN, proof);
	if (!memeql_sec(proof, r.proof, sizeof(proof))) {
		send_abort(c, "authentication failed: the keys differ");
		return conn_fail(c, "authentication failed: the destination does not have this key");
	}
	psk_mac(k, "hvk-migrate src", hello, sizeof(*hello), r.nonce, MIG_NONCE_LEN, proof);
	if (send_msg(c, MIG_AUTH, sizeof(proof), 0, proof, sizeof(proof)))
		return -1;
	auth_on(c, k, hello, r.nonce);
	return 0;
}

int auth_dest(struct conn *c, const struct psk *k, const struct mig_hello *hello)
{
	struct mig_ready_auth r;
	uint8_t proof[MIG_MAC_LEN];
	struct mig_hdr h;

	if (getrandom(r.nonce, sizeof(r.nonce), 0) != sizeof(r.nonce))
		return conn_fail(c, "getrandom: %s", strerror(errno));
	psk_mac(k, "hvk-migrate dst", hello, sizeof(*hello), r.nonce, MIG_NONCE_LEN, r.proof);
	if (send_msg(c, MIG_READY, 0, 0, &r, sizeof(r)) || expect(c, MIG_AUTH, &h))
		return -1;
	if (h.count != MIG_MAC_LEN)
		return conn_fail(c, "protocol error: AUTH of %u bytes", h.count);
	if (read_raw(c, proof, sizeof(proof)))
		return -1;
	psk_mac(k, "hvk-migrate src", hello, sizeof(*hello), r.nonce, MIG_NONCE_LEN, r.proof);
	if (!memeql_sec(proof, r.proof, sizeof(proof)))
		return conn_fail(c, "authentication failed: the source does not have this key");
	auth_on(c, k, hello, r.nonce);
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
