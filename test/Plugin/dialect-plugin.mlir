// Debian's stock mlir-opt (linked against the same libMLIR.so) learns the
// qblock dialect from libQBlockPlugin.so: types, attributes and ops parse,
// verify and print exactly as in quant-opt.
// Debian's mlir-opt cannot load an ASan-instrumented plugin.
// UNSUPPORTED: sanitized
// RUN: %stock_mlir_opt --load-dialect-plugin=%qblock_plugin %s | FileCheck %s
// RUN: %stock_mlir_opt --load-dialect-plugin=%qblock_plugin %s \
// RUN:   | %stock_mlir_opt --load-dialect-plugin=%qblock_plugin | FileCheck %s
// RUN: %stock_mlir_opt --load-dialect-plugin=%qblock_plugin %s -emit-bytecode -o %t.mlirbc
// RUN: %stock_mlir_opt --load-dialect-plugin=%qblock_plugin %t.mlirbc | FileCheck %s
// Without the plugin the dialect is unknown.
// RUN: not %stock_mlir_opt %s 2>&1 | FileCheck %s --check-prefix=NOPLUGIN
// NOPLUGIN: error: Dialect `qblock' not found for custom op 'qblock.quantize'

// CHECK-LABEL: func.func @roundtrip
func.func @roundtrip(%a: tensor<?x64xf32>, %w: tensor<64x16xf32>,
                     %init: tensor<?x16xf32>) -> tensor<?x16xf32> {
  // CHECK: qblock.quantize %{{.*}} : tensor<64x16xf32> -> !qblock.qtensor<64x16xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 0>
  %q = qblock.quantize %w : tensor<64x16xf32>
         -> !qblock.qtensor<64x16xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 0>
  // CHECK: qblock.matmul ins(%{{.*}}, %{{.*}} : tensor<?x64xf32>, !qblock.qtensor<64x16xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 0>) outs(%{{.*}} : tensor<?x16xf32>) -> tensor<?x16xf32>
  %c = qblock.matmul ins(%a, %q : tensor<?x64xf32>,
         !qblock.qtensor<64x16xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 0>)
         outs(%init : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %c : tensor<?x16xf32>
}

// CHECK-LABEL: func.func @schemes
// CHECK-SAME: !qblock.qtensor<64x8xf32, #qblock.scheme<nvfp4>, axis = 0>
// CHECK-SAME: !qblock.qtensor<64x8xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0>
// CHECK-SAME: !qblock.qtensor<64x8xf32, #qblock.scheme<book = #qblock.book<{{\[\[}}0, 1, 2, 3, 4, 5, 6, 8]]>, scale = e8m0>, axis = 0>
func.func @schemes(
    %x: !qblock.qtensor<64x8xf32, #qblock.scheme<nvfp4>, axis = 0>,
    %y: !qblock.qtensor<64x8xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0>,
    %z: !qblock.qtensor<64x8xf32, #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 4, 5, 6, 8]]>, scale = e8m0>, axis = 0>) {
  return
}
