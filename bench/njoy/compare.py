"""NJOY2016 versus `genesis endf xs`, side by side in one run (see run.sh).

For each JENDL-3.3 evaluation: NJOY MODER (parse), RECONR (0 K) and BROADR
(293.6 K) as separate NJOY jobs, each timed (wall clock and the child's CPU
time from getrusage); then `genesis endf xs` at 0 K and 293.6 K (rayon on
all cores, and once more with RAYON_NUM_THREADS=1). Every grid point of
NJOY's PENDF (MF3, MT 1, 2, 18, 102) is compared with our value at that
energy, lin-lin interpolated on our grid: relative difference
|ours - NJOY| / max(|NJOY|, 1e-6 b), maximum and 99th percentile, over the
whole curve and outside the unresolved range (URR), whose average cross
sections NJOY adds and genesis-endf does not (docs/nuclear-data.md, Limits).

Standard library only, so it runs in the bare NJOY virtualenv.
"""

import argparse
import json
import math
import os
import re
import resource
import subprocess
import time
from pathlib import Path

CASES = {"U235": ("J33U235", 9228), "U238": ("J33U238", 9237)}
MTS = (1, 2, 18, 102)
TOLERANCE = 0.001
TEMPERATURE_K = 293.6
# Below a microbarn the difference is taken in absolute terms: genesis-endf
# refines to 0.1 % plus 1e-9 b (e.g. U-238's 1e-10 b sub-threshold fission).
FLOOR_B = 1e-6


