#!/usr/bin/env bash
# make bench: the simulator's own speed on stated workloads (docs/performance.md). For each workload:
# whole `elsa-sim run` processes with quality metrics (timed by /usr/bin/time), the timed and the
# functional pass inside `elsa-sim bench`, and a NumPy float32 exact-attention pass over the same trace
# (scripts/exact_attention_bench.py, with the venv `make traces` builds; skipped when it is absent).
# Writes .build/bench/<workload>.{json,csv}, bench.json and bench.csv. Public tools only: bash,
# /usr/bin/time (else bash's `time`: no peak memory), python.
#   BENCH_REPEAT=N     runs per pass on the large workloads (default 3; the small ones use 2N - 1)
#   BENCH_PYTHON=PATH  the Python with NumPy (default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/elsa-sim
WORK=.build/bench
REPEAT=${BENCH_REPEAT:-3}
SMALL_REPEAT=$((2 * REPEAT - 1))
PY=${BENCH_PYTHON:-.venv/bin/python}
PY=$(command -v "$PY" || true)
mkdir -p "$WORK"
rm -f "$WORK"/*.times "$WORK"/*.exact.json

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "simulator: $($BIN --version); $(swift --version 2>/dev/null | head -1 || true)"
HAVE_NUMPY=0
if [ -x "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null; then
  HAVE_NUMPY=1
  echo "numpy: $("$PY" -c 'import numpy; print(numpy.__version__)') ($PY)"
else
  echo "numpy exact attention: skipped (${BENCH_PYTHON:-.venv/bin/python} with numpy not found; 'make traces' builds it)"
fi
HAVE_TIME=0
if [ -x /usr/bin/time ]; then HAVE_TIME=1; else echo "note: /usr/bin/time not found; whole runs timed by bash's time (no peak memory)"; fi

if [ ! -f "$WORK/bert-large/trace.json" ]; then
  echo "generating the BERT-large-shaped synthetic trace (24 layers x 16 heads, n = 512, d = 64, seed 1)..."
  $BIN trace synth --layers 24 --heads 16 --n 512 --head-dim 64 --seed 1 -o "$WORK/bert-large" >/dev/null
fi
if [ ! -f "$WORK/causal-4096/trace.json" ]; then
  echo "generating the causal n = 4096 synthetic trace (1 layer x 9 query heads, 3 key/value heads, d = 64, seed 4096)..."
  $BIN trace synth --layers 1 --heads 9 --kv-heads 3 --n 4096 --head-dim 64 --seed 4096 --causal --no-out \
    -o "$WORK/causal-4096" >/dev/null
fi

# workload NAME REPEAT TRACE CONFIG [run/bench options...]
workload() {
  local name=$1 repeat=$2 trace=$3 config=$4
  shift 4
  local times="$WORK/$name.times" exact=()
  : > "$times"
  for _ in $(seq "$repeat"); do
    if [ $HAVE_TIME = 1 ]; then
      # Wall time from bash's `time` (milliseconds; it includes /usr/bin/time's own start, well under a
      # millisecond): /usr/bin/time prints elapsed time truncated to 10 ms, which would turn 39 ms into
      # 0.03 s. CPU (10 ms resolution) and peak memory from /usr/bin/time.
      local TIMEFORMAT='%3R' wall
      wall=$( { time /usr/bin/time -o "$WORK/$name.one" -f '%U %S %M' $BIN run --config "$config" --trace "$trace" "$@" \
                >/dev/null 2>"$WORK/$name.run.err"; } 2>&1 )
      echo "$wall $(cat "$WORK/$name.one")" >> "$times"
    else
      # bash's own `time`: wall, user and system seconds of the child; peak memory unknown (0)
      local TIMEFORMAT='%R %U %S 0'
      { time $BIN run --config "$config" --trace "$trace" "$@" >/dev/null 2>"$WORK/$name.run.err"; } 2>>"$times"
    fi
  done
  if [ $HAVE_NUMPY = 1 ]; then
    "$PY" scripts/exact_attention_bench.py "$trace" --repeat "$repeat" --json "$WORK/$name.exact.json" >/dev/null
    exact=(--exact "$WORK/$name.exact.json")
  fi
  echo
  $BIN bench --workload "$name" --config "$config" --trace "$trace" --repeat "$repeat" "$@" \
    --process-times "$times" "${exact[@]}" --json "$WORK/$name.json" --csv "$WORK/$name.csv"
}

workload bert-large-paper "$REPEAT" "$WORK/bert-large" Configs/elsa-paper.json
workload bert-large-base "$REPEAT" "$WORK/bert-large" Configs/elsa-base.json
workload mpnet-n384 "$SMALL_REPEAT" Traces/mpnet-base-pride-and-prejudice-n384 Configs/elsa-paper.json \
  --thresholds Traces/thresholds-mpnet-base-moby-dick-p1.json
workload minilm-n128 "$SMALL_REPEAT" Traces/minilm-l6-gutenberg-n128 Configs/elsa-paper.json
workload causal-n4096 "$REPEAT" "$WORK/causal-4096" Configs/elsa-paper.json --set long_sequences=tile

NAMES=(bert-large-paper bert-large-base mpnet-n384 minilm-n128 causal-n4096)
{ head -1 "$WORK/${NAMES[0]}.csv"; for n in "${NAMES[@]}"; do tail -n +2 "$WORK/$n.csv"; done; } > "$WORK/bench.csv"
{ echo "["; for i in "${!NAMES[@]}"; do [ "$i" -gt 0 ] && echo ","; cat "$WORK/${NAMES[$i]}.json"; done; echo "]"; } > "$WORK/bench.json"

echo
echo "summary (wall: minimum of the runs; × exact: that wall time over the NumPy exact-attention pass's):"
awk -F, 'NR > 1 {
  printf "%-17s %-22s %9.3f s %9.1f M pairs/s %9s MB %8s\n", $1, $2, $3, $6 / 1e6,
    ($8 == "" ? "—" : sprintf("%.1f", $8 / 1e6)), ($9 == "" ? "—" : sprintf("%.2f×", $9)) }' "$WORK/bench.csv"
echo "written: $WORK/bench.json, $WORK/bench.csv (and one .json/.csv per workload)"
