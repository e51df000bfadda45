#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# First-touch and steady-state RDMA READ over rxe of an ODP buffer in device
# memory, through DMA aliases and through migration, and of one in system
# memory, for 256, 1024 and 4096 pages, 5 runs each (odp_dma_alias -b).
# The device memory is nova_p2p's VRAM with hmmp2p.bench=nova_p2p on the
# kernel command line (`make bench`; writes $RESULTS/bench-nova.txt), else
# test_hmm's BAR-backed device (`make bench-odp`; $RESULTS/bench-odp.txt).
set -u
G=$(dirname "$0")
. "$G/ktap.sh"
. "$G/devices.sh"
. "$G/rxe_smoke.sh"
target=test_hmm
for a in $(cat /proc/cmdline); do
	case "$a" in hmmp2p.bench=?*) target=${a#hmmp2p.bench=} ;; esac
done
case "$target" in
test_hmm) out=$RESULTS/bench-odp.txt up=test_hmm_p2p_up down=test_hmm_p2p_down dev=() ;;
nova_p2p) out=$RESULTS/bench-nova.txt up=nova_p2p_up down=nova_p2p_down dev=(-N "$NOVA_P2P_DEV") ;;
*) echo "hmmp2p.bench=$target: test_hmm or nova_p2p"; exit 1 ;;
esac
require_ns_clock >"$out" || exit 1
# A 4 KiB RoCE MTU (dummy0 MTU 9000): one packet per page.
gid=$(rxe_up 9000) || { echo "$gid"; exit 1; }
$up || exit 1
rc=0
"$OUT/selftests/rdma/odp_dma_alias" -d rxe0 -g "$gid" "${dev[@]}" -b \
	-r 5 >>"$out" 2>&1 || rc=1
[ "$target" = test_hmm ] || sed 's/^/# nova_p2p /' \
	/sys/kernel/debug/nova_p2p-$NOVA_P2P_DEV/counters >>"$out" 2>/dev/null
cat "$out"
$down
rxe_down
exit $rc
