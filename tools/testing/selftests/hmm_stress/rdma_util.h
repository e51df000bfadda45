/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two RC QPs of one RDMA device (rxe) connected to each other over the
 * device's own GID: QP 0 posts RDMA READ, WRITE and ATOMIC work requests
 * whose remote side is memory registered through QP 1's device, e.g. an
 * on-demand-paging MR.
 */
#ifndef HMM_STRESS_RDMA_UTIL_H
#define HMM_STRESS_RDMA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <infiniband/verbs.h>

struct rdma_ctx {
	struct ibv_context *ibv;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp[2];
	enum ibv_mtu mtu;
	int gid_index;
	union ibv_gid gid;
	/* completion status of the last failed work request */
	enum ibv_wc_status last_status;
};

/* Device and GID index from HMM_STRESS_RXE_DEV and HMM_STRESS_RXE_GID. */
int rdma_env(const char **dev, int *gid_index);
int rdma_open(struct rdma_ctx *c, const char *dev, int gid_index);
void rdma_close(struct rdma_ctx *c);
/* Brings both QPs back to RTS after a work request failed. */
int rdma_reset(struct rdma_ctx *c);

#define RDMA_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | \
			 IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_ATOMIC)

struct ibv_mr *rdma_reg(struct rdma_ctx *c, void *addr, size_t len, bool odp);

/*
 * RDMA READ of @len bytes at @remote of @rmr into @local of @lmr, WRITE the
 * other way, or ATOMIC fetch-and-add of @add at @remote (old value into
 * @local).  0, -EIO with c->last_status set if the work request failed,
 * -ETIMEDOUT if it did not complete in 60 s.
 */
int rdma_read(struct rdma_ctx *c, struct ibv_mr *lmr, void *local,
	      struct ibv_mr *rmr, void *remote, size_t len);
int rdma_write(struct rdma_ctx *c, struct ibv_mr *lmr, void *local,
	       struct ibv_mr *rmr, void *remote, size_t len);
int rdma_fadd(struct rdma_ctx *c, struct ibv_mr *lmr, void *local,
	      struct ibv_mr *rmr, void *remote, uint64_t add);
/* Synchronous prefetch (IBV_ADVISE_MR_FLAG_FLUSH) of a range of an MR. */
int rdma_prefetch(struct rdma_ctx *c, struct ibv_mr *mr, void *addr,
		  size_t len, bool write);

#endif
