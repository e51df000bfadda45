// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile arguments for every ioctl of test_hmm's dmirror devices
 * (lib/test_hmm_uapi.h), of the Rust sample rust_hmm_mirror and of nova_p2p
 * (include/uapi/drm/nova_p2p_drm.h), while other threads mmap, munmap,
 * mprotect and madvise the region the ioctls point at, and fork.
 *
 * Arguments: random garbage, NULL, kernel addresses, non-canonical and
 * unaligned pointers, a struct that ends in an unmapped page, sizes around
 * every limit (0, 1, page - 1, page + 1, 1 GiB and one page more, sizes that
 * wrap, ~0), unknown ioctl numbers, unknown flags and nonzero padding.  Only
 * 0 or -1 with an errno may come back: the set of errnos of each ioctl is
 * printed, any other return value fails, and so does a crash of the process
 * (the fuzzer runs in a child that the parent watches).  A canary region is
 * moved into device memory and back all along and must keep its data.
 *
 * Two rules keep the fuzzer from wrecking itself: ioctls that write into the
 * caller's memory (test_hmm's and the Rust sample's WRITE) get destination
 * addresses in the fuzz region or not in the process, and the user
 * pointers the kernel writes to lie in the fuzz region, in a scratch area
 * followed by an unmapped guard, or nowhere.
 *
 * Usage: uapi_fuzz [-t SECONDS] [-s SEED]
 *   HMM_STRESS_SECONDS (60), HMM_STRESS_SEED (default 0x5eed), NOVA_P2P_DEV,
 *   HMM_STRESS_FUZZ_RELEASE=concurrent (see release_concurrent)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "hmm_stress.h"

#define FUZZ_SIZE	(16UL << 20)
#define GUARD_SIZE	(2UL << 20)
#define SCRATCH_SIZE	(FUZZ_SIZE + (1UL << 20))
#define CANARY_PAGES	(512 + 64)	/* a THP and 64 small pages */
#define CANARY_ID	0xca1
#define MAX_ERRNO_BIT	192

/* The ioctls, by device. */
enum dev_kind { D_DMIRROR, D_RUST, D_NOVA, NR_KINDS };
static const char * const kind_name[] = { "dmirror", "rust", "nova" };

struct ioc {
	enum dev_kind kind;
	const char *name;
	unsigned long cmd;	/* 0: an unknown number, made up each time */
	bool writes_memory;	/* writes to [addr, addr + size) */
};

static const struct ioc iocs[] = {
	{ D_DMIRROR, "READ", HMM_DMIRROR_READ },
	{ D_DMIRROR, "WRITE", HMM_DMIRROR_WRITE, true },
	{ D_DMIRROR, "MIGRATE_TO_DEV", HMM_DMIRROR_MIGRATE_TO_DEV },
	{ D_DMIRROR, "MIGRATE_TO_SYS", HMM_DMIRROR_MIGRATE_TO_SYS },
	{ D_DMIRROR, "SNAPSHOT", HMM_DMIRROR_SNAPSHOT },
	{ D_DMIRROR, "EXCLUSIVE", HMM_DMIRROR_EXCLUSIVE },
	{ D_DMIRROR, "CHECK_EXCLUSIVE", HMM_DMIRROR_CHECK_EXCLUSIVE },
	{ D_DMIRROR, "RELEASE", HMM_DMIRROR_RELEASE },
	{ D_DMIRROR, "FLAGS", HMM_DMIRROR_FLAGS },
	{ D_DMIRROR, "READ_UNLOCKED", HMM_DMIRROR_READ_UNLOCKED },
	{ D_DMIRROR, "DMA_ALIAS", HMM_DMIRROR_DMA_ALIAS },
	{ D_DMIRROR, "unknown", 0 },
	{ D_RUST, "READ", HMM_DMIRROR_READ },
	{ D_RUST, "WRITE", HMM_DMIRROR_WRITE, true },
	{ D_RUST, "MIGRATE_TO_DEV", HMM_DMIRROR_MIGRATE_TO_DEV },
	{ D_RUST, "MIGRATE_TO_SYS", HMM_DMIRROR_MIGRATE_TO_SYS },
	{ D_RUST, "SNAPSHOT", HMM_DMIRROR_SNAPSHOT },
	{ D_RUST, "RELEASE", HMM_DMIRROR_RELEASE },
	/* test_hmm commands the sample does not have */
	{ D_RUST, "EXCLUSIVE", HMM_DMIRROR_EXCLUSIVE },
	{ D_RUST, "DMA_ALIAS", HMM_DMIRROR_DMA_ALIAS },
	{ D_RUST, "unknown", 0 },
	{ D_NOVA, "QUERY", DRM_IOCTL_NOVA_P2P_QUERY },
	{ D_NOVA, "MIGRATE_TO_VRAM", DRM_IOCTL_NOVA_P2P_MIGRATE_TO_VRAM },
	{ D_NOVA, "MIGRATE_TO_RAM", DRM_IOCTL_NOVA_P2P_MIGRATE_TO_RAM },
	{ D_NOVA, "RESIDENCY", DRM_IOCTL_NOVA_P2P_RESIDENCY },
	{ D_NOVA, "unknown", 0 },
};

