#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Everything `make test` runs inside the guest, after the built-in KUnit
# suites have run at boot.  Each suite writes $RESULTS/<suite>.tap.
set -u
G=$(dirname "$0")
. "$G/ktap.sh"
. "$G/pci_checks.sh"
. "$G/hmm_tests.sh"
. "$G/rxe_smoke.sh"
. "$G/odp_alias.sh"
. "$G/rust_hmm.sh"
. "$G/nova_p2p.sh"
# hmmp2p.suites=a,b on the kernel command line (SUITES=a,b make test)
# runs only those suites.
suites=pci_checks,hmm_tests,rxe_smoke,odp_alias,rust_hmm,nova_p2p,nova_rdma
for a in $(cat /proc/cmdline); do
	case "$a" in hmmp2p.suites=?*) suites=${a#hmmp2p.suites=} ;; esac
done
rm -f "$RESULTS"/*.tap "$RESULTS"/*.guest.log
rc=0
for s in ${suites//,/ }; do
	"$s" || rc=1
done
exit $rc
