#!/usr/bin/env bash
# Resuming a sweep after it was killed or its disk filled (issue 19; docs/validation.md, "Fuzzing"):
#  1. a 64-point sweep on the shipped trace is killed with SIGKILL at 10 random moments (seeded), each
#     time resuming the output the previous attempt left; a last run finishes it; the .jsonl and .csv
#     must equal an uninterrupted run's byte for byte;
#  2. the same sweep under a file-size limit (`ulimit -f`, a full disk as the process sees it) must fail
#     with exit 74 and one line naming the file, leave no partial row (the .jsonl ends in a newline),
#     and, once the limit is lifted, resume to the same bytes.
# Usage: scripts/check_resume.sh [SEED]   (env: BIN, the release binary by default)
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/elsa-sim}
RANDOM=${1:-19}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/elsa-resume.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
pass=0; fail=0
check() { if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $*" >&2; fi; }
ARGS=(sweep --config Configs/elsa-paper.json --trace Traces/minilm-l6-gutenberg-n128
      --set attention_modules=1,2,4,8 --set selectors_per_module=2,4,8,16 --set approximation.p=0.5,1,2,4
      --threads 2 --quiet)
sweep() { "$BIN" "${ARGS[@]}" --out "$1"; }
start=$SECONDS
t0=$(date +%s%N)
sweep "$WORK/reference" > /dev/null 2>&1
reference_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check test "$(wc -l < "$WORK/reference.jsonl")" -eq 64   # rows only: the header is reference.header.json
# Kill delays below a fifteenth of the uninterrupted sweep's time: the ten attempts together run for at
# most two thirds of it, so each is still running when killed on a machine of any speed (a fixed bound
# stopped holding once the sweep got faster than ten times the bound).
max_delay=$(( reference_ms / 15 > 1 ? reference_ms / 15 : 1 ))

# 1. SIGKILL at random moments, resume each time.
kills=0
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    "$BIN" "${ARGS[@]}" --out "$WORK/killed" > /dev/null 2>&1 &   # the binary itself, so the kill reaches it
    pid=$!
    delay=$(( RANDOM % max_delay ))   # ms: each attempt gets a few points done, at most, before its kill
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    if kill -KILL "$pid" 2> /dev/null; then kills=$((kills + 1)); fi
    wait "$pid" 2> /dev/null
done
check test "$kills" -eq 10   # every attempt was still running when killed
sweep "$WORK/killed" > /dev/null 2> "$WORK/final.log"
check cmp -s "$WORK/killed.jsonl" "$WORK/reference.jsonl"
check cmp -s "$WORK/killed.csv" "$WORK/reference.csv"
check cmp -s "$WORK/killed.header.json" "$WORK/reference.header.json"
check test "$(ls "$WORK" | grep -c '\.tmp\.')" -eq 0

# 2. A full disk: a file-size limit smaller than the finished output.
limit_blocks=$(( $(stat -c %s "$WORK/reference.jsonl") / 1024 / 2 ))
( ulimit -f "$limit_blocks"; sweep "$WORK/full" > /dev/null 2> "$WORK/full.err" ); code=$?
check test "$code" -eq 74
check test "$(wc -l < "$WORK/full.err")" -eq 1
check grep -q "^elsa-sim: $WORK/full.jsonl: cannot write (File too large)" "$WORK/full.err"
check test "$(tail -c 1 "$WORK/full.jsonl" | od -An -c | tr -d ' ')" = '\n'
sweep "$WORK/full" > /dev/null 2>&1
check cmp -s "$WORK/full.jsonl" "$WORK/reference.jsonl"
check cmp -s "$WORK/full.csv" "$WORK/reference.csv"

echo "resume check ($((SECONDS - start)) s): $kills sweeps killed with SIGKILL at random moments (under $max_delay ms; uninterrupted sweep $reference_ms ms), then a full disk (ulimit -f $limit_blocks KiB); resumed outputs byte-identical"
echo "resume: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
