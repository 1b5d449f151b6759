// SPDX-License-Identifier: GPL-2.0
/*
 * hvk apply FILE|DIR [-n]: converge the running state to a configuration
 * (Documentation/config.md).
 *
 * First every file is read and every command parsed in a dry run; any
 * error and nothing is applied.  Then the commands run in order, each made
 * idempotent (an existing switch is set, not added; a port already
 * attached, an identical mirror session or static entry is left alone),
 * and each is reported changed or unchanged by comparing the configuration
 * of its object before and after, or pending when it names a device or
 * region file that does not exist yet (a tap its VM has not created).
 * apply never deletes what the configuration does not name: ports that
 * libvirt or OpenStack attach at run time live beside it.
 *
 * A port add or port set may name its devices by a shell pattern (tap*,
 * vm[0-9]-eth0), and a mem set its regions' paths (one glob(7)): each line
 * runs once for each device or file that matches when apply runs, and is
 * pending while none does.
 *
 * --device DEV applies only the lines that configure DEV (its port add and
 * port set, static entries and mirror sessions naming it): the udev rule
 * runs that when a device appears.  Concurrent applies (the boot unit and
 * udev) take turns on a lock file, so one never sees the other's half.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <hvk/mem.h>

#include "hvk.h"
#include "config.h"

enum kind { SWITCH, PORT_ADD, PORT_SET, FDB, MIRROR, MERGE, MEM };

enum result { CHANGED, UNCHANGED, PENDING, FAILED, VALID };

static const char *const result_names[] = {
	[CHANGED] = "changed", [UNCHANGED] = "unchanged", [PENDING] = "pending",
	[FAILED] = "failed", [VALID] = "valid",
};

/* The configuration of a line's object, as the kernel has it. */
struct snapshot {
	bool exists;
	union {
		struct hvk_switch_info sw;
		struct hvk_port_info port;
		struct hvk_fdb_entry fdb;
		struct hvk_mirror_info mirror;
		struct hvk_merge_info merge;
		struct hvk_mem_region region;
	};
};

struct apply {
	struct hvk_nl *sw_nl, *mem_nl;
	struct snapshot before, after;
	/* what fdb and mirror lines ask for, to look up and compare */
	struct hvk_fdb_entry fdb_req;
	struct hvk_mirror_info mirror_req;
	char **pending;		/* devices of pending "port add" lines */
	size_t n_pending;
	unsigned int count[VALID + 1];
};

static const char apply_usage[] =
	"usage: hvk apply { FILE | DIR } [ -n | --dry-run ] [ -d | --device DEV ]\n"
	"Converge to the hvk commands of FILE, or of DIR's *.conf in lexical order\n"
	"(the format: Documentation/config.md; the boot-time directory is /etc/hvk).\n"
	"Everything is validated first; nothing the files do not name is deleted.\n"
	"-n: validate and stop.  --device DEV: only the lines that configure DEV\n"
	"(a device that just appeared; the udev rule runs this).\n";

/* Concurrent applies take turns: the boot unit, udev's, an admin's. */
#define APPLY_LOCK "/run/hvk-apply.lock"

/* Validation let only configuration commands, named in full, through. */
static enum kind kind_of(const struct config_line *l)
{
	const char *obj = l->argv[0];

	if (!strcmp(obj, "switch"))
		return SWITCH;
	if (!strcmp(obj, "port"))
		return strcmp(l->argv[1], "add") ? PORT_SET : PORT_ADD;
	if (!strcmp(obj, "fdb"))
		return FDB;
	if (!strcmp(obj, "mirror"))
		return MIRROR;
	return strcmp(obj, "merge") ? MEM : MERGE;
}

/* Word @i after "OBJECT COMMAND", or "" if there are fewer. */
static const char *arg(const struct config_line *l, int i)
{
	return l->argc > i + 2 ? l->argv[i + 2] : "";
}

/*
 * The index in argv of the word naming what the line configures: the
 * device of port add and port set, the region file of mem set; -1 for
 * other lines.  It may be a pattern (expand_patterns()).
 */
static int subject_word(enum kind k)
{
	switch (k) {
	case PORT_ADD:
		return 3;
	case PORT_SET:
	case MEM:
		return 2;
	default:
		return -1;
	}
}

