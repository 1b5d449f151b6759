// SPDX-License-Identifier: GPL-2.0
/*
 * hvk-migrate send: pause/resume and the guardian that resumes the source if
 * we die, pre-copy rounds from the dirty log, switch-over, the report.
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
#include <hvk/hvk.h>
#include <hvk/mem.h>

#include "migrate.h"
#include "../common/print.h"
#include "../common/units.h"
/* ---- source ---- */


struct report {
	double start, pause, final, saved, synced, verified, loaded, done;
	unsigned int rounds;
	uint64_t pages, zero_pages, final_pages, late_pages, device_bytes;
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

/*
 * How the source is paused and resumed: SIGSTOP/SIGCONT to --pause-pid,
 * the commands, or QMP stop/cont (--qmp; @vm NULL in the guardian, which
 * cannot take the connection's lock and writes "cont" on it directly).
 */
struct control {
	const struct send_opts *o;
	struct qmp *vm;
	int vm_fd;
	bool vm_paused;		/* the VM was paused before we started */
};

static void resume_source(const struct control *ctl)
{
	const struct send_opts *o = ctl->o;

	if (o->qmp) {
		if (ctl->vm_paused)
			return;
		if (!ctl->vm)
			qmp_resume_raw(ctl->vm_fd);
		else if (qmp_call(ctl->vm, "cont", NULL, -1, NULL))
			say("could not resume the source VM: %s", ctl->vm->err);
	} else if (o->pause_pid) {
		kill(o->pause_pid, SIGCONT);
	} else if (run_cmd(o->resume_cmd)) {
		say("the resume command failed: %s", o->resume_cmd);
	}
}

static int guardian_start(struct guardian *g, const struct control *ctl)
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
		if (state == 'p') {
			struct control raw = *ctl;

			raw.vm = NULL;
			resume_source(&raw);
		}
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

static int pause_source(const struct control *ctl, struct guardian *g)
{
	const struct send_opts *o = ctl->o;
	int i;

	guardian_tell(g, 'p');
	if (o->qmp) {
		if (ctl->vm_paused || !qmp_call(ctl->vm, "stop", NULL, -1, NULL))
			return 0;
		say("could not pause the source VM: %s", ctl->vm->err);
		errno = EIO;
		return -1;
	}
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

/*
 * --auto-converge: stop the writer for a growing share of every period:
 * 20 ms with signals, 100 ms over QMP (a command's round trip is a few
 * milliseconds, more under emulation).
 */
struct throttle {
	pthread_t thread;
	const struct control *ctl;
	volatile int percent;
	volatile bool stop;
};

static void throttle_set(const struct control *ctl, bool run)
{
	if (ctl->vm_paused)
		return;
	if (!ctl->o->qmp)
		kill(ctl->o->pause_pid, run ? SIGCONT : SIGSTOP);
	else if (qmp_call(ctl->vm, run ? "cont" : "stop", NULL, -1, NULL))
		say("auto-converge: %s", ctl->vm->err);
}

static void *throttle_main(void *arg)
{
	struct throttle *t = arg;
	double period = t->ctl->o->qmp ? 0.100 : 0.020;

	while (!t->stop) {
		int p = t->percent;

		if (p > 0) {
			throttle_set(t->ctl, false);
			sleep_s(period * p / 100);
			throttle_set(t->ctl, true);
		}
		sleep_s(period * (100 - p) / 100);
	}
	return NULL;
}

struct source {
	const struct send_opts *o;
	struct control ctl;
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
	char *dev;		/* the VM's device state, as QEMU saved it */
	size_t dev_len;
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
		print_string(PRINT_JSON, "source", NULL,
			     r->done || s->ctl.vm_paused ? "paused" : "running");
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
	print_bool(PRINT_JSON, "vm", NULL, s->o->qmp);
	if (ok) {
		print_double(PRINT_JSON, "downtime_ms", NULL, down * 1e3);
		print_open_object("downtime");
		if (s->o->qmp) {
			print_double(PRINT_JSON, "final_round_ms", NULL, (r->final - r->pause) * 1e3);
			print_u64(PRINT_JSON, "final_pages", NULL, r->final_pages);
			print_double(PRINT_JSON, "device_save_ms", NULL, (r->saved - r->final) * 1e3);
			print_u64(PRINT_JSON, "device_bytes", NULL, r->device_bytes);
			print_double(PRINT_JSON, "late_pages_ms", NULL, (r->synced - r->saved) * 1e3);
			print_u64(PRINT_JSON, "late_pages", NULL, r->late_pages);
			print_double(PRINT_JSON, "verify_ms", NULL, (r->verified - r->synced) * 1e3);
			print_double(PRINT_JSON, "device_load_ms", NULL, (r->loaded - r->verified) * 1e3);
			print_double(PRINT_JSON, "resume_ms", NULL, (r->done - r->loaded) * 1e3);
		} else {
			print_double(PRINT_JSON, "final_round_ms", NULL, (r->synced - r->pause) * 1e3);
			print_u64(PRINT_JSON, "final_pages", NULL, r->final_pages);
			print_double(PRINT_JSON, "verify_ms", NULL, (r->verified - r->synced) * 1e3);
			print_double(PRINT_JSON, "commit_ms", NULL, (r->done - r->verified) * 1e3);
		}
		print_close_object();
		print_s64(PRINT_JSON, "resume_status", NULL, r->resume_status);
		if (s->o->qmp)
			print_string(PRINT_JSON, "source", NULL, "postmigrate");
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
			: s->ctl.vm_paused ? "the source VM stays paused, as it was"
			: "the source is running");
		return;
	}
	printf("migrated %s (%.1f MiB) to %s in %.2f s\n", s->o->path,
	       s->npages * MIG_PAGE / 1048576.0, s->o->to, now_s() - r->start);
	printf("rounds %u, pages sent %" PRIu64 " + %" PRIu64 " zero, %.1f MiB on the wire\n",
	       r->rounds, r->pages, r->zero_pages, s->c.bytes / 1048576.0);
	if (s->o->qmp)
		printf("downtime %.1f ms: final round %.1f ms (%" PRIu64 " pages), device state saved %.1f ms (%" PRIu64 " bytes), pages dirtied meanwhile %.1f ms (%" PRIu64 "), verify %.1f ms (%s), device state loaded %.1f ms, resume %.1f ms\n",
		       down * 1e3, (r->final - r->pause) * 1e3, r->final_pages,
		       (r->saved - r->final) * 1e3, r->device_bytes,
		       (r->synced - r->saved) * 1e3, r->late_pages,
		       (r->verified - r->synced) * 1e3,
		       s->o->verify == MIG_VERIFY_FULL ? "full" : "sent",
		       (r->loaded - r->verified) * 1e3, (r->done - r->loaded) * 1e3);
	else
		printf("downtime %.1f ms: final round %.1f ms (%" PRIu64 " pages), verify %.1f ms (%s), commit %.1f ms\n",
		       down * 1e3, (r->synced - r->pause) * 1e3, r->final_pages,
		       (r->verified - r->synced) * 1e3,
		       s->o->verify == MIG_VERIFY_FULL ? "full" : "sent",
		       (r->done - r->verified) * 1e3);
	printf("bandwidth %.1f MB/s, last dirty rate %.1f MB/s\n", r->bandwidth / 1e6,
	       r->dirty_rate / 1e6);
	if (r->resume_status)
		printf("the destination's %s\n", s->o->qmp ? "VM did not resume (see its report)" :
		       "resume command failed");
	if (s->o->qmp)
		printf("the source VM stays paused (QEMU: postmigrate)\n");
}

/* The pre-copy rounds; returns with s->bitmap holding the last round's set. */
static int precopy(struct source *s)
{
	uint64_t count, prev = UINT64_MAX, sent_bytes;
	unsigned int stalled = 0;
	struct throttle th = { .ctl = &s->ctl };
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
		throttle_set(&s->ctl, true);
		guardian_tell(s->g, 'r');
	}
	if (s->tty)
		fputs("\n", stderr);
	return ret;
}

