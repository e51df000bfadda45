#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hmm_range_fault() walkers and CPU faults on device-private pages (and
# THPs) of one provider while another provider is unbound, its device memory
# released and its module unloaded and reloaded: test_hmm, the Rust sample
# rust_hmm_mirror and nova_p2p (on NOVA_P2P_DEV), RDMA ODP prefetch and READ
# over rxe through DMA aliases.  See unbind_load.c.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

hs_begin
hs_bin unbind_load
hs_need_cmd modprobe modinfo
hs_providers
[ ${#HS_MISSING[@]} -ge 2 ] && hs_skip "needs two providers; missing: ${HS_MISSING[*]}"
[ ${#HS_MISSING[@]} = 0 ] || hs_log "running without: ${HS_MISSING[*]}"
hs_rxe
case $? in
0) hs_odp_alias Y || hs_log "no $HS_ALIAS_PARAM: RDMA without DMA aliases" ;;
2) hs_log "no rxe (module rdma_rxe, commands ip and rdma): the RDMA walker does not run" ;;
*) hs_fail "setting up rxe" ;;
esac
hs_thp
hs_run "$HS_BIN" -t "$HMM_STRESS_SECONDS"
hs_end $?
