// W4A16 matmuls on tensor cores (--qblock-gpu-pipeline="tensor-cores=true",
// f16/bf16 activations, any M,
// lib/Conversion/QBlockToGPU/MmaMatmulKernel.cpp) run on the GPU and
// checked against activations times the weights as decoded by the numerics
// core (check_matmul.py, double precision), as matmul.mlir does for the
// CUDA-core kernel. rtol 1e-5: the mma's products of codes and half
// activations are exact and its sums f32.
// REQUIRES: cuda-gpu
//
// DEFINE: %{scheme} = blockdialect
// DEFINE: %{gen} = --m 40 --n 70 --k 256 --act-type bf16 --seed 81
// DEFINE: %{rtol} = 1e-5
// DEFINE: %{decode} = permute
// DEFINE: %{run} = %python %S/../CPU/Inputs/gen_matmul.py %{gen} --acts-out %t.json > %t.mlir \
// DEFINE:   && quant-opt %t.mlir --qblock-quantize-linalg="scheme=%{scheme}" --qblock-select-formats -o %t.q.mlir \
// DEFINE:   && qblock-inspect %t.q.mlir --values --blocks=0 > %t.w \
// DEFINE:   && quant-opt %t.q.mlir --qblock-gpu-pipeline="chip=sm_90a tensor-cores=true weight-decode=%{decode}" \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.out \
// DEFINE:   && %python %S/../CPU/Inputs/check_matmul.py %t.out %t.json %t.w --rtol %{rtol} | FileCheck %s
// CHECK: check_matmul: PASS

// BlockDialect, bf16: two 16-row tiles per warp (the second partial), a
// partial last warp of columns.
// RUN: %{run}
// MXFP4, f16, M = 16 (one tile), few columns and K = 512: split K (atomics).
// REDEFINE: %{scheme} = mxfp4
// REDEFINE: %{gen} = --m 16 --n 64 --k 512 --act-type f16 --transposed --seed 82
// RUN: %{run}
// NVFP4 (units of 16 inputs, E4M3 scales), bf16.
// REDEFINE: %{scheme} = nvfp4
// REDEFINE: %{gen} = --m 33 --n 40 --k 128 --act-type bf16 --outliers --seed 83
// RUN: %{run}
// INT4 (F16 scales), f16.
// REDEFINE: %{scheme} = int4
// REDEFINE: %{gen} = --m 20 --n 24 --k 128 --act-type f16 --seed 84
// RUN: %{run}
// A dynamic M of 37 (the general plan), of 3 (the same), and of 1 (the
// plan of M = 1: one 16-row tile, split K).
// REDEFINE: %{scheme} = blockdialect
// REDEFINE: %{gen} = --m 37 --n 21 --k 64 --act-type f16 --dynamic-m --seed 85
// RUN: %{run}
// REDEFINE: %{gen} = --m 3 --n 21 --k 64 --act-type f16 --dynamic-m --seed 85
// RUN: %{run}
// REDEFINE: %{gen} = --m 1 --n 21 --k 1024 --act-type bf16 --dynamic-m --seed 89
// RUN: %{run}
// GEMV (its row padded to 16): split K over 32 z slices, atomics; and a
// GEMM with 5 rows.
// REDEFINE: %{gen} = --m 1 --n 37 --k 4096 --act-type f16 --transposed --outliers --seed 90
// RUN: %{run}
// REDEFINE: %{scheme} = mxfp4
// REDEFINE: %{gen} = --m 5 --n 40 --k 256 --act-type bf16 --seed 91
// RUN: %{run}
// REDEFINE: %{scheme} = blockdialect
// Batched weights, N = 16 (two n tiles per warp).
// REDEFINE: %{gen} = --m 18 --n 16 --k 128 --batch 2 --transposed --act-type bf16 --seed 86
// RUN: %{run}
// Blocks of 64 (two units per block).
// REDEFINE: %{scheme} = blockdialect block=64
// REDEFINE: %{gen} = --m 17 --n 19 --k 256 --act-type bf16 --seed 88
// RUN: %{run}
// An f16 result, rounded once: within half an ulp of the largest output's
// binade (largest output 40.6: 2^-6 / 40.6 = 3.85e-4; the CPU build of this
// module is off by 3.73e-4).
// REDEFINE: %{scheme} = blockdialect
// REDEFINE: %{gen} = --m 16 --n 37 --k 512 --act-type f16 --out-type f16 --seed 87
// REDEFINE: %{rtol} = 3.85e-4
// RUN: %{run}
// Everything above builds the B registers by byte permutes (the default);
// weight-decode=table looks each code byte's pair up in workgroup memory:
// bf16 and f16, a one-dialect book with units of 16, a split-K GEMV.
// REDEFINE: %{decode} = table
// REDEFINE: %{rtol} = 1e-5
// REDEFINE: %{gen} = --m 40 --n 70 --k 256 --act-type bf16 --seed 92
// RUN: %{run}
// REDEFINE: %{scheme} = nvfp4
// REDEFINE: %{gen} = --m 33 --n 40 --k 128 --act-type f16 --outliers --seed 93
// RUN: %{run}
// REDEFINE: %{scheme} = blockdialect
// REDEFINE: %{gen} = --m 1 --n 37 --k 4096 --act-type f16 --transposed --outliers --seed 94
// RUN: %{run}