/*
 * The paused VM's device state: QEMU's own migration into a socket pair
 * (RAM of shared file backends skipped, x-ignore-shared), read to its end
 * into s->dev.  QEMU is then "postmigrate"; "cont" still resumes it.
 */
static int vm_save(struct source *s)
{
	struct qmp *q = s->ctl.vm;
	struct timeval tv = { .tv_sec = 60 };
	char status[32], why[256];
	size_t cap = 0;
	double give_up;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return conn_fail(&s->c, "socketpair: %s", strerror(errno));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (qmp_pass_fd(q, "hvk-migrate", sv[1]) ||
	    qmp_call(q, "migrate", "{\"uri\":\"fd:hvk-migrate\"}", -1, NULL)) {
		close(sv[0]);
		close(sv[1]);
		return conn_fail(&s->c, "%s", q->err);
	}
	close(sv[1]);
	for (;;) {
		ssize_t n;

		if (s->dev_len == cap) {
			char *b = cap < MIG_DEVICE_MAX ? realloc(s->dev, cap + MIG_DEVICE_CHUNK) : NULL;

			if (!b) {
				close(sv[0]);
				return conn_fail(&s->c, "the device state exceeds %u MiB",
						 MIG_DEVICE_MAX >> 20);
			}
			s->dev = b;
			cap += MIG_DEVICE_CHUNK;
		}
		n = read(sv[0], s->dev + s->dev_len, cap - s->dev_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(sv[0]);
			return conn_fail(&s->c, "reading QEMU's device state: %s", strerror(errno));
		}
		if (!n)
			break;
		s->dev_len += n;
	}
	close(sv[0]);
	/* QEMU closes the stream, then calls the migration completed. */
	for (give_up = now_s() + 60; ; sleep_s(0.005)) {
		if (qmp_migration(q, status, sizeof(status), why, sizeof(why)))
			return conn_fail(&s->c, "%s", q->err);
		if (!strcmp(status, "completed"))
			break;
		if (!strcmp(status, "failed") || !strcmp(status, "cancelled"))
			return conn_fail(&s->c, "QEMU could not save the device state: %s", why);
		if (now_s() > give_up)
			return conn_fail(&s->c, "QEMU's device state migration is still %s after 60 s",
					 status);
	}
	s->r.device_bytes = s->dev_len;
	s->r.saved = now_s();
	return 0;
}

