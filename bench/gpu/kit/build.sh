#!/usr/bin/env bash
# Builds the GPU check kit: every case of cases.txt compiled here, ahead of
# time, into a small program that needs only the CUDA driver, plus what
# checking its output needs (bench/gpu/kit/README.md). A device machine has
# no LLVM/MLIR and cannot build the project; it runs the kit instead:
#
#   bash bench/gpu/kit/build.sh [OUT]           # here; OUT defaults to build/gpu-kit
#   bash OUT/run.sh                             # on the GPU machine
#
# QBLOCK_KIT_CASES=FILE builds the cases of FILE instead of cases.txt;
# QBLOCK_KIT_BENCH=0 leaves out the benchmark plans (bench/gpu/configs.txt,
# saved by qblock-gpu-bench --save-plan, run by qblock-gpu-run).
#
# Needs quant-opt, qblock-inspect and the CUDA runtime library built
# (scripts/build.sh quant-opt qblock-inspect qblock_cuda_runtime), ptxas
# (cases are compiled to sm_90a cubins) and mlir-runner (CPU references of
# the W4A4 cases).
set -euo pipefail
cd "$(dirname "$0")/../../.."
OUT=${1:-build/gpu-kit}
BUILD=${QBLOCK_BUILD_DIR:-build}
LLVM=/usr/lib/llvm-22
INPUTS=test/Integration/CPU/Inputs
KIT=bench/gpu/kit
CASES=${QBLOCK_KIT_CASES:-$KIT/cases.txt}
CHIP=${QBLOCK_GPU_CHIP:-sm_90a}
PTXAS=${PTXAS:-$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)}

for tool in "$BUILD/bin/quant-opt" "$BUILD/bin/qblock-inspect" "$BUILD/lib/libqblock_cuda_runtime.so"; do
  [ -e "$tool" ] || { echo "kit/build.sh: $tool is missing; build it first" >&2; exit 1; }
done
[ -x "$PTXAS" ] || { echo "kit/build.sh: ptxas not found (set PTXAS)" >&2; exit 1; }
export PATH="$(dirname "$PTXAS"):$PATH"

rm -rf "$OUT"
mkdir -p "$OUT/lib" "$OUT/cases"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp "$BUILD/lib/libqblock_cuda_runtime.so" "$OUT/lib/"
"$LLVM/bin/clang" -O2 -fPIC -shared "$KIT/print_memref.c" -o "$OUT/lib/libqblock_kit_runner.so"
"$LLVM/bin/clang" -O2 -c "$KIT/main.c" -o "$WORK/main.o"
cp "$INPUTS/check_matmul.py" "$INPUTS/check_close.py" "$KIT/run.sh" "$OUT/"
runner_libs="$LLVM/lib/libmlir_c_runner_utils.so,$LLVM/lib/libmlir_runner_utils.so,$LLVM/lib/libomp.so"

trim() { local s="$1"; s="${s#"${s%%[![:space:]]*}"}"; echo "${s%"${s##*[![:space:]]}"}"; }
count=0
while IFS='|' read -r name check rtol nanrows quant passes gen; do
  name=$(trim "$name")
  case "$name" in ''|'#'*) continue ;; esac
  check=$(trim "$check"); rtol=$(trim "$rtol"); nanrows=$(trim "$nanrows")
  quant=$(trim "$quant"); passes=$(trim "$passes"); gen=$(trim "$gen")
  # Tokens gpu:OPTION of the passes column are --qblock-gpu-pipeline options.
  gpuopts=""
  quantpasses=""
  for token in $passes; do
    case "$token" in
      gpu:*) gpuopts="$gpuopts ${token#gpu:}" ;;
      *) quantpasses="$quantpasses $token" ;;
    esac
  done
  dir="$OUT/cases/$name"
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  python3 "$INPUTS/gen_matmul.py" $gen --acts-out "$dir/acts.json" > "$WORK/$name.mlir"
  # shellcheck disable=SC2086
  "$BUILD/bin/quant-opt" "$WORK/$name.mlir" --qblock-quantize-linalg="$quant" $quantpasses \
    --qblock-select-formats -o "$WORK/$name.q.mlir"
  if [ "$check" = matmul ]; then
    "$BUILD/bin/qblock-inspect" "$WORK/$name.q.mlir" --values --blocks=0 > "$dir/weights.txt"
  else
    "$BUILD/bin/quant-opt" "$WORK/$name.q.mlir" --qblock-cpu-pipeline \
      | "$LLVM/bin/mlir-runner" -e main -entry-point-result=void -shared-libs="$runner_libs" \
      > "$dir/cpu.out"
  fi
  sed 's/func\.func @main()/func.func @qblock_case_main()/' "$WORK/$name.q.mlir" > "$WORK/$name.r.mlir"
  "$BUILD/bin/quant-opt" "$WORK/$name.r.mlir" --qblock-gpu-pipeline="chip=$CHIP format=bin$gpuopts" \
    -o "$WORK/$name.llvm.mlir"
  "$LLVM/bin/mlir-translate" --mlir-to-llvmir "$WORK/$name.llvm.mlir" -o "$WORK/$name.ll"
  "$LLVM/bin/clang" -O2 -c "$WORK/$name.ll" -o "$WORK/$name.o" 2> /dev/null
  "$LLVM/bin/clang" "$WORK/$name.o" "$WORK/main.o" -o "$dir/program" \
    -L"$OUT/lib" -lqblock_cuda_runtime -lqblock_kit_runner -Wl,-rpath,'$ORIGIN/../../lib'
  printf '%s\n%s\n%s\n' "$check" "$rtol" "$nanrows" > "$dir/check"
  count=$((count + 1))
done < "$CASES"
# Timing: qblock-gpu-bench (which compiles in-process) saves the launch plan
# of each benchmark configuration; qblock-gpu-run (no LLVM) runs them there.
plans=0
if [ "${QBLOCK_KIT_BENCH:-1}" = 1 ]; then
  for tool in "$BUILD/bin/qblock-gpu-bench" "$BUILD/bin/qblock-gpu-run"; do
    [ -x "$tool" ] || { echo "kit/build.sh: $tool is missing; build it or set QBLOCK_KIT_BENCH=0" >&2; exit 1; }
  done
  mkdir -p "$OUT/bin" "$OUT/plans"
  cp "$BUILD/bin/qblock-gpu-run" "$OUT/bin/"
  cp bench/gpu/summarize.py "$OUT/"
  while read -r set op scheme m n k extra; do
    case "$set" in quick|full) ;; *) continue ;; esac
    tag="$set-$op-$scheme-m$m-n$n-k$k$(echo "${extra:-}" | tr -d ' -')"
    # shellcheck disable=SC2086
    "$BUILD/bin/qblock-gpu-bench" --save-plan "$OUT/plans/$tag" --chip "$CHIP" --format bin \
      --op "$op" --scheme "$scheme" --m "$m" --n "$n" --k "$k" ${extra:-} 2> "$WORK/plan.log" \
      || { cat "$WORK/plan.log" >&2; exit 1; }
    plans=$((plans + 1))
  done < bench/gpu/configs.txt
fi
echo "kit/build.sh: $count cases, $plans benchmark plans in $OUT ($(du -sh "$OUT" | cut -f1)); run: bash $OUT/run.sh"
