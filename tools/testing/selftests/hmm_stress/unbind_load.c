// SPDX-License-Identifier: GPL-2.0
/*
 * Page walks and CPU faults on device-private pages while their provider
 * goes away.
 *
 * Three providers each own a region of this process and, in a loop, move it
 * into their device memory, keep it there for a moment and then tear the
 * device memory down, which evicts the pages to RAM and unregisters the
 * pagemap:
 *
 *   test_hmm  /dev/hmm_dmirror0: regions "hmm" (order-0 pages) and
 *             "hmm_thp" (2 MiB-aligned, migrated as device-private THPs);
 *             HMM_DMIRROR_RELEASE, and every Nth time close + rmmod +
 *             modprobe test_hmm
 *   rust      /dev/rust_hmm_mirror: region "rust"; close (each open is a
 *             device whose memory is registered at open and unregistered at
 *             close), and every Nth time rmmod + modprobe rust_hmm_mirror
 *   nova      nova_p2p on NOVA_P2P_DEV: region "nova"; unbind + drivers_probe,
 *             and every Nth time rmmod + modprobe nova_p2p
 *
 * Meanwhile walkers run hmm_range_fault() over the regions of the OTHER
 * providers, so that no file or module reference of theirs holds the
 * provider that is going away:
 *
 *   test_hmm  HMM_DMIRROR_SNAPSHOT and READ on /dev/hmm_dmirror1 (with DMA
 *             aliases asked for, so nova_p2p's dma_alias callback runs)
 *   rust      the Rust sample's SNAPSHOT and READ
 *   nova      DRM_IOCTL_NOVA_P2P_RESIDENCY
 *   rdma      ibv_advise_mr(PREFETCH, IBV_ADVISE_MR_FLAG_FLUSH) and RDMA READ
 *             of ODP MRs over the regions, over rxe (HMM_STRESS_RXE_DEV,
 *             HMM_STRESS_RXE_GID)
 *   cpu       CPU reads, i.e. do_swap_page() faults on the device pages
 *
 * A walk "raced" a teardown when the owner's teardown ran while the walk was
 * in flight.  The counts per scenario of the review's B3 are printed: (a) a
 * PTE walk of a foreign device-private page while its pagemap is evicted and
 * unregistered, (b) the same on a device-private THP (absent PMD), (c) a CPU
 * fault during the teardown.  Every byte that is read (READ, RDMA READ, CPU)
 * is checked against the region's tags.
 *
 * Usage: unbind_load [-t SECONDS] [-r RELOAD_EVERY]
 *   HMM_STRESS_SECONDS (60), HMM_STRESS_RELOAD_EVERY (10), NOVA_P2P_DEV,
 *   HMM_SPM_ADDR_DEV0/1 (test_hmm's parameters when it is reloaded),
 *   HMM_STRESS_HMM_CLOSE_EVICT=0 (move test_hmm's pages back to RAM before
 *   closing its file and rmmod; by default they stay in device memory)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../kselftest.h"
#include "hmm_stress.h"
#ifdef HAVE_IBVERBS
#include "rdma_util.h"
#endif

enum { P_HMM, P_RUST, P_NOVA, NR_PROV };
static const char * const prov_name[] = { "test_hmm", "rust", "nova" };
static const char * const prov_module[] = {
	"test_hmm", "rust_hmm_mirror", "nova_p2p"
};

enum { R_HMM, R_HMM_THP, R_RUST, R_NOVA, NR_REGIONS };
static const char * const region_name[] = { "hmm", "hmm_thp", "rust", "nova" };
static const unsigned long region_pages[] = { 256, 1024, 256, 256 };
static const int region_prov[] = { P_HMM, P_HMM, P_RUST, P_NOVA };

enum { W_HMM, W_RUST, W_NOVA, W_RDMA, W_CPU, NR_WALKERS };
static const char * const walker_name[] = {
	"test_hmm dmirror1", "rust", "nova", "rdma", "cpu"
};

static char *region_buf[NR_REGIONS];

#define inc(x)	__atomic_add_fetch(&(x), 1, __ATOMIC_RELAXED)
#define add(x, v) __atomic_add_fetch(&(x), (v), __ATOMIC_RELAXED)

struct provider {
	/* odd while the device memory is being torn down */
	unsigned long seq;
	/* odd while the module is being unloaded and loaded again */
	unsigned long rseq;
	/*
	 * Walkers of this module hold the gate for reading while they use
	 * their file of it; the provider takes it for writing, closes them
	 * and unloads the module.
	 */
	pthread_rwlock_t gate;
	int walker_fd;
	int available;		/* 0, or -errno of opening the device */
	bool reloadable;
	uint64_t iterations, teardowns, reloads, migrated, thp_migrations;
	uint64_t thp_pages;
	uint64_t errors;
	char last_error[160];
};

static struct provider prov[NR_PROV];

struct walker {
	int available;
	uint64_t walks, bytes_checked, errors, busy;
	/* raced walks per region; of them, which saw device-private entries */
	uint64_t raced[NR_REGIONS], raced_seen[NR_REGIONS];
	/* raced walks that raced a module unload */
	uint64_t raced_unload[NR_REGIONS];
	char last_error[160];
};

static struct walker walkers[NR_WALKERS];

