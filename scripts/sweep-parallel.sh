#!/bin/bash
# The GNU parallel equivalent of slurm-array.sh (docs/sweeps.md, "Sharding"): N shards as N jobs,
# JOBS at a time, on this machine or, with SSH_HOSTS=host1,host2 and a shared file system, on several;
# then the merge.
#
#   scripts/sweep-parallel.sh                       # 8 shards of Configs/sweeps/paper-grid.json, 2 jobs at a time
#   N=4 JOBS=4 SPEC=Configs/sweeps/paper-bottleneck.json OUT=results/bottleneck scripts/sweep-parallel.sh
set -euo pipefail
N=${N:-8}
JOBS=${JOBS:-2}
SPEC=${SPEC:-Configs/sweeps/paper-grid.json}
OUT=${OUT:-results/paper-grid}
ELSA_SIM=${ELSA_SIM:-.build/release/elsa-sim}
mkdir -p "$(dirname "$OUT")"
HOSTS=()
if [ -n "${SSH_HOSTS:-}" ]; then HOSTS=(-S "$SSH_HOSTS" --workdir "$PWD"); fi
seq 0 $((N - 1)) | parallel -j "$JOBS" "${HOSTS[@]}" --halt now,fail=1 \
  "$ELSA_SIM" sweep --spec "$SPEC" --out "$OUT.shard{}" --shard "{}/$N" --threads 1 --quiet
"$ELSA_SIM" sweep merge "$OUT" $(seq -f "$OUT.shard%g" 0 $((N - 1)))
