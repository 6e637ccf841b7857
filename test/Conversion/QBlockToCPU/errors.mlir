// RUN: quant-opt %s --convert-qblock-to-cpu=target=generic -split-input-file -verify-diagnostics
// RUN: not quant-opt %s --convert-qblock-to-cpu=target=sse9 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: unknown target 'sse9'; use generic, avx2, avx512 or host
// RUN: not quant-opt %s --convert-qblock-to-cpu=w4a4-tile-rows=-1 2>&1 | FileCheck %s --check-prefix=TILE
// TILE: w4a4-tile-rows must be at least 0 (0: chosen per kernel), got -1
// RUN: not quant-opt %s --convert-qblock-to-cpu=lut-tables=i4 2>&1 | FileCheck %s --check-prefix=TABLES
// TABLES: unknown lut-tables 'i4'; use f32 or i8
// RUN: not quant-opt %s --qblock-cpu-pipeline=lut-tables=f16 2>&1 | FileCheck %s --check-prefix=PIPELINE-TABLES
// PIPELINE-TABLES: error: --qblock-cpu-pipeline: lut-tables=f16 is unknown; use f32 or i8
// RUN: not quant-opt %s --qblock-cpu-pipeline=target=avx1024 2>&1 | FileCheck %s --check-prefix=PIPELINE-TARGET
// PIPELINE-TARGET: error: --qblock-cpu-pipeline: target=avx1024 is unknown; use generic, avx2, avx512 or host

// Quantized values may not cross function boundaries.
// expected-error@+1 {{cannot lower a quantized value used here}}
func.func @arg(%q: !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) {
  return
}

// -----

func.func @runtime_quantize_bcq(%x: tensor<128x8xf32>) -> tensor<128x8xf32> {
  // expected-error@+1 {{'qblock.quantize' op with a BCQ scheme has no run-time lowering; fit BCQ weights offline with --qblock-select-formats}}
  %q = qblock.quantize %x : tensor<128x8xf32> -> !qblock.qtensor<128x8xf32, #qblock.bcq<bits = 2, group = 128>, axis = 0>
  %d = qblock.dequantize %q : !qblock.qtensor<128x8xf32, #qblock.bcq<bits = 2, group = 128>, axis = 0> -> tensor<128x8xf32>
  return %d : tensor<128x8xf32>
}

// -----

// Packed bytes do not say how many rows they hold: a dynamic view can feed
// a matmul (whose activations give the batch) but not a dequantize.
func.func @dequantize_unknown_rows(%s: tensor<?xi8>) -> tensor<?x64xf32> {
  %w = qblock.from_storage %s : tensor<?xi8> -> !qblock.qtensor<?x64xf32, #qblock.scheme<blockdialect>, axis = 1>
  // expected-error@+1 {{'qblock.dequantize' op reads a quantized value of dynamic shape '!qblock.qtensor<?x64xf32, #qblock.scheme<blockdialect>, axis = 1>' whose sizes nothing gives: packed bytes (qblock.from_storage) do not say how many rows they hold; view them with a static shape}}
  %d = qblock.dequantize %w : !qblock.qtensor<?x64xf32, #qblock.scheme<blockdialect>, axis = 1> -> tensor<?x64xf32>
  return %d : tensor<?x64xf32>
}

// -----

// BCQ arrays follow each other, so their offsets need the row count.
func.func @lut_gemm_dynamic_batch(%x: tensor<?x3x128xf32>, %s: tensor<?xi8>, %i: tensor<?x3x8xf32>) -> tensor<?x3x8xf32> {
  %w = qblock.from_storage %s : tensor<?xi8> -> !qblock.qtensor<?x128x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>
  // expected-error@+1 {{'qblock.lut_gemm' op takes BCQ weights of static shape only (got '!qblock.qtensor<?x128x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>'): the offsets of their packed arrays depend on the number of rows; give the weight's dimension 0 a static size}}
  %r = qblock.lut_gemm ins(%x, %w : tensor<?x3x128xf32>, !qblock.qtensor<?x128x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>) outs(%i : tensor<?x3x8xf32>) -> tensor<?x3x8xf32>
  return %r : tensor<?x3x8xf32>
}

// -----

// A W4A16 weight whose N is dynamic: the kernels tile its rows by the
// static N, and a dynamic one used to give a negative row count (the
// matmul returned its init unchanged, silently).
func.func @dynamic_n(%a: tensor<1x32xf32>, %init: tensor<1x?xf32>, %st: tensor<?xi8>) -> tensor<1x?xf32> {
  %w = qblock.from_storage %st : tensor<?xi8> -> !qblock.qtensor<32x?xf32, #qblock.scheme<mxfp4>, axis = 0>
  // expected-error@+1 {{'qblock.matmul' op with a weight whose N (dimension 1) is dynamic ('!qblock.qtensor<32x?xf32, #qblock.scheme<mxfp4>, axis = 0>') is not supported yet: the kernels tile the weight's rows by its static N; give the weight a static N (a batch dimension may stay dynamic)}}
  %r = qblock.matmul ins(%a, %w : tensor<1x32xf32>, !qblock.qtensor<32x?xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<1x?xf32>) -> tensor<1x?xf32>
  return %r : tensor<1x?xf32>
}

// -----

// The same for a transposed weight (N is dimension 0 there).
func.func @dynamic_n_transposed(%a: tensor<1x32xf32>, %init: tensor<1x?xf32>, %st: tensor<?xi8>) -> tensor<1x?xf32> {
  %w = qblock.from_storage %st : tensor<?xi8> -> !qblock.qtensor<?x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  // expected-error@+1 {{with a weight whose N (dimension 0) is dynamic}}
  %r = qblock.matmul ins(%a, %w : tensor<1x32xf32>, !qblock.qtensor<?x32xf32, #qblock.scheme<mxfp4>, axis = 1>) outs(%init : tensor<1x?xf32>) -> tensor<1x?xf32>
  return %r : tensor<1x?xf32>
}

// -----

// And with quantized activations (W4A4/W4A8), whose lowering takes a
// weight of dynamic batch but not of dynamic N.
func.func @dynamic_n_w4a4(%a: tensor<1x32xf32>, %init: tensor<1x?xf32>, %st: tensor<?xi8>) -> tensor<1x?xf32> {
  %w = qblock.from_storage %st : tensor<?xi8> -> !qblock.qtensor<32x?xf32, #qblock.scheme<mxfp4>, axis = 0>
  // expected-error@+1 {{with a weight whose N (dimension 1) is dynamic}}
  %r = qblock.matmul ins(%a, %w : tensor<1x32xf32>, !qblock.qtensor<32x?xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<1x?xf32>) {act_scheme = #qblock.scheme<mxfp4>} -> tensor<1x?xf32>
  return %r : tensor<1x?xf32>
}
