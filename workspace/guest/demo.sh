#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo` in the guest: the P2P topology, memory migrated to a
# device-private and a device-coherent test device and back, then a NIC
# (soft-RoCE) reading device memory over RDMA through DMA aliases, beside
# the migration fallback and system memory.
set -eu
. "$(dirname "$0")/ktap.sh"
. "$(dirname "$0")/hmm_tests.sh"
. "$(dirname "$0")/rxe_smoke.sh"
echo "== PCI topology: the 'VRAM' ivshmem behind a switch, P2P clients"
lspci -tv
for d in 0000:03:00.0 0000:04:00.0 0000:00:04.0; do
	printf '%s %s  BAR2: ' "$d" "$(lspci -s $d -n | cut -d' ' -f3)"
	sed -n 3p /sys/bus/pci/devices/$d/resource
done
echo "== test_hmm: migrate to device memory and back"
kmod test_hmm spm_addr_dev0=$SPM_ADDR_DEV0 spm_addr_dev1=$SPM_ADDR_DEV1
dmesg | grep -i 'hmm_dmirror\|test_hmm\|added new' | tail -4 || true
echo "device-private memory is registered by size and takes no physical address"
echo "space: /proc/iomem entries named hmm_dmirror: $(grep -c hmm_dmirror /proc/iomem || true)"
cd "$OUT/selftests/mm"
./hmm-tests -r hmm.hmm_device_private.migrate -r hmm.hmm_device_private.migrate_fault \
	-r hmm.hmm_device_coherent.migrate
rc=$?
echo "== RDMA: a NIC reads a buffer that migrated into device memory"
echo "An ODP memory region over a 1 MiB buffer in the device memory of test_hmm's"
echo "device 4, whose data lives in the 'VRAM' BAR at 03:00.0; rxe0 (soft-RoCE)"
echo "reads it with RDMA READ. alias: through DMA aliases, the pages stay in device"
echo "memory; migrate: aliases off (ib_core.odp_dma_alias=N), the fault migrates"
echo "them to RAM first; ram: the same buffer in system memory."
# Keep the kernel's messages off the console for the table below.
dmesg -n 1 2>/dev/null || true
if gid=$(rxe_up 9000) && bind_p2p_provider; then
	"$OUT/selftests/rdma/odp_dma_alias" -d rxe0 -g "$gid" -b -r 3 -n 256 \
		>"$RESULTS/demo-odp.txt" 2>&1 || rc=1
	grep -v '^csv' "$RESULTS/demo-odp.txt" || true
	rxe_down || true
else
	echo "rxe or the P2P device did not come up: $gid"
	rc=1
fi
kmod -r test_hmm
echo "== demo finished with status $rc"
exit $rc
