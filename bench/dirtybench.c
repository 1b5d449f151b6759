// SPDX-License-Identifier: GPL-2.0
/*
 * dirtybench: dirty-page tracking of one region by four mechanisms, one
 * workload: hvkmem's dirty log (PTEs cleaned, or zapped), soft-dirty
 * (/proc/self/clear_refs 4 + /proc/self/pagemap) and userfaultfd
 * write-protect on anonymous memory.
 *
 *   dirtybench MECH SIZE_MB [PCT...]
 *	MECH: hvkmem (batched), hvkmem-mkclean, hvkmem-unmap, softdirty, uffd
 *
 * Every mechanism starts armed on a populated region (hvkmem: the log
 * starts all set and a first get protects every page, as a migration's
 * first round does).  For each PCT: write one word in PCT% of the pages
 * (distinct, random order), then collect the dirty set and re-arm.  Prints one line per PCT:
 *   MECH PCT pages N write_ns W base_ns B collect_us C found F
 * write_ns is per write to a protected page, base_ns the same writes to
 * already-dirty pages (no fault); collect_us is collect + re-arm.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <hvk/hvk.h>
#include <hvk/mem.h>

#define PAGE 4096ul

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "dirtybench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static char *mem;
static uint64_t npages, words;
static uint64_t *bitmap;
static int fd = -1;

/* ---- userfaultfd: a thread resolves write faults and records pages ---- */
static int uffd = -1;
static uint64_t *uffd_pages;
static volatile uint64_t uffd_n;

static void wp(uint64_t start, uint64_t len, bool on)
{
	struct uffdio_writeprotect w = {
		.range = { .start = (uintptr_t)mem + start, .len = len },
		.mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &w))
		die("UFFDIO_WRITEPROTECT");
}

static void *uffd_thread(void *arg)
{
	struct uffd_msg msg;

	(void)arg;
	for (;;) {
		struct pollfd p = { .fd = uffd, .events = POLLIN };

		if (poll(&p, 1, -1) < 0)
			continue;
		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		uint64_t off = (msg.arg.pagefault.address - (uintptr_t)mem) & ~(PAGE - 1);

		uffd_pages[uffd_n++] = off / PAGE;
		wp(off, PAGE, false);	/* resolves the fault */
	}
	return NULL;
}

static void setup(const char *mech)
{
	struct hvk_error err;
	uint64_t i;

	if (!strncmp(mech, "hvkmem", 6)) {
		fd = open("/run/hvkmem/bench", O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || ftruncate(fd, npages * PAGE))
			die("/run/hvkmem/bench");
		mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	} else {
		mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem != MAP_FAILED)
			madvise(mem, npages * PAGE, MADV_NOHUGEPAGE);	/* 4K granularity */
	}
	if (mem == MAP_FAILED)
		die("mmap");
	for (i = 0; i < npages; i++)
		mem[i * PAGE] = 1;
	if (!strncmp(mech, "hvkmem", 6)) {
		/* as a migration starts: all set, the first get protects all */
		if (hvk_mem_log_start(fd, HVK_MEM_LOG_INITIALLY_SET, &err)) {
			fprintf(stderr, "dirtybench: %s\n", err.msg);
			exit(1);
		}
	} else if (!strcmp(mech, "softdirty")) {
		int c = open("/proc/self/clear_refs", O_WRONLY);

		if (c < 0 || write(c, "4", 1) != 1)
			die("clear_refs");
		close(c);
	} else if (!strcmp(mech, "uffd")) {
		struct uffdio_api api = { .api = UFFD_API, .features = 0 };
		struct uffdio_register reg = {
			.range = { .start = (uintptr_t)mem, .len = npages * PAGE },
			.mode = UFFDIO_REGISTER_MODE_WP,
		};
		pthread_t t;

		uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
		if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg))
			die("userfaultfd");
		uffd_pages = malloc(npages * 8);
		wp(0, npages * PAGE, true);
		pthread_create(&t, NULL, uffd_thread, NULL);
	}
}

