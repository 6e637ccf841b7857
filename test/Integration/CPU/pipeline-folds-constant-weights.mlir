// The pipelines quantize constant weights themselves (their first pass is
// --qblock-select-formats): the plain `--qblock-quantize-linalg=...
// --qblock-cpu-pipeline` packs NVFP4 and BCQ weights (BCQ has no run-time
// quantizer) at compile time, checked against the numerics core's decoded
// weights like every integration test, and the GPU pipeline hands such
// weights to its kernels.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 13 --k 256 --seed 41 --acts-out %t.json > %t.mlir
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=nvfp4" --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.nv.out
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=nvfp4" --qblock-select-formats -o %t.nv.q.mlir
// RUN: qblock-inspect %t.nv.q.mlir --values --blocks=0 > %t.nv.w
// RUN: %python %S/Inputs/check_matmul.py %t.nv.out %t.json %t.nv.w | FileCheck %s
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=128" --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.bcq.out
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=128" --qblock-select-formats -o %t.bcq.q.mlir
// RUN: qblock-inspect %t.bcq.q.mlir --values --blocks=0 > %t.bcq.w
// RUN: %python %S/Inputs/check_matmul.py %t.bcq.out %t.json %t.bcq.w | FileCheck %s
// CHECK: check_matmul: PASS
// The GPU pipeline: one LUT-GEMM kernel launch, no run-time quantization.
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=128" --qblock-gpu-pipeline \
// RUN:   | FileCheck %s --check-prefix=GPU
// GPU-LABEL: llvm.func @matmul
// GPU-COUNT-1: gpu.launch_func
// GPU-NOT: gpu.launch_func
