// qblock.dequantize of BCQ weights, compiled and run: every value must equal
// the numerics core's decoding (alphas summed in f64 in plane order plus the
// offset, rounded once), element by element. Covers q = 1..4, rows that are
// contiguous in the result (8 elements per vector) and strided ones (one
// element at a time), rank 3, and uniform-converted BCQ.
//
// DEFINE: %{shape} = 256x3
// DEFINE: %{axis} = 0
// DEFINE: %{scheme} = #qblock.bcq<bits = 3, group = 128>
// DEFINE: %{run} = %python %S/Inputs/gen_dequantize.py --shape %{shape} --axis %{axis} --scheme "%{scheme}" > %t.mlir \
// DEFINE:   && quant-opt %t.mlir --qblock-select-formats -o %t.q.mlir \
// DEFINE:   && qblock-inspect %t.q.mlir --values --blocks=0 > %t.w \
// DEFINE:   && quant-opt %t.q.mlir --qblock-cpu-pipeline \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.out \
// DEFINE:   && %python %S/Inputs/check_values.py %t.out %t.w | FileCheck %s
// CHECK: check_values: PASS

// Quantized along axis 0: rows of the packed layout are columns here.
// RUN: %{run}
// Along the last axis: contiguous rows, the 8-lane path.
// REDEFINE: %{shape} = 5x256
// REDEFINE: %{axis} = 1
// RUN: %{run}
// REDEFINE: %{scheme} = #qblock.bcq<bits = 1, group = 64>
// RUN: %{run}
// REDEFINE: %{scheme} = #qblock.bcq<bits = 4, group = 32, fit = uniform>
// RUN: %{run}
// Rank 3 with the smallest group (one byte per plane).
// REDEFINE: %{shape} = 2x3x64
// REDEFINE: %{axis} = 2
// REDEFINE: %{scheme} = #qblock.bcq<bits = 2, group = 8>
// RUN: %{run}
// Strided rows in rank 3.
// REDEFINE: %{axis} = 1
// REDEFINE: %{shape} = 2x64x3
// RUN: %{run}
