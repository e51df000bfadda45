// SPDX-License-Identifier: GPL-2.0
/*
 * hmm-bench: what the device-private index space costs, measured through
 * test_hmm's ioctls so that the same program runs on the unpatched base
 * and on the series.
 *
 *   hmm-bench fault DEV MIB REPS   hmm_range_fault() ns/page (HMM_DMIRROR_SNAPSHOT,
 *                                  which walks without faulting) over MIB MiB of
 *                                  populated RAM, then over the same range once
 *                                  it has migrated to DEV's device-private memory
 *   hmm-bench register DEV         time and memory of the first migration to a
 *                                  freshly loaded test_hmm device, which
 *                                  registers a 256 MiB chunk, minus a second one
 *
 * Output lines are "name value unit", one measurement per line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <lib/test_hmm_uapi.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmd(int fd, unsigned long req, void *addr, void *mirror,
	       unsigned long npages)
{
	struct hmm_dmirror_cmd c = {
		.addr = (uintptr_t)addr,
		.ptr = (uintptr_t)mirror,
		.npages = npages,
	};

	while (ioctl(fd, req, &c))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static long mem_free_kib(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int bench_fault(int fd, unsigned long mib, int reps)
{
	unsigned long size = mib << 20, npages = size / 4096, i;
	unsigned char *buf, *mirror;
	int r, ret;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mirror = malloc(size);
	if (buf == MAP_FAILED || !mirror)
		return -ENOMEM;
	madvise(buf, size, MADV_NOHUGEPAGE);
	for (i = 0; i < size; i += 4096)
		buf[i] = i >> 12;

	for (r = 0; r < reps; r++) {
		double t = now_ns();

		ret = cmd(fd, HMM_DMIRROR_SNAPSHOT, buf, mirror, npages);
		if (ret)
			return ret;
		printf("fault_ram_ns_per_page %.1f ns\n",
		       (now_ns() - t) / npages);
	}

	ret = cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf, mirror, npages);
	if (ret)
		return ret;
	for (r = 0; r < reps; r++) {
		double t = now_ns();

		ret = cmd(fd, HMM_DMIRROR_SNAPSHOT, buf, mirror, npages);
		if (ret)
			return ret;
		printf("fault_devpriv_ns_per_page %.1f ns\n",
		       (now_ns() - t) / npages);
	}
	/* The snapshot must have seen our own device-private pages. */
	if (mirror[0] != (HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL |
			  HMM_DMIRROR_PROT_WRITE)) {
		fprintf(stderr, "unexpected snapshot entry %#x\n", mirror[0]);
		return -EINVAL;
	}
	munmap(buf, size);
	free(mirror);
	return 0;
}

static int bench_register(int fd)
{
	unsigned char *buf, mirror[2 * 4096];
	double t0, t1, t2;
	long m0, m1;
	int ret;

	buf = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return -ENOMEM;
	memset(buf, 1, 2 * 4096);
	m0 = mem_free_kib();
	t0 = now_ns();
	ret = cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf, mirror, 1);
	t1 = now_ns();
	if (ret)
		return ret;
	m1 = mem_free_kib();
	ret = cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf + 4096, mirror, 1);
	t2 = now_ns();
	if (ret)
		return ret;
	/* The first migration registered a 256 MiB chunk; the second didn't. */
	printf("register_256mib_us %.1f us\n", ((t1 - t0) - (t2 - t1)) / 1e3);
	printf("register_mem_kib_per_gib %ld KiB\n", (m0 - m1) * 4);
	return 0;
}

int main(int argc, char **argv)
{
	int fd, ret;

	if (argc < 3) {
		fprintf(stderr, "usage: %s fault DEV MIB REPS | register DEV\n",
			argv[0]);
		return 2;
	}
	fd = open(argv[2], O_RDWR);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	if (!strcmp(argv[1], "fault") && argc == 5)
		ret = bench_fault(fd, strtoul(argv[3], NULL, 0),
				  atoi(argv[4]));
	else if (!strcmp(argv[1], "register"))
		ret = bench_register(fd);
	else
		ret = -EINVAL;
	if (ret)
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-ret));
	return ret ? 1 : 0;
}
