"""Benchmark problems (minimisation) shared by the Genesis planner and its peers.

Each problem has a name, a parameter spec, f(dict) -> float, the known optimum
f_star and an evaluation budget.  Parameter spec entries are dicts:
  {"name": str, "kind": "float", "low": float, "high": float}
  {"name": str, "kind": "int", "low": int, "high": int}        (inclusive)
  {"name": str, "kind": "categorical", "values": [str, ...]}
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Dict, List

import numpy as np


@dataclass
class Problem:
    name: str
    params: List[dict]
    f: Callable[[dict], float]
    f_star: float
    evals: int = 60
    checkpoints: List[int] = field(default_factory=lambda: [10, 20, 40, 60])

    @property
    def dim(self) -> int:
        return len(self.params)

    def __call__(self, x: dict) -> float:
        return float(self.f(x))


def _fl(name, low, high):
    return {"name": name, "kind": "float", "low": float(low), "high": float(high)}


# --- Branin ---------------------------------------------------------------
def branin(x: dict) -> float:
    x1, x2 = x["x1"], x["x2"]
    a, b, c = 1.0, 5.1 / (4 * math.pi**2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    return a * (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


# --- Hartmann 6 -----------------------------------------------------------
_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array([
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
], dtype=float)
_H6_P = 1e-4 * np.array([
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
], dtype=float)


def hartmann6(x: dict) -> float:
    v = np.array([x[f"x{i + 1}"] for i in range(6)], dtype=float)
    inner = np.sum(_H6_A * (v - _H6_P) ** 2, axis=1)
    return float(-np.sum(_H6_ALPHA * np.exp(-inner)))


# --- Ackley ---------------------------------------------------------------
def _ackley(d: int):
    def f(x: dict) -> float:
        v = np.array([x[f"x{i + 1}"] for i in range(d)], dtype=float)
        a, b, c = 20.0, 0.2, 2 * math.pi
        t1 = -a * math.exp(-b * math.sqrt(np.mean(v**2)))
        t2 = -math.exp(np.mean(np.cos(c * v)))
        return t1 + t2 + a + math.e
    return f


# --- Mixed ----------------------------------------------------------------
_MIXED_CAT = {"a": 1.0, "b": 0.5, "c": 0.0, "d": 0.8}


def mixed(x: dict) -> float:
    return ((x["x1"] - 0.3) ** 2 + (x["x2"] - 0.7) ** 2
            + 0.05 * (int(x["n"]) - 7) ** 2 + _MIXED_CAT[x["c"]])


PROBLEMS: Dict[str, Problem] = {
    "branin": Problem("branin", [_fl("x1", -5, 10), _fl("x2", 0, 15)], branin, 0.397887),
    "hartmann6": Problem("hartmann6", [_fl(f"x{i + 1}", 0, 1) for i in range(6)],
                         hartmann6, -3.32237),
    "ackley10": Problem("ackley10", [_fl(f"x{i + 1}", -5, 10) for i in range(10)],
                        _ackley(10), 0.0),
    "ackley20": Problem("ackley20", [_fl(f"x{i + 1}", -5, 10) for i in range(20)],
                        _ackley(20), 0.0, evals=200,
                        checkpoints=[10, 20, 40, 60, 200]),
    "mixed": Problem("mixed", [
        _fl("x1", 0, 1), _fl("x2", 0, 1),
        {"name": "n", "kind": "int", "low": 0, "high": 10},
        {"name": "c", "kind": "categorical", "values": ["a", "b", "c", "d"]},
    ], mixed, 0.0),
}


def from_unit(p: Problem, u) -> dict:
    """Map a point of [0,1)^d to the domain (same rule as init.py)."""
    out = {}
    for spec, ui in zip(p.params, u):
        ui = float(ui)
        if spec["kind"] == "float":
            out[spec["name"]] = spec["low"] + ui * (spec["high"] - spec["low"])
        elif spec["kind"] == "int":
            lo, hi = spec["low"], spec["high"]
            out[spec["name"]] = int(min(hi, max(lo, math.floor(ui * (hi - lo + 1) + lo))))
        else:
            k = len(spec["values"])
            out[spec["name"]] = spec["values"][min(k - 1, max(0, math.floor(ui * k)))]
    return out


if __name__ == "__main__":  # self-check at the known optima
    print("branin", branin({"x1": math.pi, "x2": 2.275}))
    xs = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]
    print("hartmann6", hartmann6({f"x{i + 1}": v for i, v in enumerate(xs)}))
    print("ackley10", _ackley(10)({f"x{i + 1}": 0.0 for i in range(10)}))
    print("mixed", mixed({"x1": 0.3, "x2": 0.7, "n": 7, "c": "c"}))
