# SPDX-License-Identifier: GPL-2.0
# Plot of build/results/bench-nova.csv (workspace/bench-nova.sh):
#   gnuplot -e "csv='bench-nova.csv'; out='bench-nova.png'" bench-nova.gp
set datafile separator ','
set terminal pngcairo size 1500,500 font ',10'
set output out
set multiplot layout 1,3 title "ODP RDMA READ over rxe of a buffer in nova_p2p VRAM (QEMU TCG; median of the runs, bars: min-max)"
set logscale x 2
set xlabel 'buffer size (pages)'
set key top left
set grid
mode(m, col) = (strcol(2) eq m ? column(col) : NaN)

set title 'ODP page fault (synchronous prefetch)'
set ylabel 'ns per page'
set logscale y
plot for [m in "alias migrate ram"] csv every ::1 using 1:(mode(m, 6)):(mode(m, 7)):(mode(m, 8)) \
	with yerrorlines title m

set title 'first RDMA READ (faults the buffer in)'
plot for [m in "alias migrate ram"] csv every ::1 using 1:(mode(m, 3)):(mode(m, 4)):(mode(m, 5)) \
	with yerrorlines title m

set title 'steady-state RDMA READ'
set ylabel 'MB/s'
unset logscale y
plot for [m in "alias migrate ram"] csv every ::1 using 1:(mode(m, 11)) with linespoints title m
unset multiplot
