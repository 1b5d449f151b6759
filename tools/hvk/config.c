// SPDX-License-Identifier: GPL-2.0
/* hvk: reading configuration and batch files into commands; see config.h. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char blanks[] = " \t\r\n";

int config_open(struct config_reader *r, const char *path, char *err, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->name = path;
	r->f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!r->f) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void config_close(struct config_reader *r)
{
	if (r->f && r->f != stdin)
		fclose(r->f);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

void config_line_free(struct config_line *l)
{
	int i;

	for (i = 0; i < l->argc; i++)
		free(l->argv[i]);
	free(l->argv);
	l->argv = NULL;
	l->argc = 0;
}

static int add_word(struct config_line *l, const char *s, size_t n)
{
	char **argv = realloc(l->argv, (l->argc + 2) * sizeof(*argv));

	if (!argv)
		return -1;
	l->argv = argv;
	argv[l->argc] = strndup(s, n);
	if (!argv[l->argc])
		return -1;
	argv[++l->argc] = NULL;
	return 0;
}

/*
 * Add the words of one physical line to @l; *more when it ends in a
 * backslash.  NULL, or what is wrong with the line.
 */
static const char *split_line(const char *s, struct config_line *l, bool *more)
{
	size_t n;

	*more = false;
	for (;;) {
		s += strspn(s, blanks);
		if (!*s || *s == '#')
			return NULL;
		if (*s == '"' || *s == '\'') {
			const char *end = strchr(s + 1, *s);

			if (!end)
				return "unterminated quoted string";
			if (end[1] && !strchr(blanks, end[1]))
				return "a quoted word must end at its closing quote";
			if (add_word(l, s + 1, end - s - 1))
				return "out of memory";
			s = end + 1;
			continue;
		}
		n = strcspn(s, blanks);
		if (s[n - 1] == '\\' && !s[n + strspn(s + n, blanks)]) {
			*more = true;
			if (n > 1 && add_word(l, s, n - 1))
				return "out of memory";
			return NULL;
		}
		if (add_word(l, s, n))
			return "out of memory";
		s += n;
	}
}

int config_next(struct config_reader *r, struct config_line *l, char *err, size_t len)
{
	const char *why;
	bool more;

	memset(l, 0, sizeof(*l));
	l->file = r->name;
	while (getline(&r->buf, &r->cap, r->f) >= 0) {
		r->lineno++;
		if (!l->argc)
			l->line = r->lineno;
		why = split_line(r->buf, l, &more);
		if (why) {
			snprintf(err, len, "%s:%u: %s", r->name, r->lineno, why);
			config_line_free(l);
			return -1;
		}
		if (l->argc && !more)
			return 1;
	}
	if (ferror(r->f)) {
		snprintf(err, len, "%s: %s", r->name, strerror(errno));
		config_line_free(l);
		return -1;
	}
	/* A backslash on the last line ends the command there. */
	return l->argc ? 1 : 0;
}

static int load_file(struct config *c, const char *path, char *err, size_t len)
{
	struct config_reader r;
	struct config_line l, *lines;
	char **files, *name;
	int ret;

	files = realloc(c->files, (c->n_files + 1) * sizeof(*files));
	if (!files)
		goto nomem;
	c->files = files;
	name = strdup(path);
	if (!name)
		goto nomem;
	files[c->n_files++] = name;
	if (config_open(&r, name, err, len))
		return -1;
	while ((ret = config_next(&r, &l, err, len)) > 0) {
		lines = realloc(c->lines, (c->n + 1) * sizeof(*lines));
		if (!lines) {
			config_line_free(&l);
			config_close(&r);
			goto nomem;
		}
		c->lines = lines;
		lines[c->n++] = l;
	}
	config_close(&r);
	return ret;
nomem:
	snprintf(err, len, "%s: out of memory", path);
	return -1;
}

static int conf_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	/* "*.conf" as the shell globs it: no hidden files. */
	return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".conf");
}

/* Byte order, whatever the locale: the order files apply in never changes. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int load_dir(struct config *c, const char *dir, char *err, size_t len)
{
	struct dirent **names;
	int n, i, ret = 0;
	char *path;

	n = scandir(dir, &names, conf_name, by_name);
	if (n < 0) {
		snprintf(err, len, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!ret && asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0) {
			snprintf(err, len, "%s: out of memory", dir);
			ret = -1;
		} else if (!ret) {
			ret = load_file(c, path, err, len);
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int config_load(struct config *c, const char *path, char *err, size_t len)
{
	DIR *d;

	memset(c, 0, sizeof(*c));
	d = strcmp(path, "-") ? opendir(path) : NULL;
	if (d) {
		closedir(d);
		return load_dir(c, path, err, len);
	}
	return load_file(c, path, err, len);
}

void config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		config_line_free(&c->lines[i]);
	for (i = 0; i < c->n_files; i++)
		free(c->files[i]);
	free(c->lines);
	free(c->files);
	memset(c, 0, sizeof(*c));
}

int config_check(const struct config_line *l, char *err, size_t len)
{
	static const char *const allowed[][2] = {
		{ "switch", "add" }, { "switch", "set" }, { "port", "add" }, { "port", "set" },
		{ "fdb", "add" }, { "mirror", "add" }, { "merge", "set" }, { "mem", "set" },
	};
	static const char hint[] =
		"switch add|set, port add|set, fdb add, mirror add, merge set, mem set, in full";
	size_t i;

	for (i = 0; l->argc >= 2 && i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (!strcmp(l->argv[0], allowed[i][0]) && !strcmp(l->argv[1], allowed[i][1]))
			return 0;
	snprintf(err, len, "%s:%u: \"hvk %s%s%s\" is not a configuration command (%s)",
		 l->file, l->line, l->argv[0], l->argc > 1 ? " " : "", l->argc > 1 ? l->argv[1] : "",
		 hint);
	return -1;
}

const char *config_quote(const char *word, char *buf, size_t len)
{
	if (*word && !word[strcspn(word, " \t\r\n#\"'")])
		return word;
	snprintf(buf, len, strchr(word, '"') ? "'%s'" : "\"%s\"", word);
	return buf;
}

const char *config_where(const struct config_line *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%u", l->file, l->line);
	return buf;
}

char *config_text(const struct config_line *l)
{
	size_t size = 1, off = 0;
	char *text, *buf;
	int i;

	for (i = 0; i < l->argc; i++)
		size += strlen(l->argv[i]) + 3;
	text = malloc(size);
	buf = malloc(size);
	if (!text || !buf) {
		free(text);
		free(buf);
		return NULL;
	}
	text[0] = '\0';
	for (i = 0; i < l->argc; i++)
		off += snprintf(text + off, size - off, "%s%s", i ? " " : "",
				config_quote(l->argv[i], buf, size));
	free(buf);
	return text;
}
