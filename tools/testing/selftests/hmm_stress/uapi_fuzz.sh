#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hostile ioctl arguments for test_hmm's dmirror devices, the Rust sample
# and nova_p2p (on NOVA_P2P_DEV) while the region they point at is mapped,
# unmapped, protected and advised, and the process forks; a canary region
# keeps moving through device memory and must stay intact.  The seed is
# HMM_STRESS_SEED (default 0x5eed).  See uapi_fuzz.c.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

hs_begin
hs_bin uapi_fuzz
hs_need_cmd modprobe modinfo
hs_providers
[ ${#HS_MISSING[@]} -ge 3 ] && hs_skip "no device to fuzz: ${HS_MISSING[*]}"
[ ${#HS_MISSING[@]} = 0 ] || hs_log "running without: ${HS_MISSING[*]}"
hs_thp
hs_run "$HS_BIN" -t "$HMM_STRESS_SECONDS"
hs_end $?
