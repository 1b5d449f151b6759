// SPDX-License-Identifier: GPL-2.0
/*
 * iocfuzz: fuzz the dirty-log ioctls of an hvkmem region under churn.
 *
 *   iocfuzz PATH N [SEED]
 *
 * Two fuzzing processes issue N ioctls each on PATH: the documented ones with
 * random fields (ranges at and past the edges, bad and unmapped pointers,
 * short bitmaps, unknown flags), the same numbers with the wrong size or
 * direction, and unknown numbers of the magic, on fds that are reopened,
 * duplicated and opened read-only as they go (reopening releases a log's
 * ownership).  Meanwhile three children churn the file: pwrite() within and
 * past the end, ftruncate(), PUNCH_HOLE and allocating fallocate(), and
 * MAP_SHARED mappings that are written, mprotect()ed, MADV_DONTNEED'd and
 * unmapped (SIGBUS past the end is expected and survived).
 *
 * Checked: every ioctl returns 0 or an errno of Documentation/mem-ioctl.md's
 * table; a successful LOG_GET's dirty count equals the bits it wrote and no
 * bit lies past num_pages; INFO's page size is the page size.  Kernel
 * complaints are the guest harness's to catch.  Prints one summary line per
 * fuzzer; exits 1 on a violation, with the seed that reproduces it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/falloc.h>
#include <linux/hvk_mem.h>

#define PAGE 4096ull
#define MAX_PAGES 2048ull		/* the file grows to at most 8 MiB */
#define BM_WORDS (MAX_PAGES / 64 + 8)

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t pick(uint64_t *s, const uint64_t *v, size_t n)
{
	return v[rnd(s) % n];
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* ---- churn ---- */

/* The churner's state outlives its siglongjmp()s. */
static uint64_t churn_seed;

static void churn(const char *path, int kind, uint64_t start)
{
	int fd = open(path, O_RDWR);
	char buf[PAGE];

	if (fd < 0)
		_exit(2);
	churn_seed = start | 1;
	memset(buf, 0x5a, sizeof(buf));
	signal(SIGBUS, on_bus);
	for (;;) {
		uint64_t a = rnd(&churn_seed) % MAX_PAGES, b = 1 + rnd(&churn_seed) % 64;

		switch (kind) {
		case 0:
			if (pwrite(fd, buf, 1 + rnd(&churn_seed) % PAGE, a * PAGE + rnd(&churn_seed) % PAGE) < 0 &&
			    errno != EBUSY && errno != ENOSPC && errno != EFBIG)
				_exit(3);
			break;
		case 1:
			switch (rnd(&churn_seed) % 3) {
			case 0:
				if (ftruncate(fd, a * PAGE + rnd(&churn_seed) % 2 * 100) && errno != EBUSY)
					_exit(4);
				break;
			case 1:
				fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					  a * PAGE, b * PAGE);
				break;
			default:
				fallocate(fd, FALLOC_FL_KEEP_SIZE, a * PAGE, b * PAGE);
			}
			usleep(200);
			break;
		default: {
			struct stat st;
			volatile char *m;
			uint64_t len, i;

			if (fstat(fd, &st) || st.st_size < (off_t)PAGE) {
				usleep(100);
				break;
			}
			len = (1 + rnd(&churn_seed) % (st.st_size / PAGE)) * PAGE;
			m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (m == MAP_FAILED)
				_exit(5);
			if (!sigsetjmp(bus_jmp, 1)) {
				for (i = 0; i < 32; i++)
					m[rnd(&churn_seed) % len] = (char)i;
				mprotect((void *)m, len, PROT_READ);
				mprotect((void *)m, len, PROT_READ | PROT_WRITE);
				m[rnd(&churn_seed) % len] = 1;
				madvise((void *)m, len / 2, MADV_DONTNEED);
				m[rnd(&churn_seed) % len] = 2;
			}
			munmap((void *)m, len);
		}
		}
	}
}

/* ---- the fuzzer ---- */

struct fz {
	const char *path;
	uint64_t seed;
	int fd[4];
	uint64_t *bm;		/* BM_WORDS words, then an unmapped page */
	uint64_t calls, ok, errs[160];
};

static bool documented(int e)
{
	switch (e) {
	case ENOTTY: case EBADF: case ENOENT: case EBUSY: case EINVAL: case ERANGE:
	case ENOBUFS: case EOPNOTSUPP: case EFAULT: case EFBIG: case ENOMEM: case EINTR:
		return true;
	}
	return false;
}

