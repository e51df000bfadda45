#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make matrix`: build the series (build/linux at HEAD) and the base (tag
# hmmp2p-base) in the configurations of workspace/matrix/*.config and in
# three checks on the x86_64 test config (sparse, rustdoc, htmldocs); fail on
# a build error of the series or on a warning in a file the series touches
# that the base does not have.
#
#   workspace/matrix.sh [NAME...]      (or MATRIX=name1,name2 make matrix)
#
# MATRIX_CONFIG_ONLY=1 only makes and checks the configs.
#
# Names: the configs of workspace/matrix/ (i386, arm64, ppc64le, riscv64,
# x86_64-test, x86_64-no-*) and sparse, rustdoc, htmldocs.  Default: all.
#
# Each config file is a Kconfig fragment applied on top of allnoconfig
# (after the in-tree fragments its "# matrix: fragments=" line names), with
# directives in comments: "# matrix: ARCH=", "# matrix: require=" (objects
# the series build must produce), "# matrix: also-off=" (symbols of the
# in-tree fragments that the config's own lines turn off).  After
# olddefconfig every line of the config and of our fragments must be in
# the series' .config as written, else the config fails (a config error, not
# a series failure); on the base, a difference is only reported (the base
# lacks the series' options, and what only they select).
#
# The series and the base are built from snapshots, not from build/linux
# itself: build/matrix/src/series is a clone of build/linux checked out at
# its HEAD (plus our whole files), build/matrix/src/base a worktree of that
# clone at hmmp2p-base.  So uncommitted edits and a rebase in progress in
# build/linux never leak into a build.  Outputs: build/matrix/NAME/{series,
# base}; the series is built whole with W=1 (vmlinux, modules), the base only
# the objects of the touched files that the series built (W=1).
#
# Warnings are compared as lint-drivers.sh does (line numbers and tree paths
# taken out, sets compared, only in files the series touches).  Builds are
# incremental, so an object that is not rebuilt prints nothing: make runs
# with --output-sync=target, and the output of each target (its kbuild line
# and its diagnostics) is kept in OUT/.matrix-out/TARGET.log until the target
# is built again.  The warnings of a build are those of the kept outputs of
# targets that exist.  sparse, rustdoc and htmldocs run again only when the
# tree changed.
#
# Results: build/matrix/results.txt (the table), build/matrix/NAME/
# {new-warnings.txt,errors.txt,series/build.log,base/build.log}.
. "$(dirname "$0")/lib.sh"

MCFG=$TOP/workspace/matrix
M=$WORK/matrix
SRC_S=$M/src/series
SRC_B=$M/src/base
CHECKS="sparse rustdoc htmldocs"
ALL="i386 arm64 ppc64le riscv64 x86_64-test x86_64-no-device-private x86_64-no-p2pdma
x86_64-no-mmu-notifier x86_64-no-migration x86_64-no-rust $CHECKS"
# Documentation directories htmldocs leaves out even when the series touches
# a file they include (driver-api is 400 documents: only its infiniband.rst
# includes a touched file, umem_odp.c, whose kernel-doc the W=1 builds check).
HTMLDOCS_SKIP=${HTMLDOCS_SKIP:-driver-api}

# --- snapshots of the series and of the base ---------------------------------

