"""Markdown report of the Genesis planner benchmark.

Reads JSON-lines files (run lines {"tool","problem","seed","best_so_far","suggest_cpu_s"}
and timing lines {"tool","n","cpu_s"}), by default bench/out/{peers,genesis}.jsonl and
bench/out/{peers,genesis}-timing.jsonl where they exist, and prints per problem the
simple regret (best_so_far - f_star) at the checkpoints, seeds solved and CPU per
suggestion, then the timing table.  Written to stdout and bench/out/report.md.
Pure standard library (runs without the venv).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")
DEFAULT_FILES = ["peers.jsonl", "genesis.jsonl", "peers-timing.jsonl", "genesis-timing.jsonl"]
SOLVED = 0.01


def quantile(xs, q):
    """Linear interpolation between order statistics (numpy's default)."""
    s = sorted(xs)
    if not s:
        return math.nan
    pos = (len(s) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def fmt(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000 or a < 1e-3:
        return f"{v:.2e}"
    return f"{v:.3g}"


def fmt_s(v):
    if v is None or math.isnan(v):
        return "–"
    if v < 1e-3:
        return f"{v * 1e6:.0f} µs"
    if v < 1:
        return f"{v * 1e3:.1f} ms"
    return f"{v:.2f} s"


def load(paths):
    runs, timing = {}, defaultdict(list)
    errors = defaultdict(list)
    for path in paths:
        with open(path) as fh:
            for ln, line in enumerate(fh, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:
                    print(f"warning: {path}:{ln}: not JSON, skipped", file=sys.stderr)
                    continue
                if "problem" in r:
                    key = (r["tool"], r["problem"], int(r["seed"]))
                    if r.get("error"):
                        errors[(r["tool"], r["problem"])].append(r["error"])
                        continue
                    runs[key] = r  # a later line for the same run wins
                elif "n" in r:
                    if r.get("error") or r.get("cpu_s") is None:
                        errors[(r["tool"], f"timing n={r['n']}")].append(r.get("error", "no cpu_s"))
                        continue
                    timing[(r["tool"], int(r["n"]))].append(float(r["cpu_s"]))
    return runs, timing, errors


def tool_order(tools):
    pref = ["genesis", "botorch", "optuna-gp", "egobox", "optuna-tpe", "random"]
    return sorted(tools, key=lambda t: (pref.index(t) if t in pref else len(pref), t))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("files", nargs="*", help="JSON-lines files (default: bench/out/...)")
    ap.add_argument("--init", default=os.path.join(OUT, "init.json"))
    ap.add_argument("--out", default=os.path.join(OUT, "report.md"))
    args = ap.parse_args()
    files = args.files or [os.path.join(OUT, f) for f in DEFAULT_FILES
                           if os.path.exists(os.path.join(OUT, f))]
    with open(args.init) as fh:
        init = json.load(fh)["problems"]
    runs, timing, errors = load(files)

    lines = ["# Genesis planner benchmark", "",
             "Files: " + ", ".join(os.path.relpath(f, HERE) for f in files), "",
             "Simple regret = best-so-far − f*, per cell: median [25th–75th pct] (mean), over seeds. "
             f"Solved: regret < {SOLVED} at the end of the budget. CPU/suggestion: median over all "
             "suggestions of all seeds (process CPU time, 1 thread).", ""]
    for pname, spec in init.items():
        f_star = spec["f_star"]
        evals = spec["evals"]
        cps = [c for c in spec.get("checkpoints", [10, 20, 40, 60]) if c <= evals]
        if evals not in cps:
            cps.append(evals)
        tools = tool_order({t for (t, p, _s) in runs if p == pname}
                           | {t for (t, p) in errors if p == pname})
        if not tools:
            continue
        lines += [f"## {pname} (f* = {f_star}, {evals} evaluations, 10 initial)", ""]
        head = ["tool", "seeds"] + [f"regret @{c}" for c in cps] + ["solved", "CPU/suggestion"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for tool in tools:
            rs = [r for (t, p, _s), r in sorted(runs.items()) if t == tool and p == pname]
            cells = [tool, str(len(rs)) + (f" (+{len(errors[(tool, pname)])} failed)"
                                           if errors.get((tool, pname)) else "")]
            for c in cps:
                regs = [r["best_so_far"][c - 1] - f_star for r in rs if len(r["best_so_far"]) >= c]
                if not regs:
                    cells.append("–")
                    continue
                cells.append(f"{fmt(statistics.median(regs))} [{fmt(quantile(regs, .25))}–"
                             f"{fmt(quantile(regs, .75))}] ({fmt(statistics.fmean(regs))})")
            ends = [r["best_so_far"][-1] - f_star for r in rs if r["best_so_far"]]
            cells.append(f"{sum(e < SOLVED for e in ends)}/{len(ends)}" if ends else "–")
            cpu = [v for r in rs for v in r.get("suggest_cpu_s", [])]
            cells.append(fmt_s(statistics.median(cpu)) if cpu else "–")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")

    if timing:
        ns = sorted({n for (_t, n) in timing})
        lines += ["## Time to one suggestion (hartmann6, n random observations)", "",
                  "Median CPU seconds of one suggestion (1 thread) over the repetitions given.", "",
                  "| tool | " + " | ".join(f"n = {n}" for n in ns) + " |",
                  "|---|" + "---|" * len(ns)]
        for tool in tool_order({t for (t, _n) in timing}):
            cells = [fmt_s(statistics.median(timing[(tool, n)])) if timing.get((tool, n)) else "–"
                     for n in ns]
            lines.append(f"| {tool} | " + " | ".join(cells) + " |")
        lines.append("")

    if errors:
        lines += ["## Failures", ""]
        for (tool, what), errs in sorted(errors.items()):
            lines.append(f"- {tool} / {what}: {len(errs)}× — {errs[0][:200]}")
        lines.append("")

    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        fh.write(text + "\n")


if __name__ == "__main__":
    main()
