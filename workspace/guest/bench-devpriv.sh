#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hmm-bench inside the guest (see workspace/bench/hmm-bench.c): REPS rounds
# of registration, then hmm_range_fault() over RAM and over owned
# device-private memory.  Writes $RESULTS/bench-devpriv.txt.
set -u
. "$(dirname "$0")/ktap.sh"
REPS=5
out=$RESULTS/bench-devpriv.txt
: >"$out"
rc=0
for r in $(seq $REPS); do
	kmod test_hmm || exit 1
	"$OUT/bench/hmm-bench" register /dev/hmm_dmirror0 >>"$out" || rc=1
	kmod -r test_hmm || rc=1
done
kmod test_hmm || exit 1
"$OUT/bench/hmm-bench" fault /dev/hmm_dmirror0 64 $REPS >>"$out" || rc=1
kmod -r test_hmm || rc=1
cat "$out" >&2
exit $rc
