# SPDX-License-Identifier: GPL-2.0
# odp_alias: RDMA ODP over rxe on memory that migrated into test_hmm's P2P
# device (hmm_dmirror4, whose memory is the ivshmem BAR behind the switch):
# tools/testing/selftests/rdma/odp_dma_alias reads and writes it with and
# without DMA aliases.  Its KTAP output is the suite's result file.
odp_alias() {
	local gid i bin=$OUT/selftests/rdma/odp_dma_alias rc=0
	local tap=$RESULTS/odp_alias.tap
	echo "# suite odp_alias" >&2
	if [ ! -x "$bin" ]; then
		printf 'TAP version 13\n1..1\nnot ok 1 odp_dma_alias_built\n' >"$tap"
		return 1
	fi
	ip addr replace $RXE_IP/24 dev dummy0 && ip link set dummy0 up
	kmod rdma_rxe && rdma link add rxe0 type rxe netdev dummy0
	gid=
	for i in $(seq 50); do
		gid=$(rxe_gid_index) && break
		sleep 0.2
	done
	if [ -z "$gid" ] || ! kmod test_hmm; then
		printf 'TAP version 13\n1..1\nnot ok 1 odp_alias_setup\n# rxe gid "%s"\n' "$gid" >"$tap"
		rdma link delete rxe0; kmod -r rdma_rxe
		return 1
	fi
	echo test_hmm_p2p >/sys/bus/pci/devices/$P2P_PROVIDER/driver_override &&
		echo $P2P_PROVIDER >/sys/bus/pci/drivers_probe ||
		echo "# odp_alias: binding $P2P_PROVIDER to test_hmm_p2p failed" >&2
	timeout 300 "$bin" -d rxe0 -g "$gid" >"$tap" 2>"$RESULTS/odp_alias.guest.log" || rc=$?
	grep -E '^(not )?ok ' "$tap" >&2 || true
	kmod -r test_hmm || { echo "# rmmod test_hmm failed" >>"$tap"; rc=1; }
	rdma link delete rxe0 && kmod -r rdma_rxe || rc=1
	return $rc
}
