// SPDX-License-Identifier: GPL-2.0
/* hvk mirror: mirror sessions of a switch. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvk.h"

static const char mirror_usage[] =
	"usage: hvk mirror add SWITCH NAME dest DEV [ ingress DEV... ] [ egress DEV... ]\n"
	"                      [ both DEV... ] [ vlan VID ] [ truncate BYTES ]\n"
	"       hvk mirror del SWITCH NAME\n"
	"       hvk mirror show [ SWITCH [ NAME ] ]\n"
	"ingress: frames the ports receive; egress: frames they send; vlan: RSPAN tag.\n";

static void print_port_list(const char *key, const uint32_t *list, size_t n)
{
	char name[16];
	size_t i;

	print_open_array(key);
	if (n)
		print_string(PRINT_FP, NULL, " %s", key);
	for (i = 0; i < n; i++)
		print_string(PRINT_ANY, NULL, " %s", ifname_of(list[i], name));
	print_close_array();
}

void print_mirror(const struct hvk_mirror_info *m, const char *key)
{
	char name[16];

	print_open_object(key);
	print_string(PRINT_ANY, "name", "%s:", m->name);
	print_string(PRINT_ANY, "switch", " switch %s", ifname_of(m->switch_ifindex, name));
	print_string(PRINT_ANY, "dest", " dest %s", ifname_of(m->dest_ifindex, name));
	print_port_list("ingress", m->ingress, m->n_ingress);
	print_port_list("egress", m->egress, m->n_egress);
	if (m->vid || print_is_json())
		print_u64(PRINT_ANY, "vlan", " vlan %" PRIu64, m->vid);
	if (m->truncate || print_is_json())
		print_u64(PRINT_ANY, "truncate", " truncate %" PRIu64, m->truncate);
	print_nl();
	print_u64(PRINT_ANY, "packets", "    copies %" PRIu64 " packets", m->packets);
	print_u64(PRINT_ANY, "bytes", " %" PRIu64 " bytes", m->bytes);
	print_u64(PRINT_ANY, "drops", " drops %" PRIu64, m->drops);
	print_nl();
	print_close_object();
}

/* DEV... up to the next keyword: the arguments used, or -EXIT_USAGE/-EXIT_FAILED. */
static int parse_devs(int argc, char **argv, uint32_t *list, size_t *n)
{
	static const char *const keywords[] = {
		"dest", "ingress", "egress", "both", "vlan", "truncate", NULL,
	};
	int i, k;

	for (i = 0; i < argc; i++) {
		for (k = 0; keywords[k] && strcmp(argv[i], keywords[k]); k++)
			;
		if (keywords[k])
			break;
		if (*n == HVK_MIRROR_MAX_PORTS)
			return -usage_error("mirror", "at most %d ports per direction",
					    HVK_MIRROR_MAX_PORTS);
		if (ifindex_of(argv[i], &list[*n]))
			return -EXIT_FAILED;
		(*n)++;
	}
	if (!i)
		return -usage_error("mirror", "\"%s\" needs devices", argv[-1]);
	return i;
}

/* One "KEY ARG..." of mirror add into @req: the arguments used, or as parse_devs(). */
static int parse_option(int argc, char **argv, struct hvk_mirror_info *req)
{
	const char *k = argv[0];
	uint32_t v;
	int n;

	if (argc < 2)
		return -usage_error("mirror", "\"%s\" needs an argument", k);
	if (!strcmp(k, "dest"))
		return ifindex_of(argv[1], &req->dest_ifindex) ? -EXIT_FAILED : 2;
	if (!strcmp(k, "ingress") || !strcmp(k, "egress") || !strcmp(k, "both")) {
		size_t before = req->n_ingress;

		n = parse_devs(argc - 1, argv + 1, k[0] == 'e' ? req->egress : req->ingress,
			       k[0] == 'e' ? &req->n_egress : &req->n_ingress);
		if (n < 0)
			return n;
		if (k[0] == 'b') {
			if (req->n_egress + req->n_ingress - before > HVK_MIRROR_MAX_PORTS)
				return -usage_error("mirror", "too many ports");
			memcpy(req->egress + req->n_egress, req->ingress + before,
			       (req->n_ingress - before) * sizeof(uint32_t));
			req->n_egress += req->n_ingress - before;
		}
		return n + 1;
	}
	if (!strcmp(k, "vlan")) {
		if (parse_u32(argv[1], 4094, &v) || !v)
			return -usage_error("mirror", "vlan is a VID 1-4094, not \"%s\"", argv[1]);
		req->vid = v;
		return 2;
	}
	if (!strcmp(k, "truncate")) {
		if (parse_u32(argv[1], 65535, &v))
			return -usage_error("mirror", "truncate is 0-65535 bytes, not \"%s\"",
					    argv[1]);
		req->truncate = v;
		return 2;
	}
	return -usage_error("mirror", "unknown option \"%s\"", k);
}