/* The device state to the destination; its QEMU loads it, paused. */
static int vm_send_device(struct source *s)
{
	struct mig_hdr h;
	size_t off, n;

	for (off = 0; off < s->dev_len; off += n) {
		n = s->dev_len - off < MIG_DEVICE_CHUNK ? s->dev_len - off : MIG_DEVICE_CHUNK;
		if (send_msg(&s->c, MIG_DEVICE, n, off, s->dev + off, n))
			return -1;
	}
	if (send_msg(&s->c, MIG_DEVICE_END, 0, s->dev_len, NULL, 0) ||
	    expect(&s->c, MIG_LOADED, &h))
		return -1;
	s->r.loaded = now_s();
	return 0;
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
	if (pause_source(&s->ctl, g)) {
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
	if (send_bitmap(s))
		goto out;
	s->r.final = now_s();
	if (s->o->qmp) {
		/*
		 * Saving devices may write guest RAM (QEMU flushes what its
		 * devices hold), and so may another process mapping it: what
		 * the log caught since the final round goes too.
		 */
		if (vm_save(s) || get_dirty(s, &count))
			goto out;
		s->r.late_pages = count;
		s->round_total = count;
		s->round_done = 0;
		if (count && send_bitmap(s))
			goto out;
	}
	if (send_msg(&s->c, MIG_END, s->o->verify, 0, NULL, 0) ||
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
	if (s->o->qmp && vm_send_device(s))
		goto out;
	guardian_tell(g, 'k');	/* from here on the destination owns the VM */
	*committed = true;
	/* count: whether the destination runs it (a paused VM stays paused) */
	if (send_msg(&s->c, MIG_COMMIT, !s->ctl.vm_paused, 0, NULL, 0) ||
	    expect(&s->c, MIG_DONE, &h))
		goto out;
	s->r.done = now_s();
	s->r.resume_status = h.count;
	ret = 0;
out:
	free(last);
	return ret;
}

/* --qmp: the VM's RAM is PATH, shared; device state without it. */
static int vm_open(struct source *s, struct qmp *q)
{
	char status[32];

	if (qmp_open(q, s->o->qmp) || qmp_status(q, status, sizeof(status)))
		goto fail;
	if (strcmp(status, "running") && strcmp(status, "paused")) {
		say("the source VM is %s: only a running or paused VM migrates", status);
		return -1;
	}
	s->ctl.vm = q;
	s->ctl.vm_fd = q->fd;
	s->ctl.vm_paused = !strcmp(status, "paused");
	if (qmp_check_backend(q, s->o->path) ||
	    qmp_call(q, "migrate-set-capabilities", MIG_QMP_CAPS, -1, NULL))
		goto fail;
	return 0;
fail:
	say("%s", q->err);
	return -1;
}

int do_send(const struct send_opts *o)
{
	struct source s = { .o = o, .ctl = { .o = o, .vm_fd = -1 },
			    .c = { .fd = -1, .rate = o->bandwidth } };
	struct qmp vm = { .fd = -1 };
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
	if (o->qmp && vm_open(&s, &vm))
		goto out_mem;
	s.c.fd = tcp_socket(o->to, false, s.c.err, sizeof(s.c.err));
	if (s.c.fd < 0) {
		say("%s", s.c.err);
		goto out_mem;
	}
	set_timeout(s.c.fd, 60);
	s.c.err[0] = 0;
	hello.size = htole64(info.size);
	hello.page_size = htole32(MIG_PAGE);
	hello.flags = htole32((o->qmp ? MIG_HELLO_VM : 0) | (o->psk ? MIG_HELLO_AUTH : 0));
	if (o->psk && getrandom(hello.nonce, sizeof(hello.nonce), 0) != sizeof(hello.nonce)) {
		conn_fail(&s.c, "getrandom: %s", strerror(errno));
		goto report;
	}
	if (send_msg(&s.c, MIG_HELLO, 0, 0, &hello, sizeof(hello)) ||
	    expect(&s.c, MIG_READY, &h) || (o->psk && auth_source(&s.c, o->psk, &hello)))
		goto report;
	if (hvk_mem_log_start(s.fd, HVK_MEM_LOG_INITIALLY_SET, &err)) {
		conn_fail(&s.c, "%s", err.msg);
		send_abort(&s.c, err.msg);
		goto report;
	}
	s.g = &g;
	if (guardian_start(&g, &s.ctl)) {
		conn_fail(&s.c, "could not start the guardian process: %s", strerror(errno));
		send_abort(&s.c, "source failure");
		goto report;
	}
	if (precopy(&s) || switch_over(&s, &g, &committed)) {
		if (!committed) {
			send_abort(&s.c, s.c.err);
			if (s.paused) {
				resume_source(&s.ctl);
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
	qmp_close(&vm);
	free(s.dev);
	free(s.bitmap);
	free(s.hashes);
	free(s.buf);
out_fd:
	close(s.fd);	/* stops the dirty log */
	return ret;
}
