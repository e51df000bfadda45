#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Everything `make test` runs inside the guest, after the built-in KUnit
# suites have run at boot:
#
# - two checks of the VM's own environment (workspace/guest): pci_topology
#   (the PCI devices of DESIGN.md's topology) and rxe_smoke (soft-RoCE with
#   ODP, rdma-core and perftest as clients), each writing $RESULTS/<suite>.tap;
# - the kselftests, installed in $OUT/selftests and run the upstream way with
#   run_kselftest.sh: each brings up what it needs itself (modules, bindings,
#   an rxe link), told where the topology's devices are by the environment
#   below.  The runner's TAP goes to $RESULTS/kselftest.tap, each test's own
#   output to $RESULTS/ksft/<test> (run_kselftest.sh --per-test-log).
#
# hmmp2p.suites=a,b on the kernel command line (SUITES=a,b make test) runs
# only those: pci_topology, rxe_smoke, or a kselftest as COLLECTION:TEST
# (e.g. mm:ksft_hmm.sh) or by its short name (hmm-tests, odp_alias,
# rust_hmm, nova_p2p, nova_rdma, or hmm_stress for all the stress suites).
set -u
G=$(dirname "$0")
. "$G/ktap.sh"
. "$G/pci_checks.sh"
. "$G/rxe_smoke.sh"

# Where the kselftests find the topology (DESIGN.md) and test_hmm's
# special-purpose memory (the kernel command line carves it out with
# memmap=512M%0x140000000-1+0xefffffff).
export HMM_SPM_ADDR_DEV0=0x140000000 HMM_SPM_ADDR_DEV1=0x150000000
export HMM_P2P_PROVIDER=0000:03:00.0
export HMM_P2P_NEAR_CLIENT=0000:04:00.0 HMM_P2P_FAR_CLIENT=0000:00:04.0
export NOVA_P2P_DEV=0000:03:00.0
# The stress suites run for about a minute each on the test kernel, half
# that on the debug kernel (the one with lockdep), which is several times
# slower per iteration.
if [ -r /proc/lockdep_stats ]; then
	export HMM_STRESS_SECONDS=${HMM_STRESS_SECONDS:-30}
else
	export HMM_STRESS_SECONDS=${HMM_STRESS_SECONDS:-60}
fi
# hmm-tests' benchmark_thp_migration (256 MiB to the device and back, five
# times, in each of the two variants) overruns its 120 s harness timeout on
# the debug kernel under TCG: it is a benchmark, so the debug kernel leaves
# it out (test_hmm.sh passes HMM_TESTS_ARGS to hmm-tests) and reports it
# as skipped in excluded.tap; the test kernel runs it.
[ -r /proc/lockdep_stats ] && export HMM_TESTS_ARGS="-T benchmark_thp_migration"

# The kselftests of the run, in order, as "short-name COLLECTION:TEST".
KSELFTESTS="hmm-tests mm:ksft_hmm.sh
odp_alias rdma:odp_dma_alias.sh
rust_hmm rust_hmm:rust_hmm.sh
nova_p2p drivers/gpu/nova_p2p:nova_p2p.sh
nova_rdma rdma:odp_dma_alias_nova.sh"
KSFT=$OUT/selftests
if [ -f "$KSFT/hmm_stress/Makefile" ] || [ -d "$KSFT/hmm_stress" ]; then
	for t in $(cd "$KSFT/hmm_stress" && ls *.sh 2>/dev/null); do
		case $t in lib*.sh) continue ;; esac
		KSELFTESTS="$KSELFTESTS
hmm_stress hmm_stress:$t"
	done
fi

# The guest's own budget: a test that wedges the kernel (a task stuck in D
# state survives run_kselftest.sh's timeout) would otherwise keep the VM up
# until vm.sh's timeout.  Past the budget, dump the blocked tasks' stacks
# (SysRq-w) into the console, report and power off.
# vm.sh gives it (hmmp2p.budget=, a minute less than its own timeout).
budget=${HMMP2P_BUDGET:-1800}
(
	sleep "$budget"
	echo "# the guest ran out of its ${budget} s budget: blocked tasks follow" >&2
	echo w >/proc/sysrq-trigger
	sleep 5
	echo "HMMP2P-EXIT: 124"
	sync
	echo o >/proc/sysrq-trigger
) &
watchdog=$!

suites=pci_checks,rxe_smoke,kselftests
for a in $(cat /proc/cmdline); do
	case "$a" in hmmp2p.suites=?*) suites=${a#hmmp2p.suites=} ;; esac
done
rm -rf "$RESULTS"/*.tap "$RESULTS"/*.guest.log "$RESULTS/ksft"
mkdir -p "$RESULTS/ksft"
# results.py: an environment check that was not asked for is not missing
# (pci_checks is the pci_topology suite).
echo "${suites//pci_checks/pci_topology}" >"$RESULTS/suites"
if [ -n "${HMM_TESTS_ARGS:-}" ]; then
	why="left out on the debug kernel: a benchmark, over its 120 s timeout there under TCG (the test kernel runs it)"
	{
		echo "TAP version 13"
		echo "1..2"
		echo "ok 1 hmm.hmm_device_private.benchmark_thp_migration # SKIP $why"
		echo "ok 2 hmm.hmm_device_coherent.benchmark_thp_migration # SKIP $why"
	} >"$RESULTS/excluded.tap"
fi
rc=0
tests=()
for s in ${suites//,/ }; do
	case $s in
	pci_checks|pci_topology) pci_checks || rc=1 ;;
	rxe_smoke) rxe_smoke || rc=1 ;;
	kselftests) tests+=($(echo "$KSELFTESTS" | cut -d' ' -f2)) ;;
	*:*) tests+=("$s") ;;
	*)
		t=$(echo "$KSELFTESTS" | awk -v s="$s" '$1 == s { print $2 }')
		[ -n "$t" ] || { echo "# unknown suite $s" >&2; rc=1; }
		tests+=($t)
		;;
	esac
done
if [ ${#tests[@]} -gt 0 ]; then
	# results.py checks that each of them reported.
	printf '%s\n' "${tests[@]}" >"$RESULTS/ksft/expected"
	args=()
	for t in "${tests[@]}"; do args+=(-t "$t"); done
	echo "# run_kselftest.sh ${args[*]}" >&2
	(cd "$KSFT" && ./run_kselftest.sh --per-test-log "$RESULTS/ksft" "${args[@]}") \
		>"$RESULTS/kselftest.tap" 2>&1 || rc=1
	grep -E '^(not )?ok ' "$RESULTS/kselftest.tap" >&2 || true
fi
# With lockdep, whether lock debugging is still on after all suites: it
# turns itself off at its first report or when the kernel is tainted, and
# results.py fails a debug run where it did.
if [ -r /proc/lockdep_stats ]; then
	echo "HMMP2P-DEBUG-LOCKS: $(awk '/debug_locks:/ {print $2}' /proc/lockdep_stats)"
fi
kill $watchdog 2>/dev/null
exit $rc
