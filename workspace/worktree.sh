#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The kernel work tree: build/linux = pinned base + patches/ (git am) + our files.
#
#   worktree.sh fetch-base   verify (or download) the base tarball, print its path
#   worktree.sh generate     (re)make build/linux from the repository
#   worktree.sh ensure       generate only if the repository changed since last time
#   worktree.sh export       write the work tree's commits back into patches/
#   worktree.sh sync         copy our whole files edited in build/linux back into the repository
#
# Our whole files (every tracked file under a kernel top-level folder) are
# copied into the work tree and listed in .git/info/exclude there, so commits
# in the work tree only ever hold edits to upstream files.  A file whose
# content did not change keeps its mtime, so regenerating never forces a
# rebuild of what did not change.
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC1091
. "$TOP/base/BASE"
BASE_DATE="2026-01-01T00:00:00Z"

fetch_base() {
	local f=$DOWNLOADS/$TARBALL deb v
	mkdir -p "$DOWNLOADS"
	if [ -f "$f" ] && echo "$SHA256  $f" | sha256sum -c --status; then
		echo "$f"; return
	fi
	if [ -f "$SHARED/kernel/$TARBALL" ]; then
		log "base: verifying $SHARED/kernel/$TARBALL"
		echo "$SHA256  $SHARED/kernel/$TARBALL" | sha256sum -c --status ||
			die "checksum mismatch for $SHARED/kernel/$TARBALL (want $SHA256)"
		echo "$SHARED/kernel/$TARBALL"; return
	fi
	log "base: $SHARED/kernel has no $TARBALL, downloading $PACKAGE from $SUITE with apt"
	[ -x "$ROOT/usr/bin/apt-get" ] || die "no build root: run 'make toolchain' first"
	root_mounts
	echo "deb http://deb.debian.org/debian $SUITE main" >"$ROOT/etc/apt/sources.list.d/hmmp2p-base.list"
	# Download inside the build root (apt runs there), then keep the
	# tarball in $DOWNLOADS.
	rm -rf "$ROOT/var/cache/hmmp2p-deb" && mkdir -p "$ROOT/var/cache/hmmp2p-deb"
	chroot "$ROOT" sh -c "apt-get update -qq && cd /var/cache/hmmp2p-deb && apt-get download -qq '$PACKAGE/$SUITE'" >&2 ||
		die "apt-get download $PACKAGE failed"
	deb=$(ls "$ROOT"/var/cache/hmmp2p-deb/*.deb)
	v=$(dpkg-deb -f "$deb" Version)
	log "base: apt got $PACKAGE version $v (pinned: $VERSION)"
	[ "$v" = "$VERSION" ] || die "apt served $PACKAGE $v, the series is pinned to $VERSION"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards "*/$TARBALL" >"$f.tmp"
	echo "$SHA256  $f.tmp" | sha256sum -c --status ||
		die "tarball from $PACKAGE $v does not match the pinned sha256"
	mv "$f.tmp" "$f"
	rm -rf "$ROOT/var/cache/hmmp2p-deb"
	echo "$f"
}

series_files() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$TOP/patches/series" 2>/dev/null || true
}

repo_hash() {
	{ cat "$TOP/base/BASE"; for p in $(series_files); do cat "$TOP/patches/$p"; done; } | sha256sum | cut -c1-16
}

git_k() { git -C "$KSRC" -c user.name="${GIT_AUTHOR_NAME:-hmmp2p}" -c user.email="${GIT_AUTHOR_EMAIL:-hmmp2p@localhost}" "$@"; }

overlay() {
	local f n=0
	: >"$KSRC/.git/info/exclude.ours"
	while read -r f; do
		[ -n "$f" ] || continue
		echo "/$f" >>"$KSRC/.git/info/exclude.ours"
		if ! cmp -s "$TOP/$f" "$KSRC/$f"; then
			mkdir -p "$(dirname "$KSRC/$f")"
			cp "$TOP/$f" "$KSRC/$f"
			n=$((n + 1))
		fi
	done < <(our_files)
	{ echo "# our whole files, copied from the repository by worktree.sh"; cat "$KSRC/.git/info/exclude.ours"; } \
		>"$KSRC/.git/info/exclude"
	log "worktree: $(wc -l <"$KSRC/.git/info/exclude.ours") of our files in place ($n updated)"
}

