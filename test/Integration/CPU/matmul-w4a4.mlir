// W4A4: --qblock-quantize-linalg acts=... quantizes activations at run time
// and the matmul multiplies quantized values as products of scaled integers
// (exact block dot products, one scale multiply per block pair). It must
// equal, up to float summation order, the W4A16 product of the same weights
// with explicitly quantized-then-dequantized activations; a NaN in an
// activation block turns exactly that output row into NaN.
//
// DEFINE: %{weights} = blockdialect
// DEFINE: %{acts} = blockdialect
// DEFINE: %{gen} =
// DEFINE: %{actattr} = blockdialect, select = two_stage
// DEFINE: %{nanrows} = 0
// DEFINE: %{fuse} =
// DEFINE: %{run} = %python %S/Inputs/gen_matmul.py %{gen} --acts-out %t.json > %t.a.mlir \
// DEFINE:   && %python %S/Inputs/gen_matmul.py %{gen} --acts-out %t.json --explicit-act-quant "%{actattr}" > %t.b.mlir \
// DEFINE:   && quant-opt %t.a.mlir --qblock-quantize-linalg="scheme=%{weights} acts=%{acts}" %{fuse} --qblock-select-formats --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.a.out \
// DEFINE:   && quant-opt %t.b.mlir --qblock-quantize-linalg="scheme=%{weights}" --qblock-select-formats --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.b.out \
// DEFINE:   && %python %S/Inputs/check_close.py %t.a.out %t.b.out --expect-nan-rows %{nanrows} | FileCheck %s
// CHECK: check_close: PASS

// GEMV and GEMM with BlockDialect activations (two-stage), odd shapes.
// REDEFINE: %{gen} = --m 1 --n 33 --k 256 --transposed --seed 31
// RUN: %{run}
// REDEFINE: %{gen} = --m 3 --n 13 --k 64 --seed 32
// RUN: %{run}

// The same with the activation quantization fused into the matmul.
// REDEFINE: %{fuse} = --qblock-fuse-activation-quant
// RUN: %{run}
// REDEFINE: %{gen} = --m 1 --n 33 --k 256 --transposed --seed 31
// RUN: %{run}

// A NaN activation makes its row (and only it) NaN; dynamic M.
// REDEFINE: %{gen} = --m 4 --n 9 --k 128 --nan-row 2 --dynamic-m --seed 33
// REDEFINE: %{nanrows} = 1
// RUN: %{run}
// REDEFINE: %{fuse} =
// RUN: %{run}
// REDEFINE: %{nanrows} = 0

// MXFP4 activations, batched (attention-shaped) and transposed.
// REDEFINE: %{acts} = mxfp4
// REDEFINE: %{actattr} = mxfp4
// REDEFINE: %{gen} = --m 5 --n 6 --k 96 --batch 3 --dynamic-m --seed 34
// RUN: %{run}
// REDEFINE: %{weights} = int4
// REDEFINE: %{gen} = --m 2 --n 5 --k 64 --batch 2 --transposed --seed 35
// RUN: %{run}
