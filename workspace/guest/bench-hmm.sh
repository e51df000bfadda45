#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Times hmm-tests' two THP migration benchmark cases (their harness timeout
# is 120 s of guest time): `workspace/vm.sh run bench-hmm.sh`.
set -u
. "$(dirname "$0")/ktap.sh"
. "$(dirname "$0")/devices.sh"
modprobe test_hmm spm_addr_dev0=$SPM_ADDR_DEV0 spm_addr_dev1=$SPM_ADDR_DEV1
cd "$OUT/selftests/mm"
rc=0
for v in hmm_device_private hmm_device_coherent; do
	t0=$(date +%s.%N)
	./hmm-tests -r hmm.$v.benchmark_thp_migration >/dev/null 2>&1 || rc=1
	t1=$(date +%s.%N)
	echo "benchmark_thp_migration $v: $(echo "$t1 - $t0" | bc 2>/dev/null || awk "BEGIN{print $t1 - $t0}") s (status $rc)"
done
modprobe -r test_hmm
exit $rc
