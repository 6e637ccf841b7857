#!/usr/bin/env bash
# Runs the GPU check kit (built by bench/gpu/kit/build.sh) on a machine with
# an NVIDIA GPU: each case's program prints its result, which is checked
# against the numerics core's decoded weights (check_matmul.py) or the CPU
# build of the same module (check_close.py, W4A4); then the benchmark plans
# run through qblock-gpu-run (results.jsonl, the table of summarize.py).
# Needs the CUDA driver, cuBLAS for the timings and python3 only. Exit
# status 0 when every case passed and every plan ran.
set -uo pipefail
cd "$(dirname "$0")"
command -v nvidia-smi > /dev/null && nvidia-smi -L
passed=0; failed=0
for dir in cases/*/; do
  name=$(basename "$dir")
  { read -r check; read -r rtol; read -r nanrows; } < "$dir/check"
  timeout 120 "$dir/program" > "$dir/gpu.out" 2> "$dir/gpu.err"
  status=$?
  if [ "$status" != 0 ]; then
    echo "FAIL $name: program exited with $status ($(head -c 300 "$dir/gpu.err" | tr '\n' ' '))"
    failed=$((failed + 1)); continue
  fi
  if [ "$check" = matmul ]; then
    result=$(python3 check_matmul.py "$dir/gpu.out" "$dir/acts.json" "$dir/weights.txt" --rtol "$rtol" 2>&1)
  else
    result=$(python3 check_close.py "$dir/gpu.out" "$dir/cpu.out" --rtol "$rtol" --expect-nan-rows "$nanrows" 2>&1)
  fi
  if echo "$result" | grep -q ": PASS"; then
    echo "pass $name: $result"; passed=$((passed + 1))
  else
    echo "FAIL $name: $result"; failed=$((failed + 1))
  fi
done
echo "gpu kit: $passed passed, $failed failed"

# Benchmark plans (qblock-gpu-run: direct launches against cuBLAS fp16 and
# the copy bandwidth). RUNS=N sets the timed calls (default 100);
# KIT_PLANS=quick runs only the quick set (N = K = 8192); KIT_BENCH=0 skips
# them.
find_cublas() {
  local dir
  dir=$(python3 -c 'import nvidia.cublas as c; print(list(c.__path__)[0] + "/lib")' 2> /dev/null)
  for p in $(ldconfig -p 2> /dev/null | awk '/libcublas\.so/ {print $NF}') \
           "$dir"/libcublas.so.* /usr/local/cuda/lib64/libcublas.so.*; do
    [ -f "$p" ] && { echo "$p"; return; }
  done
}
if [ -d plans ] && [ "${KIT_BENCH:-1}" = 1 ]; then
  cublas=$(find_cublas)
  echo "== benchmark plans (cuBLAS: ${cublas:-not found})"
  : > results.jsonl
  for plan in plans/"${KIT_PLANS:-}"*/; do
    read -r _ op m n k act acts _ < <(grep '^spec ' "$plan/plan.txt")
    read -r _ scheme _ < <(grep '^weights ' "$plan/plan.txt")
    tc=false
    grep -q '^tensor_cores 1' "$plan/plan.txt" && tc=true
    decode=$(sed -n 's/^weight_decode //p' "$plan/plan.txt")
    if line=$(bin/qblock-gpu-run "$plan" --runs "${RUNS:-100}" ${cublas:+--cublas "$cublas"} 2>> bench.log); then
      echo "$line" >> results.jsonl
    else
      status=$?
      echo "FAIL $(basename "$plan"): qblock-gpu-run exited with $status (bench.log)"
      echo "{\"op\": \"$op\", \"scheme\": \"$scheme\", \"m\": $m, \"n\": $n, \"k\": $k, \"act_type\": \"$act\", \"acts\": \"$acts\", \"tensor_cores\": $tc, \"weight_decode\": \"${decode:-permute}\", \"error\": \"run: status $status\"}" >> results.jsonl
      failed=$((failed + 1))
    fi
  done
  python3 summarize.py results.jsonl
fi
[ "$failed" = 0 ]
