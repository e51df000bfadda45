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
# BOOTS guest boots per kernel, alternating, so that drift of the host
# affects both alike; each boot runs 5 rounds of each measurement.
BOOTS=${BOOTS:-3}
rm -f "$WORK"/results/bench-devpriv-{base,series}.txt
for b in $(seq "$BOOTS"); do
	for k in base series; do
		out=$BENCH_OUT
		[ $k = base ] && out=$WORK/out-base
		log "bench: $k kernel, boot $b of $BOOTS"
		HMMP2P_KOUT=$out "$TOP/workspace/vm.sh" run bench-devpriv.sh \
			"$WORK/results/bench-devpriv-$k-$b.console.log" >/dev/null 2>&1 ||
			die "bench run on the $k kernel failed, see $WORK/results/bench-devpriv-$k-$b.console.log"
		sed "s/\$/ boot$b/" "$WORK/results/bench-devpriv.txt" >>"$WORK/results/bench-devpriv-$k.txt"
	done
done
python3 - "$WORK/results" <<'PY' | tee "$WORK/results/bench-devpriv.txt"
import statistics, sys
d = sys.argv[1]
def load(k):
    r = {}
    for line in open(f"{d}/bench-devpriv-{k}.txt"):
        name, val, unit, boot = line.split()
        r.setdefault((name, unit), {}).setdefault(boot, []).append(float(val))
    return r
b, s = load("base"), load("series")
# Per boot, the median of its rounds; across boots, the median and range of
# those: the range is the boot-to-boot noise the change must be compared to.
def boots(v):
    return [statistics.median(x) for x in v.values()]
print(f"{'measure':30} {'base: median [boot medians]':>34} {'series: median [boot medians]':>34} {'change':>8}")
for key in b:
    if key not in s:
        continue
    bv, sv = boots(b[key]), boots(s[key])
    bm, sm = statistics.median(bv), statistics.median(sv)
    ch = (sm - bm) / bm * 100 if bm else float("nan")
    fmt = lambda v: f"{statistics.median(v):.1f} [" + " ".join(f"{x:.1f}" for x in v) + "]"
    print(f"{key[0] + ' ' + key[1]:30} {fmt(bv):>34} {fmt(sv):>34} {ch:+7.1f}%")
nb = len(next(iter(b.values())))
print(f"({nb} boots per kernel, alternating; 5 rounds per boot; fault numbers average 32 walks of 64 MiB)")
PY
