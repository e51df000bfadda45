# SPDX-License-Identifier: GPL-2.0
# odp_alias: RDMA ODP over rxe on memory that migrated into test_hmm's P2P
# device (hmm_dmirror4, whose memory is the ivshmem BAR behind the switch):
# tools/testing/selftests/rdma/odp_dma_alias reads and writes it with and
# without DMA aliases.  Its KTAP output is the suite's result file.

# odp_dma_alias_suite NAME UP DOWN [ARGS...]: brings rxe and then the device
# memory up (UP), runs odp_dma_alias over rxe0 with ARGS, its KTAP as NAME's
# result file, and takes them down again (DOWN, then rxe).
odp_dma_alias_suite() {
	local name=$1 up=$2 down=$3 gid rc=0
	local bin=$OUT/selftests/rdma/odp_dma_alias tap=$RESULTS/$1.tap
	shift 3
	echo "# suite $name" >&2
	if [ ! -x "$bin" ]; then
		printf 'TAP version 13\n1..1\nnot ok 1 odp_dma_alias_built\n' >"$tap"
		return 1
	fi
	if ! gid=$(rxe_up) || ! $up; then
		printf 'TAP version 13\n1..1\nnot ok 1 %s_setup\n# %s\n' "$name" "$gid" >"$tap"
		$down; rxe_down
		return 1
	fi
	timeout 300 "$bin" -d rxe0 -g "$gid" "$@" >"$tap" 2>"$RESULTS/$name.guest.log" || rc=$?
	grep -E '^(not )?ok ' "$tap" >&2 || true
	$down || { echo "# $down failed" >>"$tap"; rc=1; }
	rxe_down || rc=1
	return $rc
}
odp_alias_up() { kmod test_hmm && bind_p2p_provider; }
odp_alias_down() { kmod -r test_hmm; }
odp_alias() { odp_dma_alias_suite odp_alias odp_alias_up odp_alias_down; }
