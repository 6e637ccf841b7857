// A run-time qblock.quantize of tensor<?x32xf32> into a static 4 x 32
// quantized type: called with 4 rows it quantizes and decodes them; with 3
// it left a row of garbage, with 256 it wrote past the packed buffer
// (heap corruption). Now the program stops with the op's location.

// RUN: sed 's/ROWS/4/' %s | quant-opt --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefix=OK
// RUN: sed 's/ROWS/3/' %s | quant-opt --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=WRONG
// RUN: sed 's/ROWS/256/' %s | quant-opt --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=WRONG

// Values on MXFP4's grid (E2M1 times the block's power of two) decode
// exactly: 1.5 and -6 in blocks whose largest magnitude is 6.
// OK-COUNT-4: [1.5, -6, 1.5, -6,
// WRONG: qblock.quantize at <stdin>:[[# @LINE + 3]]:8: the input's dimension 0 differs from the quantized type's size 4

func.func @roundtrip(%x: tensor<?x32xf32>) -> tensor<4x32xf32> {
  %q = qblock.quantize %x : tensor<?x32xf32> -> !qblock.qtensor<4x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  %d = qblock.dequantize %q : !qblock.qtensor<4x32xf32, #qblock.scheme<mxfp4>, axis = 1> -> tensor<4x32xf32>
  return %d : tensor<4x32xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %pair = arith.constant dense<[1.5, -6.0]> : tensor<2xf32>
  %row = tensor.empty() : tensor<ROWSx32xf32>
  %x = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
       outs(%row : tensor<ROWSx32xf32>) {
  ^bb0(%out: f32):
    %j = linalg.index 1 : index
    %c2 = arith.constant 2 : index
    %p = arith.remui %j, %c2 : index
    %v = tensor.extract %pair[%p] : tensor<2xf32>
    linalg.yield %v : f32
  } -> tensor<ROWSx32xf32>
  %d = tensor.cast %x : tensor<ROWSx32xf32> to tensor<?x32xf32>
  %r = call @roundtrip(%d) : (tensor<?x32xf32>) -> tensor<4x32xf32>
  %u = tensor.cast %r : tensor<4x32xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