/* That word of @l ("" if missing); only for kinds that have one. */
static const char *subject(const struct config_line *l, enum kind k)
{
	return arg(l, subject_word(k) - 2);
}

static bool dev_exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

static int open_families(struct apply *a, enum kind k)
{
	struct hvk_error err;

	if (k == MERGE || k == MEM) {
		if (!a->mem_nl && hvk_mem_open(&a->mem_nl, &err)) {
			report_error("apply", &err);
			return -1;
		}
		return 0;
	}
	if (!a->sw_nl)
		a->sw_nl = switch_open("apply");
	return a->sw_nl ? 0 : -1;
}

/*
 * Read what line @l configures into @s.  An object that does not exist is
 * no error (the line creates it, or fails with its own message); a failed
 * reading of one that does is.
 */
static int snap(struct apply *a, const struct config_line *l, enum kind k, struct snapshot *s)
{
	struct hvk_error err;
	uint32_t ifindex;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	switch (k) {
	case SWITCH:
		ifindex = if_nametoindex(arg(l, 0));
		s->exists = ifindex && !hvk_switch_get(a->sw_nl, ifindex, &s->sw, &err);
		return 0;
	case PORT_ADD:
	case PORT_SET:
		ifindex = if_nametoindex(subject(l, k));
		s->exists = ifindex && !hvk_port_get(a->sw_nl, ifindex, &s->port, &err);
		return 0;
	case FDB:
		s->exists = !hvk_fdb_get(a->sw_nl, a->fdb_req.switch_ifindex, a->fdb_req.mac,
					 a->fdb_req.vid, &s->fdb, &err);
		return 0;
	case MIRROR:
		s->exists = !hvk_mirror_get(a->sw_nl, a->mirror_req.switch_ifindex,
					    a->mirror_req.name, &s->mirror, &err);
		return 0;
	case MERGE:
		ret = hvk_merge_get(a->mem_nl, &s->merge, &err);
		break;
	case MEM:
		ret = hvk_mem_region_find(a->mem_nl, subject(l, k), &s->region, &err);
		break;
	}
	s->exists = !ret;
	if (ret)
		report_error("apply", &err);
	return ret;
}

static bool vlan_same(const struct hvk_vlan_config *a, const struct hvk_vlan_config *b)
{
	return a->mode == b->mode && a->pvid == b->pvid && a->has_vids == b->has_vids &&
	       (!a->has_vids || !memcmp(a->vids, b->vids, sizeof(a->vids)));
}

static bool rate_same(const struct hvk_rate *a, const struct hvk_rate *b)
{
	return a->on == b->on && a->average == b->average && a->peak == b->peak &&
	       a->burst == b->burst && a->pps == b->pps && a->limit == b->limit;
}

/* The sticky MAC is the port's own doing, not configuration. */
static bool security_same(const struct hvk_security *a, const struct hvk_security *b)
{
	return a->on == b->on && a->forged_transmits == b->forged_transmits &&
	       a->mac_changes == b->mac_changes && a->promiscuous == b->promiscuous &&
	       a->locked == b->locked && a->max_macs == b->max_macs && a->n_macs == b->n_macs &&
	       !memcmp(a->macs, b->macs, a->n_macs * sizeof(a->macs[0]));
}

#define PORT_CONFIG (HVK_PORT_HAS_INBOUND | HVK_PORT_HAS_OUTBOUND | HVK_PORT_HAS_STORM | \
		     HVK_PORT_HAS_SECURITY | HVK_PORT_HAS_FILTER)

