#!/usr/bin/env python3
"""Writes docs/COMPATIBILITY.md from two runs of Redis's test suite (../shared/redis-suite/run-suite.sh):
one against ./lodestone, one against redis-server, both with -o DIR.

    scripts/compat-report.py LODESTONE_OUT REDIS_OUT ["a note on the runs"] > docs/COMPATIBILITY.md

The "Changes by issue" section of docs/COMPATIBILITY.md is kept by hand: carry it over when regenerating.
Each failing test is listed with the feature it needs (an open issue) when its unit or name says so,
else with the first line of what the suite reported, which is the observable reason it fails.
"""
import os
import re
import sys
from datetime import date

# (unit or test-name pattern, reason). First match wins; None = look at the failure message.
FEATURES = [
    (r"stream|XADD|XREAD|XGROUP|XCLAIM|XINFO|XSETID|XTRIM|XRANGE|XAUTOCLAIM|XPENDING", "streams (issue 14)"),
    (r"unit/acl|ACL|acl", "ACL users (issue 13)"),
    (r"unit/tls|TLS", "TLS (issue 13)"),
    (r"scripting|functions|EVAL|Lua|lua|FUNCTION|FCALL|script|SCRIPT", "Lua scripting and functions (issue 15)"),
    (r"maxmemory|evict|LFU|lfu|OBJECT FREQ|client-eviction|tracking|TRACKING|MONITOR|monitor|SLOWLOG|slowlog|"
     r"latency|LATENCY|lazyfree|lazy free|memefficiency|introspection|MEMORY|CLIENT PAUSE|client pause", "production operations: eviction, introspection, client-side caching (issue 16)"),
    (r"cluster|CLUSTER", "Redis Cluster (issue 17)"),
    (r"child being killed|child dies|bg_unlink|Process title|long chain|has child process",
     "a forked child process or a rewritten process title, which the JVM cannot have"),
    (r"unit/moduleapi|module", "modules (not planned: Lodestone loads no C modules)"),
]


def read_results(out):
    rows = {}
    with open(os.path.join(out, "results.tsv")) as f:
        next(f)
        for line in f:
            unit, ok, err, exc, skip, status, secs = line.rstrip("\n").split("\t")
            rows[unit] = dict(ok=int(ok), err=int(err), exc=int(exc), skip=int(skip), status=status, secs=int(secs))
    return rows


def failure_messages(out, unit):
    """[(test, first message line)] for each [err] or [exception] in the unit's log."""
    path = os.path.join(out, "logs", unit.replace("/", "_") + ".log")
    if not os.path.exists(path):
        return []
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", l.rstrip("\n")) for l in open(path, errors="replace")]
    result, seen = [], set()
    for i, l in enumerate(lines):
        m = re.match(r"^\[(err|exception)\]: (.*)", l)
        if not m:
            continue
        test = re.sub(r" in tests/\S+$", "", m.group(2))
        msg = ""
        for nxt in lines[i + 1:i + 4]:
            if nxt.strip() and not nxt.startswith("["):
                msg = nxt.strip()
                break
        key = (m.group(1), test)
        if key in seen:
            continue
        seen.add(key)
        msg = re.sub(r"[\x00-\x1f\x7f]", " ", msg)
        msg = re.sub(r"(/[\w.+-]+){2,}", "<path>", msg)  # machine-specific paths say nothing about Lodestone
        result.append((("exception: " if m.group(1) == "exception" else "") + test, msg[:160]))
    return result


def feature(unit, test):
    for pattern, reason in FEATURES:
        if re.search(pattern, unit) or re.search(pattern, test):
            return reason
    return None


def main():
    lodestone, redis = sys.argv[1], sys.argv[2]
    ours, theirs = read_results(lodestone), read_results(redis)
    units = list(theirs)
    for u in ours:
        if u not in theirs:
            units.append(u)
    tot_ours = sum(r["ok"] for r in ours.values())
    tot_theirs = sum(r["ok"] for r in theirs.values())
    print("# Compatibility: Redis's own test suite")
    print()
    print(f"Redis 7.0.15's TCL suite, its default unit list, run unchanged (`../shared/redis-suite/run-suite.sh --all -j 2`)")
    print(f"against `./lodestone` and against `/usr/bin/redis-server` 7.0.15 on the same machine, {date.today().isoformat()}.")
    print(f"**Lodestone passes {tot_ours:,} tests; redis-server passes {tot_theirs:,}.** Regenerate with")
    print("`scripts/compat-report.py LODESTONE_OUT REDIS_OUT > docs/COMPATIBILITY.md` after both runs (`-o DIR`).")
    print()
    if len(sys.argv) > 3:
        print(sys.argv[3])
        print()
    print("`status`: done-ok / done-fail; EXCEPTION ends a unit early (the tests after it never ran); TIMEOUT hit")
    print("the runner's per-unit bound.")
    print()
    print("| unit | Lodestone ok | err | exc | status | Redis ok |")
    print("| --- | ---: | ---: | ---: | --- | ---: |")
    for u in units:
        o, t = ours.get(u), theirs.get(u)
        if o is None:
            print(f"| {u} | - | - | - | not run | {t['ok'] if t else '-'} |")
            continue
        print(f"| {u} | {o['ok']} | {o['err']} | {o['exc']} | {o['status']} | {t['ok'] if t else '-'} |")
    print()
    print("## Why each failing test fails")
    print("A test that needs a feature of a later issue names it; the others show the first line of what the")
    print("suite reported (the expectation that was not met, or the error Lodestone replied).")
    for u in units:
        o = ours.get(u)
        if o is None or (o["err"] == 0 and o["exc"] == 0 and o["status"] in ("done-ok",)):
            continue
        fails = failure_messages(lodestone, u)
        carried = not os.path.exists(os.path.join(lodestone, "logs", u.replace("/", "_") + ".log"))
        if not fails and o["status"] != "TIMEOUT" and not carried:
            continue
        print()
        print(f"### {u}")
        if carried:
            # A row copied into results.tsv from an earlier run (a unit not rerun): say so, and why it fails.
            print(f"- not rerun for this report (its row is from an earlier run): {feature(u, '') or 'see that run'}")
            continue
        if o["status"] == "TIMEOUT":
            print(f"- the unit hit the {o['secs']} s bound: the tests after the last one reported never ran")
        unit_feature = feature(u, "")
        if unit_feature and len(fails) > 3:
            print(f"- all {len(fails)} failures: {unit_feature}")
            continue
        for test, msg in fails:
            reason = feature(u, test)
            text = reason if reason else (msg.replace("|", "\\|") or "(no message)")
            print(f"- {test.replace('|', chr(92) + '|')}: {text}")


if __name__ == "__main__":
    main()
