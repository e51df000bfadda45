# SPDX-License-Identifier: GPL-2.0
# KTAP helpers for the guest test scripts (sourced, bash).
# Each suite writes $RESULTS/<suite>.tap; the host merges them.

suite_begin() {
	SUITE=$1
	SUITE_N=0
	SUITE_FAIL=0
	SUITE_BODY=$(mktemp)
	echo "# suite $SUITE" >&2
}
# ok NAME [SKIP reason]
ok() {
	SUITE_N=$((SUITE_N + 1))
	if [ "${2:-}" = SKIP ]; then
		echo "ok $SUITE_N $1 # SKIP ${3:-}" >>"$SUITE_BODY"
	else
		echo "ok $SUITE_N $1" >>"$SUITE_BODY"
	fi
	tail -1 "$SUITE_BODY" >&2
}
not_ok() {
	SUITE_N=$((SUITE_N + 1))
	SUITE_FAIL=1
	echo "not ok $SUITE_N $1" >>"$SUITE_BODY"
	shift
	[ $# -gt 0 ] && printf '# %s\n' "$@" >>"$SUITE_BODY"
	tail -1 "$SUITE_BODY" >&2
}
suite_end() {
	{
		echo "KTAP version 1"
		echo "1..$SUITE_N"
		cat "$SUITE_BODY"
	} >"$RESULTS/$SUITE.tap"
	rm -f "$SUITE_BODY"
	return $SUITE_FAIL
}

# Benchmarks need a nanosecond clock: refuse to time anything on jiffies
# (vm.sh passes tsc_early_khz= so that this does not happen).
require_ns_clock() {
	local cs
	cs=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
	echo "# guest clocksource: $cs"
	case $cs in
	*jiffies*)
		echo "# the guest clock ticks in jiffies: timings would be meaningless" >&2
		return 1 ;;
	esac
}
