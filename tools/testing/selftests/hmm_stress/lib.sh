# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2034 # HS_FAILED etc. are read by the wrappers
# Shared by the hmm_stress wrappers (sourced, bash): setup that restores what
# it changed, KTAP-style diagnostics, and the check for kernel reports that
# appeared in the kernel log while the suite ran.
#
# A wrapper calls hs_begin first, registers every change it makes with
# hs_defer (undone in reverse order at exit, also on failure), and ends with
# hs_end STATUS.  hs_skip exits 4 (the kselftest skip code) naming the
# missing prerequisite; a setup step that fails for any other reason is a
# failure (hs_fail).

ksft_skip=4
HS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HS_NAME=$(basename "$0" .sh)
HMM_STRESS_SECONDS=${HMM_STRESS_SECONDS:-60}
export HMM_STRESS_SECONDS
# Kernel reports that fail a suite (see hs_kernel_reports).
HS_REPORTS='WARNING:|BUG:|KASAN|UBSAN|lockdep|Oops|general protection fault|Kernel panic|detected stall|blocked for more than'
HS_UNDO=()
HS_MARK=

hs_log() { printf '# %s\n' "$*"; }

hs_undo_all() {
	local i
	for ((i = ${#HS_UNDO[@]} - 1; i >= 0; i--)); do
		eval "${HS_UNDO[i]}" || hs_log "cleanup failed: ${HS_UNDO[i]}"
	done
	HS_UNDO=()
}

# hs_defer CMD: run CMD (a string, eval'ed) at exit, before the ones
# deferred earlier.
hs_defer() { HS_UNDO+=("$1"); }

hs_begin() {
	[ "$(id -u)" = 0 ] || hs_skip "must run as root"
	HS_MARK="hmm_stress: $HS_NAME begins, pid $$, $(date +%s%N)"
	echo "$HS_MARK" >/dev/kmsg 2>/dev/null || HS_MARK=
	trap 'hs_undo_all' EXIT
	trap 'exit 1' INT TERM
	hs_log "$HS_NAME: HMM_STRESS_SECONDS=$HMM_STRESS_SECONDS"
}

hs_skip() {
	echo "# SKIP $HS_NAME: $*"
	exit $ksft_skip
}

hs_fail() {
	echo "# FAIL $HS_NAME: $*"
	exit 1
}

# Kernel log lines since hs_begin that are kernel reports (WARN, BUG, KASAN,
# UBSAN, lockdep, oops...).  Prints them; fails if there are any, and if the
# log cannot be checked: no marker written, or the marker no longer in the
# log (the ring buffer overflowed, e.g. under a flood of reports).
hs_kernel_reports() {
	local log lines
	[ -n "$HS_MARK" ] || { hs_log "no marker could be written to /dev/kmsg: kernel log not checked"; return 1; }
	log=$(dmesg 2>/dev/null | awk -v m="$HS_MARK" 'index($0, m) { on = 1; next } on { print } END { exit !on }') ||
		{ hs_log "the marker of $HS_NAME is not in the kernel log (ring buffer overflowed?): kernel log not checked"; return 1; }
	lines=$(printf '%s\n' "$log" | grep -E "$HS_REPORTS")
	[ -z "$lines" ] && return 0
	hs_log "kernel reports while $HS_NAME ran:"
	printf '%s\n' "$lines" | head -50 | sed 's/^/#   /'
	return 1
}

# hs_end STATUS: the suite's exit status, turned into a failure if the
# kernel reported something meanwhile.  Cleanup runs first, so reports it
# causes count too.
hs_end() {
	local rc=$1
	hs_undo_all
	if ! hs_kernel_reports; then
		echo "# FAIL $HS_NAME: kernel reports, or a kernel log that cannot be checked (see above)"
		rc=1
	fi
	case $rc in
	0) hs_log "$HS_NAME: pass" ;;
	"$ksft_skip") hs_log "$HS_NAME: skip" ;;
	*) hs_log "$HS_NAME: fail (status $rc)"; rc=1 ;;
	esac
	exit "$rc"
}

