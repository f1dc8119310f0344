#!/usr/bin/env bash
# elsa-sim's own fuzz campaign (issue 19; docs/validation.md, "Fuzzing"). Runs the binary on mutated
# inputs — trace.json, .npy headers and data, configs, thresholds files, sweep specs, argument lists,
# workload files —
# each case under a time limit (timeout) and an address-space limit (prlimit --as), and classifies the
# outcome:
#   clean     exit 64/65/66/73/74/75 (or 1) with exactly one non-warning line on stderr, "elsa-sim: …"
#   success   exit 0, and no NaN / Infinity / unexplained null in what it printed or wrote
#   crash     a signal, or trap text (Fatal error, Stack dump, …) on stderr
#   hang      the time limit was reached
#   overalloc the allocation failed under the memory limit (trap text naming allocation / memory)
#   suspicious anything else: a multi-line or empty error, an undocumented exit code, NaN/Infinity or
#             `"output_error": null` without `output_error_reason` in an output
# and fails unless every case is clean or success. Deterministic: each case's random draws are seeded
# from SEED and its index, so the same SEED gives the same cases whatever CASES and JOBS are. Usage:
#   scripts/fuzz.sh [CASES] [SEED]   (env: BIN, CASE_TIMEOUT seconds, CASE_MEMORY bytes, JOBS workers (2), KEEP=1)
# `make fuzz` runs 5 000 cases; `make test` runs a seeded subset of 120.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CASES=${1:-5000}
SEED=${2:-1}
BIN=${BIN:-$ROOT/.build/release/elsa-sim}
CASE_TIMEOUT=${CASE_TIMEOUT:-20}
CASE_MEMORY=${CASE_MEMORY:-6000000000}
JOBS=${JOBS:-2}
case "$BIN" in /*) ;; *) BIN=$ROOT/$BIN ;; esac
[ -x "$BIN" ] || { echo "fuzz: $BIN not built (make build)" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/elsa-fuzz.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
FAILURES=$WORK/failures.txt
: > "$FAILURES"
RANDOM=$SEED

# ---- base inputs (valid): a tiny synthetic trace, a config, thresholds, a sweep spec ----
BASE=$WORK/base
mkdir -p "$BASE"
"$BIN" trace synth --layers 2 --heads 2 --n 16 --head-dim 16 --seed 3 -o "$BASE/trace" > /dev/null 2>&1 || { echo "fuzz: cannot make the base trace" >&2; exit 2; }
cp Configs/*.json "$BASE/"
"$BIN" calibrate --p 1 --trace "$BASE/trace" -o "$BASE/thresholds.json" > /dev/null 2>&1 || { echo "fuzz: cannot calibrate" >&2; exit 2; }
cat > "$BASE/spec.json" <<EOF
{"format": "elsa-sweep-spec/1", "config": "$BASE/elsa-paper.json", "traces": ["$BASE/trace"],
 "axes": [{"field": "attention_modules", "values": [1, 2]}, {"field": "approximation.p", "values": [0.5, 1]}]}
EOF
"$BIN" sweep --spec "$BASE/spec.json" --out "$BASE/sweep" --quiet > /dev/null 2>&1 || { echo "fuzz: base sweep failed" >&2; exit 2; }
cat > "$BASE/workload.json" <<EOF
{"format": "elsa-workload/1", "model": "fuzz", "seed": 3,
 "layers": [{"n": 16, "heads": 2, "kv_heads": 1, "head_dim": 16, "repeat": 2, "target_keys90": 0.5},
            {"n": 12, "tokens": 10, "heads": 2, "head_dim": 16, "causal": true, "concentration": 1}]}
EOF

ELSA_FIELDS=($("$BIN" config fields | awk 'NR > 2 && NF && $1 != "name" { print $1 }'))  # a name may be "nan"
A3_FIELDS=(clock_ghz head_dim key_capacity units approximation.enabled approximation.iterations
           approximation.iterations_fraction approximation.threshold_percent approximation.skip_min_heuristic)
BIG=$(head -c 100000 /dev/zero | tr '\0' 'x')
VALUES=(0 -1 1 2 3 7 16 64 4096 4097 65536 1048576 1073741824 2147483648 4294967296 9223372036854775807
        9223372036854775808 -9223372036854775809 1e308 -1e308 1e-308 1e23 0.5 -0.5 3.2 nan inf -inf '"x"' null true
        '[]' '{}' '[4294967296,4294967296]' '[0]' '[1,1,1,1,1,1]' '[4,4,4]' '[2,2,2,2]' dense matrix-file
        thresholds-file learned exact kronecker round-robin interleaved '"'"$BIG"'"')
NUMBERS=(0 -1 1 2 3 5 16 17 100 1000 65536 4294967296 9223372036854775807 99999999999999999999 1e9 -5 0.5 x '' 1/2 3/2 0/0)

# Random draws are made in this shell, never in a $(…) subshell: bash re-seeds $RANDOM in subshells,
# which would make the cases differ from run to run.

# Overwrites `count` bytes at `offset` of `file` with random bytes (deterministic: from $RANDOM).
poke() {
    local file=$1 offset=$2 count=$3 bytes="" i
    local hex
    for ((i = 0; i < count; i++)); do printf -v hex '\\x%02x' $((RANDOM % 256)); bytes+=$hex; done
    printf "$bytes" | dd of="$file" bs=1 seek="$offset" conv=notrunc status=none 2> /dev/null
}

# A copy of the base trace in $1.
copy_trace() { cp -r "$BASE/trace" "$1"; }

# ---- mutators: each fills ARGS (the command line) for case directory $1 ----
mutate_config() {
    local dir=$1 file=$dir/config.json
    cp "$BASE/elsa-paper.json" "$file"
    case $((RANDOM % 6)) in
        0) ARGS=(run --config "$file" --trace "$BASE/trace" --set "${ELSA_FIELDS[RANDOM % ${#ELSA_FIELDS[@]}]}=${VALUES[RANDOM % ${#VALUES[@]}]}") ;;
        1) ARGS=(run --config "$file" --trace "$BASE/trace" --set "${ELSA_FIELDS[RANDOM % ${#ELSA_FIELDS[@]}]}=${VALUES[RANDOM % ${#VALUES[@]}]}" --set "${ELSA_FIELDS[RANDOM % ${#ELSA_FIELDS[@]}]}=${VALUES[RANDOM % ${#VALUES[@]}]}") ;;
        2) head -c "$(( (RANDOM << 15 | RANDOM) % "$(stat -c %s "$file")" ))" "$BASE/elsa-paper.json" > "$file"; ARGS=(run --config "$file" --trace "$BASE/trace") ;;
        3) poke "$file" "$(( (RANDOM << 15 | RANDOM) % "$(stat -c %s "$file")" ))" $((1 + RANDOM % 4)); ARGS=(config show --config "$file") ;;
        4) cp "$BASE/a3-conservative.json" "$file"; ARGS=(run --config "$file" --trace "$BASE/trace" --set "${A3_FIELDS[RANDOM % ${#A3_FIELDS[@]}]}=${VALUES[RANDOM % ${#VALUES[@]}]}") ;;
        5) ARGS=(sweep --config "$file" --trace "$BASE/trace" --set "${ELSA_FIELDS[RANDOM % ${#ELSA_FIELDS[@]}]}=${VALUES[RANDOM % ${#VALUES[@]}]},${VALUES[RANDOM % ${#VALUES[@]}]}" --out "$dir/s" --quiet) ;;
    esac
}

mutate_trace_json() {
    local dir=$1 t=$1/trace key value
    copy_trace "$t"
    key=${TRACE_KEYS[RANDOM % ${#TRACE_KEYS[@]}]}
    value=${VALUES[RANDOM % ${#VALUES[@]}]}
    case $((RANDOM % 4)) in
        0) sed -i "s|\"$key\" : [^,]*,|\"$key\" : $value,|" "$t/trace.json" ;;
        1) head -c "$(( (RANDOM << 15 | RANDOM) % "$(stat -c %s "$t/trace.json")" ))" "$BASE/trace/trace.json" > "$t/trace.json" ;;
        2) sed -i "s|\"layer0.${LAYER_ARRAYS[RANDOM % ${#LAYER_ARRAYS[@]}]}.npy\"|\"${BAD_FILES[RANDOM % ${#BAD_FILES[@]}]}\"|" "$t/trace.json" ;;
        3) poke "$t/trace.json" "$(( (RANDOM << 15 | RANDOM) % "$(stat -c %s "$t/trace.json")" ))" $((1 + RANDOM % 3)) ;;
    esac
    ARGS=(${TRACE_COMMANDS[RANDOM % ${#TRACE_COMMANDS[@]}]} --trace "$t")
    [ "${ARGS[0]}" = inspect ] && ARGS=(trace inspect "$t")
    [ "${ARGS[0]}" = run ] && ARGS=(run --config "$BASE/elsa-paper.json" --trace "$t" --json "$dir/r.json")
    [ "${ARGS[0]}" = a3 ] && ARGS=(run --config "$BASE/a3-conservative.json" --trace "$t" --json "$dir/r.json")
}
TRACE_KEYS=(scale heads head_dim causal format dtype tokens model)
LAYER_ARRAYS=(q k v out)
BAD_FILES=("layer0.q.npy/" "/dev/zero" "../../etc/passwd" "" "layer9.q.npy" "fifo.npy" "zero.npy" "dir.npy" "layer0.k.npy")
TRACE_COMMANDS=(run a3 inspect quality)

mutate_npy() {
    local dir=$1 t=$1/trace array file size
    copy_trace "$t"
    array=${LAYER_ARRAYS[RANDOM % ${#LAYER_ARRAYS[@]}]}
    file=$t/layer$((RANDOM % 2)).$array.npy
    size=$(stat -c %s "$file")
    case $((RANDOM % 8)) in
        0) poke "$file" $((RANDOM % 128)) $((1 + RANDOM % 4)) ;;                 # header bytes
        1) head -c "$(( (RANDOM << 15 | RANDOM) % size ))" "$BASE/trace/layer0.$array.npy" > "$file" ;; # truncated
        2) sed -i "1s/'shape': ([0-9, ]*)/'shape': (${SHAPES[RANDOM % ${#SHAPES[@]}]})/" "$file" ;;  # header shape
        3) printf '\xff\xff\xff\x7f' | dd of="$file" bs=1 seek=$((128 + 4 * (RANDOM % 64))) conv=notrunc status=none ;; # NaN
        4) printf '\x00\x00\x80\x7f' | dd of="$file" bs=1 seek=$((128 + 4 * (RANDOM % 64))) conv=notrunc status=none ;; # +Inf
        5) poke "$file" $((128 + RANDOM % (size - 128))) $((1 + RANDOM % 16)) ;; # data bytes
        6) sed -i "1s/'shape': ([0-9, ]*)/'shape': (2, $((1 << (12 + RANDOM % 4))), 65536)/" "$file"
           truncate -s $((1 << (30 + RANDOM % 4))) "$file" ;;                   # sparse huge: header first, then extend
        7) case $((RANDOM % 4)) in
               0) rm "$file"; ln -s /dev/zero "$file" ;;
               1) rm "$file"; mkfifo "$file" ;;
               2) rm "$file"; mkdir "$file" ;;
               3) printf '\x93NUMPY\x01\x00\x00\x01' > "$file"; head -c 300 /dev/zero | tr '\0' ' ' >> "$file" ;;
           esac ;;
    esac
    case $((RANDOM % 4)) in
        0) ARGS=(run --config "$BASE/elsa-paper.json" --trace "$t" --json "$dir/r.json") ;;
        1) ARGS=(trace inspect "$t" --json "$dir/r.json") ;;
        2) ARGS=(quality --trace "$t" --p 0.5,1 --json "$dir/r.json") ;;
        3) ARGS=(run --config "$BASE/elsa-paper.json" --trace "$BASE/trace" --hash-matrix "$file" --set hash.projection=matrix-file --set hash.bits=16) ;;
    esac
}
SHAPES=("2, 16, 16" "2, 16, 17" "0, 16, 16" "2, 0, 16" "2, 16, 0" "99999999999, 99999999999, 99999999999" "-1, 16, 16"
        "16, 16" "2, 16, 16, 1" "" "4294967296, 4294967296" "2, 8, 16" "1, 16, 16" "3, 16, 16" "2, 100000, 4096")

mutate_thresholds() {
    local dir=$1 file=$1/thresholds.json
    cp "$BASE/thresholds.json" "$file"
    case $((RANDOM % 4)) in
        0) sed -i "0,/[0-9]\.[0-9]*/s//${VALUES[RANDOM % ${#VALUES[@]}]}/" "$file" ;;
        1) head -c "$(( (RANDOM << 15 | RANDOM) % "$(stat -c %s "$file")" ))" "$BASE/thresholds.json" > "$file" ;;
        2) poke "$file" "$(( (RANDOM << 15 | RANDOM) % "$(stat -c %s "$file")" ))" $((1 + RANDOM % 3)) ;;
        3) sed -i "s/\"p\" : [^,]*/\"p\" : ${VALUES[RANDOM % ${#VALUES[@]}]}/" "$file" ;;
    esac
    if ((RANDOM % 2)); then
        ARGS=(run --config "$BASE/elsa-paper.json" --trace "$BASE/trace" --thresholds "$file")
    else
        ARGS=(run --config "$BASE/elsa-paper.json" --trace "$BASE/trace" --set approximation.mode=thresholds-file --thresholds "$file")
    fi
}

