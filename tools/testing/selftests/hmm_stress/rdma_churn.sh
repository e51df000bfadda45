#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# RDMA READ, WRITE and ATOMIC over rxe on an ODP MR whose pages keep moving
# between RAM and device memory, with munmap/mmap, fork and another process
# refilling the device memory: on test_hmm's P2P device (HMM_P2P_PROVIDER
# bound to test_hmm_p2p) and on nova_p2p (NOVA_P2P_DEV), each with DMA
# aliases (ib_core.odp_dma_alias=Y) and without (N).  The parameter gets its
# value back at the end.  HMM_STRESS_SECONDS is split between the runs.
# See rdma_churn.c.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

hs_begin
hs_bin rdma_churn
hs_need_cmd modprobe modinfo
hs_rxe
case $? in
0) ;;
2) hs_skip "no rxe (module rdma_rxe, commands ip and rdma)" ;;
*) hs_fail "setting up rxe" ;;
esac
[ -w "$HS_ALIAS_PARAM" ] || hs_skip "no $HS_ALIAS_PARAM (ib_core without DMA aliases)"

runs=()
missing=()
if [ -n "${HMM_P2P_PROVIDER:-}" ]; then
	runs+=(hmm)
else
	missing+=("HMM_P2P_PROVIDER")
fi
if [ -n "${NOVA_P2P_DEV:-}" ]; then
	runs+=(nova)
else
	missing+=("NOVA_P2P_DEV")
fi
[ ${#runs[@]} = 0 ] && hs_skip "no device memory with P2P aliases: set ${missing[*]}"
secs=$((HMM_STRESS_SECONDS / (2 * ${#runs[@]})))
[ $secs -lt 10 ] && secs=10

rc=0
ran=0
for r in "${runs[@]}"; do
	if [ "$r" = hmm ]; then
		hs_test_hmm
		case $? in 0) ;; 2) hs_log "SKIP test_hmm runs: no module test_hmm"; continue ;; *) hs_fail "modprobe test_hmm" ;; esac
		hs_pci_bind "$HMM_P2P_PROVIDER" test_hmm_p2p
		case $? in 0) ;; 2) hs_log "SKIP test_hmm runs: no PCI device $HMM_P2P_PROVIDER"; continue ;; *) hs_fail "binding $HMM_P2P_PROVIDER to test_hmm_p2p" ;; esac
		args=()
	else
		hs_module nova_p2p
		case $? in 0) ;; 2) hs_log "SKIP nova_p2p runs: no module nova_p2p"; continue ;; *) hs_fail "modprobe nova_p2p" ;; esac
		hs_pci_bind "$NOVA_P2P_DEV" nova_p2p
		case $? in 0) ;; 2) hs_log "SKIP nova_p2p runs: no PCI device $NOVA_P2P_DEV"; continue ;; *) hs_fail "binding $NOVA_P2P_DEV to nova_p2p" ;; esac
		args=(-N "$NOVA_P2P_DEV")
	fi
	for a in Y N; do
		hs_odp_alias $a || hs_fail "setting odp_dma_alias"
		hs_log "--- $r, odp_dma_alias=$a, $secs s"
		hs_run "$HS_BIN" -t "$secs" "${args[@]}"
		s=$?
		case $s in
		0) ran=1 ;;
		"$ksft_skip") ;;
		*) rc=1 ;;
		esac
	done
done
[ $rc = 0 ] && [ $ran = 0 ] && rc=$ksft_skip
hs_end "$rc"
