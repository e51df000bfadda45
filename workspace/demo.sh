#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: set up and build what is missing, boot the VM, show the P2P
# topology, migrate memory to a test device and back, load nova_p2p and move a
# buffer into its VRAM, and show a NIC reading
# device memory over RDMA through DMA aliases beside the migration fallback.
. "$(dirname "$0")/lib.sh"
"$TOP/workspace/setup-toolchain.sh"
"$TOP/workspace/worktree.sh" ensure
"$TOP/workspace/build.sh" all
mkdir -p "$WORK/results"
rc=0
"$TOP/workspace/vm.sh" run demo.sh "$WORK/results/demo-console.log" || rc=$?
# The guest's own output, without the kernel's boot messages.
sed -n '/^hmmp2p guest:/,/^HMMP2P-EXIT/p' "$WORK/results/demo-console.log" | grep -v '^\[ *[0-9]'
exit $rc
