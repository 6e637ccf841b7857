// W4A4 and W4A8 through the GPU W4A4 kernel (docs/gpu-lowering.md): the
// activations are quantized at run time by the run-time quantizer's loops
// (on the GPU, one thread per row and block pair), then the kernel takes
// the packed bytes of both operands. Each case is compared with the CPU
// build of the same module, which matches numerics::referenceIntegerGemm
// bit for bit (test/Integration/CPU/matmul-w4a4.mlir); the GPU sums the
// block terms in another order, hence a tolerance rather than equality.
// REQUIRES: cuda-gpu
//
// DEFINE: %{weights} = blockdialect
// DEFINE: %{acts} = blockdialect
// DEFINE: %{gen} =
// DEFINE: %{fuse} = --qblock-fuse-activation-quant
// DEFINE: %{nanrows} = 0
// DEFINE: %{rtol} = 1e-5
// DEFINE: %{decode} = permute
// DEFINE: %{nonzero} =
// DEFINE: %{run} = %python %S/../CPU/Inputs/gen_matmul.py %{gen} --acts-out %t.json > %t.mlir \
// DEFINE:   && quant-opt %t.mlir --qblock-quantize-linalg="scheme=%{weights} acts=%{acts}" %{fuse} --qblock-select-formats -o %t.q.mlir \
// DEFINE:   && quant-opt %t.q.mlir --qblock-gpu-pipeline="weight-decode=%{decode}" \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.gpu.out \
// DEFINE:   && quant-opt %t.q.mlir --qblock-cpu-pipeline="target=generic" \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.cpu.out \
// DEFINE:   && %python %S/../CPU/Inputs/check_close.py %t.gpu.out %t.cpu.out --rtol %{rtol} --expect-nan-rows %{nanrows} %{nonzero} | FileCheck %s
// CHECK: check_close: PASS

// GEMV, K = 4096: split K (f32 atomics); N = 37 leaves a partial row group.
// REDEFINE: %{gen} = --m 1 --n 37 --k 4096 --transposed --seed 91
// RUN: %{run}
// Tiles of 4 activation rows and a partial one (M = 6), a NaN row.
// REDEFINE: %{gen} = --m 6 --n 19 --k 256 --nan-row 4 --seed 92
// REDEFINE: %{nanrows} = 1
// RUN: %{run}
// REDEFINE: %{nanrows} = 0
// Unfused: matmul(quantize(x), w), dynamic M.
// REDEFINE: %{fuse} =
// REDEFINE: %{gen} = --m 3 --n 21 --k 512 --dynamic-m --seed 93
// RUN: %{run}
// REDEFINE: %{fuse} = --qblock-fuse-activation-quant
// MXFP4 activations, batched weights with a dynamic M, INT4 weights.
// REDEFINE: %{acts} = mxfp4
// REDEFINE: %{gen} = --m 5 --n 6 --k 96 --batch 3 --dynamic-m --seed 94
// RUN: %{run}
// REDEFINE: %{weights} = int4
// REDEFINE: %{gen} = --m 2 --n 5 --k 64 --batch 2 --transposed --seed 95
// RUN: %{run}
// Blocks of 64 (two 16-byte chunks each, summed per chunk) and of 16 (two
// blocks per chunk).
// REDEFINE: %{weights} = mxfp4 block=64
// REDEFINE: %{gen} = --m 2 --n 19 --k 512 --seed 98
// RUN: %{run}
// REDEFINE: %{weights} = blockdialect block=16
// REDEFINE: %{acts} = blockdialect
// REDEFINE: %{gen} = --m 3 --n 11 --k 128 --seed 99
// RUN: %{run}
// W4A8: INT8 activations (32 code bytes per chunk, F16 scales), a GEMV
// and an f16 result (rounded once, no split K).
// REDEFINE: %{weights} = mxfp4
// REDEFINE: %{acts} = int8
// REDEFINE: %{gen} = --m 1 --n 40 --k 1024 --seed 96
// RUN: %{run}
// REDEFINE: %{weights} = blockdialect
// Both builds round once to f16, from f32 sums in different orders: they
// may land on neighbouring f16 values (2^-10 of a value, at most).
// REDEFINE: %{gen} = --m 3 --n 17 --k 256 --out-type f16 --seed 97
// REDEFINE: %{rtol} = 2e-3
// RUN: %{run}
// REDEFINE: %{rtol} = 1e-5
// NVFP4 activations (E4M3 scales quantized at run time) with NVFP4 weights:
// a GEMV with split K and tiles with a NaN row.
// REDEFINE: %{weights} = nvfp4
// REDEFINE: %{acts} = nvfp4
// REDEFINE: %{gen} = --m 1 --n 37 --k 4096 --transposed --seed 101
// RUN: %{run}
// REDEFINE: %{gen} = --m 6 --n 19 --k 256 --nan-row 4 --seed 102
// REDEFINE: %{nanrows} = 1
// RUN: %{run}
// Small activations (|x| <= 0.002): their per-tensor scale, chosen on the
// host before the launch, keeps them from quantizing to zeros.
// REDEFINE: %{gen} = --m 3 --n 19 --k 256 --act-scale 0.002 --seed 105
// REDEFINE: %{nanrows} = 0
// REDEFINE: %{nonzero} = --nonzero
// RUN: %{run}
// REDEFINE: %{nonzero} =
// REDEFINE: %{nanrows} = 1
// The weights' table decode (weight-decode=table; the default decodes 4-bit
// weights by byte permutes, docs/gpu-lowering.md): a GEMV with split K, a
// tile with a NaN row, MXFP4 activations on batched weights.
// REDEFINE: %{decode} = table
// REDEFINE: %{weights} = blockdialect
// REDEFINE: %{acts} = blockdialect
// REDEFINE: %{gen} = --m 1 --n 37 --k 4096 --transposed --seed 103
// REDEFINE: %{nanrows} = 0
// RUN: %{run}
// REDEFINE: %{gen} = --m 6 --n 19 --k 256 --nan-row 4 --seed 104
// REDEFINE: %{nanrows} = 1
// RUN: %{run}
// REDEFINE: %{nanrows} = 0
// REDEFINE: %{acts} = mxfp4
// REDEFINE: %{gen} = --m 5 --n 6 --k 96 --batch 3 --dynamic-m --seed 105
// RUN: %{run}
