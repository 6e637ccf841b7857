// Full-path quantization: attention's Q*K^T and scores*V (batch_matmuls of
// two run-time activations) with both operands quantized online (acts=...,
// full-path=true, optionally fused) must equal a float batch_matmul of
// explicitly quantized then dequantized operands, up to float summation
// order.
//
// DEFINE: %{acts} = blockdialect
// DEFINE: %{attr} = blockdialect, select = two_stage
// DEFINE: %{fuse} =
// DEFINE: %{shape} = --b 2 --s 5 --d 64 --seed 41
// DEFINE: %{run} = %python %S/Inputs/gen_attention.py %{shape} > %t.a.mlir \
// DEFINE:   && %python %S/Inputs/gen_attention.py %{shape} --explicit "%{attr}" > %t.b.mlir \
// DEFINE:   && quant-opt %t.a.mlir --qblock-quantize-linalg="acts=%{acts} full-path=true" %{fuse} --qblock-select-formats --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.a.out \
// DEFINE:   && quant-opt %t.b.mlir --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.b.out \
// DEFINE:   && %python %S/Inputs/check_close.py %t.a.out %t.b.out | FileCheck %s
// CHECK: check_close: PASS

// RUN: %{run}
// REDEFINE: %{fuse} = --qblock-fuse-activation-quant
// RUN: %{run}
// REDEFINE: %{acts} = mxfp4
// REDEFINE: %{attr} = mxfp4
// RUN: %{run}
// Both operands INT8 (8x8-bit block dots): 5 rows take the tiled kernels,
// 3 the per-element one.
// REDEFINE: %{acts} = int8
// REDEFINE: %{attr} = int8
// RUN: %{run}
// REDEFINE: %{fuse} =
// RUN: %{run}
// REDEFINE: %{shape} = --b 3 --s 3 --d 96 --seed 42
// RUN: %{run}
// scores * V: the reduction runs over the sequence (S = 64, two blocks).
// REDEFINE: %{shape} = --op values --b 2 --s 64 --d 40 --seed 43
// RUN: %{run}
// REDEFINE: %{acts} = blockdialect
// REDEFINE: %{attr} = blockdialect, select = two_stage
// RUN: %{run}

// Both operands get a run-time quantize with the acts scheme.
// RUN: %python %S/Inputs/gen_attention.py --b 2 --s 5 --d 64 > %t.ir.mlir
// RUN: quant-opt %t.ir.mlir --qblock-quantize-linalg="acts=blockdialect full-path=true" | FileCheck %s --check-prefix=IR
// IR-LABEL: func.func @scores
// IR: %[[K:.*]] = qblock.quantize %{{.*}} : tensor<2x64x5xf32> -> !qblock.qtensor<2x64x5xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 1>
// IR: %[[Q:.*]] = qblock.quantize %{{.*}} : tensor<2x5x64xf32> -> !qblock.qtensor<2x5x64xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 2>
// IR: qblock.matmul ins(%[[Q]], %[[K]]