static bool stop;
static uint64_t deadline;
static unsigned int reload_every = 10;
/* test_hmm: close the file (and rmmod) with pages in device memory */
static bool close_evicts;
static const char *nova_bdf;
static uint64_t data_errors;
/* bytes of test_hmm's copies of migrated pages checked */
static uint64_t copy_bytes;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Whether this teardown reloads the provider's module: the first one, then
 * every reload_every-th, so that a slow kernel that gets through only a few
 * teardowns in the run still reloads each module once.
 */
static bool reload_due(const struct provider *pv)
{
	return pv->reloadable && (pv->iterations - 1) % reload_every == 0;
}

static void teardown_begin(int p)
{
	__atomic_add_fetch(&prov[p].seq, 1, __ATOMIC_SEQ_CST);
}

static void teardown_end(int p)
{
	__atomic_add_fetch(&prov[p].seq, 1, __ATOMIC_SEQ_CST);
}

/* A module unload and load is a teardown too, with its own count. */
static void reload_begin(int p)
{
	__atomic_add_fetch(&prov[p].rseq, 1, __ATOMIC_SEQ_CST);
}

static void reload_end(int p)
{
	__atomic_add_fetch(&prov[p].rseq, 1, __ATOMIC_SEQ_CST);
}

/* Both counts of the owner of region @r, as one stamp. */
static unsigned long seq_read(int r)
{
	struct provider *pv = &prov[region_prov[r]];

	return __atomic_load_n(&pv->seq, __ATOMIC_SEQ_CST) << 32 |
	       (__atomic_load_n(&pv->rseq, __ATOMIC_SEQ_CST) & 0xffffffff);
}

/* Whether the count (@shift 32) or the reload count (0) moved since @s0. */
static bool moved(unsigned long s0, unsigned long s1, int shift)
{
	unsigned long a = (s0 >> shift) & 0xffffffff;

	return (a & 1) || a != ((s1 >> shift) & 0xffffffff);
}

static void record(struct walker *w, int r, unsigned long s0, bool seen)
{
	unsigned long s1 = seq_read(r);

	w->walks++;
	if (!moved(s0, s1, 32))
		return;
	w->raced[r]++;
	if (moved(s0, s1, 0))
		w->raced_unload[r]++;
	if (seen)
		w->raced_seen[r]++;
}

static void error_msg(char *buf, uint64_t *count, const char *fmt, ...)
{
	va_list ap;

	inc(*count);
	pthread_mutex_lock(&report_lock);
	va_start(ap, fmt);
	vsnprintf(buf, 160, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&report_lock);
}

/* Checks @n pages read from region @r at page @first; counts the bytes. */
static void check_pages(uint64_t *bytes, const char *who, int r,
			unsigned long first, unsigned long n, const char *buf)
{
	unsigned long i;
	long bad;

	for (i = 0; i < n; i++) {
		bad = tag_check_page(buf + i * page_size, r + 1, first + i, 0);
		if (bad >= 0) {
			if (inc(data_errors) <= 10) {
				pthread_mutex_lock(&report_lock);
				tag_report(who, buf + i * page_size, bad, r + 1,
					   first + i, 0);
				pthread_mutex_unlock(&report_lock);
			}
		}
	}
	add(*bytes, n * page_size);
}

/* A random range of region @r: whole or part, whole folios for THPs. */
static void pick(uint64_t *rnd, int r, unsigned long *first, unsigned long *n)
{
	unsigned long npages = region_pages[r];

	if (rnd_below(rnd, 2)) {
		*first = 0;
		*n = npages;
		return;
	}
	*first = rnd_below(rnd, npages);
	*n = 1 + rnd_below(rnd, npages - *first);
}

/*
 * A random region of a provider that is there and is not @p (main() made
 * sure there is one).  Walks that fault (@faults) take the THP region an
 * eighth as often as the others: each one moves the THPs back to RAM, and
 * they should be in device memory when test_hmm tears it down.
 */
static int foreign_region(uint64_t *rnd, int p, bool faults)
{
	int r;

	for (;;) {
		r = rnd_below(rnd, NR_REGIONS);
		if (region_prov[r] == p || prov[region_prov[r]].available)
			continue;
		if (r == R_HMM_THP && faults && rnd_below(rnd, 8))
			continue;
		return r;
	}
}

/* ---------------------------------------------------------------------- */
/* Providers */

/* Pages of region @r in dmirror0's memory, and of them in THPs. */
static void hmm_count(int fd, int r, unsigned char *snap, uint64_t *dev,
		      uint64_t *thp)
{
	unsigned long i;

	*dev = 0;
	*thp = 0;
	if (hmm_cmd(fd, HMM_DMIRROR_SNAPSHOT, region_buf[r], snap,
		    region_pages[r], NULL))
		return;
	for (i = 0; i < region_pages[r]; i++) {
		if ((snap[i] & 0xf0) != HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL)
			continue;
		(*dev)++;
		if (snap[i] & HMM_DMIRROR_PROT_PMD)
			(*thp)++;
	}
}

