#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make series`: write the upstreamable series into build/series: the
# patches of patches/ followed by one patch per group of our whole files
# (patches/newfiles), with the cover letter of patches/cover-letter.txt.
# `make check-series` (--check-builds) also builds every prefix of it: the
# test config (bzImage, modules), and the objects of the converted drivers
# that the test config does not build (nouveau, amdkfd, xe, mlx5: DRIVER_OBJS
# of lib.sh), so that a patch that changes what a value means cannot leave
# a driver behind.  With --test (CHECK_TESTS=1 make check-series) it also
# boots each prefix, runs hmm-tests and fails if a case that passed at the
# previous prefix fails at this one.  CHECK_FROM=N starts at patch N,
# CHECK_TO=N stops after patch N.  CHECK_OBJS="mm/hmm.o ..." builds only
# those objects of the test config instead of bzImage and modules (a quick
# check of the files a rebase touched), and CHECK_DRIVERS=0 leaves the
# driver objects out.
#
# patches/newfiles: one line per group, "SUBJECT<TAB>PATH PATH...".  Our
# files that only serve the workspace are not part of the series: the
# config fragments kernel/configs/hmm_p2p_*.config, and the stress suites
# of tools/testing/selftests/hmm_stress/ (kselftests in form, run by the
# VM with an explicit TARGETS; they drive test_hmm, the Rust sample,
# nova_p2p and rxe together, which only our VM sets up, and are not
# proposed upstream).
. "$(dirname "$0")/lib.sh"
OUTD=$WORK/series
TREE=$WORK/series-tree
check=0
tests=${CHECK_TESTS:-0}
for a in "$@"; do
	case "$a" in
	--check-builds) check=1 ;;
	--test) tests=1 ;;
	*) die "usage: $0 [--check-builds [--test]]" ;;
	esac
done

"$TOP/workspace/worktree.sh" ensure >/dev/null
rm -rf "$TREE" "$OUTD" && mkdir -p "$OUTD"
git clone -q --shared --no-checkout "$KSRC" "$TREE"
git -C "$TREE" checkout -q -b series hmmp2p-base
gitt() { git -C "$TREE" -c user.name="${GIT_AUTHOR_NAME:-hmmp2p}" -c user.email="${GIT_AUTHOR_EMAIL:-hmmp2p@localhost}" "$@"; }
for p in $(grep -v -e '^#' -e '^$' "$TOP/patches/series" || true); do
	gitt am -q "$TOP/patches/$p" || die "$p does not apply"
done
listed=""
if [ -f "$TOP/patches/newfiles" ]; then
	while IFS=$'\t' read -r subj paths; do
		case "$subj" in ''|'#'*) continue ;; esac
		for f in $paths; do
			mkdir -p "$TREE/$(dirname "$f")"
			cp "$TOP/$f" "$TREE/$f"
			gitt add -f "$f"
			listed="$listed $f"
		done
		gitt commit -q -m "$subj"
	done <"$TOP/patches/newfiles"
