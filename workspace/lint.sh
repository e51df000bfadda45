#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make lint`: checkpatch --strict over the series and our files, kernel-doc
# on our C and on the C files the series touches (new warnings only),
# rustfmtcheck, and a CLIPPY=1 build when the repository holds Rust, the
# kselftest config fragments (check-ksft-configs.sh), and a W=1 build of the
# converted drivers (lint-drivers.sh).
. "$(dirname "$0")/lib.sh"
fail=0
cp_opts=(--strict --no-tree --ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES --terse --show-types)
cd "$KSRC"

log "lint: checkpatch --strict on patches/"
for p in $(grep -v -e '^#' -e '^$' "$TOP/patches/series" || true); do
	out=$(inroot perl scripts/checkpatch.pl "${cp_opts[@]}" "$TOP/patches/$p" 2>&1) ||
		{ printf '%s\n' "$out"; fail=1; }
done

ours=$(our_files | grep -E '\.(c|h|rs)$' || true)
if [ -n "$ours" ]; then
	log "lint: checkpatch --strict on $(echo "$ours" | wc -l) of our files"
	for f in $ours; do
		out=$(inroot perl scripts/checkpatch.pl "${cp_opts[@]}" -f "$KSRC/$f" 2>&1) ||
			{ printf '%s\n' "$out"; fail=1; }
	done
fi

# kernel-doc: our C files, and the C files the series touches, where only
# warnings that the base does not have count.
touched=$( { echo "$ours"; git diff --name-only hmmp2p-base HEAD; } | sort -u)
cfiles=$(echo "$touched" | grep -E '\.[ch]$' || true)
if [ -n "$cfiles" ]; then
	log "lint: kernel-doc on $(echo "$cfiles" | wc -l) C files"
	for f in $cfiles; do
		[ -f "$f" ] || continue
		now=$(inroot scripts/kernel-doc -none -Wall "$f" 2>&1 | sed -E 's/:[0-9]+//' | sort)
		before=$(git show "hmmp2p-base:$f" 2>/dev/null >$WORK/kdoc-base.tmp.c && \
			inroot scripts/kernel-doc -none -Wall $WORK/kdoc-base.tmp.c 2>&1 | \
			sed -E "s|$WORK/kdoc-base.tmp.c|$f|; s/:[0-9]+//" | sort || true)
		new=$(comm -23 <(echo "$now") <(echo "$before") | grep -v '^$' || true)
		[ -z "$new" ] || { printf 'kernel-doc: %s\n' "$new"; fail=1; }
	done
	rm -f $WORK/kdoc-base.tmp.c
fi

# Rust: ours, or in the series (rust/kernel/hmm, the samples).
rsfiles=$(echo "$touched" | grep -E '\.rs$' || true)
if [ -n "$rsfiles" ]; then
	log "lint: rustfmtcheck"
	inroot make -C "$KSRC" O="$KOUT" LLVM=1 rustfmtcheck || fail=1
	log "lint: CLIPPY=1 build in build/out-clippy"
	mkdir -p "$WORK/out-clippy"
	cp "$KOUT/.config" "$WORK/out-clippy/.config"
	inroot make -C "$KSRC" O="$WORK/out-clippy" LLVM=1 CC="ccache clang" -j"$JOBS" \
		CLIPPY=1 olddefconfig vmlinux modules >"$WORK/out-clippy/build.log" 2>&1 || fail=1
	# Upstream has clippy warnings of its own (cpufreq.rs on 7.3.4): only a
	# warning located in one of the series' Rust files counts.
	found=$(awk -v files="$(echo "$rsfiles" | tr '\n' ' ')" '
		/^(warning|error)(\[|:)/ { w = $0; next }
		/^ *--> / && w != "" {
			n = split(files, f, " ")
			for (i = 1; i <= n; i++)
				if (index($2, "/" f[i] ":")) { print $2 ": " w; break }
			w = ""
		}' "$WORK/out-clippy/build.log")
	if [ -n "$found" ]; then printf '%s\n' "$found"; fail=1; fi
else
	log "lint: no Rust files of ours yet: rustfmtcheck and CLIPPY=1 skipped"
fi
# The kselftest config fragments are complete.
"$TOP/workspace/check-ksft-configs.sh" || fail=1
# The drivers the series converts that the test kernel does not build.
"$TOP/workspace/lint-drivers.sh" || fail=1

[ $fail = 0 ] || die "lint found problems (above)"
log "lint: clean"