static int hmm_fill_device(int fd, char *bounce, unsigned char *snap)
{
	struct provider *pv = &prov[P_HMM];
	static const int rs[] = { R_HMM_THP, R_HMM };
	uint64_t cpages, dev, thp;
	unsigned long n;
	unsigned int k;
	int ret;

	for (k = 0; k < ARRAY_SIZE(rs); k++) {
		n = region_pages[rs[k]];
		ret = hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, region_buf[rs[k]],
			      bounce, n, &cpages);
		/* ENOENT: a walker faulted a page back before the copy-out. */
		if (ret && ret != -ENOENT && ret != -EBUSY)
			return ret;
		if (!ret)
			check_pages(&copy_bytes, "test_hmm MIGRATE_TO_DEV copy",
				    rs[k], 0, n, bounce);
		/* What is in device memory right after the migration. */
		hmm_count(fd, rs[k], snap, &dev, &thp);
		pv->migrated += dev;
		if (rs[k] == R_HMM_THP) {
			pv->thp_pages += thp;
			if (thp)
				pv->thp_migrations++;
		}
	}
	return 0;
}

/*
 * Migrates both test_hmm regions back to RAM until dmirror0 has none of
 * their pages (a page locked by a concurrent fault is skipped, so it may
 * take a few rounds).  0, or -EBUSY if pages stayed.
 */
static int hmm_drain(int fd, unsigned char *snap)
{
	static const int rs[] = { R_HMM_THP, R_HMM };
	unsigned long i, left;
	unsigned int k, tries;

	for (tries = 0; tries < 100; tries++) {
		left = 0;
		for (k = 0; k < ARRAY_SIZE(rs); k++) {
			hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_SYS,
				region_buf[rs[k]], NULL, region_pages[rs[k]],
				NULL);
			if (hmm_cmd(fd, HMM_DMIRROR_SNAPSHOT, region_buf[rs[k]],
				    snap, region_pages[rs[k]], NULL)) {
				left++;
				continue;
			}
			for (i = 0; i < region_pages[rs[k]]; i++)
				if ((snap[i] & 0xf0) ==
				    HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL)
					left++;
		}
		if (!left)
			return 0;
	}
	return -EBUSY;
}

/* Closes the walkers' files of module @p and cycles the module. */
static int reload_module(int p)
{
	struct provider *pv = &prov[p];
	int ret;

	pthread_rwlock_wrlock(&pv->gate);
	if (pv->walker_fd >= 0)
		close(pv->walker_fd);
	pv->walker_fd = -1;
	ret = module_unload(prov_module[p], 10000);
	if (ret) {
		error_msg(pv->last_error, &pv->errors, "rmmod %s: %s",
			  prov_module[p], strerror(-ret));
		/* It may be gone anyway; make sure it is there again. */
	}
	ret = module_load(prov_module[p]);
	if (ret)
		error_msg(pv->last_error, &pv->errors, "modprobe %s: %s",
			  prov_module[p], strerror(-ret));
	else
		pv->reloads++;
	pthread_rwlock_unlock(&pv->gate);
	return ret;
}

static void hold(uint64_t *rnd)
{
	usleep(1000 * rnd_below(rnd, 20));
}

static void *hmm_provider(void *arg)
{
	struct provider *pv = &prov[P_HMM];
	char *bounce = malloc(region_pages[R_HMM_THP] * page_size);
	unsigned char *snap = malloc(region_pages[R_HMM_THP]);
	uint64_t rnd = 11;
	int fd = -1, ret;

	while (!flag_get(&stop) && bounce && snap) {
		if (fd < 0) {
			if (!wait_path("/dev/hmm_dmirror0", 5000))
				break;
			fd = hmm_open(0);
			if (fd < 0) {
				error_msg(pv->last_error, &pv->errors,
					  "open dmirror0: %s", strerror(-fd));
				break;
			}
		}
		pv->iterations++;
		ret = hmm_fill_device(fd, bounce, snap);
		if (ret)
			error_msg(pv->last_error, &pv->errors,
				  "MIGRATE_TO_DEV: %s", strerror(-ret));
		hold(&rnd);
		teardown_begin(P_HMM);
		if (reload_due(pv) &&
		    (close_evicts || !hmm_drain(fd, snap))) {
			/*
			 * Closing the last file evicts dmirror0's memory while
			 * walkers fault it: a page that a fault holds locked
			 * stays in device memory, naming the dmirror that
			 * release drops (the review's B3 race; test_hmm's
			 * device pages hold a reference on their mirror since
			 * "lib/test_hmm: let device pages hold a reference on
			 * their mirror").  HMM_STRESS_HMM_CLOSE_EVICT=0 moves
			 * the pages back to RAM first.
			 */
			close(fd);
			fd = -1;
			reload_begin(P_HMM);
			ret = reload_module(P_HMM);
			reload_end(P_HMM);
		} else {
			/* Evicts dmirror0's memory and unregisters it. */
			ret = hmm_cmd(fd, HMM_DMIRROR_RELEASE,
				      region_buf[R_HMM], NULL, 1, NULL);
			if (ret)
				error_msg(pv->last_error, &pv->errors,
					  "RELEASE: %s", strerror(-ret));
		}
		pv->teardowns++;
		teardown_end(P_HMM);
		if (now_ms() > deadline)
			flag_set(&stop);
	}
	if (fd >= 0)
		close(fd);
	free(bounce);
	free(snap);
	return NULL;
}

