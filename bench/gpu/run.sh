#!/usr/bin/env bash
# bench/gpu/run.sh [--quick]: the GPU benchmark in one go (bench/gpu/README.md).
#
#   1. installs missing packages (scripts/install-deps.sh), builds quant-opt, qblock-cuda-probe, the CUDA runtime and qblock-gpu-bench;
#   2. for every configuration, compiles the kernel and checks its launch plan
#      against the PTX (--dump-plan) and the PTX with ptxas -arch=sm_90a
#      (both need no GPU);
#   3. if a GPU answers, runs qblock-gpu-bench on each configuration: check
#      against the numerics core, then CUDA-event timing against cuBLAS fp16
#      and the device-to-device copy bandwidth;
#   4. prints a table and the issue #7 targets (met or not).
#
# Results: $QBLOCK_GPU_BENCH_OUT (default build/gpu-bench)/results.jsonl, one
# JSON object per configuration ({"error": ...} for one that failed), and
# log.txt. Exit status: 0 all configurations ran and passed their checks
# (targets missed or not), 1 something failed, 77 no GPU (after step 2).
# --quick: N = K = 8192 only, 50 timed runs.
set -u -o pipefail
cd "$(dirname "$0")/../.."
quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (--quick)" >&2; exit 2 ;;
  esac
done

out=${QBLOCK_GPU_BENCH_OUT:-build/gpu-bench}
mkdir -p "$out"
results="$out/results.jsonl"
log="$out/log.txt"
: > "$results"
: > "$log"
say() { echo "$@" | tee -a "$log" >&2; }

say "== dependencies and build ($(date -u +%FT%TZ))"
# Idempotent: a no-op when every package is there (it needs the network only
# to install what is missing).
bash scripts/install-deps.sh >> "$log" 2>&1 || say "run.sh: install-deps failed; trying to build anyway"
if ! bash scripts/build.sh quant-opt qblock-cuda-probe qblock_cuda_runtime qblock-gpu-bench >> "$log" 2>&1; then
  say "run.sh: build failed, see $log"; exit 1
fi
bench=build/bin/qblock-gpu-bench
if [ ! -x "$bench" ]; then
  say "run.sh: $bench was not built (CMake did not find the CUDA toolkit?)"; exit 1
fi
ptxas=${PTXAS:-$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)}

# Sets op, scheme, m, n, k, extra, args (the bench's options), tag (a file
# name), act (the activation type) and acts (online quantization) from a
# configuration line.
parse_config() {
  read -r op scheme m n k extra <<< "$1"
  args=(--op "$op" --scheme "$scheme" --m "$m" --n "$n" --k "$k" ${extra:-})
  tag="$op-$scheme-m$m-n$n-k$k$(echo "${extra:-}" | tr -d ' -')"
  act=$(echo "${extra:-}" | sed -n 's/.*--act-type \([a-z0-9]*\).*/\1/p')
  act=${act:-f32}
  acts=$(echo "${extra:-}" | sed -n 's/.*--acts \([a-z0-9]*\).*/\1/p')
  acts=${acts:-none}
  tc=false
  case " ${extra:-} " in *" --tensor-cores "*) tc=true ;; esac
  decode=$(echo "${extra:-}" | sed -n 's/.*--weight-decode \([a-z]*\).*/\1/p')
  decode=${decode:-permute}
}

# A result line for a configuration that failed: what summarize.py shows.
error_row() {
  echo "{\"op\": \"$op\", \"scheme\": \"$scheme\", \"m\": $m, \"n\": $n, \"k\": $k, \"act_type\": \"$act\", \"acts\": \"$acts\", \"tensor_cores\": $tc, \"weight_decode\": \"$decode\", \"error\": \"$1\"}" >> "$results"
}

# op scheme m n k [extra options], from configs.txt
configs=()
while read -r set config; do
  case "$set" in
    quick) configs+=("$config") ;;
    full) [ "$quick" = 0 ] && configs+=("$config") ;;
  esac
done < bench/gpu/configs.txt
runs=50
[ "$quick" = 0 ] && runs=200

failed=0
compiled=()
say "== compiling and checking launch plans (no GPU needed)"
for config in "${configs[@]}"; do
  parse_config "$config"
  if ! "$bench" --dump-plan "${args[@]}" --emit-ptx "$out/$tag.ptx" > "$out/$tag.plan" 2> "$out/$tag.compile.err"; then
    cat "$out/$tag.compile.err" >> "$log"
    msg=$(grep -v "^compiling" "$out/$tag.compile.err" | head -2 | tr -d '"\\' | tr '\n' ' ')
    say "  $tag: compile/plan FAILED: $msg"
    error_row "compile: $msg"
    failed=1
    continue
  fi
  rejected=
  if [ -x "$ptxas" ]; then
    for ptx in "$out/$tag".ptx "$out/$tag".ptx.*; do
      [ -f "$ptx" ] || continue
      "$ptxas" -arch=sm_90a "$ptx" -o /dev/null >> "$log" 2>&1 || rejected="$ptx"
    done
  fi
  if [ -n "$rejected" ]; then
    say "  $tag: ptxas -arch=sm_90a rejected $rejected"
    error_row "ptxas"
    failed=1
    continue
  fi
  say "  $tag: $(grep -m1 -E '^launch|^plan' "$out/$tag.plan")"
  compiled+=("$config")
done

if ! probe=$(build/bin/qblock-cuda-probe); then
  say "run.sh: $probe"
  say "run.sh: no GPU here; stopping after the compile checks (exit 77)"
  exit 77
fi
say "== $probe"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem --format=csv >> "$log" 2>&1

say "== checking and timing ($runs runs per side)"
for config in "${compiled[@]}"; do
  parse_config "$config"
  say "  $tag"
  if line=$("$bench" "${args[@]}" --runs "$runs" 2>> "$log"); then
    echo "$line" >> "$results"
  else
    status=$?
    say "  $tag: FAILED with status $status (see $log)"
    error_row "run: status $status"
    failed=1
  fi
done

python3 bench/gpu/summarize.py "$results" | tee -a "$log"
say "results: $results, log: $log"
exit $failed