mutate_spec() {
    local dir=$1 file=$1/spec.json n i values
    case $((RANDOM % 4)) in
        0) n=${SPEC_SIZES[RANDOM % ${#SPEC_SIZES[@]}]}; values=$(seq -s, 1 "$n")
           printf '{"format": "elsa-sweep-spec/1", "config": "%s", "traces": ["%s"], "axes": [{"field": "attention_modules", "values": [%s]}, {"field": "%s", "values": [%s]}]}\n' \
               "$BASE/elsa-paper.json" "$BASE/trace" "$values" "${ELSA_FIELDS[RANDOM % ${#ELSA_FIELDS[@]}]}" "$values" > "$file"
           ARGS=(sweep --spec "$file" --list) ;;
        1) cp "$BASE/spec.json" "$file"; poke "$file" "$(( (RANDOM << 15 | RANDOM) % "$(stat -c %s "$file")" ))" $((1 + RANDOM % 3))
           ARGS=(sweep --spec "$file" --out "$dir/s" --quiet) ;;
        2) cp "$BASE/spec.json" "$file"; sed -i "s/\"values\": \[1, 2\]/\"values\": [${VALUES[RANDOM % ${#VALUES[@]}]}, ${VALUES[RANDOM % ${#VALUES[@]}]}]/" "$file"
           ARGS=(sweep --spec "$file" --out "$dir/s" --quiet) ;;
        3) cp "$BASE/sweep.jsonl" "$dir/s.jsonl"; cp "$BASE/sweep.header.json" "$dir/s.header.json"
           case $((RANDOM % 4)) in
               0) sed -i "1s/\"cycles\":[0-9]*/\"cycles\":${VALUES[RANDOM % ${#VALUES[@]}]}/" "$dir/s.jsonl" ;;
               1) sed -n 1p "$BASE/sweep.jsonl" >> "$dir/s.jsonl" ;;
               2) head -c "$(( (RANDOM << 15 | RANDOM) % "$(stat -c %s "$dir/s.jsonl")" ))" "$BASE/sweep.jsonl" > "$dir/s.jsonl" ;;
               3) poke "$dir/s.jsonl" "$(( (RANDOM << 15 | RANDOM) % "$(stat -c %s "$dir/s.jsonl")" ))" 2 ;;
           esac
           if ((RANDOM % 2)); then ARGS=(sweep --spec "$BASE/spec.json" --out "$dir/s" --quiet)
           else ARGS=(sweep merge "$dir/m" "$dir/s"); fi ;;
    esac
}
SPEC_SIZES=(1 2 10 100 101 1000 100000)

