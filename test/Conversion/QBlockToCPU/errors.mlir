// RUN: quant-opt %s --convert-qblock-to-cpu=target=generic -split-input-file -verify-diagnostics
// RUN: not quant-opt %s --convert-qblock-to-cpu=target=sse9 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: unknown target 'sse9'; use generic, avx2, avx512 or host
// RUN: not quant-opt %s --convert-qblock-to-cpu=w4a4-tile-rows=0 2>&1 | FileCheck %s --check-prefix=TILE
// TILE: w4a4-tile-rows must be at least 1, got 0
// RUN: not quant-opt %s --convert-qblock-to-cpu=lut-tables=i4 2>&1 | FileCheck %s --check-prefix=TABLES
// TABLES: unknown lut-tables 'i4'; use f32 or i8
// RUN: not quant-opt %s --qblock-cpu-pipeline=lut-tables=f16 2>&1 | FileCheck %s --check-prefix=PIPELINE-TABLES
// PIPELINE-TABLES: unknown lut-tables 'f16'; use f32 or i8

// Quantized values may not cross function boundaries.
// expected-error@+1 {{cannot lower a quantized value used here}}
func.func @arg(%q: !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) {
  return
}

// -----

func.func @runtime_quantize_e4m3(%x: tensor<64x8xf32>) -> tensor<64x8xf32> {
  // expected-error@+1 {{'qblock.quantize' op with an E4M3 scale (nvfp4) has no run-time lowering yet; use an E8M0 (blockdialect, mxfp4) or F16 (int4) scale, or quantize constants with --qblock-select-formats}}
  %q = qblock.quantize %x : tensor<64x8xf32> -> !qblock.qtensor<64x8xf32, #qblock.scheme<nvfp4>, axis = 0>
  %d = qblock.dequantize %q : !qblock.qtensor<64x8xf32, #qblock.scheme<nvfp4>, axis = 0> -> tensor<64x8xf32>
  return %d : tensor<64x8xf32>
}

// -----

func.func @runtime_quantize_bcq(%x: tensor<128x8xf32>) -> tensor<128x8xf32> {
  // expected-error@+1 {{'qblock.quantize' op with a BCQ scheme has no run-time lowering; fit BCQ weights offline with --qblock-select-formats}}
  %q = qblock.quantize %x : tensor<128x8xf32> -> !qblock.qtensor<128x8xf32, #qblock.bcq<bits = 2, group = 128>, axis = 0>
  %d = qblock.dequantize %q : !qblock.qtensor<128x8xf32, #qblock.bcq<bits = 2, group = 128>, axis = 0> -> tensor<128x8xf32>
  return %d : tensor<128x8xf32>
}
