"""Writes bench/out/init.json: 10 scrambled-Sobol initial points per problem and seed."""
from __future__ import annotations

import argparse
import json
import os
import warnings

from scipy.stats import qmc

from problems import PROBLEMS, from_unit

HERE = os.path.dirname(os.path.abspath(__file__))
N_INIT = 10


def initial_points(problem, seed: int, n: int = N_INIT):
    with warnings.catch_warnings():  # n=10 is not a power of 2; that is intended
        warnings.simplefilter("ignore")
        u = qmc.Sobol(problem.dim, scramble=True, seed=seed).random(n)
    return [from_unit(problem, row) for row in u]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--out", default=os.path.join(HERE, "out", "init.json"))
    args = ap.parse_args()
    doc = {"n_init": N_INIT, "problems": {}}
    for name, p in PROBLEMS.items():
        doc["problems"][name] = {
            "params": p.params,
            "f_star": p.f_star,
            "evals": p.evals,
            "checkpoints": p.checkpoints,
            "seeds": {str(s): initial_points(p, s) for s in range(args.seeds)},
        }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(doc, fh, indent=1)
    print(f"wrote {args.out}: {len(doc['problems'])} problems x {args.seeds} seeds x {N_INIT} points")


if __name__ == "__main__":
    main()
