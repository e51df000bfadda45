# SPDX-License-Identifier: GPL-2.0
# rust_hmm: the Rust HMM sample (samples/rust/rust_hmm_mirror.rs, on
# rust/kernel/hmm) driven by tools/testing/selftests/rust_hmm/rust_hmm_mirror;
# then the sample is unloaded.  The selftest's KTAP is the suite's result file.
rust_hmm() {
	local bin=$OUT/selftests/rust_hmm/rust_hmm_mirror rc=0
	local tap=$RESULTS/rust_hmm.tap
	echo "# suite rust_hmm" >&2
	if [ ! -x "$bin" ]; then
		printf 'TAP version 13\n1..1\nnot ok 1 rust_hmm_mirror_built\n' >"$tap"
		return 1
	fi
	if ! kmod rust_hmm_mirror; then
		printf 'TAP version 13\n1..1\nnot ok 1 load_rust_hmm_mirror\n' >"$tap"
		return 1
	fi
	timeout 600 "$bin" >"$tap" 2>&1 || rc=$?
	grep -E '^(not )?ok ' "$tap" >&2 || true
	kmod -r rust_hmm_mirror || { echo "# rmmod rust_hmm_mirror failed" >>"$tap"; rc=1; }
	return $rc
}
