#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build inside the trixie root:  build.sh [config|kernel|selftests|all]
#   config     allnoconfig + kvm_guest.config + hmm_p2p_test.config
#              (+ hmm_p2p_debug.config with DEBUG=1), then check that every
#              option of our fragments landed in .config
#   kernel     bzImage and modules (LLVM=1, ccache), modules installed into
#              $KOUT/modroot, uapi headers into $KOUT/usr
#   selftests  the kselftests the VM runs, installed into $KOUT/selftests
# Output goes to build/out (build/out-debug with DEBUG=1); the full log of the
# last run is $KOUT/build.log.
. "$(dirname "$0")/lib.sh"

FRAGS="kvm_guest.config hmm_p2p_test.config"
[ "${DEBUG:-0}" = 1 ] && FRAGS="$FRAGS hmm_p2p_debug.config"
MAKEK=(make -C "$KSRC" O="$KOUT" LLVM=1 CC="ccache clang" -j"$JOBS")

frag_files() {
	local f
	for f in $FRAGS; do
		if [ -f "$KSRC/kernel/configs/$f" ]; then echo "$KSRC/kernel/configs/$f"
		else echo "$KSRC/arch/x86/configs/$f"; fi
	done
}

# Every line of our fragments must be in .config exactly as written.
verify_config() {
	local f line sym bad=0
	for f in "$KSRC"/kernel/configs/hmm_p2p_test.config \
		$([ "${DEBUG:-0}" = 1 ] && echo "$KSRC/kernel/configs/hmm_p2p_debug.config"); do
		while read -r line; do
			case "$line" in
			CONFIG_*=*) sym=${line%%=*}
				grep -qx -- "$line" "$KOUT/.config" || {
					echo "config: $(basename "$f"): want '$line', .config has '$(grep -E "^(# )?$sym[= ]" "$KOUT/.config" || echo "$sym absent")'" >&2
					bad=1; } ;;
			"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}
				if grep -q "^$sym=" "$KOUT/.config"; then
					echo "config: $(basename "$f"): want '$line', .config has '$(grep "^$sym=" "$KOUT/.config")'" >&2
					bad=1
				fi ;;
			esac
		done <"$f"
	done
	[ $bad = 0 ] || die "options of our config fragments did not land in $KOUT/.config (missing dependencies?)"
	log "config: every option of our fragments is in $KOUT/.config"
}

do_config() {
	local want have
	want=$(cat $(frag_files) | sha256sum | cut -c1-16)
	have=$(cat "$KOUT/.hmmp2p-config-hash" 2>/dev/null || true)
	mkdir -p "$KOUT"
	if [ ! -f "$KOUT/.config" ] || [ "$want" != "$have" ]; then
		log "config: allnoconfig $FRAGS"
		inroot "${MAKEK[@]}" allnoconfig $FRAGS >>"$KOUT/build.log" 2>&1 ||
			die_log "$KOUT/build.log" "make config failed, see $KOUT/build.log"
		echo "$want" >"$KOUT/.hmmp2p-config-hash"
	fi
	inroot "${MAKEK[@]}" olddefconfig >>"$KOUT/build.log" 2>&1 || die_log "$KOUT/build.log" "make olddefconfig failed, see $KOUT/build.log"
	verify_config
}

do_kernel() {
	local t0=$SECONDS
	log "kernel: building in $KOUT (log: $KOUT/build.log)"
	if ! inroot "${MAKEK[@]}" bzImage modules >>"$KOUT/build.log" 2>&1; then
		grep -E -B2 -A8 'error[:\[]|Error [0-9]' "$KOUT/build.log" | tail -40 >&2
		die_log "$KOUT/build.log" "kernel build failed, see $KOUT/build.log"
	fi
	rm -rf "$KOUT/modroot"
	inroot "${MAKEK[@]}" INSTALL_MOD_PATH="$KOUT/modroot" INSTALL_MOD_STRIP=1 \
		modules_install >>"$KOUT/build.log" 2>&1 || die "modules_install failed"
	inroot "${MAKEK[@]}" INSTALL_HDR_PATH="$KOUT/usr" headers_install >>"$KOUT/build.log" 2>&1 ||
		die "headers_install failed"
	log "kernel: done in $((SECONDS - t0)) s: $(du -h "$KOUT/arch/x86/boot/bzImage" | cut -f1) bzImage, $(grep -c 'warning:' "$KOUT/build.log" || true) warnings in the log"
}

# The kselftest collections the guest runs, those of them the tree has.
KSFT_TARGETS="mm rdma rust_hmm drivers/gpu/nova_p2p hmm_stress"

do_selftests() {
	local out=$KOUT/selftests t targets=
	for t in $KSFT_TARGETS; do
		[ -f "$KSRC/tools/testing/selftests/$t/Makefile" ] && targets="$targets $t"
	done
	log "selftests: kselftest install of${targets} into $out"
	# Installed the upstream way, run with run_kselftest.sh in the guest,
	# which runs them inside the build root (shared libraries are there).
	rm -rf "$out"
	inroot make -C "$KSRC/tools/testing/selftests" O="$KOUT/kselftest-build" \
		TARGETS="${targets# }" KHDR_INCLUDES="-isystem $KOUT/usr/include" \
		INSTALL_PATH="$out" -j"$JOBS" install >>"$KOUT/build.log" 2>&1 ||
		die_log "$KOUT/build.log" "building the kselftests failed, see $KOUT/build.log"
	for t in mm/hmm-tests rdma/odp_dma_alias rust_hmm/rust_hmm_mirror \
		drivers/gpu/nova_p2p/nova_p2p_test; do
		[ -f "$KSRC/tools/testing/selftests/${t%/*}/Makefile" ] || continue
		[ -x "$out/$t" ] || die "selftests: $t was not built (see $KOUT/build.log)"
	done
}

# Userspace benchmarks of the workspace (workspace/bench), static.
do_bench() {
	mkdir -p "$KOUT/bench"
	log "bench: hmm-bench (static)"
	inroot gcc -static -O2 -Wall -I"$KSRC" -isystem "$KOUT/usr/include" \
		-o "$KOUT/bench/hmm-bench" "$TOP/workspace/bench/hmm-bench.c" \
		>>"$KOUT/build.log" 2>&1 || die_log "$KOUT/build.log" "building hmm-bench failed, see $KOUT/build.log"
}

build_start() { echo "=== $(date) build.sh $*" >>"$KOUT/build.log"; }
cpu_lock
mkdir -p "$KOUT"
build_start "$@"
case "${1:-all}" in
config) do_config ;;
kernel) do_config; do_kernel ;;
kernel-asis) do_kernel ;;	# keep $KOUT/.config as it is (series.sh)
selftests) do_selftests ;;
bench) do_bench ;;
all) do_config; do_kernel; do_selftests; do_bench ;;
*) echo "usage: $0 [config|kernel|kernel-asis|selftests|bench|all]" >&2; exit 2 ;;
esac
