/* SPDX-License-Identifier: GPL-2.0 */
/* The hvk command: shared declarations of its objects. */
#ifndef _HVK_TOOL_H
#define _HVK_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <hvk/hvk.h>

#include "../common/print.h"
#include "../common/units.h"

/* Exit status: the CLI contract in Documentation/hvk.8. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
};

/* A subcommand: "hvk OBJECT COMMAND ..." or a top-level object. */
struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
	const char *help;
};

/*
 * Dispatch argv[0] to the first command in @cmds it is a prefix of, like
 * ip(8).  "help", "-h" and "--help" print @usage.  Unknown: usage error.
 */
int cmd_dispatch(const char *object, const struct cmd *cmds, const char *usage,
		 int argc, char **argv);

/* Run "hvk OBJECT COMMAND ..." (argv[0] = OBJECT): the exit status. */
int hvk_run(int argc, char **argv);

/* true if @arg is a non-empty prefix of @name. */
bool matches(const char *arg, const char *name);
/* -t: monitor stamps each event with the time it was received. */
extern bool timestamps;
/*
 * "FILE:LINE" of the command -batch or apply runs, NULL otherwise: every
 * error message starts with it, so an admin finds the line at fault.
 */
extern const char *cmd_location;
/*
 * apply's validation: the commands a configuration may hold parse their
 * arguments, resolve no names, and return EXIT_OK before any request.
 */
extern bool dry_run;
/* apply runs commands for their effect; their own output would mix with its report. */
extern bool quiet;

/* "hvk: [LOCATION: ]message" on stderr. */
void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "hvk: [LOCATION: ]CONTEXT: message" with the kernel's extack details. */
void report_error(const char *context, const struct hvk_error *err);
/* A usage error: "hvk: [LOCATION: ]message" and the hint, returns EXIT_USAGE. */
int usage_error(const char *object, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int do_version(int argc, char **argv);
int do_switch(int argc, char **argv);
int do_port(int argc, char **argv);
int do_fdb(int argc, char **argv);
int do_monitor(int argc, char **argv);
int do_mirror(int argc, char **argv);
int do_mem(int argc, char **argv);
int do_merge(int argc, char **argv);
int do_ksm(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_save(int argc, char **argv);
int do_apply(int argc, char **argv);
/* batch.c: hvk -batch FILE [-force] */
int run_batch(const char *path, bool force);
/* estimate.c: hvk mem estimate */
int mem_estimate(int argc, char **argv);

/* policy.c: port options "inbound", "outbound", "storm", "security", "filter". */
struct policy_opts;
struct policy_opts *policy_opts_new(void);
void policy_opts_free(struct policy_opts *o);
/*
 * Parse a policy option at argv[0] into @o and @req: the number of
 * arguments used, 0 if argv[0] is not a policy option, -1 after a usage
 * error.
 */
int policy_parse(struct policy_opts *o, struct hvk_port_info *req, int argc, char **argv);
/* Merge partial security/storm changes with @cur, load a filter; prints errors. */
int policy_finish(struct policy_opts *o, struct hvk_port_info *req,
		  const struct hvk_port_info *cur);
bool policy_needs_current(const struct policy_opts *o, const struct hvk_port_info *req);
void print_port_policy(const struct hvk_port_info *p);

/* util.c */
/* Decimal, 0x hex or 0 octal, no sign; 0 or -EINVAL. */
int parse_u64(const char *s, uint64_t max, uint64_t *v);
int parse_u32(const char *s, uint32_t max, uint32_t *v);
/* A process id (1 to the largest pid_t). */
int parse_pid(const char *s, uint32_t *pid);
int parse_on_off(const char *what, const char *s, bool *v);
/*
 * Resolve a device name in our netns; prints the error.  In a dry run only
 * its length is checked (*ifindex = UINT32_MAX): earlier lines of the
 * configuration create switches, and taps appear when their VMs start.
 */
int ifindex_of(const char *name, uint32_t *ifindex);
const char *ifname_of(uint32_t ifindex, char buf[16]);
bool is_help(const char *arg);
/* "off", "on", "unmerge" <-> 0, 1, 2; parse_run reports usage errors (EXIT_USAGE). */
const char *run_name(unsigned int run);
int parse_run(const char *object, const char *s, uint32_t *run);

/* Open the hvk_switch family; prints the error and returns NULL on failure. */
struct hvk_nl *switch_open(const char *context);
/* Close @nl; on failure (@ret != 0) report @err: returns the exit status. */
int finish(const char *context, int ret, struct hvk_nl *nl, const struct hvk_error *err);

/* Printers shared by show (@key NULL: an array element) and monitor. */
struct hvk_mem_region;
void print_mem_region(const struct hvk_mem_region *r, const char *key);
struct hvk_merge_info;
void print_merge(const struct hvk_merge_info *m, const char *key);
void print_switch(const struct hvk_switch_info *sw, const char *key);
void print_port(const struct hvk_port_info *p, const char *key);
void print_fdb(const struct hvk_fdb_entry *e, const char *key);
void print_mirror(const struct hvk_mirror_info *m, const char *key);
const char *vlan_mode_name(unsigned int mode);

/*
 * The arguments of "mirror add" and "fdb add" into a request, for apply to
 * compare with what the kernel has: an exit status, errors printed.
 */
int mirror_parse_add(int argc, char **argv, struct hvk_mirror_info *req);
int fdb_parse_add(int argc, char **argv, struct hvk_fdb_entry *e);

/* Next argument or a usage error, as ip(8)'s NEXT_ARG. */
#define NEXT_ARG(object) do {						\
		argc--, argv++;						\
		if (argc <= 0)						\
			return usage_error(object, "\"%s\" needs an argument", argv[-1]); \
	} while (0)

#endif /* _HVK_TOOL_H */
