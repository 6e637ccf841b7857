// W4A4 and W4A8 on tensor cores (--qblock-gpu-pipeline="tensor-cores=true":
// mma.sync.m16n8k32, or m16n8k16 for blocks of 16, with signed-byte
// operands and s32 sums,
// lib/Conversion/QBlockToGPU/MmaMatmulKernel.cpp), compared with the CPU
// build of the same module, which matches numerics::referenceIntegerGemm
// bit for bit (test/Integration/CPU/matmul-w4a4.mlir), as matmul-w4a4.mlir
// does for the CUDA-core integer kernel. The unit sums are exact integers;
// the GPU adds the scaled terms in another order, hence a tolerance.
// REQUIRES: cuda-gpu
//
// DEFINE: %{weights} = blockdialect
// DEFINE: %{acts} = blockdialect
// DEFINE: %{gen} =
// DEFINE: %{fuse} = --qblock-fuse-activation-quant
// DEFINE: %{nanrows} = 0
// DEFINE: %{rtol} = 1e-5
// DEFINE: %{run} = %python %S/../CPU/Inputs/gen_matmul.py %{gen} --acts-out %t.json > %t.mlir \
// DEFINE:   && quant-opt %t.mlir --qblock-quantize-linalg="scheme=%{weights} acts=%{acts}" %{fuse} --qblock-select-formats -o %t.q.mlir \
// DEFINE:   && quant-opt %t.q.mlir --qblock-gpu-pipeline="tensor-cores=true" \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.gpu.out \
// DEFINE:   && quant-opt %t.q.mlir --qblock-cpu-pipeline="target=generic" \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.cpu.out \
// DEFINE:   && %python %S/../CPU/Inputs/check_close.py %t.gpu.out %t.cpu.out --rtol %{rtol} --expect-nan-rows %{nanrows} | FileCheck %s
// CHECK: check_close: PASS

// Two 16-row tiles per warp (the second partial), a partial last warp of
// columns, K = 256 (8 units).
// REDEFINE: %{gen} = --m 40 --n 70 --k 256 --seed 111
// RUN: %{run}
// GEMV (its row padded to 16), K = 4096: split K (f32 atomics).
// REDEFINE: %{gen} = --m 1 --n 37 --k 4096 --transposed --seed 112
// RUN: %{run}
// A NaN activation row: NaN in its outputs only.
// REDEFINE: %{gen} = --m 6 --n 19 --k 256 --nan-row 4 --seed 113
// REDEFINE: %{nanrows} = 1
// RUN: %{run}
// REDEFINE: %{nanrows} = 0
// Unfused: matmul(quantize(x), w), a dynamic M of 37 and of 1 (the plan
// of M = 1).
// REDEFINE: %{fuse} =
// REDEFINE: %{gen} = --m 37 --n 21 --k 96 --dynamic-m --seed 114
// RUN: %{run}
// REDEFINE: %{gen} = --m 1 --n 21 --k 1024 --dynamic-m --seed 115
// RUN: %{run}
// REDEFINE: %{fuse} = --qblock-fuse-activation-quant
// MXFP4 activations (E8M0 scales next to the weights' E8M0 table), batched
// weights (N a multiple of 8) with a dynamic M; INT4 weights (F16 scales).
// REDEFINE: %{acts} = mxfp4
// REDEFINE: %{gen} = --m 5 --n 16 --k 96 --batch 3 --dynamic-m --seed 116
// RUN: %{run}
// REDEFINE: %{weights} = int4
// REDEFINE: %{gen} = --m 18 --n 8 --k 64 --batch 2 --transposed --seed 117
// RUN: %{run}
// Blocks of 64: two units, two mma per block.
// REDEFINE: %{weights} = mxfp4 block=64
// REDEFINE: %{acts} = blockdialect
// REDEFINE: %{gen} = --m 20 --n 19 --k 512 --seed 118
// RUN: %{run}
// W4A8: INT8 activations (8 code bytes per lane and unit, F16 scales): a
// GEMV with split K, and 33 rows with a dynamic M.
// REDEFINE: %{weights} = mxfp4
// REDEFINE: %{acts} = int8
// REDEFINE: %{gen} = --m 1 --n 40 --k 1024 --seed 119
// RUN: %{run}
// REDEFINE: %{weights} = blockdialect
// REDEFINE: %{gen} = --m 33 --n 40 --k 256 --dynamic-m --seed 120
// RUN: %{run}
// An f16 result, rounded once from f32 sums in another order than the
// CPU's: neighbouring f16 values at most (2^-10 of a value).
// REDEFINE: %{gen} = --m 17 --n 17 --k 256 --out-type f16 --seed 121
// REDEFINE: %{rtol} = 2e-3
// RUN: %{run}
// REDEFINE: %{rtol} = 1e-5
// Blocks of 16 (m16n8k16): NVFP4 (E4M3 scales) with a NaN row and a
// split-K GEMV, BlockDialect with INT8 activations (4 bytes per lane and
// unit).
// REDEFINE: %{weights} = nvfp4
// REDEFINE: %{acts} = nvfp4
// REDEFINE: %{gen} = --m 20 --n 19 --k 256 --nan-row 4 --seed 122
// REDEFINE: %{nanrows} = 1
// RUN: %{run}
// REDEFINE: %{nanrows} = 0
// REDEFINE: %{gen} = --m 1 --n 37 --k 4096 --transposed --seed 123
// RUN: %{run}
// REDEFINE: %{weights} = blockdialect block=16
// REDEFINE: %{acts} = int8
// REDEFINE: %{gen} = --m 17 --n 33 --k 96 --seed 124
// RUN: %{run}
