#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench` (bench-odp.sh nova_p2p) and `make bench-odp` (bench-odp.sh
# test_hmm): one guest run of tools/testing/selftests/rdma/odp_dma_alias -b
# (guest/bench-odp.sh): first-touch and steady-state ODP RDMA READ over rxe of
# nova_p2p's VRAM, or of test_hmm's BAR-backed device memory, through DMA
# aliases, through the migration fallback, and of system memory, for several
# sizes.  Prints the table, checks the goals (no byte migrated through
# aliases; the alias path's ODP fault at least 5x faster per page than the
# migration path's, per size), and keeps in build/results/:
#   bench-nova.txt or bench-odp.txt   the guest's output (table, "csv," rows)
#   bench-nova.csv or bench-odp.csv   the CSV, with a header
#   bench-nova.png or bench-odp.png   a plot of it (gnuplot in the build root)
. "$(dirname "$0")/lib.sh"

target=${1:-nova_p2p}
case "$target" in
nova_p2p) name=bench-nova what="nova_p2p VRAM" ;;
test_hmm) name=bench-odp what="test_hmm BAR-backed device memory" ;;
*) die "usage: $0 [nova_p2p|test_hmm]" ;;
esac
R=$WORK/results
[ -x "$KOUT/selftests/rdma/odp_dma_alias" ] ||
	die "no odp_dma_alias in $KOUT/selftests/rdma: build first (make build)"
log "bench: $target, guest run (under a minute, TCG)"
SUITES= VM_APPEND="hmmp2p.bench=$target" "$TOP/workspace/vm.sh" run bench-odp.sh \
	"$R/$name.console.log" >/dev/null 2>&1 || die_log "$R/$name.console.log" "bench failed"
grep -v '^csv,' "$R/$name.txt"
{
	echo "pages,mode,first_touch_ns_per_page_median,first_touch_min,first_touch_max,odp_fault_ns_per_page_median,odp_fault_min,odp_fault_max,bytes_migrated,steady_ns_per_page_median,steady_MB_per_s"
	awk -F, '/^csv,/ { printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%.1f\n", $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 4096 * 1000 / $11 }' \
		"$R/$name.txt"
} >"$R/$name.csv"
[ "$(wc -l <"$R/$name.csv")" -gt 1 ] || die "bench: no CSV rows in $R/$name.txt"
log "bench: CSV in $R/$name.csv"

# The goals, from the CSV.
goals=$(awk -F, 'NR > 1 { fault[$1, $2] = $6; bytes[$1, $2] = $9; sizes[$1] = 1 }
END {
	bad = 0
	for (n in sizes) {
		r = fault[n, "migrate"] / fault[n, "alias"]
		printf "goal: %5d pages: %d bytes migrated through aliases; ODP fault migrate/alias %.1fx (goal >= 5x)%s\n",
			n, bytes[n, "alias"], r, (bytes[n, "alias"] == 0 && r >= 5) ? "" : "  NOT MET"
		if (bytes[n, "alias"] != 0 || r < 5)
			bad = 1
	}
	exit bad
}' "$R/$name.csv")
met=$?
printf '%s\n' "$goals" | sort -n -k2

inroot gnuplot -e "csv='$R/$name.csv'; out='$R/$name.png'; what='$what'" \
	"$TOP/workspace/bench/bench-odp.gp" >>"$R/$name.console.log" 2>&1 &&
	log "bench: plot in $R/$name.png" ||
	die "bench: gnuplot failed, see $R/$name.console.log"
[ $met = 0 ] || die "bench: a goal was not met (above)"
