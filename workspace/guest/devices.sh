# SPDX-License-Identifier: GPL-2.0
# Device setup for the demo and the benchmarks (sourced, bash), on the VM's
# topology (DESIGN.md).  `make test` does not use it: the kselftests bring
# up what they need themselves (tools/testing/selftests/{mm/test_hmm.sh,
# rdma/odp_dma_alias*.sh,drivers/gpu/nova_p2p/nova_p2p.sh}).
#
# test_hmm's special-purpose memory for its device-coherent devices (the
# kernel command line carves it out: memmap=512M%0x140000000-1+0xefffffff)
# and the ivshmem BAR behind the PCIe switch, which holds the memory of
# test_hmm's P2P device (hmm_dmirror4) or is nova_p2p's VRAM.
SPM_ADDR_DEV0=0x140000000
SPM_ADDR_DEV1=0x150000000
P2P_PROVIDER=0000:03:00.0
NOVA_P2P_DEV=0000:03:00.0

# Bind the ivshmem behind the switch to test_hmm's P2P provider driver
# (test_hmm must be loaded).
bind_p2p_provider() {
	[ -d /sys/bus/pci/devices/$P2P_PROVIDER ] &&
		echo test_hmm_p2p >/sys/bus/pci/devices/$P2P_PROVIDER/driver_override &&
		echo $P2P_PROVIDER >/sys/bus/pci/drivers_probe && return 0
	echo "# binding $P2P_PROVIDER to test_hmm_p2p failed" >&2
	return 1
}
test_hmm_p2p_up() { modprobe test_hmm && bind_p2p_provider; }
test_hmm_p2p_down() {
	echo >/sys/bus/pci/devices/$P2P_PROVIDER/driver_override
	modprobe -r test_hmm
}

# nova_p2p on the ivshmem behind the switch (its "VRAM", 256 MiB).
nova_p2p_up() {
	local dev=/sys/bus/pci/devices/$NOVA_P2P_DEV
	[ -d "$dev" ] || { echo "# no $NOVA_P2P_DEV" >&2; return 1; }
	echo nova_p2p >"$dev/driver_override" || return 1
	modprobe nova_p2p || return 1
	[ -e "$dev/driver" ] || echo "$NOVA_P2P_DEV" >/sys/bus/pci/drivers_probe
	[ "$(basename "$(readlink "$dev/driver")")" = nova_p2p ] ||
		{ echo "# $NOVA_P2P_DEV is not bound to nova_p2p" >&2; return 1; }
}
nova_p2p_down() {
	local rc=0
	modprobe -r nova_p2p || rc=1
	echo >/sys/bus/pci/devices/$NOVA_P2P_DEV/driver_override || rc=1
	return $rc
}
