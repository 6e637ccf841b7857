// NVFP4's per-tensor scale for activations, chosen at run time
// (acts=nvfp4, tensor-scale=true by default). Without it, activations
// whose block maxima fall below E4M3's range (|x| under about 0.006)
// quantized to all zeros and those above 2688 saturated, silently. The
// weights' rule on the largest magnitude of the activations, in the IR:
// amax (NaN ignored), e = E(amax) - E(2688) + (significand(amax) >
// significand(2688)), clamped to -126..126, 0 for amax = 0 or infinite;
// the activations are multiplied by 2^-e before they are quantized and the
// result by 2^(e + the weight's exponent).
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4 acts=nvfp4" -split-input-file | FileCheck %s
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4 acts=nvfp4 full-path=true" -split-input-file | FileCheck %s --check-prefix=FULL
// Off with tensor-scale=false, and for activation schemes without E4M3
// scales.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4 acts=nvfp4 tensor-scale=false full-path=true" -split-input-file | FileCheck %s --check-prefix=OFF --implicit-check-not=reduction --implicit-check-not=maxnumf
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4 acts=mxfp4 full-path=true" -split-input-file | FileCheck %s --check-prefix=OFF --implicit-check-not=reduction --implicit-check-not=maxnumf

// CHECK-LABEL: func.func @gemm
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x16xf16>, %[[INIT:[^:]*]]: tensor<?x2xf32>)
// CHECK: %[[W:.*]] = qblock.quantize %{{.*}} {qblock.tensor_scale_exponent = -10 : i32}
// The largest magnitude, NaN dropped by maxnumf, over every element.
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[AINIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<f32>)
// CHECK: %[[AMAXT:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[X]] : tensor<?x16xf16>) outs(%[[AINIT]] : tensor<f32>)
// CHECK:   %[[XF:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK:   %[[NEG:.*]] = arith.negf %[[XF]] : f32
// CHECK:   %[[ABS:.*]] = arith.maxnumf %[[XF]], %[[NEG]] : f32
// CHECK:   %[[MAX:.*]] = arith.maxnumf %{{.*}}, %[[ABS]] : f32
// CHECK:   linalg.yield %[[MAX]] : f32
// CHECK: %[[AMAX:.*]] = tensor.extract %[[AMAXT]][] : tensor<f32>
// e from amax's bits: 2688 = (1 + 2621440 / 2^23) * 2^11, so E - E(2688)
// is the biased exponent - 138.
// CHECK: %[[BITS:.*]] = arith.bitcast %[[AMAX]] : f32 to i32
// CHECK: %[[MAG:.*]] = arith.andi %[[BITS]], %c2147483647_i32
// CHECK: %[[BIASED:.*]] = arith.shrui %[[MAG]], %c23_i32
// CHECK: %[[MANT:.*]] = arith.andi %[[MAG]], %c8388607_i32
// CHECK: %[[ABOVE:.*]] = arith.cmpi ugt, %[[MANT]], %c2621440_i32
// CHECK: %[[ONE:.*]] = arith.extui %[[ABOVE]] : i1 to i32
// CHECK: %[[E0:.*]] = arith.subi %[[BIASED]], %c138_i32
// CHECK: %[[E1:.*]] = arith.addi %[[E0]], %[[ONE]]
// CHECK: %[[E2:.*]] = arith.maxsi %[[E1]], %c-126_i32
// CHECK: %[[E3:.*]] = arith.minsi %[[E2]], %c126_i32
// CHECK: %[[ZEROAMAX:.*]] = arith.cmpi eq, %[[MAG]], %c0_i32
// CHECK: %[[INF:.*]] = arith.cmpi eq, %[[BIASED]], %c255_i32
// CHECK: %[[NONE:.*]] = arith.ori %[[ZEROAMAX]], %[[INF]]
// CHECK: %[[E:.*]] = arith.select %[[NONE]], %{{.*}}, %[[E3]]
// 2^-e as a float: (127 - e) << 23.
// CHECK: %[[NEGE:.*]] = arith.subi %{{.*}}, %[[E]]
// CHECK: %[[DOWNB:.*]] = arith.addi %[[NEGE]], %{{.*}}
// CHECK: %[[DOWNS:.*]] = arith.shli %[[DOWNB]], %{{.*}}
// CHECK: %[[DOWN:.*]] = arith.bitcast %[[DOWNS]] : i32 to f32
// x / 2^e in f32, rounded back to f16, then quantized.
// CHECK: %[[XS:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<?x16xf16>) outs(%{{.*}} : tensor<?x16xf16>)
// CHECK:   %[[XSF:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK:   %[[SCALED:.*]] = arith.mulf %[[XSF]], %[[DOWN]] : f32
// CHECK:   %[[BACK:.*]] = arith.truncf %[[SCALED]] : f32 to f16
// CHECK:   linalg.yield %[[BACK]] : f16
// CHECK: %[[XQ:.*]] = qblock.quantize %[[XS]] : tensor<?x16xf16> -> !qblock.qtensor<?x16xf16, #qblock.scheme<nvfp4>, axis = 1>
// CHECK: %[[P:.*]] = qblock.matmul ins(%[[XQ]], %[[W]] :
// The result scaled by 2^(-10 + e) (the weight's 2^-10, the activations'
// 2^e) in three steps of at most 2^126 each way, all of the total's sign,
// so that no partial product overflows or underflows where the result
// does not.
// CHECK: %[[T:.*]] = arith.addi %c-10_i32, %[[E]] : i32
// CHECK: %[[C1A:.*]] = arith.maxsi %[[T]], %{{.*}}
// CHECK: %[[C1:.*]] = arith.minsi %[[C1A]], %{{.*}}
// CHECK: %[[F1:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK: %[[R1:.*]] = arith.subi %[[T]], %[[C1]] : i32
// CHECK: %[[C2A:.*]] = arith.maxsi %[[R1]], %{{.*}}
// CHECK: %[[C2:.*]] = arith.minsi %[[C2A]], %{{.*}}
// CHECK: %[[F2:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK: %[[R2:.*]] = arith.subi %[[R1]], %[[C2]] : i32
// CHECK: %[[C3A:.*]] = arith.maxsi %[[R2]], %{{.*}}
// CHECK: arith.minsi %[[C3A]], %{{.*}}
// CHECK: %[[F3:.*]] = arith.bitcast %{{.*}} : i32 to f32
// CHECK-NOT: arith.subi
// CHECK: linalg.generic {{.*}} ins(%[[P]] : tensor<?x2xf32>) outs(%[[INIT]] : tensor<?x2xf32>)
// CHECK:   %[[S1:.*]] = arith.mulf %{{.*}}, %[[F1]] : f32
// CHECK:   %[[S2:.*]] = arith.mulf %[[S1]], %[[F2]] : f32
// CHECK:   %[[S3:.*]] = arith.mulf %[[S2]], %[[F3]] : f32
// CHECK:   arith.addf %{{.*}}, %[[S3]] : f32
// OFF-LABEL: func.func @gemm
// OFF: qblock.quantize %arg0
func.func @gemm(%x: tensor<?x16xf16>, %init: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<-2.0> : tensor<16x2xf16>
  %r = linalg.matmul ins(%x, %w : tensor<?x16xf16>, tensor<16x2xf16>) outs(%init : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %r : tensor<?x2xf32>
}

// -----

// Attention's Q*K^T under full-path=true: both operands are activations,
// each gets its own run-time scale, and the result takes both.
#q = affine_map<(b, m, n, k) -> (b, m, k)>
#k = affine_map<(b, m, n, k) -> (b, n, k)>
#o = affine_map<(b, m, n, k) -> (b, m, n)>
// FULL-LABEL: func.func @scores
// FULL-SAME: (%[[Q:[^:]*]]: tensor<2x6x64xf32>, %[[K:[^:]*]]: tensor<2x6x64xf32>
// FULL: linalg.generic {{.*}}iterator_types = ["reduction", "reduction", "reduction"]} ins(%[[K]] :
// FULL: %[[KS:.*]] = linalg.generic {{.*}} ins(%[[K]] :
// FULL: %[[KQ:.*]] = qblock.quantize %[[KS]]
// FULL: linalg.generic {{.*}}iterator_types = ["reduction", "reduction", "reduction"]} ins(%[[Q]] :
// FULL: %[[QS:.*]] = linalg.generic {{.*}} ins(%[[Q]] :
// FULL: %[[QQ:.*]] = qblock.quantize %[[QS]]
// FULL: %[[P:.*]] = qblock.matmul ins(%[[QQ]], %[[KQ]] :
// Both exponents in the total (no weight scale: 0 + e_K + e_Q).
// FULL: %[[T0:.*]] = arith.addi %c0_i32{{.*}}, %[[EK:.*]] : i32
// FULL: arith.addi %[[T0]], %[[EQ:.*]] : i32
// FULL: linalg.generic {{.*}} ins(%[[P]] :
// FULL:   %[[S1:.*]] = arith.mulf
// FULL:   %[[S2:.*]] = arith.mulf %[[S1]],
// FULL:   %[[S3:.*]] = arith.mulf %[[S2]],
// FULL:   arith.addf %{{.*}}, %[[S3]] : f32
// OFF-LABEL: func.func @scores
// OFF-COUNT-2: qblock.quantize %arg
// OFF: qblock.matmul
func.func @scores(%q: tensor<2x6x64xf32>, %k: tensor<2x6x64xf32>, %init: tensor<2x6x6xf32>) -> tensor<2x6x6xf32> {
  %r = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
       ins(%q, %k : tensor<2x6x64xf32>, tensor<2x6x64xf32>) outs(%init : tensor<2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x6x6xf32>
  return %r : tensor<2x6x6xf32>
}