snapshot() {
	local head f n=0
	# build/linux as it is (HEAD), made only if missing: regenerating it
	# would throw away commits not yet exported.
	[ -d "$KSRC/.git" ] || "$TOP/workspace/worktree.sh" ensure >&2
	while [ -d "$KSRC/.git/rebase-apply" ] || [ -d "$KSRC/.git/rebase-merge" ]; do
		log "matrix: a git am/rebase is in progress in $KSRC; waiting for it"
		sleep 20
	done
	mkdir -p "$M/src"
	if [ ! -d "$SRC_S/.git" ]; then
		log "matrix: cloning $KSRC into $SRC_S"
		rm -rf "$SRC_S" "$SRC_B"
		# A local clone hard-links the objects; if a gc in build/linux
		# moves them meanwhile, clone through the pack protocol.
		git clone -q --no-checkout "$KSRC" "$SRC_S" 2>/dev/null || {
			rm -rf "$SRC_S"
			git clone -q --no-local --no-checkout "$KSRC" "$SRC_S"
		} || die "cannot clone $KSRC"
	fi
	git -C "$SRC_S" fetch -q "$KSRC" HEAD || die "cannot fetch HEAD from $KSRC"
	head=$(git -C "$SRC_S" rev-parse FETCH_HEAD)
	# A fresh --no-checkout clone is at HEAD already, with nothing checked
	# out: the top Makefile tells.
	if [ "$(git -C "$SRC_S" rev-parse HEAD 2>/dev/null)" != "$head" ] ||
		[ ! -f "$SRC_S/Makefile" ]; then
		log "matrix: series at $(git -C "$SRC_S" log -1 --format='%h %s' "$head")"
		git -C "$SRC_S" checkout -q -f --detach "$head"
	fi
	if [ ! -d "$SRC_B" ]; then
		git -C "$SRC_S" worktree prune
		git -C "$SRC_S" worktree add -q --detach "$SRC_B" hmmp2p-base
	fi
	[ "$(git -C "$SRC_B" rev-parse HEAD)" = "$(git -C "$SRC_S" rev-parse hmmp2p-base)" ] ||
		git -C "$SRC_B" checkout -q -f --detach hmmp2p-base
	# Our whole files, as worktree.sh lays them into build/linux (a file
	# that did not change keeps its mtime).
	while read -r f; do
		[ -n "$f" ] || continue
		if ! cmp -s "$TOP/$f" "$SRC_S/$f"; then
			mkdir -p "$(dirname "$SRC_S/$f")"
			cp "$TOP/$f" "$SRC_S/$f"
			n=$((n + 1))
		fi
	done < <(our_files)
	# The files the series touches: its commits, and our whole files
	# except the workspace's config fragments.
	{ git -C "$SRC_S" diff --name-only hmmp2p-base HEAD
	  our_files | grep -v '^kernel/configs/hmm_p2p_'; } | sort -u >"$M/touched.txt"
	SERIES_ID="$(git -C "$SRC_S" rev-parse --short HEAD) $(git -C "$SRC_S" log -1 --format=%s HEAD)"
	log "matrix: series $SERIES_ID ($(git -C "$SRC_S" rev-list --count hmmp2p-base..HEAD) patches, $(wc -l <"$M/touched.txt") files touched)"
}

# A key for "same sources": the tree of HEAD plus our whole files.
tree_key() {	# SRC
	{ git -C "$1" rev-parse 'HEAD^{tree}'
	  [ "$1" != "$SRC_S" ] || our_files | while read -r f; do sha1sum "$TOP/$f"; done; } |
		sha256sum | cut -c1-16
}

# --- warnings ------------------------------------------------------------------

