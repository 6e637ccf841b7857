// Run-time qblock.quantize (compiled loops) must produce exactly what the
// numerics core produces: @runtime quantizes and decodes its argument at run
// time, @folded is folded at compile time by the numerics core; the printed
// values must be identical, NaN blocks included.
//
// DEFINE: %{check} = quant-opt %t.mlir -canonicalize \
// DEFINE:   | quant-opt --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.out \
// DEFINE:   && %python %S/Inputs/check_same.py %t.out | FileCheck %s
// CHECK: check_same: PASS

// RUN: %python %S/Inputs/gen_roundtrip.py --shape 4x64 --axis 1 --scheme "blockdialect" --special > %t.mlir
// RUN: %{check}
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 4x64 --axis 1 --scheme "blockdialect, select = two_stage" --special --seed 2 > %t.mlir
// RUN: %{check}
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 64x5 --axis 0 --scheme "mxfp4" --seed 3 > %t.mlir
// RUN: %{check}
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 2x32x3 --axis 1 --scheme "int4" --seed 4 > %t.mlir
// RUN: %{check}
// NVFP4's E4M3 scales: blocks over the whole E4M3 range (subnormal scales,
// saturation at 448), half of them rounding ties; per element (axis 0) and
// 16 lanes at a time (axis 1), with zero, tiny, huge and NaN/Inf blocks.
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 6x256 --axis 1 --scheme "nvfp4" --wide --special --seed 6 > %t.mlir
// RUN: %{check}
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 64x5 --axis 0 --scheme "nvfp4" --special --seed 7 > %t.mlir
// RUN: %{check}
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 4x96 --axis 1 --scheme "nvfp4, block = 32" --wide --seed 8 > %t.mlir
// RUN: %{check}
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 3x128 --axis 1 --scheme "blockdialect, block = 16, select = two_stage" --special --seed 5 > %t.mlir
// RUN: %{check}
// Blocks along the innermost axis are quantized 16 lanes at a time (two-stage
// votes counted per vector): every scale kind, and a custom book where three
// dialects share their largest magnitude.
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 4x64 --axis 1 --scheme "int4" --special --seed 10 > %t.mlir
// RUN: %{check}
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 3x96 --axis 1 --scheme "mxfp4" --special --seed 11 > %t.mlir
// RUN: %{check}
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 5x64 --axis 1 --scheme "book = #qblock.book<[[0, 1, 2, 3, 4, 6, 8, 12], [0, 1, 2, 3, 4, 5, 6, 12], [0, 1, 2, 3, 4, 6, 10, 12], [0, 1, 2, 3, 4, 5, 6, 8]]>, scale = e8m0, select = two_stage" --special --seed 12 > %t.mlir
// RUN: %{check}
// Every dimension but the blocked one dynamic (two or three of them: the
// result buffer used to be expanded from a flat one, which crashed
// upstream expand-strided-metadata).
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 2x3x64 --axis 2 --scheme "blockdialect" --dynamic --seed 13 > %t.mlir
// RUN: %{check}
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 64x2x3 --axis 0 --scheme "mxfp4" --dynamic --seed 14 > %t.mlir
// RUN: %{check}
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 2x2x3x32 --axis 3 --scheme "int4" --dynamic --special --seed 15 > %t.mlir
// RUN: %{check}
// INT8 (activations of the W4A8 path): f16 and E8M0 scales, zero, tiny,
// huge, NaN and Inf blocks, a blocked axis that is not innermost.
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 4x64 --axis 1 --scheme "int8" --special --seed 6 > %t.mlir
// RUN: %{check}
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 3x64 --axis 1 --scheme "int8, scale = e8m0, block = 16" --special --seed 7 > %t.mlir
// RUN: %{check}
// RUN: %python %S/Inputs/gen_roundtrip.py --shape 64x5 --axis 0 --scheme "int8" --seed 8 > %t.mlir
// RUN: %{check}
