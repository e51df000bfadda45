#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo` in the guest: the P2P topology, memory migrated to a
# device-private and a device-coherent test device and back, then nova_p2p
# (the Rust GPU driver) taking the 'VRAM' BAR, a buffer moving into its VRAM,
# and a NIC (soft-RoCE) reading it over RDMA through DMA aliases, beside the
# migration fallback and system memory, with nova_p2p's counters.
set -eu
. "$(dirname "$0")/ktap.sh"
. "$(dirname "$0")/devices.sh"
. "$(dirname "$0")/rxe_smoke.sh"
echo "== PCI topology: the 'VRAM' ivshmem behind a switch, P2P clients"
lspci -tv
for d in 0000:03:00.0 0000:04:00.0 0000:00:04.0; do
	printf '%s %s  BAR2: ' "$d" "$(lspci -s $d -n | cut -d' ' -f3)"
	sed -n 3p /sys/bus/pci/devices/$d/resource
done
echo "== test_hmm: migrate to device memory and back"
modprobe test_hmm spm_addr_dev0=$SPM_ADDR_DEV0 spm_addr_dev1=$SPM_ADDR_DEV1
dmesg | grep -i 'hmm_dmirror\|test_hmm\|added new' | tail -4 || true
echo "device-private memory is registered by size and takes no physical address"
echo "space: /proc/iomem entries named hmm_dmirror: $(grep -c hmm_dmirror /proc/iomem || true)"
cd "$OUT/selftests/mm"
./hmm-tests -r hmm.hmm_device_private.migrate -r hmm.hmm_device_private.migrate_fault \
	-r hmm.hmm_device_coherent.migrate
rc=$?
modprobe -r test_hmm
echo "== nova_p2p: a Rust GPU driver whose VRAM is the BAR at 03:00.0"
C=/sys/kernel/debug/nova_p2p-$NOVA_P2P_DEV/counters
# Keep the kernel's messages off the console for what follows.
dmesg -n 1 2>/dev/null || true
nova_p2p_up || rc=1
dmesg | grep 'nova_p2p' | sed 's/^\[[^]]*\] //' || true
echo "-- a process moves a buffer into VRAM, checks where its pages are, and"
echo "   reads it back with the CPU (each page faults back to RAM):"
"$OUT/selftests/drivers/gpu/nova_p2p/nova_p2p_test" -r nova.migrate_roundtrip \
	-r nova.cpu_read_fault | grep -E '^(not )?ok|^#  *(PASSED|FAILED)' || rc=1
echo "-- nova_p2p's counters ($C):"
sed 's/^/   /' "$C" || rc=1
echo "== RDMA: a NIC reads a buffer in nova_p2p's VRAM"
echo "An ODP memory region over a 1 MiB buffer that nova_p2p moved into VRAM;"
echo "rxe0 (soft-RoCE) reads it with RDMA READ. alias: through DMA aliases, the"
echo "pages stay in VRAM; migrate: aliases off (ib_core.odp_dma_alias=N), the fault"
echo "migrates them to RAM first; ram: the same buffer in system memory."
if gid=$(rxe_up 9000); then
	"$OUT/selftests/rdma/odp_dma_alias" -d rxe0 -g "$gid" -N "$NOVA_P2P_DEV" \
		-b -r 3 -n 256 >"$RESULTS/demo-odp.txt" 2>&1 || rc=1
	grep -v '^csv' "$RESULTS/demo-odp.txt" || true
	rxe_down || true
else
	echo "rxe did not come up: $gid"
	rc=1
fi
echo "-- nova_p2p's counters after the RDMA runs:"
sed 's/^/   /' "$C" || rc=1
nova_p2p_down || rc=1
echo "== demo finished with status $rc"
exit $rc