# A workload file (docs/workloads.md) with one field set to a hostile value (added when absent),
# truncated, with random bytes, or with its layers replaced; run (ELSA, A^3), swept, compared or measured.
mutate_workload() {
    local dir=$1 file=$1/workload.json key value
    cp "$BASE/workload.json" "$file"
    key=${WORKLOAD_KEYS[RANDOM % ${#WORKLOAD_KEYS[@]}]}
    value=${VALUES[RANDOM % ${#VALUES[@]}]}
    value=${value//\//\\/}
    value=${value//&/\\&}
    case $((RANDOM % 4)) in
        0) if grep -q "\"$key\":" "$file"; then sed -i "0,/\"$key\": [^,}]*/s//\"$key\": $value/" "$file"
           else sed -i "0,/{\"n\"/s//{\"$key\": $value, \"n\"/" "$file"; fi ;;
        1) head -c "$(( (RANDOM << 15 | RANDOM) % "$(stat -c %s "$file")" ))" "$BASE/workload.json" > "$file" ;;
        2) poke "$file" "$(( (RANDOM << 15 | RANDOM) % "$(stat -c %s "$file")" ))" $((1 + RANDOM % 3)) ;;
        3) sed -i "s/\"layers\": \[/\"layers\": $value, \"x\": [/" "$file" ;;
    esac
    case $((RANDOM % 5)) in
        0) ARGS=(run --config "$BASE/elsa-paper.json" --workload "$file" --json "$dir/r.json") ;;
        1) ARGS=(run --config "$BASE/a3-conservative.json" --workload "$file" --layers $((1 + RANDOM % 3))) ;;
        2) ARGS=(sweep --config "$BASE/elsa-paper.json" --workload "$file" --set attention_modules=1,2 --out "$dir/s" --quiet) ;;
        3) ARGS=(compare --config "$BASE/elsa-paper.json" --workload "$file" --trace "$BASE/trace" --json "$dir/c.json") ;;
        4) ARGS=(quality --workload "$file" --p 1 --json "$dir/q.json") ;;
    esac
}
WORKLOAD_KEYS=(format seed model layers n tokens heads kv_heads head_dim causal repeat concentration target_keys90
               key_norm_spread topics comment)

