#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# W=1 build of what the series changes in drivers the test kernel does not
# build (nouveau, amdkfd, drm_pagemap and drm_gpusvm, xe, mlx5), and of the core
# files it changes, on the series and on the base, in $WORK/out-drivers{,-base}; fails on any warning in those
# files that the base does not have, or on a build error.  powerpc's
# book3s_hv_uvmem.c needs a powerpc toolchain, which the build root does not
# have: it is not built.
. "$(dirname "$0")/lib.sh"

OBJS=(drivers/gpu/drm/nouveau/nouveau_dmem.o drivers/gpu/drm/nouveau/nouveau_svm.o
      drivers/gpu/drm/amd/amdkfd/kfd_migrate.o drivers/gpu/drm/amd/amdkfd/kfd_svm.o
      drivers/gpu/drm/drm_pagemap.o drivers/gpu/drm/drm_gpusvm.o
      drivers/gpu/drm/xe/xe_svm.o
      mm/memremap.o mm/mm_init.o mm/hmm.o mm/migrate.o mm/migrate_device.o
      mm/rmap.o mm/page_vma_mapped.o mm/huge_memory.o mm/memory.o mm/mprotect.o
      mm/page_ext.o mm/util.o mm/debug.o mm/damon/ops-common.o
      fs/proc/task_mmu.o lib/test_hmm.o mm/tests/device_private_kunit.o)
# RDMA: IB core ODP, mlx5 (which the test kernel does not build) and rxe.
OBJS+=(drivers/infiniband/core/umem_odp.o drivers/infiniband/hw/mlx5/odp.o
       drivers/infiniband/hw/mlx5/mr.o drivers/infiniband/sw/rxe/rxe_odp.o)
OPTS=(STAGING DRM_NOUVEAU DRM_NOUVEAU_SVM DRM_AMDGPU HSA_AMD HSA_AMD_SVM
      DRM_XE DRM_XE_GPUSVM DRM_XE_PAGEMAP PAGE_OWNER DAMON DAMON_VADDR DAMON_PADDR
      NET_VENDOR_MELLANOX MLX5_CORE MLX5_INFINIBAND)

build_objs() {	# SRC OUT
	local src=$1 out=$2 o
	mkdir -p "$out"
	cp "$KOUT/.config" "$out/.config"
	inroot "$src/scripts/config" --file "$out/.config" --disable RUST \
		$(for o in "${OPTS[@]}"; do printf -- '--enable %s ' "$o"; done) \
		--module DRM_NOUVEAU --module DRM_AMDGPU --module DRM_XE \
		--module MLX5_CORE --module MLX5_INFINIBAND
	inroot make -C "$src" O="$out" LLVM=1 CC="ccache clang" olddefconfig \
		>"$out/lint.log" 2>&1 || die "olddefconfig failed in $out"
	for o in "${OPTS[@]}"; do
		grep -q "^CONFIG_$o=[ym]" "$out/.config" || die "CONFIG_$o did not land in $out/.config"
	done
	# amdkfd's objects are built from amdgpu's Makefile.
	inroot make -C "$src" O="$out" LLVM=1 CC="ccache clang" -j"$JOBS" -k W=1 \
		$(for o in "${OBJS[@]}"; do echo "${o/amd\/amdkfd\//amd/amdgpu/../amdkfd/}"; done) \
		>>"$out/lint.log" 2>&1
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