int mirror_parse_add(int argc, char **argv, struct hvk_mirror_info *req)
{
	memset(req, 0, sizeof(*req));
	if (argc < 4)
		return usage_error("mirror", "mirror add needs SWITCH NAME dest DEV and ports");
	if (strlen(argv[1]) >= sizeof(req->name))
		return usage_error("mirror", "a session name has at most 15 characters");
	snprintf(req->name, sizeof(req->name), "%s", argv[1]);
	if (ifindex_of(argv[0], &req->switch_ifindex))
		return EXIT_FAILED;
	for (argc -= 2, argv += 2; argc > 0;) {
		int used = parse_option(argc, argv, req);

		if (used < 0)
			return -used;
		argc -= used;
		argv += used;
	}
	if (!req->dest_ifindex)
		return usage_error("mirror", "mirror add needs dest DEV");
	return EXIT_OK;
}

static int mirror_add(int argc, char **argv)
{
	struct hvk_mirror_info *req;
	struct hvk_error err;
	struct hvk_nl *nl;
	int ret;

	req = malloc(sizeof(*req));
	if (!req) {
		errmsg("mirror add: out of memory");
		return EXIT_FAILED;
	}
	ret = mirror_parse_add(argc, argv, req);
	if (!ret && !dry_run) {
		ret = EXIT_FAILED;
		nl = switch_open("mirror add");
		if (nl)
			ret = finish("mirror add", hvk_mirror_new(nl, req, NULL, &err), nl, &err);
	}
	free(req);
	return ret;
}

static int mirror_del(int argc, char **argv)
{
	struct hvk_error err;
	struct hvk_nl *nl;
	uint32_t sw;

	if (argc != 2)
		return usage_error("mirror", "mirror del takes SWITCH NAME");
	if (ifindex_of(argv[0], &sw))
		return EXIT_FAILED;
	nl = switch_open("mirror del");
	if (!nl)
		return EXIT_FAILED;
	return finish("mirror del", hvk_mirror_del(nl, sw, argv[1], &err), nl, &err);
}

static int mirror_show(int argc, char **argv)
{
	struct hvk_mirror_info *list = NULL;
	struct hvk_error err;
	struct hvk_nl *nl;
	uint32_t sw = 0;
	size_t n = 0, i;
	int ret;

	if (argc > 2)
		return usage_error("mirror", "mirror show takes [SWITCH [NAME]]");
	if (argc >= 1 && ifindex_of(argv[0], &sw))
		return EXIT_FAILED;
	nl = switch_open("mirror show");
	if (!nl)
		return EXIT_FAILED;
	if (argc == 2) {
		list = malloc(sizeof(*list));
		if (!list) {
			hvk_nl_close(nl);
			errmsg("mirror show: out of memory");
			return EXIT_FAILED;
		}
		ret = hvk_mirror_get(nl, sw, argv[1], list, &err);
		n = 1;
	} else {
		ret = hvk_mirror_list(nl, sw, &list, &n, &err);
	}
	if (ret) {
		free(list);
		return finish("mirror show", ret, nl, &err);
	}
	hvk_nl_close(nl);
	print_open_array(NULL);
	for (i = 0; i < n; i++)
		print_mirror(&list[i], NULL);
	print_close_array();
	free(list);
	return EXIT_OK;
}

static const struct cmd mirror_cmds[] = {
	{ "add", mirror_add, "create a mirror session" },
	{ "del", mirror_del, "delete a mirror session" },
	{ "show", mirror_show, "show sessions and their counters" },
	{ NULL, NULL, NULL },
};

int do_mirror(int argc, char **argv)
{
	if (argc == 0)
		return mirror_show(0, NULL);
	return cmd_dispatch("mirror", mirror_cmds, mirror_usage, argc, argv);
}
