// SPDX-License-Identifier: GPL-2.0
/*
 * RDMA traffic on an ODP MR whose pages keep moving between RAM and device
 * memory, while another process refills the device memory with its own
 * data.
 *
 * The owner process has a region of NSLOTS slots registered as one ODP MR on
 * an RDMA device (rxe).  A second QP of the device reads, writes and
 * atomically adds to it (RDMA READ, WRITE, ATOMIC fetch-and-add) while, at
 * the same time:
 *
 *   - a migrator moves slots into the device memory (test_hmm's P2P device
 *     /dev/hmm_dmirror4, or nova_p2p's VRAM with -N PCI_ADDRESS) and back
 *     (HMM_DMIRROR_MIGRATE_TO_SYS, DRM_IOCTL_NOVA_P2P_MIGRATE_TO_RAM);
 *   - a CPU thread reads slots (faulting them back), rewrites them, and
 *     munmaps a slot and mmaps it again at the same address (MAP_FIXED);
 *   - the owner forks; the child checks its copy, writes its own data into
 *     it, moves it into device memory and checks it again;
 *   - another process moves its own region into the same device memory over
 *     and over, with its own data, and checks it.
 *
 * Every 8-byte word holds a tag: the id of the process that wrote it, its
 * page, its index in the page and a generation.  The owner keeps the
 * generation of every word; slots are locked so that a reader knows what a
 * slot must hold, but migrations, forks and the other process are not
 * synchronized with anything.  A word of the wrong process, page or
 * generation anywhere (RDMA READ, ATOMIC's fetched value, the CPU, test_hmm's
 * copy of a migrated page, the child's or the other process' own data) is a
 * failure.  At the end the owner's data must be right, read by the CPU and
 * by RDMA.
 *
 * Usage: rdma_churn [-t SECONDS] [-N PCI_ADDRESS]
 *   HMM_STRESS_RXE_DEV and HMM_STRESS_RXE_GID name the RDMA device and the
 *   GID index (the wrapper sets up rxe).  ib_core.odp_dma_alias decides
 *   whether rxe reaches pages in device memory through their DMA aliases.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../kselftest.h"
#include "hmm_stress.h"
#include "rdma_util.h"

#define P2P_DEVICE	4	/* /dev/hmm_dmirror4: memory in a PCI BAR */
#define NSLOTS		8
#define SLOT_PAGES	32
#define NPAGES		(NSLOTS * SLOT_PAGES)
#define OTHER_PAGES	512
#define WORDS		512	/* 8-byte words of a 4 KiB page */

#define OWNER_ID	0xa01
#define OTHER_ID	0xb02
#define CHILD_ID	0xc03

static const char *nova_bdf;	/* -N: nova_p2p, else test_hmm */
static char *region;		/* the owner's ODP region */
static size_t slot_len;
static uint32_t (*gens)[WORDS];	/* generation of every word */
static uint32_t next_gen = 1;	/* protected by the slot locks' users */
static pthread_rwlock_t slot_lock[NSLOTS];
static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
static bool stop;
static bool rdma_done;
static uint64_t deadline;
static int dev_fd = -1;		/* the owner's device file */
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

#define inc(x)	__atomic_add_fetch(&(x), 1, __ATOMIC_RELAXED)
#define add(x, v) __atomic_add_fetch(&(x), (v), __ATOMIC_RELAXED)

static struct {
	uint64_t reads, writes, atomics, rdma_bytes, rdma_errors;
	uint64_t cpu_checks, cpu_rewrites, remaps, cpu_bytes;
	uint64_t to_dev, to_dev_pages, to_ram, to_ram_pages, copy_bytes;
	uint64_t migrate_errors;
	uint64_t forks, children_ok, children_bad;
	uint64_t bad_words, final_bad;
	char last_error[200];
} st;

/* Has the RDMA thread done each kind of operation at least once? */
static bool rdma_covered(void)
{
	return __atomic_load_n(&st.reads, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&st.writes, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&st.atomics, __ATOMIC_RELAXED);
}

/* What the other process reports at the end. */
struct other_report {
	uint64_t iterations, bytes_checked, bad_words, to_dev_pages;
	uint64_t errors;
	uint64_t first_bad;	/* the first wrong word it found */
	long first_bad_page, first_bad_word;
};