/* Configuration only: counters, learned MACs and the link state are not. */
static bool port_same(const struct hvk_port_info *a, const struct hvk_port_info *b)
{
	unsigned int has = a->has & PORT_CONFIG;

	return a->switch_ifindex == b->switch_ifindex && vlan_same(&a->vlan, &b->vlan) &&
	       a->learning == b->learning && a->flood == b->flood &&
	       has == (b->has & PORT_CONFIG) &&
	       (!(has & HVK_PORT_HAS_INBOUND) || rate_same(&a->inbound, &b->inbound)) &&
	       (!(has & HVK_PORT_HAS_OUTBOUND) || rate_same(&a->outbound, &b->outbound)) &&
	       (!(has & HVK_PORT_HAS_STORM) || !memcmp(&a->storm, &b->storm, sizeof(a->storm))) &&
	       (!(has & HVK_PORT_HAS_SECURITY) || security_same(&a->security, &b->security)) &&
	       (!(has & HVK_PORT_HAS_FILTER) || a->filter.id == b->filter.id);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The same ports, in any order (the kernel need not keep ours). */
static bool ports_same(uint32_t *a, size_t na, uint32_t *b, size_t nb)
{
	qsort(a, na, sizeof(*a), cmp_u32);
	qsort(b, nb, sizeof(*b), cmp_u32);
	return na == nb && !memcmp(a, b, na * sizeof(*a));
}

static bool mirror_same(struct hvk_mirror_info *a, struct hvk_mirror_info *b)
{
	return a->switch_ifindex == b->switch_ifindex && a->dest_ifindex == b->dest_ifindex &&
	       a->vid == b->vid && a->truncate == b->truncate &&
	       ports_same(a->ingress, a->n_ingress, b->ingress, b->n_ingress) &&
	       ports_same(a->egress, a->n_egress, b->egress, b->n_egress);
}

static bool merge_same(const struct hvk_merge_info *a, const struct hvk_merge_info *b)
{
	return a->run == b->run && a->pages_to_scan == b->pages_to_scan &&
	       a->sleep_ms == b->sleep_ms && a->max_sharing == b->max_sharing &&
	       a->zero_pages == b->zero_pages && a->cpu_budget == b->cpu_budget;
}

static bool same(enum kind k, struct snapshot *a, struct snapshot *b)
{
	if (a->exists != b->exists)
		return false;
	if (!a->exists)
		return true;
	switch (k) {
	case SWITCH:
		return a->sw.ageing_ms == b->sw.ageing_ms &&
		       a->sw.vlan_protocol == b->sw.vlan_protocol &&
		       a->sw.default_pvid == b->sw.default_pvid && a->sw.max_macs == b->sw.max_macs;
	case PORT_ADD:
	case PORT_SET:
		return port_same(&a->port, &b->port);
	case FDB:
		return a->fdb.port_ifindex == b->fdb.port_ifindex &&
		       a->fdb.is_static == b->fdb.is_static;
	case MIRROR:
		return mirror_same(&a->mirror, &b->mirror);
	case MERGE:
		return merge_same(&a->merge, &b->merge);
	case MEM:
		return a->region.merge.enabled == b->region.merge.enabled &&
		       !strcmp(a->region.merge.domain, b->region.merge.domain);
	}
	return false;
}

static bool is_pending_dev(const struct apply *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->n_pending; i++)
		if (!strcmp(a->pending[i], name))
			return true;
	return false;
}

static int add_pending(struct apply *a, const char *name)
{
	char **p = realloc(a->pending, (a->n_pending + 1) * sizeof(*p));

	if (!p)
		return -1;
	a->pending = p;
	p[a->n_pending] = strdup(name);
	if (!p[a->n_pending])
		return -1;
	a->n_pending++;
	return 0;
}

/*
 * Pending: the line names a device that does not exist yet, or one of a
 * pending "port add", or (mem set) a region file not created yet.
 */
static bool pending(struct apply *a, const struct config_line *l, enum kind k)
{
	struct stat st;
	int i;

	if (k == PORT_ADD || k == PORT_SET)
		return !dev_exists(subject(l, k));
	if (k == MEM)
		return stat(subject(l, k), &st) && errno == ENOENT;
	for (i = 2; i < l->argc; i++)
		if (is_pending_dev(a, l->argv[i]))
			return true;
	return false;
}

/* What a port add must not do: steal a device from another switch. */
static int check_port_owner(struct apply *a, const struct config_line *l)
{
	char other[IF_NAMESIZE];
	uint32_t sw = if_nametoindex(arg(l, 0));

	if (a->before.exists && a->before.port.switch_ifindex != sw) {
		errmsg("%s is a port of %s", subject(l, PORT_ADD),
		       ifname_of(a->before.port.switch_ifindex, other));
		return -1;
	}
	return 0;
}

