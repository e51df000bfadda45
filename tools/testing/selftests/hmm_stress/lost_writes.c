// SPDX-License-Identifier: GPL-2.0
/*
 * Lost writes across migration: writer threads bump counters in several
 * words of every page of four regions while other threads move the pages
 * between RAM and device memory:
 *
 *   hmm      test_hmm's /dev/hmm_dmirror0, order-0 pages
 *   hmm_thp  the same device, a 2 MiB-aligned MADV_HUGEPAGE buffer that
 *            test_hmm migrates as device-private THPs
 *   rust     the Rust sample /dev/rust_hmm_mirror
 *   nova     nova_p2p's VRAM (the device named by NOVA_P2P_DEV)
 *
 * The movers migrate random ranges to the device and back, and now and then
 * evict the whole device memory (test_hmm RELEASE, the Rust sample's RELEASE
 * and close, nova_p2p unbind and rebind).  A writer is the only one that
 * writes its pages and checks each counter before it bumps it: any value
 * other than the number of its earlier increments is a lost (or doubled)
 * write.  At the end every counter must equal the number of increments and
 * every other word its tag.
 *
 * Usage: lost_writes [-t SECONDS]  (default HMM_STRESS_SECONDS, else 60)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../kselftest.h"
#include "hmm_stress.h"

enum { R_HMM, R_HMM_THP, R_RUST, R_NOVA, NR_REGIONS };
static const char * const region_name[] = { "hmm", "hmm_thp", "rust", "nova" };
static const unsigned long region_pages[] = { 256, 1024, 256, 256 };

/* The words of each page that are counters; the others hold tags. */
static const unsigned int counter_words[] = { 0, 1, 63, 256, 511 };

struct region {
	char *buf;
	unsigned long npages;
	/* per page: increments done, kept out of the migrated memory */
	uint64_t *count;
	uint64_t increments;
	uint64_t lost;		/* counter checks that failed */
	bool first_reported;
};

static struct region regions[NR_REGIONS];
static bool stop;
static uint64_t deadline;
static const char *nova_bdf;

/* What the movers did. */
struct mover_stats {
	uint64_t to_dev_calls, to_dev_pages;
	uint64_t to_ram_calls, to_ram_pages;
	uint64_t evictions;	/* RELEASE, close or unbind */
	uint64_t thp_seen;	/* device-private THP pages seen by SNAPSHOT */
	uint64_t errors;
	int last_error;
	const char *last_what;
	/* -errno of opening the device, 0 if it is there */
	int unavailable;
};

static struct mover_stats mstats[3];	/* hmm (both regions), rust, nova */

static bool is_counter(unsigned int w)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counter_words); i++)
		if (counter_words[i] == w)
			return true;
	return false;
}

