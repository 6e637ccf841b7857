// NVFP4's per-tensor scale (--qblock-quantize-linalg, tensor-scale=true by
// default): the constant is divided by 2^e, the smallest power of two that
// brings max |w| to at most 448 * 6 = 2688, and the result is init + 2^e *
// (A * W') with the matmul accumulating into zeros in f32. The quantize op
// records e (qblock.tensor_scale_exponent) for --qblock-select-formats.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4" -split-input-file | FileCheck %s
// DEFINE: %{off} = FileCheck %s --check-prefix=OFF --implicit-check-not=linalg.generic --implicit-check-not=tensor_scaled --implicit-check-not=tensor_scale_exponent
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4 tensor-scale=false" -split-input-file | %{off}
// Other schemes have no E4M3 scale and no tensor scale.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=mxfp4 block=16" -split-input-file | %{off}

// max |w| = 2: e = -10 (2 * 2^10 = 2048 <= 2688 < 4096).
// CHECK-LABEL: func.func @small
// CHECK-SAME: (%[[X:.*]]: tensor<3x16xf32>, %[[INIT:.*]]: tensor<3x2xf32>)
// CHECK: %[[W:.*]] = arith.constant dense<-2.048000e+03> : tensor<16x2xf32>
// CHECK: %[[Q:.*]] = qblock.quantize %[[W]] {qblock.tensor_scale_exponent = -10 : i32} : tensor<16x2xf32> -> !qblock.qtensor<16x2xf32, #qblock.scheme<nvfp4>, axis = 0>
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<3x2xf32>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[ZEROS:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<3x2xf32>)
// CHECK: %[[P:.*]] = qblock.matmul ins(%[[X]], %[[Q]] : {{.*}}) outs(%[[ZEROS]] : tensor<3x2xf32>)
// CHECK: %[[FACTOR:.*]] = arith.constant 9.765625E-4 : f32
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[P]] : tensor<3x2xf32>) outs(%[[INIT]] : tensor<3x2xf32>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[OUT:.*]]: f32):
// CHECK:   %[[S:.*]] = arith.mulf %[[IN]], %[[FACTOR]] : f32
// CHECK:   %[[SUM:.*]] = arith.addf %[[OUT]], %[[S]] : f32
// CHECK:   linalg.yield %[[SUM]] : f32
// CHECK: return %[[R]]
// OFF-LABEL: func.func @small
// OFF: qblock.matmul ins(%{{.*}}, %{{.*}} : {{.*}}) outs(%arg1 : tensor<3x2xf32>)
func.func @small(%x: tensor<3x16xf32>, %init: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<-2.0> : tensor<16x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<3x16xf32>, tensor<16x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

// -----

// max |w| = 5000 > 2688: e = 1, the weight is halved.
// CHECK-LABEL: func.func @large
// CHECK-DAG: arith.constant dense<2.500000e+03> : tensor<16x2xf32>
// CHECK-DAG: arith.constant 2.000000e+00 : f32
// CHECK: linalg.generic
func.func @large(%x: tensor<3x16xf32>, %init: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<5000.0> : tensor<16x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<3x16xf32>, tensor<16x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

// -----

// max |w| = 2000 already lies in (1344, 2688]: e = 0, nothing to do.
// CHECK-LABEL: func.func @in_range
// CHECK: %[[W:.*]] = arith.constant dense<2.000000e+03>
// CHECK: qblock.quantize %[[W]]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @in_range(%x: tensor<3x16xf32>, %init: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<2000.0> : tensor<16x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<3x16xf32>, tensor<16x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

// -----

// All-zero weights and weights holding NaN get no tensor scale (NaN is left
// to --qblock-select-formats' diagnostics).
// CHECK-LABEL: func.func @zero_and_nan
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @zero_and_nan(%x: tensor<3x16xf32>, %init: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %z = arith.constant dense<0.0> : tensor<16x2xf32>
  %n = arith.constant dense<0x7FC00000> : tensor<16x2xf32>
  %r = linalg.matmul ins(%x, %z : tensor<3x16xf32>, tensor<16x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  %s = linalg.matmul ins(%x, %n : tensor<3x16xf32>, tensor<16x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %r, %s : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// f16, dynamic M: the product is f32 (f16 could overflow before the scale
// brings it back), and the scaling op rounds once to f16.
// max |w| = 0.0625 = 2^-4: e = -15 (2^11 = 2048 <= 2688).
// CHECK-LABEL: func.func @f16_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x32xf16>, %[[INIT:.*]]: tensor<?x4xf16>)
// CHECK: arith.constant dense<2.048000e+03> : tensor<32x4xf16>
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[M:.*]] = tensor.dim %[[INIT]], %[[C0]] : tensor<?x4xf16>
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[M]]) : tensor<?x4xf32>
// CHECK: qblock.matmul {{.*}} -> tensor<?x4xf32>
// CHECK: %[[FACTOR:.*]] = arith.constant 3.05175781E-5 : f32
// CHECK: linalg.generic {{.*}} outs(%[[INIT]] : tensor<?x4xf16>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %[[OUT:.*]]: f16):
// CHECK:   %[[S:.*]] = arith.mulf %[[IN]], %[[FACTOR]] : f32
// CHECK:   %[[OLD:.*]] = arith.extf %[[OUT]] : f16 to f32
// CHECK:   %[[SUM:.*]] = arith.addf %[[OLD]], %[[S]] : f32
// CHECK:   %[[H:.*]] = arith.truncf %[[SUM]] : f32 to f16
// CHECK:   linalg.yield %[[H]] : f16
func.func @f16_dynamic(%x: tensor<?x32xf16>, %init: tensor<?x4xf16>) -> tensor<?x4xf16> {
  %w = arith.constant dense<0.0625> : tensor<32x4xf16>
  %r = linalg.matmul ins(%x, %w : tensor<?x32xf16>, tensor<32x4xf16>) outs(%init : tensor<?x4xf16>) -> tensor<?x4xf16>
  return %r : tensor<?x4xf16>
}

// -----

// Two matmuls share a weight: one scaled copy, which both read (so it is
// packed once), and the unscaled constant goes once nothing reads it. A
// transposed N x K weight (torch-mlir's linalg.transpose) is scaled in its
// own layout.
// CHECK-LABEL: func.func @shared_and_transposed
// CHECK-NOT: dense<3.000000e+00>
// CHECK: %[[W:.*]] = arith.constant dense<1.536000e+03> : tensor<16x2xf32>
// CHECK: qblock.quantize %[[W]]
// CHECK-NOT: arith.constant dense<1.536000e+03> : tensor<16x2xf32>
// CHECK: qblock.quantize %[[W]]
// CHECK: arith.constant dense<1.536000e+03> : tensor<2x16xf32>
// CHECK-NOT: linalg.transpose
// CHECK: qblock.quantize {{.*}} : tensor<2x16xf32> -> !qblock.qtensor<2x16xf32, #qblock.scheme<nvfp4>, axis = 1>
func.func @shared_and_transposed(%x: tensor<3x16xf32>, %init: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = arith.constant dense<3.0> : tensor<16x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<3x16xf32>, tensor<16x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  %s = linalg.matmul ins(%x, %w : tensor<3x16xf32>, tensor<16x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  %nk = arith.constant dense<3.0> : tensor<2x16xf32>
  %e = tensor.empty() : tensor<16x2xf32>
  %t = linalg.transpose ins(%nk : tensor<2x16xf32>) outs(%e : tensor<16x2xf32>) permutation = [1, 0]
  %u = linalg.matmul ins(%x, %t : tensor<3x16xf32>, tensor<16x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %r, %s, %u : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// A dense_resource weight (how torch-mlir and IREE carry large weights)
// gets a scaled blob of its own: max |w| = 1 (0x3F800000), e = -11, 2^11 =
// 0x45000000.
// CHECK-LABEL: func.func @resource
// CHECK: arith.constant dense_resource<layer.w.tensor_scaled> : tensor<16x2xf32>
// CHECK: arith.constant 4.8828125E-4 : f32
// CHECK: layer.w.tensor_scaled: "0x04000000{{(00000045)+}}"
func.func @resource(%x: tensor<3x16xf32>, %init: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense_resource<layer.w> : tensor<16x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<3x16xf32>, tensor<16x2xf32>) outs(%init : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %r : tensor<3x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      layer.w: "0x040000000000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F"
    }
  }
#-}

// -----

// Half blobs are scaled in their own bits (max |w| = 1, e = -11): 1.0,
// the smallest subnormal (2^-24 in f16, 2^-133 in bf16: it becomes
// normal, the path through APFloat), -0.5 and -0 in each type.
// f16: 2048 = 0x6800, 2^-13 = 0x0800, -1024 = 0xE400; bf16: 2048 =
// 0x4500, 2^-122 = 0x0280, -1024 = 0xC480. Bytes are little endian.
// CHECK-LABEL: func.func @half_resources
// CHECK: arith.constant dense_resource<layer.h.tensor_scaled> : tensor<16x2xf16>
// CHECK: arith.constant dense_resource<layer.b.tensor_scaled> : tensor<16x2xbf16>
// CHECK-DAG: layer.h.tensor_scaled: "0x040000000068000800E400800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
// CHECK-DAG: layer.b.tensor_scaled: "0x040000000045800280C400800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
func.func @half_resources(%x: tensor<3x16xf16>, %init: tensor<3x2xf16>,
                          %y: tensor<3x16xbf16>, %binit: tensor<3x2xbf16>)
    -> (tensor<3x2xf16>, tensor<3x2xbf16>) {
  %w = arith.constant dense_resource<layer.h> : tensor<16x2xf16>
  %r = linalg.matmul ins(%x, %w : tensor<3x16xf16>, tensor<16x2xf16>) outs(%init : tensor<3x2xf16>) -> tensor<3x2xf16>
  %v = arith.constant dense_resource<layer.b> : tensor<16x2xbf16>
  %s = linalg.matmul ins(%y, %v : tensor<3x16xbf16>, tensor<16x2xbf16>) outs(%binit : tensor<3x2xbf16>) -> tensor<3x2xbf16>
  return %r, %s : tensor<3x2xf16>, tensor<3x2xbf16>
}

{-#
  dialect_resources: {
    builtin: {
      layer.h: "0x02000000003C010000B800800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
      layer.b: "0x02000000803F010000BF00800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}

// -----

// One weight read by two matmuls (tied weights): one scaled copy, which
// both quantize ops read, so --qblock-select-formats packs it once; the
// unscaled blob goes once neither matmul reads it.
// CHECK-LABEL: func.func @tied_resource
// CHECK: %[[W:.*]] = arith.constant dense_resource<tied.w.tensor_scaled> : tensor<16x2xf16>
// CHECK-NOT: arith.constant dense_resource
// CHECK: qblock.quantize %[[W]]
// CHECK: qblock.quantize %[[W]]
// CHECK-NOT: tied.w:
func.func @tied_resource(%x: tensor<3x16xf16>, %init: tensor<3x2xf16>) -> (tensor<3x2xf16>, tensor<3x2xf16>) {
  %w = arith.constant dense_resource<tied.w> : tensor<16x2xf16>
  %r = linalg.matmul ins(%x, %w : tensor<3x16xf16>, tensor<16x2xf16>) outs(%init : tensor<3x2xf16>) -> tensor<3x2xf16>
  %s = linalg.matmul ins(%x, %w : tensor<3x16xf16>, tensor<16x2xf16>) outs(%init : tensor<3x2xf16>) -> tensor<3x2xf16>
  return %r, %s : tensor<3x2xf16>, tensor<3x2xf16>
}

{-#
  dialect_resources: {
    builtin: {
      tied.w: "0x02000000003C010000B800800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}