/* The command that converges: "switch add" of an existing switch sets it. */
static int run_line(struct apply *a, struct config_line *l, enum kind k)
{
	char set[] = "set", *add = l->argv[1];
	struct hvk_error err;
	int ret;

	if (k == SWITCH && a->before.exists && !strcmp(add, "add"))
		l->argv[1] = set;
	if (k == MIRROR && a->before.exists) {
		ret = hvk_mirror_del(a->sw_nl, a->mirror_req.switch_ifindex, a->mirror_req.name,
				     &err);
		if (ret) {
			report_error("mirror add", &err);
			return EXIT_FAILED;
		}
	}
	ret = hvk_run(l->argc, l->argv);
	l->argv[1] = add;
	return ret;
}

/* Lines whose state is already what they ask for, decided without running them. */
static bool already_there(struct apply *a, const struct config_line *l, enum kind k)
{
	switch (k) {
	case SWITCH:
		return a->before.exists && l->argc == 3;
	case PORT_ADD:
		return a->before.exists;
	case FDB:
		return a->before.exists && a->before.fdb.is_static &&
		       a->before.fdb.port_ifindex == a->fdb_req.port_ifindex;
	case MIRROR:
		return a->before.exists && mirror_same(&a->before.mirror, &a->mirror_req);
	default:
		return false;
	}
}

/* Parse what snap() and already_there() need of fdb and mirror lines. */
static int parse_request(struct apply *a, struct config_line *l, enum kind k)
{
	if (k == MIRROR)
		return mirror_parse_add(l->argc - 2, l->argv + 2, &a->mirror_req);
	if (k == FDB)
		return fdb_parse_add(l->argc - 2, l->argv + 2, &a->fdb_req);
	return EXIT_OK;
}

static int converge(struct apply *a, struct config_line *l, enum result *res)
{
	enum kind k = kind_of(l);
	int ret;

	if (pending(a, l, k)) {
		*res = PENDING;
		if (k == PORT_ADD && add_pending(a, subject(l, k))) {
			errmsg("apply: out of memory");
			return EXIT_FAILED;
		}
		return EXIT_OK;
	}
	*res = FAILED;
	if (open_families(a, k))
		return EXIT_FAILED;
	ret = parse_request(a, l, k);
	if (ret)
		return ret;
	if (snap(a, l, k, &a->before))
		return EXIT_FAILED;
	if (k == PORT_ADD && a->before.exists && check_port_owner(a, l))
		return EXIT_FAILED;
	if (already_there(a, l, k)) {
		*res = UNCHANGED;
		return EXIT_OK;
	}
	ret = run_line(a, l, k);
	if (ret)
		return ret;
	if (snap(a, l, k, &a->after))
		return EXIT_FAILED;
	*res = same(k, &a->before, &a->after) ? UNCHANGED : CHANGED;
	return EXIT_OK;
}

static void report(struct apply *a, const struct config_line *l, enum result res)
{
	char *text = config_text(l);

	a->count[res]++;
	print_open_object(NULL);
	print_string(PRINT_ANY, "file", "%s", l->file);
	print_u64(PRINT_ANY, "line", ":%" PRIu64, l->line);
	print_string(PRINT_ANY, "result", ": %s", result_names[res]);
	print_string(PRINT_ANY, "command", ": %s", text ? text : l->argv[0]);
	print_nl();
	print_close_object();
	free(text);
}

/*
 * Whether line @l configures device @dev: its port add or port set, or a
 * static entry or mirror session that names it (after the switch's name).
 */
static bool configures(const struct config_line *l, enum kind k, const char *dev)
{
	int i;

	switch (k) {
	case PORT_ADD:
	case PORT_SET:
		return !strcmp(subject(l, k), dev);
	case FDB:
	case MIRROR:
		for (i = 3; i < l->argc; i++)
			if (!strcmp(l->argv[i], dev))
				return true;
		return false;
	default:
		return false;
	}
}