# hs_bin NAME: sets HS_BIN to the path of a binary of this suite, or skips.
hs_bin() {
	HS_BIN=$HS_DIR/$1
	[ -x "$HS_BIN" ] || hs_skip "$HS_BIN not built (make -C tools/testing/selftests/hmm_stress)"
}

hs_need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || hs_skip "command $c not found"
	done
}

# hs_module NAME [PARAMS...]: NAME loaded (with PARAMS if we load it).
# Returns 2 if the module does not exist, 1 if loading it failed.  A module
# we loaded is unloaded at exit; one that was loaded stays loaded.
hs_module() {
	local m=$1
	shift
	if [ -d "/sys/module/$m" ]; then
		hs_defer "hs_module_restore $m 1"
		return 0
	fi
	modinfo "$m" >/dev/null 2>&1 || return 2
	hs_defer "hs_module_restore $m 0"
	modprobe "$m" "$@" || return 1
}

# Leaves module $1 as it was: loaded ($2 = 1) or not.
hs_module_restore() {
	if [ "$2" = 1 ]; then
		[ -d "/sys/module/$1" ] || modprobe "$1"
	elif [ -e "/sys/module/$1/initstate" ]; then
		timeout 60 modprobe -r "$1"
	fi
}

# test_hmm with the device-coherent devices when HMM_SPM_ADDR_DEV0/1 are
# set (as tools/testing/selftests/mm/test_hmm.sh loads it).
hs_test_hmm() {
	if [ -n "${HMM_SPM_ADDR_DEV0:-}" ] && [ -n "${HMM_SPM_ADDR_DEV1:-}" ]; then
		hs_module test_hmm spm_addr_dev0="$HMM_SPM_ADDR_DEV0" \
			spm_addr_dev1="$HMM_SPM_ADDR_DEV1"
	else
		hs_module test_hmm
	fi
}

hs_pci_driver() {
	local l
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || return 0
	basename "$l"
}

# hs_pci_bind BDF DRIVER: binds PCI device BDF to DRIVER (through
# driver_override; DRIVER's module must be loaded).  At exit the device gets
# its driver_override and driver back.  Returns 2 if there is no such device.
hs_pci_bind() {
	local bdf=$1 drv=$2 dev=/sys/bus/pci/devices/$1 old ovr i
	[ -d "$dev" ] || return 2
	old=$(hs_pci_driver "$bdf")
	ovr=$(cat "$dev/driver_override")
	[ "$ovr" = "(null)" ] && ovr=
	hs_defer "hs_pci_restore $bdf '$old' '$ovr'"
	[ "$old" = "$drv" ] && return 0
	[ -n "$old" ] && { echo "$bdf" >"/sys/bus/pci/drivers/$old/unbind" || return 1; }
	echo "$drv" >"$dev/driver_override" || return 1
	echo "$bdf" >/sys/bus/pci/drivers_probe 2>/dev/null
	for i in $(seq 50); do
		[ "$(hs_pci_driver "$bdf")" = "$drv" ] && return 0
		sleep 0.1
	done
	hs_log "$bdf did not bind to $drv"
	return 1
}

hs_pci_restore() {
	local bdf=$1 old=$2 ovr=$3 dev=/sys/bus/pci/devices/$1 cur
	cur=$(hs_pci_driver "$bdf")
	if [ "$cur" != "$old" ] && [ -n "$cur" ]; then
		echo "$bdf" >"/sys/bus/pci/drivers/$cur/unbind" || return 1
	fi
	echo "$ovr" >"$dev/driver_override" || return 1
	if [ -n "$old" ] && [ "$(hs_pci_driver "$bdf")" != "$old" ]; then
		echo "$bdf" >/sys/bus/pci/drivers_probe 2>/dev/null
		[ "$(hs_pci_driver "$bdf")" = "$old" ] ||
			echo "$bdf" >"/sys/bus/pci/drivers/$old/bind"
	fi
	return 0
}

