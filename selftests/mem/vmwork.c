// SPDX-License-Identifier: GPL-2.0
/*
 * The workload of vmping.sh's Linux VM: vmworkload.s's contract, as a
 * process inside a Debian kernel, so that the VM also has a network stack
 * that answers pings.
 *
 * Iteration c (c = 1, 2, ...) writes c into the first and last word of page
 * c mod NPAGES of an anonymous buffer, after checking that both hold what
 * iteration c - NPAGES wrote there (0 before the first lap).  Every 256
 * iterations it prints "hb <counter, 8 hex digits>"; a failed check prints
 * "BAD page <n> want <v> got <v>" and stops.  The counter and the pages
 * live in guest RAM: the run goes on from where it stopped only if RAM and
 * CPU state both travelled.  DELAY_US between iterations sets the dirty rate.
 *
 * usage: vmwork DELAY_US [NPAGES]   (output on stdout, unbuffered)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE	4096
#define WORDS	(PAGE / sizeof(uint32_t))

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && write(STDOUT_FILENO, line, n) < 0)
		exit(1);
}

int main(int argc, char **argv)
{
	unsigned long npages = argc > 2 ? strtoul(argv[2], NULL, 0) : 2048;
	struct timespec delay;
	uint32_t c = 0;
	uint32_t *mem;
	long us = argc > 1 ? strtol(argv[1], NULL, 0) : -1;

	if (us < 0 || !npages) {
		fprintf(stderr, "usage: vmwork DELAY_US [NPAGES]\n");
		return 2;
	}
	delay.tv_sec = us / 1000000;
	delay.tv_nsec = us % 1000000 * 1000;
	mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED) {
		say("vmwork: mmap: %s\n", strerror(errno));
		return 1;
	}
	say("vmworkload: start\n");
	for (;;) {
		uint32_t *page, want;

		c++;
		page = mem + (c % npages) * WORDS;
		want = c > npages ? c - npages : 0;
		if (page[0] != want || page[WORDS - 1] != want) {
			say("BAD page %lu want %08x got %08x %08x\n",
			    (unsigned long)(c % npages), want, page[0], page[WORDS - 1]);
			for (;;)
				pause();
		}
		page[0] = c;
		page[WORDS - 1] = c;
		if (!(c % 256))
			say("hb %08x\n", c);
		if (us)
			nanosleep(&delay, NULL);
	}
}