#define NR_IOCS ARRAY_SIZE(iocs)

/* Results, in memory shared with the parent: they survive a crash. */
struct results {
	struct {
		uint64_t calls, ok, bad_ret;
		long last_bad_ret;
		uint64_t errnos[MAX_ERRNO_BIT / 64];
	} ioc[NR_IOCS];
	uint64_t maps, unmaps, mprotects, madvises, touches;
	uint64_t forks, children_bad, child_ioctls;
	uint64_t canary_rounds, canary_bad, canary_pages_moved;
	uint64_t canary_errors, canary_moved[NR_KINDS];
	int child_signal;
	bool done;
	char note[200];
};

static struct results *res;
static char *fuzz, *scratch, *canary, *argbuf;
static int fds[NR_KINDS][5];	/* fuzzed files; dmirror 0..4 */
static int nfds[NR_KINDS];
static bool stop;
static uint64_t deadline;
static const char *nova_bdf;
static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---------------------------------------------------------------------- */
/* Argument generators */

static const uint64_t bad_addrs[] = {
	0, 1, 4095, 4096, 4097,
	0xffff888000000000ULL,		/* the direct map */
	0xffffffff81000000ULL,		/* kernel text */
	0xffffffffff600000ULL,		/* vsyscall */
	0x00007ffffffff000ULL,		/* last user page */
	0x0000800000000000ULL,		/* first non-canonical */
	0x8000000000000000ULL,
	0xfffffffffffff000ULL,
	~0ULL,
};

static uint64_t pick_npages(uint64_t *rnd)
{
	static const uint64_t sizes[] = {
		0, 1, 2, 3, 511, 512, 513, 4095, 4096,
		(1ULL << 18),		/* 1 GiB: nova's and the sample's limit */
		(1ULL << 18) + 1,
		(1ULL << 32), (1ULL << 52), (1ULL << 52) - 1,
		~0ULL, ~0ULL >> 12, ~0ULL >> 1,
	};
	uint64_t n;

	switch (rnd_below(rnd, 4)) {
	case 0:
		n = sizes[rnd_below(rnd, ARRAY_SIZE(sizes))];
		break;
	case 1:
		n = rnd_next(rnd);
		break;
	default:
		n = 1 + rnd_below(rnd, FUZZ_SIZE / page_size);
		break;
	}
	return n;
}

/*
 * test_hmm allocates a bounce buffer of the whole size before it looks at
 * the range: a size that does not wrap (as test_hmm computes it) stays at
 * 64 MiB or below, or every call would be a large vmalloc().
 */
static uint64_t bounce_cap(uint64_t addr, uint64_t npages)
{
	uint64_t size = npages << 12, cap = 64ULL << 20;

	if (size <= cap || addr + size < addr)
		return npages;
	return cap / page_size;
}

/* An address in the process that the kernel may write to, or none. */
static uint64_t pick_ptr(uint64_t *rnd)
{
	uint64_t off = rnd_below(rnd, SCRATCH_SIZE);

	switch (rnd_below(rnd, 8)) {
	case 0:
		return bad_addrs[rnd_below(rnd, ARRAY_SIZE(bad_addrs))];
	case 1:
		/* Random, but never into the process' own mappings. */
		return rnd_next(rnd) | (1ULL << 63);
	case 2:
		return (uintptr_t)fuzz + rnd_below(rnd, FUZZ_SIZE);
	case 3:
		/* Right before the guard: the copy runs into it. */
		return (uintptr_t)scratch + SCRATCH_SIZE - 1 - rnd_below(rnd, 64);
	default:
		return (uintptr_t)scratch + (rnd_below(rnd, 2) ? off : off & ~4095UL);
	}
}

