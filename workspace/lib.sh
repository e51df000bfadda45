# SPDX-License-Identifier: GPL-2.0
# Shared settings and helpers for the workspace scripts.  Sourced, not run.
#
# Everything heavy (the Debian trixie build root, ccache, downloads) lives in a
# machine-wide cache folder outside the checkout, so that later builds and CI
# runs on the same machine reuse it, while a fresh machine builds it from
# nothing.  Override its location with HMMP2P_CACHE.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${HMMP2P_CACHE:-/var/cache/hmm-p2p}
ROOT=$CACHE/trixie-root
CCACHE_DIR_HOST=$CACHE/ccache
DOWNLOADS=$CACHE/downloads
SHARED=${HMMP2P_SHARED:-$TOP/../shared}
WORK=$TOP/build
KSRC=${HMMP2P_KSRC:-$WORK/linux}
# The build directory of a kernel: kout_for DEBUG (0: test, 1: debug).
kout_for() {
	if [ -n "${HMMP2P_KOUT:-}" ]; then
		echo "$HMMP2P_KOUT"
	elif [ "$1" = 1 ]; then
		echo "$WORK/out-debug"
	else
		echo "$WORK/out"
	fi
}
KOUT=$(kout_for "${DEBUG:-0}")
JOBS=${JOBS:-$(nproc)}

# Our whole files: the repository's files (tracked, or new and not ignored)
# under a kernel top-level folder.  worktree.sh copies them into the work
# tree, series.sh turns them into patches, lint.sh checks them.
KDIRS="arch block certs crypto Documentation drivers fs include init io_uring ipc
kernel lib LICENSES mm net rust samples scripts security sound tools usr virt"
our_files() {
	local d
	for d in $KDIRS; do
		if [ -e "$TOP/$d" ]; then
			git -C "$TOP" ls-files --cached --others --exclude-standard -- "$d"
		fi
	done
}

# One build or VM run at a time on this machine (2 cores: two would each take
# twice as long and VM timeouts would fire).  Scripts that build or boot take
# this lock; a script run by one that holds it does not take it again.
# Whether a priority run waits for the lock (a mark of a process that is
# gone is stale and removed).
priority_waiting() {
	local m found=1
	for m in "$CACHE"/cpu.lock.priority.*; do
		[ -e "$m" ] || continue
		if kill -0 "${m##*.}" 2>/dev/null; then
			found=0
		else
			rm -f "$m"
		fi
	done
	return $found
}

# HMMP2P_PRIORITY=1 marks a run as urgent (say, the one a developer waits
# for while background jobs queue): others do not take the lock while one
# waits for it.
cpu_lock() {
	local mark=$CACHE/cpu.lock.priority.$$
	[ -n "${HMMP2P_CPU_LOCKED:-}" ] && return 0
	mkdir -p "$CACHE"
	exec 9>"$CACHE/cpu.lock"
	if [ "${HMMP2P_PRIORITY:-0}" = 1 ]; then
		touch "$mark"
		trap 'rm -f "'"$mark"'"' EXIT
	fi
	if ! flock -n 9; then
		log "waiting for another build or VM run on this machine ($CACHE/cpu.lock)"
		while :; do
			flock 9
			# Let a priority run that is waiting go first.
			if [ "${HMMP2P_PRIORITY:-0}" = 1 ] || ! priority_waiting; then
				break
			fi
			flock -u 9
			sleep 5
		done
	fi
	rm -f "$mark"
	export HMMP2P_CPU_LOCKED=1
}

# The objects of the drivers the series converts that the test kernel does
# not build (nouveau, amdkfd, drm_pagemap and drm_gpusvm, xe, mlx5), and of
# the core files it changes, with the options that build them
# (lint-drivers.sh at the tip, series.sh at every prefix).
DRIVER_OBJS=(drivers/gpu/drm/nouveau/nouveau_dmem.o drivers/gpu/drm/nouveau/nouveau_svm.o
	drivers/gpu/drm/amd/amdkfd/kfd_migrate.o drivers/gpu/drm/amd/amdkfd/kfd_svm.o
	drivers/gpu/drm/drm_pagemap.o drivers/gpu/drm/drm_gpusvm.o
	drivers/gpu/drm/xe/xe_svm.o
	mm/memremap.o mm/mm_init.o mm/hmm.o mm/migrate.o mm/migrate_device.o
	mm/rmap.o mm/page_vma_mapped.o mm/huge_memory.o mm/memory.o mm/mprotect.o
	mm/page_ext.o mm/util.o mm/debug.o mm/damon/ops-common.o
	fs/proc/task_mmu.o lib/test_hmm.o mm/tests/device_private_kunit.o
	drivers/infiniband/core/umem_odp.o drivers/infiniband/hw/mlx5/odp.o
	drivers/infiniband/hw/mlx5/mr.o drivers/infiniband/sw/rxe/rxe_odp.o)
