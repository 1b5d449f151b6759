/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvk configuration files: hvk commands, one per line, exactly as typed
 * after "hvk" (Documentation/config.md).  "#" at the start of a word
 * comments out the rest of the line, a backslash at the end of a line
 * continues the command on the next, and a word in "..." or '...' may hold
 * spaces or be empty, as ip -batch reads them.  This file only reads and
 * splits; it neither prints nor talks to the kernel, so it is unit-tested
 * on its own.
 */
#ifndef _HVK_TOOL_CONFIG_H
#define _HVK_TOOL_CONFIG_H

#include <stddef.h>
#include <stdio.h>

/* One command and where it starts. */
struct config_line {
	const char *file;	/* as the reader was given it, "-" = stdin */
	unsigned int line;	/* its first physical line, from 1 */
	int argc;
	char **argv;		/* NULL-terminated, each word malloc'ed */
};

/* Reads one file command by command (hvk -batch runs them as they come). */
struct config_reader {
	FILE *f;
	const char *name;
	unsigned int lineno;	/* physical lines read so far */
	char *buf;
	size_t cap;
};

/*
 * Error messages go into @err (@len bytes) as "FILE:LINE: message" or
 * "FILE: message"; the functions return -1 then.
 */
int config_open(struct config_reader *r, const char *path, char *err, size_t len);
/* The next command into @l: 1, 0 at the end of the file, -1 on error. */
int config_next(struct config_reader *r, struct config_line *l, char *err, size_t len);
void config_close(struct config_reader *r);
void config_line_free(struct config_line *l);

/* Every command of a file, or of a directory's *.conf in lexical (byte) order. */
struct config {
	struct config_line *lines;
	size_t n;
	char **files;		/* the names lines[].file point to */
	size_t n_files;
};

int config_load(struct config *c, const char *path, char *err, size_t len);
void config_free(struct config *c);

/*
 * 0 if @l is a command a configuration may hold (switch add|set, port
 * add|set, fdb add, mirror add, merge set, mem set, named in full), else
 * -1 with the reason in @err.
 */
int config_check(const struct config_line *l, char *err, size_t len);

/* @word as it must be written in a file: quoted if empty or holding blanks, "#" or quotes. */
const char *config_quote(const char *word, char *buf, size_t len);
/* "FILE:LINE" of @l into @buf. */
const char *config_where(const struct config_line *l, char *buf, size_t len);
/* The command as one line of words (config_quote()d): malloc'ed, NULL without memory. */
char *config_text(const struct config_line *l);

#endif /* _HVK_TOOL_CONFIG_H */
