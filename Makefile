# SPDX-License-Identifier: GPL-2.0
# Entry points of the workspace; see README.md.  Each target does its own
# setup (build root, work tree, build) when something is missing.
W := workspace

.PHONY: demo test build toolchain worktree export sync shell lint series check-series \
	repro-phys bench bench-devpriv bench-odp matrix clean

demo:
	@$(W)/demo.sh

test:
	@$(W)/test.sh

build:
	@$(W)/setup-toolchain.sh && $(W)/worktree.sh ensure && $(W)/build.sh all

toolchain:
	@$(W)/setup-toolchain.sh

worktree:
	@$(W)/setup-toolchain.sh && $(W)/worktree.sh generate

export:
	@$(W)/worktree.sh export

sync:
	@$(W)/worktree.sh sync

shell:
	@$(W)/setup-toolchain.sh && $(W)/worktree.sh ensure && $(W)/build.sh all && $(W)/vm.sh shell

lint:
	@$(W)/setup-toolchain.sh && $(W)/worktree.sh ensure && $(W)/lint.sh

series:
	@$(W)/setup-toolchain.sh && $(W)/series.sh

check-series:
	@$(W)/setup-toolchain.sh && $(W)/series.sh --check-builds $(if $(filter 1,$(CHECK_TESTS)),--test)

# A guest whose physical address space has no room for device-private
# memory: the unpatched base fails to register it, the series does not.
repro-phys:
	@$(W)/setup-toolchain.sh && $(W)/worktree.sh ensure && $(W)/build.sh all && $(W)/repro-phys.sh

# hmm_range_fault() and registration costs, base against series.
bench-devpriv:
	@$(W)/setup-toolchain.sh && $(W)/worktree.sh ensure && $(W)/build.sh all && $(W)/bench-devpriv.sh

# ODP RDMA READ over rxe of nova_p2p's VRAM: DMA aliases vs migration vs
# RAM; table, goals, build/results/bench-nova.{txt,csv,png}.
bench:
	@$(W)/setup-toolchain.sh && $(W)/worktree.sh ensure && $(W)/build.sh all && $(W)/bench-odp.sh nova_p2p

# The same on test_hmm's BAR-backed device memory: build/results/bench-odp.*.
bench-odp:
	@$(W)/setup-toolchain.sh && $(W)/worktree.sh ensure && $(W)/build.sh all && $(W)/bench-odp.sh test_hmm

# The series and the base built in other configs and arches (i386 PAE,
# arm64 with Rust, ppc64le with the ultravisor, riscv64, the test config
# with one option off at a time), sparse, rustdoc and htmldocs; fails on a
# build error or a new warning.  MATRIX=name1,name2 runs some of them.
matrix:
	@$(W)/setup-toolchain.sh && $(W)/matrix.sh

clean:
	rm -rf build
