#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Development runner for tools/testing/selftests/hmm_stress in the VM:
#   workspace/vm.sh run hmm_stress_dev.sh build/results/stress-console.log
# runs the wrappers (SUITES=unbind_load,lost_writes,... on the host picks
# some) with the test VM's topology, each with its output in
# build/hs-dev/results/<suite>.log (not in build/results, which make test
# empties).  HMM_STRESS_SECONDS on the kernel command
# line (VM_APPEND="hmm_stress.seconds=20") shortens them;
# hmm_stress.fuzz_release=concurrent sets HMM_STRESS_FUZZ_RELEASE.  With
# hmm_stress.kselftest=1 it runs the kselftest install of make build
# ($OUT/selftests) through run_kselftest.sh -c hmm_stress instead.
set -u
export HMM_P2P_PROVIDER=0000:03:00.0
export HMM_P2P_NEAR_CLIENT=0000:04:00.0
export HMM_P2P_FAR_CLIENT=0000:00:04.0
export NOVA_P2P_DEV=0000:03:00.0
export HMM_SPM_ADDR_DEV0=0x140000000
export HMM_SPM_ADDR_DEV1=0x150000000
suites=swap_areas,lost_writes,uapi_fuzz,unbind_load,rdma_churn
kselftest=0
sabotage=0
read -r -a cmdline </proc/cmdline
for a in "${cmdline[@]}"; do
	case "$a" in
	hmmp2p.suites=?*) suites=${a#hmmp2p.suites=} ;;
	hmm_stress.seconds=?*) export HMM_STRESS_SECONDS=${a#hmm_stress.seconds=} ;;
	hmm_stress.kselftest=1) kselftest=1 ;;
	hmm_stress.seed=?*) export HMM_STRESS_SEED=${a#hmm_stress.seed=} ;;
	hmm_stress.sabotage=1) sabotage=1 ;;
	hmm_stress.reload_every=?*) export HMM_STRESS_RELOAD_EVERY=${a#hmm_stress.reload_every=} ;;
	hmm_stress.swapfiles=?*) export HMM_STRESS_SWAPFILES_EXPECTED=${a#hmm_stress.swapfiles=} ;;
	hmm_stress.fuzz_release=?*) export HMM_STRESS_FUZZ_RELEASE=${a#hmm_stress.fuzz_release=} ;;
	esac
done
RES=/mnt/hs-dev/results
mkdir -p "$RES"
if [ "$kselftest" = 1 ]; then
	# The kselftest install of `make build`, run the upstream way.
	cd "$OUT/selftests" || exit 1
	./run_kselftest.sh -c hmm_stress 2>&1 | tee "$RES/kselftest.log"
	exit "${PIPESTATUS[0]}"
fi
# The binaries: the development build in /mnt/hs-dev (made with
# make -C tools/testing/selftests/hmm_stress OUTPUT=build/hs-dev/selftests/hmm_stress),
# else the kselftest install of `make build`; the scripts from the work tree.
# Entries of the suite list:
#   SUITE          a wrapper, e.g. unbind_load
#   sab-SUITE      the same with binaries that corrupt data on purpose
#                  (build/hs-sab), to see it fail; sab-swap_areas expects
#                  a wrong number of swap areas
#   repro-close    unbind_load with HMM_STRESS_HMM_CLOSE_EVICT=1
#   repro-release  uapi_fuzz with HMM_STRESS_FUZZ_RELEASE=concurrent
bin=/mnt/hs-dev/selftests/hmm_stress
[ "$sabotage" = 1 ] && bin=/mnt/hs-sab/selftests/hmm_stress
[ -x "$bin/unbind_load" ] || bin=$OUT/selftests/hmm_stress
src=/mnt/linux/tools/testing/selftests/hmm_stress
D=/tmp/hmm_stress
rm -rf "$D" "$D-sab" && mkdir -p "$D" "$D-sab"
cp "$bin"/* "$src"/*.sh "$src"/settings "$D/" 2>/dev/null
cp /mnt/hs-sab/selftests/hmm_stress/* "$src"/*.sh "$D-sab/" 2>/dev/null
echo "# binaries from $bin"
echo "# THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
echo "# odp_dma_alias: $(cat /sys/module/ib_core/parameters/odp_dma_alias 2>/dev/null)"
rc=0
summary=()
for s in ${suites//,/ }; do
	t0=$(date +%s)
	echo "=== hmm_stress $s"
	case $s in
	sab-swap_areas) cmd=(env HMM_STRESS_SWAPFILES_EXPECTED=1 "$D/swap_areas.sh") ;;
	sab-*) cmd=("$D-sab/${s#sab-}.sh") ;;
	repro-close) cmd=(env HMM_STRESS_HMM_CLOSE_EVICT=1 "$D/unbind_load.sh") ;;
	repro-release) cmd=(env HMM_STRESS_FUZZ_RELEASE=concurrent "$D/uapi_fuzz.sh") ;;
	*) cmd=("$D/$s.sh") ;;
	esac
	timeout -k 10 900 "${cmd[@]}" 2>&1 | tee "$RES/$s.log"
	r=${PIPESTATUS[0]}
	summary+=("$s: status $r, $(($(date +%s) - t0)) s")
	[ "$r" = 0 ] || [ "$r" = 4 ] || rc=1
	echo "=== hmm_stress $s: status $r"
done
echo "=== hmm_stress summary"
printf '%s\n' "${summary[@]}"
echo "# modules left: $(lsmod 2>/dev/null | awk 'NR > 1 {print $1}' | tr '\n' ' ')"
exit $rc
