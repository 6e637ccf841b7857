#!/usr/bin/env bash
# The main job on the bundled example: installs what is missing, builds, then
# quantizes examples/mlp.mlir (a linalg MLP with constant weights) to
# BlockDialect, prints the resulting IR, the accuracy report and the decoded
# values of the first packed blocks.
#
#   bash scripts/demo.sh [scheme]      # blockdialect (default), mxfp4, nvfp4, int4, bcq
set -euo pipefail
cd "$(dirname "$0")/.."
SCHEME=${1:-blockdialect}

step() { echo; echo "== [$1] $2"; }

step 1/5 "installing missing packages"
bash scripts/install-deps.sh
step 2/5 "building quant-opt and qblock-inspect"
bash scripts/build.sh quant-opt qblock-inspect

OUT=build/demo
mkdir -p "$OUT"
step 3/5 "quantizing examples/mlp.mlir (scheme=$SCHEME)"
build/bin/quant-opt examples/mlp.mlir \
  --qblock-quantize-linalg="scheme=$SCHEME" \
  --qblock-select-formats="report=$OUT/report.json" \
  -o "$OUT/mlp.$SCHEME.mlir"
# Packed weights live in dense_resource blobs at the end of the file; print the
# IR without them.
sed '/^{-#$/,$d' "$OUT/mlp.$SCHEME.mlir"

step 4/5 "accuracy report ($OUT/report.json)"
/usr/bin/python3 - "$OUT/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(f"{'tensor':28} {'shape':>9} {'scheme':>12} {'block':>5} {'rel_mse':>10} {'bits/elem':>9}  dialect histogram")
for t in report["tensors"]:
    shape = "x".join(map(str, t["shape"]))
    print(f"{t['name']:28} {shape:>9} {t['scheme']:>12} {t['block']:>5} {t['rel_mse']:10.3e} {t['bits_per_element']:9.3f}  {t['histogram']}")
PY

step 5/5 "decoded values of the first packed blocks"
build/bin/qblock-inspect "$OUT/mlp.$SCHEME.mlir" --blocks=2
echo
echo "demo: done; quantized module in $OUT/mlp.$SCHEME.mlir"
