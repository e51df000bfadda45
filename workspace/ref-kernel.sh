#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ref-kernel.sh NAME REV: build a reference kernel, commit REV of the series
# tree (made by series.sh: the base plus every patch), with the
# configuration of $KOUT, into $WORK/out-NAME, with its test_hmm, hmm-tests
# and hmm-bench.  REV may be "base" (the unpatched base) or a patch subject,
# which names the commit before that patch.  Does nothing when $WORK/out-NAME
# already has a kernel built from REV; hmm-bench is always rebuilt.
. "$(dirname "$0")/lib.sh"

name=${1:?usage: ref-kernel.sh NAME REV}
rev=${2:?usage: ref-kernel.sh NAME REV}
out=$WORK/out-$name
tree=$WORK/series-tree
[ -f "$KOUT/.config" ] || die "build the series first (make build)"
"$TOP/workspace/series.sh" >/dev/null
if [ "$rev" = base ]; then
	commit=$(git -C "$tree" rev-parse hmmp2p-base)
else
	c=$(git -C "$tree" log --format=%H -F --grep="$rev" hmmp2p-base..HEAD | tail -1)
	[ -n "$c" ] || die "no patch with subject '$rev' in the series"
	commit=$(git -C "$tree" rev-parse "$c^")
fi
if [ "$(cat "$out/.ref-commit" 2>/dev/null)" != "$commit" ] ||
	[ ! -f "$out/arch/x86/boot/bzImage" ] || [ ! -x "$out/selftests/mm/hmm-tests" ]; then
	git -C "$tree" checkout -q "$commit"
	mkdir -p "$out"
	cp "$KOUT/.config" "$out/.config"
	log "ref: building $name ($(git -C "$tree" log -1 --format='%h %s' "$commit")) in $out"
	inroot make -C "$tree" O="$out" LLVM=1 CC="ccache clang" olddefconfig \
		>>"$out/build.log" 2>&1 || die "olddefconfig failed in $out"
	HMMP2P_KSRC=$tree HMMP2P_KOUT=$out "$TOP/workspace/build.sh" kernel-asis
	HMMP2P_KSRC=$tree HMMP2P_KOUT=$out "$TOP/workspace/build.sh" selftests
	echo "$commit" >"$out/.ref-commit"
fi
# hmm-bench is ours, not the tree's: keep it current (2 s).
HMMP2P_KSRC=$tree HMMP2P_KOUT=$out "$TOP/workspace/build.sh" bench
