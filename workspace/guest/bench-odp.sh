#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# First-touch RDMA READ over rxe of an ODP buffer in test_hmm's BAR-backed
# device memory, through DMA aliases and through migration, and of one in
# system memory: `make bench-odp`.  Writes $RESULTS/bench-odp.txt.
set -u
G=$(dirname "$0")
. "$G/ktap.sh"
. "$G/hmm_tests.sh"
. "$G/rxe_smoke.sh"
require_ns_clock >"$RESULTS/bench-odp.txt" || exit 1
# A 4 KiB RoCE MTU (dummy0 MTU 9000): one packet per page.
gid=$(rxe_up 9000) || { echo "$gid"; exit 1; }
kmod test_hmm && bind_p2p_provider || exit 1
rc=0
"$OUT/selftests/rdma/odp_dma_alias" -d rxe0 -g "$gid" -b -r 5 \
	>>"$RESULTS/bench-odp.txt" 2>&1 || rc=1
cat "$RESULTS/bench-odp.txt"
kmod -r test_hmm
rxe_down
exit $rc