/*
 * The range of a command: in the fuzz region mostly, unaligned, or bad, or
 * wrapping; the canary and the scratch area too unless @writes.
 */
static uint64_t pick_addr(uint64_t *rnd, bool writes)
{
	uint64_t a;

	switch (rnd_below(rnd, 10)) {
	case 0:
		return bad_addrs[rnd_below(rnd, ARRAY_SIZE(bad_addrs))];
	case 1:
		return rnd_next(rnd) | (1ULL << 63);
	case 2:
		/* Wraps with about any size. */
		return ~0ULL - page_size * rnd_below(rnd, 4) - (page_size - 1);
	case 3:
		a = (uintptr_t)fuzz + rnd_below(rnd, FUZZ_SIZE);
		return a;		/* unaligned */
	case 4:
		if (!writes)
			return (uintptr_t)canary +
			       page_size * rnd_below(rnd, CANARY_PAGES);
		return (uintptr_t)fuzz;
	default:
		return (uintptr_t)fuzz +
		       page_size * rnd_below(rnd, FUZZ_SIZE / page_size);
	}
}

/* Fill @len bytes at @p with random bytes. */
static void garbage(uint64_t *rnd, void *p, size_t len)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = rnd_next(rnd);
}

/* Places @len bytes of argument in argbuf; returns the ioctl's argument. */
static unsigned long place_arg(uint64_t *rnd, const void *arg, size_t len)
{
	/* argbuf is one page followed by an unmapped guard page. */
	size_t off;

	switch (rnd_below(rnd, 12)) {
	case 0:
		return 0;
	case 1:
		return bad_addrs[5 + rnd_below(rnd, ARRAY_SIZE(bad_addrs) - 5)];
	case 2:
		/* Ends in the guard page: copy_from_user fails half way. */
		off = page_size - len / 2;
		break;
	case 3:
		off = 1 + rnd_below(rnd, 7);	/* unaligned */
		break;
	default:
		off = 8 * rnd_below(rnd, 16);
		break;
	}
	memcpy(argbuf + off, arg, off + len > page_size ? page_size - off : len);
	return (uintptr_t)argbuf + off;
}

/* The string HMM_DMIRROR_DMA_ALIAS reads: a PCI name, garbage, too long. */
static uint64_t pick_alias_name(uint64_t *rnd)
{
	static const char * const names[] = {
		"0000:04:00.0", "0000:00:04.0", "0000:03:00.0", "", "0000:ff:1f.7",
		"../../../../dev/null", "hmm_dmirror0",
	};
	char *s = scratch + 2 * page_size;

	switch (rnd_below(rnd, 5)) {
	case 0:
		return pick_ptr(rnd);
	case 1:
		/* 40 bytes without a NUL: ENAMETOOLONG */
		memset(s, 'a', 64);
		return (uintptr_t)s;
	case 2:
		garbage(rnd, s, 48);
		return (uintptr_t)s;
	default:
		snprintf(s, 64, "%s", names[rnd_below(rnd, ARRAY_SIZE(names))]);
		return (uintptr_t)s;
	}
}

/* An ioctl number that none of the three devices knows. */
static unsigned long unknown_cmd(uint64_t *rnd, enum dev_kind k)
{
	static const unsigned int types[] = { 'H', 'Z', 0xb7, 'd' };
	unsigned int dir = rnd_below(rnd, 4);
	unsigned int type = types[rnd_below(rnd, ARRAY_SIZE(types))];
	unsigned int size = rnd_below(rnd, 4) ? 40 : rnd_below(rnd, 1 << 14);
	unsigned int nr;

	if (k == D_NOVA)
		/*
		 * drm_ioctl() only looks at the number: past nova's four in
		 * the driver range, or past the core ioctls (0xa0-0xd2 are
		 * DRM core ones, some of them render-allowed).
		 */
		nr = rnd_below(rnd, 2) ? 0x44 + rnd_below(rnd, 0xa0 - 0x44) :
		     0xe0 + rnd_below(rnd, 0x20);
	else if (type == 'H')
		nr = 0x0b + rnd_below(rnd, 0x100 - 0x0b);
	else
		nr = rnd_below(rnd, 0x100);
	return _IOC(dir, type, nr, size);
}

