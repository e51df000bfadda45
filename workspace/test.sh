#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make test`: set up what is missing, build, boot once and run every test:
# the built-in KUnit suites (at boot), pci_topology, the upstream hmm-tests
# and the rxe smoke test.  Results: build/results/{ktap.log,summary.json,
# console.log}.  Exits non-zero on any failure, missing result, kernel
# problem report in the console or a guest that does not come back.
. "$(dirname "$0")/lib.sh"
R=$WORK/results
t0=$SECONDS
"$TOP/workspace/setup-toolchain.sh"
"$TOP/workspace/worktree.sh" ensure
"$TOP/workspace/build.sh" all
tb=$((SECONDS - t0))
rm -rf "$R" && mkdir -p "$R"
t1=$SECONDS
vmrc=0
"$TOP/workspace/vm.sh" run run-tests.sh "$R/console.log" || vmrc=$?
tv=$((SECONDS - t1))
rc=0
inroot python3 "$TOP/workspace/results.py" "$R" "$KSRC/tools/testing/kunit/kunit.py" || rc=$?
log "build $tb s, VM run $tv s; results: $R/{ktap.log,summary.json,console.log}"
if [ "$vmrc" -ne 0 ] && [ "$rc" -eq 0 ]; then
	echo "error: the guest reported status $vmrc" >&2
	rc=1
fi
[ $rc = 0 ] || die "tests failed (see above and $R/summary.json)"
