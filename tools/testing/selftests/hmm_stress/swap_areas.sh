#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# As many swap areas as the kernel allows: swapon on brd ramdisks (or loop
# devices) until it fails.  The failure must be EPERM ("too many swap
# files"); the number of areas that were on is MAX_SWAPFILES as the kernel
# sees it, which the device-private swap types lower.  It is printed, and
# compared with HMM_STRESS_SWAPFILES_EXPECTED when that is set.  Everything
# is swapped off and removed again.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

NDEV=40		# more than MAX_SWAPFILES can be (32)

hs_begin
[ -e /proc/swaps ] || hs_skip "no /proc/swaps: kernel without CONFIG_SWAP"
hs_need_cmd mkswap swapon swapoff modprobe

devs=()
hs_swapoff_ours() {
	local d
	for d in "${devs[@]}"; do
		grep -q "^$d " /proc/swaps && swapoff "$d"
	done
	return 0
}
if [ ! -d /sys/module/brd ] && modinfo brd >/dev/null 2>&1; then
	hs_module brd rd_nr=$NDEV rd_size=1024 || hs_fail "modprobe brd"
	for i in $(seq 0 $((NDEV - 1))); do
		[ -b "/dev/ram$i" ] || hs_fail "no /dev/ram$i after modprobe brd rd_nr=$NDEV"
		devs+=("/dev/ram$i")
	done
else
	# brd in use or missing: loop devices on files in a tmpfs.
	hs_need_cmd losetup
	modprobe loop 2>/dev/null
	dir=$(mktemp -d) || hs_fail "mktemp"
	hs_defer "rm -rf $dir"
	mount -t tmpfs hmm_stress "$dir" || hs_fail "mount tmpfs"
	hs_defer "umount $dir"
	for i in $(seq 0 $((NDEV - 1))); do
		truncate -s 1M "$dir/swap$i" || hs_fail "truncate"
		d=$(losetup -f --show "$dir/swap$i" 2>/dev/null) ||
			hs_skip "no brd and no loop device (CONFIG_BLK_DEV_RAM or CONFIG_BLK_DEV_LOOP)"
		hs_defer "losetup -d $d"
		devs+=("$d")
	done
fi
hs_defer hs_swapoff_ours

before=$(($(wc -l </proc/swaps) - 1))
hs_log "swap areas already on: $before"
hs_plan 3
n=0
err=
for d in "${devs[@]}"; do
	mkswap "$d" >/dev/null 2>&1 || hs_fail "mkswap $d"
	if ! err=$(swapon "$d" 2>&1); then
		break
	fi
	err=
	n=$((n + 1))
done
max=$((before + n))
hs_log "swap areas: $max (MAX_SWAPFILES as the kernel sees it: $before already on, $n added)"
hs_log "swapon of one more: ${err:-did not fail}"
if [ -z "$err" ]; then
	hs_result 1 swapon_limit_reached "all ${#devs[@]} swapons succeeded"
else
	hs_result 0 swapon_limit_reached "after $max areas"
fi
case $err in
*"Operation not permitted"*) hs_result 0 swapon_limit_is_eperm ;;
"") hs_result 1 swapon_limit_is_eperm "no failure" ;;
*) hs_result 1 swapon_limit_is_eperm "$err" ;;
esac
if [ -n "${HMM_STRESS_SWAPFILES_EXPECTED:-}" ]; then
	if [ "$max" = "$HMM_STRESS_SWAPFILES_EXPECTED" ]; then
		hs_result 0 swap_areas_expected "$max"
	else
		hs_result 1 swap_areas_expected "$max, expected $HMM_STRESS_SWAPFILES_EXPECTED"
	fi
else
	hs_result "$ksft_skip" swap_areas_expected "$max areas; HMM_STRESS_SWAPFILES_EXPECTED not set"
fi
hs_swapoff_ours
[ "$(($(wc -l </proc/swaps) - 1))" = "$before" ] || { hs_log "swapoff left areas on"; HS_FAILED=1; }
hs_end "$HS_FAILED"
