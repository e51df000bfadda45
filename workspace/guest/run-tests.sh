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
rm -f "$RESULTS"/*.tap
rc=0
pci_checks || rc=1
hmm_tests || rc=1
rxe_smoke || rc=1
exit $rc
