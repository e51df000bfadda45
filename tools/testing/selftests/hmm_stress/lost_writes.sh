#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Counters bumped by the CPU in pages that keep moving between RAM and the
# device memory of test_hmm (order-0 pages and THPs), the Rust sample and
# nova_p2p (on NOVA_P2P_DEV): no write may be lost.  See lost_writes.c.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

hs_begin
hs_bin lost_writes
hs_need_cmd modprobe modinfo
hs_providers
[ ${#HS_MISSING[@]} -ge 3 ] && hs_skip "no provider of device memory: ${HS_MISSING[*]}"
[ ${#HS_MISSING[@]} = 0 ] || hs_log "running without: ${HS_MISSING[*]}"
hs_thp
hs_run "$HS_BIN" -t "$HMM_STRESS_SECONDS"
hs_end $?
