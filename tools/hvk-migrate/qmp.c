// SPDX-License-Identifier: GPL-2.0
/*
 * A QMP client for hvk-migrate: QEMU's monitor protocol over a UNIX socket,
 * one command at a time (a mutex: the auto-converge thread shares it),
 * asynchronous events skipped, file descriptors passed with SCM_RIGHTS for
 * getfd.  Replies are parsed with json-c.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <json-c/json.h>

#include "migrate.h"

#define QMP_LINE_MAX	(1u << 20)

static int qmp_fail(struct qmp *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int qmp_fail(struct qmp *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof(q->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* One line from QEMU (a JSON message), parsed; NULL with q->err set. */
static struct json_object *qmp_read(struct qmp *q)
{
	struct json_object *obj;
	char *nl;
	ssize_t n;

	for (;;) {
		nl = memchr(q->buf, '\n', q->len);
		if (nl)
			break;
		if (q->len == q->cap) {
			char *b;

			if (q->cap >= QMP_LINE_MAX) {
				qmp_fail(q, "QMP: a message longer than %u bytes", QMP_LINE_MAX);
				return NULL;
			}
			b = realloc(q->buf, q->cap ? q->cap * 2 : 4096);
			if (!b) {
				qmp_fail(q, "QMP: out of memory");
				return NULL;
			}
			q->buf = b;
			q->cap = q->cap ? q->cap * 2 : 4096;
		}
		n = recv(q->fd, q->buf + q->len, q->cap - q->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			qmp_fail(q, "QMP: %s", n ? (errno == EAGAIN ? "QEMU did not answer within 60 s"
							  : strerror(errno))
					    : "QEMU closed the connection (it exited?)");
			return NULL;
		}
		q->len += n;
	}
	*nl = 0;
	obj = json_tokener_parse(q->buf);
	q->len -= nl + 1 - q->buf;
	memmove(q->buf, nl + 1, q->len);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		qmp_fail(q, "QMP: QEMU sent something that is not a JSON object");
		return NULL;
	}
	return obj;
}

/* Send @text, with @fd attached when >= 0. */
static int qmp_send(struct qmp *q, const char *text, int fd)
{
	size_t len = strlen(text), off = 0;
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };

	while (off < len) {
		struct iovec iov = { .iov_base = (char *)text + off, .iov_len = len - off };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (fd >= 0 && !off) {
			struct cmsghdr *cm;

			msg.msg_control = cbuf;
			msg.msg_controllen = sizeof(cbuf);
			cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		}
		n = sendmsg(q->fd, &msg, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return qmp_fail(q, "QMP: %s", n ? strerror(errno) : "closed");
		off += n;
	}
	return 0;
}

/* The reply to the command just sent: its "return", or -1 with QEMU's error. */
static int qmp_reply(struct qmp *q, const char *cmd, struct json_object **ret)
{
	struct json_object *obj, *v, *desc;

	for (;;) {
		obj = qmp_read(q);
		if (!obj)
			return -1;
		if (json_object_object_get_ex(obj, "return", &v)) {
			if (ret)
				*ret = json_object_get(v);
			json_object_put(obj);
			return 0;
		}
		if (json_object_object_get_ex(obj, "error", &v)) {
			qmp_fail(q, "QEMU refused %s: %s", cmd,
				 json_object_object_get_ex(v, "desc", &desc) ?
				 json_object_get_string(desc) : "no reason given");
			json_object_put(obj);
			return -1;
		}
		json_object_put(obj);	/* an event */
	}
}

int qmp_call(struct qmp *q, const char *cmd, const char *args, int fd,
	     struct json_object **ret)
{
	char *text;
	int r;

	if (args)
		r = asprintf(&text, "{\"execute\":\"%s\",\"arguments\":%s}\r\n", cmd, args);
	else
		r = asprintf(&text, "{\"execute\":\"%s\"}\r\n", cmd);
	if (r < 0)
		return qmp_fail(q, "QMP: out of memory");
	pthread_mutex_lock(&q->lock);
	r = qmp_send(q, text, fd);
	if (!r)
		r = qmp_reply(q, cmd, ret);
	pthread_mutex_unlock(&q->lock);
	free(text);
	return r;
}