fi
for f in $(our_files); do
	case " $listed " in *" $f "*) continue ;; esac
	case "$f" in kernel/configs/hmm_p2p_* | tools/testing/selftests/hmm_stress/*) continue ;; esac
	die "$f is ours but no group of patches/newfiles names it"
done
n=$(git -C "$TREE" rev-list --count hmmp2p-base..HEAD)
git -C "$TREE" format-patch -q --cover-letter --no-signature -o "$OUTD" hmmp2p-base..HEAD
if [ -f "$TOP/patches/cover-letter.txt" ] && [ "$n" -gt 0 ]; then
	python3 - "$OUTD"/0000-cover-letter.patch "$TOP/patches/cover-letter.txt" <<'PY'
import sys
p, c = sys.argv[1], open(sys.argv[2]).read().split("\n", 1)
s = open(p).read()
s = s.replace("*** SUBJECT HERE ***", c[0].strip()).replace("*** BLURB HERE ***", c[1].strip())
open(p, "w").write(s)
PY
fi
log "series: $n patches and a cover letter in $OUTD"
if [ $check = 1 ]; then
	fails=0
	# CHECK_FROM=N starts at patch N, with the prefix before it (patch N-1,
	# or the base for N=1) as the reference of --test.  Without it, --test
	# starts with the base itself.
	from=${CHECK_FROM:-1}
	to=${CHECK_TO:-$n}
	[ $tests = 0 ] || [ -z "${CHECK_OBJS:-}" ] ||
		die "CHECK_OBJS builds no kernel to boot: not with CHECK_TESTS=1"
	cpu_lock
	[ -f "$KOUT/.config" ] || "$TOP/workspace/build.sh" config
	i=-1
	for c in $(git -C "$TREE" rev-parse hmmp2p-base) \
		$(git -C "$TREE" rev-list --reverse hmmp2p-base..HEAD); do
		i=$((i + 1))
		if [ $i -lt $((from - 1)) ] || { [ $i = 0 ] && [ $from = 1 ] && [ $tests = 0 ]; }; then
			continue
		fi
		[ $i -le "$to" ] || break
		git -C "$TREE" checkout -q "$c"
		s=$(git -C "$TREE" log -1 --format=%s)
		mkdir -p "$WORK/out-series"
		[ -f "$WORK/out-series/.config" ] || cp "$KOUT/.config" "$WORK/out-series/.config"
		if inroot make -C "$TREE" O="$WORK/out-series" LLVM=1 CC="ccache clang" -j"$JOBS" \
			olddefconfig ${CHECK_OBJS:-bzImage modules} >"$WORK/out-series/build-$c.log" 2>&1; then
			log "series: builds: $s"
		else
			log "series: BUILD FAILS: $s (see $WORK/out-series/build-$c.log)"; fails=1
			continue
		fi
		if [ "${CHECK_DRIVERS:-1}" = 0 ]; then
			:
		elif drivers_build "$TREE" "$WORK/out-series-drivers" "$WORK/out-series-drivers/build-$c.log"; then
			log "series:   driver objects build"
		else
			log "series:   DRIVER OBJECTS FAIL: $s (see $WORK/out-series-drivers/build-$c.log)"; fails=1
			continue
		fi
		[ $tests = 1 ] || continue
		HMMP2P_KSRC=$TREE HMMP2P_KOUT=$WORK/out-series "$TOP/workspace/build.sh" kernel-asis >/dev/null &&
			HMMP2P_KSRC=$TREE HMMP2P_KOUT=$WORK/out-series "$TOP/workspace/build.sh" selftests >/dev/null ||
			{ log "series: cannot build modules or hmm-tests at $s"; fails=1; continue; }
		# hmm-tests as kselftest runs it (mm:ksft_hmm.sh), its cases
		# from its per-test log.
		rd=$WORK/out-series/results-$c
		rm -rf "$rd" && mkdir -p "$rd"
		SUITES=hmm-tests HMMP2P_KOUT=$WORK/out-series "$TOP/workspace/vm.sh" run run-tests.sh \
			"$rd/console.log" >/dev/null 2>&1 || true
		[ -s "$rd/ksft/ksft_hmm.sh" ] &&
			python3 "$TOP/workspace/results.py" --cases "$rd/ksft/ksft_hmm.sh" \
				>"$WORK/out-series/hmm-tests-$c.tap" &&
			grep -q '^ok ' "$WORK/out-series/hmm-tests-$c.tap" ||
			{ log "series:   NO hmm-tests RESULTS at $s (see $rd/console.log)"; fails=1; continue; }
		grep -E '^ok ' "$WORK/out-series/hmm-tests-$c.tap" | grep -v '# SKIP' |
			cut -d' ' -f3 | sort >"$WORK/out-series/pass-$c"
		npass=$(wc -l <"$WORK/out-series/pass-$c")
		nfail=$(grep -c '^not ok ' "$WORK/out-series/hmm-tests-$c.tap" || true)
		log "series:   hmm-tests: $npass passed, $nfail failed"
		if [ -n "${prev:-}" ]; then
			lost=$(comm -23 "$WORK/out-series/pass-$prev" "$WORK/out-series/pass-$c")
			[ -z "$lost" ] || { log "series:   REGRESSION: $(echo $lost)"; fails=1; }
		fi
		prev=$c
	done
	[ $fails = 0 ] || die "some prefixes of the series fail (see above)"
	log "series: every prefix from patch $from to $to builds${CHECK_OBJS:+ $CHECK_OBJS}$([ $tests = 1 ] && echo ' and loses no hmm-tests case')"
fi
