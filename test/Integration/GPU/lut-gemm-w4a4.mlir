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
// K = 1024: four chunks of 256 inputs; N = 37 leaves a partial warp step.
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 2 --n 37 --k 1024 --seed 63 --acts-out %t.c.json > %t.c.mlir
// RUN: quant-opt %t.c.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=128" --qblock-select-formats -o %t.c.q.mlir
// RUN: qblock-inspect %t.c.q.mlir --values --blocks=0 > %t.c.w
// RUN: quant-opt %t.c.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.c.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.c.out %t.c.json %t.c.w | FileCheck %s --check-prefix=LUT

// The LUT-GEMM kernel (docs/gpu-lowering.md) on more shapes, each checked
// against the numerics core like the cases above.
// q = 1, GEMV, N = 33 (a partial warp step of 4 rows).
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 1 --n 33 --k 256 --seed 70 --acts-out %t.q1.json > %t.q1.mlir
// RUN: quant-opt %t.q1.mlir --qblock-quantize-linalg="scheme=bcq bits=1 group=64" --qblock-select-formats -o %t.q1.q.mlir
// RUN: qblock-inspect %t.q1.q.mlir --values --blocks=0 > %t.q1.w
// RUN: quant-opt %t.q1.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.q1.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.q1.out %t.q1.json %t.q1.w | FileCheck %s --check-prefix=LUT
// q = 2, M = 5, K = 320: a chunk of 256 inputs and a partial one of 64.
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 5 --n 17 --k 320 --seed 71 --acts-out %t.q2.json > %t.q2.mlir
// RUN: quant-opt %t.q2.mlir --qblock-quantize-linalg="scheme=bcq bits=2 group=32" --qblock-select-formats -o %t.q2.q.mlir
// RUN: qblock-inspect %t.q2.q.mlir --values --blocks=0 > %t.q2.w
// RUN: quant-opt %t.q2.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.q2.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.q2.out %t.q2.json %t.q2.w | FileCheck %s --check-prefix=LUT
// q = 4, K = 640: two chunks and a half, groups of 128.
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 3 --n 37 --k 640 --seed 72 --acts-out %t.q4.json > %t.q4.mlir
// RUN: quant-opt %t.q4.mlir --qblock-quantize-linalg="scheme=bcq bits=4 group=128" --qblock-select-formats -o %t.q4.q.mlir
// RUN: qblock-inspect %t.q4.q.mlir --values --blocks=0 > %t.q4.w
// RUN: quant-opt %t.q4.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.q4.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.q4.out %t.q4.json %t.q4.w | FileCheck %s --check-prefix=LUT
// from=uniform: offsets (z = sum(alpha) - s * z0); groups of 192, so the
// second group (inputs 192-383) straddles the chunks [0, 256) and [256, 384).
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 2 --n 41 --k 384 --seed 73 --acts-out %t.uni.json > %t.uni.mlir
// RUN: quant-opt %t.uni.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=192 from=uniform" --qblock-select-formats -o %t.uni.q.mlir
// RUN: qblock-inspect %t.uni.q.mlir --values --blocks=0 > %t.uni.w
// RUN: quant-opt %t.uni.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.uni.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.uni.out %t.uni.json %t.uni.w | FileCheck %s --check-prefix=LUT
// groups of 16 (two per 4-byte word), a transposed weight.
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 2 --n 7 --k 96 --transposed --seed 74 --acts-out %t.g16.json > %t.g16.mlir
// RUN: quant-opt %t.g16.mlir --qblock-quantize-linalg="scheme=bcq bits=2 group=16" --qblock-select-formats -o %t.g16.q.mlir
// RUN: qblock-inspect %t.g16.q.mlir --values --blocks=0 > %t.g16.w
// RUN: quant-opt %t.g16.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.g16.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.g16.out %t.g16.json %t.g16.w | FileCheck %s --check-prefix=LUT
// groups of 8 (four per 4-byte word: each row of a warp step starts at its own group).
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 2 --n 13 --k 64 --seed 81 --acts-out %t.g8.json > %t.g8.mlir
// RUN: quant-opt %t.g8.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=8" --qblock-select-formats -o %t.g8.q.mlir
// RUN: qblock-inspect %t.g8.q.mlir --values --blocks=0 > %t.g8.w
// RUN: quant-opt %t.g8.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.g8.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.g8.out %t.g8.json %t.g8.w | FileCheck %s --check-prefix=LUT
// K = 80 (10 plane bytes a row): 2-byte words, 16 lanes per row, two rows per step.
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 3 --n 11 --k 80 --seed 82 --acts-out %t.w2.json > %t.w2.mlir
// RUN: quant-opt %t.w2.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=16" --qblock-select-formats -o %t.w2.q.mlir
// RUN: qblock-inspect %t.w2.q.mlir --values --blocks=0 > %t.w2.w
// RUN: quant-opt %t.w2.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.w2.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.w2.out %t.w2.json %t.w2.w | FileCheck %s --check-prefix=LUT
// 2-byte words holding two groups of 8.
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 1 --n 6 --k 80 --seed 83 --acts-out %t.w2g8.json > %t.w2g8.mlir
// RUN: quant-opt %t.w2g8.mlir --qblock-quantize-linalg="scheme=bcq bits=2 group=8" --qblock-select-formats -o %t.w2g8.q.mlir
// RUN: qblock-inspect %t.w2g8.q.mlir --values --blocks=0 > %t.w2g8.w
// RUN: quant-opt %t.w2g8.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.w2g8.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.w2g8.out %t.w2g8.json %t.w2g8.w | FileCheck %s --check-prefix=LUT
// N = 600: two row tiles of 512, the second partial (iterations of 4 warp
// steps reach past its last row).
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 1 --n 600 --k 256 --seed 84 --acts-out %t.tiles.json > %t.tiles.mlir
// RUN: quant-opt %t.tiles.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=128" --qblock-select-formats -o %t.tiles.q.mlir
// RUN: qblock-inspect %t.tiles.q.mlir --values --blocks=0 > %t.tiles.w
// RUN: quant-opt %t.tiles.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.tiles.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.tiles.out %t.tiles.json %t.tiles.w | FileCheck %s --check-prefix=LUT
// groups of 24: 1-byte words, 32 lanes per row.
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 1 --n 9 --k 72 --seed 75 --acts-out %t.g24.json > %t.g24.mlir
// RUN: quant-opt %t.g24.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=24" --qblock-select-formats -o %t.g24.q.mlir
// RUN: qblock-inspect %t.g24.q.mlir --values --blocks=0 > %t.g24.w
// RUN: quant-opt %t.g24.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.g24.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.g24.out %t.g24.json %t.g24.w | FileCheck %s --check-prefix=LUT
// dynamic M (3 at run time).
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 3 --n 19 --k 256 --dynamic-m --seed 76 --acts-out %t.dyn.json > %t.dyn.mlir
// RUN: quant-opt %t.dyn.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=64" --qblock-select-formats -o %t.dyn.q.mlir
// RUN: qblock-inspect %t.dyn.q.mlir --values --blocks=0 > %t.dyn.w
// RUN: quant-opt %t.dyn.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.dyn.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.dyn.out %t.dyn.json %t.dyn.w | FileCheck %s --check-prefix=LUT

