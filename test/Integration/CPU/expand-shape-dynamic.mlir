// RUN: quant-opt %s --qblock-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: quant-opt %s --qblock-gpu-pipeline -o /dev/null
// RUN: quant-opt %s --qblock-gpu-emulation-pipeline -o /dev/null

// nn.Linear on a [batch, sequence, hidden] input as torch-mlir writes it:
// collapse batch and sequence, multiply, expand back with both sizes
// dynamic. MLIR 22's expand-strided-metadata crashed on the expand_shape
// (two dynamic sizes in one group, llvm/llvm-project#186830), in every
// pipeline; qblock-lower-memref-reshape now makes it a reinterpret_cast.
func.func @linear(%x: tensor<?x?x2xf32>) -> tensor<?x?x3xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[1.0, 0.0, 2.0], [0.0, 1.0, 3.0]]> : tensor<2x3xf32>
  %batch = tensor.dim %x, %c0 : tensor<?x?x2xf32>
  %seq = tensor.dim %x, %c1 : tensor<?x?x2xf32>
  %rows = tensor.collapse_shape %x [[0, 1], [2]] : tensor<?x?x2xf32> into tensor<?x2xf32>
  %m = tensor.dim %rows, %c0 : tensor<?x2xf32>
  %empty = tensor.empty(%m) : tensor<?x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = linalg.matmul ins(%rows, %w : tensor<?x2xf32>, tensor<2x3xf32>)
                     outs(%init : tensor<?x3xf32>) -> tensor<?x3xf32>
  %out = tensor.expand_shape %y [[0, 1], [2]] output_shape [%batch, %seq, 3]
      : tensor<?x3xf32> into tensor<?x?x3xf32>
  return %out : tensor<?x?x3xf32>
}

// The source may be a view with an offset: rows [1, 1 + a * b) of %t.
func.func @slice_expand(%t: tensor<?x3xf32>, %a: index, %b: index) -> tensor<?x?x3xf32> {
  %n = arith.muli %a, %b : index
  %rows = tensor.extract_slice %t[1, 0] [%n, 3] [1, 1] : tensor<?x3xf32> to tensor<?x3xf32>
  %out = tensor.expand_shape %rows [[0, 1], [2]] output_shape [%a, %b, 3]
      : tensor<?x3xf32> into tensor<?x?x3xf32>
  return %out : tensor<?x?x3xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %x0 = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]> : tensor<2x2x2xf32>
  %x = tensor.cast %x0 : tensor<2x2x2xf32> to tensor<?x?x2xf32>
  %y = call @linear(%x) : (tensor<?x?x2xf32>) -> tensor<?x?x3xf32>
  %yu = tensor.cast %y : tensor<?x?x3xf32> to tensor<*xf32>
  // CHECK: rank = 3 offset = 0 sizes = [2, 2, 3]
  // CHECK-NEXT: {{\[\[\[}}1, 2, 8],
  // CHECK-NEXT: [3, 4, 18]],
  // CHECK-NEXT: {{\[\[}}5, 6, 28],
  // CHECK-NEXT: [7, 8, 38]]]
  call @printMemrefF32(%yu) : (tensor<*xf32>) -> ()

  %t0 = arith.constant dense<[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0], [9.0, 10.0, 11.0],
                              [12.0, 13.0, 14.0], [15.0, 16.0, 17.0], [18.0, 19.0, 20.0]]> : tensor<7x3xf32>
  %t = tensor.cast %t0 : tensor<7x3xf32> to tensor<?x3xf32>
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %s = call @slice_expand(%t, %c2, %c3) : (tensor<?x3xf32>, index, index) -> tensor<?x?x3xf32>
  %su = tensor.cast %s : tensor<?x?x3xf32> to tensor<*xf32>
  // CHECK: rank = 3 offset = {{[0-9]+}} sizes = [2, 3, 3]
  // CHECK-NEXT: {{\[\[\[}}3, 4, 5],
  // CHECK-NEXT: [6, 7, 8],
  // CHECK-NEXT: [9, 10, 11]],
  // CHECK-NEXT: {{\[\[}}12, 13, 14],
  // CHECK-NEXT: [15, 16, 17],
  // CHECK-NEXT: [18, 19, 20]]]
  call @printMemrefF32(%su) : (tensor<*xf32>) -> ()
  return
}
