// LUT-GEMM (BCQ weights) and W4A4 (online activation quantization) compiled
// by --qblock-gpu-pipeline and run on the GPU. LUT-GEMM is checked against
// the numerics core's decoded weights (check_matmul.py, rtol 1e-5); W4A4
// against the CPU build of the same module, which the CPU integration tests
// check against W4A16 on quantized-dequantized activations.
// REQUIRES: cuda-gpu

// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 3 --n 37 --k 256 --seed 61 --acts-out %t.json > %t.mlir
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=128" --qblock-select-formats -o %t.q.mlir
// RUN: qblock-inspect %t.q.mlir --values --blocks=0 > %t.w
// RUN: quant-opt %t.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.out %t.json %t.w | FileCheck %s --check-prefix=LUT
// LUT: check_matmul: PASS
// K = 1024 takes the chunked path; N = 37 leaves a partial last tile
// (masked loads).
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 2 --n 37 --k 1024 --seed 63 --acts-out %t.c.json > %t.c.mlir
// RUN: quant-opt %t.c.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=128" --qblock-select-formats -o %t.c.q.mlir
// RUN: qblock-inspect %t.c.q.mlir --values --blocks=0 > %t.c.w
// RUN: quant-opt %t.c.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.c.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.c.out %t.c.json %t.c.w | FileCheck %s --check-prefix=LUT

// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 4 --n 33 --k 256 --transposed --nan-row 2 --seed 62 --acts-out %t.json > %t.a.mlir
// RUN: quant-opt %t.a.mlir --qblock-quantize-linalg="scheme=blockdialect acts=blockdialect" --qblock-fuse-activation-quant --qblock-select-formats -o %t.a.q.mlir
// RUN: quant-opt %t.a.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.gpu.out
// RUN: quant-opt %t.a.q.mlir --qblock-cpu-pipeline="target=generic" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.cpu.out
// RUN: %python %S/../CPU/Inputs/check_close.py %t.gpu.out %t.cpu.out --expect-nan-rows 1 | FileCheck %s --check-prefix=W4A4
// W4A4: check_close: PASS
