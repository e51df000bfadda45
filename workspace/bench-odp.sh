#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-odp`: one guest run of tools/testing/selftests/rdma/
# odp_dma_alias -b: first-touch ns/page and bytes migrated of an ODP RDMA
# READ over rxe of device memory through DMA aliases, through the migration
# fallback, and of system memory, for several sizes.  The table is printed
# and kept in build/results/bench-odp.txt (rows starting "csv," are CSV).
. "$(dirname "$0")/lib.sh"

[ -x "$KOUT/selftests/rdma/odp_dma_alias" ] ||
	die "no odp_dma_alias in $KOUT/selftests/rdma: build first (make build)"
log "bench-odp: guest run (the bench takes a few minutes under TCG)"
SUITES= "$TOP/workspace/vm.sh" run bench-odp.sh "$WORK/results/bench-odp.console.log" \
	>/dev/null 2>&1 || die_log "$WORK/results/bench-odp.console.log" "bench-odp failed"
grep -v '^csv,' "$WORK/results/bench-odp.txt"
