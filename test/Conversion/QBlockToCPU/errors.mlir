// RUN: quant-opt %s --convert-qblock-to-cpu=target=generic -split-input-file -verify-diagnostics
// RUN: not quant-opt %s --convert-qblock-to-cpu=target=sse9 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: unknown target 'sse9'; use generic, avx2, avx512 or host

// Quantized values may not cross function boundaries.
// expected-error@+1 {{cannot lower a quantized value used here}}
func.func @arg(%q: !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) {
  return
}

// -----

func.func @runtime_quantize(%x: tensor<64x8xf32>) -> tensor<64x8xf32> {
  // expected-error@+1 {{'qblock.quantize' op quantizes at run time, which has no CPU lowering yet}}
  %q = qblock.quantize %x : tensor<64x8xf32> -> !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>
  %d = qblock.dequantize %q : !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0> -> tensor<64x8xf32>
  return %d : tensor<64x8xf32>
}
