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
# A 4 KiB RoCE MTU (dummy0 MTU 9000): one packet per page.
ip addr replace $RXE_IP/24 dev dummy0 && ip link set dummy0 mtu 9000 up
kmod rdma_rxe && rdma link add rxe0 type rxe netdev dummy0 || exit 1
gid=
for i in $(seq 50); do
	gid=$(rxe_gid_index) && break
	sleep 0.2
done
[ -n "$gid" ] || exit 1
kmod test_hmm || exit 1
echo test_hmm_p2p >/sys/bus/pci/devices/$P2P_PROVIDER/driver_override &&
	echo $P2P_PROVIDER >/sys/bus/pci/drivers_probe || exit 1
rc=0
"$OUT/selftests/rdma/odp_dma_alias" -d rxe0 -g "$gid" -b -r "${BENCH_REPS:-5}" \
	>"$RESULTS/bench-odp.txt" 2>&1 || rc=1
cat "$RESULTS/bench-odp.txt"
kmod -r test_hmm
rdma link delete rxe0
kmod -r rdma_rxe
exit $rc
