// SPDX-License-Identifier: GPL-2.0
/*
 * hmm-bench: what the device-private index space costs, measured through
 * test_hmm's ioctls so that the same program runs on the unpatched base
 * and on the series.
 *
 *   hmm-bench fault DEV MIB REPS   hmm_range_fault() ns/page (HMM_DMIRROR_SNAPSHOT,
 *                                  which walks without faulting) over MIB MiB of
 *                                  populated RAM, then over the same range once
 *                                  it has migrated to DEV's device-private memory;
 *                                  each of the REPS numbers averages ITERS (32)
 *                                  walks, so that a guest whose clock ticks in
 *                                  jiffies (TSC calibration can fail under TCG)
 *                                  still measures to about 1%
 *
 * Output lines are "name value unit", one measurement per line.  Registration
 * is measured by the guest script around loading test_hmm.
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

#define ITERS 32

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

/* REPS lines NAME ns/page, each the average of ITERS snapshot walks. */
static int time_snapshots(int fd, void *buf, void *mirror,
			  unsigned long npages, int reps, const char *name)
{
	int r, it, ret;

	for (r = 0; r < reps; r++) {
		double t = now_ns();

		for (it = 0; it < ITERS; it++) {
			ret = cmd(fd, HMM_DMIRROR_SNAPSHOT, buf, mirror, npages);
			if (ret)
				return ret;
		}
		printf("%s %.1f ns\n", name, (now_ns() - t) / npages / ITERS);
	}
	return 0;
}

static int bench_fault(int fd, unsigned long mib, int reps)
{
	unsigned long size = mib << 20, npages = size / 4096, i;
	unsigned char *buf, *mirror;
	int r, ret, zero;

	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mirror = malloc(size);
	if (buf == MAP_FAILED || !mirror)
		return -ENOMEM;
	madvise(buf, size, MADV_NOHUGEPAGE);
	for (i = 0; i < size; i += 4096)
		buf[i] = i >> 12;

	ret = time_snapshots(fd, buf, mirror, npages, reps, "fault_ram_ns_per_page");
	if (ret)
		return ret;
	/*
	 * A control that no patch of the series touches: reading /dev/zero
	 * into the same buffer (a page fault-free clear_user() of each page).
	 * A change here is the guest's or the emulator's, not HMM's.
	 */
	zero = open("/dev/zero", O_RDONLY);
	if (zero < 0)
		return -errno;
	for (r = 0; r < reps; r++) {
		double t = now_ns();
		int it;

		for (it = 0; it < ITERS / 8; it++)
			if (read(zero, buf, size) != (ssize_t)size)
				return -EIO;
		printf("control_read_zero_ns_per_page %.1f ns\n",
		       (now_ns() - t) / npages / (ITERS / 8));
	}
	close(zero);

	ret = cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, buf, mirror, npages);
	if (ret)
		return ret;
	ret = time_snapshots(fd, buf, mirror, npages, reps, "fault_devpriv_ns_per_page");
	if (ret)
		return ret;
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

int main(int argc, char **argv)
{
	int fd, ret;

	if (argc < 3) {
		fprintf(stderr, "usage: %s fault DEV MIB REPS\n",
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
	else
		ret = -EINVAL;
	if (ret)
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-ret));
	return ret ? 1 : 0;
}
