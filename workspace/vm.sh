#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the built kernel in QEMU (TCG, q35, no KVM) inside the build root.
#
#   vm.sh run SCRIPT [CONSOLE_LOG]   run workspace/guest/SCRIPT in the guest,
#                                    power off, exit with the script's status;
#                                    the guest's $RESULTS is CONSOLE_LOG's
#                                    folder (default build/results)
#   vm.sh shell                      interactive shell in the same VM
#
# The guest gets a busybox initramfs (workspace/guest/init), the build folder
# over 9p as /work (read-write; results go to /work/results) and the build root
# over 9p as /sysroot (read-only), where the guest scripts run with
# rdma-core, perftest and python3.  PCI topology (DESIGN.md):
#   03:00.0  ivshmem 256 MiB ("VRAM") behind an x3130 switch (downstream dn1)
#   04:00.0  ivshmem  64 MiB (P2P client) behind the same switch (dn2)
#   00:04.0  ivshmem  32 MiB (client that cannot reach the switch) on pcie.0
. "$(dirname "$0")/lib.sh"

BZIMAGE=$KOUT/arch/x86/boot/bzImage
[ -f "$BZIMAGE" ] || die "no kernel at $BZIMAGE: run 'make build'"
VM_TIMEOUT=${VM_TIMEOUT:-2400}
# Without ERMS/FSRM the guest kernel copies and clears pages with 8-byte
# moves instead of "rep movsb"/"rep stosb", which TCG runs a byte at a
# time: page migration, the bulk of hmm-tests, runs twice as fast
# (benchmark_thp_migration: 20 s -> 11 s of its 120 s harness timeout).
VM_CPU=${VM_CPU:-max,erms=off,fsrm=off}
# Guest RAM, and a layout knob for the narrow-physical-address-space
# reproducer: VM_P2P=0 leaves out the PCIe switch and the ivshmem devices,
# VM_QEMU_EXTRA adds QEMU arguments, VM_APPEND kernel arguments.
VM_MEM=${VM_MEM:-4G}
VM_P2P=${VM_P2P:-1}

make_initramfs() {
	local d=$WORK/initramfs
	rm -rf "$d" && mkdir -p "$d/bin"
	cp "$ROOT/usr/bin/busybox" "$d/bin/busybox"
	cp "$TOP/workspace/guest/init" "$d/init"
	chmod +x "$d/init"
	(cd "$d" && inroot sh -c 'find . | cpio -o -H newc --quiet | gzip -1') >"$WORK/initramfs.cpio.gz"
}

qemu_cmd() {
	local append=$1
	QEMU=(qemu-system-x86_64 -machine q35 -accel tcg,thread=${VM_TCG_THREAD:-multi} ${VM_ICOUNT:+-icount $VM_ICOUNT} -cpu "$VM_CPU" -smp 2 -m "$VM_MEM"
		-kernel "$BZIMAGE" -initrd "$WORK/initramfs.cpio.gz"
		-append "$append${VM_APPEND:+ $VM_APPEND}" -nographic -no-reboot -vga none -nic none
		-fsdev local,id=work,path="$WORK",security_model=none
		-device virtio-9p-pci,fsdev=work,mount_tag=work
		-fsdev local,id=sysroot,path=/,security_model=none,readonly=on
		-device virtio-9p-pci,fsdev=sysroot,mount_tag=sysroot
		${VM_QEMU_EXTRA:-})
	[ "$VM_P2P" = 1 ] || return 0
	QEMU+=(-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
		-device x3130-upstream,id=up1,bus=rp1
		-device xio3130-downstream,id=dn1,bus=up1,chassis=2,slot=0
		-device xio3130-downstream,id=dn2,bus=up1,chassis=3,slot=0
		-object memory-backend-memfd,id=shm1,share=on,size=256M
		-device ivshmem-plain,memdev=shm1,bus=dn1
		-object memory-backend-memfd,id=shm2,share=on,size=64M
		-device ivshmem-plain,memdev=shm2,bus=dn2
		-object memory-backend-memfd,id=shm3,share=on,size=32M
		-device ivshmem-plain,memdev=shm3,bus=pcie.0,addr=04.0)
}

# 512 MiB of special-purpose memory at 0x140000000 for the device-coherent
# test_hmm devices (memmap=nn%ss-1+2: E820_RAM -> soft-reserved), 32 huge
# pages for the hugetlbfs cases.
CMDLINE="console=ttyS0 panic=-1 oops=panic loglevel=7 log_buf_len=8M hugepages=32 memmap=512M%0x140000000-1+0xefffffff"

