#!/bin/sh
# How often `rigor verify --claims DeepSeek-R1` calls each simulated endpoint
# of configs/verify_demo.toml inconsistent, over seeded repetitions, and what
# a verify costs: the median requests, tokens and simulated dollars (at the
# demo's illustrative $0.55 / $2.19 per million tokens). The genuine profile's
# inconsistent rate is the false-accusation rate (must be <= alpha); the
# distill's is the detection rate. With REFERENCE=1 in the environment, a run
# of the genuine profile (aime24, n = 8, or REFERENCE_N) is made first and every verify
# compares with it (--reference) instead of the card; with REFERENCE=live,
# every verify compares with the demo's live trusted endpoint r1-official
# (--reference r1-official: the genuine profile on a simulator of its own
# seed), and the requests, tokens and dollars include the reference's. The
# "95% CI" column is the exact (Clopper-Pearson) interval of the inconsistent rate;
# under each endpoint called inconsistent, how many runs each test caught it
# in (the first test that said inconsistent).
#
#   [REFERENCE=1 [REFERENCE_N=16]|REFERENCE=live] tests/bench/verify_bench.sh build/rigor [REPEATS] [ALPHA] [MODELS...]
set -eu
REPEATS=${2:-200}
ALPHA=${3:-0.01}
BIN=$1
shift $(($# < 3 ? $# : 3))
MODELS=${*:-sold-as-r1-genuine sold-as-r1-distill sold-as-r1-router sold-as-r1-quantized}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$SRC/configs/verify_demo.toml" "$SRC/configs/sim_profiles.toml" "$WORK/"
# A copy, so that a rebuild during the run does not swap the binary under it.
cp "$BIN" "$WORK/rigor"
RIGOR="$WORK/rigor"
EXTRA=""
if [ "${REFERENCE:-0}" = 1 ]; then
  cat >"$WORK/ref.toml" <<TOML
[run]
id = "official"
seed = 5
n = ${REFERENCE_N:-8}
suites = ["aime24"]

[[models]]
name = "r1-official"
engine = "sim"
model_id = "full"
sim_profiles = "$WORK/sim_profiles.toml"
concurrency = 32
TOML
  "$RIGOR" run -q -c "$WORK/ref.toml" --db "$WORK/v.db" >/dev/null
  EXTRA="--reference official"
elif [ "${REFERENCE:-0}" = live ]; then
  EXTRA="--reference r1-official"
fi
printf '%-22s %5s %12s %15s %10s %10s %9s %8s %9s\n' endpoint runs inconsistent "(95% CI)" consistent undecided \
  requests tokens dollars
for m in $MODELS; do
  : >"$WORK/$m.tsv"
  seed=1
  while [ "$seed" -le "$REPEATS" ]; do
    rc=0
    "$RIGOR" verify -q -c "$WORK/verify_demo.toml" --db "$WORK/v.db" --model "$m" --claims DeepSeek-R1 \
      --alpha "$ALPHA" --seed "$seed" $EXTRA --format json >"$WORK/out.json" 2>"$WORK/err" || rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 3 ]; then
      echo "verify failed (exit $rc) for $m seed $seed:" >&2
      cat "$WORK/err" >&2
      exit 1
    fi
    python3 - "$WORK/out.json" >>"$WORK/$m.tsv" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
s = o["spent"]
# Which test called it inconsistent (the first that did), for the breakdown.
caught = next((t["test"] for t in o["tests"] if t["verdict"] == "inconsistent"), "-")
print(o["verdict"], s["requests"], s["tokens"], s["cost_usd"], caught, sep="\t")
PY
    seed=$((seed + 1))
  done
  python3 - "$WORK/$m.tsv" "$m" <<'PY'
import math, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
n = len(rows)
count = lambda v: sum(r[0] == v for r in rows)
share = lambda v: 100.0 * count(v) / n
med = lambda i: statistics.median(float(r[i]) for r in rows)

def cdf(k, p):  # P(Binomial(n, p) <= k)
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))

def solve(f):  # the p in [0, 1] where the decreasing f(p) crosses 0.025
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > 0.025 else (lo, mid)
    return (lo + hi) / 2

k = count("inconsistent")
# Clopper-Pearson: P(X <= k; high) = 0.025 and P(X >= k; low) = 0.025, the
# latter as P(n - X <= n - k; 1 - low).
high = 1.0 if k == n else solve(lambda p: cdf(k, p))
low = 0.0 if k == 0 else 1 - solve(lambda q: cdf(n - k, q))
ci = f"[{100 * low:.1f}, {100 * high:.1f}]"
print(f"{sys.argv[2]:<22} {n:5d} {share('inconsistent'):11.1f}% {ci:>15} {share('consistent'):9.1f}% "
      f"{share('undecided'):9.1f}% {med(1):9.0f} {med(2):8.0f} {med(3):9.4f}")
by = {}
for r in rows:
    if r[0] == "inconsistent":
        by[r[4]] = by.get(r[4], 0) + 1
if by:
    print("  caught by: " + ", ".join(f"{t} {c}" for t, c in sorted(by.items(), key=lambda x: -x[1])))
PY
done
