"""Runs the peer optimisers of the Genesis planner benchmark.

Every run of (tool, problem, seed) starts from the 10 points of bench/out/init.json for
that problem and seed (evaluated first, in order), then lets the tool choose the rest
up to the problem's budget.  One JSON line per run:
  {"tool", "problem", "seed", "best_so_far": [evals floats], "suggest_cpu_s": [evals-10 floats]}
suggest_cpu_s holds the CPU time (time.process_time, one thread) spent inside the tool
for each point the tool chose itself; the 10 initial points are not timed.
A run that fails writes the same line with an "error" field (and partial lists).

--timing: for hartmann6 and n in (50, 200, 500), feeds each tool n seeded random
observations and times ONE suggestion; lines {"tool", "n", "cpu_s", "rep", "note"}.
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[_v] = "1"
os.environ.setdefault("RUST_BACKTRACE", "0")

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

from problems import PROBLEMS, Problem, from_unit  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = ["random", "optuna-tpe", "optuna-gp", "botorch", "egobox"]
warnings.filterwarnings("ignore")
BOTORCH_MIXED = "relax"

_torch = None


def torch_mod():
    global _torch
    if _torch is None:
        import torch
        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
        _torch = torch
    return _torch


def cpu() -> float:
    return time.process_time()


# ---------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------
def is_continuous(p: Problem) -> bool:
    return all(s["kind"] == "float" for s in p.params)


def to_unit(p: Problem, x: dict) -> list:
    """Continuous problems only: domain -> [0,1]^d."""
    return [(x[s["name"]] - s["low"]) / (s["high"] - s["low"]) for s in p.params]


# ---------------------------------------------------------------------------
# Tools: each is an ask/tell object; tell() is called for the initial points too.
# ---------------------------------------------------------------------------
class RandomTool:
    name = "random"

    def __init__(self, p: Problem, seed: int):
        self.p = p
        self.rng = np.random.default_rng(seed)

    def tell(self, x, y):
        pass

    def ask(self) -> dict:
        return from_unit(self.p, self.rng.random(self.p.dim))


def optuna_distributions(p: Problem):
    import optuna.distributions as D
    out = {}
    for s in p.params:
        if s["kind"] == "float":
            out[s["name"]] = D.FloatDistribution(s["low"], s["high"])
        elif s["kind"] == "int":
            out[s["name"]] = D.IntDistribution(s["low"], s["high"])
        else:
            out[s["name"]] = D.CategoricalDistribution(list(s["values"]))
    return out


class OptunaTool:
    def __init__(self, p: Problem, seed: int, kind: str, init_points=()):
        import optuna
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        self.p = p
        self.name = f"optuna-{kind}"
        sampler = (optuna.samplers.TPESampler(seed=seed) if kind == "tpe"
                   else optuna.samplers.GPSampler(seed=seed))
        self.study = optuna.create_study(direction="minimize", sampler=sampler)
        self.dists = optuna_distributions(p)
        for x in init_points:
            self.study.enqueue_trial(dict(x))
        self.trial = None

    def ask(self) -> dict:
        self.trial = self.study.ask(self.dists)
        return dict(self.trial.params)

    def tell(self, x, y):
        # initial points: the enqueued trial is asked here, so ask() is not timed for it
        if self.trial is None:
            self.trial = self.study.ask(self.dists)
            got = self.trial.params
            assert all(got[k] == x[k] or (isinstance(x[k], float) and math.isclose(got[k], x[k]))
                       for k in x), (got, x)
        self.study.tell(self.trial, y)
        self.trial = None

    def add_observations(self, xs, ys):
        import optuna
        self.study.add_trials([
            optuna.trial.create_trial(params=dict(x), distributions=self.dists, value=float(y))
            for x, y in zip(xs, ys)])


class BotorchTool:
    """SingleTaskGP (defaults, i.e. Standardize outcome transform) + LogEI on [0,1]^d.

    Mixed problems: x1, x2 as is, the integer as (n-low)/(high-low), the categorical as
    one-hot.  mixed_mode "relax" (default, --botorch-mixed relax): optimize_acqf over the
    continuous relaxation, each restart's optimum rounded (integer to its grid, one-hot to
    its argmax), the best rounded point by LogEI kept.  mixed_mode "enumerate":
    optimize_acqf_mixed over all fixed (integer, category) combinations (11 x 4 = 44 for
    `mixed`; ~2 s CPU per suggestion, ~50x the relaxation).
    """
    name = "botorch"

    def __init__(self, p: Problem, seed: int, mixed_mode: str = "relax"):
        torch = torch_mod()
        self.relaxed = (not is_continuous(p)) and mixed_mode == "relax"
        torch.manual_seed(seed)
        self.p = p
        self.X, self.Y = [], []
        self.cols = []  # (spec, first column, width)
        c = 0
        for s in p.params:
            w = len(s["values"]) if s["kind"] == "categorical" else 1
            self.cols.append((s, c, w))
            c += w
        self.D = c
        self.fixed = None
        if not is_continuous(p):
            combos = [{}]
            for s, c0, w in self.cols:
                if s["kind"] == "int":
                    span = s["high"] - s["low"]
                    combos = [{**d, c0: (v - s["low"]) / span} for d in combos
                              for v in range(s["low"], s["high"] + 1)]
                elif s["kind"] == "categorical":
                    combos = [{**d, **{c0 + j: float(j == k) for j in range(w)}}
                              for d in combos for k in range(w)]
            self.fixed = combos

    def encode(self, x):
        z = [0.0] * self.D
        for s, c0, w in self.cols:
            v = x[s["name"]]
            if s["kind"] == "float":
                z[c0] = (v - s["low"]) / (s["high"] - s["low"])
            elif s["kind"] == "int":
                z[c0] = (v - s["low"]) / (s["high"] - s["low"])
            else:
                z[c0 + s["values"].index(v)] = 1.0
        return z

    def decode(self, z):
        x = {}
        for s, c0, w in self.cols:
            if s["kind"] == "float":
                u = min(1.0, max(0.0, float(z[c0])))
                x[s["name"]] = s["low"] + u * (s["high"] - s["low"])
            elif s["kind"] == "int":
                v = round(float(z[c0]) * (s["high"] - s["low"])) + s["low"]
                x[s["name"]] = int(min(s["high"], max(s["low"], v)))
            else:
                x[s["name"]] = s["values"][int(np.argmax([float(t) for t in z[c0:c0 + w]]))]
        return x

    def tell(self, x, y):
        self.X.append(self.encode(x))
        self.Y.append(-float(y))  # BoTorch maximises

    def ask(self) -> dict:
        torch = torch_mod()
        from botorch.acquisition import LogExpectedImprovement
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import SingleTaskGP
        from botorch.optim import optimize_acqf, optimize_acqf_mixed
        from gpytorch.mlls import ExactMarginalLogLikelihood
        tX = torch.tensor(self.X, dtype=torch.double)
        tY = torch.tensor(self.Y, dtype=torch.double).unsqueeze(-1)
        model = SingleTaskGP(tX, tY)
        fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
        acq = LogExpectedImprovement(model, best_f=tY.max())
        bounds = torch.stack([torch.zeros(self.D, dtype=torch.double),
                              torch.ones(self.D, dtype=torch.double)])
        if not self.relaxed:
            if self.fixed is None:
                cand, _ = optimize_acqf(acq, bounds=bounds, q=1, num_restarts=10, raw_samples=512)
            else:
                cand, _ = optimize_acqf_mixed(acq, bounds=bounds, q=1, num_restarts=10,
                                              raw_samples=512, fixed_features_list=self.fixed)
            return self.decode(cand[0].tolist())
        # continuous relaxation: optimise over the cube, round every restart's optimum
        # (integer to its grid, one-hot to its argmax), keep the best rounded point.
        cands, _ = optimize_acqf(acq, bounds=bounds, q=1, num_restarts=10, raw_samples=512,
                                 return_best_only=False)
        xs = [self.decode(c.reshape(-1).tolist()) for c in cands]
        with torch.no_grad():
            vals = acq(torch.tensor([[self.encode(x)] for x in xs], dtype=torch.double))
        return xs[int(torch.argmax(vals))]


def egobox_xspecs(p: Problem):
    import egobox as eg
    out = []
    for s in p.params:
        if s["kind"] == "float":
            out.append(eg.XSpec(eg.XType.FLOAT, [s["low"], s["high"]]))
        elif s["kind"] == "int":
            out.append(eg.XSpec(eg.XType.INT, [s["low"], s["high"]]))
        else:
            out.append(eg.XSpec(eg.XType.ENUM, tags=list(s["values"])))
    return out


def egobox_encode(p: Problem, x: dict):
    return [float(s["values"].index(x[s["name"]])) if s["kind"] == "categorical"
            else float(x[s["name"]]) for s in p.params]


def egobox_decode(p: Problem, row):
    x = {}
    for s, v in zip(p.params, row):
        v = float(v)
        if s["kind"] == "float":
            x[s["name"]] = min(s["high"], max(s["low"], v))
        elif s["kind"] == "int":
            x[s["name"]] = int(min(s["high"], max(s["low"], round(v))))
        else:
            x[s["name"]] = s["values"][int(min(len(s["values"]) - 1, max(0, round(v))))]
    return x


# ---------------------------------------------------------------------------
# One run
# ---------------------------------------------------------------------------
class Recorder:
    def __init__(self, p: Problem):
        self.p = p
        self.best = math.inf
        self.best_so_far = []
        self.suggest_cpu_s = []

    def evaluate(self, x) -> float:
        y = self.p(x)
        self.best = min(self.best, y)
        self.best_so_far.append(self.best)
        return y


def run_ask_tell(tool, p: Problem, init_points, rec: Recorder):
    for x in init_points:
        tool.tell(x, rec.evaluate(x))
    while len(rec.best_so_far) < p.evals:
        t0 = cpu()
        x = tool.ask()
        rec.suggest_cpu_s.append(cpu() - t0)
        tool.tell(x, rec.evaluate(x))


def run_egobox(p: Problem, seed: int, init_points, rec: Recorder):
    """Continuous problems: Egor.minimize with the initial points as its DOE (x_doe);
    CPU time between two calls of the objective is the tool's suggestion time.
    Mixed problems: egobox 1.0.0 panics in minimize() when an ENUM variable is combined
    with a user DOE, so an ask/tell loop over Egor.suggest(x_doe, y_doe) is used."""
    import egobox as eg
    xspecs = egobox_xspecs(p)
    X0 = np.array([egobox_encode(p, x) for x in init_points], dtype=float)
    if not is_continuous(p):
        X, Y = X0.copy(), np.array([[rec.evaluate(x)] for x in init_points])
        egor = eg.Egor(xspecs, seed=seed)
        while len(rec.best_so_far) < p.evals:
            t0 = cpu()
            xn = egor.suggest(X, Y, seed=seed * 1000 + len(X))
            rec.suggest_cpu_s.append(cpu() - t0)
            row = np.asarray(xn, dtype=float).reshape(-1, X.shape[1])[0]
            x = egobox_decode(p, row)
            X = np.vstack([X, egobox_encode(p, x)])
            Y = np.vstack([Y, [[rec.evaluate(x)]]])
        return
    state = {"t_out": None, "first": True}

    def fun(Xb):
        t_in = cpu()
        Xb = np.atleast_2d(np.asarray(Xb, dtype=float))
        if state["first"]:
            state["first"] = False
            assert np.allclose(Xb, X0), "egobox did not evaluate the DOE first, in order"
        elif state["t_out"] is not None:
            rec.suggest_cpu_s.append(t_in - state["t_out"])
        ys = []
        for row in Xb:
            if len(rec.best_so_far) >= p.evals:  # never exceed the budget
                ys.append(rec.best)
                continue
            ys.append(rec.evaluate(egobox_decode(p, row)))
        state["t_out"] = cpu()
        return np.array(ys, dtype=float).reshape(-1, 1)

    egor = eg.Egor(xspecs, x_doe=X0, seed=seed)
    egor.minimize(fun, max_iters=p.evals - len(init_points))


def run_one(tool: str, p: Problem, seed: int, init_points) -> dict:
    rec = Recorder(p)
    out = {"tool": tool, "problem": p.name, "seed": seed}
    t0 = time.time()
    try:
        if tool == "egobox":
            run_egobox(p, seed, init_points, rec)
        else:
            if tool == "random":
                t = RandomTool(p, seed)
            elif tool in ("optuna-tpe", "optuna-gp"):
                t = OptunaTool(p, seed, tool.split("-")[1], init_points)
            elif tool == "botorch":
                t = BotorchTool(p, seed, BOTORCH_MIXED)
            else:
                raise ValueError(f"unknown tool {tool}")
            run_ask_tell(t, p, init_points, rec)
        if len(rec.best_so_far) < p.evals:
            out["ended_early_at"] = len(rec.best_so_far)
            rec.best_so_far += [rec.best] * (p.evals - len(rec.best_so_far))
    except BaseException as e:  # pyo3 PanicException derives from BaseException
        if isinstance(e, KeyboardInterrupt):
            raise
        out["error"] = f"{type(e).__name__}: {e}"[:500]
        out["traceback"] = traceback.format_exc()[-2000:]
    if tool == "botorch" and not is_continuous(p):
        out["botorch_mixed"] = BOTORCH_MIXED
    if tool == "egobox":
        out["egobox_loop"] = "minimize" if is_continuous(p) else "suggest"
    out["best_so_far"] = rec.best_so_far
    out["suggest_cpu_s"] = rec.suggest_cpu_s
    out["wall_s"] = round(time.time() - t0, 3)
    return out


# ---------------------------------------------------------------------------
# Timing mode
# ---------------------------------------------------------------------------
def timing_one(tool: str, n: int, rep: int) -> dict:
    p = PROBLEMS["hartmann6"]
    rng = np.random.default_rng(1000 + 17 * n + rep)
    xs = [from_unit(p, rng.random(p.dim)) for _ in range(n)]
    ys = [p(x) for x in xs]
    out = {"tool": tool, "n": n, "rep": rep}
    try:
        if tool == "random":
            t = RandomTool(p, rep)
            t0 = cpu(); t.ask(); dt = cpu() - t0
            out["note"] = "uniform draw"
        elif tool in ("optuna-tpe", "optuna-gp"):
            t = OptunaTool(p, rep, tool.split("-")[1])
            t.add_observations(xs, ys)
            t0 = cpu(); t.ask(); dt = cpu() - t0
            out["note"] = "observations via study.add_trials(create_trial); timed study.ask()"
        elif tool == "botorch":
            t = BotorchTool(p, rep)
            for x, y in zip(xs, ys):
                t.tell(x, y)
            t0 = cpu(); t.ask(); dt = cpu() - t0
            out["note"] = "GP fit + optimize_acqf"
        elif tool == "egobox":
            import egobox as eg
            egor = eg.Egor(egobox_xspecs(p), seed=rep)
            X = np.array([egobox_encode(p, x) for x in xs])
            Y = np.array(ys).reshape(-1, 1)
            t0 = cpu(); egor.suggest(X, Y); dt = cpu() - t0
            out["note"] = "Egor.suggest(x_doe, y_doe): GP fit + infill optimisation"
        else:
            raise ValueError(tool)
        out["cpu_s"] = dt
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt):
            raise
        out["error"] = f"{type(e).__name__}: {e}"[:500]
    return out


# ---------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--init", default=os.path.join(HERE, "out", "init.json"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--skip", default="",
                    help="comma list of tool:problem pairs not to run (e.g. botorch:ackley20)")
    ap.add_argument("--resume", action="store_true",
                    help="skip (tool, problem, seed) runs already in --out without error")
    ap.add_argument("--botorch-mixed", choices=["relax", "enumerate"], default="relax")
    ap.add_argument("--timing", action="store_true")
    ap.add_argument("--timing-n", default="50,200,500")
    ap.add_argument("--timing-reps", type=int, default=1)
    args = ap.parse_args()
    global BOTORCH_MIXED
    BOTORCH_MIXED = args.botorch_mixed
    torch_mod()
    tools = [t for t in args.tools.split(",") if t]
    logging.basicConfig(level=logging.WARNING)

    def warm_up(tool):
        """One discarded suggestion, so first-call costs (imports, lazy init) are not timed."""
        r = timing_one(tool, 20, 999)
        if r.get("error"):
            print(f"warm-up {tool}: {r['error']}", flush=True)

    if args.timing:
        path = args.out or os.path.join(HERE, "out", "peers-timing.jsonl")
        with open(path, "a") as fh:
            for n in [int(v) for v in args.timing_n.split(",")]:
                for tool in tools:
                    warm_up(tool)
                    for rep in range(args.timing_reps):
                        r = timing_one(tool, n, rep)
                        fh.write(json.dumps(r) + "\n"); fh.flush()
                        print(f"timing {tool:11s} n={n:4d} rep={rep} "
                              f"cpu={r.get('cpu_s', float('nan')):.3f}s {r.get('error', '')}",
                              flush=True)
        return

    path = args.out or os.path.join(HERE, "out", "peers.jsonl")
    with open(args.init) as fh:
        init = json.load(fh)
    skip = {tuple(s.split(":")) for s in args.skip.split(",") if s}
    done = set()
    if args.resume and os.path.exists(path):
        with open(path) as fh:
            for line in fh:
                r = json.loads(line)
                if "error" not in r:
                    done.add((r["tool"], r["problem"], r["seed"]))
    problems = [q for q in args.problems.split(",") if q]
    with open(path, "a") as fh:
        for tool in tools:
            warm_up(tool)
            for pname in problems:
                if (tool, pname) in skip:
                    print(f"skip {tool} {pname}", flush=True)
                    continue
                p = PROBLEMS[pname]
                seeds = init["problems"][pname]["seeds"]
                for seed in range(args.seeds):
                    if (tool, pname, seed) in done:
                        continue
                    r = run_one(tool, p, seed, seeds[str(seed)])
                    fh.write(json.dumps(r) + "\n"); fh.flush()
                    med = float(np.median(r["suggest_cpu_s"])) if r["suggest_cpu_s"] else float("nan")
                    regret = (r["best_so_far"][-1] - p.f_star) if r["best_so_far"] else float("nan")
                    print(f"{time.strftime('%H:%M:%S')} {tool:11s} {pname:10s} seed={seed:2d} "
                          f"regret={regret:.4g} med_cpu={med:.3f}s wall={r['wall_s']:.1f}s "
                          f"{r.get('error', '')}", flush=True)


if __name__ == "__main__":
    main()