# ib_core's odp_dma_alias parameter: hs_odp_alias Y|N sets it, the value it
# had is restored at exit.  Returns 2 without the parameter.
HS_ALIAS_PARAM=/sys/module/ib_core/parameters/odp_dma_alias
HS_ALIAS_SAVED=
hs_odp_alias() {
	[ -w "$HS_ALIAS_PARAM" ] || return 2
	if [ -z "$HS_ALIAS_SAVED" ]; then
		HS_ALIAS_SAVED=$(cat "$HS_ALIAS_PARAM")
		hs_defer "echo $HS_ALIAS_SAVED >$HS_ALIAS_PARAM"
	fi
	echo "$1" >"$HS_ALIAS_PARAM"
}

# Transparent huge pages for MADV_HUGEPAGE buffers: "never" becomes
# "madvise" while the suite runs.
hs_thp() {
	local f=/sys/kernel/mm/transparent_hugepage/enabled
	[ -w "$f" ] || return 0
	if grep -q '\[never\]' "$f"; then
		echo madvise >"$f" && hs_defer "echo never >$f"
	fi
}

# Soft-RoCE for the RDMA parts: rxe on a dummy netdev of our own
# (hmmstress0), unless HMM_STRESS_RXE_DEV names an RDMA device to use (with
# HMM_STRESS_RXE_GID, its RoCE v2 GID index).  Exports HMM_STRESS_RXE_DEV
# and HMM_STRESS_RXE_GID.  Returns 2 if rxe is missing, 1 if setting it up
# failed.
HS_NETDEV=hmmstress0
HS_RXE=hmmstress_rxe
HS_RXE_IP=10.213.17.1
hs_rxe_gid() {
	local want g i t
	want=$(printf '0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x' ${HS_RXE_IP//./ })
	for g in "/sys/class/infiniband/$HS_RXE/ports/1/gids/"*; do
		i=$(basename "$g")
		t=$(cat "/sys/class/infiniband/$HS_RXE/ports/1/gid_attrs/types/$i" 2>/dev/null)
		if [ "$(cat "$g")" = "$want" ] && [ "$t" = "RoCE v2" ]; then
			echo "$i"
			return 0
		fi
	done
	return 1
}
hs_rxe() {
	local i gid rc
	if [ -n "${HMM_STRESS_RXE_DEV:-}" ]; then
		[ -n "${HMM_STRESS_RXE_GID:-}" ] || return 1
		export HMM_STRESS_RXE_DEV HMM_STRESS_RXE_GID
		return 0
	fi
	command -v rdma >/dev/null && command -v ip >/dev/null || return 2
	hs_module rdma_rxe
	rc=$?
	[ $rc = 0 ] || return $rc
	# A link left over by an interrupted run.
	rdma link delete $HS_RXE 2>/dev/null
	ip link delete $HS_NETDEV 2>/dev/null
	ip link add $HS_NETDEV type dummy || return 2
	hs_defer "ip link delete $HS_NETDEV"
	ip addr add $HS_RXE_IP/24 dev $HS_NETDEV && ip link set $HS_NETDEV up || return 1
	rdma link add $HS_RXE type rxe netdev $HS_NETDEV || return 1
	hs_defer "rdma link delete $HS_RXE"
	for i in $(seq 50); do
		if gid=$(hs_rxe_gid); then
			export HMM_STRESS_RXE_DEV=$HS_RXE HMM_STRESS_RXE_GID=$gid
			hs_log "rxe: $HS_RXE on $HS_NETDEV, GID index $gid"
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# Kernel stacks of the threads of process $1 and of its children.  Every
# read is bounded: a process stuck in the kernel can block readers of its
# /proc files that need its mmap lock.
HS_KIDS=
hs_stacks() {
	local p t
	# shellcheck disable=SC2016 # awk's $4, not the shell's
	HS_KIDS=$(timeout 5 awk -v pp="$1" '$4 == pp { print $1 }' /proc/[0-9]*/stat 2>/dev/null)
	for p in "$1" $HS_KIDS; do
		for t in /proc/"$p"/task/*; do
			[ -d "$t" ] || continue
			hs_log "  pid $p tid ${t##*/} ($(timeout 2 cat "$t/comm" 2>/dev/null)) state $(timeout 2 cut -d' ' -f3 "$t/stat" 2>/dev/null) wchan $(timeout 2 cat "$t/wchan" 2>/dev/null)"
			timeout 5 cat "$t/stack" 2>/dev/null | sed 's/^/#      /'
		done
	done
}

# hs_run CMD...: runs a suite binary; its status.  A binary that runs far
# past its time (HMM_STRESS_SECONDS x 2 + 120 s) is stuck, most likely in
# the kernel: the kernel stacks of its threads are printed, it is killed
# and the suite fails.  Its output goes through a file, so that a process
# stuck for good in the kernel does not hold our stdout (a pipe of the
# kselftest runner) open forever.
hs_run() {
	local pid tailpid t=0 limit=$((HMM_STRESS_SECONDS * 2 + 120)) out rc
	out=$(mktemp) || return 1
	hs_log "running: $*"
	"$@" >"$out" 2>&1 </dev/null &
	pid=$!
	tail -n +1 -f --pid="$pid" "$out" 2>/dev/null &
	tailpid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		t=$((t + 1))
		[ $t -lt $limit ] && continue
		sleep 1
		kill "$tailpid" 2>/dev/null
		wait "$tailpid" 2>/dev/null
		hs_log "$1 still runs after $t s; its threads:"
		hs_stacks "$pid"
		# shellcheck disable=SC2086 # a list of pids
		kill -9 "$pid" $HS_KIDS 2>/dev/null
		for t in $(seq 10); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 1
		done
		kill -0 "$pid" 2>/dev/null && hs_log "$1 cannot be killed (stuck in the kernel)"
		rm -f "$out"
		echo "# FAIL $HS_NAME: $1 hung"
		return 1
	done
	wait "$pid"
	rc=$?
	wait "$tailpid"
	rm -f "$out"
	return $rc
}

# KTAP for the suites that are shell only: hs_plan N, then hs_result 0|1|4
# NAME [MESSAGE] for each test.
HS_TESTNUM=0
HS_FAILED=0
hs_plan() {
	echo "TAP version 13"
	echo "1..$1"
}
hs_result() {
	local rc=$1 name=$2
	shift 2
	HS_TESTNUM=$((HS_TESTNUM + 1))
	case $rc in
	0) echo "ok $HS_TESTNUM $name${*:+ # $*}" ;;
	"$ksft_skip") echo "ok $HS_TESTNUM $name # SKIP $*" ;;
	*) echo "not ok $HS_TESTNUM $name${*:+ # $*}"; HS_FAILED=1 ;;
	esac
}

