#!/usr/bin/env bash
# make bench: release-build throughput on stated workloads (docs/performance.md). Prints the machine too.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/elsa-sim
WORK=.build/bench
mkdir -p "$WORK"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "simulator: $($BIN --version)"
if [ ! -f "$WORK/bert-large/trace.json" ]; then
  echo "generating the BERT-large-shaped synthetic trace (24 layers x 16 heads, n = 512, d = 64, seed 1)..."
  $BIN trace synth --layers 24 --heads 16 --n 512 --head-dim 64 --seed 1 -o "$WORK/bert-large"
fi
echo
$BIN bench --config Configs/elsa-paper.json --trace "$WORK/bert-large" --repeat 3 --json "$WORK/bert-large-paper.json"
echo
$BIN bench --config Configs/elsa-base.json --trace "$WORK/bert-large" --repeat 1 --json "$WORK/bert-large-base.json"
echo
$BIN bench --config Configs/elsa-paper.json --trace Traces/minilm-l6-gutenberg-n128 --repeat 5 --json "$WORK/minilm-paper.json"
