/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the hmm_stress suites: the uapis of test_hmm's dmirror
 * devices, of the Rust sample rust_hmm_mirror and of nova_p2p, module and
 * PCI driver cycling, time limits and tagged data.
 */
#ifndef HMM_STRESS_H
#define HMM_STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../../lib/test_hmm_uapi.h"
#include <drm/nova_p2p_drm.h>

#define HMM_DMIRROR_DEV		"/dev/hmm_dmirror%d"
#define RUST_HMM_DEV		"/dev/rust_hmm_mirror"
#define NOVA_P2P_DRIVER		"/sys/bus/pci/drivers/nova_p2p"
#define ODP_ALIAS_PARAM		"/sys/module/ib_core/parameters/odp_dma_alias"

#define SZ_2M			(2UL << 20)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

extern unsigned long page_size;

/*
 * Memory that migrations, devices and other threads change under our feet
 * is read and written with these, not with plain accesses the compiler may
 * merge or drop.
 */
static inline uint64_t peek(const void *p, size_t i)
{
	return __atomic_load_n((const uint64_t *)p + i, __ATOMIC_RELAXED);
}

static inline void poke(void *p, size_t i, uint64_t v)
{
	__atomic_store_n((uint64_t *)p + i, v, __ATOMIC_RELAXED);
}

/* A flag that one thread sets and others poll. */
static inline bool flag_get(const bool *f)
{
	return __atomic_load_n(f, __ATOMIC_ACQUIRE);
}

static inline void flag_set(bool *f)
{
	__atomic_store_n(f, true, __ATOMIC_RELEASE);
}

/* Seconds a suite runs: -t, else HMM_STRESS_SECONDS, else 60. */
unsigned int stress_seconds(const char *arg);
uint64_t now_ms(void);
/* Random numbers for one thread. */
uint64_t rnd_next(uint64_t *state);
uint64_t rnd_below(uint64_t *state, uint64_t n);

/*
 * Tagged data: every 8-byte word says who wrote it (a 12-bit id), the page
 * index it belongs to, its index in the page and a generation, so that a
 * word read from the wrong page, the wrong process or an old generation is
 * told apart from the right one.
 */
#define TAG_GEN_BITS		23
#define TAG_GEN_MASK		((1ULL << TAG_GEN_BITS) - 1)

static inline uint64_t tag(unsigned int id, unsigned long page,
			   unsigned int word, uint32_t gen)
{
	return (uint64_t)(id & 0xfff) << 52 | (uint64_t)(page & 0xfffff) << 32 |
	       (uint64_t)(word & 0x1ff) << TAG_GEN_BITS | (gen & TAG_GEN_MASK);
}

static inline unsigned int tag_id(uint64_t t) { return t >> 52; }
static inline unsigned long tag_page(uint64_t t) { return (t >> 32) & 0xfffff; }
static inline unsigned int tag_word(uint64_t t) { return (t >> TAG_GEN_BITS) & 0x1ff; }
static inline uint32_t tag_gen(uint64_t t) { return t & TAG_GEN_MASK; }

/* Fills page @page of a region (at @p) with tags of @id and @gen. */
void tag_fill_page(void *p, unsigned int id, unsigned long page, uint32_t gen);
/*
 * Checks a page against tags of @id, @page and @gen: returns the index of
 * the first wrong word, or -1.
 */
long tag_check_page(const void *p, unsigned int id, unsigned long page,
		    uint32_t gen);
/*
 * Prints "# WHAT: N1 NAME1, N2 NAME2, ...": pairs of a name (const char *)
 * and a count (uint64_t), ended by NULL.
 */
void print_counts(const char *what, ...);

/* Prints what is wrong with word @w of a page that should hold the tags. */
void tag_report(const char *what, const void *p, long w, unsigned int id,
		unsigned long page, uint32_t gen);

/* Anonymous memory of @size bytes aligned to @align (a power of two). */
void *map_aligned(size_t size, size_t align);

/* test_hmm's dmirror ioctls: 0 or -errno. */
int hmm_open(int dev);
int hmm_cmd(int fd, unsigned long req, void *addr, void *ptr,
	    unsigned long npages, uint64_t *cpages);

/* The Rust sample speaks test_hmm's uapi on its own device. */
int rust_open(void);

/* nova_p2p: the render node of PCI device @bdf, opened; -errno if none. */
int nova_open(const char *bdf);
int nova_migrate(int fd, bool to_vram, void *addr, size_t size,
		 uint64_t *moved);
/* Pages in this device's VRAM, or -errno; @res gets one byte per page. */
long nova_residency(int fd, void *addr, size_t size, unsigned char *res);

/* sysfs and modules */
int sysfs_write(const char *path, const char *val);
int sysfs_read(const char *path, char *buf, size_t len);
/* Whether @name is a loaded module that can be unloaded. */
bool module_unloadable(const char *name);
/* delete_module(), retrying while it is busy for up to @ms. 0 or -errno. */
int module_unload(const char *name, unsigned int ms);
/*
 * modprobe @name; test_hmm gets spm_addr_dev0/1 from HMM_SPM_ADDR_DEV0/1
 * when they are set.  0 or -errno.
 */
int module_load(const char *name);
/* Waits up to @ms for @path to exist. */
bool wait_path(const char *path, unsigned int ms);

#endif