static bool is_pattern(const char *word)
{
	return strpbrk(word, "*?[") != NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The network devices whose names match @pattern, sorted: malloc'ed strings. */
static int match_devices(const char *pattern, char ***out, size_t *n)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	char **m;

	*out = NULL;
	*n = 0;
	if (!ifs)
		return -1;
	for (i = ifs; i->if_index; i++) {
		if (fnmatch(pattern, i->if_name, 0))
			continue;
		m = realloc(*out, (*n + 1) * sizeof(*m));
		if (!m)
			goto nomem;
		*out = m;
		m[*n] = strdup(i->if_name);
		if (!m[*n])
			goto nomem;
		(*n)++;
	}
	if_freenameindex(ifs);
	if (*out)
		qsort(*out, *n, sizeof(**out), cmp_str);
	return 0;
nomem:
	if_freenameindex(ifs);
	return -1;
}

/* The files whose paths match @pattern, sorted (glob's order). */
static int match_files(const char *pattern, char ***out, size_t *n)
{
	glob_t g;
	size_t i;
	int ret;

	*out = NULL;
	*n = 0;
	ret = glob(pattern, 0, NULL, &g);
	if (ret == GLOB_NOMATCH)
		return 0;
	if (ret)
		return -1;
	*out = calloc(g.gl_pathc, sizeof(**out));
	for (i = 0; *out && i < g.gl_pathc; i++) {
		(*out)[i] = strdup(g.gl_pathv[i]);
		if (!(*out)[i])
			break;
		(*n)++;
	}
	ret = *out && *n == g.gl_pathc ? 0 : -1;
	globfree(&g);
	return ret;
}

/* @l with word @w replaced by @word, into @copy (every word its own). */
static int line_copy(const struct config_line *l, int w, const char *word,
		     struct config_line *copy)
{
	int i;

	*copy = *l;
	copy->argv = calloc(l->argc + 1, sizeof(*copy->argv));
	if (!copy->argv)
		return -1;
	for (i = 0; i < l->argc; i++) {
		copy->argv[i] = strdup(i == w ? word : l->argv[i]);
		if (!copy->argv[i]) {
			config_line_free(copy);
			return -1;
		}
	}
	return 0;
}

/*
 * Replace each line whose device or path is a pattern by one line per
 * match; a pattern without a match stays as it is (pending).
 */
static int expand_patterns(struct config *c)
{
	struct config_line *lines, *more;
	size_t i, j, n = 0, n_matches;
	char **matches;
	int w, ret = 0;

	lines = calloc(c->n ? c->n : 1, sizeof(*lines));
	if (!lines)
		return -1;
	for (i = 0; !ret && i < c->n; i++) {
		struct config_line *l = &c->lines[i];

		w = subject_word(kind_of(l));
		n_matches = 0;
		matches = NULL;
		if (w >= 0 && w < l->argc && is_pattern(l->argv[w])) {
			if (kind_of(l) == MEM)
				ret = match_files(l->argv[w], &matches, &n_matches);
			else
				ret = match_devices(l->argv[w], &matches, &n_matches);
		}
		if (!ret && n_matches > 1) {
			more = realloc(lines, (c->n + n + n_matches) * sizeof(*lines));
			if (more)
				lines = more;
			else
				ret = -1;
		}
		for (j = 0; !ret && j < n_matches; j++) {
			ret = line_copy(l, w, matches[j], &lines[n]);
			if (!ret)
				n++;
		}
		if (!ret && !n_matches) {
			lines[n++] = *l;		/* moved, not copied */
			l->argv = NULL;
		}
		for (j = 0; matches && j < n_matches; j++)
			free(matches[j]);
		free(matches);
	}
	for (i = 0; i < c->n; i++)
		if (c->lines[i].argv)
			config_line_free(&c->lines[i]);
	free(c->lines);
	c->lines = lines;
	c->n = n;
	return ret;
}

/* Every line a configuration command whose arguments parse: 0 or EXIT_USAGE. */
static int validate(struct config *c)
{
	char err[4096 + 256], where[4096 + 16];
	int ret = EXIT_OK;
	size_t i;

	dry_run = true;
	for (i = 0; i < c->n; i++) {
		if (config_check(&c->lines[i], err, sizeof(err))) {
			fprintf(stderr, "hvk: %s\n", err);
			ret = EXIT_USAGE;
			continue;
		}
		cmd_location = config_where(&c->lines[i], where, sizeof(where));
		if (hvk_run(c->lines[i].argc, c->lines[i].argv))
			ret = EXIT_USAGE;
		cmd_location = NULL;
	}
	dry_run = false;
	return ret;
}

