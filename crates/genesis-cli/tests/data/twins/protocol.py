#!/usr/bin/env python3
"""A twin that misbehaves on request, one way per `mode` input.

Used by tests/protocol.rs to check that every way a program can break the
JSON protocol becomes a failed trial with a useful reason.
"""
import json
import sys
import time

inputs = json.load(sys.stdin)
mode = inputs["mode"]
x = float(inputs["x"])
print(f"mode {mode}", file=sys.stderr)
if mode == "ok":
    print(json.dumps({"f": x * x}))
elif mode == "exit3":
    print("boom from stderr", file=sys.stderr)
    sys.exit(3)
elif mode == "sleep":
    time.sleep(60)
elif mode == "nojson":
    print("the answer is 42")
elif mode == "empty":
    pass
elif mode == "notobject":
    print("[1, 2, 3]")
elif mode == "string":
    print(json.dumps({"f": "high"}))
elif mode == "nan":
    print(json.dumps({"f": float("nan")}))
elif mode == "inf":
    print(json.dumps({"f": float("inf")}))
elif mode == "missing":
    print(json.dumps({"g": 1.0}))
elif mode == "crash":
    raise RuntimeError("simulated solver divergence")
else:
    sys.exit(f"unknown mode {mode}")
