#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The narrow-physical-address-space reproducer, inside the guest: show how
# much physical address space is left, then let test_hmm register a 256 MiB
# chunk of device-private memory and migrate to it (hmm-tests "migrate").
# Without the device-private index space this needs 256 MiB of free physical
# address space; with it, none.
set -u
G=$(dirname "$0")
. "$G/ktap.sh"
log=$RESULTS/narrow-phys.guest.log
bits=$(sed -n 's/.*address sizes[^0-9]*\([0-9]*\) bits physical.*/\1/p' /proc/cpuinfo | head -1)
{
	echo "# $(uname -r): ${bits:-?} bits of physical address"
	# Free gaps between the top-level iomem resources, below 1 << bits.
	end=$(( (1 << ${bits:-46}) - 1 ))
	next=0 free=0 largest=0
	top=$(mktemp)
	grep -v '^ ' /proc/iomem >"$top"
	while read -r range _; do
		s=$((16#${range%-*})) e=$((16#${range#*-}))
		[ $s -gt $end ] && break
		if [ $s -gt $next ]; then
			g=$((s - next)); free=$((free + g))
			[ $g -gt $largest ] && largest=$g
		fi
		[ $((e + 1)) -gt $next ] && next=$((e + 1))
	done <"$top"
	rm -f "$top"
	if [ $next -le $end ]; then
		g=$((end + 1 - next)); free=$((free + g))
		[ $g -gt $largest ] && largest=$g
	fi
	echo "# free physical address space: $((free >> 20)) MiB, largest gap $((largest >> 20)) MiB"
	grep -v '^ ' /proc/iomem | sed 's/^/#   /'
} >"$log"
cat "$log" >&2
rc=0
# test_hmm registers one 256 MiB chunk of device-private memory for each of
# its two device-private devices when it loads.
if ! modprobe test_hmm; then
	printf 'TAP version 13\n1..1\nnot ok 1 load_test_hmm\n' >"$RESULTS/narrow-phys.tap"
	dmesg | grep -iE 'hmm|dmirror|memremap|region' | tail -5 >&2
	exit 1
fi
(cd "$OUT/selftests/mm" && ./hmm-tests -r hmm.hmm_device_private.migrate) \
	>"$RESULTS/narrow-phys.tap" 2>&1 || rc=$?
grep -E '^(not )?ok |^# ' "$RESULTS/narrow-phys.tap" >&2 || true
dmesg | grep -E 'hmm_dmirror|test_hmm|added new|memremap|device private' | tail -5 >&2
grep -q 'hmm_dmirror' /proc/iomem && echo "# /proc/iomem names hmm_dmirror" >&2
modprobe -r test_hmm || rc=1
exit $rc
