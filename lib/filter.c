// SPDX-License-Identifier: LGPL-2.1-or-later
/* libhvk: loading an eBPF port filter with libbpf. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "nl.h"

/* libbpf's last warning of this thread: into the error, never to stderr. */
static __thread char bpf_msg[256];

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t len;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(bpf_msg, sizeof(bpf_msg), fmt, ap);
	len = strlen(bpf_msg);
	while (len && bpf_msg[len - 1] == '\n')
		bpf_msg[--len] = '\0';
	return 0;
}

static struct bpf_program *find_prog(struct bpf_object *obj, const char *section)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		if (!section || !strcmp(bpf_program__section_name(prog), section))
			return prog;
	return NULL;
}

int hvk_filter_load(const char *path, const char *section, int *fd, struct hvk_error *err)
{
	libbpf_print_fn_t old = libbpf_set_print(capture);
	struct bpf_program *prog, *p;
	struct bpf_object *obj;
	int ret;

	bpf_msg[0] = '\0';
	*fd = -1;
	obj = bpf_object__open_file(path, NULL);
	ret = -libbpf_get_error(obj);
	if (ret) {
		obj = NULL;
		ret = hvkp_error_set(err, -ret, "cannot open BPF object %s: %s", path,
				     bpf_msg[0] ? bpf_msg : strerror(ret));
		goto out;
	}
	prog = find_prog(obj, section);
	if (!prog) {
		ret = hvkp_error_set(err, -ENOENT, section ? "no program in section \"%s\" of %s"
							    : "no program in %s%s",
				     section ? section : "", path);
		goto out;
	}
	/* Load only the program asked for, as a tc classifier. */
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	bpf_program__set_type(prog, BPF_PROG_TYPE_SCHED_CLS);
	ret = bpf_object__load(obj);
	if (ret) {
		ret = hvkp_error_set(err, ret, "cannot load %s: %s", path,
				     bpf_msg[0] ? bpf_msg : strerror(-ret));
		goto out;
	}
	/* The object's close would close the program's fd: keep a copy. */
	*fd = dup(bpf_program__fd(prog));
	ret = *fd < 0 ? hvkp_error_set(err, -errno, "dup: %s", strerror(errno)) : 0;
out:
	bpf_object__close(obj);
	libbpf_set_print(old);
	return ret;
}
