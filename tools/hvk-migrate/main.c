// SPDX-License-Identifier: GPL-2.0
/*
 * hvk-migrate: pre-copy live migration of an hvkmem region over TCP.
 *
 *   hvk-migrate send PATH --to HOST:PORT { --qmp SOCKET | --pause-pid PID |
 *                    --pause-cmd CMD --resume-cmd CMD } [--downtime-limit MS]
 *                    [--bandwidth RATE] [--max-rounds N] [--auto-converge]
 *                    [--verify sent|full] [--psk-file KEY] [--json]
 *   hvk-migrate recv PATH --listen [ADDR:]PORT [--qmp SOCKET | --resume-cmd CMD]
 *                    [--psk-file KEY] [--json]
 *
 * Documentation/hvk-migrate.1 is the manual; proto.h the wire format.  This
 * file: options and messages; transport.c the connection; source.c the
 * sender; dest.c the receiver; qmp.c QEMU's monitor (a VM's migration).
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


static const char usage_text[] =
	"usage: hvk-migrate send PATH --to HOST:PORT\n"
	"                   { --qmp SOCKET | --pause-pid PID | --pause-cmd CMD --resume-cmd CMD }\n"
	"                   [--downtime-limit MS] [--bandwidth RATE] [--max-rounds N]\n"
	"                   [--auto-converge] [--verify sent|full] [--psk-file KEY] [--json]\n"
	"       hvk-migrate recv PATH --listen [ADDR:]PORT [--qmp SOCKET | --resume-cmd CMD]\n"
	"                   [--psk-file KEY] [--json]\n"
	"SOCKET: a QEMU VM's QMP monitor (its RAM is PATH); RATE: tc units (800mbit,\n"
	"100mbps); MS: milliseconds (default 300).\n";

bool json;

static void vsay(const char *fmt, va_list ap)
{
	fputs("hvk-migrate: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	fputs(usage_text, stderr);
	exit(EXIT_USAGE);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* Hash the whole region as it is now (--verify full). */
int hash_all(int fd, uint64_t npages, uint64_t *hashes, char *buf, char *err, size_t elen)
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
	       O_MAX_ROUNDS, O_AUTO, O_VERIFY, O_LISTEN, O_JSON, O_QMP, O_PSK };
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
		{ "qmp", required_argument, NULL, O_QMP },
		{ "psk-file", required_argument, NULL, O_PSK },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct send_opts o = { .downtime_ms = 300 };
	const char *listen_on = NULL, *psk_file = NULL;
	static struct psk psk;
	char err[512];
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
		case O_QMP: o.qmp = optarg; break;
		case O_PSK: psk_file = optarg; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: die_usage("bad option");
		}
	}
	if (optind != argc - 1)
		die_usage("%s takes one PATH", argv[1]);
	o.path = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	if (psk_file) {
		if (psk_load(psk_file, &psk, err, sizeof(err)))
			die_usage("--psk-file %s", err);
		o.psk = &psk;
	}
	if (!send) {
		if (!listen_on)
			die_usage("recv needs --listen [ADDR:]PORT");
		if (o.to || o.pause_pid || o.pause_cmd || o.auto_converge || o.max_rounds)
			die_usage("recv takes --listen, --qmp, --resume-cmd, --psk-file and --json only");
		if (o.qmp && o.resume_cmd)
			die_usage("recv --qmp resumes the VM itself: no --resume-cmd");
		return do_recv(o.path, listen_on, o.resume_cmd, o.qmp, o.psk);
	}
	if (!o.to)
		die_usage("send needs --to HOST:PORT");
	if (listen_on)
		die_usage("--listen is for recv");
	if (!!o.qmp + !!o.pause_pid + !!o.pause_cmd != 1)
		die_usage("send needs one of --qmp SOCKET, --pause-pid PID or --pause-cmd CMD");
	if (o.qmp && o.resume_cmd)
		die_usage("--resume-cmd goes with --pause-cmd; --qmp resumes with \"cont\"");
	if (o.pause_cmd && !o.resume_cmd)
		die_usage("--pause-cmd needs --resume-cmd (run when a migration fails after the pause)");
	if (o.pause_pid && o.resume_cmd)
		die_usage("--resume-cmd goes with --pause-cmd; --pause-pid resumes with SIGCONT");
	if (o.auto_converge && o.pause_cmd)
		die_usage("--auto-converge throttles --qmp SOCKET or --pause-pid PID");
	if (o.pause_pid && kill(o.pause_pid, 0))
		die_usage("--pause-pid %d: %s", o.pause_pid, strerror(errno));
	return do_send(&o);
}
