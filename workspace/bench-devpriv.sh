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
# "before": the series without the device-private index space, so that its
# cost is told apart from that of the patches before it.
"$TOP/workspace/ref-kernel.sh" before "mm: name device-private pages by an index of their own type"
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
rm -f "$WORK"/results/bench-devpriv-{base,before,series}.txt
for b in $(seq "$BOOTS"); do
	for k in base before series; do
		out=$BENCH_OUT
		[ $k = series ] || out=$WORK/out-$k
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
kernels = ("base", "before", "series")
def load(k):
    r = {}
    for line in open(f"{d}/bench-devpriv-{k}.txt"):
        name, val, unit, boot = line.split()
        r.setdefault((name, unit), {}).setdefault(boot, []).append(float(val))
    return r
data = {k: load(k) for k in kernels}
# Per boot, the median of its rounds; across boots, the median of those and
# their range (the boot-to-boot noise the change must be compared to).
def boots(v):
    return [statistics.median(x) for x in v.values()]
def fmt(v):
    return f"{statistics.median(v):.1f} ({min(v):.1f}-{max(v):.1f})"
print("base = 7.3.4; before = base + the patches before the index space; series = all")
print(f"{'measure':34}" + "".join(f"{k:>26}" for k in kernels) + f"{'series/before':>15}")
for key in data["base"]:
    if any(key not in data[k] for k in kernels):
        continue
    v = {k: boots(data[k][key]) for k in kernels}
    bm, sm = statistics.median(v["before"]), statistics.median(v["series"])
    ch = (sm - bm) / bm * 100 if bm else float("nan")
    print(f"{key[0] + ' ' + key[1]:34}" + "".join(f"{fmt(v[k]):>26}" for k in kernels) + f"{ch:+14.1f}%")
nb = len(next(iter(data["base"].values())))
print(f"median (range) of {nb} boot medians per kernel, boots alternating; 5 rounds per boot;")
print("fault numbers average 32 walks of 64 MiB; control: read(/dev/zero) into the same buffer")
PY