static int violation(struct fz *f, const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "iocfuzz: seed %" PRIu64 " call %" PRIu64 ": %s (%" PRIu64 ", %" PRIu64 ")\n",
		f->seed, f->calls, what, a, b);
	return 1;
}

static void reopen(struct fz *f, int i)
{
	static const int modes[] = { O_RDWR, O_RDWR, O_RDONLY, O_WRONLY };

	if (f->fd[i] >= 0)
		close(f->fd[i]);
	if (i == 3 && f->fd[0] >= 0)
		f->fd[i] = dup(f->fd[0]);
	else
		f->fd[i] = open(f->path, modes[i]);
}

static uint64_t user_ptr(struct fz *f)
{
	uint64_t *s = &f->seed;
	uint64_t end = (uint64_t)(uintptr_t)(f->bm + BM_WORDS);

	switch (rnd(s) % 10) {
	case 0: return 0;
	case 1: return 1;
	case 2: return end;				/* unmapped */
	case 3: return end - 8 * (1 + rnd(s) % 4);	/* runs into it */
	case 4: return 0xffff888000000000ull;		/* kernel */
	case 5: return rnd(s);
	default: return (uint64_t)(uintptr_t)f->bm;
	}
}

static int one(struct fz *f)
{
	static const uint64_t firsts[] = { 0, 64, 128, 1984, 2048, 1, 63, 1ull << 40,
					   UINT64_MAX - 63, UINT64_MAX };
	static const uint64_t nums[] = { 64, 128, 1024, 2048, 4096, 0, 1, 63, 65,
					 UINT64_MAX, UINT64_MAX - 62 };
	static const uint64_t flagv[] = { 0, 1, 1, 2, UINT64_MAX };
	uint64_t *s = &f->seed;
	union {
		struct hvk_mem_info info;
		struct hvk_mem_log_start start;
		struct hvk_mem_log_get get;
		struct hvk_mem_log_stats stats;
		char raw[128];
	} arg;
	unsigned long cmd;
	void *argp = &arg;
	int fd, ret, k = rnd(s) % 100;
	uint64_t i, bits = 0;

	if (k < 3) {
		reopen(f, rnd(s) % 4);
		return 0;
	}
	fd = f->fd[rnd(s) % 4];
	for (i = 0; i < sizeof(arg.raw); i++)
		arg.raw[i] = (char)rnd(s);
	memset(f->bm, 0xa5, BM_WORDS * 8);

	if (k < 13) {
		cmd = HVK_MEM_IOC_INFO;
	} else if (k < 28) {
		cmd = HVK_MEM_IOC_LOG_START;
		arg.start.flags = pick(s, flagv, 5);
	} else if (k < 36) {
		cmd = HVK_MEM_IOC_LOG_STOP;
	} else if (k < 78) {
		cmd = HVK_MEM_IOC_LOG_GET;
		arg.get.first_page = rnd(s) % 4 ? rnd(s) % 32 * 64 : pick(s, firsts, 10);
		arg.get.num_pages = rnd(s) % 4 ? (1 + rnd(s) % 32) * 64 : pick(s, nums, 11);
		arg.get.bitmap = user_ptr(f);
		arg.get.bitmap_size = rnd(s) % 5 ? BM_WORDS * 8 : rnd(s) % (BM_WORDS * 8);
		if (arg.get.bitmap == (uint64_t)(uintptr_t)(f->bm + BM_WORDS) - 8 * 2)
			arg.get.bitmap_size = BM_WORDS * 8;
		arg.get.flags = rnd(s) % 3 ? HVK_MEM_LOG_CLEAR : pick(s, flagv, 5);
	} else if (k < 86) {
		cmd = HVK_MEM_IOC_LOG_STATS;
	} else if (k < 93) {
		/* A known number with the wrong size or direction. */
		cmd = _IOC(rnd(s) % 4, HVK_MEM_IOC_MAGIC, rnd(s) % 5, rnd(s) % 96);
	} else {
		cmd = _IOC(rnd(s) % 4, HVK_MEM_IOC_MAGIC, rnd(s) % 256, rnd(s) % 128);
	}
	if (rnd(s) % 20 == 0)
		argp = (void *)(uintptr_t)user_ptr(f);

	f->calls++;
	ret = ioctl(fd, cmd, argp);
	if (ret < 0) {
		if (!documented(errno))
			return violation(f, strerror(errno), cmd, 0);
		if (errno < 160)
			f->errs[errno]++;
		return 0;
	}
	if (ret != 0)
		return violation(f, "positive return", cmd, ret);
	f->ok++;
	if (argp != &arg)
		return 0;
	if (cmd == HVK_MEM_IOC_INFO && arg.info.page_size != PAGE)
		return violation(f, "INFO page_size", arg.info.page_size, PAGE);
	if (cmd == HVK_MEM_IOC_LOG_GET && arg.get.bitmap == (uint64_t)(uintptr_t)f->bm) {
		uint64_t words = (arg.get.num_pages + 63) / 64, w;

		if (arg.get.num_pages > MAX_PAGES + 64 || words > BM_WORDS)
			return violation(f, "LOG_GET accepted a range past any size",
					 arg.get.first_page, arg.get.num_pages);
		for (w = 0; w < words; w++) {
			uint64_t v = f->bm[w];

			if (w == words - 1 && arg.get.num_pages % 64 &&
			    v >> (arg.get.num_pages % 64))
				return violation(f, "LOG_GET set bits past num_pages",
						 arg.get.num_pages, v);
			bits += __builtin_popcountll(v);
		}
		for (; w < BM_WORDS; w++)
			if (f->bm[w] != 0xa5a5a5a5a5a5a5a5ull)
				return violation(f, "LOG_GET wrote past its range", w, words);
		if (bits != arg.get.dirty)
			return violation(f, "LOG_GET dirty != bits set", arg.get.dirty, bits);
	}
	return 0;
}

