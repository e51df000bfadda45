#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Merge the results of one test boot into build/results/.

Usage: results.py RESULTS_DIR KUNIT_PY

Inputs (in RESULTS_DIR): console.log (the guest's serial console, with the
KUnit output of the boot) and one <suite>.tap per guest suite.  The KUnit
part of the console goes to kunit.ktap and is parsed by the kernel's
kunit.py (KUNIT_PY) into kunit.json and kunit.txt.
Outputs: ktap.log (all results as one KTAP log), summary.json, and on stdout
the per-test result lines, a per-suite table and the final line
"N passed, N failed, N skipped".  Exits 1 on any failure, missing result or
kernel problem report in the console log.
"""
import json
import os
import re
import subprocess
import sys

GUEST_SUITES = ["pci_topology", "hmm-tests", "rxe_smoke", "odp_alias", "rust_hmm", "nova_p2p", "nova_rdma"]
RESULT_RE = re.compile(r"^\s*(not ok|ok) (\d+) (?:- )?([^#]*?)\s*(?:# (.*))?$")
PLAN_RE = re.compile(r"^\s*1\.\.(\d+)")
CONSOLE_PROBLEMS = [
    (re.compile(r"(^|\] )WARNING: "), "kernel WARNING"),
    (re.compile(r"\bBUG: "), "kernel BUG"),
    (re.compile(r"\bOops\b|general protection fault"), "kernel oops"),
    (re.compile(r"\b(KASAN|KFENCE|KMSAN|UBSAN): "), "sanitizer report"),
    (re.compile(r"possible circular locking|possible recursive locking|"
                r"inconsistent lock state|suspicious RCU usage|"
                r"INFO: lockdep is turned off|lock held when returning"),
     "lockdep report"),
    (re.compile(r"page dumped because:"), "VM_BUG/VM_WARN page dump"),
    (re.compile(r"Kernel panic"), "kernel panic"),
    (re.compile(r"INFO: task .* blocked for more than"), "hung task"),
    (re.compile(r"\bsoft lockup\b|rcu_.*self-detected stall|rcu: INFO"),
     "lockup or RCU stall"),
]


def kunit_block(console):
    """The KUnit KTAP document of the boot: from the first 'KTAP version'
    to the top-level result line of its last suite."""
    lines = console.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("KTAP version") or line.startswith("TAP version"):
            break
    else:
        return None
    m = PLAN_RE.match(lines[i + 1]) if i + 1 < len(lines) else None
    if not m:
        return None
    want = int(m.group(1))
    for j in range(i + 2, len(lines)):
        r = RESULT_RE.match(lines[j])
        if r and not lines[j].startswith(" ") and int(r.group(2)) == want:
            return "\n".join(lines[i:j + 1]) + "\n"
    return "\n".join(lines[i:]) + "\n"


def kunit_cases(group, prefix=""):
    name = group.get("name") or ""
    for case in group.get("test_cases", []):
        yield prefix, name, case["name"], case["status"]
    for sub in group.get("sub_groups", []):
        yield from kunit_cases(sub, sub.get("name", ""))


def parse_tap(text):
    """Leaf results of a (K)TAP document: [(status, name, directive)].
    Nested documents are flattened; a line that closes a subtest is
    dropped because its subtests are counted."""
    out = []
    prev_indent = None
    for line in text.splitlines():
        r = RESULT_RE.match(line)
        if not r:
            continue
        indent = len(line) - len(line.lstrip())
        if prev_indent is not None and indent < prev_indent:
            prev_indent = indent
            continue
        prev_indent = indent
        out.append((r.group(1), r.group(3).strip(), (r.group(4) or "").strip()))
    return out


def main():
    # Absolute: kunit.py changes into the kernel tree.
    rdir = os.path.abspath(sys.argv[1])
    suites = {}
    problems = []
    cpath = os.path.join(rdir, "console.log")
    if os.path.exists(cpath):
        console = open(cpath, errors="replace").read()
    else:
        console = ""
        problems.append("no console log: the VM did not run")
    ktap = ["KTAP version 1"]

    def add(suite, status, name, directive):
        s = suites.setdefault(suite, {"passed": 0, "failed": 0, "skipped": 0,
                                      "failures": [], "skips": []})
        if status == "not ok":
            s["failed"] += 1
            s["failures"].append(name)
        elif directive.upper().startswith("SKIP"):
            s["skipped"] += 1
            s["skips"].append(name + ": " + directive[4:].strip())
        else:
            s["passed"] += 1

    # KUnit, as parsed by the kernel's kunit.py.
    kpath = os.path.join(rdir, "kunit.json")
    if os.path.exists(kpath):
        os.unlink(kpath)
    kt = kunit_block(console) or ""
    open(os.path.join(rdir, "kunit.ktap"), "w").write(kt)
    if kt:
        with open(os.path.join(rdir, "kunit.txt"), "w") as out:
            subprocess.run([sys.executable, os.path.abspath(sys.argv[2]), "parse", "--json=" + kpath,
                            os.path.join(rdir, "kunit.ktap")],
                           stdout=out, stderr=subprocess.STDOUT, check=False)
    if os.path.exists(kpath) and os.path.getsize(kpath):
        kj = json.load(open(kpath))
        n = 0
        for _, suite, case, st in kunit_cases(kj):
            n += 1
            status = "ok" if st in ("PASS", "SKIP") else "not ok"
            add("kunit/" + suite, status, case, "SKIP" if st == "SKIP" else "")
        if n == 0:
            problems.append("KUnit: no test cases in the boot log")
    else:
        problems.append("KUnit: no KUnit results in the boot log")
    ktap.append("# KUnit (built in, run at boot)")
    ktap += ["    " + l for l in kt.splitlines()]

    for suite in GUEST_SUITES:
        path = os.path.join(rdir, suite + ".tap")
        ktap.append("# Subtest: " + suite)
        if not os.path.exists(path):
            problems.append(f"{suite}: no results (the suite did not run or crashed)")
            continue
        text = open(path, errors="replace").read()
        ktap += ["    " + l for l in text.splitlines()]
        res = parse_tap(text)
        plan = next((int(m.group(1)) for m in map(PLAN_RE.match, text.splitlines()) if m), None)
        for status, name, directive in res:
            add(suite, status, name, directive)
        if plan is None or len(res) < plan:
            problems.append(f"{suite}: {len(res)} results for a plan of {plan}")
        if suite == "hmm-tests":
            m = re.search(r"# Totals: pass:(\d+) fail:(\d+)", text)
            if not m:
                problems.append("hmm-tests: no '# Totals' line (the run did not finish)")

    seen = {}
    for line in console.splitlines():
        for rx, what in CONSOLE_PROBLEMS:
            if rx.search(line):
                key = f"console: {what}: {line.strip()}"
                if key not in seen:
                    seen[key] = 0
                    problems.append(key)
                seen[key] += 1
                break
    problems = [p + (f" (x{seen[p]})" if seen.get(p, 1) > 1 else "") for p in problems]

    passed = sum(s["passed"] for s in suites.values())
    failed = sum(s["failed"] for s in suites.values())
    skipped = sum(s["skipped"] for s in suites.values())
    open(os.path.join(rdir, "ktap.log"), "w").write("\n".join(ktap) + "\n")
    summary = {"passed": passed, "failed": failed, "skipped": skipped,
               "problems": problems, "suites": suites}
    json.dump(summary, open(os.path.join(rdir, "summary.json"), "w"), indent=1)

    for line in ktap:
        if RESULT_RE.match(line) or line.startswith("# Subtest"):
            print(line)
    print("# per suite:")
    for name, s in suites.items():
        print(f"#   {name:40s} {s['passed']:4d} passed {s['failed']:3d} failed {s['skipped']:3d} skipped")
    for name, s in suites.items():
        for f in s["failures"]:
            print(f"# failed: {name}: {f}")
        for k in s["skips"]:
            print(f"# skipped: {name}: {k}")
    for p in problems[:40]:
        print(f"# problem: {p}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
