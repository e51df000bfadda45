// SPDX-License-Identifier: GPL-2.0
/*
 * Two connected RC QPs on one RDMA device, for the hmm_stress suites (see
 * rdma_util.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hmm_stress.h"
#include "rdma_util.h"

int rdma_env(const char **dev, int *gid_index)
{
	const char *d = getenv("HMM_STRESS_RXE_DEV");
	const char *g = getenv("HMM_STRESS_RXE_GID");

	if (!d || !*d || !g || !*g)
		return -ENODEV;
	*dev = d;
	*gid_index = atoi(g);
	return 0;
}

static int qp_to_rts(struct rdma_ctx *c, struct ibv_qp *qp, uint32_t peer)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_RESET,
	};

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE))
		return -errno;
	a.qp_state = IBV_QPS_INIT;
	a.port_num = 1;
	a.qp_access_flags = RDMA_ACCESS;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		return -errno;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = c->mtu;
	a.dest_qp_num = peer;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = c->gid;
	a.ah_attr.grh.sgid_index = c->gid_index;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.port_num = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			  IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		return -errno;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	/*
	 * 4.096 us << 20, about 4 s per try: on a debug kernel under
	 * emulation, rxe's ODP fault of a page in device memory (a migration
	 * or an alias, with KASAN and lockdep) under the suite's churn takes
	 * longer than the 67 ms of 14, and 7 retries of that (about 0.5 s)
	 * ran out.  A request that never completes still fails, after about
	 * 30 s.
	 */
	a.timeout = 20;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
			  IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			  IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC))
		return -errno;
	return 0;
}

int rdma_reset(struct rdma_ctx *c)
{
	struct ibv_wc wc[8];
	int ret;

	/* Flushed completions of the failed QP are of no interest. */
	while (ibv_poll_cq(c->cq, 8, wc) > 0)
		;
	ret = qp_to_rts(c, c->qp[0], c->qp[1]->qp_num);
	if (!ret)
		ret = qp_to_rts(c, c->qp[1], c->qp[0]->qp_num);
	return ret;
}

int rdma_open(struct rdma_ctx *c, const char *dev, int gid_index)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 1,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_port_attr port;
	int i;

	memset(c, 0, sizeof(*c));
	c->gid_index = gid_index;
	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), dev))
			c->ibv = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!c->ibv)
		return -ENODEV;
	c->pd = ibv_alloc_pd(c->ibv);
	if (!c->pd)
		return -ENOMEM;
	c->cq = ibv_create_cq(c->ibv, 16, NULL, NULL, 0);
	if (!c->cq)
		return -ENOMEM;
	qa.send_cq = c->cq;
	qa.recv_cq = c->cq;
	for (i = 0; i < 2; i++) {
		c->qp[i] = ibv_create_qp(c->pd, &qa);
		if (!c->qp[i])
			return -ENOMEM;
	}
	if (ibv_query_port(c->ibv, 1, &port) ||
	    ibv_query_gid(c->ibv, 1, gid_index, &c->gid))
		return -EIO;
	c->mtu = port.active_mtu;
	return rdma_reset(c);
}

void rdma_close(struct rdma_ctx *c)
{
	int i;

	for (i = 0; i < 2; i++)
		if (c->qp[i])
			ibv_destroy_qp(c->qp[i]);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->pd)
		ibv_dealloc_pd(c->pd);
	if (c->ibv)
		ibv_close_device(c->ibv);
	memset(c, 0, sizeof(*c));
}

struct ibv_mr *rdma_reg(struct rdma_ctx *c, void *addr, size_t len, bool odp)
{
	return ibv_reg_mr(c->pd, addr, len,
			  RDMA_ACCESS | (odp ? IBV_ACCESS_ON_DEMAND : 0));
}

static int post_wait(struct rdma_ctx *c, struct ibv_send_wr *wr)
{
	uint64_t end = now_ms() + 60000;
	struct ibv_send_wr *bad;
	struct ibv_wc wc;
	unsigned int spins = 0;
	int n;

	if (ibv_post_send(c->qp[0], wr, &bad))
		return -EIO;
	for (;;) {
		n = ibv_poll_cq(c->cq, 1, &wc);
		if (n < 0)
			return -EIO;
		if (n) {
			if (wc.status == IBV_WC_SUCCESS)
				return 0;
			c->last_status = wc.status;
			return -EIO;
		}
		if (++spins > 64) {
			if (now_ms() > end)
				return -ETIMEDOUT;
			usleep(50);
		}
	}
}

static int rdma_rw(struct rdma_ctx *c, enum ibv_wr_opcode op,
		   struct ibv_mr *lmr, void *local, struct ibv_mr *rmr,
		   void *remote, size_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)local,
		.length = len,
		.lkey = lmr->lkey,
	};
	struct ibv_send_wr wr = {
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = (uintptr_t)remote,
			     .rkey = rmr->rkey },
	};

	return post_wait(c, &wr);
}

int rdma_read(struct rdma_ctx *c, struct ibv_mr *lmr, void *local,
	      struct ibv_mr *rmr, void *remote, size_t len)
{
	return rdma_rw(c, IBV_WR_RDMA_READ, lmr, local, rmr, remote, len);
}

int rdma_write(struct rdma_ctx *c, struct ibv_mr *lmr, void *local,
	       struct ibv_mr *rmr, void *remote, size_t len)
{
	return rdma_rw(c, IBV_WR_RDMA_WRITE, lmr, local, rmr, remote, len);
}

int rdma_fadd(struct rdma_ctx *c, struct ibv_mr *lmr, void *local,
	      struct ibv_mr *rmr, void *remote, uint64_t add)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)local,
		.length = sizeof(uint64_t),
		.lkey = lmr->lkey,
	};
	struct ibv_send_wr wr = {
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = IBV_WR_ATOMIC_FETCH_AND_ADD,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.atomic = { .remote_addr = (uintptr_t)remote,
			       .compare_add = add,
			       .rkey = rmr->rkey },
	};

	return post_wait(c, &wr);
}

int rdma_prefetch(struct rdma_ctx *c, struct ibv_mr *mr, void *addr,
		  size_t len, bool write)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)addr,
		.length = len,
		.lkey = mr->lkey,
	};

	return -ibv_advise_mr(c->pd, write ?
			      IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE :
			      IBV_ADVISE_MR_ADVICE_PREFETCH,
			      IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
}
