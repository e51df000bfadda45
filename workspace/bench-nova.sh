#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: one guest run of tools/testing/selftests/rdma/odp_dma_alias
# -b on nova_p2p's VRAM (guest/bench-nova.sh).  Prints the table, checks the
# goals (no byte migrated through aliases; the alias path's ODP fault at
# least 5x faster per page than the migration path's, per size), and keeps
# in build/results/:
#   bench-nova.txt   the guest's output (table and raw "csv," rows)
#   bench-nova.csv   the CSV, with a header
#   bench-nova.png   a plot of it (gnuplot in the build root)
. "$(dirname "$0")/lib.sh"

R=$WORK/results
[ -x "$KOUT/selftests/rdma/odp_dma_alias" ] ||
	die "no odp_dma_alias in $KOUT/selftests/rdma: build first (make build)"
log "bench: guest run (about 5 minutes under TCG)"
SUITES= "$TOP/workspace/vm.sh" run bench-nova.sh "$R/bench-nova.console.log" \
	>/dev/null 2>&1 || die_log "$R/bench-nova.console.log" "bench failed"
grep -v '^csv,' "$R/bench-nova.txt"
{
	echo "pages,mode,first_touch_ns_per_page_median,first_touch_min,first_touch_max,odp_fault_ns_per_page_median,odp_fault_min,odp_fault_max,bytes_migrated,steady_ns_per_page_median,steady_MB_per_s"
	awk -F, '/^csv,/ { printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%.1f\n", $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 4096 * 1000 / $11 }' \
		"$R/bench-nova.txt"
} >"$R/bench-nova.csv"
[ "$(wc -l <"$R/bench-nova.csv")" -gt 1 ] || die "bench: no CSV rows in $R/bench-nova.txt"
log "bench: CSV in $R/bench-nova.csv"

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
}' "$R/bench-nova.csv")
met=$?
printf '%s\n' "$goals" | sort -n -k2

inroot gnuplot -e "csv='$R/bench-nova.csv'; out='$R/bench-nova.png'" \
	"$TOP/workspace/bench/bench-nova.gp" >>"$R/bench-nova.console.log" 2>&1 &&
	log "bench: plot in $R/bench-nova.png" ||
	die "bench: gnuplot failed, see $R/bench-nova.console.log"
[ $met = 0 ] || die "bench: a goal was not met (above)"
