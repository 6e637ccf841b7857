// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4" --qblock-select-formats -verify-diagnostics -split-input-file | FileCheck %s
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4 tensor-scale=false" --qblock-select-formats -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=OFF

// Subnormal weights (max |w| = 2e-40) need a per-tensor scale far below 2^-126,
// the smallest normal f32 power of two: --qblock-quantize-linalg clamps it to 2^-126 and
// the blocks stay below E4M3's normal range. The warning must not repeat
// the tensor-scale=true advice, which was taken; without the tensor scale
// it gives that advice.
// CHECK-LABEL: func.func @subnormal
// CHECK: qblock.constant
// CHECK-NOT: qblock.quantize
// OFF: warning: weight 'subnormal.w0': {{.*}} (its tensor-scale=true scales the weight into range and the result back)
func.func @subnormal(%x: tensor<1x16xf32>) -> tensor<1x2xf32> {
  // expected-warning-re@+1 {{weight 'subnormal.w0': 2 of 2 non-zero blocks have maxima outside the range where NVFP4's E4M3 scale keeps 3 significant bits (2 below 0.046875, 0 above 2688), so they lose precision (relative MSE {{.*}}); the per-tensor scale 2^-126 that --qblock-quantize-linalg's tensor-scale=true applied is at the limit of f32's exponents, so scale the weight into range before quantizing (and the result back)}}
  %w = arith.constant dense<[[1.0e-40, -2.0e-40],[3.0e-41, 5.0e-41],[1.0e-40, -2.0e-40],[3.0e-41, 5.0e-41],[1.0e-40, -2.0e-40],[3.0e-41, 5.0e-41],[1.0e-40, -2.0e-40],[3.0e-41, 5.0e-41],[1.0e-40, -2.0e-40],[3.0e-41, 5.0e-41],[1.0e-40, -2.0e-40],[3.0e-41, 5.0e-41],[1.0e-40, -2.0e-40],[3.0e-41, 5.0e-41],[1.0e-40, -2.0e-40],[3.0e-41, 5.0e-41]]> : tensor<16x2xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x2xf32>) -> tensor<1x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<1x16xf32>, tensor<16x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %r : tensor<1x2xf32>
}

// -----

// Block maxima 1 and 2e-5 are 50000 apart, less than the 57344 the
// range spans, but the power of two (2^11) that puts 1 at 2048 leaves 2e-5
// at 0.041, below it: the advice is not tensor-scale=true again (nor
// "f32's limit", as it said for every scaled weight until review), but an
// exact rescale.
// CHECK-LABEL: func.func @span
// CHECK: qblock.constant
func.func @span(%x: tensor<1x16xf32>) -> tensor<1x2xf32> {
  // expected-warning-re@+1 {{weight 'span.w0': 1 of 2 non-zero blocks have maxima outside the range where NVFP4's E4M3 scale keeps 3 significant bits (1 below 0.046875, 0 above 2688), so they lose precision (relative MSE {{.*}}); --qblock-quantize-linalg's tensor-scale=true already scaled it by a power of two (2^11), which cannot place the largest and smallest block maxima in range at once; scale the weight by the factor that brings its largest block maximum to exactly 2688 before quantizing (and the result back), or use scheme=mxfp4 or blockdialect (power-of-two scales)}}
  %w = arith.constant dense<[[1.0, 2.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05],[0.5, 1.0e-05]]> : tensor<16x2xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x2xf32>) -> tensor<1x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<1x16xf32>, tensor<16x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %r : tensor<1x2xf32>
}

// -----

// Already in place (e = 0: nothing is scaled, the op is marked 0): the
// same advice, where the tensor-scale=true advice used to repeat.
// CHECK-LABEL: func.func @in_place
// CHECK: qblock.constant
func.func @in_place(%x: tensor<1x16xf32>) -> tensor<1x2xf32> {
  // expected-warning-re@+1 {{weight 'in_place.w0': 1 of 2 non-zero blocks have maxima outside the range where NVFP4's E4M3 scale keeps 3 significant bits (1 below 0.046875, 0 above 2688), so they lose precision (relative MSE {{.*}}); --qblock-quantize-linalg's tensor-scale=true already scaled it by a power of two (2^0), which cannot place the largest and smallest block maxima in range at once; scale the weight by the factor that brings its largest block maximum to exactly 2688 before quantizing (and the result back), or use scheme=mxfp4 or blockdialect (power-of-two scales)}}
  %w = arith.constant dense<[[2000.0, 0.04],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02],[1000.0, 0.02]]> : tensor<16x2xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x2xf32>) -> tensor<1x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<1x16xf32>, tensor<16x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %r : tensor<1x2xf32>
}
