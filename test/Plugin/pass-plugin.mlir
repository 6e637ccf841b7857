// qblock's passes and pipelines in Debian's stock mlir-opt through
// --load-pass-plugin. Plugin passes are registered while mlir-opt parses its
// command line, after the per-pass flags were built, so they are named in
// --pass-pipeline (a --qblock-quantize-linalg flag is not available).
// Debian's mlir-opt cannot load an ASan-instrumented plugin.
// UNSUPPORTED: sanitized
// RUN: %stock_mlir_opt --load-dialect-plugin=%qblock_plugin --load-pass-plugin=%qblock_plugin %s \
// RUN:   --pass-pipeline="builtin.module(func.func(qblock-quantize-linalg))" | FileCheck %s --check-prefix=QUANT
// RUN: %stock_mlir_opt --load-dialect-plugin=%qblock_plugin --load-pass-plugin=%qblock_plugin %s \
// RUN:   --pass-pipeline="builtin.module(func.func(qblock-quantize-linalg{scheme=mxfp4}),qblock-select-formats)" \
// RUN:   | FileCheck %s --check-prefix=PACKED
// The packed bytes are the ones quant-opt produces.
// RUN: %stock_mlir_opt --load-dialect-plugin=%qblock_plugin --load-pass-plugin=%qblock_plugin %s \
// RUN:   --pass-pipeline="builtin.module(func.func(qblock-quantize-linalg{scheme=mxfp4}),qblock-select-formats)" -o %t.stock.mlir
// RUN: quant-opt %s --qblock-quantize-linalg=scheme=mxfp4 --qblock-select-formats -o %t.quant-opt.mlir
// RUN: diff %t.stock.mlir %t.quant-opt.mlir

// QUANT-LABEL: func.func @matmul
// QUANT: %[[Q:.*]] = qblock.quantize %{{.*}} : tensor<64x8xf32> -> !qblock.qtensor<64x8xf32, #qblock.scheme<blockdialect>, axis = 0>
// QUANT: qblock.matmul ins(%{{.*}}, %[[Q]] :

// PACKED-LABEL: func.func @matmul
// PACKED: qblock.constant dense_resource<matmul.w0> : tensor<320xi8> -> !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>
// PACKED: dialect_resources
// PACKED: matmul.w0: "0x

func.func @matmul(%a: tensor<2x64xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, -1.0, 2.0, 0.25, -3.0, 1.5, 0.0, 6.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
  ]> : tensor<64x8xf32>
  %r = linalg.matmul ins(%a, %w : tensor<2x64xf32>, tensor<64x8xf32>)
         outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}