static void note(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&report_lock);
	va_start(ap, fmt);
	vsnprintf(st.last_error, sizeof(st.last_error), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&report_lock);
}

static uint32_t new_gen(void)
{
	uint32_t g;

	pthread_mutex_lock(&gen_lock);
	g = next_gen++ & TAG_GEN_MASK;
	pthread_mutex_unlock(&gen_lock);
	return g;
}

static inline uint64_t expected(unsigned long page, unsigned int w)
{
	return tag(OWNER_ID, page, w, gens[page][w]);
}

/*
 * Checks @n pages of the owner's region, starting at page @first, as read
 * into @buf.  The caller holds the slots' locks.  Returns the wrong words.
 */
static uint64_t check_owner(const char *who, const void *buf,
			    unsigned long first, unsigned long n)
{
	uint64_t bad = 0, v;
	unsigned long p;
	unsigned int i;

	for (p = 0; p < n; p++)
		for (i = 0; i < WORDS; i++) {
			v = peek(buf, p * WORDS + i);
			if (v == expected(first + p, i))
				continue;
			if (!bad && inc(st.bad_words) <= 5) {
				pthread_mutex_lock(&report_lock);
				printf("# %s: owner page %lu word %u is %#018llx%s\n",
				       who, first + p, i, (unsigned long long)v,
				       tag_id(v) == OTHER_ID ? ": the other process' data" :
				       tag_id(v) == CHILD_ID ? ": the child's data" : "");
				printf("#   id %#x page %lu word %u gen %u, want gen %u\n",
				       tag_id(v), tag_page(v), tag_word(v),
				       tag_gen(v), gens[first + p][i]);
				pthread_mutex_unlock(&report_lock);
			}
			bad++;
		}
	return bad;
}

/* Writes generation @gen into the words of slot @s through the CPU. */
static void cpu_fill_slot(int s, uint32_t gen)
{
	unsigned long p, first = s * SLOT_PAGES;
	uint64_t *w = (uint64_t *)(region + s * slot_len);
	unsigned int i;

	for (p = 0; p < SLOT_PAGES; p++)
		for (i = 0; i < WORDS; i++) {
			gens[first + p][i] = gen;
			w[p * WORDS + i] = tag(OWNER_ID, first + p, i, gen);
		}
}

/* The owner's device: test_hmm's P2P device or nova_p2p. */
static int dev_open(void)
{
	return nova_bdf ? nova_open(nova_bdf) : hmm_open(P2P_DEVICE);
}

/*
 * Moves [addr, addr + n pages) into device memory or back with file @fd.
 * test_hmm copies what the device got into @copy if it is not NULL.
 * 0 or -errno; *moved gets the pages moved if known.
 */
static int dev_migrate(int fd, bool to_dev, void *addr, unsigned long n,
		       void *copy, uint64_t *moved)
{
	*moved = 0;
	if (nova_bdf)
		return nova_migrate(fd, to_dev, addr, n * page_size, moved);
	return hmm_cmd(fd, to_dev ? HMM_DMIRROR_MIGRATE_TO_DEV :
		       HMM_DMIRROR_MIGRATE_TO_SYS, addr, copy, n, moved);
}

static bool migrate_error_ok(int err)
{
	/*
	 * ENOMEM: device memory full; EBUSY: migration raced; ENOENT: test_hmm
	 * could not copy out a page that moved back meanwhile; EFAULT/EINVAL:
	 * nova_p2p/test_hmm on a slot being munmapped.
	 */
	return err == -ENOMEM || err == -EBUSY || err == -ENOENT ||
	       err == -EFAULT || err == -EINVAL;
}

/* ---------------------------------------------------------------------- */
/* The owner's threads */

static void report_atomic(unsigned long p, unsigned int w, uint64_t old,
			  uint64_t want)
{
	printf("# ATOMIC: page %lu word %u fetched %#018llx, want %#018llx\n",
	       p, w, (unsigned long long)old, (unsigned long long)want);
}

