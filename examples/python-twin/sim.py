#!/usr/bin/env python3
"""A Genesis twin in plain Python: a damped oscillator's settling error.

Protocol (docs/twins.md): read one JSON object of inputs from stdin, print
one JSON object of numeric outputs as the last line of stdout. Anything else
printed before it (progress, logs) is ignored; stderr is kept for failures.
"""
import json
import math
import sys

inputs = json.load(sys.stdin)
damping = float(inputs["damping"])      # zeta, dimensionless
frequency = float(inputs["frequency"])  # natural frequency omega_n [rad/s]
horizon = float(inputs.get("horizon_s", 5.0))

# Underdamped step response overshoot and a simple energy cost.
if damping < 1.0:
    overshoot = math.exp(-damping * math.pi / math.sqrt(1.0 - damping**2))
else:
    overshoot = 0.0
settling = 4.0 / (damping * frequency)  # 2 % settling time [s]
energy = frequency**2 * 0.01
print(f"simulated {horizon} s", file=sys.stderr)
print("progress: done")
print(json.dumps({
    "error": overshoot + max(0.0, settling - horizon) + energy,
    "overshoot": overshoot,
    "settling_s": settling,
}))
