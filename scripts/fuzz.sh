#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang-22, ASan + UBSan) into build-fuzz/
# and runs each for a bounded time on a corpus seeded from the test suite.
# Findings (crash-*, leak-*, timeout-*) land in build-fuzz/findings/.
#   bash scripts/fuzz.sh [seconds per fuzzer, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
LLVM=/usr/lib/llvm-22/bin
OUT=build-fuzz

bash scripts/install-deps.sh
if [ ! -f "$OUT/build.ninja" ]; then
  cmake -S . -B "$OUT" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=$LLVM/clang -DCMAKE_CXX_COMPILER=$LLVM/clang++ \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DQBLOCK_FUZZ=ON \
    -DQBLOCK_BUILD_TESTS=OFF
fi
cmake --build "$OUT" -j "$(nproc)" --target qblock-numerics-fuzzer qblock-parser-fuzzer

# libMLIR.so is not instrumented: ASan must ignore the poisoning that LLVM's
# allocators (inlined into our code) request, or it reports false positives.
export ASAN_OPTIONS=allow_user_poisoning=0:detect_leaks=0
mkdir -p "$OUT/corpus/numerics" "$OUT/corpus/parser" "$OUT/findings"
# Seed the parser with every test input, split at '// -----'.
/usr/bin/python3 - "$OUT/corpus/parser" <<'PY'
import glob, sys
i = 0
for path in glob.glob("test/**/*.mlir", recursive=True):
    for chunk in open(path, errors="replace").read().split("// -----"):
        open(f"{sys.argv[1]}/seed{i}", "w").write(chunk)
        i += 1
PY

for fuzzer in numerics parser; do
  echo "== qblock-$fuzzer-fuzzer for ${SECONDS_EACH}s"
  (cd "$OUT/findings" && \
   ../bin/qblock-$fuzzer-fuzzer -max_total_time="$SECONDS_EACH" \
     -max_len=4096 -timeout=10 -print_final_stats=1 ../corpus/$fuzzer 2>&1 \
   | grep -E "^(Done|stat::number_of_executed_units|==[0-9]+== ?ERROR|INFO: a leak)" || true)
done
# One glob per kind: `ls a b` fails when either is missing, which used to
# report "no findings" beside a crash file.
shopt -s nullglob
findings=("$OUT"/findings/crash-* "$OUT"/findings/timeout-* \
          "$OUT"/findings/leak-* "$OUT"/findings/oom-*)
if ((${#findings[@]})); then
  printf 'fuzz: FINDINGS: %s\n' "${findings[@]}"; exit 1
fi
echo "fuzz: no findings"
