#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the unpatched base (with the configuration of $KOUT) into
# $WORK/out-base, with its test_hmm, hmm-tests and hmm-bench, for the
# comparisons of repro-phys.sh and bench-devpriv.sh.  Does nothing when it
# is already there; BASE_REBUILD=1 rebuilds it.
. "$(dirname "$0")/lib.sh"

BASE_OUT=$WORK/out-base
tree=$WORK/series-tree
[ -f "$KOUT/.config" ] || die "build the series first (make build)"
if [ "${BASE_REBUILD:-0}" != 1 ] && [ -f "$BASE_OUT/arch/x86/boot/bzImage" ] &&
	[ -x "$BASE_OUT/selftests/mm/hmm-tests" ]; then
	# hmm-bench is ours, not the base's: keep it current (2 s).
	HMMP2P_KSRC=$tree HMMP2P_KOUT=$BASE_OUT "$TOP/workspace/build.sh" bench
	exit 0
fi
"$TOP/workspace/series.sh" >/dev/null
git -C "$tree" checkout -q hmmp2p-base
mkdir -p "$BASE_OUT"
cp "$KOUT/.config" "$BASE_OUT/.config"
log "base: building the unpatched base in $BASE_OUT"
inroot make -C "$tree" O="$BASE_OUT" LLVM=1 CC="ccache clang" olddefconfig \
	>>"$BASE_OUT/build.log" 2>&1 || die "base olddefconfig failed"
HMMP2P_KSRC=$tree HMMP2P_KOUT=$BASE_OUT "$TOP/workspace/build.sh" kernel-asis
HMMP2P_KSRC=$tree HMMP2P_KOUT=$BASE_OUT "$TOP/workspace/build.sh" selftests
HMMP2P_KSRC=$tree HMMP2P_KOUT=$BASE_OUT "$TOP/workspace/build.sh" bench
