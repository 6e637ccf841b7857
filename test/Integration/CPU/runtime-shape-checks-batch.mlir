// One weight shared by every batch (batch_matmul whose B map has no batch):
// --qblock-quantize-linalg collapses batch and rows into one M, after which
// the matmul compares only products. A 3 x 2 result took the rows of 2 x 3
// activations silently (an audit, 2026-12-07); the batch and rows are now
// checked one by one before the collapse. The activations' rows hold
// 1..6, so each output is 64 x 0.125 x row = 8 x row.

// RUN: sed 's/BATCH/2/;s/ROWS/3/' %s | quant-opt --qblock-quantize-linalg=scheme=mxfp4 --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefix=OK
// RUN: sed 's/BATCH/3/;s/ROWS/2/' %s | quant-opt --qblock-quantize-linalg=scheme=mxfp4 --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: sed 's/BATCH/3/;s/ROWS/2/' %s | quant-opt --qblock-quantize-linalg="scheme=bcq group=32" --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=BAD

// OK: rank = 3 offset = 0 sizes = [2, 3, 4]
// OK: [8,   8,   8,   8],
// OK-NEXT: [16,   16,   16,   16],
// OK-NEXT: [24,   24,   24,   24]],
// OK: [32,   32,   32,   32],
// OK-NEXT: [40,   40,   40,   40],
// OK-NEXT: [48,   48,   48,   48]]]
// BAD: linalg.batch_matmul at <stdin>:[[# @LINE + 4]]:8: the result's dimension 0 differs from the activations' (dimension 0 of the output and the input)

func.func @shared(%x: tensor<?x?x64xf32>, %init: tensor<?x?x4xf32>) -> tensor<?x?x4xf32> {
  %w = arith.constant dense<0.125> : tensor<64x4xf32>
  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
       ins(%x, %w : tensor<?x?x64xf32>, tensor<64x4xf32>) outs(%init : tensor<?x?x4xf32>) -> tensor<?x?x4xf32>
  return %r : tensor<?x?x4xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %rows = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]> : tensor<6xf32>
  %e = tensor.empty() : tensor<6x64xf32>
  %flat = linalg.broadcast ins(%rows : tensor<6xf32>) outs(%e : tensor<6x64xf32>) dimensions = [1]
  %x = tensor.expand_shape %flat [[0, 1], [2]] output_shape [2, 3, 64] : tensor<6x64xf32> into tensor<2x3x64xf32>
  %i = arith.constant dense<0.0> : tensor<BATCHxROWSx4xf32>
  %xd = tensor.cast %x : tensor<2x3x64xf32> to tensor<?x?x64xf32>
  %id = tensor.cast %i : tensor<BATCHxROWSx4xf32> to tensor<?x?x4xf32>
  %r = call @shared(%xd, %id) : (tensor<?x?x64xf32>, tensor<?x?x4xf32>) -> tensor<?x?x4xf32>
  %u = tensor.cast %r : tensor<?x?x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
