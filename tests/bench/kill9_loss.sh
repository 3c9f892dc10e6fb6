#!/bin/sh
# What a kill -9 of `rigor run` loses: finished samples that were not yet
# committed. Runs the demo's two simulated models (configs/demo.toml,
# configs/sim_profiles.toml) against a simulator started here as its own
# process, kills rigor with SIGKILL after DELAY seconds, then stops the
# simulator, which reports how many streams it completed. Streams the
# simulator completed minus samples stored is an upper bound on the loss
# (it also counts a stream written to the socket that rigor had not read).
#
#   tests/bench/kill9_loss.sh build/tests/../rigor [DELAY_S] [REPEATS]
set -eu
RIGOR=$(realpath "$1")
DELAY=${2:-3}
REPEATS=${3:-3}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$SRC/configs/sim_profiles.toml" "$WORK/"
i=0
while [ "$i" -lt "$REPEATS" ]; do
  i=$((i + 1))
  rm -f "$WORK"/kill.db*
  "$RIGOR" sim --host 127.0.0.1 --port 0 --profiles "$WORK/sim_profiles.toml" >"$WORK/sim.out" 2>"$WORK/sim.err" &
  SIM=$!
  while ! grep -q listening "$WORK/sim.out" 2>/dev/null; do sleep 0.05; done
  PORT=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$WORK/sim.out")
  cat >"$WORK/kill.toml" <<TOML
[run]
seed = 20250120
n = 4
suites = ["aime24", "math500"]
db = "kill.db"

[[models]]
name = "r1-full"
engine = "openai"
base_url = "http://127.0.0.1:$PORT/v1"
model_id = "full"
concurrency = 48

[[models]]
name = "distill-7b"
engine = "openai"
base_url = "http://127.0.0.1:$PORT/v1"
model_id = "distill"
concurrency = 48
TOML
  (cd "$WORK" && exec "$RIGOR" run -c kill.toml >/dev/null 2>&1) &
  RUN=$!
  sleep "$DELAY"
  kill -9 "$RUN"
  wait "$RUN" 2>/dev/null || true
  kill -TERM "$SIM"
  wait "$SIM" 2>/dev/null || true
  COMPLETED=$(sed -n 's/.*(\([0-9]*\) completed.*/\1/p' "$WORK/sim.err")
  STORED=$(sqlite3 "$WORK/kill.db" "SELECT count(*) FROM samples WHERE status='ok'")
  echo "run $i: killed after ${DELAY}s: simulator completed $COMPLETED streams, $STORED samples stored, lost at most $((COMPLETED - STORED))"
done