// f16 and bf16 activations, widened in the table build (one 16-byte load
// per sub-vector of 8): a GEMM tile and a transposed GEMV.
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 3 --n 21 --k 256 --act-type f16 --seed 77 --acts-out %t.h.json > %t.h.mlir
// RUN: quant-opt %t.h.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=128" --qblock-select-formats -o %t.h.q.mlir
// RUN: qblock-inspect %t.h.q.mlir --values --blocks=0 > %t.h.w
// RUN: quant-opt %t.h.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.h.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.h.out %t.h.json %t.h.w | FileCheck %s --check-prefix=LUT
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 1 --n 19 --k 512 --act-type bf16 --transposed --seed 78 --acts-out %t.b.json > %t.b.mlir
// RUN: quant-opt %t.b.mlir --qblock-quantize-linalg="scheme=bcq bits=2 group=64" --qblock-select-formats -o %t.b.q.mlir
// RUN: qblock-inspect %t.b.q.mlir --values --blocks=0 > %t.b.w
// RUN: quant-opt %t.b.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.b.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.b.out %t.b.json %t.b.w | FileCheck %s --check-prefix=LUT
// f16 and bf16 results: the kernel adds into an f32 copy of init and each
// output is rounded once (a widening and a narrowing launch around it):
// within half an ulp of the largest output's binade (largest outputs 29.5
// and 37.9: 2^-7 / 29.5 = 2.65e-4, 2^-2 / 37.9 = 3.30e-3; the CPU build of
// these modules is off by 2.5e-4 and 3.27e-3).
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 3 --n 21 --k 512 --act-type f16 --out-type f16 --seed 81 --acts-out %t.ho.json > %t.ho.mlir
// RUN: quant-opt %t.ho.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=128" --qblock-select-formats -o %t.ho.q.mlir
// RUN: qblock-inspect %t.ho.q.mlir --values --blocks=0 > %t.ho.w
// RUN: quant-opt %t.ho.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.ho.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.ho.out %t.ho.json %t.ho.w --rtol 2.7e-4 | FileCheck %s --check-prefix=LUT
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 1 --n 40 --k 1024 --act-type bf16 --out-type bf16 --dynamic-m --seed 82 --acts-out %t.bo.json > %t.bo.mlir
// RUN: quant-opt %t.bo.mlir --qblock-quantize-linalg="scheme=bcq bits=2 group=64" --qblock-select-formats -o %t.bo.q.mlir
// RUN: qblock-inspect %t.bo.q.mlir --values --blocks=0 > %t.bo.w
// RUN: quant-opt %t.bo.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.bo.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.bo.out %t.bo.json %t.bo.w --rtol 3.35e-3 | FileCheck %s --check-prefix=LUT
// Batched weights (one launch, each batch's row tiles in turn): a
// transposed batch of 3 with N = 37, and a dynamic M.
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 2 --n 37 --k 256 --batch 3 --transposed --seed 79 --acts-out %t.bt.json > %t.bt.mlir
// RUN: quant-opt %t.bt.mlir --qblock-quantize-linalg="scheme=bcq bits=3 group=64" --qblock-select-formats -o %t.bt.q.mlir
// RUN: qblock-inspect %t.bt.q.mlir --values --blocks=0 > %t.bt.w
// RUN: quant-opt %t.bt.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.bt.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.bt.out %t.bt.json %t.bt.w | FileCheck %s --check-prefix=LUT
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 3 --n 9 --k 512 --batch 2 --dynamic-m --seed 80 --acts-out %t.bd.json > %t.bd.mlir
// RUN: quant-opt %t.bd.mlir --qblock-quantize-linalg="scheme=bcq bits=2 group=128" --qblock-select-formats -o %t.bd.q.mlir
// RUN: qblock-inspect %t.bd.q.mlir --values --blocks=0 > %t.bd.w
// RUN: quant-opt %t.bd.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.bd.out
// RUN: %python %S/../CPU/Inputs/check_matmul.py %t.bd.out %t.bd.json %t.bd.w | FileCheck %s --check-prefix=LUT

// W4A4 (the W4A4 kernel, test/Integration/GPU/matmul-w4a4.mlir has more
// shapes), against the CPU build of the same module.
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 4 --n 33 --k 256 --transposed --nan-row 2 --seed 62 --acts-out %t.json > %t.a.mlir
// RUN: quant-opt %t.a.mlir --qblock-quantize-linalg="scheme=blockdialect acts=blockdialect" --qblock-fuse-activation-quant --qblock-select-formats -o %t.a.q.mlir
// RUN: quant-opt %t.a.q.mlir --qblock-gpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.gpu.out
// RUN: quant-opt %t.a.q.mlir --qblock-cpu-pipeline="target=generic" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.cpu.out
// RUN: %python %S/../CPU/Inputs/check_close.py %t.gpu.out %t.cpu.out --expect-nan-rows 1 | FileCheck %s --check-prefix=W4A4
// W4A4: check_close: PASS
