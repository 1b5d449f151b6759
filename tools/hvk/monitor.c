// SPDX-License-Identifier: GPL-2.0
/* hvk monitor: print the modules' events as they happen. */
#include <errno.h>
#include <net/if.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/hvk_mem.h>
#include <hvk/mem.h>
#include <linux/hvk_switch.h>

#include "hvk.h"

static const char monitor_usage[] =
	"usage: hvk [ -t ] monitor [ all | switch [ SWITCH ] | mem ]\n"
	"Print events until interrupted; with -j, one JSON object per line;\n"
	"with -t, each stamped with the local time it was received. SWITCH:\n"
	"only that switch's events (switch, port, fdb, drop, mirror).\n";

/* hvk monitor switch SWITCH: its ifindex; 0 = every switch. */
static uint32_t only_switch;

static const char *const fdb_events[] = {
	[HVK_SWITCH_FDB_LEARNED] = "learned",
	[HVK_SWITCH_FDB_MOVED] = "moved",
	[HVK_SWITCH_FDB_AGED] = "aged",
	[HVK_SWITCH_FDB_ADDED] = "added",
	[HVK_SWITCH_FDB_DELETED] = "deleted",
};

static const char *switch_event(uint8_t cmd, const char **object)
{
	switch (cmd) {
	case HVK_SWITCH_CMD_SWITCH_NEW: *object = "switch"; return "new";
	case HVK_SWITCH_CMD_SWITCH_DEL: *object = "switch"; return "del";
	case HVK_SWITCH_CMD_SWITCH_SET: *object = "switch"; return "set";
	case HVK_SWITCH_CMD_PORT_ADD: *object = "port"; return "add";
	case HVK_SWITCH_CMD_PORT_DEL: *object = "port"; return "del";
	case HVK_SWITCH_CMD_PORT_SET: *object = "port"; return "set";
	case HVK_SWITCH_CMD_FDB_NTF: *object = "fdb"; return NULL;
	case HVK_SWITCH_CMD_SECURITY_NTF: *object = "port"; return "drop";
	case HVK_SWITCH_CMD_MIRROR_NEW: *object = "mirror"; return "new";
	case HVK_SWITCH_CMD_MIRROR_DEL: *object = "mirror"; return "del";
	default: *object = NULL; return NULL;
	}
}

/*
 * Start an event's line: "[time] [object] event " (JSON: "timestamp",
 * "object", "event").  The time is when hvk read the event, as ip -t.
 */
static void event_open(const char *object, const char *event)
{
	char stamp[64], zone[8];
	struct timespec ts;
	struct tm tm;

	print_init(print_is_json(), false);
	print_open_object(NULL);
	if (timestamps) {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		strftime(zone, sizeof(zone), "%z", &tm);
		snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%06ld%s",
			 ts.tv_nsec / 1000, zone);
		print_string(PRINT_ANY, "timestamp", "[%s] ", stamp);
	}
	print_string(PRINT_ANY, "object", "[%s]", object);
	print_string(PRINT_ANY, "event", " %s ", event);
}

/* Events of the switch @ifindex (its own, its ports', FDB's and sessions'). */
static bool event_wanted(uint32_t ifindex)
{
	return !only_switch || ifindex == only_switch;
}

/* A security drop: which port, why, and the frame's source. */
static void print_drop(const struct hvk_port_info *p)
{
	const char *reason = p->drop.reason >= 0 ? hvk_drop_reason_name(p->drop.reason) : NULL;
	char mac[18], sw[16];

	hvk_mac_format(p->drop.mac, mac);
	print_open_object("drop");
	print_string(PRINT_ANY, "ifname", "%s", p->name);
	print_string(PRINT_ANY, "switch", " switch %s", ifname_of(p->switch_ifindex, sw));
	print_string(PRINT_ANY, "reason", " reason %s", reason ? reason : "unknown");
	print_string(PRINT_ANY, "mac", " src %s", mac);
	print_u64(PRINT_ANY, "vlan", " vlan %" PRIu64, p->drop.vid);
	print_close_object();
	print_nl();
}