static void region_init(int r)
{
	struct region *rg = &regions[r];
	size_t len = region_pages[r] * page_size;
	unsigned long p;
	unsigned int i;

	rg->npages = region_pages[r];
	rg->buf = map_aligned(len, SZ_2M);
	rg->count = calloc(rg->npages, sizeof(*rg->count));
	if (!rg->buf || !rg->count)
		ksft_exit_fail_msg("out of memory\n");
	madvise(rg->buf, len, r == R_HMM_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (p = 0; p < rg->npages; p++) {
		uint64_t *w = (uint64_t *)(rg->buf + p * page_size);

		tag_fill_page(w, r + 1, p, 0);
		for (i = 0; i < ARRAY_SIZE(counter_words); i++)
			w[counter_words[i]] = 0;
	}
}

static void report_counter(int r, unsigned long p, unsigned int w,
			   uint64_t v, uint64_t want)
{
	ksft_print_msg("%s: page %lu word %u is %llu, not %llu: a lost write\n",
		       region_name[r], p, w, (unsigned long long)v,
		       (unsigned long long)want);
}

/* One pass of a writer over region @r. */
static void write_pass(int r)
{
	struct region *rg = &regions[r];
	unsigned long p;
	unsigned int i;

	for (p = 0; p < rg->npages && !flag_get(&stop); p++) {
		char *w = rg->buf + p * page_size;

		for (i = 0; i < ARRAY_SIZE(counter_words); i++) {
			uint64_t v = peek(w, counter_words[i]);

			if (v != rg->count[p]) {
				if (!rg->first_reported) {
					rg->first_reported = true;
					report_counter(r, p, counter_words[i],
						       v, rg->count[p]);
				}
				rg->lost++;
			}
			poke(w, counter_words[i], rg->count[p] + 1);
		}
		rg->count[p]++;
		rg->increments += ARRAY_SIZE(counter_words);
	}
}

static void *writer(void *arg)
{
	const int *rs = arg;

	while (!flag_get(&stop)) {
		write_pass(rs[0]);
		write_pass(rs[1]);
		if (now_ms() > deadline)
			flag_set(&stop);
	}
	return NULL;
}

/* A random range of region @r: whole 2 MiB folios for the THP region. */
static void pick_range(int r, uint64_t *rnd, char **addr, unsigned long *n)
{
	unsigned long npages = regions[r].npages, first;
	unsigned long pmd = SZ_2M / page_size;

	if (r == R_HMM_THP && rnd_below(rnd, 4)) {
		first = rnd_below(rnd, npages / pmd) * pmd;
		*n = pmd * (1 + rnd_below(rnd, (npages - first) / pmd));
	} else {
		first = rnd_below(rnd, npages);
		*n = 1 + rnd_below(rnd, npages - first);
	}
	*addr = regions[r].buf + first * page_size;
}

static void mover_error(struct mover_stats *s, const char *what, int err)
{
	/* Out of device memory or a racing fault: not a failure. */
	if (err == -ENOMEM || err == -EBUSY || err == -ENOENT)
		return;
	s->errors++;
	s->last_error = err;
	s->last_what = what;
}

/* Checks the tag words of a page: the device's copy, or the final data. */
static bool tags_ok(int r, unsigned long p, const uint64_t *w)
{
	unsigned int i;

	for (i = 0; i < page_size / 8; i++)
		if (!is_counter(i) && w[i] != tag(r + 1, p, i, 0)) {
			tag_report(region_name[r], w, i, r + 1, p, 0);
			return false;
		}
	return true;
}

static uint64_t bad_tags;
static uint64_t tag_bytes_checked;

/* Device-private THP pages of [addr, addr + n) seen by dmirror0. */
static unsigned long hmm_thp_pages(int fd, char *addr, unsigned long n,
				   unsigned char *snap)
{
	unsigned long i, thp = 0;

	if (hmm_cmd(fd, HMM_DMIRROR_SNAPSHOT, addr, snap, n, NULL))
		return 0;
	for (i = 0; i < n; i++)
		if ((snap[i] & (HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL |
				HMM_DMIRROR_PROT_PMD)) ==
		    (HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL | HMM_DMIRROR_PROT_PMD))
			thp++;
	return thp;
}

static void *hmm_mover(void *arg)
{
	struct mover_stats *s = &mstats[0];
	size_t max = region_pages[R_HMM_THP] * page_size;
	unsigned char *snap = malloc(region_pages[R_HMM_THP]);
	char *bounce = malloc(max);
	uint64_t rnd = 1, cpages;
	unsigned long n, i, first;
	char *addr;
	int fd, r, ret;

	fd = hmm_open(0);
	if (fd < 0 || !snap || !bounce) {
		s->unavailable = fd < 0 ? fd : -ENOMEM;
		goto out;
	}
	while (!flag_get(&stop)) {
		r = rnd_below(&rnd, 2) ? R_HMM_THP : R_HMM;
		pick_range(r, &rnd, &addr, &n);
		first = (addr - regions[r].buf) / page_size;
		switch (rnd_below(&rnd, 32)) {
		case 0:
			/* Evicts and unregisters all of dmirror0's memory. */
			ret = hmm_cmd(fd, HMM_DMIRROR_RELEASE, regions[r].buf,
				      NULL, 1, NULL);
			s->evictions++;
			if (ret)
				mover_error(s, "RELEASE", ret);
			break;
		case 1 ... 12:
			ret = hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_SYS, addr,
				      NULL, n, &cpages);
			s->to_ram_calls++;
			if (ret)
				mover_error(s, "MIGRATE_TO_SYS", ret);
			else
				s->to_ram_pages += cpages;
			break;
		default:
			/* test_hmm copies what the device got into ptr. */
			ret = hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, addr,
				      bounce, n, &cpages);
			s->to_dev_calls++;
			if (ret) {
				mover_error(s, "MIGRATE_TO_DEV", ret);
				break;
			}
			s->to_dev_pages += cpages;
			for (i = 0; i < n; i++)
				if (!tags_ok(r, first + i, (uint64_t *)
					     (bounce + i * page_size)))
					bad_tags++;
			tag_bytes_checked += n * page_size;
			if (r == R_HMM_THP)
				s->thp_seen += hmm_thp_pages(fd, addr, n, snap);
			break;
		}
	}
