// SPDX-License-Identifier: GPL-2.0
/*
 * hvk -batch FILE [-force]: run each command of FILE in this process, as
 * ip -batch does; every message of a command names FILE:LINE.  Without
 * -force the first failing command ends the run with its exit status;
 * with it the run goes on and ends with EXIT_FAILED if any command failed.
 */
#include <stdio.h>

#include "hvk.h"
#include "config.h"

/* One command: its exit status, or EXIT_USAGE for a line that does not split. */
static int run_next(struct config_reader *r, int got, struct config_line *l, const char *err)
{
	char where[4096 + 16];
	int ret;

	if (got < 0) {
		fprintf(stderr, "hvk: %s\n", err);
		return ferror(r->f) ? EXIT_FAILED : EXIT_USAGE;
	}
	cmd_location = config_where(l, where, sizeof(where));
	ret = hvk_run(l->argc, l->argv);
	cmd_location = NULL;
	config_line_free(l);
	return ret;
}

int run_batch(const char *path, bool force)
{
	struct config_reader r;
	struct config_line l;
	int got, ret, status = EXIT_OK;
	char err[4096 + 256];

	if (config_open(&r, path, err, sizeof(err))) {
		fprintf(stderr, "hvk: %s\n", err);
		return EXIT_FAILED;
	}
	/*
	 * -j: one JSON document, an array holding what each command printed
	 * (commands that print nothing, such as add and set, add nothing).
	 */
	print_open_array(NULL);
	while ((got = config_next(&r, &l, err, sizeof(err))) != 0) {
		ret = run_next(&r, got, &l, err);
		if (ret == EXIT_OK)
			continue;
		status = force ? EXIT_FAILED : ret;
		if (!force || ferror(r.f))
			break;
	}
	print_close_array();
	config_close(&r);
	return status;
}