# Common providers of device-private memory for the suites that use all
# three: test_hmm, rust_hmm_mirror and nova_p2p on NOVA_P2P_DEV.  Sets
# HS_MISSING to what is not there; fails on a setup error.
hs_providers() {
	HS_MISSING=()
	hs_test_hmm
	case $? in 0) ;; 2) HS_MISSING+=("module test_hmm") ;; *) hs_fail "modprobe test_hmm" ;; esac
	hs_module rust_hmm_mirror
	case $? in 0) ;; 2) HS_MISSING+=("module rust_hmm_mirror") ;; *) hs_fail "modprobe rust_hmm_mirror" ;; esac
	if [ -z "${NOVA_P2P_DEV:-}" ]; then
		HS_MISSING+=("NOVA_P2P_DEV (a PCI device for nova_p2p)")
		return 0
	fi
	hs_module nova_p2p
	case $? in
	0) ;;
	2) HS_MISSING+=("module nova_p2p"); return 0 ;;
	*) hs_fail "modprobe nova_p2p" ;;
	esac
	hs_pci_bind "$NOVA_P2P_DEV" nova_p2p
	case $? in
	0) ;;
	2) HS_MISSING+=("PCI device $NOVA_P2P_DEV") ;;
	*) hs_fail "binding $NOVA_P2P_DEV to nova_p2p" ;;
	esac
}
