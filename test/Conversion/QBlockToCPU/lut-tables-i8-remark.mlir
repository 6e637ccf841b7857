// lut-tables=i8 takes effect only where LUT-GEMM's chunked kernel runs (K a
// multiple of 512, a group size that is a multiple of 32 dividing 512,
// N >= 16); elsewhere the lowering says that it keeps f32 tables instead of
// ignoring the option without a word. Where the option applies it is quiet.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=2 group=32" --qblock-cpu-pipeline="lut-tables=i8" -split-input-file -verify-diagnostics -o /dev/null

func.func @small_k(%a: tensor<1x96xf32>, %init: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %w = arith.constant dense<0.5> : tensor<96x16xf32>
  // expected-remark@+1 {{lut-tables=i8 needs K a multiple of 512, a group size that is a multiple of 32 and divides 512, and N >= 16; this lut_gemm (K = 96, group = 32, N = 16) uses f32 tables}}
  %r = linalg.matmul ins(%a, %w : tensor<1x96xf32>, tensor<96x16xf32>) outs(%init : tensor<1x16xf32>) -> tensor<1x16xf32>
  return %r : tensor<1x16xf32>
}

// -----

func.func @chunked(%a: tensor<1x512xf32>, %init: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %w = arith.constant dense<0.5> : tensor<512x16xf32>
  %r = linalg.matmul ins(%a, %w : tensor<1x512xf32>, tensor<512x16xf32>) outs(%init : tensor<1x16xf32>) -> tensor<1x16xf32>
  return %r : tensor<1x16xf32>
}