# mx_py store LOG STOREDIR: keep each target's output of LOG in STOREDIR.
# mx_py warnings OUTDIR TOUCHED [LOG...]: the warnings of the kept outputs
#   of the targets that exist in OUTDIR (or of the LOGs), normalized, in the
#   files of TOUCHED (or in all files if TOUCHED is "-"), one per line.
# mx_py errors LOG: the error lines of LOG, as they are.
mx_py() {
	python3 - "$@" <<'PY'
import os, re, sys

QUIET = re.compile(r'^  ([A-Z][A-Z0-9_-]*(?: \[M\]| [A-Z])?) +(\S+)$')
# Paths of the source snapshots and of the output directories.
TREE = re.compile(r'(?:\S*/)?build/matrix/(?:src|[^/\s]+)/(?:series|base)/')
LOC = re.compile(r'^(\S+?):(\d+:)?(\d+:)? ?(warning|error|WARNING|ERROR): ?(.*)$')
RUSTHEAD = re.compile(r'^(warning|error)(\[\w+\])?: (.*)$')
RUSTLOC = re.compile(r'^\s*--> (\S+?):\d+:\d+$')
# kernel-doc: "Warning: FILE:LINE message".
KDOC = re.compile(r'^(Warning|Error|WARNING|ERROR): (\S+?):\d+:? (.*)$')
MODPOST = re.compile(r'^(WARNING|ERROR): modpost: (.*)$')
SUMMARY = re.compile(r'^\d+ warnings? (emitted|generated)')

def norm_path(p):
    p = TREE.sub('', p)
    while p.startswith('./'):
        p = p[2:]
    return p

def norm_msg(m):
    m = TREE.sub('', m)
    m = re.sub(r'\+0x[0-9a-f]+(/0x[0-9a-f]+)?', '+0x?', m)   # objtool offsets
    return m.strip()

def diagnostics(lines):
    """(path, kind, message) of every diagnostic in lines; path is '-'
    for one that names no file."""
    pending = None
    for line in lines:
        line = line.rstrip('\n')
        if pending:
            m = RUSTLOC.match(line)
            if m:
                yield norm_path(m.group(1)), pending[0], norm_msg(pending[1])
                pending = None
                continue
            if line.strip() and not line.startswith(' '):
                if not SUMMARY.match(pending[1]):
                    yield '-', pending[0], norm_msg(pending[1])
                pending = None
        m = MODPOST.match(line)
        if m:
            objs = re.findall(r'[\w./-]+\.k?o\b', m.group(2))
            yield (norm_path(objs[0]) if objs else '-'), m.group(1).lower(), norm_msg('modpost: ' + m.group(2))
            continue
        m = KDOC.match(line)
        if m:
            yield norm_path(m.group(2)), m.group(1).lower(), norm_msg(m.group(3))
            continue
        m = RUSTHEAD.match(line)
        if m:
            pending = (m.group(1), m.group(3))
            continue
        m = LOC.match(line)
        if m:
            yield norm_path(m.group(1)), m.group(4).lower(), norm_msg(m.group(5))
    if pending and not SUMMARY.match(pending[1]):
        yield '-', pending[0], norm_msg(pending[1])

def touched_of(path, touched):
    if path in touched:
        return path
    stem, ext = os.path.splitext(path)
    if ext in ('.o', '.ko', '.s', '.i'):
        for e in ('.c', '.rs', '.S'):
            if stem + e in touched:
                return stem + e
    return None

cmd = sys.argv[1]
if cmd == 'store':
    log, store = sys.argv[2], sys.argv[3]
    blocks, cur = {}, None
    for line in open(log, errors='replace'):
        m = QUIET.match(line.rstrip('\n'))
        if m:
            cur = norm_path(m.group(2))
            if cur.startswith('/'):
                cur = None
            else:
                blocks[cur] = []
            continue
        if cur is not None:
            blocks[cur].append(line)
    for t, lines in blocks.items():
        f = os.path.join(store, t + '.log')
        os.makedirs(os.path.dirname(f), exist_ok=True)
        with open(f, 'w') as fp:
            fp.writelines(lines)
elif cmd == 'warnings':
    out, tfile, logs = sys.argv[2], sys.argv[3], sys.argv[4:]
    touched = None if tfile == '-' else set(open(tfile).read().split())
    if not logs:
        store = os.path.join(out, '.matrix-out')
        for d, _, files in os.walk(store):
            for f in files:
                t = os.path.relpath(os.path.join(d, f), store)[:-len('.log')]
                if os.path.exists(os.path.join(out, t)):
                    logs.append(os.path.join(d, f))
    keys = set()
    for f in logs:
        for path, kind, msg in diagnostics(open(f, errors='replace')):
            if touched is not None:
                path = touched_of(path, touched) if path != '-' else None
                if path is None:
                    continue
            keys.add(f'{path}: {kind}: {msg}')
    for k in sorted(keys):
        print(k)
elif cmd == 'errors':
    pat = re.compile(r'(^|\s)(error(\[\w+\])?:|ERROR:|Error \d+|undefined reference|undefined symbol)')
    lines = open(sys.argv[2], errors='replace').read().splitlines()
    shown = set()
    for i, line in enumerate(lines):
        if pat.search(line) and not line.startswith('make'):
            # Rust and ld.lld say where on the next lines.
            for l in lines[i:i + (3 if line.startswith(('error', 'ld.lld')) else 1)]:
                if l not in shown:
                    shown.add(l)
                    print(TREE.sub('', l))
PY
}

