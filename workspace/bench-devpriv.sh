#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the device-private index space costs: hmm_range_fault() ns/page on
# RAM and on owned device-private memory, and the time and memory that
# registering device-private memory takes, on the unpatched base and on the
# series, same config, same guest.  The series is measured in $WORK/out-bench,
# built from the test config without CONFIG_DEBUG_DEVICE_PRIVATE_PFN (a debug
# option that makes every page_to_pfn() a function call; the base does not
# have it).  Prints a table; the raw numbers are in
# $WORK/results/bench-devpriv-{base,series}.txt and the table in
# $WORK/results/bench-devpriv.txt.
. "$(dirname "$0")/lib.sh"

[ -x "$KOUT/bench/hmm-bench" ] || die "build the series first (make build)"
"$TOP/workspace/base-kernel.sh"
BENCH_OUT=$WORK/out-bench
mkdir -p "$BENCH_OUT"
cp "$KOUT/.config" "$BENCH_OUT/.config.new"
inroot "$KSRC/scripts/config" --file "$BENCH_OUT/.config.new" \
	--disable DEBUG_DEVICE_PRIVATE_PFN
cmp -s "$BENCH_OUT/.config.new" "$BENCH_OUT/.config" ||
	mv "$BENCH_OUT/.config.new" "$BENCH_OUT/.config"
rm -f "$BENCH_OUT/.config.new"
inroot make -C "$KSRC" O="$BENCH_OUT" LLVM=1 CC="ccache clang" olddefconfig \
	>>"$BENCH_OUT/build.log" 2>&1 || die "olddefconfig failed in $BENCH_OUT"
HMMP2P_KOUT=$BENCH_OUT "$TOP/workspace/build.sh" kernel-asis
HMMP2P_KOUT=$BENCH_OUT "$TOP/workspace/build.sh" bench
export SUITES=
for k in base series; do
	out=$BENCH_OUT
	[ $k = base ] && out=$WORK/out-base
	log "bench: $k kernel"
	HMMP2P_KOUT=$out "$TOP/workspace/vm.sh" run bench-devpriv.sh \
		"$WORK/results/bench-devpriv-$k.console.log" >/dev/null 2>&1 ||
		die "bench run on the $k kernel failed, see $WORK/results/bench-devpriv-$k.console.log"
	cp "$WORK/results/bench-devpriv.txt" "$WORK/results/bench-devpriv-$k.txt"
done
python3 - "$WORK/results" <<'PY' | tee "$WORK/results/bench-devpriv.txt"
import statistics, sys
d = sys.argv[1]
def load(k):
    r = {}
    for line in open(f"{d}/bench-devpriv-{k}.txt"):
        name, val, unit = line.split()
        r.setdefault((name, unit), []).append(float(val))
    return r
b, s = load("base"), load("series")
print(f"{'measure':34} {'base median (min-max)':>26} {'series median (min-max)':>26} {'change':>8}")
for key in b:
    bv, sv = b[key], s.get(key, [])
    if not sv:
        continue
    bm, sm = statistics.median(bv), statistics.median(sv)
    ch = (sm - bm) / bm * 100 if bm else float("nan")
    fmt = lambda v: f"{statistics.median(v):.1f} ({min(v):.1f}-{max(v):.1f})"
    print(f"{key[0] + ' [' + key[1] + ']':34} {fmt(bv):>26} {fmt(sv):>26} {ch:+7.1f}%")
print(f"(n = {len(next(iter(b.values())))} runs each; one guest boot per kernel)")
PY