# The test kernel has no ACPI, so the guest has no HPET or PM timer to
# calibrate its TSC against, and under a loaded host its PIT calibration
# fails now and then: the guest then runs on a jiffies clock (4 ms steps)
# and every timing it prints is quantized.  Under TCG the guest TSC is the
# host TSC, so tell the guest its rate (workspace/tools/tsc-khz.c).
tsc_khz_arg() {
	local bin=$WORK/tools/tsc-khz src=$TOP/workspace/tools/tsc-khz.c khz
	mkdir -p "$WORK/tools"
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		inroot gcc -O2 -Wall -o "$bin" "$src" </dev/null >&2 || return 0
	fi
	if khz=$(inroot "$bin" </dev/null); then
		echo " tsc_early_khz=$khz"
	else
		echo "vm: could not measure the TSC rate; the guest calibrates it" >&2
	fi
}
CMDLINE+=$(tsc_khz_arg)

# The debug kernel (KASAN) boots with 4-level paging.  Under -cpu max the
# guest has LA57, and with 5-level paging about one KASAN boot in two or
# three reported "BUG: KASAN: wild-memory-access" in do_raw_spin_lock()
# from handle_edge_irq() during identify_boot_cpu(), on an ff11... (5-level
# direct map) address, which taints the kernel and turns lockdep off for
# the whole run.  The cause is upstream (7.3.4, untouched by the series):
# identify_cpu() clears boot_cpu_data.x86_capability and fills it again
# with interrupts enabled (start_kernel() enables them before
# arch_cpu_finalize_init()), and before alternatives are patched
# pgtable_l5_enabled() is cpu_feature_enabled(X86_FEATURE_LA57), which
# reads that array.  An interrupt in that window sees 4-level paging, so
# KASAN_SHADOW_START (from __VIRTUAL_MASK_SHIFT) is that of 4-level paging
# and addr_has_metadata() is false for every 5-level direct-map address.
# no5lvl takes LA57 out of the picture; the test kernel keeps 5-level
# paging, so both layouts are exercised.
[ "${DEBUG:-0}" = 1 ] && CMDLINE+=" no5lvl"

# The processes below PID $1 (QEMU runs a few levels down, in the root).
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}

case "${1:-}" in
run)
	cpu_lock
	script=${2:?usage: vm.sh run SCRIPT [CONSOLE_LOG]}
	console=${3:-$WORK/results/console.log}
	[ -f "$TOP/workspace/guest/$script" ] || die "no guest script workspace/guest/$script"
	# The guest writes its results beside the console log, which must be
	# in the build folder (the guest sees it as /mnt).
	mkdir -p "$WORK/results" "$(dirname "$console")"
	rdir=$(cd "$(dirname "$console")" && pwd)
	case "$rdir/" in
	"$WORK"/*) rdir=${rdir#"$WORK"}; rdir=${rdir#/}; rdir=${rdir:-.} ;;
	*) die "the console log must be under $WORK" ;;
	esac
	rm -rf "$WORK/guest" && cp -r "$TOP/workspace/guest" "$WORK/guest"
	make_initramfs
	qemu_cmd "$CMDLINE hmmp2p.run=$script hmmp2p.out=$(basename "$KOUT") hmmp2p.results=$rdir hmmp2p.budget=$((VM_TIMEOUT - 60))${SUITES:+ hmmp2p.suites=$SUITES}"
	t0=$SECONDS
	set +e
	inroot timeout --foreground -k 10 "$VM_TIMEOUT" "${QEMU[@]}" </dev/null >"$console" 2>&1 &
	qpid=$!
	# A guest that panics should reboot (panic=-1) and so end QEMU
	# (-no-reboot), but under TCG a panicking guest sometimes spins on
	# with a CPU that never stops: end QEMU 20 s after a panic message.
	while kill -0 $qpid 2>/dev/null; do
		if grep -q 'Kernel panic - not syncing' "$console" 2>/dev/null; then
			sleep 20
			kill -0 $qpid 2>/dev/null || break
			echo "vm: the guest panicked and did not reboot; stopping QEMU" >&2
			kill -TERM $(descendants $qpid) 2>/dev/null
			break
		fi
		sleep 2
	done
	wait $qpid
	qrc=$?
	set -e
	rc=$(sed -n 's/.*HMMP2P-EXIT: \([0-9]*\).*/\1/p' "$console" | tail -1)
	log "vm: guest ran $script in $((SECONDS - t0)) s (qemu status $qrc, script status ${rc:-none})"
	if [ -z "$rc" ]; then
		[ $qrc = 124 ] && echo "vm: guest timed out after $VM_TIMEOUT s" >&2
		echo "vm: guest did not come back (no HMMP2P-EXIT line), see $console" >&2
		tail -20 "$console" >&2
		exit 3
	fi
	exit "$rc"
	;;
shell)
	rm -rf "$WORK/guest" && cp -r "$TOP/workspace/guest" "$WORK/guest"
	make_initramfs
	qemu_cmd "$CMDLINE hmmp2p.run=shell hmmp2p.out=$(basename "$KOUT")"
	inroot "${QEMU[@]}"
	;;
*)
	echo "usage: $0 run SCRIPT [CONSOLE_LOG] | shell" >&2
	exit 2
	;;
esac
