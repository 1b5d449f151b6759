/* SPDX-License-Identifier: GPL-2.0 */
/* The hvk command: shared declarations of its objects. */
#ifndef _HVK_TOOL_H
#define _HVK_TOOL_H

#include <stdbool.h>
#include <hvk/hvk.h>

#include "print.h"

/* Exit status: the CLI contract in Documentation/hvk.8.md. */
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

/* true if @arg is a non-empty prefix of @name. */
bool matches(const char *arg, const char *name);

/* "hvk: CONTEXT: message" on stderr, with the kernel's extack details. */
void report_error(const char *context, const struct hvk_error *err);
/* A usage error: "hvk: message" and the hint, returns EXIT_USAGE. */
int usage_error(const char *object, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int do_version(int argc, char **argv);

#endif /* _HVK_TOOL_H */