/* Forked children record into the same shared results: atomics. */
#define inc(x)	__atomic_add_fetch(&(x), 1, __ATOMIC_RELAXED)

static void record(int i, long ret, int err)
{
	inc(res->ioc[i].calls);
	if (ret == 0) {
		inc(res->ioc[i].ok);
	} else if (ret == -1 && err > 0 && err < MAX_ERRNO_BIT) {
		__atomic_or_fetch(&res->ioc[i].errnos[err / 64],
				  1ULL << (err % 64), __ATOMIC_RELAXED);
	} else {
		inc(res->ioc[i].bad_ret);
		res->ioc[i].last_bad_ret = ret == -1 ? -1000 - err : ret;
	}
}

/* One fuzzed ioctl of entry @i on file @fd. */
static void fuzz_one(uint64_t *rnd, int i, int fd)
{
	const struct ioc *c = &iocs[i];
	unsigned long cmd = c->cmd ? c->cmd : unknown_cmd(rnd, c->kind);
	unsigned long arg;
	long ret;

	if (c->kind != D_NOVA) {
		struct hmm_dmirror_cmd m;

		garbage(rnd, &m, sizeof(m));
		m.addr = pick_addr(rnd, c->writes_memory);
		m.ptr = c->cmd == HMM_DMIRROR_DMA_ALIAS ? pick_alias_name(rnd) :
			pick_ptr(rnd);
		m.npages = pick_npages(rnd);
		if (c->kind == D_DMIRROR && c->cmd != HMM_DMIRROR_SNAPSHOT &&
		    c->cmd != HMM_DMIRROR_MIGRATE_TO_SYS)
			m.npages = bounce_cap(m.addr, m.npages);
		if (c->cmd == HMM_DMIRROR_DMA_ALIAS && rnd_below(rnd, 2)) {
			m.addr = 0;
			m.npages = rnd_below(rnd, 3);
		}
		if (c->writes_memory && m.addr < (1ULL << 47) &&
		    (m.addr < (uintptr_t)fuzz ||
		     m.addr >= (uintptr_t)fuzz + FUZZ_SIZE))
			m.addr |= 1ULL << 63;
		if (c->writes_memory && m.addr >= (uintptr_t)fuzz &&
		    m.addr < (uintptr_t)fuzz + FUZZ_SIZE &&
		    m.npages > (uintptr_t)fuzz + FUZZ_SIZE - m.addr)
			/* Ranges past the region run into the guard. */
			m.npages = ((uintptr_t)fuzz + FUZZ_SIZE + GUARD_SIZE -
				    m.addr) / page_size;
		arg = place_arg(rnd, &m, sizeof(m));
	} else {
		union {
			struct drm_nova_p2p_query q;
			struct drm_nova_p2p_migrate m;
			struct drm_nova_p2p_residency r;
			char raw[64];
		} u;
		uint64_t n = pick_npages(rnd);

		garbage(rnd, &u, sizeof(u));
		switch (cmd) {
		case DRM_IOCTL_NOVA_P2P_QUERY:
			break;
		case DRM_IOCTL_NOVA_P2P_RESIDENCY:
			u.r.addr = pick_addr(rnd, false);
			u.r.size = rnd_below(rnd, 4) ? n * page_size :
				   rnd_below(rnd, 2) ? rnd_next(rnd) :
				   n * page_size + rnd_below(rnd, 3) - 1;
			u.r.residency = pick_ptr(rnd);
			break;
		default:
			u.m.addr = pick_addr(rnd, false);
			u.m.size = rnd_below(rnd, 4) ? n * page_size :
				   n * page_size + rnd_below(rnd, 3) - 1;
			break;
		}
		/* Flags and padding: mostly zero, so that the rest is used. */
		if (rnd_below(rnd, 3)) {
			if (cmd == DRM_IOCTL_NOVA_P2P_QUERY) {
				u.q.flags = 0;
				u.q.pad = 0;
			} else if (cmd == DRM_IOCTL_NOVA_P2P_RESIDENCY) {
				u.r.flags = 0;
				u.r.pad = 0;
			} else {
				u.m.flags = 0;
				u.m.pad = 0;
			}
		}
		arg = place_arg(rnd, &u, sizeof(u));
	}
	errno = 0;
	ret = ioctl(fd, cmd, arg);
	record(i, ret, errno);
}

