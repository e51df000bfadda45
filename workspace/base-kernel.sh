#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the unpatched base (with the configuration of $KOUT) into
# $WORK/out-base, for repro-phys.sh and bench-devpriv.sh.
exec "$(dirname "$0")/ref-kernel.sh" base base