static void *rdma_thread(void *arg)
{
	struct rdma_ctx *c = arg;
	struct ibv_mr *odp, *lmr;
	char *local = map_aligned(slot_len, page_size);
	uint64_t rnd = 31, *lw = (uint64_t *)local, old, want;
	unsigned long first, p;
	unsigned int k, w;
	uint32_t gen;
	int s, ret;
	unsigned int op;

	odp = rdma_reg(c, region, NPAGES * page_size, true);
	lmr = local ? rdma_reg(c, local, slot_len, false) : NULL;
	if (!odp || !lmr) {
		note("ibv_reg_mr: %s", strerror(errno));
		inc(st.rdma_errors);
		return NULL;
	}
	while (!flag_get(&stop)) {
		s = rnd_below(&rnd, NSLOTS);
		first = s * SLOT_PAGES;
		/*
		 * Each kind of operation first, then at random: on a slow
		 * (debug) kernel a run may have time for a few only.
		 */
		op = rnd_below(&rnd, 10);
		if (!__atomic_load_n(&st.reads, __ATOMIC_RELAXED))
			op = 0;
		else if (!__atomic_load_n(&st.writes, __ATOMIC_RELAXED))
			op = 4;
		else if (!__atomic_load_n(&st.atomics, __ATOMIC_RELAXED))
			op = 7;
		switch (op) {
		case 0 ... 3:
			pthread_rwlock_rdlock(&slot_lock[s]);
			memset(local, 0, slot_len);
			ret = rdma_read(c, lmr, local, odp, region + s * slot_len,
					slot_len);
			if (!ret) {
				check_owner("RDMA READ", local, first, SLOT_PAGES);
				inc(st.reads);
				add(st.rdma_bytes, slot_len);
			}
			pthread_rwlock_unlock(&slot_lock[s]);
			break;
		case 4 ... 6:
			pthread_rwlock_wrlock(&slot_lock[s]);
			gen = new_gen();
			for (p = 0; p < SLOT_PAGES; p++)
				for (w = 0; w < WORDS; w++)
					lw[p * WORDS + w] =
						tag(OWNER_ID, first + p, w, gen);
			ret = rdma_write(c, lmr, local, odp,
					 region + s * slot_len, slot_len);
			if (!ret) {
				for (p = 0; p < SLOT_PAGES; p++)
					for (w = 0; w < WORDS; w++)
						gens[first + p][w] = gen;
				inc(st.writes);
				add(st.rdma_bytes, slot_len);
			} else {
				/* Part may have landed: a known state again. */
				cpu_fill_slot(s, gen);
			}
			pthread_rwlock_unlock(&slot_lock[s]);
			break;
		default:
			pthread_rwlock_wrlock(&slot_lock[s]);
			for (k = 0; k < 8; k++) {
				p = first + rnd_below(&rnd, SLOT_PAGES);
				w = rnd_below(&rnd, WORDS);
				want = expected(p, w);
				lw[0] = 0;
				/* +1 bumps the tag's generation. */
				ret = rdma_fadd(c, lmr, local, odp,
						region + p * page_size + w * 8, 1);
				old = lw[0];
				if (ret) {
					/* Whether it was done: ask the CPU. */
					old = peek(region, p * WORDS + w);
					if (old == want + 1)
						gens[p][w]++;
					else if (old != want)
						check_owner("after a failed ATOMIC",
							    region + p * page_size,
							    p, 1);
					break;
				}
				inc(st.atomics);
				if (old != want) {
					if (inc(st.bad_words) <= 5)
						report_atomic(p, w, old, want);
				}
				gens[p][w]++;
			}
			pthread_rwlock_unlock(&slot_lock[s]);
			break;
		}
		if (ret) {
			inc(st.rdma_errors);
			note("RDMA on slot %d: %s", s, ret == -EIO ?
			     ibv_wc_status_str(c->last_status) : strerror(-ret));
			if (rdma_reset(c)) {
				note("QP reset failed");
				break;
			}
		}
	}
	ibv_dereg_mr(odp);
	ibv_dereg_mr(lmr);
	munmap(local, slot_len);
	flag_set(&rdma_done);
	return NULL;
}

