// SPDX-License-Identifier: GPL-2.0
/*
 * hvk-migrate: pre-copy live migration of an hvkmem region over TCP.
 *
 *   hvk-migrate send PATH --to HOST:PORT --pause-pid PID | --pause-cmd CMD
 *                    --resume-cmd CMD [--downtime-limit MS] [--bandwidth RATE]
 *                    [--max-rounds N] [--auto-converge] [--verify sent|full] [--json]
 *   hvk-migrate recv PATH --listen [ADDR:]PORT [--resume-cmd CMD] [--json]
 *
 * Documentation/hvk-migrate.1.md is the manual; proto.h the wire format.
 */
#include <endian.h>
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

#include "proto.h"
#include "../hvk/print.h"
#include "../hvk/units.h"

enum { EXIT_OK, EXIT_FAILED, EXIT_USAGE };

static const char usage_text[] =
	"usage: hvk-migrate send PATH --to HOST:PORT { --pause-pid PID | --pause-cmd CMD --resume-cmd CMD }\n"
	"                   [--downtime-limit MS] [--bandwidth RATE] [--max-rounds N]\n"
	"                   [--auto-converge] [--verify sent|full] [--json]\n"
	"       hvk-migrate recv PATH --listen [ADDR:]PORT [--resume-cmd CMD] [--json]\n"
	"RATE: tc units (800mbit, 100mbps); MS: milliseconds (default 300).\n";

static bool json;

