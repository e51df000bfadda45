#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Make the Debian trixie build root that every build and VM run uses.
# Idempotent: a second run checks a stamp and returns in about a second.
# Nothing from trixie is installed into the host; the host only gets Debian's
# own debootstrap package if it lacks it.
. "$(dirname "$0")/lib.sh"

PKGS=(rustc rust-src bindgen libclang-dev clang lld llvm build-essential
      flex bison bc libelf-dev libssl-dev cpio kmod python3 dwarves rsync
      ccache busybox-static qemu-system-x86 iproute2 rdma-core ibverbs-utils
      ibverbs-providers libibverbs-dev librdmacm-dev perftest rustfmt
      rust-clippy git pciutils xz-utils ca-certificates file
      libcap-dev libnuma-dev procps gnuplot-nox
      sparse python3-sphinx python3-yaml pkgconf)
# sparse (C=1/C=2) and Sphinx with PyYAML (htmldocs; Documentation/sphinx/
# requirements.txt: Sphinx, alabaster, which python3-sphinx depends on, and
# pyyaml) are for workspace/matrix.sh; pkgconf finds libibverbs for the
# rdma selftests.
# rdma-core from Debian testing (forky), or unstable (sid) if testing fails:
# trixie's 56.1 has no advise_mr in its rxe provider, and odp_alias and
# bench-odp use ibv_advise_mr(PREFETCH).  Pinned at priority 100, so nothing
# else comes from there except what these need (libnl 3.11+).  The mirror's
# Release files may be past their Valid-Until date: check-valid-until=no.
NEWER_PKGS=(rdma-core ibverbs-providers ibverbs-utils libibverbs1
	    libibverbs-dev librdmacm1t64 librdmacm-dev)
STAMP=$ROOT/.hmmp2p-toolchain-$(printf '%s\n' "${PKGS[@]}" forky "${NEWER_PKGS[@]}" |
	sha256sum | cut -c1-12)

# The guest mounts the build's modules here (workspace/guest/init).
[ -d "$ROOT/usr/lib" ] && mkdir -p "$ROOT/usr/lib/modules"

if [ -e "$STAMP" ]; then
	log "toolchain: build root $ROOT is ready"
	exit 0
fi

if ! command -v debootstrap >/dev/null; then
	log "toolchain: installing debootstrap on the host"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

mkdir -p "$CACHE"
if [ ! -x "$ROOT/usr/bin/apt-get" ] || [ ! -e "$ROOT/.debootstrap-done" ]; then
	log "toolchain: debootstrap trixie into $ROOT"
	rm -rf "$ROOT"
	debootstrap --variant=minbase trixie "$ROOT" >"$CACHE/debootstrap.log" 2>&1 ||
		die_log "$CACHE/debootstrap.log" "debootstrap failed, see $CACHE/debootstrap.log"
	touch "$ROOT/.debootstrap-done"
fi

log "toolchain: apt-get install ${#PKGS[@]} packages"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
aptroot() {
	chroot "$ROOT" /usr/bin/env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin \
		DEBIAN_FRONTEND=noninteractive sh -c "$1" >>"$CACHE/apt.log" 2>&1
}
: >"$CACHE/apt.log"
rm -f "$ROOT"/etc/apt/sources.list.d/hmmp2p-newer-*.list "$ROOT"/etc/apt/preferences.d/hmmp2p-*
aptroot "apt-get update -qq && apt-get install -y -qq --no-install-recommends $(printf '%s ' "${PKGS[@]}")" ||
	die_log "$CACHE/apt.log" "apt-get failed, see $CACHE/apt.log"
# rdma-core from testing, or from unstable if testing cannot give it.
ok=
for suite in ${HMMP2P_RDMA_SUITES:-forky sid}; do
	echo "deb [check-valid-until=no] http://deb.debian.org/debian $suite main" \
		>"$ROOT/etc/apt/sources.list.d/hmmp2p-newer-$suite.list"
	printf 'Package: *\nPin: release n=%s\nPin-Priority: 100\n' "$suite" \
		>"$ROOT/etc/apt/preferences.d/hmmp2p-$suite"
	if aptroot "apt-get update -qq && apt-get install -y -qq --no-install-recommends -t $suite $(printf '%s ' "${NEWER_PKGS[@]}")"; then
		ok=$suite
		break
	fi
	log "toolchain: rdma-core from $suite failed, see $CACHE/apt.log"
	rm -f "$ROOT/etc/apt/sources.list.d/hmmp2p-newer-$suite.list" "$ROOT/etc/apt/preferences.d/hmmp2p-$suite"
done
[ -n "$ok" ] || die_log "$CACHE/apt.log" "no newer rdma-core could be installed, see $CACHE/apt.log"
chroot "$ROOT" apt-get clean

rustv=$(chroot "$ROOT" rustc --version)
bgv=$(chroot "$ROOT" bindgen --version 2>&1)
clangv=$(chroot "$ROOT" clang --version | head -1)
rdmav=$(chroot "$ROOT" dpkg-query -W -f '${Version}' libibverbs1)
log "toolchain: $rustv; $bgv; $clangv; rdma-core $rdmav"
rm -f "$ROOT"/.hmmp2p-toolchain-*
touch "$STAMP"
