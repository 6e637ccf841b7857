// W4A4/W4A8 (acts=...) with the activations' rows and the result's rows
// both dynamic: C = init + x * W. A call whose init had fewer rows than x
// was written past its end (valgrind: invalid writes; Python: "double
// free or corruption"), one with more rows came back with the extra rows
// untouched; an adversarial AOT run, 2026-12-07. The rows are now checked
// against those of the tensor the activations' qblock.quantize reads, as
// W4A16 checks its float activations.

// RUN: sed 's/ROWS/3/' %s | quant-opt --qblock-quantize-linalg="scheme=mxfp4 acts=int8" --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefix=OK
// RUN: sed 's/ROWS/3/' %s | quant-opt --qblock-quantize-linalg="scheme=mxfp4 acts=mxfp4" --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefix=OK
// RUN: sed 's/ROWS/1/' %s | quant-opt --qblock-quantize-linalg="scheme=blockdialect acts=int8" --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=ROWS
// RUN: sed 's/ROWS/64/' %s | quant-opt --qblock-quantize-linalg="scheme=nvfp4 acts=nvfp4" --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=ROWS

// All-ones activations times weights of 0.125 (exact in MXFP4), plus an
// init of 1: 64 x 0.125 + 1 = 9; INT8 activations hold 1.0 as
// 127 x f16(1/127), which gives 8.99951.
// OK: rank = 2 offset = 0 sizes = [3, 32]
// OK-COUNT-3: {{(8\.99951|9)(, +(8\.99951|9))+\]}}
// ROWS: qblock.matmul at <stdin>:[[# @LINE + 4]]:8: the result's dimension 0 differs from the activations' (init and lhs dimension 0)

func.func @acc(%x: tensor<?x64xf32>, %init: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %w = arith.constant dense<0.125> : tensor<64x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>) outs(%init : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x = arith.constant dense<1.0> : tensor<3x64xf32>
  %i = arith.constant dense<1.0> : tensor<ROWSx32xf32>
  %xd = tensor.cast %x : tensor<3x64xf32> to tensor<?x64xf32>
  %id = tensor.cast %i : tensor<ROWSx32xf32> to tensor<?x32xf32>
  %r = call @acc(%xd, %id) : (tensor<?x64xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>
  %u = tensor.cast %r : tensor<?x32xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
