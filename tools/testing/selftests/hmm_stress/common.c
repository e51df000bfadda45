// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the hmm_stress suites (see hmm_stress.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "hmm_stress.h"

unsigned long page_size;

static void __attribute__((constructor)) init_page_size(void)
{
	page_size = sysconf(_SC_PAGESIZE);
}

unsigned int stress_seconds(const char *arg)
{
	const char *s = arg ? arg : getenv("HMM_STRESS_SECONDS");
	long v = s ? strtol(s, NULL, 0) : 0;

	return v > 0 ? v : 60;
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* xorshift64* */
uint64_t rnd_next(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

uint64_t rnd_below(uint64_t *state, uint64_t n)
{
	return n ? rnd_next(state) % n : 0;
}

void tag_fill_page(void *p, unsigned int id, unsigned long page, uint32_t gen)
{
	uint64_t *w = p;
	unsigned int i;

	for (i = 0; i < page_size / 8; i++)
		w[i] = tag(id, page, i, gen);
}

long tag_check_page(const void *p, unsigned int id, unsigned long page,
		    uint32_t gen)
{
	unsigned int i;

	for (i = 0; i < page_size / 8; i++)
		if (peek(p, i) != tag(id, page, i, gen))
			return i;
	return -1;
}

void tag_report(const char *what, const void *p, long w, unsigned int id,
		unsigned long page, uint32_t gen)
{
	uint64_t v = peek(p, w);

	printf("# %s: page %lu word %ld is %#018llx: id %#x page %lu word %u gen %u,\n",
	       what, page, w, (unsigned long long)v, tag_id(v), tag_page(v),
	       tag_word(v), tag_gen(v));
	printf("#   not id %#x page %lu word %ld gen %u\n", id, page, w, gen);
}

void print_counts(const char *what, ...)
{
	const char *name, *sep = " ";
	va_list ap;

	va_start(ap, what);
	printf("# %s:", what);
	while ((name = va_arg(ap, const char *))) {
		printf("%s%llu %s", sep, (unsigned long long)va_arg(ap, uint64_t),
		       name);
		sep = ", ";
	}
	printf("\n");
	va_end(ap);
}

void *map_aligned(size_t size, size_t align)
{
	size_t len = size + align;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t start;

	if (p == MAP_FAILED)
		return NULL;
	start = ((uintptr_t)p + align - 1) & ~(align - 1);
	if (start > (uintptr_t)p)
		munmap(p, start - (uintptr_t)p);
	if ((uintptr_t)p + len > start + size)
		munmap((void *)(start + size), (uintptr_t)p + len - start - size);
	return (void *)start;
}

int hmm_open(int dev)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), HMM_DMIRROR_DEV, dev);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int hmm_cmd(int fd, unsigned long req, void *addr, void *ptr,
	    unsigned long npages, uint64_t *cpages)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (uintptr_t)addr,
		.ptr = (uintptr_t)ptr,
		.npages = npages,
	};
	int ret;

	do {
		ret = ioctl(fd, req, &cmd);
	} while (ret && errno == EINTR);
	if (ret)
		return -errno;
	if (cpages)
		*cpages = cmd.cpages;
	return 0;
}

int rust_open(void)
{
	int fd = open(RUST_HMM_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int nova_open(const char *bdf)
{
	char path[300];
	struct dirent *d;
	DIR *dir;
	int fd;

	if (!bdf)
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/drm", bdf);
	dir = opendir(path);
	if (!dir)
		return -ENODEV;
	while ((d = readdir(dir)))
		if (!strncmp(d->d_name, "renderD", 7))
			break;
	if (d)
		snprintf(path, sizeof(path), "/dev/dri/%s", d->d_name);
	closedir(dir);
	if (!d)
		return -ENODEV;
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int nova_migrate(int fd, bool to_vram, void *addr, size_t size,
		 uint64_t *moved)
{
	struct drm_nova_p2p_migrate m = {
		.addr = (uintptr_t)addr,
		.size = size,
	};
	int ret;

	do {
		ret = ioctl(fd, to_vram ? DRM_IOCTL_NOVA_P2P_MIGRATE_TO_VRAM :
			    DRM_IOCTL_NOVA_P2P_MIGRATE_TO_RAM, &m);
	} while (ret && errno == EINTR);
	if (moved)
		*moved = m.npages;
	return ret ? -errno : 0;
}

long nova_residency(int fd, void *addr, size_t size, unsigned char *res)
{
	struct drm_nova_p2p_residency r = {
		.addr = (uintptr_t)addr,
		.size = size,
		.residency = (uintptr_t)res,
	};
	int ret;

	do {
		ret = ioctl(fd, DRM_IOCTL_NOVA_P2P_RESIDENCY, &r);
	} while (ret && errno == EINTR);
	return ret ? -errno : (long)r.nvram;
}

int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != strlen(val))
		ret = -EIO;
	close(fd);
	return ret;
}

int sysfs_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

bool module_unloadable(const char *name)
{
	char path[128];

	/* Only modules that are not built in have an initstate. */
	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return !access(path, F_OK);
}

int module_unload(const char *name, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		if (!syscall(SYS_delete_module, name, O_NONBLOCK))
			return 0;
		if ((errno != EAGAIN && errno != EBUSY) || now_ms() > end)
			return -errno;
		usleep(10000);
	}
}

int module_load(const char *name)
{
	char p0[64], p1[64];
	char *argv[5] = { "modprobe", (char *)name };
	const char *a0 = getenv("HMM_SPM_ADDR_DEV0");
	const char *a1 = getenv("HMM_SPM_ADDR_DEV1");
	int status, ret;
	pid_t pid;

	if (!strcmp(name, "test_hmm") && a0 && *a0 && a1 && *a1) {
		snprintf(p0, sizeof(p0), "spm_addr_dev0=%s", a0);
		snprintf(p1, sizeof(p1), "spm_addr_dev1=%s", a1);
		argv[2] = p0;
		argv[3] = p1;
	}
	/* posix_spawn: no fork() of an address space full of device pages. */
	ret = posix_spawnp(&pid, "modprobe", NULL, NULL, argv, environ);
	if (ret)
		return -ret;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

bool wait_path(const char *path, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while (access(path, F_OK)) {
		if (now_ms() > end)
			return false;
		usleep(5000);
	}
	return true;
}