static void *cpu_thread(void *arg)
{
	uint64_t rnd = 32;
	char *addr, *m;
	int s;

	while (!flag_get(&stop)) {
		s = rnd_below(&rnd, NSLOTS);
		addr = region + s * slot_len;
		switch (rnd_below(&rnd, 10)) {
		case 0 ... 4:
			/* Read faults move device pages back to RAM. */
			pthread_rwlock_rdlock(&slot_lock[s]);
			check_owner("CPU", addr, s * SLOT_PAGES, SLOT_PAGES);
			pthread_rwlock_unlock(&slot_lock[s]);
			inc(st.cpu_checks);
			add(st.cpu_bytes, slot_len);
			break;
		case 5 ... 7:
			pthread_rwlock_wrlock(&slot_lock[s]);
			cpu_fill_slot(s, new_gen());
			pthread_rwlock_unlock(&slot_lock[s]);
			inc(st.cpu_rewrites);
			break;
		default:
			/* A new mapping at the same address. */
			pthread_rwlock_wrlock(&slot_lock[s]);
			if (munmap(addr, slot_len))
				ksft_exit_fail_msg("munmap: %s\n", strerror(errno));
			m = mmap(addr, slot_len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS |
				 MAP_FIXED_NOREPLACE, -1, 0);
			if (m != addr)
				ksft_exit_fail_msg("mmap at %p: %s\n", addr,
						   m == MAP_FAILED ? strerror(errno) :
						   "somewhere else");
			madvise(addr, slot_len, MADV_NOHUGEPAGE);
			cpu_fill_slot(s, new_gen());
			pthread_rwlock_unlock(&slot_lock[s]);
			inc(st.remaps);
			break;
		}
		usleep(200 * rnd_below(&rnd, 5));
	}
	return NULL;
}

static void *migrate_thread(void *arg)
{
	char *copy = malloc(NSLOTS * slot_len);
	uint64_t rnd = 33, moved;
	unsigned long n;
	bool to_dev, locked;
	int s, ret;

	while (!flag_get(&stop) && copy) {
		s = rnd_below(&rnd, NSLOTS);
		n = 1 + rnd_below(&rnd, NSLOTS - s);
		to_dev = rnd_below(&rnd, 10) < 6;
		/*
		 * Mostly unsynchronized with the traffic; when the slot is
		 * free, check test_hmm's copy of what it moved.
		 */
		locked = to_dev && !nova_bdf && n == 1 &&
			 !pthread_rwlock_tryrdlock(&slot_lock[s]);
		ret = dev_migrate(dev_fd, to_dev, region + s * slot_len,
				  n * SLOT_PAGES, copy, &moved);
		if (locked) {
			if (!ret) {
				check_owner("test_hmm's copy", copy,
					    s * SLOT_PAGES, SLOT_PAGES);
				add(st.copy_bytes, slot_len);
			}
			pthread_rwlock_unlock(&slot_lock[s]);
		}
		if (ret && !migrate_error_ok(ret)) {
			inc(st.migrate_errors);
			note("%s: %s", to_dev ? "to device" : "to RAM",
			     strerror(-ret));
		}
		if (to_dev) {
			inc(st.to_dev);
			add(st.to_dev_pages, moved);
		} else {
			inc(st.to_ram);
			add(st.to_ram_pages, moved);
		}
		usleep(100 * rnd_below(&rnd, 10));
	}
	free(copy);
	return NULL;
}

/* Whether owner page @p of the region holds what the shadow says. */
static bool owner_page_ok(unsigned long p)
{
	const char *w = region + p * page_size;
	unsigned int i;

	for (i = 0; i < WORDS; i++)
		if (peek(w, i) != expected(p, i))
			return false;
	return true;
}

/*
 * The child of a fork: its copy of the region must hold what the owner's
 * did at the fork; then it writes its own data into every other page, moves
 * the region into device memory with a file of its own and checks it again.
 * No stdio: the parent has threads.  Exit status: 0 good, 1 the copy was
 * wrong, 2 its data was wrong after the migration, 3 no device.
 */