static int fuzz(const char *path, uint64_t n, uint64_t seed, int id)
{
	struct fz f = { .path = path, .seed = seed | 1 };
	char *area;
	uint64_t i;
	int e;

	/* The bitmap buffer ends where an unmapped page begins. */
	area = mmap(NULL, BM_WORDS * 8 + 2 * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return 2;
	f.bm = (uint64_t *)(area + PAGE - (BM_WORDS * 8) % PAGE);
	munmap((char *)(f.bm + BM_WORDS), PAGE);
	for (i = 0; i < 4; i++) {
		f.fd[i] = -1;
		reopen(&f, i);
	}
	for (i = 0; i < n; i++)
		if (one(&f))
			return 1;
	printf("iocfuzz %d: seed %" PRIu64 ": %" PRIu64 " ioctls, %" PRIu64 " succeeded;", id,
	       seed, f.calls, f.ok);
	for (e = 0; e < 160; e++)
		if (f.errs[e])
			printf(" %s:%" PRIu64, strerrorname_np(e) ? strerrorname_np(e) : "?", f.errs[e]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n, seed;
	pid_t churners[3], fuzzers[2];
	int i, st, rc = 0, fd;

	if (argc != 3 && argc != 4) {
		fputs("usage: iocfuzz PATH N [SEED]\n", stderr);
		return 2;
	}
	n = strtoull(argv[2], NULL, 0);
	seed = argc == 4 ? strtoull(argv[3], NULL, 0) : (uint64_t)getpid() * 2654435761u;
	fd = open(argv[1], O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, MAX_PAGES / 2 * PAGE)) {
		perror(argv[1]);
		return 2;
	}
	close(fd);
	for (i = 0; i < 3; i++) {
		churners[i] = fork();
		if (!churners[i])
			churn(argv[1], i, seed + 101 * (i + 1));
	}
	for (i = 0; i < 2; i++) {
		fuzzers[i] = fork();
		if (!fuzzers[i]) {
			rc = fuzz(argv[1], n, seed + 7919 * i, i);
			fflush(stdout);
			_exit(rc);
		}
	}
	for (i = 0; i < 2; i++) {
		waitpid(fuzzers[i], &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			rc = 1;
	}
	for (i = 0; i < 3; i++) {
		if (waitpid(churners[i], &st, WNOHANG) == churners[i]) {
			fprintf(stderr, "iocfuzz: churn %d stopped early (status %#x)\n", i, st);
			rc = 1;
			continue;
		}
		kill(churners[i], SIGKILL);
		waitpid(churners[i], &st, 0);
	}
	return rc;
}
