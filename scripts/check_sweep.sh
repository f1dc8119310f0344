#!/usr/bin/env bash
# Part of `make test` (issue 6): the 80-point grid Pa ∈ {1,2,4,8} × Pc ∈ {1,2,4,8,16} × p ∈ {0.5,1,2,4}
# on the whole shipped trace, with the release binary (the debug test suite runs the same checks on one
# head of the trace). Checks: 80 rows; a second run does no work and leaves the bytes as they were;
# shards 0/2 and 1/2 merged equal the unsharded output byte for byte. Prints one closing line.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/elsa-sim}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
pass=0; fail=0
check() { if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $*" >&2; fi; }

start=$SECONDS
$BIN sweep --spec Configs/sweeps/paper-grid.json --out "$WORK/full" > /dev/null 2> "$WORK/first.log"
rows=$(($(wc -l < "$WORK/full.csv") - 1))
check test "$rows" -eq 80
cp "$WORK/full.csv" "$WORK/before.csv"; cp "$WORK/full.jsonl" "$WORK/before.jsonl"
$BIN sweep --spec Configs/sweeps/paper-grid.json --out "$WORK/full" > /dev/null 2> "$WORK/second.log"
check grep -q "simulated 0 of 80" "$WORK/second.log"
check cmp -s "$WORK/full.csv" "$WORK/before.csv"
check cmp -s "$WORK/full.jsonl" "$WORK/before.jsonl"
$BIN sweep --spec Configs/sweeps/paper-grid.json --out "$WORK/shard0" --shard 0/2 --threads 1 > /dev/null 2>&1
$BIN sweep --spec Configs/sweeps/paper-grid.json --out "$WORK/shard1" --shard 1/2 > /dev/null 2>&1
$BIN sweep merge "$WORK/merged" "$WORK/shard1" "$WORK/shard0" > /dev/null 2>&1
check cmp -s "$WORK/merged.csv" "$WORK/full.csv"
check cmp -s "$WORK/merged.jsonl" "$WORK/full.jsonl"
check cmp -s "$WORK/merged.header.json" "$WORK/full.header.json"
echo "sweep check (80-point grid on the shipped trace, $((SECONDS - start)) s): $rows rows"
echo "sweep: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