static void *rust_provider(void *arg)
{
	struct provider *pv = &prov[P_RUST];
	uint64_t rnd = 12, cpages;
	int fd, ret;

	while (!flag_get(&stop)) {
		if (!wait_path(RUST_HMM_DEV, 5000))
			break;
		/* Registers 16 MiB of device-private memory. */
		fd = rust_open();
		if (fd < 0) {
			error_msg(pv->last_error, &pv->errors, "open: %s",
				  strerror(-fd));
			break;
		}
		pv->iterations++;
		ret = hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, region_buf[R_RUST],
			      NULL, region_pages[R_RUST], &cpages);
		if (ret && ret != -EBUSY)
			error_msg(pv->last_error, &pv->errors,
				  "MIGRATE_TO_DEV: %s", strerror(-ret));
		else if (!ret)
			pv->migrated += cpages;
		hold(&rnd);
		teardown_begin(P_RUST);
		/* Evicts the device memory and unregisters it. */
		close(fd);
		if (reload_due(pv)) {
			reload_begin(P_RUST);
			reload_module(P_RUST);
			reload_end(P_RUST);
		}
		pv->teardowns++;
		teardown_end(P_RUST);
		if (now_ms() > deadline)
			flag_set(&stop);
	}
	return NULL;
}

static int nova_wait_open(void)
{
	uint64_t end = now_ms() + 10000;
	int fd;

	do {
		fd = nova_open(nova_bdf);
		if (fd >= 0 || flag_get(&stop))
			return fd;
		usleep(10000);
	} while (now_ms() < end);
	return fd;
}