/*
 * test_hmm's RELEASE evicts the device's memory until every page is free.
 * Before "lib/test_hmm: evict a chunk whole before unregistering it" was
 * fixed, it waited holding the device's devmem_lock for a page that a
 * migration held while it waited for that lock to allocate device memory:
 * the process hung in the kernel for good.  RELEASE runs in a phase of its
 * own at the end, unless HMM_STRESS_FUZZ_RELEASE=concurrent runs it with the
 * rest (which checks that fix).
 */
static bool release_concurrent;

static bool is_release(int i)
{
	return iocs[i].kind == D_DMIRROR && iocs[i].cmd == HMM_DMIRROR_RELEASE;
}

static void *fuzz_thread(void *arg)
{
	uint64_t rnd = *(uint64_t *)arg;
	int i, k;

	while (!flag_get(&stop)) {
		i = rnd_below(&rnd, NR_IOCS);
		k = iocs[i].kind;
		if (!nfds[k] || (is_release(i) && !release_concurrent))
			continue;
		fuzz_one(&rnd, i, fds[k][rnd_below(&rnd, nfds[k])]);
		if (now_ms() > deadline)
			flag_set(&stop);
	}
	return NULL;
}

/* test_hmm's RELEASE with nothing else running. */
static void release_phase(uint64_t seed)
{
	uint64_t rnd = seed;
	int nd = nfds[D_DMIRROR];
	unsigned int n;
	size_t i;

	for (i = 0; i < NR_IOCS && nd; i++)
		for (n = 0; is_release(i) && n < 200; n++)
			fuzz_one(&rnd, i, fds[D_DMIRROR][rnd_below(&rnd, nd)]);
}

/* ---------------------------------------------------------------------- */
/* Churn of the fuzz region */

