#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Merge the results of one test boot into build/results/<kernel>/.

Usage: results.py [--kernel NAME] RESULTS_DIR KUNIT_PY
       results.py --total RESULTS_DIR KERNEL...
       results.py --cases LOG

Inputs (in RESULTS_DIR): console.log (the guest's serial console, with the
KUnit output of the boot); pci_topology.tap and rxe_smoke.tap (the checks of
the VM's environment, workspace/guest); excluded.tap (optional: the cases
the guest left out of a kselftest, reported as skips); kselftest.tap (run_kselftest.sh's
output) with ksft/expected (the kselftests the guest meant to run) and
ksft/<test> (each one's own output, run_kselftest.sh --per-test-log).  The
KUnit part of the console goes to kunit.ktap and is parsed by the kernel's
kunit.py (KUNIT_PY) into kunit.json and kunit.txt.

Outputs: ktap.log (every result as one KTAP document: a subtest per suite),
summary.json, and on stdout the result lines, a per-suite table, failures,
skips and problems, and finally "NAME: N passed, N failed, N skipped".
Exits 1 on any failure, missing result or kernel problem report in the
console log.

With --total, reads RESULTS_DIR/KERNEL/summary.json of each KERNEL, writes
RESULTS_DIR/summary.json over all of them and prints one summary line per
kernel, then the total "N passed, N failed, N skipped" as the last line.
A kernel that test.sh left out for time (a RESULTS_DIR/KERNEL/not-run file
with the reason) counts as one skip and says why.

With --cases, prints the leaf results of one kselftest's output as TAP
lines (series.sh compares hmm-tests cases between prefixes with it).
"""
import json
import os
import re
import subprocess
import sys

ENV_SUITES = ["pci_topology", "rxe_smoke"]
RESULT_RE = re.compile(r"^\s*(not ok|ok) (\d+) (?:- )?([^#]*?)\s*(?:# (.*))?$")
# A result line inside run_kselftest.sh's "# "-prefixed output: the number
# of "# " prefixes is its depth.
NESTED_RE = re.compile(r"^((?:# ?)*)(not ok|ok) (\d+) (?:- )?([^#]*?)\s*(?:# (.*))?$")
NESTED_PLAN_RE = re.compile(r"^((?:# ?)*)1\.\.(\d+)\s*$")
PLAN_RE = re.compile(r"^\s*1\.\.(\d+)")
KSFT_RE = re.compile(r"^(not ok|ok) \d+ selftests: (\S+): (\S+)(?:\s*#\s*(.*))?$")
CONSOLE_PROBLEMS = [
    (re.compile(r"(^|\] )WARNING: "), "kernel WARNING"),
    (re.compile(r"\bBUG: "), "kernel BUG"),
    (re.compile(r"\bOops\b|general protection fault"), "kernel oops"),
    (re.compile(r"\b(KASAN|KFENCE|KMSAN|UBSAN): "), "sanitizer report"),
    (re.compile(r"possible circular locking|possible recursive locking|"
                r"inconsistent lock state|suspicious RCU usage|"
                r"INFO: lockdep is turned off|lock held when returning|"
                r"turning off the locking correctness validator|"
                r"Disabling lock debugging due to kernel taint"),
     "lockdep report or lock debugging turned off"),
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


def depth(prefix):
    return prefix.count("#")


def parse_nested(text):
    """Leaf results of a kselftest's output as run_kselftest.sh logs it
    (each line under "# " prefixes, one more per runner level): the results
    at the deepest level, and that level's plan (or None)."""
    by_depth = {}
    plans = {}
    for line in text.splitlines():
        m = NESTED_RE.match(line)
        if m:
            by_depth.setdefault(depth(m.group(1)), []).append(
                (m.group(2), m.group(4).strip(), (m.group(5) or "").strip()))
            continue
        m = NESTED_PLAN_RE.match(line)
        if m:
            plans.setdefault(depth(m.group(1)), int(m.group(2)))
    if not by_depth:
        return [], None
    d = max(by_depth)
    return by_depth[d], plans.get(d)


def total(rdir, kernels):
    """One summary line per kernel, the total last; RESULTS_DIR/summary.json."""
    allsum = {"passed": 0, "failed": 0, "skipped": 0, "problems": [], "kernels": {}}
    lines = []
    for k in kernels:
        path = os.path.join(rdir, k, "summary.json")
        notrun = os.path.join(rdir, k, "not-run")
        if os.path.exists(notrun) and not os.path.exists(path):
            # Left out for time (test.sh's TEST_BUDGET): a skip, never a pass.
            why = open(notrun).read().strip()
            allsum["skipped"] += 1
            allsum["kernels"][k] = {"not_run": why}
            lines.append(f"{k}: not run (1 skipped): {why}")
            continue
        if not os.path.exists(path):
            allsum["problems"].append(f"{k}: no results (the kernel was not built or booted)")
            lines.append(f"{k}: no results")
            continue
        s = json.load(open(path))
        allsum["kernels"][k] = s
        for n in ("passed", "failed", "skipped"):
            allsum[n] += s[n]
        allsum["problems"] += [f"{k}: {p}" for p in s["problems"]]
        extra = f", {len(s['problems'])} problems" if s["problems"] else ""
        lines.append(f"{k}: {s['passed']} passed, {s['failed']} failed, {s['skipped']} skipped{extra}")
    json.dump(allsum, open(os.path.join(rdir, "summary.json"), "w"), indent=1)
    for p in allsum["problems"][:40]:
        print(f"# problem: {p}")
    for line in lines:
        print(line)
    print(f"{allsum['passed']} passed, {allsum['failed']} failed, {allsum['skipped']} skipped")
    return 1 if allsum["failed"] or allsum["problems"] else 0


def cases(path):
    res, plan = parse_nested(open(path, errors="replace").read())
    if plan is not None:
        print(f"1..{plan}")
    for i, (status, name, directive) in enumerate(res, 1):
        print(f"{status} {i} {name}" + (f" # {directive}" if directive else ""))
    return 0


def main():
    args = sys.argv[1:]
    if args and args[0] == "--total":
        return total(os.path.abspath(args[1]), args[2:])
    if args and args[0] == "--cases":
        return cases(args[1])
    kernel = None
    if args and args[0] == "--kernel":
        kernel = args[1]
        args = args[2:]
    # Absolute: kunit.py changes into the kernel tree.
    rdir = os.path.abspath(args[0])
    kunit_py = os.path.abspath(args[1])
    suites = {}
    problems = []
    cpath = os.path.join(rdir, "console.log")
    if os.path.exists(cpath):
        console = open(cpath, errors="replace").read()
    else:
        console = ""
        problems.append("no console log: the VM did not run")

    def add(suite, status, name, directive):
        s = suites.setdefault(suite, {"passed": 0, "failed": 0, "skipped": 0,
                                      "failures": [], "skips": [], "results": []})
        s["results"].append((status, name, directive))
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
            subprocess.run([sys.executable, kunit_py, "parse", "--json=" + kpath,
                            os.path.join(rdir, "kunit.ktap")],
                           stdout=out, stderr=subprocess.STDOUT, check=False)
    kunit_ok = True
    if os.path.exists(kpath) and os.path.getsize(kpath):
        kj = json.load(open(kpath))
        n = 0
        for _, suite, case, st in kunit_cases(kj):
            n += 1
            status = "ok" if st in ("PASS", "SKIP") else "not ok"
            kunit_ok = kunit_ok and status == "ok"
            add("kunit/" + suite, status, case, "SKIP" if st == "SKIP" else "")
        if n == 0:
            problems.append("KUnit: no test cases in the boot log")
    else:
        problems.append("KUnit: no KUnit results in the boot log")

    # The checks of the VM's environment, those the guest was asked to run
    # (SUITES=...; all without a "suites" file); "excluded" (optional)
    # reports the cases the guest left out of a kselftest, as skips.
    asked = None
    if os.path.exists(os.path.join(rdir, "suites")):
        asked = set(open(os.path.join(rdir, "suites")).read().strip().split(","))
    for suite in ENV_SUITES + ["excluded"]:
        path = os.path.join(rdir, suite + ".tap")
        if suite == "excluded" and not os.path.exists(path):
            continue
        if asked is not None and suite in ENV_SUITES and suite not in asked:
            continue
        if not os.path.exists(path):
            problems.append(f"{suite}: no results (the suite did not run or crashed)")
            continue
        text = open(path, errors="replace").read()
        res = parse_tap(text)
        plan = next((int(m.group(1)) for m in map(PLAN_RE.match, text.splitlines()) if m), None)
        for status, name, directive in res:
            add(suite, status, name, directive)
        if plan is None or len(res) < plan:
            problems.append(f"{suite}: {len(res)} results for a plan of {plan}")

    # The kselftests: the runner's verdict per test, and each test's cases.
    epath = os.path.join(rdir, "ksft", "expected")
    expected = open(epath).read().split() if os.path.exists(epath) else []
    if not expected:
        problems.append("kselftests: none ran (no ksft/expected)")
    verdicts = {}
    tpath = os.path.join(rdir, "kselftest.tap")
    if os.path.exists(tpath):
        for line in open(tpath, errors="replace"):
            m = KSFT_RE.match(line.strip())
            if m:
                verdicts[m.group(2) + ":" + m.group(3)] = (m.group(1), (m.group(4) or "").strip())
    for test in expected:
        log = os.path.join(rdir, "ksft", os.path.basename(test.split(":", 1)[1]))
        if test not in verdicts:
            problems.append(f"{test}: no result from run_kselftest.sh (it did not run or crashed)")
            continue
        status, directive = verdicts[test]
        text = open(log, errors="replace").read() if os.path.exists(log) else ""
        res, plan = parse_nested(text)
        for st, name, d in res:
            add(test, st, name, d)
        if not res:
            # No case ran: the test skipped (say why) or failed as a whole.
            reason = next((l.split("SKIP", 1)[1].strip(" :") for l in text.splitlines()
                           if "SKIP" in l), directive)
            add(test, status, test, directive if status == "not ok" else
                ("SKIP " + reason if directive.upper().startswith("SKIP") else directive))
        elif status == "not ok" and all(r[0] == "ok" for r in res):
            add(test, "not ok", f"{test} ({directive or 'exit status'})", "")
        if res and (plan is None or len(res) < plan):
            problems.append(f"{test}: {len(res)} results for a plan of {plan}")

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
    # A debug kernel must still have lock debugging on when the suites end:
    # lockdep turns itself off on the first report, or when the kernel is
    # tainted, and is then silent for the rest of the run.
    m = re.findall(r"HMMP2P-DEBUG-LOCKS: (\S+)", console)
    if kernel == "debug" and (not m or m[-1] != "1"):
        problems.append("lock debugging was off at the end of the run "
                        f"(debug_locks: {m[-1] if m else 'not reported'})")

    # One KTAP document: KUnit's boot log as the first subtest, then a
    # subtest per suite with its leaf results.
    names = [n for n in suites if not n.startswith("kunit/")]
    ktap = ["KTAP version 1", f"1..{len(names) + 1}"]
    ktap += ["    " + l for l in kt.splitlines()]
    ktap.append(f"{'ok' if kt and kunit_ok else 'not ok'} 1 kunit")
    for i, name in enumerate(names, 2):
        s = suites[name]
        ktap += ["    KTAP version 1", f"    # Subtest: {name}", f"    1..{len(s['results'])}"]
        for j, (status, case, d) in enumerate(s["results"], 1):
            ktap.append(f"    {status} {j} {case}" + (f" # {d}" if d else ""))
        ktap.append(f"{'not ok' if s['failed'] else 'ok'} {i} {name}")

    passed = sum(s["passed"] for s in suites.values())
    failed = sum(s["failed"] for s in suites.values())
    skipped = sum(s["skipped"] for s in suites.values())
    open(os.path.join(rdir, "ktap.log"), "w").write("\n".join(ktap) + "\n")
    for s in suites.values():
        del s["results"]
    summary = {"passed": passed, "failed": failed, "skipped": skipped,
               "problems": problems, "suites": suites}
    json.dump(summary, open(os.path.join(rdir, "summary.json"), "w"), indent=1)

    for line in ktap:
        if RESULT_RE.match(line) or "# Subtest" in line:
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
    label = f"{kernel}: " if kernel else ""
    print(f"{label}{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
