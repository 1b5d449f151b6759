/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What hvk-migrate's parts share: main.c (options, messages), transport.c
 * (the connection), source.c (send) and dest.c (recv).
 */
#ifndef HVK_MIGRATE_H
#define HVK_MIGRATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nettle/hmac.h>

#include "proto.h"

enum { EXIT_OK, EXIT_FAILED, EXIT_USAGE };

/* --json: reports go to stdout as one JSON object. */
extern bool json;

/* "hvk-migrate: " + a line on stderr. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: the message, the usage text, exit EXIT_USAGE. */
void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
double now_s(void);
void sleep_s(double s);
/* Hash each of @fd's @npages pages into @hashes (--verify full); @buf: MIG_MAX_RUN pages. */
int hash_all(int fd, uint64_t npages, uint64_t *hashes, char *buf, char *err, size_t elen);

/* ---- transport.c ---- */

struct conn {
	int fd;
	char err[256];		/* first error, for the report */
	uint64_t bytes;		/* sent */
	uint64_t rate;		/* --bandwidth, bytes/s; 0 = unlimited */
	double next;		/* pacing: when the next byte may go */
	/* --psk-file, once both ends proved the key (proto.h) */
	bool auth;
	struct hmac_sha256_ctx tx, rx;	/* keyed with the session key */
	uint64_t tx_seq, rx_seq;
	uint64_t rx_pending;	/* payload bytes of this message not read yet */
};

/* --psk-file: the pre-shared key. */
struct psk {
	uint8_t key[4096];
	size_t len;
};

/* Keep the first error of @c (printf-style); returns -1. */
int conn_fail(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int write_all(struct conn *c, const void *buf, size_t len);
int read_all(struct conn *c, void *buf, size_t len);
int send_msg(struct conn *c, uint32_t type, uint32_t count, uint64_t index,
	     const void *payload, size_t len);
int recv_hdr(struct conn *c, struct mig_hdr *h);
int peer_abort(struct conn *c, const struct mig_hdr *h);
/* Receive a header of @type (an ABORT or another type is an error). */
int expect(struct conn *c, uint32_t type, struct mig_hdr *h);
void send_abort(struct conn *c, const char *why);
/*
 * Load a key file: 16 bytes to 4 KiB (a trailing newline dropped), readable
 * by its owner only.  -1 with @err set.
 */
int psk_load(const char *path, struct psk *k, char *err, size_t elen);
/* The handshake (proto.h), each side; on success c->auth is on. */
int auth_source(struct conn *c, const struct psk *k, const struct mig_hello *hello);
int auth_dest(struct conn *c, const struct psk *k, const struct mig_hello *hello);
int split_hostport(const char *arg, char *host, size_t hlen, const char **port);
/* A connected (or, @listen_side, listening) TCP socket for [HOST:]PORT. */
int tcp_socket(const char *hostport, bool listen_side, char *err, size_t elen);
void set_timeout(int fd, int seconds);
/* Run @cmd with /bin/sh; its exit status, or -1. */
int run_cmd(const char *cmd);

/* ---- qmp.c: QEMU's monitor ---- */

struct json_object;

struct qmp {
	int fd;
	char *buf;		/* received, not yet a whole line */
	size_t len, cap;
	pthread_mutex_t lock;	/* one command at a time */
	bool lock_ready;	/* qmp_open() ran: qmp_close() to clean up */
	char err[256];		/* the last error */
};

/* Connect to the QMP socket at @path and leave capabilities negotiation. */
int qmp_open(struct qmp *q, const char *path);
void qmp_close(struct qmp *q);
/*
 * Run @cmd with @args (a JSON object's text, or NULL), passing @fd along
 * when >= 0.  *@ret (if not NULL) gets the "return" value, to be put by
 * the caller.  -1 with q->err set: QEMU's error, or the connection's.
 */
int qmp_call(struct qmp *q, const char *cmd, const char *args, int fd,
	     struct json_object **ret);
/* query-status's "status" (running, paused, inmigrate, postmigrate, ...). */
int qmp_status(struct qmp *q, char *status, size_t len);
/* query-migrate's "status", and "error-desc" if any. */
int qmp_migration(struct qmp *q, char *status, size_t len, char *why, size_t wlen);
/* getfd: QEMU keeps @fd under @name (for a "fd:NAME" migration URI). */
int qmp_pass_fd(struct qmp *q, const char *name, int fd);
/*
 * The VM's RAM is @path, mapped shared: a memory-backend-file with that
 * mem-path and share=on (else its writes would bypass the dirty log).
 */
int qmp_check_backend(struct qmp *q, const char *path);
/* "cont" on a raw, negotiated QMP socket: the guardian's last act. */
void qmp_resume_raw(int fd);

/* ---- source.c ---- */

struct send_opts {
	const char *path, *to, *pause_cmd, *resume_cmd;
	const char *qmp;	/* --qmp: a QEMU VM, paused and resumed over QMP */
	pid_t pause_pid;
	uint32_t downtime_ms;
	uint64_t bandwidth;	/* bytes/s, 0 = unlimited */
	unsigned int max_rounds;
	bool auto_converge;
	enum mig_verify verify;
	const struct psk *psk;	/* --psk-file, or NULL */
};

int do_send(const struct send_opts *o);

/* ---- dest.c ---- */

int do_recv(const char *path, const char *listen_on, const char *resume_cmd,
	    const char *qmp, const struct psk *psk);

#endif /* HVK_MIGRATE_H */
