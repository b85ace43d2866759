#!/usr/bin/env bash
# Fuzzes the ENDF reader for a few minutes (not part of CI): mutants of the
# small real evaluations, every material decoded; stops at the first panic
# and saves the input. New outcomes are kept in bench/fuzz/corpus (in git),
# which later runs start from. Env: SECONDS_TO_RUN (180), SEED (1).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DATA="$ROOT/../shared/data/endf"
cd "$ROOT"
cargo build --release -q -p genesis-endf --example fuzz_reader
"$ROOT/target/release/examples/fuzz_reader" "${SECONDS_TO_RUN:-180}" "$HERE/corpus" "${SEED:-1}" \
  "$DATA/SLBWExampleFull_testFile.endf" "$DATA/SLBWExample1SRes_testFile.endf" \
  "$DATA/MLBWExample1PRes_testFile.endf" "$DATA/n-050_Sn_119-ENDF8.0.endf" \
  "$ROOT/crates/genesis-endf/tests/data/pm148m_slbw_1res.endf"