DRIVER_OPTS=(STAGING DRM_NOUVEAU DRM_NOUVEAU_SVM DRM_AMDGPU HSA_AMD HSA_AMD_SVM
	DRM_XE DRM_XE_GPUSVM DRM_XE_PAGEMAP PAGE_OWNER DAMON DAMON_VADDR DAMON_PADDR
	NET_VENDOR_MELLANOX MLX5_CORE MLX5_INFINIBAND)

# drivers_build SRC OUT LOG [MAKE ARGS...]: configure OUT as the test
# config with DRIVER_OPTS on and Rust off, and build those DRIVER_OBJS whose
# source exists in SRC (all of them at the tip; a prefix of the series lacks
# the files later patches add).  Fails on a failed configuration or build.
drivers_build() {
	local src=$1 out=$2 logf=$3 o objs=()
	shift 3
	mkdir -p "$out"
	cp "$KOUT/.config" "$out/.config"
	inroot "$src/scripts/config" --file "$out/.config" --disable RUST \
		$(for o in "${DRIVER_OPTS[@]}"; do printf -- '--enable %s ' "$o"; done) \
		--module DRM_NOUVEAU --module DRM_AMDGPU --module DRM_XE \
		--module MLX5_CORE --module MLX5_INFINIBAND
	inroot make -C "$src" O="$out" LLVM=1 CC="ccache clang" olddefconfig \
		>"$logf" 2>&1 || { log "olddefconfig failed in $out"; return 1; }
	for o in "${DRIVER_OPTS[@]}"; do
		grep -q "^CONFIG_$o=[ym]" "$out/.config" ||
			{ log "CONFIG_$o did not land in $out/.config"; return 1; }
	done
	for o in "${DRIVER_OBJS[@]}"; do
		# amdkfd's objects are built from amdgpu's Makefile.
		[ -f "$src/${o%.o}.c" ] && objs+=("${o/amd\/amdkfd\//amd/amdgpu/../amdkfd/}")
	done
	inroot make -C "$src" O="$out" LLVM=1 CC="ccache clang" -j"$JOBS" -k "$@" \
		"${objs[@]}" >>"$logf" 2>&1
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# die, showing the end of log file $1 first: CI keeps only our stdout/stderr.
die_log() {
	local f=$1
	shift
	if [ -f "$f" ]; then
		printf -- '--- last 30 lines of %s ---\n' "$f" >&2
		tail -n 30 "$f" >&2
	fi
	die "$*"
}

# Mount the pseudo file systems and the shared folders into the build root
# once; later calls find them mounted.  Paths inside the root equal the host
# paths, so logs and error messages name real files.
root_mounts() {
	local m
	[ -x "$ROOT/usr/bin/clang" ] || die "no build root at $ROOT: run 'make toolchain'"
	mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
	mountpoint -q "$ROOT/sys" || mount -t sysfs sys "$ROOT/sys"
	mountpoint -q "$ROOT/dev" || mount --rbind /dev "$ROOT/dev"
	mkdir -p "$CCACHE_DIR_HOST" "$WORK"
	for m in "$TOP" "$CCACHE_DIR_HOST"; do
		bind_into_root "$m"
	done
	if [ -d "$SHARED" ]; then
		bind_into_root "$(cd "$SHARED" && pwd)" -o ro
	fi
}

# Bind host directory $1 to the same path in the build root.  A mount left
# by an earlier run whose directory was since deleted and made again (a
# fresh clone at the same path) shows the old, empty directory: compare
# device and inode, and replace such a stale mount.
bind_into_root() {
	local m=$1 want
	shift
	want=$(stat -L -c %d:%i "$m")
	mkdir -p "$ROOT$m"
	while mountpoint -q "$ROOT$m" &&
		[ "$(stat -L -c %d:%i "$ROOT$m" 2>/dev/null)" != "$want" ]; do
		log "build root: replacing a stale mount at $ROOT$m"
		umount -l "$ROOT$m" || die "cannot unmount stale $ROOT$m"
	done
	mountpoint -q "$ROOT$m" || mount --bind "$@" "$m" "$ROOT$m"
}

# Run a command inside the build root, in the same directory as on the host.
inroot() {
	root_mounts
	chroot "$ROOT" /usr/bin/env -i \
		HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
		LANG=C.UTF-8 TERM="${TERM:-dumb}" \
		CCACHE_DIR="$CCACHE_DIR_HOST" CCACHE_MAXSIZE=5G \
		KBUILD_BUILD_USER=hmmp2p KBUILD_BUILD_HOST=workspace \
		GIT_AUTHOR_NAME="${GIT_AUTHOR_NAME:-}" GIT_AUTHOR_EMAIL="${GIT_AUTHOR_EMAIL:-}" \
		/bin/bash -c '{ cd "$1" 2>/dev/null || cd /; } && shift && exec "$@"' inroot "$PWD" "$@"
}
