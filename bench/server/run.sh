#!/usr/bin/env bash
# Load test of `genesis serve` on loopback with wrk (apt install wrk):
# authenticated reads of a campaign's trials, and ask/tell round trips.
# Uses the release binary (cargo build --release -p genesis-cli). Not in CI.
# Env knobs: DURATION (10s), CONNECTIONS (64), THREADS (2).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
G="$ROOT/target/release/genesis"
DURATION="${DURATION:-10s}"; CONNECTIONS="${CONNECTIONS:-64}"; THREADS="${THREADS:-2}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
[ -x "$G" ] || { echo "build first: cargo build --release -p genesis-cli" >&2; exit 1; }

WS="$(mktemp -d)"; SERVER=; trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WS"' EXIT
export GENESIS_HOME="$WS"
echo "load-test-password" | "$G" user add loader --password-stdin >/dev/null
"$G" project grant default loader editor >/dev/null
# A finished 100-trial campaign to read, and a manual one for ask/tell.
sed -e 's/^budget = .*/budget = 100/' -e 's/^planner = .*/planner = "sobol"/' \
  "$ROOT/examples/branin.toml" > "$WS/read.toml"
"$G" run "$WS/read.toml" --json >/dev/null
cat > "$WS/lab.toml" <<'TOML'
name = "asktell"
twin = "manual"
budget = 60000
planner = "sobol"
[parameters]
x = { type = "float", low = 0.0, high = 1.0, unit = "1" }
[objectives.y]
goal = "maximize"
TOML
"$G" run "$WS/lab.toml" --json >/dev/null
READ=$("$G" list --json | python3 -c "import json,sys; print([c['id'] for c in json.load(sys.stdin) if c['name']=='branin-demo'][0])")
LAB=$("$G" list --json | python3 -c "import json,sys; print([c['id'] for c in json.load(sys.stdin) if c['name']=='asktell'][0])")

"$G" serve --bind 127.0.0.1:8690 > "$WS/serve.log" 2>&1 & SERVER=$!
sleep 1
SESSION=$(curl -s -X POST localhost:8690/api/v1/auth/login -H 'Content-Type: application/json' \
  -d '{"user": "loader", "password": "load-test-password"}' | python3 -c "import json,sys; print(json.load(sys.stdin)['token'])")
TOKEN=$(curl -s -X POST localhost:8690/api/v1/tokens -H "Authorization: Bearer $SESSION" \
  -H 'Content-Type: application/json' -d '{"project": "default", "role": "editor", "label": "wrk"}' \
  | python3 -c "import json,sys; print(json.load(sys.stdin)['token'])")

report() { # name, wrk output
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$2")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$2")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$2")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$2")
  printf "| %-44s | %10s | %8s | %8s | %6s |\n" "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
}
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $(nproc) cores, $(date -u +%F)"
echo "| request | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
OUT=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:8690/api/v1/campaigns/$READ/trials")
report "GET trials (100 trials, API token)" "$OUT"
OUT=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $SESSION" \
  "http://127.0.0.1:8690/api/v1/campaigns/$READ")
report "GET campaign (session)" "$OUT"
OUT=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:8690/api/v1/health")
report "GET health (no auth, baseline)" "$OUT"
OUT=$(CAMPAIGN=$LAB TOKEN=$TOKEN wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$HERE/asktell.lua" \
  -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:8690")
report "POST ask / POST tell, alternating" "$OUT"
echo
echo "ask/tell results recorded: $(curl -s -H "Authorization: Bearer $SESSION" localhost:8690/api/v1/campaigns/$LAB \
  | python3 -c "import json,sys; print(json.load(sys.stdin)['counts']['completed'])")"