static void __noreturn child(uint32_t gen)
{
	unsigned long p;
	uint64_t moved;
	int fd;

	for (p = 0; p < NPAGES; p++)
		if (!owner_page_ok(p))
			_exit(1);
	for (p = 0; p < NPAGES; p += 2)
		tag_fill_page(region + p * page_size, CHILD_ID, p, gen);
	fd = dev_open();
	if (fd < 0)
		_exit(3);
	dev_migrate(fd, true, region, NPAGES, NULL, &moved);
	for (p = 0; p < NPAGES; p++)
		if (p % 2 ? !owner_page_ok(p) :
		    tag_check_page(region + p * page_size, CHILD_ID, p, gen) >= 0)
			_exit(2);
	/* Back to RAM through a CPU fault in the exit path, or not at all. */
	_exit(0);
}

static void *fork_thread(void *arg)
{
	uint64_t rnd = 34;
	int s, status;
	uint32_t gen;
	pid_t pid;

	while (!flag_get(&stop)) {
		usleep(1000 * (100 + rnd_below(&rnd, 400)));
		if (flag_get(&stop))
			break;
		/* No writer in the middle of a slot while the copy is made. */
		gen = new_gen();	/* not in the child: gen_lock */
		for (s = 0; s < NSLOTS; s++)
			pthread_rwlock_rdlock(&slot_lock[s]);
		pid = fork();
		if (!pid)
			child(gen);
		for (s = 0; s < NSLOTS; s++)
			pthread_rwlock_unlock(&slot_lock[s]);
		if (pid < 0) {
			note("fork: %s", strerror(errno));
			inc(st.children_bad);
			continue;
		}
		inc(st.forks);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status) && !WEXITSTATUS(status)) {
			inc(st.children_ok);
			continue;
		}
		inc(st.children_bad);
		if (WIFEXITED(status))
			note("child: %s", WEXITSTATUS(status) == 1 ?
			     "its copy of the owner's data was wrong" :
			     WEXITSTATUS(status) == 2 ?
			     "its data was wrong after moving to the device" :
			     "could not open the device");
		else
			note("child: killed by signal %d", WTERMSIG(status));
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* The other process */

/*
 * Fills the device memory with its own data: a region written with a new
 * generation, moved into device memory (test_hmm's copy checked), left
 * there a moment and checked again with the CPU (or moved back first).
 * Any word that is not its own is counted.  Runs until @stop_fd is readable
 * or the deadline passes, then writes a report to @out.
 */
static void other_process(int stop_fd, int out)
{
	size_t len = OTHER_PAGES * page_size;
	char *b = map_aligned(len, SZ_2M);
	char *copy = malloc(len);
	struct other_report rep = { .first_bad_page = -1 };
	struct pollfd pfd = { .fd = stop_fd, .events = POLLIN };
	uint64_t rnd = 35, moved;
	uint32_t gen = 0;
	unsigned long p;
	long bad;
	int fd, ret;

	fd = dev_open();
	if (!b || !copy || fd < 0) {
		rep.errors++;
		goto out;
	}
	madvise(b, len, MADV_NOHUGEPAGE);
	while (!poll(&pfd, 1, 0) && now_ms() < deadline + 5000) {
		gen = (gen + 1) & TAG_GEN_MASK;
		for (p = 0; p < OTHER_PAGES; p++)
			tag_fill_page(b + p * page_size, OTHER_ID, p, gen);
		ret = dev_migrate(fd, true, b, OTHER_PAGES, copy, &moved);
		if (ret && !migrate_error_ok(ret))
			rep.errors++;
		rep.to_dev_pages += moved;
		for (p = 0; !ret && !nova_bdf && p < OTHER_PAGES; p++) {
			bad = tag_check_page(copy + p * page_size, OTHER_ID,
					     p, gen);
			if (bad >= 0 && !rep.bad_words++) {
				rep.first_bad = ((uint64_t *)(copy + p * page_size))[bad];
				rep.first_bad_page = p;
				rep.first_bad_word = bad;
			}
			rep.bytes_checked += page_size;
		}
		usleep(1000 * rnd_below(&rnd, 5));
		if (rnd_below(&rnd, 2))
			dev_migrate(fd, false, b, OTHER_PAGES, NULL, &moved);
		for (p = 0; p < OTHER_PAGES; p++) {
			bad = tag_check_page(b + p * page_size, OTHER_ID, p,
					     gen);
			if (bad >= 0 && !rep.bad_words++) {
				rep.first_bad = ((uint64_t *)(b + p * page_size))[bad];
				rep.first_bad_page = p;
				rep.first_bad_word = bad;
			}
			rep.bytes_checked += page_size;
		}
		rep.iterations++;
	}
out:
	if (write(out, &rep, sizeof(rep)) != sizeof(rep))
		_exit(2);
	_exit(0);
}

