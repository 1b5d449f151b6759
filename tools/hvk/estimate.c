// SPDX-License-Identifier: GPL-2.0
/*
 * hvk mem estimate: what merging would save, before turning it on.
 *
 * Reads the resident pages of each target read-only: an hvkmem region
 * through pread() over its data ranges (holes are skipped and reading
 * allocates nothing), a process through /proc/PID/pagemap (present pages
 * of its private anonymous mappings, what KSM can merge) and
 * process_vm_readv() of those pages only.  Each page is reduced to a
 * 64-bit hash; identical hashes count as duplicates (no memcmp: a
 * collision among n pages has odds about n^2 / 2^65).  "sample P" keeps
 * the pages whose hash falls in P% of the hash space: every copy of a
 * content is kept or dropped together, so duplicate ratios stay unbiased.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "hvk.h"

#define PAGE 4096
#define BATCH 64

struct entry {
	uint64_t hash;
	uint32_t target;
};

struct target {
	char name[64];
	uint64_t resident, zero, sampled, saved;
};

struct est {
	struct entry *e;
	size_t n, cap;
	uint32_t pct;			/* 1-100 */
	struct target *t;
	size_t nt;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t page_hash(const uint64_t *w, bool *zero)
{
	uint64_t h = 0x243f6a8885a308d3ULL, any = 0;
	size_t i;

	for (i = 0; i < PAGE / 8; i++) {
		any |= w[i];
		h = (h ^ w[i]) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	*zero = !any;
	return mix(h);
}

static int add_page(struct est *s, uint32_t t, const void *page)
{
	bool zero;
	uint64_t h = page_hash(page, &zero);

	s->t[t].resident++;
	if (zero) {
		s->t[t].zero++;
		return 0;
	}
	if (h % 100 >= s->pct)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 65536;
		struct entry *e = realloc(s->e, cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		s->e = e;
		s->cap = cap;
	}
	s->e[s->n].hash = h;
	s->e[s->n++].target = t;
	s->t[t].sampled++;
	return 0;
}

static int read_file(struct est *s, uint32_t t, const char *path)
{
	static uint64_t buf[BATCH * PAGE / 8];
	off_t data = 0, hole, size;
	int fd, ret = 0;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		errmsg("mem estimate: %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	size = st.st_size;
	while (data < size && !ret) {
		data = lseek(fd, data, SEEK_DATA);
		if (data < 0)
			break;		/* ENXIO: no more data */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			hole = size;
		while (data < hole && !ret) {
			size_t want = hole - data < (off_t)sizeof(buf) ? (size_t)(hole - data) : sizeof(buf);
			ssize_t got = pread(fd, buf, want, data);
			ssize_t off;

			if (got <= 0) {
				errmsg("mem estimate: %s: %s", path,
					got ? strerror(errno) : "short read");
				ret = -1;
				break;
			}
			for (off = 0; off + PAGE <= got && !ret; off += PAGE)
				ret = add_page(s, t, (char *)buf + off);
			data += got;
		}
	}
	close(fd);
	return ret;
}

/* Present pages of the private anonymous mappings of @pid. */
static int read_pid(struct est *s, uint32_t t, pid_t pid)
{
	static uint64_t buf[BATCH * PAGE / 8];
	char path[64], line[512];
	int pm, ret = 0;
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = fopen(path, "re");
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	pm = open(path, O_RDONLY | O_CLOEXEC);
	if (!maps || pm < 0) {
		errmsg("mem estimate: pid %d: %s", pid,
			errno == ENOENT ? "no such process" : strerror(errno));
		if (maps)
			fclose(maps);
		if (pm >= 0)
			close(pm);
		return -1;
	}
	while (!ret && fgets(line, sizeof(line), maps)) {
		unsigned long lo, hi, off;
		char perms[8], name[256] = "";
		uint64_t addr;

		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %255s", &lo, &hi, perms, &off, name) < 4)
			continue;
		/* anonymous private memory: no file, or the heap/stack */
		if (perms[3] != 'p' || (name[0] && strcmp(name, "[heap]") && strcmp(name, "[stack]")))
			continue;
		for (addr = lo; addr < hi && !ret; addr += BATCH * PAGE) {
			uint64_t pmap[BATCH];
			size_t n = (hi - addr) / PAGE < BATCH ? (hi - addr) / PAGE : BATCH, i;
			struct iovec local[BATCH], remote[BATCH];
			size_t nv = 0;
			ssize_t got;

			if (pread(pm, pmap, n * 8, addr / PAGE * 8) != (ssize_t)(n * 8))
				break;
			for (i = 0; i < n; i++) {
				if (!(pmap[i] >> 63))	/* present */
					continue;
				local[nv] = (struct iovec){ (char *)buf + nv * PAGE, PAGE };
				remote[nv++] = (struct iovec){ (void *)(uintptr_t)(addr + i * PAGE), PAGE };
			}
			if (!nv)
				continue;
			got = process_vm_readv(pid, local, nv, remote, nv, 0);
			if (got < 0) {
				errmsg("mem estimate: pid %d: %s", pid,
					strerror(errno));
				ret = -1;
				break;
			}
			for (i = 0; i < (size_t)got / PAGE && !ret; i++)
				ret = add_page(s, t, (char *)buf + i * PAGE);
		}
	}
	fclose(maps);
	close(pm);
	return ret;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->target > y->target) - (x->target < y->target);
}

static void print_saving(const char *key, const char *label, uint64_t pages, uint64_t resident)
{
	char buf[32];

	print_open_object(key);
	print_u64(PRINT_JSON, "saved_pages", NULL, pages);
	print_u64(PRINT_JSON, "saved_bytes", NULL, pages * PAGE);
	print_double(PRINT_JSON, "ratio", NULL, resident ? (double)pages / resident : 0);
	print_string(PRINT_FP, NULL, "%s", label);
	print_string(PRINT_FP, NULL, " saves %s", format_size(pages * PAGE, buf, sizeof(buf)));
	print_double(PRINT_FP, NULL, " (%.1f%% of resident)",
		     resident ? 100.0 * pages / resident : 0);
	print_nl();
	print_close_object();
}

int mem_estimate(int argc, char **argv)
{
	struct est s = { .pct = 100 };
	uint64_t resident = 0, own = 0, one = 0, zero = 0;
	size_t i, j;
	int ret = 0;

	s.t = calloc(argc ? argc : 1, sizeof(*s.t));
	if (!s.t)
		return EXIT_FAILED;
	for (i = 0; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "sample")) {
			if (++i == (size_t)argc || parse_u32(argv[i], 100, &s.pct) || !s.pct) {
				free(s.t);
				return usage_error("mem", "sample takes a percentage 1-100");
			}
		} else if (!strcmp(argv[i], "pid")) {
			uint32_t pid;

			if (++i == (size_t)argc || parse_pid(argv[i], &pid)) {
				free(s.t);
				return usage_error("mem", "pid takes a process id");
			}
			snprintf(s.t[s.nt].name, sizeof(s.t[s.nt].name), "pid %u", pid);
			ret = read_pid(&s, s.nt++, pid);
		} else {
			snprintf(s.t[s.nt].name, sizeof(s.t[s.nt].name), "%s", argv[i]);
			ret = read_file(&s, s.nt++, argv[i]);
		}
		if (ret)
			break;
	}
	if (!ret && !s.nt) {
		free(s.t);
		return usage_error("mem", "mem estimate needs pid PID or PATH");
	}
	if (ret) {
		free(s.t);
		free(s.e);
		return EXIT_FAILED;
	}
	qsort(s.e, s.n, sizeof(*s.e), cmp_entry);
	for (i = 0; i < s.n; i = j) {
		for (j = i + 1; j < s.n && s.e[j].hash == s.e[i].hash; j++)
			if (s.e[j].target == s.e[j - 1].target)
				s.t[s.e[j].target].saved++;	/* another copy, same target */
		one += j - i - 1;
	}
	print_open_object(NULL);
	print_u64(PRINT_ANY, "sample_percent", "sampled %" PRIu64 "%% of the hash space\n", s.pct);
	print_open_array("targets");
	for (i = 0; i < s.nt; i++) {
		struct target *t = &s.t[i];
		/* duplicates within the target, scaled up from the sample */
		uint64_t dup = t->saved * 100 / s.pct;
		char buf[32];

		print_open_object(NULL);
		print_string(PRINT_ANY, "target", "%s:", t->name);
		print_u64(PRINT_ANY, "resident_pages", " resident %" PRIu64, t->resident);
		print_u64(PRINT_ANY, "zero_pages", " zero %" PRIu64, t->zero);
		print_u64(PRINT_ANY, "duplicate_pages", " duplicate %" PRIu64, dup);
		print_u64(PRINT_JSON, "saved_pages", NULL, dup + t->zero);
		print_string(PRINT_FP, NULL, " saves %s",
			     format_size((dup + t->zero) * PAGE, buf, sizeof(buf)));
		print_double(PRINT_ANY, "ratio", " (%.1f%%)",
			     t->resident ? 100.0 * (dup + t->zero) / t->resident : 0);
		print_nl();
		print_close_object();
		resident += t->resident;
		zero += t->zero;
		own += dup + t->zero;
	}
	print_close_array();
	one = one * 100 / s.pct + zero;
	print_u64(PRINT_ANY, "resident_pages", "total resident %" PRIu64 " pages\n", resident);
	print_saving("own_domains", "each in its own domain (the default)", own, resident);
	print_saving("one_domain", "all in one domain", one, resident);
	print_u64(PRINT_ANY, "between_pages", "between targets %" PRIu64 " pages more\n",
		  one - own);
	print_close_object();
	free(s.t);
	free(s.e);
	return EXIT_OK;
}
