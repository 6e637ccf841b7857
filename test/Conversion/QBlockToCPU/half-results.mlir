// convert-qblock-to-cpu on matmuls with f16/bf16 results: kernels add
// partial sums into an f32 copy of init, rounded once at the end. Both
// conversions are linalg.generic ops, so the pass's output bufferizes on
// its own (arith.extf/truncf on whole tensors have no bufferization).
// RUN: quant-opt %s --convert-qblock-to-cpu=target=generic -split-input-file | FileCheck %s
// RUN: quant-opt %s --convert-qblock-to-cpu=target=generic --one-shot-bufferize="bufferize-function-boundaries" -split-input-file | FileCheck %s --check-prefix=BUF

// CHECK-LABEL: func.func @gemm_f16
// CHECK-SAME: %[[INIT:[a-z0-9]+]]: tensor<?x64xf16>
// CHECK: %[[WIDE0:.*]] = tensor.empty(%{{.*}}) : tensor<?x64xf32>
// CHECK: %[[WIDE:.*]] = linalg.generic {{.*}} ins(%[[INIT]] : tensor<?x64xf16>) outs(%[[WIDE0]] : tensor<?x64xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f16, %{{.*}}: f32):
// CHECK-NEXT: %[[X:.*]] = arith.extf %[[IN]] : f16 to f32
// CHECK-NEXT: linalg.yield %[[X]] : f32
// CHECK: bufferization.materialize_in_destination %[[WIDE]] in restrict writable %[[ACC:.*]] : (tensor<?x64xf32>, memref<?x64xf32>)
// CHECK: %[[SUM:.*]] = bufferization.to_tensor %[[ACC]] restrict writable : memref<?x64xf32> to tensor<?x64xf32>
// CHECK: %[[NARROW:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<?x64xf32>) outs(%{{.*}} : tensor<?x64xf16>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: return %[[NARROW]] : tensor<?x64xf16>
// BUF-LABEL: func.func @gemm_f16
// BUF-SAME: memref<?x64xf16
// BUF-NOT: tensor<
// BUF: return
func.func @gemm_f16(%a: tensor<?x64xf32>, %w: tensor<2240xi8>, %init: tensor<?x64xf16>) -> tensor<?x64xf16> {
  %q = qblock.from_storage %w : tensor<2240xi8> -> !qblock.qtensor<64x64xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<?x64xf32>, !qblock.qtensor<64x64xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<?x64xf16>) -> tensor<?x64xf16>
  return %r : tensor<?x64xf16>
}

// -----

// The same for LUT-GEMM with a bf16 result.
// CHECK-LABEL: func.func @lut_bf16
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x8xbf16>) outs(%{{.*}} : tensor<2x8xf32>)
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x8xf32>) outs(%{{.*}} : tensor<2x8xbf16>)
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// BUF-LABEL: func.func @lut_bf16
// BUF-NOT: tensor<
// BUF: return
func.func @lut_bf16(%a: tensor<2x256xf32>, %w: tensor<960xi8>, %init: tensor<2x8xbf16>) -> tensor<2x8xbf16> {
  %q = qblock.from_storage %w : tensor<960xi8> -> !qblock.qtensor<256x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<2x256xf32>, !qblock.qtensor<256x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%init : tensor<2x8xbf16>) -> tensor<2x8xbf16>
  return %r : tensor<2x8xbf16>
}