# --- configs -------------------------------------------------------------------

directive() {	# FILE KEY
	sed -n "s/^# matrix: $2=//p" "$1" | head -1
}

# Where an in-tree or our fragment lives.
frag_path() {	# SRC ARCH NAME
	local d
	for d in "$TOP/kernel/configs" "$1/kernel/configs" "$1/arch/$2/configs"; do
		[ -f "$d/$3" ] && { echo "$d/$3"; return; }
	done
	die "config fragment $3 not found"
}

srcarch() {
	case "$1" in i386|x86_64) echo x86 ;; *) echo "$1" ;; esac
}

# Every line of FILE must be in OUT/.config as written; symbols of ALSO_OFF
# must be off.  On the base, a symbol that the base's Kconfig does not
# have (the series adds it) is skipped.
verify_lines() {	# SRC OUT FILE ALSO_OFF
	local src=$1 out=$2 f=$3 also=" $4 " line sym bad=0
	while read -r line; do
		case "$line" in
		CONFIG_*=*) sym=${line%%=*} ;;
		"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *} ;;
		*) continue ;;
		esac
		case "$also" in *" ${sym#CONFIG_} "*) continue ;; esac
		if [ "$src" = "$SRC_B" ] && ! git -C "$src" grep -q -E "^\s*(menu)?config ${sym#CONFIG_}\s*$" -- '*Kconfig*'; then
			continue
		fi
		case "$line" in
		CONFIG_*) grep -qx -- "$line" "$out/.config" && continue ;;
		*) grep -q "^$sym=" "$out/.config" || continue ;;
		esac
		echo "config: $(basename "$f"): want '$line', .config has '$(grep -E "^(# )?$sym[= ]" "$out/.config" || echo "$sym absent")'" >&2
		bad=1
	done <"$f"
	return $bad
}

# make in OUT for the config NAME's arch.
kmake() {	# SRC OUT ARCH ARGS...
	local src=$1 out=$2 arch=$3
	shift 3
	inroot make -C "$src" O="$out" ARCH="$arch" LLVM=1 CC="ccache clang" -j"$JOBS" "$@"
}

# allnoconfig with the fragments (again only when they changed), then
# olddefconfig and the check of every line.
configure() {	# NAME SIDE
	local name=$1 side=$2 cfg=$MCFG/$1.config src out arch frags f also own want bad=0 s
	src=$([ "$side" = series ] && echo "$SRC_S" || echo "$SRC_B")
	out=$M/$name/$side
	arch=$(directive "$cfg" ARCH)
	arch=${arch:-x86_64}
	frags=$(directive "$cfg" fragments)
	also=$(directive "$cfg" also-off)
	mkdir -p "$out"
	{ for f in $frags; do cat "$(frag_path "$src" "$(srcarch "$arch")" "$f")"; done
	  cat "$cfg"; } >"$out/.matrix-allconfig.new"
	want=$(cat "$out/.matrix-allconfig.new" | sha256sum | cut -c1-16)
	if [ ! -f "$out/.config" ] || [ "$(cat "$out/.matrix-config-hash" 2>/dev/null)" != "$want" ]; then
		mv "$out/.matrix-allconfig.new" "$out/.matrix-allconfig"
		inroot env KCONFIG_ALLCONFIG="$out/.matrix-allconfig" \
			make -C "$src" O="$out" ARCH="$arch" LLVM=1 CC="ccache clang" allnoconfig \
			>"$out/config.log" 2>&1 || die_log "$out/config.log" "$name/$side: allnoconfig failed"
		echo "$want" >"$out/.matrix-config-hash"
	fi
	rm -f "$out/.matrix-allconfig.new"
	kmake "$src" "$out" "$arch" olddefconfig >>"$out/config.log" 2>&1 ||
		die_log "$out/config.log" "$name/$side: olddefconfig failed"
	verify_lines "$src" "$out" "$cfg" "" || bad=1
	# Our fragments (not upstream's kvm_guest.config, which build.sh does
	# not check either), less what the config's own lines set.
	own=$(sed -n -E 's/^(# )?CONFIG_([A-Za-z0-9_]+)[= ].*/\2/p' "$cfg" | tr '\n' ' ')
	for f in $frags; do
		f=$(frag_path "$src" "$(srcarch "$arch")" "$f")
		case "$f" in "$TOP/kernel/configs/"*) verify_lines "$src" "$out" "$f" "$also $own" || bad=1 ;; esac
	done
	for s in $also; do
		if grep -q "^CONFIG_$s=" "$out/.config" &&
			{ [ "$side" = series ] || git -C "$src" grep -q -E "^\s*(menu)?config $s\s*$" -- '*Kconfig*'; }; then
			echo "config: $name.config: $s should be off (also-off), .config has '$(grep "^CONFIG_$s=" "$out/.config")'" >&2
			bad=1
		fi
	done
	if [ $bad != 0 ]; then
		[ "$side" = series ] ||
			{ log "$name/base: the base config differs (above; e.g. an invisible option only the series selects); it builds the same objects all the same"; return 0; }
		die "$name/$side: options of $cfg did not land in $out/.config as written (above)"
	fi
}

