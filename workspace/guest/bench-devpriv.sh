#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hmm-bench inside the guest (see workspace/bench/hmm-bench.c): REPS rounds
# of registration, then hmm_range_fault() over RAM and over owned
# device-private memory.  Writes $RESULTS/bench-devpriv.txt.
set -u
. "$(dirname "$0")/ktap.sh"
REPS=5
out=$RESULTS/bench-devpriv.txt
require_ns_clock >"$out" || exit 1
rc=0
# Loading test_hmm registers a 256 MiB chunk of device-private memory for
# each of its two device-private devices: time the load, and count the
# struct page memory it takes (nr_memmap_pages: the vmemmap of hotplugged
# sections on the base, the vmalloc'ed struct page array with the series).
memmap() { sed -n 's/^nr_memmap_pages \([0-9]*\)/\1/p' /proc/vmstat; }
for r in $(seq $REPS); do
	m0=$(memmap); t0=$(date +%s%N)
	modprobe test_hmm || exit 1
	t1=$(date +%s%N); m1=$(memmap)
	echo "register_2x256mib_ms $(( (t1 - t0) / 1000000 )) ms" >>"$out"
	echo "register_memmap_kib_per_gib $(( (m1 - m0) * 4 * 2 )) KiB" >>"$out"
	modprobe -r test_hmm || rc=1
done
modprobe test_hmm || exit 1
"$OUT/bench/hmm-bench" fault /dev/hmm_dmirror0 64 $REPS >>"$out" || rc=1
modprobe -r test_hmm || rc=1
cat "$out" >&2
exit $rc