static void vsay(const char *fmt, va_list ap)
{
	fputs("hvk-migrate: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	fputs(usage_text, stderr);
	exit(EXIT_USAGE);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* ---- transport ---- */

struct conn {
	int fd;
	char err[256];		/* first error, for the report */
	uint64_t bytes;		/* sent */
	uint64_t rate;		/* --bandwidth, bytes/s; 0 = unlimited */
	double next;		/* pacing: when the next byte may go */
};

static int conn_fail(struct conn *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->err[0]) {
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int write_all(struct conn *c, const void *buf, size_t len)
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

static int read_all(struct conn *c, void *buf, size_t len)
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

static int send_msg(struct conn *c, uint32_t type, uint32_t count, uint64_t index,
		    const void *payload, size_t len)
{
	struct mig_hdr h = { htole32(type), htole32(count), htole64(index) };

	if (write_all(c, &h, sizeof(h)))
		return -1;
	return len ? write_all(c, payload, len) : 0;
}

static int recv_hdr(struct conn *c, struct mig_hdr *h)
{
	if (read_all(c, h, sizeof(*h)))
		return -1;
	h->type = le32toh(h->type);
	h->count = le32toh(h->count);
	h->index = le64toh(h->index);
	return 0;
}

/* Read an ABORT's text into c->err. */
static int peer_abort(struct conn *c, const struct mig_hdr *h)
{
	char text[200] = "";
	uint32_t n = h->count < sizeof(text) - 1 ? h->count : sizeof(text) - 1;

	if (read_all(c, text, n) == 0)
		text[n] = 0;
	return conn_fail(c, "the peer gave up: %s", text);
}

/* Expect a message of @type (an ABORT becomes the error). */
static int expect(struct conn *c, uint32_t type, struct mig_hdr *h)
{
	if (recv_hdr(c, h))
		return -1;
	if (h->type == MIG_ABORT)
		return peer_abort(c, h);
	if (h->type != type)
		return conn_fail(c, "protocol error: message %u, expected %u", h->type, type);
	return 0;
}

static void send_abort(struct conn *c, const char *why)
{
	struct conn quiet = *c;

	quiet.rate = 0;
	send_msg(&quiet, MIG_ABORT, strlen(why), 0, why, strlen(why));
}

static int split_hostport(const char *arg, char *host, size_t hlen, const char **port)
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

static int tcp_socket(const char *hostport, bool listen_side, char *err, size_t elen)
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

static void set_timeout(int fd, int seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Run "sh -c CMD" and wait: its exit status, or -1. */
static int run_cmd(const char *cmd)
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

/* ---- source ---- */

struct send_opts {
	const char *path, *to, *pause_cmd, *resume_cmd;
	pid_t pause_pid;
	uint32_t downtime_ms;
	uint64_t bandwidth;	/* bytes/s, 0 = unlimited */
	unsigned int max_rounds;
	bool auto_converge;
	enum mig_verify verify;
};

struct report {
	double start, pause, synced, verified, done;
	unsigned int rounds;
	uint64_t pages, zero_pages, final_pages;
	double bandwidth, dirty_rate;	/* bytes/s */
	int resume_status;
};

/*
 * The guardian: a child that resumes the source if we die while it is
 * paused.  We tell it 'p' (paused), 'r' (resumed), 'k' (committed: keep it
 * paused); at EOF after 'p' it resumes the writer.
 */
struct guardian {
	int fd;
	pid_t pid;
};

static void resume_source(const struct send_opts *o)
{
	if (o->pause_pid)
		kill(o->pause_pid, SIGCONT);
	else if (run_cmd(o->resume_cmd))
		say("the resume command failed: %s", o->resume_cmd);
}

static int guardian_start(struct guardian *g, const struct send_opts *o)
{
	int p[2];
	char state = 'r', c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	g->pid = fork();
	if (g->pid < 0)
		return -1;
	if (g->pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) == 1)
			state = c;
		if (state == 'p')
			resume_source(o);
		_exit(0);
	}
	close(p[0]);
	g->fd = p[1];
	return 0;
}

static void guardian_tell(struct guardian *g, char state)
{
	if (write(g->fd, &state, 1) != 1)
		say("lost the guardian process");
}

static void guardian_stop(struct guardian *g)
{
	close(g->fd);
	waitpid(g->pid, NULL, 0);
}

/* true once every thread of @pid is stopped: kill() does not wait for it. */
static bool all_stopped(pid_t pid)
{
	char path[320], buf[512], *p;
	struct dirent *d;
	bool stopped = true;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (stopped && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;	/* the thread exited */
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		stopped = p && (p[2] == 'T' || p[2] == 't');
		fclose(f);
	}
	closedir(dir);
	return stopped;
}

static int pause_source(const struct send_opts *o, struct guardian *g)
{
	int i;

	guardian_tell(g, 'p');
	if (!o->pause_pid)
		return run_cmd(o->pause_cmd) ? -1 : 0;
	if (kill(o->pause_pid, SIGSTOP))
		return -1;
	for (i = 0; i < 5000; i++) {	/* threads inside a fault finish it first */
		if (all_stopped(o->pause_pid))
			return 0;
		sleep_s(0.0002);
	}
	errno = ETIMEDOUT;
	return -1;
}

/* --auto-converge: stop the writer for a growing share of every 20 ms. */
struct throttle {
	pthread_t thread;
	pid_t pid;
	volatile int percent;
	volatile bool stop;
};

static void *throttle_main(void *arg)
{
	struct throttle *t = arg;

	while (!t->stop) {
		int p = t->percent;

		if (p > 0) {
			kill(t->pid, SIGSTOP);
			sleep_s(0.020 * p / 100);
			kill(t->pid, SIGCONT);
		}
		sleep_s(0.020 * (100 - p) / 100);
	}
	return NULL;
}

struct source {
	const struct send_opts *o;
	struct guardian *g;
	bool paused;
	int fd;
	uint64_t npages;
	uint64_t *bitmap, *hashes;
	size_t words;
	char *buf;
	struct conn c;
	struct report r;
	bool tty;
	double last_progress;
	uint64_t round_done, round_total;
};

static void progress(struct source *s, bool force)
{
	double t = now_s(), dt;
	double pct;

	if (!s->tty || (!force && t - s->last_progress < 0.1))
		return;
	s->last_progress = t;
	dt = s->r.bandwidth > 0 ? s->round_total * MIG_PAGE / s->r.bandwidth : 0;
	pct = s->round_total ? 100.0 * s->round_done / s->round_total : 100;
	fprintf(stderr, "\rround %u %5.1f%% done  dirty %.1f MB/s  %.1f MB/s  expected downtime %.0f ms   ",
		s->r.rounds, pct, s->r.dirty_rate / 1e6, s->r.bandwidth / 1e6, dt * 1e3);
}

static bool is_zero(const char *p)
{
	static const char zero[MIG_PAGE];

	return !memcmp(p, zero, MIG_PAGE);
}

/* Send the pages of a run [first, first + n) after reading them. */
static int send_run(struct source *s, uint64_t first, uint64_t n)
{
	uint64_t i, start;
	ssize_t got;

	got = pread(s->fd, s->buf, n * MIG_PAGE, first * MIG_PAGE);
	if (got != (ssize_t)(n * MIG_PAGE))
		return conn_fail(&s->c, "read %s: %s", s->o->path,
				 got < 0 ? strerror(errno) : "short read");
	/* Group into alternating runs of zero and data pages. */
	for (i = 0; i < n; ) {
		bool zero = is_zero(s->buf + i * MIG_PAGE);

		start = i;
		while (i < n && is_zero(s->buf + i * MIG_PAGE) == zero) {
			s->hashes[first + i] = mig_page_hash(s->buf + i * MIG_PAGE);
			i++;
		}
		if (zero) {
			s->r.zero_pages += i - start;
			if (send_msg(&s->c, MIG_ZERO, i - start, first + start, NULL, 0))
				return -1;
		} else {
			s->r.pages += i - start;
			if (send_msg(&s->c, MIG_PAGES, i - start, first + start,
				     s->buf + start * MIG_PAGE, (i - start) * MIG_PAGE))
				return -1;
		}
	}
	return 0;
}

/* The destination only speaks while we send to give up: check for it. */
static int peer_gave_up(struct conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	struct mig_hdr h;

	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (recv_hdr(c, &h))
		return -1;
	if (h.type == MIG_ABORT)
		return peer_abort(c, &h);
	return conn_fail(c, "protocol error: message %u while sending", h.type);
}

/* Send every page set in the bitmap, runs of up to MIG_MAX_RUN pages. */
static int send_bitmap(struct source *s)
{
	uint64_t p = 0, n, runs = 0;

	while (p < s->npages) {
		if (!(s->bitmap[p / 64] >> (p % 64) & 1)) {
			if (!s->bitmap[p / 64]) {
				p = (p / 64 + 1) * 64;
				continue;
			}
			p++;
			continue;
		}
		for (n = 1; n < MIG_MAX_RUN && p + n < s->npages &&
		     (s->bitmap[(p + n) / 64] >> ((p + n) % 64) & 1); n++)
			;
		if (send_run(s, p, n) || (++runs % 16 == 0 && peer_gave_up(&s->c)))
			return -1;
		p += n;
		s->round_done += n;
		progress(s, false);
	}
	return 0;
}

static int get_dirty(struct source *s, uint64_t *count)
{
	struct hvk_error err;

	if (hvk_mem_log_get(s->fd, 0, s->npages, s->bitmap, s->words * 8, true, count, &err))
		return conn_fail(&s->c, "%s", err.msg);
	return 0;
}

/* Hash the whole region as it is now (--verify full). */
static int hash_all(int fd, uint64_t npages, uint64_t *hashes, char *buf, char *err, size_t elen)
{
	uint64_t p, n, i;

	for (p = 0; p < npages; p += n) {
		n = npages - p < MIG_MAX_RUN ? npages - p : MIG_MAX_RUN;
		if (pread(fd, buf, n * MIG_PAGE, p * MIG_PAGE) != (ssize_t)(n * MIG_PAGE)) {
			snprintf(err, elen, "re-reading for verification: %s", strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++)
			hashes[p + i] = mig_page_hash(buf + i * MIG_PAGE);
	}
	return 0;
}

/* The --json report, through hvk's printer (one escaping, valid UTF-8). */
static void print_json_report(const struct source *s, bool ok, const char *why,
			      double down)
{
	const struct report *r = &s->r;

	print_init(true, false);
	print_open_object(NULL);
	print_string(PRINT_JSON, "result", NULL, ok ? "ok" : "failed");
	print_string(PRINT_JSON, "path", NULL, s->o->path);
	print_string(PRINT_JSON, "to", NULL, s->o->to);
	if (!ok) {
		print_string(PRINT_JSON, "error", NULL, why);
		print_string(PRINT_JSON, "source", NULL, r->done ? "paused" : "running");
	}
	print_u64(PRINT_JSON, "size", NULL, s->npages * MIG_PAGE);
	print_double(PRINT_JSON, "total_ms", NULL, (now_s() - r->start) * 1e3);
	print_u64(PRINT_JSON, "rounds", NULL, r->rounds);
	print_u64(PRINT_JSON, "pages_sent", NULL, r->pages);
	print_u64(PRINT_JSON, "zero_pages", NULL, r->zero_pages);
	print_u64(PRINT_JSON, "bytes", NULL, s->c.bytes);
	print_u64(PRINT_JSON, "bandwidth", NULL, (uint64_t)r->bandwidth);
	print_u64(PRINT_JSON, "dirty_rate", NULL, (uint64_t)r->dirty_rate);
	print_string(PRINT_JSON, "verify", NULL,
		     s->o->verify == MIG_VERIFY_FULL ? "full" : "sent");
	if (ok) {
		print_double(PRINT_JSON, "downtime_ms", NULL, down * 1e3);
		print_open_object("downtime");
		print_double(PRINT_JSON, "final_round_ms", NULL, (r->synced - r->pause) * 1e3);
		print_u64(PRINT_JSON, "final_pages", NULL, r->final_pages);
		print_double(PRINT_JSON, "verify_ms", NULL, (r->verified - r->synced) * 1e3);
		print_double(PRINT_JSON, "commit_ms", NULL, (r->done - r->verified) * 1e3);
		print_close_object();
		print_s64(PRINT_JSON, "resume_status", NULL, r->resume_status);
	}
	print_close_object();
	print_fini();
}

static void print_report(const struct source *s, bool ok, const char *why)
{
	const struct report *r = &s->r;
	double down = r->pause ? (r->done ? r->done : now_s()) - r->pause : 0;

	if (json) {
		print_json_report(s, ok, why, down);
		return;
	}
	if (!ok) {
		fprintf(stderr, "hvk-migrate: migration of %s failed: %s; %s\n", s->o->path, why,
			r->done ? "the source stays paused (the destination may have committed)"
				: "the source is running");
		return;
	}
	printf("migrated %s (%.1f MiB) to %s in %.2f s\n", s->o->path,
	       s->npages * MIG_PAGE / 1048576.0, s->o->to, now_s() - r->start);
	printf("rounds %u, pages sent %" PRIu64 " + %" PRIu64 " zero, %.1f MiB on the wire\n",
	       r->rounds, r->pages, r->zero_pages, s->c.bytes / 1048576.0);
	printf("downtime %.1f ms: final round %.1f ms (%" PRIu64 " pages), verify %.1f ms (%s), commit %.1f ms\n",
	       down * 1e3, (r->synced - r->pause) * 1e3, r->final_pages,
	       (r->verified - r->synced) * 1e3,
	       s->o->verify == MIG_VERIFY_FULL ? "full" : "sent",
	       (r->done - r->verified) * 1e3);
	printf("bandwidth %.1f MB/s, last dirty rate %.1f MB/s\n", r->bandwidth / 1e6,
	       r->dirty_rate / 1e6);
	if (r->resume_status)
		printf("the destination's resume command exited with %d\n", r->resume_status);
}

/* The pre-copy rounds; returns with s->bitmap holding the last round's set. */
static int precopy(struct source *s)
{
	uint64_t count, prev = UINT64_MAX, sent_bytes;
	unsigned int stalled = 0;
	struct throttle th = { .pid = s->o->pause_pid };
	bool warned = false, throttling = false;
	double t0, t1, tprev = 0, budget;
	int ret = -1;

	budget = s->o->downtime_ms / 1e3;
	for (;;) {
		t0 = now_s();
		if (get_dirty(s, &count))
			goto out;
		s->r.rounds++;
		if (s->r.rounds > 1) {
			s->r.dirty_rate = count * MIG_PAGE / (t0 - tprev > 1e-6 ? t0 - tprev : 1e-6);
			/* switch over when the rest fits the downtime, or at --max-rounds */
			if (count * MIG_PAGE <= s->r.bandwidth * budget ||
			    (s->o->max_rounds && s->r.rounds > s->o->max_rounds)) {
				ret = 0;
				goto out;
			}
			stalled = count * 10 >= prev * 9 ? stalled + 1 : 0;
			if (stalled >= 2 && !warned && !s->o->auto_converge) {
				if (s->tty)
					fputs("\n", stderr);
				say("not converging: %.1f MB/s dirtied vs %.1f MB/s sent; use --max-rounds N to switch over anyway (longer downtime) or --auto-converge to throttle the writer",
				    s->r.dirty_rate / 1e6, s->r.bandwidth / 1e6);
				warned = true;
			}
			if (stalled && s->o->auto_converge) {
				if (!throttling) {
					th.percent = 20;
					guardian_tell(s->g, 'p');	/* it may be stopped */
					if (pthread_create(&th.thread, NULL, throttle_main, &th) == 0)
						throttling = true;
				} else if (th.percent < 95) {
					th.percent += 10;
				}
			}
		}
		prev = count;
		tprev = t0;
		s->round_done = 0;
		s->round_total = count;
		sent_bytes = s->c.bytes;
		if (send_bitmap(s) ||
		    send_msg(&s->c, MIG_ROUND, 0, s->r.rounds, NULL, 0))
			goto out;
		t1 = now_s();
		/* Rounds of at least 1 MiB measure the link (socket buffers hide less). */
		if (s->c.bytes - sent_bytes >= (1u << 20) || !s->r.bandwidth) {
			double bw = (s->c.bytes - sent_bytes) / (t1 - t0 > 1e-6 ? t1 - t0 : 1e-6);

			s->r.bandwidth = s->r.bandwidth ? 0.5 * s->r.bandwidth + 0.5 * bw : bw;
			if (s->o->bandwidth && s->r.bandwidth > s->o->bandwidth)
				s->r.bandwidth = s->o->bandwidth;
		}
		progress(s, true);
	}
out:
	if (throttling) {
		th.stop = true;
		pthread_join(th.thread, NULL);
		kill(th.pid, SIGCONT);
		guardian_tell(s->g, 'r');
	}
	if (s->tty)
		fputs("\n", stderr);
	return ret;
}

/* Pause, send the final set, verify, commit.  -1 before COMMIT went out. */
static int switch_over(struct source *s, struct guardian *g, bool *committed)
{
	uint64_t *last = malloc(s->words * 8), count, w, mine;
	struct mig_hdr h;
	char err[256];
	int ret = -1;

	if (!last)
		return conn_fail(&s->c, "out of memory");
	memcpy(last, s->bitmap, s->words * 8);
	s->r.pause = now_s();
	s->paused = true;
	if (pause_source(s->o, g)) {
		conn_fail(&s->c, "could not pause the source: %s", strerror(errno));
		goto out;
	}
	if (get_dirty(s, &count))
		goto out;
	for (w = 0; w < s->words; w++)
		s->bitmap[w] |= last[w];
	for (count = 0, w = 0; w < s->words; w++)
		count += __builtin_popcountll(s->bitmap[w]);
	s->r.final_pages = count;
	s->round_total = count;
	s->round_done = 0;
	s->c.rate = 0;	/* the writer is paused: no more pacing */
	if (send_bitmap(s) || send_msg(&s->c, MIG_END, s->o->verify, 0, NULL, 0) ||
	    expect(&s->c, MIG_SYNCED, &h))
		goto out;
	s->r.synced = now_s();
	if (s->o->verify == MIG_VERIFY_FULL &&
	    hash_all(s->fd, s->npages, s->hashes, s->buf, err, sizeof(err))) {
		conn_fail(&s->c, "%s", err);
		goto out;
	}
	mine = mig_digest(s->hashes, s->npages);
	if (expect(&s->c, MIG_DIGEST, &h))
		goto out;
	if (h.index != mine) {
		conn_fail(&s->c, "verification failed: the destination's digest differs");
		send_abort(&s->c, "verification failed: digests differ");
		goto out;
	}
	s->r.verified = now_s();
	guardian_tell(g, 'k');	/* from here on the destination owns the VM */
	*committed = true;
	if (send_msg(&s->c, MIG_COMMIT, 0, 0, NULL, 0) || expect(&s->c, MIG_DONE, &h))
		goto out;
	s->r.done = now_s();
	s->r.resume_status = h.count;
	ret = 0;
out:
	free(last);
	return ret;
}

static int do_send(const struct send_opts *o)
{
	struct source s = { .o = o, .c = { .fd = -1, .rate = o->bandwidth } };
	struct hvk_mem_info info;
	struct guardian g = { .fd = -1 };
	struct hvk_error err;
	struct mig_hello hello = { .magic = MIG_MAGIC };
	struct mig_hdr h;
	bool committed = false;
	int ret = EXIT_FAILED;

	s.r.start = now_s();
	s.tty = isatty(STDERR_FILENO) && !json;
	s.fd = open(o->path, O_RDWR | O_CLOEXEC);
	if (s.fd < 0) {
		say("%s: %s", o->path, strerror(errno));
		return EXIT_FAILED;
	}
	if (hvk_mem_info(s.fd, &info, &err)) {
		say("%s: %s", o->path, err.msg);
		goto out_fd;
	}
	if (info.page_size != MIG_PAGE) {
		say("%s: page size %u is not supported", o->path, info.page_size);
		goto out_fd;
	}
	s.npages = (info.size + MIG_PAGE - 1) / MIG_PAGE;
	if (!s.npages) {
		say("%s is empty", o->path);
		goto out_fd;
	}
	s.words = (s.npages + 63) / 64;
	s.bitmap = calloc(s.words, 8);
	s.hashes = calloc(s.npages, 8);
	s.buf = malloc(MIG_MAX_RUN * MIG_PAGE);
	if (!s.bitmap || !s.hashes || !s.buf) {
		say("out of memory");
		goto out_mem;
	}
	s.c.fd = tcp_socket(o->to, false, s.c.err, sizeof(s.c.err));
	if (s.c.fd < 0) {
		say("%s", s.c.err);
		goto out_mem;
	}
	set_timeout(s.c.fd, 60);
	s.c.err[0] = 0;
	hello.size = htole64(info.size);
	hello.page_size = htole32(MIG_PAGE);
	if (send_msg(&s.c, MIG_HELLO, 0, 0, &hello, sizeof(hello)) ||
	    expect(&s.c, MIG_READY, &h))
		goto report;
	if (hvk_mem_log_start(s.fd, HVK_MEM_LOG_INITIALLY_SET, &err)) {
		conn_fail(&s.c, "%s", err.msg);
		send_abort(&s.c, err.msg);
		goto report;
	}
	s.g = &g;
	if (guardian_start(&g, o)) {
		conn_fail(&s.c, "could not start the guardian process: %s", strerror(errno));
		send_abort(&s.c, "source failure");
		goto report;
	}
	if (precopy(&s) || switch_over(&s, &g, &committed)) {
		if (!committed) {
			send_abort(&s.c, s.c.err);
			if (s.paused) {
				resume_source(o);
				guardian_tell(&g, 'r');
			}
		}
		goto report;
	}
	ret = EXIT_OK;
report:
	print_report(&s, ret == EXIT_OK, s.c.err);
	if (g.fd >= 0)
		guardian_stop(&g);
	close(s.c.fd);
out_mem:
	free(s.bitmap);
	free(s.hashes);
	free(s.buf);
out_fd:
	close(s.fd);	/* stops the dirty log */
	return ret;
}

/* ---- destination ---- */

struct dest {
	const char *path, *resume_cmd;
	char tmp[4096];
	bool named_tmp;		/* no O_TMPFILE: a named file to unlink */
	int fd;
	uint64_t npages, *hashes;
	struct conn c;
	uint64_t zero_hash;
};

static int dest_create(struct dest *d, uint64_t size)
{
	char dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", d->path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = 0;
	else if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	d->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (d->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		snprintf(d->tmp, sizeof(d->tmp), "%s.hvk-migrate.%d", d->path, getpid());
		d->fd = open(d->tmp, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
		d->named_tmp = d->fd >= 0;
	}
	if (d->fd < 0)
		return conn_fail(&d->c, "create a file beside %s: %s", d->path, strerror(errno));
	if (ftruncate(d->fd, size))
		return conn_fail(&d->c, "size %s: %s", d->path, strerror(errno));
	return 0;
}

static void dest_discard(struct dest *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->named_tmp)
		unlink(d->tmp);
}

/* Give the copy its name: link the anonymous file, then rename over PATH. */
static int dest_commit(struct dest *d)
{
	char proc[64];

	if (!d->named_tmp) {
		snprintf(d->tmp, sizeof(d->tmp), "%s.hvk-migrate.%d", d->path, getpid());
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", d->fd);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, d->tmp, AT_SYMLINK_FOLLOW))
			return conn_fail(&d->c, "link %s: %s", d->tmp, strerror(errno));
		d->named_tmp = true;
	}
	if (rename(d->tmp, d->path))
		return conn_fail(&d->c, "rename to %s: %s", d->path, strerror(errno));
	d->named_tmp = false;
	return 0;
}

/* pwrite() all of @buf: a short write is retried, so errors carry an errno. */
static int pwrite_all(int fd, const char *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
		off += n;
	}
	return 0;
}

static int dest_zero(struct dest *d, uint64_t first, uint64_t n)
{
	static const char zero[MIG_PAGE];
	uint64_t i;

	for (i = 0; i < n; i++)
		d->hashes[first + i] = d->zero_hash;
	if (!fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		       first * MIG_PAGE, n * MIG_PAGE))
		return 0;
	for (i = 0; i < n; i++)
		if (pwrite_all(d->fd, zero, MIG_PAGE, (first + i) * MIG_PAGE))
			return conn_fail(&d->c, "write %s: %s", d->path, strerror(errno));
	return 0;
}

static int dest_loop(struct dest *d, enum mig_verify *verify)
{
	char *buf = malloc(MIG_MAX_RUN * MIG_PAGE);
	struct mig_hdr h;
	uint64_t i;
	int ret = -1;

	if (!buf)
		return conn_fail(&d->c, "out of memory");
	for (;;) {
		if (recv_hdr(&d->c, &h))
			break;
		if (h.type == MIG_ABORT) {
			peer_abort(&d->c, &h);
			break;
		}
		if (h.type == MIG_END) {
			*verify = h.count;
			ret = 0;
			break;
		}
		if (h.type == MIG_ROUND)
			continue;
		if ((h.type != MIG_PAGES && h.type != MIG_ZERO) || !h.count ||
		    h.index > d->npages || h.count > d->npages - h.index ||
		    (h.type == MIG_PAGES && h.count > MIG_MAX_RUN)) {
			conn_fail(&d->c, "protocol error: message %u [%" PRIu64 " +%u]",
				  h.type, h.index, h.count);
			break;
		}
		if (h.type == MIG_ZERO) {
			if (dest_zero(d, h.index, h.count))
				break;
			continue;
		}
		if (read_all(&d->c, buf, (size_t)h.count * MIG_PAGE))
			break;
		if (pwrite_all(d->fd, buf, (size_t)h.count * MIG_PAGE, h.index * MIG_PAGE)) {
			conn_fail(&d->c, "write %s: %s", d->path, strerror(errno));
			break;
		}
		for (i = 0; i < h.count; i++)
			d->hashes[h.index + i] = mig_page_hash(buf + i * MIG_PAGE);
	}
	free(buf);
	return ret;
}

/*
 * After an ABORT, read until the source closes (at most 5 s): closing with
 * unread data would reset the connection and lose the ABORT on its way.
 */
static void drain(struct conn *c)
{
	char buf[65536];

	shutdown(c->fd, SHUT_WR);
	set_timeout(c->fd, 5);
	while (recv(c->fd, buf, sizeof(buf), 0) > 0)
		;
}

/* The receiver's --json report: @err NULL for a committed copy. */
static void print_recv_report(const char *path, const char *err, uint64_t size,
			      int status)
{
	print_init(true, false);
	print_open_object(NULL);
	print_string(PRINT_JSON, "result", NULL, err ? "failed" : "ok");
	print_string(PRINT_JSON, "path", NULL, path);
	if (err) {
		print_string(PRINT_JSON, "error", NULL, err);
		print_string(PRINT_JSON, "partial_copy", NULL, "discarded");
	} else {
		print_u64(PRINT_JSON, "size", NULL, size);
		print_s64(PRINT_JSON, "resume_status", NULL, status);
	}
	print_close_object();
	print_fini();
}

static int do_recv(const char *path, const char *listen_on, const char *resume_cmd)
{
	struct dest d = { .path = path, .resume_cmd = resume_cmd, .fd = -1, .c = { .fd = -1 } };
	struct mig_hello hello;
	enum mig_verify verify = MIG_VERIFY_SENT;
	static const char zero[MIG_PAGE];
	char *buf = NULL;
	struct mig_hdr h;
	int lfd, status = 0;
	bool committed = false;
	uint64_t size;

	lfd = tcp_socket(listen_on, true, d.c.err, sizeof(d.c.err));
	if (lfd < 0) {
		say("%s", d.c.err);
		return EXIT_FAILED;
	}
	d.c.err[0] = 0;
	d.c.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	if (d.c.fd < 0) {
		say("accept: %s", strerror(errno));
		return EXIT_FAILED;
	}
	set_timeout(d.c.fd, 60);
	d.zero_hash = mig_page_hash(zero);
	if (expect(&d.c, MIG_HELLO, &h) || read_all(&d.c, &hello, sizeof(hello)))
		goto fail;
	size = le64toh(hello.size);
	if (memcmp(hello.magic, MIG_MAGIC, 8) || le32toh(hello.page_size) != MIG_PAGE) {
		conn_fail(&d.c, "the source speaks another protocol");
		goto fail;
	}
	d.npages = (size + MIG_PAGE - 1) / MIG_PAGE;
	d.hashes = malloc(d.npages * 8);
	buf = malloc(MIG_MAX_RUN * MIG_PAGE);
	if (!d.hashes || !buf) {
		conn_fail(&d.c, "out of memory for %" PRIu64 " pages", d.npages);
		goto fail;
	}
	for (uint64_t i = 0; i < d.npages; i++)
		d.hashes[i] = d.zero_hash;
	if (dest_create(&d, size) || send_msg(&d.c, MIG_READY, 0, 0, NULL, 0) ||
	    dest_loop(&d, &verify) || send_msg(&d.c, MIG_SYNCED, 0, 0, NULL, 0))
		goto fail;
	if (verify == MIG_VERIFY_FULL &&
	    hash_all(d.fd, d.npages, d.hashes, buf, d.c.err, sizeof(d.c.err)))
		goto fail;
	if (send_msg(&d.c, MIG_DIGEST, 0, mig_digest(d.hashes, d.npages), NULL, 0) ||
	    expect(&d.c, MIG_COMMIT, &h) || dest_commit(&d))
		goto fail;
	committed = true;
	if (resume_cmd)
		status = run_cmd(resume_cmd);
	send_msg(&d.c, MIG_DONE, status < 0 ? 127 : status, 0, NULL, 0);
	close(d.fd);
	if (json)
		print_recv_report(path, NULL, size, status);
	else
		printf("received %s (%.1f MiB)%s\n", path, size / 1048576.0,
		       resume_cmd ? (status ? ", the resume command failed" : ", resumed") : "");
	free(buf);
	free(d.hashes);
	close(d.c.fd);
	return status ? EXIT_FAILED : EXIT_OK;
fail:
	send_abort(&d.c, d.c.err);
	if (!committed)
		dest_discard(&d);
	drain(&d.c);
	if (json)
		print_recv_report(path, d.c.err, 0, 0);
	else
		say("receiving %s failed: %s; the partial copy was discarded", path, d.c.err);
	free(buf);
	free(d.hashes);
	close(d.c.fd);
	return EXIT_FAILED;
}

/* ---- command line ---- */

static unsigned long parse_num(const char *opt, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > max || s[0] == '-')
		die_usage("%s takes a number up to %lu, not \"%s\"", opt, max, s);
	return v;
}