mutate_arguments() {
    local dir=$1 command
    command=${COMMANDS[RANDOM % ${#COMMANDS[@]}]}
    read -r -a ARGS <<< "$command"
    local k
    for ((k = 0; k < 1 + RANDOM % 4; k++)); do
        case $((RANDOM % 5)) in
            0) ARGS+=("${OPTIONS[RANDOM % ${#OPTIONS[@]}]}") ;;
            1|2) ARGS+=("${OPTIONS[RANDOM % ${#OPTIONS[@]}]}" "${NUMBERS[RANDOM % ${#NUMBERS[@]}]}") ;;
            3) ARGS+=("${OPTIONS[RANDOM % ${#OPTIONS[@]}]}" "${PATHS[RANDOM % ${#PATHS[@]}]}") ;;
            4) ARGS+=("${PATHS[RANDOM % ${#PATHS[@]}]}") ;;
        esac
    done
    # Keep the commands that need inputs runnable often enough to go deep.
    case "${ARGS[0]}" in
        run|quality|compare|compare-accelerators|calibrate) ((RANDOM % 2)) && ARGS+=(--config "$BASE/elsa-paper.json" --trace "$BASE/trace") ;;
    esac
    local i
    for i in "${!ARGS[@]}"; do ARGS[$i]=${ARGS[$i]//@DIR@/$dir}; done
}
COMMANDS=("run" "sweep" "sweep merge" "sweep plot" "trace" "trace synth --layers 1 --heads 1 --n 8 --head-dim 8 --seed 1 -o @DIR@/syn"
          "trace inspect" "config" "config fields" "config show" "calibrate" "quality" "compare" "compare-accelerators" "bench"
          "validate --cases 2" "nonsense" "--help" "--version" "run --help")
