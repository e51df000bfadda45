#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make test`: set up what is missing, then for each kernel (KERNELS, default
# "test,debug"): build it, boot it once and run every test in it: the
# built-in KUnit suites (at boot) and the guest suites of
# workspace/guest/run-tests.sh.
#
#   test   kernel/configs/hmm_p2p_test.config, in build/out
#   debug  the same plus hmm_p2p_debug.config (KASAN, KFENCE, lockdep,
#          DEBUG_VM, ...), in build/out-debug
#
# Results per kernel in build/results/<kernel>/ (ktap.log, summary.json,
# console.log, ...), and build/results/summary.json over both.  Prints a
# summary line per kernel, then the total "N passed, N failed, N skipped" as
# its last line.  Exits non-zero on any failure, missing result, kernel
# problem report in a console log (on either kernel) or a guest that does
# not come back.  KERNELS=test runs one kernel, for quick iteration.
#
# TEST_BUDGET=SECONDS (CI sets it to its limit) bounds the whole run: a
# kernel whose build and run would not end within it is not started, and is
# reported as "not run" (a skip, never a pass) with the reason; the guest
# of a kernel that is started gets only the time left.  Cold, each kernel
# takes about 2000 s to build on 2 cores, so a CI run from nothing has time
# for one; KERNELS gives the order.
. "$(dirname "$0")/lib.sh"
R=$WORK/results
KERNELS=${KERNELS:-test,debug}
t0=$SECONDS
"$TOP/workspace/setup-toolchain.sh"
"$TOP/workspace/worktree.sh" ensure
rm -rf "$R" && mkdir -p "$R"
rc=0
BUDGET=${TEST_BUDGET:-0}
# Estimates (2 cores, TCG) for the budget: configuration and a cold build
# (CI: 1966 s and 1956 s), an incremental build, and the guest runs.
est_build() { [ -f "$1/vmlinux" ] && echo 900 || echo 2250; }
est_run() { [ "$1" = debug ] && echo 1500 || echo 720; }
for k in ${KERNELS//,/ }; do
	case $k in
	test) dbg=0 ;;
	debug) dbg=1 ;;
	*) die "KERNELS: unknown kernel '$k' (test, debug)" ;;
	esac
	mkdir -p "$R/$k"
	if [ "$BUDGET" -gt 0 ]; then
		need=$(($(est_build "$(kout_for $dbg)") + $(est_run $k)))
		left=$((BUDGET - (SECONDS - t0)))
		if [ "$need" -gt "$left" ]; then
			why="needs about $need s to build and run, $left s of TEST_BUDGET=$BUDGET left"
			echo "$why" >"$R/$k/not-run"
			log "$k kernel: not run: $why"
			continue
		fi
	fi
	tk=$SECONDS
	DEBUG=$dbg "$TOP/workspace/build.sh" all
	tb=$((SECONDS - tk))
	tk=$SECONDS
	vmrc=0
	vmt=${VM_TIMEOUT:-2400}
	if [ "$BUDGET" -gt 0 ]; then
		left=$((BUDGET - (SECONDS - t0) - 120))
		[ "$left" -lt "$vmt" ] && vmt=$left
	fi
	VM_TIMEOUT=$vmt DEBUG=$dbg "$TOP/workspace/vm.sh" run run-tests.sh "$R/$k/console.log" || vmrc=$?
	tv=$((SECONDS - tk))
	krc=0
	echo "=== $k kernel"
	inroot python3 "$TOP/workspace/results.py" --kernel "$k" "$R/$k" \
		"$KSRC/tools/testing/kunit/kunit.py" || krc=$?
	if [ "$vmrc" -ne 0 ] && [ "$krc" -eq 0 ]; then
		echo "error: the $k guest reported status $vmrc" >&2
		krc=1
	fi
	log "$k kernel: build $tb s, VM run $tv s; results: $R/$k/{ktap.log,summary.json,console.log}"
	[ $krc = 0 ] || rc=1
done
log "make test: $((SECONDS - t0)) s in all"
ran=0
for k in ${KERNELS//,/ }; do
	[ -f "$R/$k/not-run" ] || ran=1
done
[ $ran = 1 ] || { echo "error: no kernel fits in TEST_BUDGET=$BUDGET" >&2; rc=1; }
# One line per kernel, then the total as the last line.
inroot python3 "$TOP/workspace/results.py" --total "$R" ${KERNELS//,/ } || rc=1
[ $rc = 0 ] || die "tests failed (see above and $R/<kernel>/summary.json)"
