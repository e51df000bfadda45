# SPDX-License-Identifier: GPL-2.0
# nova_p2p: the Rust DRM driver drivers/gpu/drm/nova_p2p on the ivshmem BAR
# behind the PCIe switch (its "VRAM", 256 MiB), driven by
# tools/testing/selftests/drivers/gpu/nova_p2p/nova_p2p_test; the driver also
# binds the other ivshmem devices through its ID table.  The selftest's KTAP
# is the suite's result file.  Afterwards the module is unloaded and the
# device left without a driver override.
NOVA_P2P_DEV=0000:03:00.0
nova_p2p_up() {
	local dev=/sys/bus/pci/devices/$NOVA_P2P_DEV
	[ -d "$dev" ] || { echo "# no $NOVA_P2P_DEV" >&2; return 1; }
	echo nova_p2p >"$dev/driver_override" || return 1
	kmod nova_p2p || return 1
	[ -e "$dev/driver" ] || echo "$NOVA_P2P_DEV" >/sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "$dev/driver")")" = nova_p2p ] ||
		{ echo "# $NOVA_P2P_DEV is not bound to nova_p2p" >&2; return 1; }
}
nova_p2p_down() {
	local rc=0
	kmod -r nova_p2p || rc=1
	echo >/sys/bus/pci/devices/$NOVA_P2P_DEV/driver_override || rc=1
	return $rc
}
nova_p2p_module() { find "$MODROOT" -name 'nova_p2p.ko*' | head -1; }
nova_p2p() {
	local bin=$OUT/selftests/drivers/gpu/nova_p2p/nova_p2p_test rc=0
	local tap=$RESULTS/nova_p2p.tap
	echo "# suite nova_p2p" >&2
	if [ ! -x "$bin" ]; then
		printf 'TAP version 13\n1..1\nnot ok 1 nova_p2p_test_built\n' >"$tap"
		return 1
	fi
	if ! nova_p2p_up; then
		printf 'TAP version 13\n1..1\nnot ok 1 nova_p2p_bind\n' >"$tap"
		nova_p2p_down
		return 1
	fi
	NOVA_P2P_DEV=$NOVA_P2P_DEV NOVA_P2P_MODULE=$(nova_p2p_module) \
		timeout 900 "$bin" >"$tap" 2>&1 || rc=$?
	grep -E '^(not )?ok ' "$tap" >&2 || true
	cat /sys/kernel/debug/nova_p2p-$NOVA_P2P_DEV/counters >&2 2>/dev/null || true
	nova_p2p_down || { echo "# unloading nova_p2p failed" >>"$tap"; rc=1; }
	return $rc
}
# nova_rdma: the end-to-end test on nova_p2p's VRAM: rxe reads, writes,
# prefetches and atomically adds to an ODP region whose pages nova_p2p moved
# into VRAM, through aliases (the pages stay) and without (they migrate);
# tools/testing/selftests/rdma/odp_dma_alias -N.  nova_p2p's counters go to
# the end of the suite's TAP.
nova_rdma_down() {
	sed 's/^/# /' /sys/kernel/debug/nova_p2p-$NOVA_P2P_DEV/counters \
		>>"$RESULTS/nova_rdma.tap" 2>/dev/null
	nova_p2p_down
}
nova_rdma() {
	odp_dma_alias_suite nova_rdma nova_p2p_up nova_rdma_down -N "$NOVA_P2P_DEV"
}
