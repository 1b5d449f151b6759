// SPDX-License-Identifier: GPL-2.0
/*
 * mergetest: data integrity of hvkmem regions while the merge scanner
 * shares their pages.
 *
 *   mergetest stress DIR REGIONS PAGES SECONDS SEED
 *
 * Each region DIR/rN gets one writer that keeps a private shadow copy and,
 * for SECONDS, writes pages drawn from a small pool of contents (so many
 * are identical and get merged, then written again: copy-on-write) through
 * its MAP_SHARED mapping and with pwrite(), pokes single words into pages,
 * forks children that write through the inherited mapping (the parent
 * replays their writes into the shadow), unmaps and maps again, punches
 * holes and truncates and extends.  A reader process per region keeps a
 * second mapping and reads all of it.  At the end each writer compares the
 * region, through its mapping and with pread(), to its shadow.
 * Prints "ok ops N mismatches 0" or the first mismatches; exit 1 on any.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE 4096
#define POOL 8

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void pool_page(unsigned int k, unsigned char *p)
{
	uint64_t s = 0x9e3779b97f4a7c15ULL * (k + 1);
	size_t i;

	for (i = 0; i < PAGE; i += 8) {
		uint64_t v = rng(&s);

		memcpy(p + i, &v, 8);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One child's writes, reproducible from @seed by the parent. */
static void child_writes(unsigned char *dst, size_t pages, uint64_t seed,
			 unsigned char pool[POOL][PAGE])
{
	int i;

	for (i = 0; i < 16; i++) {
		size_t pg = rng(&seed) % pages;
		unsigned int k = rng(&seed) % POOL;

		memcpy(dst + pg * PAGE, pool[k], PAGE);
		dst[pg * PAGE + rng(&seed) % PAGE] ^= 0x5a;
	}
}

