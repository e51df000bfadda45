#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: first-touch and steady-state RDMA READ over rxe of an ODP
# buffer in nova_p2p's VRAM, through DMA aliases and through the migration
# fallback, and of one in system memory, for 256, 1024 and 4096 pages, 5
# runs each.  Writes $RESULTS/bench-nova.txt.
set -u
G=$(dirname "$0")
. "$G/ktap.sh"
. "$G/rxe_smoke.sh"
. "$G/nova_p2p.sh"
require_ns_clock >"$RESULTS/bench-nova.txt" || exit 1
# A 4 KiB RoCE MTU (dummy0 MTU 9000): one packet per page.
gid=$(rxe_up 9000) || { echo "$gid"; exit 1; }
nova_p2p_up || exit 1
rc=0
"$OUT/selftests/rdma/odp_dma_alias" -d rxe0 -g "$gid" -N "$NOVA_P2P_DEV" \
	-b -r "${BENCH_REPS:-5}" >>"$RESULTS/bench-nova.txt" 2>&1 || rc=1
sed 's/^/# nova_p2p /' /sys/kernel/debug/nova_p2p-$NOVA_P2P_DEV/counters \
	>>"$RESULTS/bench-nova.txt" 2>/dev/null
cat "$RESULTS/bench-nova.txt"
nova_p2p_down
rxe_down
exit $rc
