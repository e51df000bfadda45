#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Part of `make lint`: each kselftest config fragment the series adds to or
# writes must be complete, i.e. merged alone on allnoconfig +
# kvm_guest.config (what `make kselftest-merge` or vng --kconfig start
# from, at their smallest), every line of it must land in .config as
# written.  A line with no value, an invisible symbol nothing selects, or a
# missing dependency does not.  Only the fragment lines the series adds are
# checked in fragments that upstream has (mm/config); the whole fragment in
# the others.  Configs only, no build: about 20 s per fragment.
. "$(dirname "$0")/lib.sh"
out=$WORK/out-ksftcfg
frags=$(git -C "$KSRC" diff --name-only hmmp2p-base HEAD -- 'tools/testing/selftests/*config' |
	grep -E '/config$' || true)
# The stress suites are our whole files until they are in a patch.
for f in $(cd "$KSRC" && ls tools/testing/selftests/*/config tools/testing/selftests/*/*/*/config 2>/dev/null); do
	git -C "$KSRC" ls-files --error-unmatch "$f" >/dev/null 2>&1 || frags="$frags $f"
done
bad=0
for f in $frags; do
	[ -f "$KSRC/$f" ] || continue
	if git -C "$KSRC" cat-file -e "hmmp2p-base:$f" 2>/dev/null &&
		[ "$f" != tools/testing/selftests/rdma/config ]; then
		# Upstream's fragment: the lines the series adds.
		lines=$(git -C "$KSRC" diff hmmp2p-base HEAD -- "$f" | sed -n 's/^+\(CONFIG_.*\)/\1/p')
	else
		lines=$(grep -E '^(CONFIG_|# CONFIG_)' "$KSRC/$f")
	fi
	[ -n "$lines" ] || continue
	rm -rf "$out" && mkdir -p "$out"
	printf '%s\n' "$lines" >"$out/fragment.config"
	inroot make -C "$KSRC" O="$out" ARCH=x86_64 LLVM=1 allnoconfig >"$out/log" 2>&1 &&
		inroot "$KSRC/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
			"$KSRC/kernel/configs/kvm_guest.config" "$out/fragment.config" >>"$out/log" 2>&1 &&
		inroot make -C "$KSRC" O="$out" ARCH=x86_64 LLVM=1 olddefconfig >>"$out/log" 2>&1 ||
		die_log "$out/log" "configuring with $f failed"
	n=0
	while read -r line; do
		case "$line" in
		CONFIG_*=*)
			if ! grep -qx -- "$line" "$out/.config"; then
				echo "ksft-config: $f: '$line' does not land (.config: $(grep -E "^(# )?${line%%=*}[= ]" "$out/.config" || echo absent))"
				bad=1
			fi
			n=$((n + 1)) ;;
		CONFIG_*)
			echo "ksft-config: $f: '$line' has no value"
			bad=1 ;;
		esac
	done <<<"$lines"
	log "ksft-config: $f: $n lines checked"
done
[ $bad = 0 ] || die "kselftest config fragments are incomplete (above)"
log "ksft-config: every line of the series' kselftest config fragments lands"
