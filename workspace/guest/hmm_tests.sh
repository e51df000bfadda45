# SPDX-License-Identifier: GPL-2.0
# Upstream hmm-tests, with test_hmm loaded as tools/testing/selftests/mm/
# test_hmm.sh does for its "smoke" run: two device-private and two
# device-coherent devices, the latter on the special-purpose memory that the
# kernel command line carves out (memmap=512M%0x140000000-1+0xefffffff).
# The ivshmem BAR behind the PCIe switch holds the memory of test_hmm's P2P
# device (hmm_dmirror4): the hmm_p2p cases read it through DMA aliases, as
# the CPU, as the device beside it on the switch (near) and as the one on
# the other root port (far), which cannot reach it.
SPM_ADDR_DEV0=0x140000000
SPM_ADDR_DEV1=0x150000000
P2P_PROVIDER=0000:03:00.0
export HMM_P2P_NEAR_CLIENT=0000:04:00.0
export HMM_P2P_FAR_CLIENT=0000:00:04.0
# Bind the ivshmem behind the switch to test_hmm's P2P provider driver
# (test_hmm must be loaded).
bind_p2p_provider() {
	[ -d /sys/bus/pci/devices/$P2P_PROVIDER ] &&
		echo test_hmm_p2p >/sys/bus/pci/devices/$P2P_PROVIDER/driver_override &&
		echo $P2P_PROVIDER >/sys/bus/pci/drivers_probe && return 0
	echo "# binding $P2P_PROVIDER to test_hmm_p2p failed" >&2
	return 1
}
hmm_tests() {
	local rc=0
	echo "# hmm-tests: modprobe test_hmm spm_addr_dev0=$SPM_ADDR_DEV0 spm_addr_dev1=$SPM_ADDR_DEV1" >&2
	if ! kmod test_hmm spm_addr_dev0=$SPM_ADDR_DEV0 spm_addr_dev1=$SPM_ADDR_DEV1; then
		printf 'TAP version 13\n1..1\nnot ok 1 load_test_hmm\n' >"$RESULTS/hmm-tests.tap"
		return 1
	fi
	# Without it the hmm_p2p cases skip, and say so.
	bind_p2p_provider || true
	(cd "$OUT/selftests/mm" && ./hmm-tests) >"$RESULTS/hmm-tests.tap" 2>&1 || rc=$?
	grep -E '^(not )?ok ' "$RESULTS/hmm-tests.tap" >&2 || true
	kmod -r test_hmm || { echo "# rmmod test_hmm failed" >>"$RESULTS/hmm-tests.tap"; rc=1; }
	return $rc
}
