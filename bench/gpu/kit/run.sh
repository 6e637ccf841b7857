#!/usr/bin/env bash
# Runs the GPU check kit (built by bench/gpu/kit/build.sh) on a machine with
# an NVIDIA GPU: each case's program prints its result, which is checked
# against the numerics core's decoded weights (check_matmul.py) or the CPU
# build of the same module (check_close.py, W4A4). Needs the CUDA driver
# and python3 only. Prints one line per case, then a summary; exit status 0
# when every case passed.
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
[ "$failed" = 0 ]
