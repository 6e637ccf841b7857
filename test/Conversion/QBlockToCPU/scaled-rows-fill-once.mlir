// RUN: quant-opt %s --qblock-cpu-pipeline=target=avx512 | FileCheck %s

// Two matmuls reading the same table of scaled dialect rows share one
// fill function, and it is internal: private MLIR visibility alone would
// leave it an exported LLVM symbol, which in two shared libraries built
// from modules with the same table (the name depends only on the table's
// contents) could bind one library's calls to the other's function, and
// leave its own table zeros. Being internal it also gets no CPU-feature
// check of its own (the guard checks exported functions); each caller
// checked already. The table and its state word are private globals.

// CHECK: llvm.mlir.global private @__qblock_scaled_rows_[[HASH:[0-9A-F]+]](dense<0.000000e+00> : tensor<256x16x16xf32>)
// CHECK: llvm.mlir.global private @__qblock_scaled_rows_[[HASH]]_state(0 : i32)
// CHECK: llvm.func internal @__qblock_scaled_rows_[[HASH]]_fill_once()
// CHECK-NOT: llvm.call @__qblock_check_cpu
// CHECK: llvm.atomicrmw _or
// CHECK: llvm.return
// CHECK-LABEL: llvm.func @first(
// CHECK: llvm.call @__qblock_check_cpu
// CHECK: llvm.call @__qblock_scaled_rows_[[HASH]]_fill_once() : () -> ()
// CHECK-LABEL: llvm.func @second(
// CHECK: llvm.call @__qblock_scaled_rows_[[HASH]]_fill_once() : () -> ()
// Exactly one definition, wherever it is.
// CHECK-NOT: llvm.func {{.*}}@__qblock_scaled_rows_{{.*}}_fill_once

func.func @first(%a: tensor<1x64xf32>, %w: tensor<1152xi8>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %q = qblock.from_storage %w : tensor<1152xi8> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<1x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}

func.func @second(%a: tensor<3x64xf32>, %w: tensor<1152xi8>, %init: tensor<3x32xf32>) -> tensor<3x32xf32> {
  %q = qblock.from_storage %w : tensor<1152xi8> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<3x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<3x32xf32>) -> tensor<3x32xf32>
  return %r : tensor<3x32xf32>
}
