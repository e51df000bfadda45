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
. "$(dirname "$0")/lib.sh"
R=$WORK/results
KERNELS=${KERNELS:-test,debug}
t0=$SECONDS
"$TOP/workspace/setup-toolchain.sh"
"$TOP/workspace/worktree.sh" ensure
rm -rf "$R" && mkdir -p "$R"
rc=0
lines=()
for k in ${KERNELS//,/ }; do
	case $k in
	test) dbg=0 ;;
	debug) dbg=1 ;;
	*) die "KERNELS: unknown kernel '$k' (test, debug)" ;;
	esac
	mkdir -p "$R/$k"
	tk=$SECONDS
	DEBUG=$dbg "$TOP/workspace/build.sh" all
	tb=$((SECONDS - tk))
	tk=$SECONDS
	vmrc=0
	DEBUG=$dbg "$TOP/workspace/vm.sh" run run-tests.sh "$R/$k/console.log" || vmrc=$?
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
# One line per kernel, then the total as the last line.
inroot python3 "$TOP/workspace/results.py" --total "$R" ${KERNELS//,/ } || rc=1
[ $rc = 0 ] || die "tests failed (see above and $R/<kernel>/summary.json)"