static void *churn_thread(void *arg)
{
	static const int prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
	};
	/* The protection of every 2 MiB of the region: only this thread changes it. */
	int prot[FUZZ_SIZE / SZ_2M];
	uint64_t rnd = 41;
	unsigned long c, n, i;
	char *a, *m;

	for (i = 0; i < ARRAY_SIZE(prot); i++)
		prot[i] = PROT_READ | PROT_WRITE;
	while (!flag_get(&stop)) {
		c = rnd_below(&rnd, ARRAY_SIZE(prot));
		n = 1 + rnd_below(&rnd, ARRAY_SIZE(prot) - c);
		a = fuzz + c * SZ_2M;
		switch (rnd_below(&rnd, 6)) {
		case 0:
			/* munmap and map again: a new VMA, pages gone. */
			pthread_mutex_lock(&map_lock);
			munmap(a, n * SZ_2M);
			m = mmap(a, n * SZ_2M, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS |
				 MAP_FIXED_NOREPLACE, -1, 0);
			pthread_mutex_unlock(&map_lock);
			if (m != a)
				ksft_exit_fail_msg("re-mmap of the fuzz region: %s\n",
						   m == MAP_FAILED ? strerror(errno) :
						   "another mapping took its place");
			for (i = c; i < c + n; i++)
				prot[i] = PROT_READ | PROT_WRITE;
			res->unmaps++;
			res->maps++;
			break;
		case 1:
			for (i = c; i < c + n; i++) {
				prot[i] = prots[rnd_below(&rnd, ARRAY_SIZE(prots))];
				mprotect(fuzz + i * SZ_2M, SZ_2M, prot[i]);
			}
			res->mprotects++;
			break;
		case 2:
			madvise(a, n * SZ_2M, rnd_below(&rnd, 2) ?
				MADV_DONTNEED : MADV_HUGEPAGE);
			res->madvises++;
			break;
		default:
			/* Populate (in device memory: fault back) where writable. */
			for (i = c; i < c + n; i++) {
				if (prot[i] != (PROT_READ | PROT_WRITE))
					continue;
				memset(fuzz + i * SZ_2M +
				       page_size * rnd_below(&rnd, 8),
				       0x5a, SZ_2M / 2);
				res->touches++;
			}
			break;
		}
		usleep(500 * rnd_below(&rnd, 4));
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* The canary */

static bool canary_ok(void)
{
	unsigned long p;
	long bad;

	for (p = 0; p < CANARY_PAGES; p++) {
		bad = tag_check_page(canary + p * page_size, CANARY_ID, p, 0);
		if (bad >= 0) {
			if (!res->canary_bad++)
				snprintf(res->note, sizeof(res->note),
					 "canary page %lu word %ld is %#llx", p,
					 bad, (unsigned long long)
					 ((uint64_t *)(canary + p * page_size))[bad]);
			return false;
		}
	}
	return true;
}

/* Moves the canary into device memory and back all along. */
static void *canary_thread(void *arg)
{
	int cfd[NR_KINDS] = { -1, -1, -1 };
	uint64_t rnd = 42, moved;
	void *copy;
	int k, ret;

	/*
	 * test_hmm copies what it migrated to the device into ->ptr (for
	 * verification), and fails the call without a place to put it.
	 */
	copy = malloc(CANARY_PAGES * page_size);
	if (!copy)
		return NULL;

	cfd[D_DMIRROR] = hmm_open(0);
	cfd[D_RUST] = rust_open();
	cfd[D_NOVA] = nova_open(nova_bdf);
	while (!flag_get(&stop)) {
		k = rnd_below(&rnd, NR_KINDS);
		if (cfd[k] < 0)
			continue;
		moved = 0;
		if (k == D_NOVA)
			ret = nova_migrate(cfd[k], true, canary,
					   CANARY_PAGES * page_size, &moved);
		else
			ret = hmm_cmd(cfd[k], HMM_DMIRROR_MIGRATE_TO_DEV,
				      canary, copy, CANARY_PAGES, &moved);
		/*
		 * The fuzzer releases device memory, fails allocations
		 * (FLAGS) and makes pages exclusive: errors are expected,
		 * lost data is not.
		 */
		if (ret)
			res->canary_errors++;
		res->canary_pages_moved += moved;
		res->canary_moved[k] += moved;
		usleep(1000 * rnd_below(&rnd, 10));
		if (rnd_below(&rnd, 2)) {
			if (k == D_NOVA)
				nova_migrate(cfd[k], false, canary,
					     CANARY_PAGES * page_size, &moved);
			else
				hmm_cmd(cfd[k], HMM_DMIRROR_MIGRATE_TO_SYS,
					canary, copy, CANARY_PAGES, &moved);
		}
		/* The CPU reads whatever is still in device memory back. */
		canary_ok();
		res->canary_rounds++;
	}
	for (k = 0; k < NR_KINDS; k++)
		if (cfd[k] >= 0)
			close(cfd[k]);
	free(copy);
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* fork */

/*
 * A child checks its copy of the canary, then fuzzes the files it
 * inherited, whose mirrors are of the parent's address space.
 */
static void __noreturn fork_child(uint64_t seed)
{
	uint64_t rnd = seed;
	int n, i, k;

	if (!canary_ok())
		_exit(1);
	for (n = 0; n < 20; n++) {
		i = rnd_below(&rnd, NR_IOCS);
		k = iocs[i].kind;
		if (!nfds[k] || (is_release(i) && !release_concurrent))
			continue;
		fuzz_one(&rnd, i, fds[k][rnd_below(&rnd, nfds[k])]);
	}
	_exit(canary_ok() ? 0 : 1);
}

static void *fork_thread(void *arg)
{
	uint64_t rnd = 43;
	int status, waited;
	pid_t pid;

	while (!flag_get(&stop)) {
		usleep(1000 * (50 + rnd_below(&rnd, 200)));
		pthread_mutex_lock(&map_lock);
		pid = fork();
		if (!pid)
			fork_child(rnd_next(&rnd));
		pthread_mutex_unlock(&map_lock);
		if (pid < 0)
			continue;
		res->forks++;
		for (waited = 0; waited < 600; waited++) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			usleep(50000);
		}
		if (waited == 600) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(res->note, sizeof(res->note),
				 "a forked child hung for 30 s");
			res->children_bad++;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			if (WIFSIGNALED(status))
				snprintf(res->note, sizeof(res->note),
					 "a forked child died of signal %d",
					 WTERMSIG(status));
			else
				snprintf(res->note, sizeof(res->note),
					 "a forked child saw a wrong canary");
			res->children_bad++;
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */

static void *map_or_die(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	return p;
}

/* Files of the calling process: their mirrors are of its address space. */
static void open_devices(void)
{
	int d, fd;

	memset(nfds, 0, sizeof(nfds));
	for (d = 0; d < 5; d++) {
		fd = hmm_open(d);
		if (fd >= 0)
			fds[D_DMIRROR][nfds[D_DMIRROR]++] = fd;
	}
	fd = rust_open();
	if (fd >= 0)
		fds[D_RUST][nfds[D_RUST]++] = fd;
	fd = nova_open(nova_bdf);
	if (fd >= 0)
		fds[D_NOVA][nfds[D_NOVA]++] = fd;
}

/* The fuzzer, in a child of the test: everything but the report. */
static void worker(uint64_t seed)
{
	pthread_t tf, tc, tk, tx;
	unsigned long p;
	char *r;

	/* [guard][fuzz region][guard], the scratch area and then a guard */
	r = map_or_die(FUZZ_SIZE + 3 * GUARD_SIZE, PROT_NONE);
	fuzz = (char *)(((uintptr_t)r + GUARD_SIZE + SZ_2M - 1) & ~(SZ_2M - 1));
	if (mprotect(fuzz, FUZZ_SIZE, PROT_READ | PROT_WRITE))
		ksft_exit_fail_msg("mprotect: %s\n", strerror(errno));
	r = map_or_die(SCRATCH_SIZE + GUARD_SIZE, PROT_NONE);
	scratch = r;
	mprotect(scratch, SCRATCH_SIZE, PROT_READ | PROT_WRITE);
	r = map_or_die(2 * page_size, PROT_NONE);
	argbuf = r;
	mprotect(argbuf, page_size, PROT_READ | PROT_WRITE);
	canary = map_aligned(CANARY_PAGES * page_size, SZ_2M);
	if (!canary)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	madvise(canary, SZ_2M, MADV_HUGEPAGE);
	for (p = 0; p < CANARY_PAGES; p++)
		tag_fill_page(canary + p * page_size, CANARY_ID, p, 0);
	memset(fuzz, 0x11, FUZZ_SIZE);
	open_devices();

	/* Threads first: no mmap of a thread stack into the region later. */
	if (pthread_create(&tf, NULL, fuzz_thread, &seed) ||
	    pthread_create(&tc, NULL, churn_thread, NULL) ||
	    pthread_create(&tk, NULL, canary_thread, NULL) ||
	    pthread_create(&tx, NULL, fork_thread, NULL))
		ksft_exit_fail_msg("pthread_create\n");
	pthread_join(tf, NULL);
	flag_set(&stop);
	pthread_join(tc, NULL);
	pthread_join(tk, NULL);
	pthread_join(tx, NULL);
	if (!release_concurrent)
		release_phase(seed + 1);
	canary_ok();
	res->done = true;
	exit(0);
}

static void print_errnos(int i)
{
	char buf[600];
	size_t len = 0;
	int e;

	buf[0] = 0;
	for (e = 1; e < MAX_ERRNO_BIT; e++)
		if (res->ioc[i].errnos[e / 64] & (1ULL << (e % 64)))
			len += snprintf(buf + len, sizeof(buf) - len, " %s",
					strerrorname_np(e) ?: "?");
	ksft_print_msg("%s.%s: %llu calls, %llu ok, errnos:%s%s\n",
		       kind_name[iocs[i].kind], iocs[i].name,
		       (unsigned long long)res->ioc[i].calls,
		       (unsigned long long)res->ioc[i].ok,
		       len ? buf : " none",
		       res->ioc[i].bad_ret ? " BAD RETURN VALUES" : "");
}

int main(int argc, char **argv)
{
	uint64_t seed = 0x5eed, calls = 0, bad = 0, kcalls[NR_KINDS] = { 0 };
	static const char * const kind_dev[] = {
		"/dev/hmm_dmirror* (modprobe test_hmm)",
		"/dev/rust_hmm_mirror (modprobe rust_hmm_mirror)",
		"a render node of NOVA_P2P_DEV bound to nova_p2p",
	};
	unsigned int seconds;
	int status, opt, k;
	size_t i;
	pid_t pid;
	const char *s;

	seconds = stress_seconds(NULL);
	s = getenv("HMM_STRESS_SEED");
	if (s && *s)
		seed = strtoull(s, NULL, 0);
	while ((opt = getopt(argc, argv, "t:s:")) != -1) {
		if (opt == 't')
			seconds = stress_seconds(optarg);
		else if (opt == 's')
			seed = strtoull(optarg, NULL, 0);
		else
			ksft_exit_fail_msg("usage: %s [-t seconds] [-s seed]\n",
					   argv[0]);
	}
	nova_bdf = getenv("NOVA_P2P_DEV");
	s = getenv("HMM_STRESS_FUZZ_RELEASE");
	release_concurrent = s && !strcmp(s, "concurrent");
	ksft_print_header();
	/* Which devices are there; the fuzzing child opens its own files. */
	open_devices();
	for (k = 0; k < NR_KINDS; k++)
		for (opt = 0; opt < nfds[k]; opt++)
			close(fds[k][opt]);
	if (!nfds[D_DMIRROR] && !nfds[D_RUST] && !nfds[D_NOVA])
		ksft_exit_skip("none of %s, %s, %s\n", kind_dev[0],
			       kind_dev[1], kind_dev[2]);
	ksft_set_plan(3 + NR_KINDS);
	ksft_print_msg("uapi_fuzz: seed %#llx (HMM_STRESS_SEED or -s), %u s\n",
		       (unsigned long long)seed, seconds);
	ksft_print_msg("files: %d dmirror, %d rust, %d nova\n",
		       nfds[D_DMIRROR], nfds[D_RUST], nfds[D_NOVA]);
	ksft_print_msg("test_hmm RELEASE: %s\n", release_concurrent ?
		       "with the others (HMM_STRESS_FUZZ_RELEASE=concurrent)" :
		       "in a phase of its own at the end");
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	deadline = now_ms() + seconds * 1000ULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid)
		worker(seed);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		res->child_signal = WTERMSIG(status);

	for (i = 0; i < NR_IOCS; i++) {
		if (!nfds[iocs[i].kind])
			continue;
		print_errnos(i);
		calls += res->ioc[i].calls;
		kcalls[iocs[i].kind] += res->ioc[i].calls;
		bad += res->ioc[i].bad_ret;
		if (res->ioc[i].bad_ret)
			ksft_print_msg("%s.%s returned %ld\n",
				       kind_name[iocs[i].kind], iocs[i].name,
				       res->ioc[i].last_bad_ret);
	}
	print_counts("total", "ioctls", calls, NULL);
	print_counts("region churn", "munmap+mmap", res->unmaps,
		     "mprotect", res->mprotects, "madvise", res->madvises,
		     "populates", res->touches, "forks", res->forks,
		     "bad forks", res->children_bad, NULL);
	print_counts("canary", "rounds", res->canary_rounds,
		     "pages moved to device memory", res->canary_pages_moved,
		     "migrations refused", res->canary_errors,
		     "bytes checked", res->canary_rounds * CANARY_PAGES * page_size,
		     NULL);
	if (res->note[0])
		ksft_print_msg("%s\n", res->note);

	ksft_test_result(!bad, "only 0 or -1 with an errno came back\n");
	ksft_test_result(!res->child_signal && res->done && !res->children_bad,
			 "the fuzzing process and its forks survived%s\n",
			 res->child_signal ? " NOT: killed by a signal" : "");
	ksft_test_result(!res->canary_bad && res->canary_rounds,
			 "canary intact\n");
	for (k = 0; k < NR_KINDS; k++) {
		if (!nfds[k])
			ksft_test_result_skip("%s: no %s\n", kind_name[k],
					      kind_dev[k]);
		else
			/*
			 * The canary went through this kind's memory: its
			 * check covered data that moved there and back.
			 */
			ksft_test_result(kcalls[k] > 0 && res->canary_moved[k] > 0,
					 "%s: %llu ioctls, %llu canary pages moved in\n",
					 kind_name[k],
					 (unsigned long long)kcalls[k],
					 (unsigned long long)res->canary_moved[k]);
	}
	ksft_finished();
}