/* ---------------------------------------------------------------------- */

/* At the end: the owner's data through the CPU and through RDMA. */
static uint64_t final_check(struct rdma_ctx *c)
{
	size_t len = NPAGES * page_size;
	char *local = map_aligned(len, page_size);
	struct ibv_mr *odp = NULL, *lmr = NULL;
	uint64_t bad = 0, moved;
	int ret;

	/* Into device memory, then read by the NIC (alias or fault). */
	dev_migrate(dev_fd, true, region, NPAGES, local, &moved);
	if (local) {
		odp = rdma_reg(c, region, len, true);
		lmr = rdma_reg(c, local, len, false);
	}
	if (!odp || !lmr) {
		ksft_print_msg("final RDMA READ: ibv_reg_mr: %s\n", strerror(errno));
		bad++;
	} else {
		memset(local, 0, len);
		ret = rdma_read(c, lmr, local, odp, region, len);
		if (ret) {
			ksft_print_msg("final RDMA READ: %s\n", ret == -EIO ?
				       ibv_wc_status_str(c->last_status) :
				       strerror(-ret));
			bad++;
		} else {
			bad += check_owner("final RDMA READ", local, 0, NPAGES);
			add(st.rdma_bytes, len);
		}
	}
	if (odp)
		ibv_dereg_mr(odp);
	if (lmr)
		ibv_dereg_mr(lmr);
	if (local)
		munmap(local, len);
	bad += check_owner("final CPU read", region, 0, NPAGES);
	add(st.cpu_bytes, len);
	return bad;
}

static const char *alias_mode(void)
{
	static char v[16];

	if (sysfs_read(ODP_ALIAS_PARAM, v, sizeof(v)))
		snprintf(v, sizeof(v), "?");
	return v;
}