out:
	free(snap);
	free(bounce);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void *rust_mover(void *arg)
{
	struct mover_stats *s = &mstats[1];
	struct region *rg = &regions[R_RUST];
	uint64_t rnd = 2, cpages;
	unsigned long n;
	char *addr;
	int fd, ret;

	fd = rust_open();
	if (fd < 0) {
		s->unavailable = fd;
		return NULL;
	}
	while (!flag_get(&stop)) {
		pick_range(R_RUST, &rnd, &addr, &n);
		switch (rnd_below(&rnd, 32)) {
		case 0:
			ret = hmm_cmd(fd, HMM_DMIRROR_RELEASE, rg->buf, NULL,
				      1, NULL);
			s->evictions++;
			if (ret)
				mover_error(s, "RELEASE", ret);
			break;
		case 1:
			/* Closing evicts and unregisters the device memory. */
			close(fd);
			s->evictions++;
			fd = rust_open();
			if (fd < 0) {
				mover_error(s, "open", fd);
				return NULL;
			}
			break;
		case 2 ... 13:
			ret = hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_SYS, addr,
				      NULL, n, &cpages);
			s->to_ram_calls++;
			if (ret)
				mover_error(s, "MIGRATE_TO_SYS", ret);
			else
				s->to_ram_pages += cpages;
			break;
		default:
			ret = hmm_cmd(fd, HMM_DMIRROR_MIGRATE_TO_DEV, addr,
				      NULL, n, &cpages);
			s->to_dev_calls++;
			if (ret)
				mover_error(s, "MIGRATE_TO_DEV", ret);
			else
				s->to_dev_pages += cpages;
			break;
		}
	}
	close(fd);
	return NULL;
}

/* Unbinds nova_bdf from nova_p2p (evicting its VRAM) and binds it again. */
static int nova_rebind(void)
{
	int ret = sysfs_write(NOVA_P2P_DRIVER "/unbind", nova_bdf);

	if (ret)
		return ret;
	return sysfs_write("/sys/bus/pci/drivers_probe", nova_bdf);
}

static int nova_reopen(void)
{
	uint64_t end = now_ms() + 5000;
	int fd;

	do {
		fd = nova_open(nova_bdf);
		if (fd >= 0)
			return fd;
		usleep(10000);
	} while (now_ms() < end);
	return fd;
}

static void *nova_mover(void *arg)
{
	struct mover_stats *s = &mstats[2];
	size_t len;
	uint64_t rnd = 3, moved;
	unsigned long n;
	char *addr;
	int fd, ret;

	fd = nova_open(nova_bdf);
	if (fd < 0) {
		s->unavailable = fd;
		return NULL;
	}
	while (!flag_get(&stop)) {
		pick_range(R_NOVA, &rnd, &addr, &n);
		len = n * page_size;
		switch (rnd_below(&rnd, 64)) {
		case 0:
			close(fd);
			ret = nova_rebind();
			s->evictions++;
			if (ret)
				mover_error(s, "unbind/rebind", ret);
			fd = nova_reopen();
			if (fd < 0) {
				mover_error(s, "open after rebind", fd);
				return NULL;
			}
			break;
		case 1 ... 24:
			ret = nova_migrate(fd, false, addr, len, &moved);
			s->to_ram_calls++;
			s->to_ram_pages += moved;
			if (ret)
				mover_error(s, "MIGRATE_TO_RAM", ret);
			break;
		default:
			ret = nova_migrate(fd, true, addr, len, &moved);
			s->to_dev_calls++;
			s->to_dev_pages += moved;
			if (ret)
				mover_error(s, "MIGRATE_TO_VRAM", ret);
			break;
		}
	}
	close(fd);
	return NULL;
}

static const char * const mover_name[] = {
	"test_hmm dmirror0", "rust_hmm_mirror", "nova_p2p"
};

static const char * const mover_dev[] = {
	"/dev/hmm_dmirror0 (module test_hmm)",
	"/dev/rust_hmm_mirror (module rust_hmm_mirror)",
	"the render node of NOVA_P2P_DEV bound to nova_p2p",
};

/* Final check: every counter equals the increments, every tag is there. */
static uint64_t final_check(int r)
{
	struct region *rg = &regions[r];
	uint64_t bad = 0;
	unsigned long p;
	unsigned int i;

	for (p = 0; p < rg->npages; p++) {
		const uint64_t *w = (uint64_t *)(rg->buf + p * page_size);

		for (i = 0; i < ARRAY_SIZE(counter_words); i++)
			if (w[counter_words[i]] != rg->count[p]) {
				if (!bad)
					report_counter(r, p, counter_words[i],
						       w[counter_words[i]],
						       rg->count[p]);
				bad++;
			}
		if (!tags_ok(r, p, w))
			bad++;
	}
	return bad;
}

