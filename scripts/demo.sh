#!/usr/bin/env bash
# The main job: installs what is missing, builds, generates a transformer
# decoder block (examples/make_transformer.py: RMSNorm, causal multi-head
# attention, GELU MLP as linalg on tensors, random weights), quantizes it
# (BlockDialect weights, activations quantized online inside the matmuls),
# lowers the float and the quantized module for this CPU, runs both on the
# same input and prints the error against the float model and the speed
# against the float build.
#
#   bash scripts/demo.sh [d_model d_ff seq]      # default 256 1024 32, 4 heads
set -euo pipefail
cd "$(dirname "$0")/.."
D=${1:-256}; F=${2:-1024}; S=${3:-32}
PY=/usr/bin/python3

step() { echo; echo "== [$1] $2"; }

step 1/5 "installing missing packages"
bash scripts/install-deps.sh
step 2/5 "building quant-opt, qblock-inspect and the Python package"
bash scripts/build.sh quant-opt qblock-inspect qblock-python

OUT=build/demo
mkdir -p "$OUT"
step 3/5 "generating the transformer block (d_model=$D, 4 heads, d_ff=$F, seq=$S)"
$PY examples/make_transformer.py --d-model "$D" --heads 4 --d-ff "$F" --seq "$S" \
  -o "$OUT/transformer_block.mlir"

step 4/5 "quantizing: BlockDialect weights, online BlockDialect activations (fused)"
build/bin/quant-opt "$OUT/transformer_block.mlir" \
  --qblock-quantize-linalg="scheme=blockdialect acts=blockdialect" \
  --qblock-fuse-activation-quant \
  --qblock-select-formats="report=$OUT/report.json" \
  -o "$OUT/transformer_block.q.mlir" 2> "$OUT/remarks.txt"
echo "$(grep -c 'qblock.matmul' "$OUT/transformer_block.q.mlir") matmuls quantized; remarks in $OUT/remarks.txt:"
sed -n 's/^.*remark: /  /p' "$OUT/remarks.txt" | sort | uniq -c
$PY - "$OUT/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(f"{'tensor':32} {'shape':>9} {'rel_mse':>10} {'bits/elem':>9}")
for t in report["tensors"]:
    print(f"{t['name']:32} {'x'.join(map(str, t['shape'])):>9} {t['rel_mse']:10.3e} {t['bits_per_element']:9.3f}")
PY

step 5/5 "lowering both modules for the CPU, running them on the same input"
PYTHONPATH=build/python_packages $PY examples/run_transformer.py \
  "$OUT/transformer_block.mlir" "$OUT/transformer_block.q.mlir" --runs 20
echo
echo "demo: done; modules and report in $OUT/"