static int writer(const char *path, size_t pages, double seconds, uint64_t seed)
{
	static unsigned char pool[POOL][PAGE];
	size_t len = pages * PAGE, pg, bad = 0;
	unsigned char *map, *shadow, buf[PAGE];
	unsigned long ops = 0;
	double end = now() + seconds;
	int fd, k;

	for (k = 0; k < POOL; k++)
		pool_page(k, pool[k]);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	shadow = calloc(pages, PAGE);
	if (fd < 0 || !shadow || ftruncate(fd, len))
		return perror(path), 1;
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return perror("mmap"), 1;
	/* Start with pool contents everywhere: lots to merge. */
	for (pg = 0; pg < pages; pg++) {
		memcpy(map + pg * PAGE, pool[pg % POOL], PAGE);
		memcpy(shadow + pg * PAGE, pool[pg % POOL], PAGE);
	}
	while (now() < end) {
		unsigned int op = rng(&seed) % 100;

		pg = rng(&seed) % pages;
		k = rng(&seed) % POOL;
		ops++;
		if (op < 40) {		/* a whole page from the pool, mapped */
			memcpy(map + pg * PAGE, pool[k], PAGE);
			memcpy(shadow + pg * PAGE, pool[k], PAGE);
		} else if (op < 60) {	/* one word into a (likely merged) page */
			size_t off = rng(&seed) % (PAGE / 8) * 8;
			uint64_t v = rng(&seed);

			memcpy(map + pg * PAGE + off, &v, 8);
			memcpy(shadow + pg * PAGE + off, &v, 8);
		} else if (op < 75) {	/* pwrite, part of a page */
			size_t off = rng(&seed) % PAGE, n = 1 + rng(&seed) % (PAGE - off);

			if (pwrite(fd, pool[k], n, pg * PAGE + off) != (ssize_t)n)
				return perror("pwrite"), 1;
			memcpy(shadow + pg * PAGE + off, pool[k], n);
		} else if (op < 85) {	/* read back one page */
			if (memcmp(map + pg * PAGE, shadow + pg * PAGE, PAGE)) {
				if (bad++ < 5)
					fprintf(stderr, "%s: page %zu differs (op %lu)\n", path, pg, ops);
			}
		} else if (op < 90) {	/* a child writes through the mapping */
			uint64_t cseed = rng(&seed) | 1;
			pid_t pid = fork();
			int st;

			if (pid == 0) {
				child_writes(map, pages, cseed, pool);
				_exit(0);
			}
			if (pid < 0 || waitpid(pid, &st, 0) != pid || st)
				return fprintf(stderr, "child failed\n"), 1;
			child_writes(shadow, pages, cseed, pool);
		} else if (op < 93) {	/* punch a hole */
			size_t n = 1 + rng(&seed) % 8;

			if (pg + n > pages)
				n = pages - pg;
			if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      pg * PAGE, n * PAGE))
				return perror("punch"), 1;
			memset(shadow + pg * PAGE, 0, n * PAGE);
		} else if (op < 96) {	/* shrink (mid-page) and grow back */
			size_t cut = pg * PAGE + rng(&seed) % PAGE;

			if (ftruncate(fd, cut) || ftruncate(fd, len))
				return perror("truncate"), 1;
			memset(shadow + cut, 0, len - cut);
		} else {		/* unmap, map again */
			if (munmap(map, len))
				return perror("munmap"), 1;
			map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (map == MAP_FAILED)
				return perror("mmap"), 1;
		}
	}
	for (pg = 0; pg < pages; pg++) {
		int m = memcmp(map + pg * PAGE, shadow + pg * PAGE, PAGE);
		int r = pread(fd, buf, PAGE, pg * PAGE) != PAGE ||
			memcmp(buf, shadow + pg * PAGE, PAGE);

		if ((m || r) && bad++ < 10)
			fprintf(stderr, "%s: page %zu differs at the end (%s)\n", path, pg,
				m ? "mapping" : "pread");
	}
	printf("%s: ops %lu mismatches %zu\n", path, ops, bad);
	fflush(stdout);		/* the caller _exit()s */
	return bad != 0;
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Reads through its own mapping; a read past a truncation restarts. */
static void reader(const char *path, size_t pages)
{
	volatile unsigned char sink;
	unsigned char *map;
	size_t i;
	int fd;

	for (;;) {
		fd = open(path, O_RDONLY);
		map = fd < 0 ? MAP_FAILED :
		      mmap(NULL, pages * PAGE, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			usleep(10000);
			continue;
		}
		break;
	}
	signal(SIGBUS, on_bus);
	for (;;) {
		sigsetjmp(bus_jmp, 1);
		for (i = 0; i < pages * PAGE; i += PAGE)
			sink = map[i];
		(void)sink;
		usleep(1000);
	}
}

int main(int argc, char **argv)
{
	unsigned int n, i, fails = 0;
	pid_t w[64], r[64];
	size_t pages;
	char path[4096];
	int st;

	if (argc != 7 || strcmp(argv[1], "stress")) {
		fprintf(stderr, "usage: mergetest stress DIR REGIONS PAGES SECONDS SEED\n");
		return 2;
	}
	n = atoi(argv[3]);
	pages = strtoul(argv[4], NULL, 0);
	if (!n || n > 64 || !pages)
		return 2;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/r%u", argv[2], i);
		w[i] = fork();
		if (!w[i])
			_exit(writer(path, pages, atof(argv[5]), strtoull(argv[6], NULL, 0) + i * 7919));
		r[i] = fork();
		if (!r[i]) {
			reader(path, pages);
			_exit(0);
		}
	}
	for (i = 0; i < n; i++) {
		if (waitpid(w[i], &st, 0) != w[i] || !WIFEXITED(st) || WEXITSTATUS(st))
			fails++;
		kill(r[i], SIGKILL);
		waitpid(r[i], NULL, 0);
	}
	return fails ? 1 : 0;
}
