// RUN: quant-opt %s --convert-qblock-to-cpu=target=avx512 | FileCheck %s

// Symbol references resolve in the nearest symbol table, so the tables and
// the scaled-row fill function of a matmul in a nested module must be
// created in that module: one there, one in the outer module for the outer
// matmul, each referenced from its own module. (With every global in the
// outer module the inner get_globals and call would not verify.)

// CHECK: module {
// CHECK: memref.global "private" @__qblock_scaled_rows_[[HASH:[0-9A-F]+]] : memref<256x16x16xf32>
// CHECK: func.func private @__qblock_scaled_rows_[[HASH]]_fill_once()
// CHECK: memref.global "private" constant @__qblock_dialects_[[DIALECTS:[0-9A-F]+]] : memref<16x16xf32>
// The inner module gets its own copies, ahead of the function using them.
// CHECK: module @inner {
// CHECK: memref.global "private" @__qblock_scaled_rows_[[HASH]] : memref<256x16x16xf32>
// CHECK: func.func private @__qblock_scaled_rows_[[HASH]]_fill_once()
// CHECK: memref.global "private" constant @__qblock_dialects_[[DIALECTS]] : memref<16x16xf32>
// CHECK: func.func @inner_gemv
// CHECK: memref.get_global @__qblock_dialects_[[DIALECTS]]
// CHECK: call @__qblock_scaled_rows_[[HASH]]_fill_once() : () -> ()
// CHECK: func.func @outer_gemv
// CHECK: call @__qblock_scaled_rows_[[HASH]]_fill_once() : () -> ()

module {
  module @inner {
    func.func @inner_gemv(%a: tensor<1x64xf32>, %w: tensor<1152xi8>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
      %q = qblock.from_storage %w : tensor<1152xi8> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
      %r = qblock.matmul ins(%a, %q : tensor<1x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
      return %r : tensor<1x32xf32>
    }
  }
  func.func @outer_gemv(%a: tensor<1x64xf32>, %w: tensor<1152xi8>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
    %q = qblock.from_storage %w : tensor<1152xi8> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
    %r = qblock.matmul ins(%a, %q : tensor<1x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
    return %r : tensor<1x32xf32>
  }
}
