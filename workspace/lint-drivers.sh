#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# W=1 build of what the series changes in drivers the test kernel does not
# build (nouveau, amdkfd, drm_pagemap and drm_gpusvm, xe, mlx5), and of the core
# files it changes, on the series and on the base, in $WORK/out-drivers{,-base}; fails on any warning in those
# files that the base does not have, or on a build error.  powerpc's
# book3s_hv_uvmem.c needs a powerpc toolchain, which the build root does not
# have: it is not built.
. "$(dirname "$0")/lib.sh"

OBJS=("${DRIVER_OBJS[@]}")

build_objs() {	# SRC OUT
	drivers_build "$1" "$2" "$2/lint.log" W=1
}

log "lint-drivers: W=1 build of ${#OBJS[@]} objects on the series"
build_objs "$KSRC" "$WORK/out-drivers" || { tail -30 "$WORK/out-drivers/lint.log"; die "build failed"; }
"$TOP/workspace/series.sh" >/dev/null
git -C "$WORK/series-tree" checkout -q hmmp2p-base
log "lint-drivers: the same on the base"
build_objs "$WORK/series-tree" "$WORK/out-drivers-base" || true
# Warnings in the files of OBJS (or their headers of the same name), with
# line numbers and the tree's path taken out.
files_re=$(printf '%s\n' "${OBJS[@]}" | sed 's|.*/||; s|\.o$||' | paste -sd'|')
warn() { grep -E '(warning|error):' "$1" | grep -E "/($files_re)\.[ch]:" |
	sed -E 's/:[0-9]+:[0-9]+:/:/; s#^.*/(linux|series-tree)/##' | sort -u || true; }
new=$(comm -23 <(warn "$WORK/out-drivers/lint.log") <(warn "$WORK/out-drivers-base/lint.log"))
n=$(warn "$WORK/out-drivers-base/lint.log" | wc -l)
for o in "${OBJS[@]}"; do
	[ -f "$WORK/out-drivers/$o" ] || die "lint-drivers: $o was not built, see $WORK/out-drivers/lint.log"
done
if [ -n "$new" ]; then
	printf '%s\n' "$new"
	die "lint-drivers: new warnings (above)"
fi
log "lint-drivers: clean: ${#OBJS[@]} objects built with W=1, no new warnings (the base has $n in them)"