int main(int argc, char **argv)
{
	static const int w0[2] = { R_HMM, R_HMM_THP };
	static const int w1[2] = { R_RUST, R_NOVA };
	static const int mover_regions[3][2] = {
		{ R_HMM, R_HMM_THP }, { R_RUST, R_RUST }, { R_NOVA, R_NOVA },
	};
	void *(*movers[3])(void *) = { hmm_mover, rust_mover, nova_mover };
	uint64_t total_inc = 0, total_moves = 0, checked = 0;
	pthread_t tw[2], tm[3];
	unsigned int seconds;
	int r, m, opt;

	seconds = stress_seconds(NULL);
	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			ksft_exit_fail_msg("usage: %s [-t seconds]\n", argv[0]);
		seconds = stress_seconds(optarg);
	}
	nova_bdf = getenv("NOVA_P2P_DEV");
	ksft_print_header();
	ksft_set_plan(4);
	ksft_print_msg("lost_writes: %u s, counters in words 0 1 63 256 511 of each page\n",
		       seconds);
	for (r = 0; r < NR_REGIONS; r++)
		region_init(r);
	deadline = now_ms() + seconds * 1000ULL;
	for (m = 0; m < 3; m++)
		if (pthread_create(&tm[m], NULL, movers[m], NULL))
			ksft_exit_fail_msg("pthread_create\n");
	if (pthread_create(&tw[0], NULL, writer, (void *)w0) ||
	    pthread_create(&tw[1], NULL, writer, (void *)w1))
		ksft_exit_fail_msg("pthread_create\n");
	pthread_join(tw[0], NULL);
	pthread_join(tw[1], NULL);
	flag_set(&stop);
	for (m = 0; m < 3; m++)
		pthread_join(tm[m], NULL);

	for (m = 0; m < 3; m++) {
		struct mover_stats *s = &mstats[m];
		uint64_t lost = 0, inc = 0, bad = 0;
		int i;

		for (i = 0; i < 2; i++) {
			r = mover_regions[m][i];
			if (i && r == mover_regions[m][0])
				break;
			lost += regions[r].lost;
			inc += regions[r].increments;
			bad += final_check(r);
			checked += regions[r].npages * page_size;
			ksft_print_msg("%s: %llu increments in %lu pages, %llu lost\n",
				       region_name[r],
				       (unsigned long long)regions[r].increments,
				       regions[r].npages,
				       (unsigned long long)regions[r].lost);
		}
		total_inc += inc;
		if (s->unavailable) {
			ksft_test_result_skip("%s: no %s: %s\n", mover_name[m],
					      mover_dev[m],
					      strerror(-s->unavailable));
			continue;
		}
		total_moves += s->to_dev_pages + s->to_ram_pages;
		print_counts(mover_name[m],
			     "migrations to the device", s->to_dev_calls,
			     "pages moved there", s->to_dev_pages,
			     "migrations to RAM", s->to_ram_calls,
			     "pages moved back", s->to_ram_pages,
			     "evictions", s->evictions,
			     "device-private THP pages seen", s->thp_seen,
			     "errors", s->errors, NULL);
		if (s->errors)
			ksft_print_msg("%s: last error %s: %s\n", mover_name[m],
				       s->last_what, strerror(-s->last_error));
		ksft_test_result(!lost && !bad && !s->errors &&
				 s->to_dev_pages && inc,
				 "%s: %llu increments, %llu lost, %llu wrong words at the end\n",
				 mover_name[m], (unsigned long long)inc,
				 (unsigned long long)lost,
				 (unsigned long long)bad);
	}
	print_counts("total", "increments", total_inc,
		     "pages migrated", total_moves,
		     "bytes checked at the end", checked,
		     "bytes of test_hmm's device copies checked", tag_bytes_checked,
		     NULL);
	if (mstats[0].unavailable)
		ksft_test_result_skip("test_hmm's copies: no %s\n", mover_dev[0]);
	else
		ksft_test_result(!bad_tags && tag_bytes_checked,
				 "test_hmm's copies of migrated pages hold the tags (%llu wrong)\n",
				 (unsigned long long)bad_tags);
	ksft_finished();
}