generate() {
	local tb p
	if [ ! -d "$KSRC/.git" ]; then
		tb=$(fetch_base)
		log "worktree: extracting $(basename "$tb") into $KSRC"
		rm -rf "$KSRC" "$KSRC.tmp" && mkdir -p "$KSRC.tmp"
		tar -xf "$tb" -C "$KSRC.tmp" --strip-components=1
		git -C "$KSRC.tmp" init -q -b base
		# Debian's tarball ships a .gitignore that ignores most of the top
		# level: force-add so the base commit holds the whole tree.
		git -C "$KSRC.tmp" add -A -f .
		GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE \
			git -C "$KSRC.tmp" -c user.name=base -c user.email=base@localhost \
			commit -q -m "Linux $VERSION (Debian $PACKAGE)"
		git -C "$KSRC.tmp" tag hmmp2p-base
		mv "$KSRC.tmp" "$KSRC"
	fi
	if [ -n "$(git -C "$KSRC" status --porcelain --untracked-files=no)" ]; then
		die "$KSRC has uncommitted changes to upstream files: commit and 'make export' them, or discard them"
	fi
	git_k checkout -q -B main hmmp2p-base 2>/dev/null || git_k checkout -q -B main hmmp2p-base
	git_k am --abort >/dev/null 2>&1 || true
	for p in $(series_files); do
		git_k am -q --keep-cr "$TOP/patches/$p" || { git_k am --abort; die "patch $p does not apply"; }
	done
	git_k tag -f hmmp2p-series >/dev/null
	overlay
	repo_hash >"$KSRC/.git/hmmp2p-series-hash"
	log "worktree: $KSRC at $(series_files | wc -l) patches on $VERSION"
}

ensure() {
	if [ -d "$KSRC/.git" ] && [ "$(cat "$KSRC/.git/hmmp2p-series-hash" 2>/dev/null)" = "$(repo_hash)" ]; then
		if [ "$(git -C "$KSRC" rev-parse HEAD)" != "$(git -C "$KSRC" rev-parse hmmp2p-series)" ]; then
			log "worktree: build/linux has commits not exported to patches/ (make export); building them as they are"
		fi
		overlay
		return
	fi
	generate
}

export_series() {
	local n
	[ -d "$KSRC/.git" ] || die "no work tree: run 'make worktree'"
	[ -z "$(git -C "$KSRC" status --porcelain --untracked-files=no)" ] ||
		die "$KSRC has uncommitted changes: commit them first"
	rm -f "$TOP"/patches/[0-9][0-9][0-9][0-9]-*.patch
	git -C "$KSRC" format-patch -q --no-signature --zero-commit -N \
		-o "$TOP/patches" hmmp2p-base..HEAD
	{
		echo "# Patches on top of the pinned base (base/BASE), applied in this order by"
		echo "# workspace/worktree.sh.  Written by 'make export'; do not edit by hand."
		(cd "$TOP/patches" && ls [0-9][0-9][0-9][0-9]-*.patch 2>/dev/null) || true
	} >"$TOP/patches/series"
	git_k tag -f hmmp2p-series >/dev/null
	repo_hash >"$KSRC/.git/hmmp2p-series-hash"
	n=$(series_files | wc -l)
	log "export: $n patches in patches/"
}

sync_back() {
	local f n=0
	while read -r f; do
		if [ -f "$KSRC/$f" ] && ! cmp -s "$KSRC/$f" "$TOP/$f"; then
			cp "$KSRC/$f" "$TOP/$f"; n=$((n + 1)); log "sync: $f"
		fi
	done < <(our_files)
	log "sync: $n files copied back"
}

case "${1:-}" in
fetch-base) fetch_base ;;
generate) generate ;;
ensure) ensure ;;
export) export_series ;;
sync) sync_back ;;
*) echo "usage: $0 fetch-base|generate|ensure|export|sync" >&2; exit 2 ;;
esac
