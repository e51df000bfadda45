# SPDX-License-Identifier: GPL-2.0
# odp_alias: RDMA ODP over rxe on memory that migrated into test_hmm's P2P
# device (hmm_dmirror4, whose memory is the ivshmem BAR behind the switch):
# tools/testing/selftests/rdma/odp_dma_alias reads and writes it with and
# without DMA aliases.  Its KTAP output is the suite's result file.
odp_alias() {
	local gid bin=$OUT/selftests/rdma/odp_dma_alias rc=0
	local tap=$RESULTS/odp_alias.tap
	echo "# suite odp_alias" >&2
	if [ ! -x "$bin" ]; then
		printf 'TAP version 13\n1..1\nnot ok 1 odp_dma_alias_built\n' >"$tap"
		return 1
	fi
	if ! gid=$(rxe_up) || ! kmod test_hmm || ! bind_p2p_provider; then
		printf 'TAP version 13\n1..1\nnot ok 1 odp_alias_setup\n# %s\n' "$gid" >"$tap"
		kmod -r test_hmm; rxe_down
		return 1
	fi
	timeout 300 "$bin" -d rxe0 -g "$gid" >"$tap" 2>"$RESULTS/odp_alias.guest.log" || rc=$?
	grep -E '^(not )?ok ' "$tap" >&2 || true
	kmod -r test_hmm || { echo "# rmmod test_hmm failed" >>"$tap"; rc=1; }
	rxe_down || rc=1
	return $rc
}