# The objects of the touched files that the series built in config NAME;
# with "base", only those whose source the base has too: what the base
# builds.  rust/kernel, rust/bindings, rust/uapi and rust/helpers are one
# object each.
touched_objs() {	# NAME [base]
	local s=$M/$1/series f o
	while read -r f; do
		case "$f" in
		rust/kernel/*|rust/bindings/*|rust/uapi/*|rust/helpers/*)
			o=${f#rust/}; o=rust/${o%%/*}.o
			[ "$o" = rust/helpers.o ] && o=rust/helpers/helpers.o ;;
		*.c|*.rs) o=${f%.*}.o
			[ "${2:-}" != base ] || [ -e "$SRC_B/$f" ] || continue ;;
		*) continue ;;
		esac
		[ -f "$s/$o" ] && echo "$o"
	done <"$M/touched.txt" | sort -u
}

# One config: series (whole, W=1) and base (objects of touched files, W=1).
run_build() {	# NAME
	local name=$1 cfg=$MCFG/$1.config arch s b rc o missing="" t0=$SECONDS
	local targets="vmlinux modules"
	arch=$(directive "$cfg" ARCH)
	arch=${arch:-x86_64}
	s=$M/$name/series
	b=$M/$name/base
	configure "$name" series
	configure "$name" base
	log "$name: series: make W=1 $targets (log: $s/build.log)"
	rc=0
	kmake "$SRC_S" "$s" "$arch" -k --output-sync=target W=1 $targets >"$s/build.log" 2>&1 || rc=$?
	mx_py store "$s/build.log" "$s/.matrix-out"
	mx_py errors "$s/build.log" >"$M/$name/errors.txt"
	for o in $(directive "$cfg" require); do
		[ -f "$s/$o" ] || missing="$missing $o"
	done
	touched_objs "$name" base >"$b/objs.txt"
	log "$name: base: make W=1 of $(wc -l <"$b/objs.txt") objects (log: $b/build.log)"
	if [ -s "$b/objs.txt" ]; then
		kmake "$SRC_B" "$b" "$arch" -k --output-sync=target W=1 $(cat "$b/objs.txt") \
			>"$b/build.log" 2>&1 || log "$name: base: some objects failed to build (see $b/build.log)"
		mx_py store "$b/build.log" "$b/.matrix-out"
	fi
	compare "$name" "$s" "$b"
	if [ $rc != 0 ]; then
		result "$name" "FAIL: build" $t0
	elif [ -n "$missing" ]; then
		result "$name" "FAIL: not built:$missing" $t0
	else
		result "$name" "$([ "$(count_new "$name")" = 0 ] && echo ok || echo 'FAIL: warnings')" $t0
	fi
}

compare() {	# NAME SERIES_OUT BASE_OUT [LOGS_SERIES LOGS_BASE] (touched files only)
	local name=$1
	mx_py warnings "$2" "$M/touched.txt" >"$M/$name/warnings-series.txt"
	mx_py warnings "$3" "$M/touched.txt" >"$M/$name/warnings-base.txt"
	comm -23 "$M/$name/warnings-series.txt" "$M/$name/warnings-base.txt" >"$M/$name/new-warnings.txt"
}

count_new() { wc -l <"$M/$1/new-warnings.txt"; }

result() {	# NAME RESULT T0
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(count_new "$1")" "$((SECONDS - $3))" >"$M/$1/result"
	log "$1: $2, $(count_new "$1") new warnings, $((SECONDS - $3)) s"
}

# --- sparse, rustdoc, htmldocs ------------------------------------------------

# The x86_64 test config, configured and built, for sparse and rustdoc.
need_x86_test() {
	[ -f "$M/x86_64-test/series/vmlinux" ] && [ -f "$M/x86_64-test/base/objs.txt" ] && return
	log "$1: x86_64-test is not built yet: building it first"
	run_build x86_64-test
}

# Run CMD (in SIDE's dir) unless the sources and the config are those of
# its last run; its output is DIR/SIDE.log either way.
cached() {	# DIR SIDE KEY CMD...
	local dir=$1 side=$2 key=$3 rc=0
	shift 3
	mkdir -p "$dir"
	if [ -f "$dir/$side.log" ] && [ "$(cat "$dir/$side.key" 2>/dev/null)" = "$key" ]; then
		log "$(basename "$dir"): $side: unchanged since the last run, keeping $dir/$side.log"
		return "$(cat "$dir/$side.rc")"
	fi
	rm -f "$dir/$side.key"
	"$@" >"$dir/$side.log" 2>&1 || rc=$?
	echo $rc >"$dir/$side.rc"
	echo "$key" >"$dir/$side.key"
	return $rc
}

# sparse_filter LOG: LOG without sparse's "bad constant expression" errors
# located on a module_param() or MODULE_*() line of their file.
sparse_filter() {
	python3 - "$1" <<'PY'
import re, sys
pat = re.compile(r'^(\S+?):(\d+):\d+: error: bad constant expression$')
mod = re.compile(r'^\s*(module_param\w*|MODULE_[A-Z_]+)\s*\(')
for line in open(sys.argv[1], errors="replace"):
    m = pat.match(line.rstrip("\n"))
    if m:
        try:
            src = open(m.group(1), errors="replace").read().split("\n")[int(m.group(2)) - 1]
        except (OSError, IndexError):
            src = ""
        if mod.match(src):
            continue
    sys.stdout.write(line)
PY
}

run_check() {	# NAME
	local name=$1 t0=$SECONDS s=$M/x86_64-test/series b=$M/x86_64-test/base d=$M/$1 rc=0 objs bobjs ks kb dirs
	mkdir -p "$d"
	case "$name" in
	sparse)
		need_x86_test "$name"
		# C=2 checks the named objects whether or not they are rebuilt;
		# W=1 as in their build, so that nothing is rebuilt.
		objs=$(touched_objs x86_64-test | grep -v '^rust/[a-z]*\.o$' || true)
		bobjs=$(touched_objs x86_64-test base | grep -v '^rust/[a-z]*\.o$' || true)
		ks="$(tree_key "$SRC_S") $(sha1sum <"$s/.config" | cut -c1-12) $(echo $objs | sha1sum | cut -c1-12)"
		kb="$(tree_key "$SRC_B") $(sha1sum <"$b/.config" | cut -c1-12) $(echo $bobjs | sha1sum | cut -c1-12)"
		log "sparse: C=2 on the C objects of the touched files: $(echo $objs | wc -w) on the series, $(echo $bobjs | wc -w) on the base"
		# 7.3 checks that sparse knows __typeof_unqual__, which Debian's
		# sparse 0.6.4 does not, and then silently checks nothing: sparse
		# sees it as __typeof__ (both sides alike), and a log that says
		# sparse did not run fails the check.
		ks="$ks typeof_unqual"
		kb="$kb typeof_unqual"
		cached "$d" series "$ks" kmake "$SRC_S" "$s" x86_64 -k W=1 C=2 \
			CF=-D__typeof_unqual__=__typeof__ $objs || rc=$?
		cached "$d" base "$kb" kmake "$SRC_B" "$b" x86_64 -k W=1 C=2 \
			CF=-D__typeof_unqual__=__typeof__ $bobjs ||
			log "sparse: base: some objects failed (see $d/base.log)"
		if grep -q 'is not available or not up to date' "$d/series.log" "$d/base.log" ||
			! grep -q '^  CHECK ' "$d/series.log"; then
			log "sparse: sparse did not run (see $d/series.log)"
			rc=1
		fi
		# sparse 0.6.4 cannot evaluate 7.3's module_param() and MODULE_*()
		# (every file with one gets "bad constant expression" on each,
		# the base as much): those lines are left out.
		sparse_filter "$d/series.log" >"$d/series.filtered.log"
		sparse_filter "$d/base.log" >"$d/base.filtered.log"
		mx_py warnings - "$M/touched.txt" "$d/series.filtered.log" >"$d/warnings-series.txt"
		mx_py warnings - "$M/touched.txt" "$d/base.filtered.log" >"$d/warnings-base.txt" ;;
	rustdoc)
		need_x86_test "$name"
		ks="$(tree_key "$SRC_S") $(sha1sum <"$s/.config" | cut -c1-12)"
		kb="$(tree_key "$SRC_B") $(sha1sum <"$b/.config" | cut -c1-12)"
		log "rustdoc: make rustdoc in the x86_64 test config, series and base"
		cached "$d" series "$ks" kmake "$SRC_S" "$s" x86_64 W=1 rustdoc || rc=$?
		cached "$d" base "$kb" kmake "$SRC_B" "$b" x86_64 W=1 rustdoc ||
			log "rustdoc: the base fails (see $d/base.log)"
		mx_py warnings - - "$d/series.log" >"$d/warnings-series.txt"
		mx_py warnings - - "$d/base.log" >"$d/warnings-base.txt" ;;
	htmldocs)
		dirs=$(docs_dirs)
		log "htmldocs: SPHINXDIRS=\"$dirs\", series and base"
		ks="$(tree_key "$SRC_S") $(echo $dirs | sha1sum | cut -c1-12)"
		kb="$(tree_key "$SRC_B") $(echo $dirs | sha1sum | cut -c1-12)"
		# Sphinx only reports on the documents it rebuilds: each run
		# starts from an empty output directory.
		cached "$d" series "$ks" docs "$SRC_S" "$d/series" "$dirs" || rc=$?
		cached "$d" base "$kb" docs "$SRC_B" "$d/base" "$dirs" ||
			log "htmldocs: the base fails (see $d/base.log)"
		mx_py warnings - - "$d/series.log" >"$d/warnings-series.txt"
		mx_py warnings - - "$d/base.log" >"$d/warnings-base.txt" ;;
	esac
	comm -23 "$d/warnings-series.txt" "$d/warnings-base.txt" >"$d/new-warnings.txt"
	mx_py errors "$d/series.log" >"$d/errors.txt"
	if [ $rc != 0 ]; then
		result "$name" "FAIL: $name" $t0
	else
		result "$name" "$([ "$(count_new "$name")" = 0 ] && echo ok || echo 'FAIL: warnings')" $t0
	fi
}

docs() {	# SRC OUT DIRS
	rm -rf "$2" && mkdir -p "$2"
	inroot make -C "$1" O="$2" LLVM=1 -j"$JOBS" SPHINXDIRS="$3" htmldocs
}

# The documentation directories (with an index.rst) of the documents the
# series touches and of those that include the kernel-doc of a file it
# touches, less HTMLDOCS_SKIP and those inside another one.
docs_dirs() {
	local f d dirs=""
	{ grep '^Documentation/.*\.rst$' "$M/touched.txt" || true
	  for f in $(grep -E '\.(c|h)$' "$M/touched.txt"); do
		git -C "$SRC_S" grep -l -E "kernel-doc:: $f\s*$" -- Documentation || true
	  done; } | sort -u | while read -r f; do
		d=$(dirname "${f#Documentation/}")
		while [ "$d" != . ] && [ ! -f "$SRC_S/Documentation/$d/index.rst" ]; do
			d=$(dirname "$d")
		done
		echo "$d"
	done | sort -u >"$M/docs-dirs.txt"
	while read -r d; do
		case " $HTMLDOCS_SKIP " in *" ${d%%/*} "*) continue ;; esac
		case " $dirs " in *" ${d%%/*} "*) continue ;; esac
		grep -qx "${d%%/*}" "$M/docs-dirs.txt" && [ "$d" != "${d%%/*}" ] && continue
		dirs="$dirs $d"
	done <"$M/docs-dirs.txt"
	echo $dirs
}

# --- main ----------------------------------------------------------------------

# The whole script is read before it runs (an edit while it runs is safe).
main() {
	local names n c r w t t_all fails
	names=("$@")
	if [ ${#names[@]} = 0 ] && [ -n "${MATRIX:-}" ]; then
		IFS=, read -r -a names <<<"$MATRIX"
	fi
	[ ${#names[@]} -gt 0 ] || names=($ALL)
	for n in "${names[@]}"; do
		case " $CHECKS " in *" $n "*) continue ;; esac
		[ -f "$MCFG/$n.config" ] || die "no config $n (workspace/matrix/$n.config); names: $(echo $ALL)"
	done

	mkdir -p "$M"
	# One matrix run at a time: they share the snapshots and the outputs.
	exec 8>"$M/.lock"
	if ! flock -n 8; then
		log "matrix: waiting for another run of the matrix ($M/.lock)"
		flock 8
	fi
	snapshot
	t_all=$SECONDS
	for n in "${names[@]}"; do
		mkdir -p "$M/$n"
		rm -f "$M/$n/result"
		# Each config takes the machine's build lock on its own, so that other
		# builds and VM runs can go between two configs.
		(
			cpu_lock
			case " $CHECKS " in
			*" $n "*) [ -n "${MATRIX_CONFIG_ONLY:-}" ] || run_check "$n" ;;
			*) if [ -n "${MATRIX_CONFIG_ONLY:-}" ]; then
				configure "$n" series && configure "$n" base &&
					printf '%s\tconfig ok\t-\t-\n' "$n" >"$M/$n/result"
			   else
				run_build "$n"
			   fi ;;
			esac
		) || true
		[ -f "$M/$n/result" ] || printf '%s\tERROR: the matrix script failed (above)\t-\t-\n' "$n" >"$M/$n/result"
	done

	{
		echo "# series: $SERIES_ID"
		printf '%-26s %-40s %5s %7s\n' config series "new-W" time
		for n in "${names[@]}"; do
			IFS=$'\t' read -r c r w t <"$M/$n/result"
			printf '%-26s %-40s %5s %7s\n' "$c" "$r" "$w" "$t${t:+ s}"
		done
		echo "total: $((SECONDS - t_all)) s"
	} >"$M/results.txt"
	fails=0
	for n in "${names[@]}"; do
		IFS=$'\t' read -r c r w t <"$M/$n/result"
		[ "$r" = ok ] && continue
		fails=$((fails + 1))
		if [ -s "$M/$n/errors.txt" ]; then
			echo "--- $n: errors ($M/$n/errors.txt)"
			head -40 "$M/$n/errors.txt"
		fi
		if [ -s "$M/$n/new-warnings.txt" ]; then
			echo "--- $n: new warnings ($M/$n/new-warnings.txt)"
			head -40 "$M/$n/new-warnings.txt"
		fi
	done
	cat "$M/results.txt"
	[ $fails = 0 ] || die "matrix: $fails of ${#names[@]} fail"
	log "matrix: all ${#names[@]} pass"
}

main "$@"
exit