/* Collect the dirty set into bitmap and re-arm; returns pages found. */
static uint64_t collect(const char *mech)
{
	struct hvk_error err;
	uint64_t found = 0, i;

	memset(bitmap, 0, words * 8);
	if (!strncmp(mech, "hvkmem", 6)) {
		if (hvk_mem_log_get(fd, 0, npages, bitmap, words * 8, true, &found, &err)) {
			fprintf(stderr, "dirtybench: %s\n", err.msg);
			exit(1);
		}
	} else if (!strcmp(mech, "softdirty")) {
		static uint64_t *pm;
		int p = open("/proc/self/pagemap", O_RDONLY), c;

		if (!pm)
			pm = malloc(npages * 8);
		if (p < 0 || pread(p, pm, npages * 8, (uintptr_t)mem / PAGE * 8) != (ssize_t)(npages * 8))
			die("pagemap");
		close(p);
		for (i = 0; i < npages; i++)
			if (pm[i] >> 55 & 1) {
				bitmap[i / 64] |= 1ull << (i % 64);
				found++;
			}
		c = open("/proc/self/clear_refs", O_WRONLY);
		if (c < 0 || write(c, "4", 1) != 1)
			die("clear_refs");
		close(c);
	} else {
		uint64_t n = uffd_n;

		for (i = 0; i < n; i++)
			bitmap[uffd_pages[i] / 64] |= 1ull << (uffd_pages[i] % 64);
		found = n;
		uffd_n = 0;
		wp(0, npages * PAGE, true);
	}
	return found;
}

int main(int argc, char **argv)
{
	const char *mech;
	uint64_t *order, i, seed = 88172645463325252ull;
	int a;

	if (argc < 4) {
		fputs("usage: dirtybench MECH SIZE_MB PCT...\n", stderr);
		return 2;
	}
	mech = argv[1];
	npages = strtoull(argv[2], NULL, 0) * (1 << 20) / PAGE;
	words = (npages + 63) / 64;
	if (!strncmp(mech, "hvkmem", 6)) {
		int p = open("/sys/module/hvk_mem/parameters/wp_mode", O_WRONLY);
		const char *mode = !strcmp(mech, "hvkmem-mkclean") ? "1" :
				   !strcmp(mech, "hvkmem-unmap") ? "2" : "0";

		if (p < 0 || write(p, mode, 1) != 1)
			die("wp_mode");
		close(p);
	}
	bitmap = malloc(words * 8);
	order = malloc(npages * 8);
	for (i = 0; i < npages; i++)
		order[i] = i;
	for (i = npages - 1; i > 0; i--) {	/* a random permutation */
		uint64_t j, t;

		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		j = seed % (i + 1);
		t = order[i], order[i] = order[j], order[j] = t;
	}
	setup(mech);
	collect(mech);	/* start from a clean state */
	for (a = 3; a < argc; a++) {
		uint64_t n = npages * strtoull(argv[a], NULL, 0) / 100, found, missing = 0;
		double t0, t1, t2, c0, c1;

		t0 = now_ns();
		for (i = 0; i < n; i++)
			mem[order[i] * PAGE + 8] = (char)a;
		t1 = now_ns();
		for (i = 0; i < n; i++)	/* the same pages again: no fault */
			mem[order[i] * PAGE + 16] = (char)a;
		t2 = now_ns();
		c0 = now_ns();
		found = collect(mech);
		c1 = now_ns();
		for (i = 0; i < n; i++)
			if (!(bitmap[order[i] / 64] >> (order[i] % 64) & 1))
				missing++;
		printf("%s %s pages %" PRIu64 " write_ns %.0f base_ns %.0f collect_us %.0f found %" PRIu64
		       " missing %" PRIu64 "\n", mech, argv[a], n, (t1 - t0) / n, (t2 - t1) / n,
		       (c1 - c0) / 1e3, found, missing);
		fflush(stdout);
	}
	if (fd >= 0)
		unlink("/run/hvkmem/bench");
	return 0;
}