OPTIONS=(--config --trace --set --json --csv --out --threads --shard --p --n --heads --head-dim --layers --seed --tokens --engine
         --hash-matrix --thresholds --plot --x --y --timeline --timeline-head --repeat --cases --quiet --fresh --list -o --output
         --concentration --target-keys90 --key-norm-spread --kv-heads --topics --baseline --label --mass --atol --rtol --no-out)
PATHS=("$BASE/trace" "$BASE/elsa-paper.json" "$BASE/a3-base.json" /dev/null /dev/zero /dev/full /nonexistent @DIR@/out "" - --
       "@DIR@/x/" "$BASE/thresholds.json" "$BASE/spec.json" "$BASE/sweep" "$BASE/trace/layer0.q.npy" /tmp "attention_modules=1,2"
       "approximation.p=-1" "0:0" "99:99" "0/1")

MUTATORS=(mutate_config mutate_trace_json mutate_npy mutate_thresholds mutate_spec mutate_arguments mutate_workload)

# Outputs a case wrote or printed that hold NaN/Infinity or an unexplained null output_error.
# (A command line that itself names nan or inf may see it echoed as a string, e.g. a swept value.)
suspicious_output() {
    local dir=$1 f echoes=0
    printf '%s\n' "${ARGS[@]}" | grep -qiE 'nan|inf' && echoes=1
    for f in "$dir/stdout" "$dir"/*.json "$dir"/*.csv "$dir"/*.jsonl; do
        [ -f "$f" ] || continue
        if [ $echoes = 0 ] && grep -qE '(^|[^a-zA-Z])(NaN|nan|-?Infinity|-?inf)([^a-zA-Z]|$)' "$f"; then echo "$f holds NaN or Infinity"; return; fi
        if grep -q '"output_error" *: *null' "$f" && ! grep -q 'output_error_reason' "$f"; then echo "$f: output_error null without reason"; return; fi
    done
}

# One worker: cases worker, worker + JOBS, …; each case seeds $RANDOM from (SEED, case index), so a
# case is the same whatever JOBS is. Counts go to $WORK/counts.WORKER.
run_cases() {
local worker=$1 case_index dir mutator rc errors detail class
declare -A COUNT=([clean]=0 [success]=0 [crash]=0 [hang]=0 [overalloc]=0 [suspicious]=0)
for ((case_index = worker; case_index < CASES; case_index += JOBS)); do
    RANDOM=$((SEED * 1000003 + case_index))
    dir=$WORK/case$case_index
    mkdir -p "$dir"
    mkfifo "$dir/fifo.npy" 2> /dev/null; ln -s /dev/zero "$dir/zero.npy"; mkdir "$dir/dir.npy"
    mutator=${MUTATORS[case_index % ${#MUTATORS[@]}]}
    ARGS=()
    $mutator "$dir"
    (cd "$dir" && timeout -k 2 "$CASE_TIMEOUT" prlimit --as="$CASE_MEMORY" -- "$BIN" "${ARGS[@]}" > "$dir/stdout" 2> "$dir/stderr" < /dev/null)
    rc=$?
    errors=$(grep -v '^elsa-sim: \(warning\|note\):' "$dir/stderr" | grep -c .)
    detail=""
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        class=hang
    elif grep -qiE 'alloc|out of memory|cannot allocate' "$dir/stderr" && { [ $rc -ge 128 ] || grep -qE 'Fatal error|Stack dump' "$dir/stderr"; }; then
        class=overalloc
    elif [ $rc -ge 128 ] || grep -qE 'Fatal error|Stack dump|Illegal instruction|Trace/breakpoint|Segmentation fault|Aborted' "$dir/stderr"; then
        class=crash
    elif [ $rc -eq 0 ]; then
        detail=$(suspicious_output "$dir")
        if [ -n "$detail" ]; then class=suspicious; else class=success; fi
    else
        case $rc in
            1|64|65|66|73|74|75)
                if [ "$errors" -eq 1 ] && grep -v '^elsa-sim: \(warning\|note\):' "$dir/stderr" | grep -q '^elsa-sim: '; then class=clean
                else class=suspicious; detail="exit $rc with $errors error lines"; fi ;;
            *) class=suspicious; detail="undocumented exit code $rc" ;;
        esac
    fi
    COUNT[$class]=$((COUNT[$class] + 1))
    if [ "$class" != clean ] && [ "$class" != success ]; then
        {
            printf 'case %d (%s): %s %s\n  args:' "$case_index" "$mutator" "$class" "$detail"
            printf ' %q' "${ARGS[@]}"; printf '\n  exit %d; stderr: %s\n' "$rc" "$(head -c 400 "$dir/stderr" | tr '\n' '|')"
        } >> "$FAILURES"
        [ "${KEEP:-0}" = 1 ] || cp -r "$dir" "$WORK/kept-case$case_index" 2> /dev/null
    fi
    [ "${KEEP:-0}" = 1 ] || rm -rf "$dir"
    if [ -t 2 ] && [ "$worker" = 0 ] && ((case_index % 25 == 0)); then printf '\rfuzz: %d/%d cases, %d s' "$case_index" "$CASES" $((SECONDS - start)) >&2; fi
done
echo "${COUNT[clean]} ${COUNT[success]} ${COUNT[crash]} ${COUNT[hang]} ${COUNT[overalloc]} ${COUNT[suspicious]}" > "$WORK/counts.$worker"
}

start=$SECONDS
for ((worker = 0; worker < JOBS; worker++)); do run_cases "$worker" & done
wait
[ -t 2 ] && printf '\n' >&2
declare -A COUNT=([clean]=0 [success]=0 [crash]=0 [hang]=0 [overalloc]=0 [suspicious]=0)
for ((worker = 0; worker < JOBS; worker++)); do
    read -r a b c d e f < "$WORK/counts.$worker"
    COUNT[clean]=$((COUNT[clean] + a)); COUNT[success]=$((COUNT[success] + b)); COUNT[crash]=$((COUNT[crash] + c))
    COUNT[hang]=$((COUNT[hang] + d)); COUNT[overalloc]=$((COUNT[overalloc] + e)); COUNT[suspicious]=$((COUNT[suspicious] + f))
done
bad=$((COUNT[crash] + COUNT[hang] + COUNT[overalloc] + COUNT[suspicious]))
echo "fuzz: $CASES cases (seed $SEED, ${CASE_TIMEOUT} s and $CASE_MEMORY bytes per case) in $((SECONDS - start)) s:" \
     "${COUNT[clean]} clean errors, ${COUNT[success]} successes, ${COUNT[crash]} crashes, ${COUNT[hang]} hangs," \
     "${COUNT[overalloc]} over-allocations, ${COUNT[suspicious]} suspicious"
if [ $bad -gt 0 ]; then
    echo "fuzz: FAILED; the cases:" >&2
    head -c 20000 "$FAILURES" >&2
    cp "$FAILURES" "${TMPDIR:-/tmp}/elsa-fuzz-failures.txt"
    echo "fuzz: full list in ${TMPDIR:-/tmp}/elsa-fuzz-failures.txt" >&2
    exit 1
fi
