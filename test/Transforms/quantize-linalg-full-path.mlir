// RUN: quant-opt %s --qblock-quantize-linalg="acts=int8 full-path=true" | FileCheck %s
// RUN: quant-opt %s --qblock-quantize-linalg="acts=blockdialect full-path=true" | FileCheck %s --check-prefix=BD
// RUN: quant-opt %s --qblock-quantize-linalg="acts=int8" 2>&1 | FileCheck %s --check-prefix=OFF
// RUN: quant-opt %s --qblock-quantize-linalg="acts=mxfp4 full-path=true" 2>&1 | FileCheck %s --check-prefix=DYN

// Attention's Q*K^T as the matmul-shaped linalg.generic torch-mlir emits
// (K used transposed): with full-path=true both run-time operands are
// quantized with the acts scheme along the reduction dimension, and the
// product becomes a qblock.matmul of two quantized operands.
#q = affine_map<(b, m, n, k) -> (b, m, k)>
#k = affine_map<(b, m, n, k) -> (b, n, k)>
#o = affine_map<(b, m, n, k) -> (b, m, n)>
// CHECK-LABEL: func.func @scores_generic
// CHECK-SAME: (%[[QIN:[^:]*]]: tensor<2x6x64xf32>, %[[KIN:[^:]*]]: tensor<2x6x64xf32>
// CHECK-DAG: %[[K:.*]] = qblock.quantize %[[KIN]] : tensor<2x6x64xf32> -> !qblock.qtensor<2x6x64xf32, #qblock.scheme<int8>, axis = 2>
// CHECK-DAG: %[[Q:.*]] = qblock.quantize %[[QIN]] : tensor<2x6x64xf32> -> !qblock.qtensor<2x6x64xf32, #qblock.scheme<int8>, axis = 2>
// CHECK: qblock.matmul ins(%[[Q]], %[[K]] : !qblock.qtensor<2x6x64xf32, #qblock.scheme<int8>, axis = 2>, !qblock.qtensor<2x6x64xf32, #qblock.scheme<int8>, axis = 2>)
// CHECK-NOT: linalg.generic
// BD-LABEL: func.func @scores_generic
// BD-COUNT-2: qblock.quantize %{{.*}} -> !qblock.qtensor<2x6x64xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 2>
// BD: qblock.matmul
// Without full-path the product of two activations stays float.
// OFF-LABEL: func.func @scores_generic
// OFF-NOT: qblock.
// OFF: linalg.generic
func.func @scores_generic(%q: tensor<2x6x64xf32>, %k: tensor<2x6x64xf32>, %init: tensor<2x6x6xf32>) -> tensor<2x6x6xf32> {
  %r = linalg.generic {indexing_maps = [#q, #k, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
       ins(%q, %k : tensor<2x6x64xf32>, tensor<2x6x64xf32>) outs(%init : tensor<2x6x6xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x6x6xf32>
  return %r : tensor<2x6x6xf32>
}

// A dynamic sequence length in K^T (B's N): the quantized-by-quantized
// kernels need B's sizes, so the product stays in float, with a remark,
// instead of failing in --qblock-cpu-pipeline.
// DYN: remark: not quantized: the right-hand activation (B) has a dynamic N (a dynamic sequence length?); full-path quantizes activation-by-activation matmuls only when B's N is static
// DYN-LABEL: func.func @scores_dynamic_length
// DYN-NOT: qblock.
// DYN: linalg.matmul
func.func @scores_dynamic_length(%q: tensor<?x64xf32>, %k: tensor<?x64xf32>, %init: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%q, %k : tensor<?x64xf32>, tensor<?x64xf32>) outs(%init : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// A dynamic batch (batch x heads) is quantized: the W4A4/W4A8 lowerings
// take a right-hand operand of dynamic batch (since 2026-12-07; this was
// the remark above before). The run-time checks compare the batches.
// DYN-LABEL: func.func @scores_dynamic_batch
// DYN: qblock.quantize %{{.*}} : tensor<?x64x8xf32> -> !qblock.qtensor<?x64x8xf32, #qblock.scheme<mxfp4>, axis = 1>
// DYN: qblock.matmul
// DYN-NOT: linalg.batch_matmul
func.func @scores_dynamic_batch(%q: tensor<?x4x64xf32>, %k: tensor<?x64x8xf32>, %init: tensor<?x4x8xf32>) -> tensor<?x4x8xf32> {
  %r = linalg.batch_matmul ins(%q, %k : tensor<?x4x64xf32>, tensor<?x64x8xf32>) outs(%init : tensor<?x4x8xf32>) -> tensor<?x4x8xf32>
  return %r : tensor<?x4x8xf32>
}
