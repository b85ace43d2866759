#!/usr/bin/env bash
# Side-by-side with NJOY2016.78 (the PyPI `njoy` wheel): MODER, RECONR and
# BROADR on JENDL-3.3 U-235 and U-238 at tolerance 0.001 (strict mode,
# err = errmax = 0.001), against `genesis endf xs` at 0 K and 293.6 K; then
# every NJOY grid point is compared with our lin-lin interpolated value.
# Prints the tables recorded in docs/benchmarks.md. Not in CI (minutes).
#
# Usage: bench/njoy/run.sh [U235|U238 ...]     (default: both)
# Env: NJOY_VENV (target/njoyenv), WORK (target/njoy-bench), SKIP_BUILD=1.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${NJOY_VENV:-$ROOT/target/njoyenv}"
WORK="${WORK:-$ROOT/target/njoy-bench}"
DATA="$ROOT/../shared/data/endf"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
# The wheel is a static Linux build of NJOY2016.78: the executable is
# site-packages/njoy/bin/njoy (the `njoy` console script only wraps it,
# taking an input-deck path instead of stdin). `njoy` is a namespace
# package (no __init__.py), hence __path__.
if ! "$VENV/bin/python" -c 'import njoy' 2>/dev/null; then
  "$VENV/bin/pip" install --quiet 'njoy==2016.78'
fi
NJOY="$("$VENV/bin/python" -c 'import njoy, pathlib; print(pathlib.Path(list(njoy.__path__)[0]) / "bin" / "njoy")')"

if [ -z "${SKIP_BUILD:-}" ]; then
  (cd "$ROOT" && flock /tmp/genesis-cargo.lock cargo build --release -p genesis-cli)
fi

mkdir -p "$WORK"
exec "$VENV/bin/python" "$HERE/compare.py" \
  --njoy "$NJOY" --genesis "$ROOT/target/release/genesis" \
  --data "$DATA" --work "$WORK" "$@"
