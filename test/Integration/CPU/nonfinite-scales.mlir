// A stored F16 scale with an all-ones exponent (here +Inf, 0x7C00) is a NaN
// scale (docs/formats.md, 3.3): every value of its block decodes to NaN, so
// exactly the outputs that read the block are NaN, on every target and path
// (the f32 kernels scale the dialect row, the bf16 one the block's sum, where
// an infinite scale used to give +-inf). INT4 weights, K = 32, N = 2, packed
// by hand: column 0's block has scale 0x7C00, column 1's 0x351B; the
// activations are all 1, so column 1 is the sum of its decoded weights
// (-1.914550768 as qblock-inspect --values decodes them).
//
// RUN: split-file %s %t
// DEFINE: %{input} = f32.mlir
// DEFINE: %{target} = generic
// DEFINE: %{run} = quant-opt %t/%{input} --qblock-cpu-pipeline=target=%{target} \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: %{run}
// REDEFINE: %{target} = avx2
// RUN: %{run}
// REDEFINE: %{target} = avx512
// RUN: %if cpu-avx512 %{ %{run} %}
// REDEFINE: %{input} = bf16.mlir
// RUN: %if cpu-avx512-bf16 %{ %{run} %}
// REDEFINE: %{target} = generic
// RUN: %{run}
// CHECK: [{{\[}}{{-?}}nan, -1.91455]]

//--- f32.mlir
module {
  func.func private @printMemrefF32(tensor<*xf32>)
  func.func @main() {
    %a = arith.constant dense<1.0> : tensor<1x32xf32>
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x2xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
    %w = qblock.constant dense_resource<w> : tensor<128xi8> -> !qblock.qtensor<32x2xf32, #qblock.scheme<int4>, axis = 0>
    %r = qblock.matmul ins(%a, %w : tensor<1x32xf32>, !qblock.qtensor<32x2xf32, #qblock.scheme<int4>, axis = 0>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
    %p = tensor.cast %r : tensor<1x2xf32> to tensor<*xf32>
    call @printMemrefF32(%p) : (tensor<*xf32>) -> ()
    return
  }
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x100000001011111111111111111111111111111111B19A71ADE4B9089BCAA8924181A1440000000000000000000000000000000000000000000000000000000000000000007C1B35000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}

//--- bf16.mlir
module {
  func.func private @printMemrefF32(tensor<*xf32>)
  func.func @main() {
    %a = arith.constant dense<1.0> : tensor<1x32xbf16>
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x2xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
    %w = qblock.constant dense_resource<w> : tensor<128xi8> -> !qblock.qtensor<32x2xbf16, #qblock.scheme<int4>, axis = 0>
    %r = qblock.matmul ins(%a, %w : tensor<1x32xbf16>, !qblock.qtensor<32x2xbf16, #qblock.scheme<int4>, axis = 0>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
    %p = tensor.cast %r : tensor<1x2xf32> to tensor<*xf32>
    call @printMemrefF32(%p) : (tensor<*xf32>) -> ()
    return
  }
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x100000001011111111111111111111111111111111B19A71ADE4B9089BCAA8924181A1440000000000000000000000000000000000000000000000000000000000000000007C1B35000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}
