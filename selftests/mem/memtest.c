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
 *   memtest paths PATH
 *	Every way a write-protected PTE can become writable again, or a page
 *	can be written without a new fault, after a clearing get has
 *	protected it: mprotect cycles, PROT_NONE, a forked child's inherited
 *	mapping, mremap, MADV_DONTNEED, soft-dirty clear_refs, userfaultfd,
 *	/proc/PID/mem, a MAP_PRIVATE mapping's copy-on-write.  Each case
 *	writes known pages and checks the next bitmap holds exactly those.
 *	Prints one "ok|not ok CASE" line per case; exits 1 if any failed.
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>
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
		if (map)
			map[page * (PAGE / 8) + word] = v;
		else if (pwrite(fd, &v, sizeof(v), page * PAGE + word * 8) != sizeof(v))
			die("pwrite: %s", strerror(errno));
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

/* ---- paths ---- */

#define PATHS_PAGES 64

struct pcase {
	int fd;
	volatile uint8_t *map;
	uint64_t want;		/* pages the case writes to the file */
	const char *why;	/* set when the case itself could not run */
};

/*
 * Start from the state that hides writes if the module gets it wrong: every
 * page mapped, written (PTEs writable and dirty), then taken by a clearing
 * get, which must leave each PTE unable to write without a new fault.
 */
static void paths_arm(struct pcase *c)
{
	uint64_t bm, dirty;
	struct hvk_error err;
	int i;

	for (i = 0; i < PATHS_PAGES; i++)
		c->map[i * PAGE] = 1;
	if (hvk_mem_log_get(c->fd, 0, PATHS_PAGES, &bm, sizeof(bm), true, &dirty, &err))
		die("get: %s", err.msg);
	c->want = 0;
}

static void pwrite_map(struct pcase *c, int page)
{
	c->map[page * PAGE + 8]++;
	c->want |= 1ull << page;
}

static void case_mprotect(struct pcase *c)
{
	if (mprotect((void *)c->map, PATHS_PAGES * PAGE, PROT_READ) ||
	    mprotect((void *)c->map, PATHS_PAGES * PAGE, PROT_READ | PROT_WRITE))
		die("mprotect: %s", strerror(errno));
	pwrite_map(c, 3);
	pwrite_map(c, 40);
}

/* A PTE made read-only by mprotect while dirty, then taken by a get. */
static void case_readonly_taken(struct pcase *c)
{
	struct hvk_error err;
	uint64_t bm, dirty;

	c->map[44 * PAGE]++;
	if (mprotect((void *)c->map, PATHS_PAGES * PAGE, PROT_READ))
		die("mprotect: %s", strerror(errno));
	if (hvk_mem_log_get(c->fd, 0, PATHS_PAGES, &bm, sizeof(bm), true, &dirty, &err))
		die("get: %s", err.msg);
	if (bm != 1ull << 44)
		die("read-only get: %#" PRIx64, bm);
	if (mprotect((void *)c->map, PATHS_PAGES * PAGE, PROT_READ | PROT_WRITE))
		die("mprotect: %s", strerror(errno));
	pwrite_map(c, 44);
}

static void case_prot_none(struct pcase *c)
{
	if (mprotect((void *)c->map, PATHS_PAGES * PAGE, PROT_NONE) ||
	    mprotect((void *)c->map, PATHS_PAGES * PAGE, PROT_READ | PROT_WRITE))
		die("mprotect: %s", strerror(errno));
	pwrite_map(c, 5);
}

static void case_mprotect_half(struct pcase *c)
{
	/* splits the VMA: the list must follow both halves */
	if (mprotect((void *)c->map, 16 * PAGE, PROT_READ) ||
	    mprotect((void *)c->map, 16 * PAGE, PROT_READ | PROT_WRITE))
		die("mprotect: %s", strerror(errno));
	pwrite_map(c, 2);
	pwrite_map(c, 20);
}

static void case_fork(struct pcase *c)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		c->map[9 * PAGE]++;	/* the inherited mapping */
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("fork child failed");
	c->want |= 1ull << 9;
}