static int switch_event_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	struct hvk_switch_info sw;
	struct hvk_port_info port;
	struct hvk_mirror_info *m = NULL;
	struct hvk_fdb_entry e;
	const char *object, *event = switch_event(hvk_msg_cmd(nlh), &object);
	uint32_t ifindex;
	int ret;

	(void)data;
	if (!object)
		return 0;	/* a newer module's event: skip it */
	if (!strcmp(object, "fdb")) {
		ret = hvk_fdb_parse(nlh, &e, err);
		event = e.event >= 0 && e.event <= HVK_SWITCH_FDB_DELETED ?
			fdb_events[e.event] : "unknown";
		ifindex = e.switch_ifindex;
	} else if (!strcmp(object, "switch")) {
		ret = hvk_switch_parse(nlh, &sw, err);
		ifindex = sw.ifindex;
	} else if (!strcmp(object, "port")) {
		ret = hvk_port_parse(nlh, &port, err);
		ifindex = port.switch_ifindex;
	} else {
		m = malloc(sizeof(*m));
		ret = m ? hvk_mirror_parse(nlh, m, err) : -ENOMEM;
		ifindex = m ? m->switch_ifindex : 0;
	}
	if (ret || !event_wanted(ifindex))
		goto out;
	event_open(object, event);
	if (!strcmp(object, "switch"))
		print_switch(&sw, "switch");
	else if (!strcmp(object, "port") && !strcmp(event, "drop"))
		print_drop(&port);
	else if (!strcmp(object, "port"))
		print_port(&port, "port");
	else if (m)
		print_mirror(m, "mirror");
	else
		print_fdb(&e, "fdb");
	print_close_object();
	print_fini();
out:
	free(m);
	return ret;
}

static const char *mem_event(uint8_t event)
{
	switch (event) {
	case HVK_MEM_EV_REGION_NEW: return "new";
	case HVK_MEM_EV_REGION_DEL: return "del";
	case HVK_MEM_EV_LOG_START: return "log-start";
	case HVK_MEM_EV_LOG_STOP: return "log-stop";
	}
	return "unknown";
}

static int merge_event(const struct nlmsghdr *nlh, struct hvk_error *err)
{
	struct hvk_merge_info m;
	int ret = hvk_merge_parse(nlh, &m, err);

	if (ret)
		return ret;
	event_open("merge", "full-scan");
	print_merge(&m, "merge");
	print_close_object();
	print_fini();
	return 0;
}

static int mem_event_cb(const struct nlmsghdr *nlh, void *data, struct hvk_error *err)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct hvk_mem_region r;
	int ret;

	(void)data;
	if (g->cmd == HVK_MEM_CMD_MERGE_NTF)
		return merge_event(nlh, err);
	ret = hvk_mem_region_parse(nlh, &r, err);
	if (ret)
		return ret;
	event_open("region", mem_event(r.event));
	print_mem_region(&r, "region");
	print_close_object();
	print_fini();
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int do_monitor(int argc, char **argv)
{
	struct hvk_nl *nls[2] = {};
	hvk_nl_msg_cb cbs[2] = { switch_event_cb, mem_event_cb };
	const char *families[2] = { HVK_SWITCH_GENL_NAME, HVK_MEM_GENL_NAME };
	bool want[2] = { true, true };
	struct sigaction sa = { .sa_handler = on_signal };
	struct hvk_error err;
	int i, ret = EXIT_OK;

	if (argc > 0 && is_help(argv[0])) {
		fputs(monitor_usage, stdout);
		return EXIT_OK;
	}
	if (argc >= 1 && matches(argv[0], "switch")) {
		want[1] = false;
		if (argc == 2) {
			only_switch = if_nametoindex(argv[1]);
			if (!only_switch) {
				errmsg("monitor: no device named %s", argv[1]);
				return EXIT_FAILED;
			}
		}
	} else if (argc == 1 && matches(argv[0], "mem")) {
		want[0] = false;
	} else if (argc == 1 && !matches(argv[0], "all")) {
		return usage_error("monitor", "unknown event source \"%s\"", argv[0]);
	}
	if (argc > (want[1] ? 1 : 2))
		return usage_error("monitor", "too many arguments: all, switch [ SWITCH ] or mem");

	for (i = 0; i < 2; i++) {
		if (!want[i])
			continue;
		if (hvk_nl_open(&nls[i], families[i], &err) ||
		    hvk_nl_subscribe(nls[i], HVK_SWITCH_MCGRP_EVENTS, &err)) {
			report_error("monitor", &err);
			ret = EXIT_FAILED;
			goto out;
		}
	}
	if (only_switch) {
		struct hvk_switch_info sw;

		if (hvk_switch_get(nls[0], only_switch, &sw, &err)) {
			errmsg("monitor: %s is not an hvk switch (%s)",
				argv[1], err.msg);
			ret = EXIT_FAILED;
			goto out;
		}
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	while (!stop) {
		struct pollfd pfd[2];
		int n = 0, idx[2];

		for (i = 0; i < 2; i++) {
			if (!nls[i])
				continue;
			pfd[n].fd = hvk_nl_fd(nls[i]);
			pfd[n].events = POLLIN;
			idx[n++] = i;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("hvk: monitor: poll");
			ret = EXIT_FAILED;
			break;
		}
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (hvk_nl_recv_events(nls[idx[i]], 0, cbs[idx[i]], NULL, &err) < 0) {
				report_error("monitor", &err);
				if (err.code != -ENOBUFS) {
					ret = EXIT_FAILED;
					goto out;
				}
			}
		}
	}
out:
	hvk_nl_close(nls[0]);
	hvk_nl_close(nls[1]);
	return ret;
}
