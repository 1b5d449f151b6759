// SPDX-License-Identifier: GPL-2.0
/*
 * memtest: the hvkmem suites' workload driver.
 *
 *   memtest exact PATH PAGES WRITES
 *	Dirty-log exactness: two processes store through MAP_SHARED mappings
 *	and a third pwrite()s, WRITES random pages in all, while we loop
 *	clearing gets.  Every write that falls between two gets must be in the
 *	second bitmap; a write that overlaps gets must be in one of theirs.
 *	Prints "writes W gets G missed M extra E" and exits 1 if M > 0.
 *   memtest writer PATH PAGES_PER_SEC [SEED]
 *	Store into random pages of a MAP_SHARED mapping at a steady rate
 *	until SIGTERM (migration tests and the demo).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <hvk/hvk.h>
#include <hvk/mem.h>

#define PAGE 4096u

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("memtest: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
	va_end(ap);
	exit(2);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- exact ---- */

struct rec {
	uint32_t page;
	uint32_t s, t;	/* gets done before the write, gets started after it */
};

struct shared {
	_Atomic uint32_t started, done;
	_Atomic uint32_t writers_left;
};

static void writer_proc(int id, const char *path, uint64_t npages, uint64_t n,
			struct shared *sh, struct rec *log)
{
	uint64_t seed = 0x1234567ull * (id + 1), i;
	volatile uint64_t *map = NULL;
	int fd = open(path, O_RDWR);

	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (id < 2) {
		map = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			die("mmap: %s", strerror(errno));
	}
	for (i = 0; i < n; i++) {
		uint64_t page = rnd(&seed) % npages, word = rnd(&seed) % (PAGE / 8);
		uint64_t v = (uint64_t)id << 56 | i;

		log[i].page = page;
		log[i].s = atomic_load(&sh->done);
		if (map) {
			map[page * (PAGE / 8) + word] = v;
		} else if (pwrite(fd, &v, sizeof(v), page * PAGE + word * 8) != sizeof(v)) {
			die("pwrite: %s", strerror(errno));
		}
		atomic_thread_fence(memory_order_seq_cst);
		log[i].t = atomic_load(&sh->started);
	}
	atomic_fetch_sub(&sh->writers_left, 1);
	_exit(0);
}

static bool bit(const uint64_t *bm, uint64_t p)
{
	return bm[p / 64] >> (p % 64) & 1;
}

static int do_exact(const char *path, uint64_t npages, uint64_t writes)
{
	uint64_t words = (npages + 63) / 64, per = writes / 3, missed = 0, extra = 0;
	uint64_t gets = 0, cap = 1024, i, w, dirty;
	struct hvk_error err;
	struct shared *sh;
	struct rec *logs;
	uint64_t *bms;	/* bitmap j at bms + j * words; j = 1.. */
	uint8_t *written;
	int fd, k;

	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, npages * PAGE))
		die("%s: %s", path, strerror(errno));
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	logs = mmap(NULL, 3 * per * sizeof(*logs), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	bms = calloc(cap * words, 8);
	if (sh == MAP_FAILED || logs == MAP_FAILED || !bms)
		die("out of memory");
	if (hvk_mem_log_start(fd, 0, &err))
		die("%s", err.msg);
	sh->writers_left = 3;
	for (k = 0; k < 3; k++)
		if (fork() == 0)
			writer_proc(k, path, npages, per, sh, logs + k * per);
	for (;;) {
		bool last = atomic_load(&sh->writers_left) == 0;

		if (++gets >= cap) {
			bms = realloc(bms, 2 * cap * words * 8);
			if (!bms)
				die("out of memory");
			memset(bms + cap * words, 0, cap * words * 8);
			cap *= 2;
		}
		atomic_store(&sh->started, gets);
		if (hvk_mem_log_get(fd, 0, npages, bms + gets * words, words * 8, true,
				    &dirty, &err))
			die("%s", err.msg);
		atomic_store(&sh->done, gets);
		if (last)
			break;
	}
	while (wait(&k) > 0)
		if (!WIFEXITED(k) || WEXITSTATUS(k))
			die("a writer failed");
	/* Each write must be in bitmap s+1 (no overlap) or one of s+1..t+1. */
	written = calloc(gets + 1, words * 8);
	if (!written)
		die("out of memory");
	for (i = 0; i < 3 * per; i++) {
		const struct rec *r = &logs[i];
		uint32_t j;
		bool found = false;

		for (j = r->s + 1; j <= r->t + 1 && j <= gets; j++) {
			if (bit(bms + j * words, r->page)) {
				found = true;
				break;
			}
		}
		if (!found) {
			if (missed < 5)
				fprintf(stderr, "missed: page %u written after get %u, before get %u started\n",
					r->page, r->s, r->t + 1);
			missed++;
		}
		for (j = r->s + 1; j <= r->t + 1 && j <= gets; j++)
			written[j * words * 8 + r->page / 8] |= 1 << (r->page % 8);
	}
	/* Extra: reported pages that no write can explain (should be none). */
	for (i = 1; i <= gets; i++)
		for (w = 0; w < npages; w++)
			if (bit(bms + i * words, w) &&
			    !(written[i * words * 8 + w / 8] >> (w % 8) & 1))
				extra++;
	printf("writes %" PRIu64 " gets %" PRIu64 " missed %" PRIu64 " extra %" PRIu64 "\n",
	       3 * per, gets, missed, extra);
	free(written);
	free(bms);
	return missed ? 1 : 0;
}

/* ---- writer ---- */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int do_writer(const char *path, double rate, uint64_t seed)
{
	struct stat st;
	volatile uint64_t *map;
	uint64_t npages, n = 0;
	double t0;
	int fd = open(path, O_RDWR);

	if (fd < 0 || fstat(fd, &st))
		die("%s: %s", path, strerror(errno));
	npages = st.st_size / PAGE;
	if (!npages)
		die("%s is empty", path);
	map = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	seed |= 1;
	t0 = now_s();
	while (!stop) {
		uint64_t page = rnd(&seed) % npages;

		map[page * (PAGE / 8) + rnd(&seed) % (PAGE / 8)] = rnd(&seed);
		n++;
		if (rate > 0 && n % 16 == 0) {
			double ahead = n / rate - (now_s() - t0);

			if (ahead > 0.001)
				usleep((useconds_t)(ahead * 1e6));
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "exact"))
		return do_exact(argv[2], strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "writer"))
		return do_writer(argv[2], strtod(argv[3], NULL),
				 argc == 5 ? strtoull(argv[4], NULL, 0) : (uint64_t)getpid());
	fputs("usage: memtest exact PATH PAGES WRITES | writer PATH PAGES_PER_SEC [SEED]\n", stderr);
	return 2;
}
