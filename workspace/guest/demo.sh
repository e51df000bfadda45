#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo` in the guest: the P2P topology, then memory migrated to a
# device-private and a device-coherent test device and back.
set -eu
. "$(dirname "$0")/ktap.sh"
. "$(dirname "$0")/hmm_tests.sh"
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
kmod -r test_hmm
echo "== demo finished with status $rc"
exit $rc