static void *nova_provider(void *arg)
{
	struct provider *pv = &prov[P_NOVA];
	size_t len = region_pages[R_NOVA] * page_size;
	uint64_t rnd = 13, moved;
	int fd, ret;

	while (!flag_get(&stop)) {
		fd = nova_wait_open();
		if (fd < 0) {
			error_msg(pv->last_error, &pv->errors,
				  "open the render node of %s: %s", nova_bdf,
				  strerror(-fd));
			break;
		}
		pv->iterations++;
		ret = nova_migrate(fd, true, region_buf[R_NOVA], len, &moved);
		if (ret)
			error_msg(pv->last_error, &pv->errors,
				  "MIGRATE_TO_VRAM: %s", strerror(-ret));
		pv->migrated += moved;
		hold(&rnd);
		teardown_begin(P_NOVA);
		if (reload_due(pv)) {
			close(fd);
			fd = -1;
			reload_begin(P_NOVA);
			reload_module(P_NOVA);
			reload_end(P_NOVA);
		} else {
			/* Unbinding evicts the VRAM and unregisters it. */
			ret = sysfs_write(NOVA_P2P_DRIVER "/unbind", nova_bdf);
			if (ret)
				error_msg(pv->last_error, &pv->errors,
					  "unbind: %s", strerror(-ret));
		}
		pv->teardowns++;
		teardown_end(P_NOVA);
		if (fd >= 0) {
			close(fd);
			ret = sysfs_write("/sys/bus/pci/drivers_probe",
					  nova_bdf);
			if (ret)
				error_msg(pv->last_error, &pv->errors,
					  "drivers_probe: %s", strerror(-ret));
		}
		if (now_ms() > deadline)
			flag_set(&stop);
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* Walkers */

/*
 * Takes the gate of module @p and opens the walker's file of it if it is
 * not open: the fd, or -errno with the gate released.
 */
static int walker_get(int p, int (*open_fn)(void))
{
	struct provider *pv = &prov[p];
	int fd;

	pthread_rwlock_rdlock(&pv->gate);
	fd = __atomic_load_n(&pv->walker_fd, __ATOMIC_ACQUIRE);
	if (fd >= 0)
		return fd;
	fd = open_fn();
	if (fd < 0) {
		pthread_rwlock_unlock(&pv->gate);
		return fd;
	}
	/* Another walker thread of the module may have opened it too. */
	if (!__atomic_compare_exchange_n(&pv->walker_fd, &(int){ -1 }, fd,
					 false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		close(fd);
		fd = pv->walker_fd;
	}
	return fd;
}

static void walker_put(int p)
{
	pthread_rwlock_unlock(&prov[p].gate);
}

/* Forgets a walker's file that went stale (nova_p2p unbound). */
static void walker_drop(int p, int fd)
{
	if (__atomic_compare_exchange_n(&prov[p].walker_fd, &fd, -1, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		close(fd);
}

static int open_dmirror1(void)
{
	int fd = hmm_open(1);

	/* Ask for DMA aliases, for the CPU: nova_p2p's dma_alias runs. */
	if (fd >= 0 && hmm_cmd(fd, HMM_DMIRROR_DMA_ALIAS, NULL, NULL, 1, NULL)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static int open_nova(void)
{
	return nova_open(nova_bdf);
}

static bool walk_error_ok(int err)
{
	/* hmm_range_fault() gave up under invalidations, or device gone. */
	return err == -EBUSY || err == -ENODEV || err == -EAGAIN;
}

/*
 * Snapshot entries a walker may give for a page of another provider that is
 * populated (the regions are never unmapped): a RAM page, or someone else's
 * device-private page: none for a PTE, an error for a PMD (a THP), or an
 * alias.
 */
static bool hmm_snap_ok(int r, unsigned char e, bool *seen)
{
	unsigned char base = e & ~(HMM_DMIRROR_PROT_READ |
				   HMM_DMIRROR_PROT_WRITE |
				   HMM_DMIRROR_PROT_PMD);

	if (e == HMM_DMIRROR_PROT_NONE || base == HMM_DMIRROR_PROT_DMA_ALIAS ||
	    (r == R_HMM_THP && e == HMM_DMIRROR_PROT_ERROR)) {
		*seen = true;
		return true;
	}
	return base == HMM_DMIRROR_PROT_NONE && e != HMM_DMIRROR_PROT_ERROR;
}

/* SNAPSHOT and READ of test_hmm (dmirror1) or the Rust sample. */
static void *mirror_walker(void *arg)
{
	int wi = (long)arg;
	int p = wi == W_HMM ? P_HMM : P_RUST;
	struct walker *w = &walkers[wi];
	char *buf = malloc(region_pages[R_HMM_THP] * page_size);
	unsigned char *snap = malloc(region_pages[R_HMM_THP]);
	uint64_t rnd = 21 + wi;
	unsigned long first, n, i, s0;
	int fd, r, ret;
	bool seen, snapshot;

	while (!flag_get(&stop) && buf && snap && !w->available) {
		fd = walker_get(p, wi == W_HMM ? open_dmirror1 : rust_open);
		if (fd < 0) {
			usleep(2000);
			continue;
		}
		snapshot = rnd_below(&rnd, 4);
		/*
		 * dmirror1 walks dmirror0's pages too: same module, but not
		 * the same device memory (the gate keeps it out of rmmod).
		 */
		r = foreign_region(&rnd, wi == W_HMM ? -1 : p, !snapshot);
		pick(&rnd, r, &first, &n);
		s0 = seq_read(r);
		if (snapshot) {
			ret = hmm_cmd(fd, HMM_DMIRROR_SNAPSHOT,
				      region_buf[r] + first * page_size, snap,
				      n, NULL);
			seen = false;
			for (i = 0; !ret && i < n; i++)
				if (!hmm_snap_ok(r, snap[i], &seen))
					error_msg(w->last_error, &w->errors,
						  "SNAPSHOT of %s page %lu: %#x",
						  region_name[r], first + i,
						  snap[i]);
		} else {
			/* Faults the other provider's pages to RAM. */
			ret = hmm_cmd(fd, HMM_DMIRROR_READ,
				      region_buf[r] + first * page_size, buf,
				      n, NULL);
			seen = false;
			if (!ret)
				check_pages(&w->bytes_checked, walker_name[wi],
					    r, first, n, buf);
		}
		walker_put(p);
		if (ret && walk_error_ok(ret))
			w->busy++;
		else if (ret)
			error_msg(w->last_error, &w->errors, "%s of %s: %s",
				  "SNAPSHOT/READ", region_name[r],
				  strerror(-ret));
		else
			record(w, r, s0, seen);
	}
	free(buf);
	free(snap);
	return NULL;
}

static void *nova_walker(void *arg)
{
	struct walker *w = &walkers[W_NOVA];
	unsigned char *res = malloc(region_pages[R_HMM_THP]);
	uint64_t rnd = 24;
	unsigned long first, n, i, s0;
	int fd, r;
	long ret;
	bool seen;

	while (!flag_get(&stop) && res && !w->available) {
		fd = walker_get(P_NOVA, open_nova);
		if (fd < 0) {
			usleep(2000);
			continue;
		}
		r = foreign_region(&rnd, P_NOVA, false);
		pick(&rnd, r, &first, &n);
		s0 = seq_read(r);
		ret = nova_residency(fd, region_buf[r] + first * page_size,
				     n * page_size, res);
		seen = false;
		for (i = 0; ret >= 0 && i < n; i++) {
			/*
			 * Populated: "none" is someone else's device page,
			 * "other" a THP of someone else (an error entry).
			 */
			if (res[i] == NOVA_P2P_RES_NONE ||
			    res[i] == NOVA_P2P_RES_OTHER)
				seen = true;
			else if (res[i] != NOVA_P2P_RES_RAM)
				error_msg(w->last_error, &w->errors,
					  "RESIDENCY of %s page %lu: %u",
					  region_name[r], first + i, res[i]);
		}
		if (ret > 0)
			error_msg(w->last_error, &w->errors,
				  "RESIDENCY: %ld pages of %s in nova's VRAM",
				  ret, region_name[r]);
		/* Unbound: the file is dead, open the new device later. */
		if (ret == -ENODEV)
			walker_drop(P_NOVA, fd);
		walker_put(P_NOVA);
		if (ret < 0 && walk_error_ok(ret))
			w->busy++;
		else if (ret < 0)
			error_msg(w->last_error, &w->errors, "RESIDENCY of %s: %s",
				  region_name[r], strerror(-ret));
		else
			record(w, r, s0, seen);
	}
	free(res);
	return NULL;
}

static void *cpu_walker(void *arg)
{
	struct walker *w = &walkers[W_CPU];
	uint64_t rnd = 25;
	unsigned long page, s0;
	char *p;
	long bad;
	int r;

	while (!flag_get(&stop)) {
		r = foreign_region(&rnd, -1, true);
		page = rnd_below(&rnd, region_pages[r]);
		p = region_buf[r] + page * page_size;
		s0 = seq_read(r);
		/* A read fault migrates the page back: do_swap_page(). */
		bad = tag_check_page(p, r + 1, page, 0);
		record(w, r, s0, true);
		if (bad >= 0 && inc(data_errors) <= 10) {
			pthread_mutex_lock(&report_lock);
			tag_report("cpu", p, bad, r + 1, page, 0);
			pthread_mutex_unlock(&report_lock);
		}
		w->bytes_checked += page_size;
		if (!rnd_below(&rnd, 4))
			usleep(500);
	}
	return NULL;
}

#ifdef HAVE_IBVERBS
static void *rdma_walker(void *arg)
{
	struct walker *w = &walkers[W_RDMA];
	struct ibv_mr *mr[NR_REGIONS] = { 0 }, *lmr = NULL;
	size_t llen = region_pages[R_HMM_THP] * page_size;
	char *local = map_aligned(llen, page_size);
	struct rdma_ctx c;
	unsigned long first, n, s0;
	uint64_t rnd = 26;
	const char *dev;
	int gid, r, ret;

	ret = rdma_env(&dev, &gid);
	if (!ret)
		ret = rdma_open(&c, dev, gid);
	if (ret || !local) {
		w->available = ret ? ret : -ENOMEM;
		return NULL;
	}
	lmr = rdma_reg(&c, local, llen, false);
	for (r = 0; r < NR_REGIONS; r++)
		mr[r] = rdma_reg(&c, region_buf[r],
				 region_pages[r] * page_size, true);
	for (r = 0; r < NR_REGIONS; r++)
		if (!mr[r] || !lmr) {
			w->available = errno ? -errno : -EIO;
			goto out;
		}
	while (!flag_get(&stop)) {
		r = foreign_region(&rnd, -1, true);
		pick(&rnd, r, &first, &n);
		s0 = seq_read(r);
		if (rnd_below(&rnd, 2)) {
			/* The ODP page fault of the range, no data moved. */
			ret = rdma_prefetch(&c, mr[r],
					    region_buf[r] + first * page_size,
					    n * page_size, false);
			if (!ret)
				record(w, r, s0, false);
			else if (walk_error_ok(ret))
				w->busy++;
			else
				error_msg(w->last_error, &w->errors,
					  "prefetch of %s: %s", region_name[r],
					  strerror(-ret));
			continue;
		}
		memset(local, 0, n * page_size);
		ret = rdma_read(&c, lmr, local, mr[r],
				region_buf[r] + first * page_size,
				n * page_size);
		if (!ret) {
			record(w, r, s0, false);
			check_pages(&w->bytes_checked, "rdma READ", r, first,
				    n, local);
			continue;
		}
		error_msg(w->last_error, &w->errors, "RDMA READ of %s: %s",
			  region_name[r], ret == -EIO ?
			  ibv_wc_status_str(c.last_status) : strerror(-ret));
		if (rdma_reset(&c)) {
			error_msg(w->last_error, &w->errors, "QP reset failed");
			break;
		}
	}
out:
	for (r = 0; r < NR_REGIONS; r++)
		if (mr[r])
			ibv_dereg_mr(mr[r]);
	if (lmr)
		ibv_dereg_mr(lmr);
	rdma_close(&c);
	return NULL;
}
#else
static void *rdma_walker(void *arg)
{
	walkers[W_RDMA].available = -EOPNOTSUPP;
	return NULL;
}
#endif

/* ---------------------------------------------------------------------- */

/*
 * Once the walkers have stopped, a provider may still wait in the kernel
 * for the last of its pages: eviction skips a page that a fault holds at
 * that moment, and then test_hmm's RELEASE or the Rust sample's close
 * waits until that page is freed, which takes an access that moves it
 * back.  The CPU touches every page until the providers are done, for at
 * most 60 s.  Returns -1, or a provider that is still blocked.
 */
static void late_teardown(int p, uint64_t ms, unsigned int rounds)
{
	ksft_print_msg("provider %s: teardown ended %llu ms after the walkers stopped\n",
		       prov_name[p], (unsigned long long)ms);
	ksft_print_msg("  once the CPU touched the regions (%u rounds)\n", rounds);
}

static int join_providers(pthread_t *tp, bool *started)
{
	uint64_t t0 = now_ms(), end = t0 + 60000;
	unsigned int rounds = 0;
	unsigned long pg;
	int p, r, left;

	for (;;) {
		left = -1;
		for (p = 0; p < NR_PROV; p++) {
			if (!started[p])
				continue;
			if (!pthread_tryjoin_np(tp[p], NULL)) {
				started[p] = false;
				if (rounds)
					late_teardown(p, now_ms() - t0, rounds);
				continue;
			}
			left = p;
		}
		if (left < 0 || now_ms() > end)
			return left;
		if (now_ms() > t0 + 1000) {
			for (r = 0; r < NR_REGIONS; r++)
				for (pg = 0; pg < region_pages[r]; pg++)
					peek(region_buf[r] + pg * page_size, 0);
			rounds++;
		}
		usleep(50000);
	}
}

static void region_init(int r)
{
	size_t len = region_pages[r] * page_size;
	unsigned long p;

	region_buf[r] = map_aligned(len, SZ_2M);
	if (!region_buf[r])
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	madvise(region_buf[r], len,
		r == R_HMM_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (p = 0; p < region_pages[r]; p++)
		tag_fill_page(region_buf[r] + p * page_size, r + 1, p, 0);
}

static int probe_provider(int p)
{
	int fd;

	switch (p) {
	case P_HMM:
		fd = hmm_open(0);
		break;
	case P_RUST:
		fd = rust_open();
		break;
	default:
		fd = nova_open(nova_bdf);
		break;
	}
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static const char * const prov_dev[] = {
	"/dev/hmm_dmirror0 (modprobe test_hmm)",
	"/dev/rust_hmm_mirror (modprobe rust_hmm_mirror)",
	"a render node of NOVA_P2P_DEV bound to nova_p2p",
};

int main(int argc, char **argv)
{
	void *(*prov_fn[NR_PROV])(void *) = {
		hmm_provider, rust_provider, nova_provider
	};
	uint64_t sc_a_seen = 0, sc_a = 0, sc_b = 0, sc_c = 0, bytes = 0;
	uint64_t sc_a_seen_r[NR_REGIONS] = { 0 };
	uint64_t sc_a_unload = 0, sc_b_unload = 0, sc_c_unload = 0;
	uint64_t errors = 0, nprov = 0;
	pthread_t tp[NR_PROV], tw[NR_WALKERS];
	bool tp_started[NR_PROV] = { 0 };
	unsigned int seconds;
	int p, r, i, opt;
	char name[64];
	const char *s;

	seconds = stress_seconds(NULL);
	s = getenv("HMM_STRESS_RELOAD_EVERY");
	if (s && atoi(s) > 0)
		reload_every = atoi(s);
	while ((opt = getopt(argc, argv, "t:r:")) != -1) {
		if (opt == 't')
			seconds = stress_seconds(optarg);
		else if (opt == 'r' && atoi(optarg) > 0)
			reload_every = atoi(optarg);
		else
			ksft_exit_fail_msg("usage: %s [-t seconds] [-r reload_every]\n",
					   argv[0]);
	}
	nova_bdf = getenv("NOVA_P2P_DEV");
	s = getenv("HMM_STRESS_HMM_CLOSE_EVICT");
	close_evicts = !s || atoi(s) > 0;
	ksft_print_header();

	for (p = 0; p < NR_PROV; p++) {
		/* The providers must get the gate while walkers go round. */
		int kind = PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP;
		pthread_rwlockattr_t a;

		prov[p].walker_fd = -1;
		pthread_rwlockattr_init(&a);
		pthread_rwlockattr_setkind_np(&a, kind);
		pthread_rwlock_init(&prov[p].gate, &a);
		prov[p].available = probe_provider(p);
		prov[p].reloadable = module_unloadable(prov_module[p]);
		if (prov[p].available) {
			ksft_print_msg("%s: no %s: %s\n", prov_name[p],
				       prov_dev[p],
				       strerror(-prov[p].available));
			continue;
		}
		nprov++;
		ksft_print_msg("%s: %s\n", prov_name[p], prov[p].reloadable ?
			       "module reloaded every few teardowns" :
			       "built in: not reloaded");
	}
	if (nprov < 2)
		ksft_exit_skip("needs two of test_hmm, rust_hmm_mirror, nova_p2p\n");
	ksft_set_plan(6);
	ksft_print_msg("unbind_load: %u s, modules reloaded every %u teardowns\n",
		       seconds, reload_every);
	ksft_print_msg("test_hmm: %s\n", close_evicts ?
		       "closed with pages in device memory" :
		       "pages moved back to RAM before close and rmmod (HMM_STRESS_HMM_CLOSE_EVICT=0)");
	for (r = 0; r < NR_REGIONS; r++)
		region_init(r);
	deadline = now_ms() + seconds * 1000ULL;

	walkers[W_HMM].available = prov[P_HMM].available;
	walkers[W_RUST].available = prov[P_RUST].available;
	walkers[W_NOVA].available = prov[P_NOVA].available;
	for (p = 0; p < NR_PROV; p++)
		if (!prov[p].available) {
			pthread_create(&tp[p], NULL, prov_fn[p], NULL);
			tp_started[p] = true;
		}
	pthread_create(&tw[W_HMM], NULL, mirror_walker, (void *)(long)W_HMM);
	pthread_create(&tw[W_RUST], NULL, mirror_walker, (void *)(long)W_RUST);
	pthread_create(&tw[W_NOVA], NULL, nova_walker, NULL);
	pthread_create(&tw[W_RDMA], NULL, rdma_walker, NULL);
	pthread_create(&tw[W_CPU], NULL, cpu_walker, NULL);

	while (!flag_get(&stop)) {
		usleep(100000);
		if (now_ms() > deadline + 1000)
			flag_set(&stop);
	}
	for (i = 0; i < NR_WALKERS; i++)
		pthread_join(tw[i], NULL);
	p = join_providers(tp, tp_started);
	if (p >= 0)
		ksft_exit_fail_msg("provider %s: teardown blocked 60 s after the end\n",
				   prov_name[p]);

	for (p = 0; p < NR_PROV; p++) {
		struct provider *pv = &prov[p];

		if (pv->available)
			continue;
		snprintf(name, sizeof(name), "provider %s", prov_name[p]);
		print_counts(name, "iterations", pv->iterations,
			     "teardowns", pv->teardowns,
			     "of them with a module reload", pv->reloads,
			     "pages migrated to the device", pv->migrated,
			     "times with device-private THPs", pv->thp_migrations,
			     "pages in device-private THPs", pv->thp_pages,
			     "errors", pv->errors, NULL);
		if (pv->errors)
			ksft_print_msg("%s: last error: %s\n", name,
				       pv->last_error);
		errors += pv->errors;
	}
	for (i = 0; i < NR_WALKERS; i++) {
		struct walker *w = &walkers[i];

		snprintf(name, sizeof(name), "walker %s", walker_name[i]);
		if (w->available) {
			ksft_print_msg("%s: not run: %s\n", name,
				       strerror(-w->available));
			continue;
		}
		print_counts(name, "walks", w->walks,
			     "gave up (EBUSY/ENODEV)", w->busy,
			     "bytes checked", w->bytes_checked,
			     "errors", w->errors, NULL);
		print_counts("  raced a teardown of", "hmm", w->raced[R_HMM],
			     "hmm_thp", w->raced[R_HMM_THP],
			     "rust", w->raced[R_RUST], "nova", w->raced[R_NOVA],
			     NULL);
		print_counts("  of them a module unload", "hmm",
			     w->raced_unload[R_HMM],
			     "hmm_thp", w->raced_unload[R_HMM_THP],
			     "rust", w->raced_unload[R_RUST],
			     "nova", w->raced_unload[R_NOVA], NULL);
		if (i != W_CPU && i != W_RDMA)
			print_counts("  and saw device-private entries",
				     "hmm", w->raced_seen[R_HMM],
				     "hmm_thp", w->raced_seen[R_HMM_THP],
				     "rust", w->raced_seen[R_RUST],
				     "nova", w->raced_seen[R_NOVA], NULL);
		if (w->errors)
			ksft_print_msg("%s: last error: %s\n", name,
				       w->last_error);
		errors += w->errors;
		bytes += w->bytes_checked;
		if (i == W_CPU) {
			for (r = 0; r < NR_REGIONS; r++) {
				sc_c += w->raced[r];
				sc_c_unload += w->raced_unload[r];
			}
			continue;
		}
		sc_a += w->raced[R_HMM] + w->raced[R_RUST] + w->raced[R_NOVA];
		sc_a_unload += w->raced_unload[R_HMM] +
			       w->raced_unload[R_RUST] +
			       w->raced_unload[R_NOVA];
		sc_b_unload += w->raced_unload[R_HMM_THP];
		sc_a_seen += w->raced_seen[R_HMM] + w->raced_seen[R_RUST] +
			     w->raced_seen[R_NOVA];
		for (r = 0; r < NR_REGIONS; r++)
			sc_a_seen_r[r] += w->raced_seen[r];
		sc_b += w->raced[R_HMM_THP];
	}
	/* The review's B3 scenarios, and how often their races ran. */
	print_counts("scenario a, PTE walk vs evict+unregister",
		     "raced walks", sc_a,
		     "raced walks that saw device-private entries", sc_a_seen,
		     "raced walks during a module unload", sc_a_unload, NULL);
	print_counts("scenario b, absent-PMD walk of a THP vs test_hmm teardown",
		     "raced walks", sc_b,
		     "raced walks during rmmod test_hmm", sc_b_unload,
		     "times test_hmm held THPs", prov[P_HMM].thp_migrations,
		     NULL);
	print_counts("scenario c, CPU fault vs teardown", "raced faults", sc_c,
		     "raced faults during a module unload", sc_c_unload, NULL);
	print_counts("data", "bytes read back and checked", bytes,
		     "bytes of test_hmm's copies checked", copy_bytes,
		     "wrong pages", data_errors, NULL);

	ksft_test_result(!data_errors && bytes, "data_intact\n");
	ksft_test_result(!errors, "no_unexpected_errors\n");
	/* Each provider's teardown was raced by a walk that saw its pages. */
	for (r = 0, i = 1; r < NR_REGIONS; r++)
		if (r != R_HMM_THP && !prov[region_prov[r]].available &&
		    !sc_a_seen_r[r])
			i = 0;
	print_counts("scenario a, raced walks that saw the pages of",
		     "hmm", sc_a_seen_r[R_HMM], "rust", sc_a_seen_r[R_RUST],
		     "nova", sc_a_seen_r[R_NOVA], NULL);
	ksft_test_result(sc_a_seen > 0 && i, "scenario_a_raced\n");
	if (prov[P_HMM].available)
		ksft_test_result_skip("scenario_b_raced: no test_hmm\n");
	else if (!prov[P_HMM].thp_migrations)
		ksft_test_result_skip("scenario_b_raced: no device-private THP (THP disabled?)\n");
	else
		ksft_test_result(sc_b > 0, "scenario_b_raced\n");
	ksft_test_result(sc_c > 0, "scenario_c_raced\n");
	for (p = 0, i = 1; p < NR_PROV; p++)
		if (!prov[p].available &&
		    (!prov[p].teardowns ||
		     (prov[p].reloadable && !prov[p].reloads)))
			i = 0;
	ksft_test_result(i, "providers_torn_down_and_reloaded\n");
	ksft_finished();
}
