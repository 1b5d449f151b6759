// SPDX-License-Identifier: GPL-2.0
/*
 * hvk-migrate recv: the destination region (a temporary file until commit,
 * or with --qmp the file the waiting QEMU maps), applying pages,
 * verification, the VM's device state, the report.
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
/* ---- destination ---- */

struct dest {
	const char *path, *resume_cmd;
	struct qmp *vm;		/* --qmp: a QEMU waiting with -incoming defer */
	int dev_fd;		/* its incoming migration stream */
	uint64_t dev_bytes;
	char tmp[4096];
	bool named_tmp;		/* no O_TMPFILE: a named file to unlink */
	int fd;
	uint64_t npages, *hashes;
	struct conn c;
	uint64_t zero_hash;
};

/* --qmp: the file QEMU maps already, its size the source's. */
static int dest_open_vm(struct dest *d, uint64_t size)
{
	struct stat st;

	d->fd = open(d->path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return conn_fail(&d->c, "%s: %s", d->path, strerror(errno));
	if (fstat(d->fd, &st))
		return conn_fail(&d->c, "%s: %s", d->path, strerror(errno));
	if ((uint64_t)st.st_size != size)
		return conn_fail(&d->c, "%s is %" PRIu64 " bytes, the source's region %" PRIu64
				 ": start the destination QEMU with the same memory size",
				 d->path, (uint64_t)st.st_size, size);
	return 0;
}

static int dest_create(struct dest *d, uint64_t size)
{
	char dir[4096], *slash;

	if (d->vm)
		return dest_open_vm(d, size);

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

	if (d->vm)
		return 0;	/* QEMU maps the file itself */
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

/*
 * Write all of @buf at @off, or to a stream (@off < 0: QEMU's socket): a
 * short write is retried, so errors carry an errno.
 */
static int pwrite_all(int fd, const char *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = off < 0 ? write(fd, buf, len) : pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
		if (off >= 0)
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
 * --qmp: the QEMU waiting with -incoming defer takes its stream from a
 * socket pair; it reads and parses as bytes arrive, but loads devices
 * (which read guest RAM) only as DEVICE messages come, after the RAM is
 * complete and verified.
 */
static int vm_incoming(struct dest *d)
{
	char status[32];
	int sv[2];

	if (qmp_status(d->vm, status, sizeof(status)))
		return conn_fail(&d->c, "%s", d->vm->err);
	if (strcmp(status, "inmigrate"))
		return conn_fail(&d->c, "the destination QEMU is %s, not waiting for a migration: start it with -incoming defer (and -S)",
				 status);
	if (qmp_check_backend(d->vm, d->path) ||
	    qmp_call(d->vm, "migrate-set-capabilities", MIG_QMP_CAPS, -1, NULL))
		return conn_fail(&d->c, "%s", d->vm->err);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return conn_fail(&d->c, "socketpair: %s", strerror(errno));
	if (qmp_pass_fd(d->vm, "hvk-migrate", sv[1]) ||
	    qmp_call(d->vm, "migrate-incoming", "{\"uri\":\"fd:hvk-migrate\"}", -1, NULL)) {
		close(sv[0]);
		close(sv[1]);
		return conn_fail(&d->c, "%s", d->vm->err);
	}
	close(sv[1]);
	d->dev_fd = sv[0];
	set_timeout(d->dev_fd, 60);
	return 0;
}

/* DEVICE ... DEVICE_END into QEMU; LOADED once it has loaded them. */
static int vm_load(struct dest *d)
{
	char *buf = malloc(MIG_DEVICE_CHUNK), status[32], why[256];
	struct mig_hdr h;
	double give_up;
	int ret = -1;

	if (!buf)
		return conn_fail(&d->c, "out of memory");
	for (;;) {
		if (recv_hdr(&d->c, &h))
			goto out;
		if (h.type == MIG_ABORT) {
			peer_abort(&d->c, &h);
			goto out;
		}
		if (h.type == MIG_DEVICE_END && h.index == d->dev_bytes)
			break;
		if (h.type != MIG_DEVICE || !h.count || h.count > MIG_DEVICE_CHUNK ||
		    h.index != d->dev_bytes) {
			conn_fail(&d->c, "protocol error: message %u [%" PRIu64 " +%u] in the device state",
				  h.type, h.index, h.count);
			goto out;
		}
		if (read_all(&d->c, buf, h.count))
			goto out;
		if (pwrite_all(d->dev_fd, buf, h.count, -1))
			goto qemu_gone;
		d->dev_bytes += h.count;
	}
	for (give_up = now_s() + 60; ; sleep_s(0.005)) {
		if (qmp_migration(d->vm, status, sizeof(status), why, sizeof(why)))
			goto qemu_gone;
		if (!strcmp(status, "completed"))
			break;
		if (!strcmp(status, "failed")) {
			conn_fail(&d->c, "the destination QEMU refused the device state: %s", why);
			goto out;
		}
		if (now_s() > give_up) {
			conn_fail(&d->c, "the destination QEMU is still %s after 60 s", status);
			goto out;
		}
	}
	if (qmp_status(d->vm, status, sizeof(status)))
		goto qemu_gone;
	/* Started without -S, QEMU runs the VM as soon as it loaded: stop it. */
	if (!strcmp(status, "running")) {
		if (qmp_call(d->vm, "stop", NULL, -1, NULL))
			goto qemu_gone;
		say("the destination QEMU was started without -S and ran the VM before the commit; stopped it (start it with -S)");
	}
	ret = send_msg(&d->c, MIG_LOADED, 0, 0, NULL, 0);
	goto out;
qemu_gone:
	conn_fail(&d->c, "the destination QEMU refused the device state: %s",
		  d->vm->err[0] ? d->vm->err : strerror(errno));
out:
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
static void print_recv_report(const struct dest *d, const char *err, uint64_t size,
			      int status, bool run)
{
	print_init(true, false);
	print_open_object(NULL);
	print_string(PRINT_JSON, "result", NULL, err ? "failed" : "ok");
	print_string(PRINT_JSON, "path", NULL, d->path);
	print_bool(PRINT_JSON, "vm", NULL, d->vm);
	if (err) {
		print_string(PRINT_JSON, "error", NULL, err);
		if (d->vm)
			print_string(PRINT_JSON, "vm_state", NULL, "not started");
		else
			print_string(PRINT_JSON, "partial_copy", NULL, "discarded");
	} else {
		print_u64(PRINT_JSON, "size", NULL, size);
		print_s64(PRINT_JSON, "resume_status", NULL, status);
		if (d->vm) {
			print_u64(PRINT_JSON, "device_bytes", NULL, d->dev_bytes);
			print_string(PRINT_JSON, "vm_state", NULL,
				     status || !run ? "paused" : "running");
		}
	}
	print_close_object();
	print_fini();
}

/* COMMIT's @run: resume the VM (--qmp) or run the resume command. */
static int dest_resume(struct dest *d, bool run)
{
	if (!d->vm)
		return d->resume_cmd ? run_cmd(d->resume_cmd) : 0;
	if (!run || !qmp_call(d->vm, "cont", NULL, -1, NULL))
		return 0;
	say("the VM did not resume: %s", d->vm->err);
	return 1;
}

int do_recv(const char *path, const char *listen_on, const char *resume_cmd,
	    const char *qmp, const struct psk *psk)
{
	struct dest d = { .path = path, .resume_cmd = resume_cmd, .fd = -1, .dev_fd = -1,
			  .c = { .fd = -1 } };
	struct qmp vm = { .fd = -1 };
	struct mig_hello hello;
	enum mig_verify verify = MIG_VERIFY_SENT;
	static const char zero[MIG_PAGE];
	char *buf = NULL;
	struct mig_hdr h;
	int lfd, status = 0;
	bool committed = false, run = false;
	uint32_t flags;
	uint64_t size;

	if (qmp) {
		if (qmp_open(&vm, qmp)) {
			say("%s", vm.err);
			qmp_close(&vm);
			return EXIT_FAILED;
		}
		d.vm = &vm;
	}
	lfd = tcp_socket(listen_on, true, d.c.err, sizeof(d.c.err));
	if (lfd < 0) {
		say("%s", d.c.err);
		qmp_close(&vm);
		return EXIT_FAILED;
	}
	d.c.err[0] = 0;
	d.c.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	if (d.c.fd < 0) {
		say("accept: %s", strerror(errno));
		qmp_close(&vm);
		return EXIT_FAILED;
	}
	set_timeout(d.c.fd, 60);
	d.zero_hash = mig_page_hash(zero);
	if (expect(&d.c, MIG_HELLO, &h) || read_all(&d.c, &hello, sizeof(hello)))
		goto fail;
	size = le64toh(hello.size);
	flags = le32toh(hello.flags);
	if (memcmp(hello.magic, MIG_MAGIC, 8) || le32toh(hello.page_size) != MIG_PAGE ||
	    (flags & ~(MIG_HELLO_VM | MIG_HELLO_AUTH))) {
		conn_fail(&d.c, "the source speaks another protocol (another hvk-migrate version?)");
		goto fail;
	}
	if (!(flags & MIG_HELLO_AUTH) != !psk) {
		conn_fail(&d.c, psk ? "the source does not authenticate: recv --psk-file expects send --psk-file"
				    : "the source authenticates: recv needs --psk-file with its key");
		goto fail;
	}
	if (!(flags & MIG_HELLO_VM) != !d.vm) {
		conn_fail(&d.c, d.vm ? "the source migrates a region, not a VM: recv --qmp expects send --qmp"
				     : "the source migrates a VM: recv needs --qmp (the destination QEMU's monitor)");
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
	/* With a key, nothing is created, opened for writing or asked of QEMU before both ends proved it. */
	if ((psk ? auth_dest(&d.c, psk, &hello) : send_msg(&d.c, MIG_READY, 0, 0, NULL, 0)) ||
	    dest_create(&d, size) || (d.vm && vm_incoming(&d)) ||
	    dest_loop(&d, &verify) || send_msg(&d.c, MIG_SYNCED, 0, 0, NULL, 0))
		goto fail;
	if (verify == MIG_VERIFY_FULL &&
	    hash_all(d.fd, d.npages, d.hashes, buf, d.c.err, sizeof(d.c.err)))
		goto fail;
	if (send_msg(&d.c, MIG_DIGEST, 0, mig_digest(d.hashes, d.npages), NULL, 0) ||
	    (d.vm && vm_load(&d)) || expect(&d.c, MIG_COMMIT, &h) || dest_commit(&d))
		goto fail;
	committed = true;
	/* A region: the resume command; a VM: "cont" unless the source was paused. */
	run = d.vm ? h.count : true;
	status = dest_resume(&d, run);
	send_msg(&d.c, MIG_DONE, status < 0 ? 127 : status, 0, NULL, 0);
	close(d.fd);
	if (json)
		print_recv_report(&d, NULL, size, status, run);
	else if (d.vm)
		printf("received the VM in %s (%.1f MiB, device state %" PRIu64 " bytes), %s\n",
		       path, size / 1048576.0, d.dev_bytes,
		       status ? "it did not resume" : run ? "running" : "paused, as it was");
	else
		printf("received %s (%.1f MiB)%s\n", path, size / 1048576.0,
		       resume_cmd ? (status ? ", the resume command failed" : ", resumed") : "");
	goto out;
fail:
	send_abort(&d.c, d.c.err);
	if (!committed)
		dest_discard(&d);
	drain(&d.c);
	if (json)
		print_recv_report(&d, d.c.err, 0, 0, false);
	else
		say("receiving %s failed: %s; %s", path, d.c.err,
		    d.vm ? "the destination VM was not started" : "the partial copy was discarded");
	status = -1;
out:
	if (d.dev_fd >= 0)
		close(d.dev_fd);
	qmp_close(&vm);
	free(buf);
	free(d.hashes);
	close(d.c.fd);
	return status ? EXIT_FAILED : EXIT_OK;
}
