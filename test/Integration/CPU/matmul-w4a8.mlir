// W4A8: --qblock-quantize-linalg acts=int8 quantizes activations at run time
// to INT8 blocks (8-bit codes q, f16 scale amax / 127) and the matmul
// multiplies q with the weights' half-unit magnitudes as exact block dot
// products, one scale multiply per block pair (the W4A4 kernels; VNNI bytes
// q + 128 on AVX-512). It must equal, up to float summation order, the W4A16
// product of the same weights with explicitly quantized-then-dequantized
// activations (whose run-time quantize quantize-runtime.mlir checks against
// the numerics core); a NaN in an activation block turns exactly that output
// row into NaN.
//
// DEFINE: %{weights} = blockdialect
// DEFINE: %{gen} =
// DEFINE: %{actattr} = int8
// DEFINE: %{nanrows} = 0
// DEFINE: %{fuse} =
// DEFINE: %{run} = %python %S/Inputs/gen_matmul.py %{gen} --acts-out %t.json > %t.a.mlir \
// DEFINE:   && %python %S/Inputs/gen_matmul.py %{gen} --acts-out %t.json --explicit-act-quant "%{actattr}" > %t.b.mlir \
// DEFINE:   && quant-opt %t.a.mlir --qblock-quantize-linalg="scheme=%{weights} acts=int8" %{fuse} --qblock-select-formats --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.a.out \
// DEFINE:   && quant-opt %t.b.mlir --qblock-quantize-linalg="scheme=%{weights}" --qblock-select-formats --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.b.out \
// DEFINE:   && %python %S/Inputs/check_close.py %t.a.out %t.b.out --expect-nan-rows %{nanrows} | FileCheck %s
// CHECK: check_close: PASS

// GEMV (transposed weight) and GEMM, odd shapes.
// REDEFINE: %{gen} = --m 1 --n 33 --k 256 --transposed --outliers --seed 71
// RUN: %{run}
// REDEFINE: %{gen} = --m 3 --n 13 --k 64 --seed 72
// RUN: %{run}
// The same with a dynamic K (tensor<?x?xf32>; K known only from the weight).
// REDEFINE: %{gen} = --m 3 --n 13 --k 64 --dynamic-k --seed 72
// RUN: %{run}
// A 2-D weight shared by both batches (batch_matmul's B map), batch and M
// dynamic.
// REDEFINE: %{gen} = --m 3 --n 13 --k 64 --batch 2 --shared-weight map --dynamic-m --dynamic-batch --seed 72
// RUN: %{run}

// Fused into the matmul; GEMM-sized M takes the tiled (integer) kernel.
// REDEFINE: %{fuse} = --qblock-fuse-activation-quant
// REDEFINE: %{gen} = --m 19 --n 40 --k 256 --seed 73
// RUN: %{run}

// A NaN activation makes its row (and only it) NaN; dynamic M; fused and not.
// REDEFINE: %{gen} = --m 6 --n 9 --k 128 --nan-row 2 --dynamic-m --seed 74
// REDEFINE: %{nanrows} = 1
// RUN: %{run}
// REDEFINE: %{fuse} =
// RUN: %{run}
// REDEFINE: %{nanrows} = 0

// Other weight schemes: MXFP4 batched, INT4, NVFP4 (blocks of 16).
// REDEFINE: %{weights} = mxfp4
// REDEFINE: %{gen} = --m 5 --n 6 --k 96 --batch 3 --dynamic-m --seed 75
// RUN: %{run}
// REDEFINE: %{weights} = int4
// REDEFINE: %{gen} = --m 2 --n 5 --k 64 --batch 2 --transposed --seed 76
// RUN: %{run}
// REDEFINE: %{weights} = nvfp4
// REDEFINE: %{actattr} = int8, block = 16
// REDEFINE: %{gen} = --m 7 --n 17 --k 64 --transposed --seed 77
// RUN: %{run}
// Blocks of 4: the decoder runs 2 lanes wide.
// REDEFINE: %{weights} = blockdialect block=4
// REDEFINE: %{actattr} = int8, block = 4
// REDEFINE: %{gen} = --m 5 --n 9 --k 64 --seed 78
// RUN: %{run}

// The tiled kernel (integer on AVX-512) and the per-element one compute the
// same f32 operations per output in the same order: forced to either, the
// outputs agree exactly (rtol 0), with a NaN row and batched.
// DEFINE: %{same} = %python %S/Inputs/gen_matmul.py %{gen} --acts-out %t.json > %t.a.mlir \
// DEFINE:   && quant-opt %t.a.mlir --qblock-quantize-linalg="scheme=%{weights} acts=int8" --qblock-fuse-activation-quant --qblock-select-formats -o %t.q.mlir \
// DEFINE:   && quant-opt %t.q.mlir --convert-qblock-to-cpu=w4a4-tile-rows=1 --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.tiled.out \
// DEFINE:   && quant-opt %t.q.mlir --convert-qblock-to-cpu=w4a4-tile-rows=1000000 --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.elements.out \
// DEFINE:   && %python %S/Inputs/check_close.py %t.tiled.out %t.elements.out --rtol 0 --expect-nan-rows %{nanrows} | FileCheck %s
// REDEFINE: %{weights} = blockdialect
// REDEFINE: %{gen} = --m 7 --n 21 --k 128 --nan-row 5 --outliers --seed 79
// REDEFINE: %{nanrows} = 1
// RUN: %{same}
// REDEFINE: %{weights} = int4
// REDEFINE: %{gen} = --m 6 --n 17 --k 64 --batch 2 --transposed --seed 80
// REDEFINE: %{nanrows} = 0
// RUN: %{same}
