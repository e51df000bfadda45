# SPDX-License-Identifier: GPL-2.0
# Plot of build/results/bench-nova.csv or bench-odp.csv (workspace/bench-odp.sh):
#   gnuplot -e "csv='bench-nova.csv'; out='bench-nova.png'; what='nova_p2p VRAM'" bench-odp.gp
set datafile separator ','
set terminal pngcairo size 1500,500 font ',10' noenhanced
set output out
set multiplot layout 1,3 title sprintf("ODP RDMA READ over rxe of a buffer in %s (QEMU TCG; median of the runs, bars: min-max)", what)
set logscale x 2
set xrange [180:6000]
set xlabel 'buffer size (pages)'
set key top left
set grid
rows(m) = sprintf("< grep ',%s,' '%s'", m, csv)

set title 'ODP page fault (synchronous prefetch)'
set ylabel 'ns per page'
set logscale y
plot for [m in "alias migrate ram"] rows(m) using 1:6:7:8 with yerrorlines title m

set title 'first RDMA READ (faults the buffer in)'
set key bottom right
plot for [m in "alias migrate ram"] rows(m) using 1:3:4:5 with yerrorlines title m

set title 'steady-state RDMA READ'
set ylabel 'MB/s'
unset logscale y
set key bottom left
plot for [m in "alias migrate ram"] rows(m) using 1:11 with linespoints title m
unset multiplot