int main(int argc, char **argv)
{
	int stop_pipe[2], rep_pipe[2], status, opt, s, ret, gid;
	struct other_report rep = { 0 };
	pthread_t tr, tc, tm, tf;
	struct rdma_ctx c;
	unsigned int seconds;
	const char *dev, *what;
	char name[96];
	pid_t other;

	seconds = stress_seconds(NULL);
	while ((opt = getopt(argc, argv, "t:N:")) != -1) {
		if (opt == 't')
			seconds = stress_seconds(optarg);
		else if (opt == 'N')
			nova_bdf = optarg;
		else
			ksft_exit_fail_msg("usage: %s [-t seconds] [-N pci_address]\n",
					   argv[0]);
	}
	what = nova_bdf ? "nova_p2p" : "test_hmm dmirror4";
	ksft_print_header();
	if (rdma_env(&dev, &gid))
		ksft_exit_skip("no RDMA device (HMM_STRESS_RXE_DEV, HMM_STRESS_RXE_GID)\n");
	dev_fd = dev_open();
	if (dev_fd < 0)
		ksft_exit_skip("no %s: %s\n", nova_bdf ?
			       "render node of the nova_p2p device" :
			       "/dev/hmm_dmirror4", strerror(-dev_fd));
	snprintf(name, sizeof(name), "%s odp_dma_alias=%s", what, alias_mode());
	ksft_set_plan(5);
	ksft_print_msg("rdma_churn: %s, %u s, %d slots of %d pages\n", name,
		       seconds, NSLOTS, SLOT_PAGES);
	slot_len = SLOT_PAGES * page_size;
	deadline = now_ms() + seconds * 1000ULL;

	/* The other process first: it has no threads and no RDMA. */
	if (pipe(stop_pipe) || pipe(rep_pipe))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	other = fork();
	if (other < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!other) {
		close(dev_fd);
		other_process(stop_pipe[0], rep_pipe[1]);
	}

	ret = rdma_open(&c, dev, gid);
	if (ret)
		ksft_exit_fail_msg("%s: %s\n", dev, strerror(-ret));
	region = map_aligned(NPAGES * page_size, SZ_2M);
	gens = calloc(NPAGES, sizeof(*gens));
	if (!region || !gens)
		ksft_exit_fail_msg("out of memory\n");
	madvise(region, NPAGES * page_size, MADV_NOHUGEPAGE);
	for (s = 0; s < NSLOTS; s++) {
		pthread_rwlock_init(&slot_lock[s], NULL);
		cpu_fill_slot(s, new_gen());
	}

	if (pthread_create(&tr, NULL, rdma_thread, &c) ||
	    pthread_create(&tc, NULL, cpu_thread, NULL) ||
	    pthread_create(&tm, NULL, migrate_thread, NULL) ||
	    pthread_create(&tf, NULL, fork_thread, NULL))
		ksft_exit_fail_msg("pthread_create\n");
	while (now_ms() < deadline)
		usleep(100000);
	/*
	 * The owner's data is checked against READs, WRITEs and ATOMICs:
	 * give a slow kernel up to the run's length again to do each once.
	 */
	if (!rdma_covered()) {
		ksft_print_msg("not every kind of RDMA operation done yet: up to %u s more\n",
			       seconds);
		while (!rdma_covered() && !flag_get(&rdma_done) &&
		       now_ms() < deadline + seconds * 1000ULL)
			usleep(100000);
	}
	flag_set(&stop);
	pthread_join(tr, NULL);
	pthread_join(tc, NULL);
	pthread_join(tm, NULL);
	pthread_join(tf, NULL);

	if (write(stop_pipe[1], "x", 1) != 1 ||
	    read(rep_pipe[0], &rep, sizeof(rep)) != sizeof(rep))
		rep.errors++;
	waitpid(other, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		rep.errors++;

	st.final_bad = final_check(&c);
	rdma_close(&c);
	close(dev_fd);

	print_counts("rdma", "READs", st.reads, "WRITEs", st.writes,
		     "ATOMICs", st.atomics, "bytes", st.rdma_bytes,
		     "failed work requests", st.rdma_errors, NULL);
	if (st.last_error[0])
		ksft_print_msg("last error: %s\n", st.last_error);
	print_counts("cpu", "slot checks", st.cpu_checks,
		     "bytes checked (with the final check)", st.cpu_bytes,
		     "rewrites", st.cpu_rewrites, "munmap+mmap", st.remaps, NULL);
	print_counts("migrations", "to the device", st.to_dev,
		     "pages moved there", st.to_dev_pages, "to RAM", st.to_ram,
		     "pages moved back", st.to_ram_pages,
		     "errors", st.migrate_errors,
		     "bytes of test_hmm's copies checked", st.copy_bytes, NULL);
	print_counts("fork", "children", st.forks, "good", st.children_ok,
		     "bad", st.children_bad, NULL);
	print_counts("other process", "refills", rep.iterations,
		     "pages moved to the device", rep.to_dev_pages,
		     "bytes checked", rep.bytes_checked,
		     "wrong words", rep.bad_words, "errors", rep.errors, NULL);
	if (rep.bad_words)
		ksft_print_msg("other process: page %ld word %ld was %#018llx (id %#x)\n",
			       rep.first_bad_page, rep.first_bad_word,
			       (unsigned long long)rep.first_bad,
			       tag_id(rep.first_bad));

	ksft_test_result(!st.bad_words && !st.final_bad &&
			 st.reads && st.writes && st.atomics,
			 "%s: owner's data right (%llu wrong words during, %llu at the end)\n",
			 name, (unsigned long long)st.bad_words,
			 (unsigned long long)st.final_bad);
	ksft_test_result(!rep.bad_words && !rep.errors && rep.iterations,
			 "%s: other process' data right\n", name);
	ksft_test_result(!st.children_bad && st.children_ok,
			 "%s: forked children saw and kept the right data\n",
			 name);
	ksft_test_result(!st.rdma_errors, "%s: no failed RDMA work request\n",
			 name);
	ksft_test_result(!st.migrate_errors && st.to_dev_pages,
			 "%s: migrations\n", name);
	ksft_finished();
}