int main(int argc, char **argv)
{
	enum { O_TO = 1, O_PAUSE_PID, O_PAUSE_CMD, O_RESUME_CMD, O_DOWNTIME, O_BW,
	       O_MAX_ROUNDS, O_AUTO, O_VERIFY, O_LISTEN, O_JSON };
	static const struct option opts[] = {
		{ "to", required_argument, NULL, O_TO },
		{ "pause-pid", required_argument, NULL, O_PAUSE_PID },
		{ "pause-cmd", required_argument, NULL, O_PAUSE_CMD },
		{ "resume-cmd", required_argument, NULL, O_RESUME_CMD },
		{ "downtime-limit", required_argument, NULL, O_DOWNTIME },
		{ "bandwidth", required_argument, NULL, O_BW },
		{ "max-rounds", required_argument, NULL, O_MAX_ROUNDS },
		{ "auto-converge", no_argument, NULL, O_AUTO },
		{ "verify", required_argument, NULL, O_VERIFY },
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct send_opts o = { .downtime_ms = 300 };
	const char *listen_on = NULL;
	bool send;
	int c;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "send") && strcmp(argv[1], "recv"))
		die_usage("unknown command \"%s\"", argv[1]);
	send = !strcmp(argv[1], "send");
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_TO: o.to = optarg; break;
		case O_PAUSE_PID:
			o.pause_pid = parse_num("--pause-pid", optarg, 4194304);
			if (o.pause_pid <= 1)
				die_usage("--pause-pid must name a process other than init");
			break;
		case O_PAUSE_CMD: o.pause_cmd = optarg; break;
		case O_RESUME_CMD: o.resume_cmd = optarg; break;
		case O_DOWNTIME: o.downtime_ms = parse_num("--downtime-limit", optarg, 600000); break;
		case O_BW: {
			uint64_t bps;

			if (parse_rate(optarg, &bps) || bps < 8000)
				die_usage("--bandwidth is a rate of at least 8kbit (tc units), not \"%s\"", optarg);
			o.bandwidth = bps / 8;
			break;
		}
		case O_MAX_ROUNDS: o.max_rounds = parse_num("--max-rounds", optarg, 100000); break;
		case O_AUTO: o.auto_converge = true; break;
		case O_VERIFY:
			if (!strcmp(optarg, "full"))
				o.verify = MIG_VERIFY_FULL;
			else if (strcmp(optarg, "sent"))
				die_usage("--verify is sent or full, not \"%s\"", optarg);
			break;
		case O_LISTEN: listen_on = optarg; break;
		case O_JSON: json = true; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: die_usage("bad option");
		}
	}
	if (optind != argc - 1)
		die_usage("%s takes one PATH", argv[1]);
	o.path = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	if (!send) {
		if (!listen_on)
			die_usage("recv needs --listen [ADDR:]PORT");
		if (o.to || o.pause_pid || o.pause_cmd || o.auto_converge || o.max_rounds)
			die_usage("recv takes --listen, --resume-cmd and --json only");
		return do_recv(o.path, listen_on, o.resume_cmd);
	}
	if (!o.to)
		die_usage("send needs --to HOST:PORT");
	if (listen_on)
		die_usage("--listen is for recv");
	if (!!o.pause_pid == !!o.pause_cmd)
		die_usage("send needs one of --pause-pid PID or --pause-cmd CMD");
	if (o.pause_cmd && !o.resume_cmd)
		die_usage("--pause-cmd needs --resume-cmd (run when a migration fails after the pause)");
	if (o.pause_pid && o.resume_cmd)
		die_usage("--resume-cmd goes with --pause-cmd; --pause-pid resumes with SIGCONT");
	if (o.auto_converge && !o.pause_pid)
		die_usage("--auto-converge throttles --pause-pid PID");
	if (o.pause_pid && kill(o.pause_pid, 0))
		die_usage("--pause-pid %d: %s", o.pause_pid, strerror(errno));
	return do_send(&o);
}
