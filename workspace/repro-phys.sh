#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The reproducer reviewers asked for: a guest whose physical address space
# has no room left for device-private memory.  The same guest (2 GiB of RAM,
# 32 bits of physical address, no 64-bit PCI hole, the free part of the
# 32-bit PCI hole reserved on the command line) runs the same test on the
# unpatched base and on the series: test_hmm registers a 256 MiB chunk of
# device-private memory and migrates a buffer to it.
#
#   workspace/repro-phys.sh          build both kernels if needed, run both
#
# The base kernel is built by base-kernel.sh.
. "$(dirname "$0")/lib.sh"

BASE_OUT=$WORK/out-base
export VM_MEM=2G VM_P2P=0
export VM_CPU="${VM_CPU:-max,erms=off,fsrm=off},phys-bits=32"
export VM_QEMU_EXTRA="-global q35-pcihost.pci-hole64-size=0"
export VM_APPEND="${REPRO_APPEND:-memmap=0x30000000\$0x80000000 memmap=0x30000000\$0xc0000000}"
export SUITES=

[ -f "$KOUT/arch/x86/boot/bzImage" ] && [ -x "$KOUT/selftests/mm/hmm-tests" ] ||
	die "build the series first (make build)"
"$TOP/workspace/base-kernel.sh"

rc=0
for k in base series; do
	out=$KOUT
	[ $k = base ] && out=$BASE_OUT
	log "repro: $k kernel, $VM_MEM RAM, cpu $VM_CPU, $VM_QEMU_EXTRA, $VM_APPEND"
	set +e
	HMMP2P_KOUT=$out "$TOP/workspace/vm.sh" run narrow-phys.sh \
		"$WORK/results/narrow-phys-$k.console.log" >/dev/null 2>&1
	set -e
	cp "$WORK/results/narrow-phys.tap" "$WORK/results/narrow-phys-$k.tap" 2>/dev/null || true
	cp "$WORK/results/narrow-phys.guest.log" "$WORK/results/narrow-phys-$k.guest.log" 2>/dev/null || true
	sed -n '2p' "$WORK/results/narrow-phys-$k.guest.log" 2>/dev/null | sed "s/^# /repro: $k: /"
	mib=$(( $(grep -c '^added new 256 MB chunk' "$WORK/results/narrow-phys-$k.console.log" || true) * 256 ))
	if grep -q '^ok 1 ' "$WORK/results/narrow-phys-$k.tap" 2>/dev/null; then
		log "repro: $k: test_hmm registered $mib MiB of device-private memory, hmm-tests migrate: ok"
		res=ok
	else
		log "repro: $k: test_hmm registered $mib MiB of device-private memory, then: FAILED"
		grep -E 'modprobe: ERROR|not ok|Expected|hmm_dmirror' \
			"$WORK/results/narrow-phys-$k.console.log" | tail -3 | sed 's/^/repro:   /'
		res=failed
	fi
	eval "res_$k=$res"
done
log "repro: base $res_base, series $res_series"
# The reproducer reproduces when the base fails and the series passes.
[ "$res_base" = failed ] && [ "$res_series" = ok ]
