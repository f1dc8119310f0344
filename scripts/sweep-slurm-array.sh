#!/bin/bash
# One shard of an elsa-sim sweep per Slurm array task (docs/sweeps.md, "Sharding").
#
#   sbatch --array=0-7 scripts/sweep-slurm-array.sh                 # 8 shards of Configs/sweeps/paper-grid.json
#   SPEC=Configs/sweeps/paper-bottleneck.json OUT=results/bottleneck sbatch --array=0-3 scripts/sweep-slurm-array.sh
#
# Task K writes $OUT.shardK.jsonl/.csv with the points i where i mod N = K (N = the array size).
# When every task has finished, merge (byte-identical to an unsharded run):
#
#   elsa-sim sweep merge results/paper-grid results/paper-grid.shard*
#
# A failed or cancelled task is resumed by resubmitting just that index (--array=K): points it already
# wrote are kept. Run from the repository root with the release binary built (make build).
#SBATCH --job-name=elsa-sweep
#SBATCH --cpus-per-task=2
#SBATCH --time=00:30:00
#SBATCH --output=elsa-sweep-%A_%a.log
set -euo pipefail
: "${SLURM_ARRAY_TASK_ID:?submit with sbatch --array=0-(N-1)}"
N=${SLURM_ARRAY_TASK_COUNT:-$(( ${SLURM_ARRAY_TASK_MAX:?} + 1 ))}
K=$SLURM_ARRAY_TASK_ID
SPEC=${SPEC:-Configs/sweeps/paper-grid.json}
OUT=${OUT:-results/paper-grid}
ELSA_SIM=${ELSA_SIM:-.build/release/elsa-sim}
mkdir -p "$(dirname "$OUT")"
exec "$ELSA_SIM" sweep --spec "$SPEC" --out "$OUT.shard$K" --shard "$K/$N" --threads "${SLURM_CPUS_PER_TASK:-1}" --quiet