static int apply_all(struct apply *a, struct config *c, const char *dev)
{
	char where[4096 + 16];
	enum result res;
	size_t i;
	int ret = EXIT_OK;

	quiet = true;
	for (i = 0; !ret && i < c->n; i++) {
		if (dev && !configures(&c->lines[i], kind_of(&c->lines[i]), dev))
			continue;
		cmd_location = config_where(&c->lines[i], where, sizeof(where));
		ret = converge(a, &c->lines[i], &res);
		cmd_location = NULL;
		report(a, &c->lines[i], res);
	}
	quiet = false;
	print_u64(PRINT_FP, NULL, "%" PRIu64 " changed", a->count[CHANGED]);
	print_u64(PRINT_FP, NULL, ", %" PRIu64 " unchanged", a->count[UNCHANGED]);
	print_u64(PRINT_FP, NULL, ", %" PRIu64 " pending", a->count[PENDING]);
	print_nl();
	return ret;
}

static void apply_free(struct apply *a)
{
	size_t i;

	hvk_nl_close(a->sw_nl);
	hvk_nl_close(a->mem_nl);
	for (i = 0; i < a->n_pending; i++)
		free(a->pending[i]);
	free(a->pending);
	free(a);
}

/*
 * The lock, or -1 where there is none to take: without the right to create
 * it in /run, apply's commands fail on their own (no CAP_NET_ADMIN).
 */
static int take_lock(void)
{
	int fd = open(APPLY_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
	return fd;
}

static int parse_apply_args(int argc, char **argv, const char **path, bool *check_only,
			    const char **dev)
{
	*path = NULL;
	*dev = NULL;
	*check_only = false;
	for (; argc > 0; argc--, argv++) {
		if (!strcmp(argv[0], "-n") || !strcmp(argv[0], "--dry-run")) {
			*check_only = true;
		} else if (!strcmp(argv[0], "-d") || !strcmp(argv[0], "--device")) {
			if (argc < 2 || !*argv[1] || strlen(argv[1]) >= IF_NAMESIZE)
				return usage_error("apply", "%s needs a device name", argv[0]);
			*dev = *++argv;
			argc--;
		} else if (!*path) {
			*path = argv[0];
		} else {
			return usage_error("apply", "apply takes one FILE or DIR, not \"%s\"", argv[0]);
		}
	}
	if (!*path)
		return usage_error("apply", "apply needs a FILE or DIR");
	return EXIT_OK;
}

int do_apply(int argc, char **argv)
{
	char err[4096 + 256];
	struct config c;
	struct apply *a;
	const char *path, *dev;
	bool check_only;
	int ret, lock;
	size_t i;

	if (argc && is_help(argv[0])) {
		fputs(apply_usage, stdout);
		return EXIT_OK;
	}
	ret = parse_apply_args(argc, argv, &path, &check_only, &dev);
	if (ret)
		return ret;
	if (config_load(&c, path, err, sizeof(err))) {
		fprintf(stderr, "hvk: %s\n", err);
		config_free(&c);
		return EXIT_USAGE;
	}
	ret = validate(&c);
	a = calloc(1, sizeof(*a));
	if (!ret && !a) {
		errmsg("apply: out of memory");
		ret = EXIT_FAILED;
	}
	print_open_array(NULL);
	if (!ret && check_only)
		for (i = 0; i < c.n; i++)
			report(a, &c.lines[i], VALID);
	else if (!ret) {
		lock = take_lock();
		if (expand_patterns(&c)) {
			errmsg("apply: out of memory matching patterns");
			ret = EXIT_FAILED;
		} else {
			ret = apply_all(a, &c, dev);
		}
		if (lock >= 0)
			close(lock);
	}
	print_close_array();
	if (a)
		apply_free(a);
	config_free(&c);
	return ret;
}
