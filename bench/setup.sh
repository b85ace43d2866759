#!/usr/bin/env bash
# Creates bench/.venv with the peer tools of the Genesis planner benchmark.
# Only PyPI is reachable, so torch comes from PyPI (the CUDA-enabled wheel, ~2.8 GB).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${PYTHON:-python3}"
if [ ! -x "$HERE/.venv/bin/python" ]; then
  "$PY" -m venv "$HERE/.venv"
fi
VPY="$HERE/.venv/bin/python"
"$VPY" -m pip install --upgrade pip wheel
"$VPY" -m pip install numpy scipy torch optuna botorch egobox
"$VPY" - <<'PYEOF'
import importlib, sys
print("python", sys.version.split()[0])
for m in ["numpy", "scipy", "torch", "gpytorch", "botorch", "optuna", "egobox"]:
    try:
        mod = importlib.import_module(m)
        print(m, getattr(mod, "__version__", "?"))
    except Exception as e:  # report, do not fail
        print(m, "IMPORT FAILED:", e)
PYEOF