int qmp_open(struct qmp *q, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 60 };
	struct json_object *greeting;
	bool is_qmp;

	q->fd = -1;
	q->buf = NULL;
	q->len = q->cap = 0;
	q->err[0] = 0;
	pthread_mutex_init(&q->lock, NULL);
	q->lock_ready = true;
	if (strlen(path) >= sizeof(sa.sun_path))
		return qmp_fail(q, "QMP socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0 || connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)))
		return qmp_fail(q, "QMP socket %s: %s", path, strerror(errno));
	setsockopt(q->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(q->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	greeting = qmp_read(q);
	if (!greeting)
		return -1;
	is_qmp = json_object_object_get_ex(greeting, "QMP", NULL);
	json_object_put(greeting);
	if (!is_qmp)
		return qmp_fail(q, "%s is not a QMP monitor", path);
	return qmp_call(q, "qmp_capabilities", NULL, -1, NULL);
}

int qmp_status(struct qmp *q, char *status, size_t len)
{
	struct json_object *ret, *v;

	if (qmp_call(q, "query-status", NULL, -1, &ret))
		return -1;
	if (!json_object_object_get_ex(ret, "status", &v)) {
		json_object_put(ret);
		return qmp_fail(q, "QMP: query-status without a status");
	}
	snprintf(status, len, "%s", json_object_get_string(v));
	json_object_put(ret);
	return 0;
}

int qmp_migration(struct qmp *q, char *status, size_t len, char *why, size_t wlen)
{
	struct json_object *ret, *v;

	if (qmp_call(q, "query-migrate", NULL, -1, &ret))
		return -1;
	snprintf(status, len, "%s", json_object_object_get_ex(ret, "status", &v) ?
		 json_object_get_string(v) : "none");
	snprintf(why, wlen, "%s", json_object_object_get_ex(ret, "error-desc", &v) ?
		 json_object_get_string(v) : "no reason given");
	json_object_put(ret);
	return 0;
}

int qmp_pass_fd(struct qmp *q, const char *name, int fd)
{
	char args[128];

	snprintf(args, sizeof(args), "{\"fdname\":\"%s\"}", name);
	return qmp_call(q, "getfd", args, fd, NULL);
}

/* qom-get @prop of @obj; *@ret to be put by the caller. */
static int qom_get(struct qmp *q, const char *obj, const char *prop, struct json_object **ret)
{
	char args[512];

	snprintf(args, sizeof(args), "{\"path\":\"/objects/%s\",\"property\":\"%s\"}",
		 obj, prop);
	return qmp_call(q, "qom-get", args, -1, ret);
}

int qmp_check_backend(struct qmp *q, const char *path)
{
	struct json_object *list, *v, *name, *type;
	char want[PATH_MAX], have[PATH_MAX];
	int i, found = 0, shared = 0;

	q->err[0] = 0;
	if (!realpath(path, want))
		return qmp_fail(q, "%s: %s", path, strerror(errno));
	if (qmp_call(q, "qom-list", "{\"path\":\"/objects\"}", -1, &list))
		return -1;
	for (i = 0; i < (int)json_object_array_length(list) && !found; i++) {
		struct json_object *o = json_object_array_get_idx(list, i);
		const char *id;

		if (!json_object_object_get_ex(o, "name", &name) ||
		    !json_object_object_get_ex(o, "type", &type) ||
		    strcmp(json_object_get_string(type), "child<memory-backend-file>"))
			continue;
		id = json_object_get_string(name);
		if (strlen(id) > 200 || strchr(id, '"') || strchr(id, '\\'))
			continue;
		if (qom_get(q, id, "mem-path", &v))
			break;
		found = realpath(json_object_get_string(v), have) && !strcmp(have, want);
		json_object_put(v);
		if (found && !qom_get(q, id, "share", &v)) {
			shared = json_object_get_boolean(v);
			json_object_put(v);
		}
	}
	json_object_put(list);
	if (q->err[0])
		return -1;
	if (!found)
		return qmp_fail(q, "the VM's RAM is not in %s: no memory-backend-file of this QEMU has it as mem-path",
				path);
	if (!shared)
		return qmp_fail(q, "the VM maps %s privately (share=off): its writes never reach the file; use share=on",
				path);
	return 0;
}

void qmp_resume_raw(int fd)
{
	static const char cont[] = "{\"execute\":\"cont\"}\r\n";
	char buf[256];

	if (send(fd, cont, sizeof(cont) - 1, MSG_NOSIGNAL) != sizeof(cont) - 1)
		return;
	/* Wait for QEMU to take it: closing first could lose the command. */
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
	free(q->buf);
	q->buf = NULL;
	if (q->lock_ready)
		pthread_mutex_destroy(&q->lock);
	q->lock_ready = false;
}
