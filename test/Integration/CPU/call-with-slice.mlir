// Slices of dynamic size passed to functions whose arguments are whole
// tensors: one-shot-bufferize hands such a slice to the callee as a cast of
// the strided view to an identity-layout memref, which claims the rows are
// contiguous; the callee (qblock's kernels and upstream's loops alike) then
// read them 32 columns apart instead of 64 (wrong rows, silently; found by
// an adversarial run 2026-12-07). The pipelines pass a contiguous copy
// instead (lib/Pipelines/CopyStridedCallOperands.cpp). W picks the first
// four columns exactly (blockdialect, and the BCQ fit of two planes), so
// each output is a block of big[i][j] = 100 i + j.
// test/Integration/GPU/Emulated/call-with-slice.test runs the same module
// through the GPU kernels.
//
// RUN: quant-opt %s --qblock-quantize-linalg --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=2 group=32" --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// Float code had the same fault.
// RUN: quant-opt %s --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

func.func @big() -> tensor<4x64xf32> {
  %big = tensor.generate {
  ^bb0(%i: index, %j: index):
    %c100 = arith.constant 100 : index
    %a = arith.muli %i, %c100 : index
    %s = arith.addi %a, %j : index
    %v = arith.index_cast %s : index to i32
    %f = arith.sitofp %v : i32 to f32
    tensor.yield %f : f32
  } : tensor<4x64xf32>
  return %big : tensor<4x64xf32>
}

// Activations of dynamic rows and columns.
func.func @first_columns(%x: tensor<?x?xf32>) -> tensor<?x4xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<32x4xf32>
  %m = tensor.dim %x, %c0 : tensor<?x?xf32>
  %e = tensor.empty(%m) : tensor<?x4xf32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x?xf32>, tensor<32x4xf32>) outs(%i : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// The slice is the init: result = init + 0 * W.
func.func @accumulate(%x: tensor<?x32xf32>, %init: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<32x4xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x32xf32>, tensor<32x4xf32>) outs(%init : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// Returns a slice of dynamic size of a tensor it made: the same cast, at
// the return (found by review).
func.func @slice_of_local(%m: index, %k: index) -> tensor<?x?xf32> {
  %big = call @big() : () -> tensor<4x64xf32>
  %x = tensor.extract_slice %big[0, 0] [%m, %k] [1, 1] : tensor<4x64xf32> to tensor<?x?xf32>
  return %x : tensor<?x?xf32>
}

func.func @print(%r: tensor<?x?xf32>) {
  %u = tensor.cast %r : tensor<?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @run(%m: index, %k: index, %row: index, %col: index) {
  %zero = arith.constant 0.0 : f32
  %big = call @big() : () -> tensor<4x64xf32>
  %x = tensor.extract_slice %big[%row, %col] [%m, %k] [1, 1] : tensor<4x64xf32> to tensor<?x?xf32>
  %r = call @first_columns(%x) : (tensor<?x?xf32>) -> tensor<?x4xf32>
  %rc = tensor.cast %r : tensor<?x4xf32> to tensor<?x?xf32>
  call @print(%rc) : (tensor<?x?xf32>) -> ()
  %c4 = arith.constant 4 : index
  %init = tensor.extract_slice %big[%row, %col] [%m, %c4] [1, 1] : tensor<4x64xf32> to tensor<?x?xf32>
  %e = tensor.empty(%m) : tensor<?x32xf32>
  %zeros = linalg.fill ins(%zero : f32) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  %s = call @accumulate(%zeros, %init) : (tensor<?x32xf32>, tensor<?x?xf32>) -> tensor<?x?xf32>
  call @print(%s) : (tensor<?x?xf32>) -> ()
  return
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  // Rows 0-2, columns 0-31 of 64.
  // CHECK: [0,   1,   2,   3],
  // CHECK-NEXT: [100,   101,   102,   103],
  // CHECK-NEXT: [200,   201,   202,   203]]
  // CHECK: [0,   1,   2,   3],
  // CHECK-NEXT: [100,   101,   102,   103],
  // CHECK-NEXT: [200,   201,   202,   203]]
  call @run(%c3, %c32, %c0, %c0) : (index, index, index, index) -> ()
  // Rows 1-2 from column 8: an offset as well.
  // CHECK: [108,   109,   110,   111],
  // CHECK-NEXT: [208,   209,   210,   211]]
  // CHECK: [108,   109,   110,   111],
  // CHECK-NEXT: [208,   209,   210,   211]]
  call @run(%c2, %c32, %c1, %c8) : (index, index, index, index) -> ()
  // A returned slice, then multiplied.
  // CHECK: [0,   1,   2,   3],
  // CHECK-NEXT: [100,   101,   102,   103]]
  %l = call @slice_of_local(%c2, %c32) : (index, index) -> tensor<?x?xf32>
  %lr = call @first_columns(%l) : (tensor<?x?xf32>) -> tensor<?x4xf32>
  %lc = tensor.cast %lr : tensor<?x4xf32> to tensor<?x?xf32>
  call @print(%lc) : (tensor<?x?xf32>) -> ()
  return
}