def run_timed(command, cwd, stdin_path=None, env=None):
    """Runs a command; returns (wall s, child CPU s, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    stdin = open(stdin_path) if stdin_path else None
    try:
        done = subprocess.run(command, cwd=cwd, stdin=stdin, env=env,
                              capture_output=True, text=True)
    finally:
        if stdin:
            stdin.close()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def njoy_job(njoy, work, name, deck):
    """One NJOY run of `deck` in `work` (tapes persist between jobs)."""
    deck_path = work / f"{name}.inp"
    deck_path.write_text(deck)
    wall, cpu, _ = run_timed([njoy], work, stdin_path=deck_path)
    output = work / "output"
    if output.exists():
        output.replace(work / f"{name}.out")
    return wall, cpu


def endf_float(field):
    """ENDF number: '1.234567+5', '-2.5-3', '1.0E-5', blanks = 0."""
    s = field.replace(" ", "")
    if not s:
        return 0.0
    try:
        return float(s)
    except ValueError:
        i = max(s.rfind("+", 1), s.rfind("-", 1))
        return float(s[:i] + "e" + s[i:])


def read_pendf_mf3(path, mat):
    """{MT: (energies, values)} of the first MF3 section of each MT."""
    sections = {}
    for line in Path(path).read_text().splitlines():
        if len(line) < 75:
            continue
        if int(line[66:70] or 0) != mat or line[70:72].strip() != "3":
            continue
        mt = int(line[72:75])
        if mt == 0:
            continue
        sections.setdefault(mt, []).append(line)
    tables = {}
    for mt, lines in sections.items():
        cont = lines[1]
        nr, np_ = int(cont[44:55]), int(cont[55:66])
        data_lines = lines[2 + (2 * nr + 5) // 6:]
        numbers = [endf_float(l[i:i + 11]) for l in data_lines for i in range(0, 66, 11)]
        numbers = numbers[: 2 * np_]
        tables[mt] = (numbers[0::2], numbers[1::2])
    return tables


def read_csv(path):
    """Our CSV: energies and {MT: values}."""
    lines = Path(path).read_text().splitlines()
    header = lines[0].split(",")
    columns = list(zip(*(map(float, l.split(",")) for l in lines[1:])))
    mts = [int(h[2:].split("_")[0]) for h in header[1:]]
    return list(columns[0]), {mt: list(c) for mt, c in zip(mts, columns[1:])}


def relative_differences(ref_e, ref_v, our_e, our_v):
    """(energy, relative difference) at every reference point inside our grid."""
    out = []
    j = 0
    n = len(our_e)
    for e, r in zip(ref_e, ref_v):
        if e < our_e[0] or e > our_e[-1]:
            continue
        while j + 1 < n and our_e[j + 1] < e:
            j += 1
        if our_e[j] == e or j + 1 == n:
            o = our_v[j]
        elif our_e[j + 1] == e:
            o = our_v[j + 1]
        else:
            t = (e - our_e[j]) / (our_e[j + 1] - our_e[j])
            o = our_v[j] + t * (our_v[j + 1] - our_v[j])
        out.append((e, abs(o - r) / max(abs(r), FLOOR_B)))
    return out


def stats(diffs):
    if not diffs:
        return None
    values = sorted(d for _, d in diffs)
    worst = max(diffs, key=lambda p: p[1])
    p99 = values[min(len(values) - 1, math.ceil(0.99 * len(values)) - 1)]
    above = sum(1 for v in values if v > TOLERANCE)
    return {"points": len(values), "max": worst[1], "max_at_ev": worst[0], "p99": p99,
            "above_tolerance": above}


def our_run(genesis, work, file, mat, temperature, out, threads=None):
    env = dict(os.environ)
    if threads:
        env["RAYON_NUM_THREADS"] = str(threads)
    command = [genesis, "endf", "xs", file, "--mat", str(mat),
               "--mt", ",".join(map(str, MTS)), "--temperature", str(temperature),
               "--tolerance", str(TOLERANCE), "--out", str(out)]
    wall, cpu, stdout = run_timed(command, work, env=env)

    def find(pattern):
        m = re.search(pattern, stdout)
        return m.groups() if m else None

    read = find(r"read tape \(MF1, MF2, MF3\): ([\d.]+) s")
    reconstruct = find(r"reconstruct 0 K: ([\d.]+) s, (\d+) points")
    broaden = find(r"broaden to [\d.]+ K and thin: ([\d.]+) s, (\d+) points")
    return {
        "command": " ".join(command[1:]).replace(str(file), Path(file).name),
        "wall": wall, "cpu": cpu,
        "read_s": float(read[0]),
        "reconstruct_s": float(reconstruct[0]), "points_0k": int(reconstruct[1]),
        "broaden_s": float(broaden[0]) if broaden else None,
        "points_t": int(broaden[1]) if broaden else None,
    }


def urr_bounds(genesis, file):
    info = json.loads(subprocess.run([genesis, "endf", "info", file, "--json"],
                                     capture_output=True, text=True, check=True).stdout)
    ranges = [r for m in info["materials"] for r in m["resonance_ranges"]
              if r["formalism"] == "unresolved"]
    if not ranges:
        return None
    return min(r["energy_low_ev"] for r in ranges), max(r["energy_high_ev"] for r in ranges)


def run_case(name, args):
    tape_name, mat = CASES[name]
    file = str(Path(args.data) / tape_name)
    work = Path(args.work) / name
    work.mkdir(parents=True, exist_ok=True)
    for tape in work.glob("tape*"):
        tape.unlink()
    (work / "tape20").symlink_to(Path(file).resolve())
    njoy = {}
    njoy["moder"] = njoy_job(args.njoy, work, "moder", "moder\n20 -21\nstop\n")
    njoy["reconr"] = njoy_job(args.njoy, work, "reconr", (
        "reconr\n-21 -22\n"
        f"'genesis bench: {tape_name} 0 K'/\n"
        f"{mat} 0 0/\n"
        f"{TOLERANCE} 0. {TOLERANCE}/\n"   # err tempr errmax: strict mode
        "0/\nstop\n"))
    njoy["broadr"] = njoy_job(args.njoy, work, "broadr", (
        "broadr\n-21 -22 -23\n"
        f"{mat} 1 0 0 0./\n"
        f"{TOLERANCE} 0. {TOLERANCE}/\n"   # errthn thnmax(default) errmax
        f"{TEMPERATURE_K}/\n0/\nstop\n"))
    njoy_job(args.njoy, work, "ascii", "moder\n-22 32\nmoder\n-23 33\nstop\n")
    pendf = {0.0: read_pendf_mf3(work / "tape32", mat),
             TEMPERATURE_K: read_pendf_mf3(work / "tape33", mat)}

    ours = {
        0.0: our_run(args.genesis, work, file, mat, 0, work / "ours_0K.csv"),
        TEMPERATURE_K: our_run(args.genesis, work, file, mat, TEMPERATURE_K,
                               work / "ours_293.6K.csv"),
    }
    one_thread = our_run(args.genesis, work, file, mat, TEMPERATURE_K,
                         work / "ours_293.6K_1thread.csv", threads=1)
    urr = urr_bounds(args.genesis, file)

    comparison = {}
    for temperature, csv in ((0.0, "ours_0K.csv"), (TEMPERATURE_K, "ours_293.6K.csv")):
        our_e, our_values = read_csv(work / csv)
        for mt in MTS:
            if mt not in pendf[temperature] or mt not in our_values:
                continue
            ref_e, ref_v = pendf[temperature][mt]
            diffs = relative_differences(ref_e, ref_v, our_e, our_values[mt])
            outside = [d for d in diffs if urr is None or not (urr[0] <= d[0] <= urr[1])]
            comparison[f"{temperature}K/MT{mt}"] = {
                "all": stats(diffs), "outside_urr": stats(outside),
                "njoy_points": len(ref_e), "our_points": len(our_e)}
    return {"case": name, "file": tape_name, "mat": mat, "urr_ev": urr,
            "njoy": {k: {"wall": w, "cpu": c} for k, (w, c) in njoy.items()},
            "njoy_points": {str(t): len(p[1][0]) for t, p in pendf.items()},
            "ours": {str(k): v for k, v in ours.items()}, "ours_1thread": one_thread,
            "comparison": comparison}


def print_report(results):
    print("\n## Timing (s; NJOY: wall / CPU of the job; ours: stage wall time from the summary)\n")
    print("| case | stage | NJOY wall | NJOY CPU | NJOY points | ours (2 threads) "
          "| ours (1 thread) | our points | NJOY CPU / ours (2 thr) | NJOY CPU / ours (1 thr) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        n, o0, ot, o1 = r["njoy"], r["ours"]["0.0"], r["ours"][str(TEMPERATURE_K)], r["ours_1thread"]
        rows = [
            ("parse (MODER / read MF1-3)", n["moder"], None, o0["read_s"], o1["read_s"], None),
            ("RECONR / reconstruct 0 K", n["reconr"], r["njoy_points"]["0.0"],
             o0["reconstruct_s"], o1["reconstruct_s"], o0["points_0k"]),
            (f"BROADR / broaden {TEMPERATURE_K} K + thin", n["broadr"],
             r["njoy_points"][str(TEMPERATURE_K)], ot["broaden_s"], o1["broaden_s"], ot["points_t"]),
        ]
        for stage, nj, npts, ours2, ours1, opts in rows:
            print(f"| {r['file']} | {stage} | {nj['wall']:.2f} | {nj['cpu']:.2f} | "
                  f"{npts if npts is not None else '-'} | {ours2:.3f} | {ours1:.3f} | "
                  f"{opts if opts is not None else '-'} | "
                  f"{nj['cpu'] / max(ours2, 1e-3):.1f}x | {nj['cpu'] / max(ours1, 1e-3):.1f}x |")
    print("\n## NJOY grid points versus our interpolated values "
          "(relative difference; 'outside URR' leaves out the unresolved range)\n")
    print("| case | T (K) | MT | NJOY points | our points | max (at E, eV) | p99 | > 0.1 % "
          "| outside URR: max (at E, eV) | p99 | > 0.1 % |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        for key, c in r["comparison"].items():
            temperature, mt = key.split("K/MT")
            a, o = c["all"], c["outside_urr"]
            print(f"| {r['file']} | {float(temperature):g} | {mt} | {c['njoy_points']} | "
                  f"{c['our_points']} | {a['max']:.2e} ({a['max_at_ev']:.6g}) | {a['p99']:.2e} | "
                  f"{a['above_tolerance']} | {o['max']:.2e} ({o['max_at_ev']:.6g}) | "
                  f"{o['p99']:.2e} | {o['above_tolerance']} |")
    for r in results:
        print(f"\n{r['file']}: URR {r['urr_ev']} eV; our commands: "
              f"`genesis {r['ours']['0.0']['command']}`, "
              f"`genesis {r['ours'][str(TEMPERATURE_K)]['command']}`")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--njoy", required=True)
    parser.add_argument("--genesis", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("cases", nargs="*", help=f"some of {', '.join(CASES)} (default: all)")
    args = parser.parse_args()
    args.cases = args.cases or list(CASES)
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {list(CASES)}")
    results = [run_case(name, args) for name in args.cases]
    (Path(args.work) / "results.json").write_text(json.dumps(results, indent=1))
    print_report(results)


if __name__ == "__main__":
    main()