static void case_mremap(struct pcase *c)
{
	void *to = mmap(NULL, PATHS_PAGES * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *m;

	if (to == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	m = mremap((void *)c->map, PATHS_PAGES * PAGE, PATHS_PAGES * PAGE,
		   MREMAP_MAYMOVE | MREMAP_FIXED, to);
	if (m == MAP_FAILED)
		die("mremap: %s", strerror(errno));
	c->map = m;
	pwrite_map(c, 11);
}

static void case_dontneed(struct pcase *c)
{
	if (madvise((void *)c->map, PATHS_PAGES * PAGE, MADV_DONTNEED))
		die("madvise: %s", strerror(errno));
	pwrite_map(c, 13);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static void case_clear_refs(struct pcase *c)
{
	/* 4: soft-dirty clear, which rewrites every PTE; 1: referenced bits */
	if (write_file("/proc/self/clear_refs", "4") ||
	    write_file("/proc/self/clear_refs", "1")) {
		c->why = "clear_refs not writable";
		return;
	}
	pwrite_map(c, 17);
}

static void case_uffd(struct pcase *c)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { (uintptr_t)c->map, PATHS_PAGES * PAGE },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd < 0 || ioctl(fd, UFFDIO_API, &api)) {
		c->why = "no userfaultfd";
		if (fd >= 0)
			close(fd);
		return;
	}
	/* Write-protect tracking by another party would hide writes from us. */
	if (!ioctl(fd, UFFDIO_REGISTER, &reg)) {
		struct uffdio_writeprotect wp = {
			.range = reg.range, .mode = 0,	/* un-protect: writable */
		};

		ioctl(fd, UFFDIO_WRITEPROTECT, &wp);
	}
	reg.mode = UFFDIO_REGISTER_MODE_MINOR;
	ioctl(fd, UFFDIO_REGISTER, &reg);
	close(fd);
	pwrite_map(c, 23);
}

static void case_proc_mem(struct pcase *c)
{
	uint8_t v = 0x5a;
	int fd = open("/proc/self/mem", O_RDWR);

	if (fd < 0 || pwrite(fd, &v, 1, (uintptr_t)c->map + 29 * PAGE + 100) != 1)
		die("/proc/self/mem: %s", strerror(errno));
	close(fd);
	c->want |= 1ull << 29;
}

static void case_private_cow(struct pcase *c)
{
	volatile uint8_t *p = mmap(NULL, PATHS_PAGES * PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, c->fd, 0);
	pid_t pid;
	int st;

	if (p == MAP_FAILED)
		die("mmap private: %s", strerror(errno));
	(void)p[31 * PAGE];
	p[31 * PAGE] = 0x77;		/* a private copy: the file is unchanged */
	pid = fork();
	if (pid == 0) {
		p[33 * PAGE] = 0x77;	/* the child's own copy-on-write */
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("fork child failed");
	munmap((void *)p, PATHS_PAGES * PAGE);
	pwrite_map(c, 35);		/* while the shared page has been COWed */
}

static int do_paths(const char *path)
{
	static const struct {
		const char *name;
		void (*run)(struct pcase *c);
	} cases[] = {
		{ "mprotect read-only, then read-write", case_mprotect },
		{ "mprotect PROT_NONE, then read-write", case_prot_none },
		{ "a page taken while mprotect made it read-only", case_readonly_taken },
		{ "mprotect of part of the mapping (VMA split)", case_mprotect_half },
		{ "a forked child writes through the inherited mapping", case_fork },
		{ "mremap to a new address", case_mremap },
		{ "MADV_DONTNEED, then a refault", case_dontneed },
		{ "soft-dirty and referenced clear_refs", case_clear_refs },
		{ "userfaultfd write-protect/minor registration", case_uffd },
		{ "a write through /proc/self/mem", case_proc_mem },
		{ "a MAP_PRIVATE mapping's copy-on-write (parent and child)", case_private_cow },
	};
	struct hvk_error err;
	int failed = 0;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pcase c = { 0 };
		uint64_t bm = 0, dirty;

		c.fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (c.fd < 0 || ftruncate(c.fd, PATHS_PAGES * PAGE))
			die("%s: %s", path, strerror(errno));
		c.map = mmap(NULL, PATHS_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, c.fd, 0);
		if (c.map == MAP_FAILED)
			die("mmap: %s", strerror(errno));
		if (hvk_mem_log_start(c.fd, 0, &err))
			die("log start: %s", err.msg);
		paths_arm(&c);
		cases[i].run(&c);
		if (hvk_mem_log_get(c.fd, 0, PATHS_PAGES, &bm, sizeof(bm), true, &dirty, &err))
			die("get: %s", err.msg);
		if (c.why) {
			printf("ok %s # SKIP %s\n", cases[i].name, c.why);
		} else if (bm != c.want) {
			printf("not ok %s: reported %#" PRIx64 ", written %#" PRIx64 "\n",
			       cases[i].name, bm, c.want);
			failed++;
		} else {
			printf("ok %s\n", cases[i].name);
		}
		munmap((void *)c.map, PATHS_PAGES * PAGE);
		close(c.fd);
	}
	return failed ? 1 : 0;
}

/* ---- writer ---- */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* @path mapped shared, whole; its size in pages in *@npages. */
static volatile uint64_t *map_whole(const char *path, uint64_t *npages)
{
	volatile uint64_t *map;
	struct stat st;
	int fd = open(path, O_RDWR);

	if (fd < 0 || fstat(fd, &st))
		die("%s: %s", path, strerror(errno));
	*npages = st.st_size / PAGE;
	if (!*npages)
		die("%s is empty", path);
	map = mmap(NULL, *npages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	close(fd);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	return map;
}

static int do_writer(const char *path, double rate, uint64_t seed)
{
	uint64_t npages, n = 0;
	volatile uint64_t *map = map_whole(path, &npages);
	double t0;

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

/*
 * Write every page with what it holds, in turn, until SIGTERM: each write
 * after a write-protection is a write notification, and nothing changes.
 */
static int do_rewriter(const char *path)
{
	uint64_t npages, page;
	volatile uint64_t *map = map_whole(path, &npages);

	while (!stop)
		for (page = 0; page < npages && !stop; page++)
			map[page * (PAGE / 8)] = map[page * (PAGE / 8)];
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "exact"))
		return do_exact(argv[2], strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "paths"))
		return do_paths(argv[2]);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "writer"))
		return do_writer(argv[2], strtod(argv[3], NULL),
				 argc == 5 ? strtoull(argv[4], NULL, 0) : (uint64_t)getpid());
	if (argc == 3 && !strcmp(argv[1], "rewriter"))
		return do_rewriter(argv[2]);
	fputs("usage: memtest exact PATH PAGES WRITES | paths PATH | writer PATH PAGES_PER_SEC [SEED] | rewriter PATH\n",
	      stderr);
	return 2;
}
