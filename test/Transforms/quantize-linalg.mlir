// RUN: quant-opt %s --qblock-quantize-linalg -split-input-file | FileCheck %s
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=mxfp4" -split-input-file | FileCheck %s --check-prefix=MXFP4
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4" -split-input-file | FileCheck %s --check-prefix=NVFP4
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=int4 block=64" -split-input-file | FileCheck %s --check-prefix=INT4
// RUN: quant-opt %s --qblock-quantize-linalg="select=two-stage block=16" -split-input-file | FileCheck %s --check-prefix=TWOSTAGE
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=2 group=64" -split-input-file | FileCheck %s --check-prefix=BCQ
// RUN: quant-opt %s --qblock-quantize-linalg="acts=blockdialect" -split-input-file | FileCheck %s --check-prefix=ACTS
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=4 group=32 from=uniform" -split-input-file | FileCheck %s --check-prefix=UNIFORM
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4 acts=mxfp4" -split-input-file | FileCheck %s --check-prefix=ACTS-MX
// RUN: quant-opt %s --qblock-quantize-linalg="acts=int8" -split-input-file | FileCheck %s --check-prefix=ACTS-I8

// A plain matmul with a constant weight and a dynamic M.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[X:.*]]: tensor<?x128xf32>, %[[INIT:.*]]: tensor<?x64xf32>)
// CHECK: %[[W:.*]] = arith.constant dense<{{.*}}> : tensor<128x64xf32>
// CHECK: %[[Q:.*]] = qblock.quantize %[[W]] : tensor<128x64xf32> -> !qblock.qtensor<128x64xf32, #qblock.scheme<blockdialect>, axis = 0>
// CHECK: %[[R:.*]] = qblock.matmul ins(%[[X]], %[[Q]] : tensor<?x128xf32>, !qblock.qtensor<128x64xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%[[INIT]] : tensor<?x64xf32>) -> tensor<?x64xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[R]]
// MXFP4-LABEL: func.func @matmul
// MXFP4: qblock.quantize {{.*}} -> !qblock.qtensor<128x64xf32, #qblock.scheme<mxfp4>, axis = 0>
// NVFP4-LABEL: func.func @matmul
// NVFP4: qblock.quantize {{.*}} -> !qblock.qtensor<128x64xf32, #qblock.scheme<nvfp4>, axis = 0>
// INT4-LABEL: func.func @matmul
// INT4: qblock.quantize {{.*}} -> !qblock.qtensor<128x64xf32, #qblock.scheme<int4, block = 64>, axis = 0>
// TWOSTAGE-LABEL: func.func @matmul
// TWOSTAGE: qblock.quantize {{.*}} -> !qblock.qtensor<128x64xf32, #qblock.scheme<blockdialect, block = 16, select = two_stage>, axis = 0>
// BCQ-LABEL: func.func @matmul
// BCQ: %[[Q:.*]] = qblock.quantize {{.*}} -> !qblock.qtensor<128x64xf32, #qblock.bcq<bits = 2, group = 64>, axis = 0>
// BCQ: qblock.lut_gemm ins(%{{.*}}, %[[Q]] : tensor<?x128xf32>, !qblock.qtensor<128x64xf32, #qblock.bcq<bits = 2, group = 64>, axis = 0>)
// BCQ-NOT: qblock.matmul
// UNIFORM-LABEL: func.func @matmul
// UNIFORM: qblock.quantize {{.*}} -> !qblock.qtensor<128x64xf32, #qblock.bcq<bits = 4, group = 32, fit = uniform>, axis = 0>
// Online activation quantization: blocked along K with the weights' block
// size, two-stage selection for BlockDialect.
// ACTS-LABEL: func.func @matmul
// ACTS-SAME: (%[[X:.*]]: tensor<?x128xf32>, %[[INIT:.*]]: tensor<?x64xf32>)
// ACTS: %[[W:.*]] = qblock.quantize %{{.*}} : tensor<128x64xf32> -> !qblock.qtensor<128x64xf32, #qblock.scheme<blockdialect>, axis = 0>
// ACTS: %[[A:.*]] = qblock.quantize %[[X]] : tensor<?x128xf32> -> !qblock.qtensor<?x128xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 1>
// ACTS: qblock.matmul ins(%[[A]], %[[W]] : !qblock.qtensor<?x128xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 1>, !qblock.qtensor<128x64xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%[[INIT]] : tensor<?x64xf32>)
// ACTS-MX-LABEL: func.func @matmul
// ACTS-MX: qblock.quantize %{{.*}} : tensor<?x128xf32> -> !qblock.qtensor<?x128xf32, #qblock.scheme<mxfp4, block = 16>, axis = 1>
// INT8 activations (W4A8) with the weights' block size.
// ACTS-I8-LABEL: func.func @matmul
// ACTS-I8: %[[QA:.*]] = qblock.quantize %{{.*}} : tensor<?x128xf32> -> !qblock.qtensor<?x128xf32, #qblock.scheme<int8>, axis = 1>
// ACTS-I8: qblock.matmul ins(%[[QA]], %{{.*}} : !qblock.qtensor<?x128xf32, #qblock.scheme<int8>, axis = 1>, !qblock.qtensor<128x64xf32, #qblock.scheme<blockdialect>, axis = 0>)
func.func @matmul(%x: tensor<?x128xf32>, %init: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %w = arith.constant dense<0.25> : tensor<128x64xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x128xf32>, tensor<128x64xf32>) outs(%init : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// Transposed weight (N x K, as nn.Linear stores it) through indexing_maps:
// blocks run along the weight's last axis.
// CHECK-LABEL: func.func @matmul_transpose_b
// CHECK: %[[Q:.*]] = qblock.quantize %{{.*}} : tensor<64x128xf16> -> !qblock.qtensor<64x128xf16, #qblock.scheme<blockdialect>, axis = 1>
// CHECK: qblock.matmul ins(%{{.*}}, %[[Q]] : tensor<4x128xf16>, !qblock.qtensor<64x128xf16, #qblock.scheme<blockdialect>, axis = 1>) outs(%{{.*}} : tensor<4x64xf32>)
func.func @matmul_transpose_b(%x: tensor<4x128xf16>, %init: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %w = arith.constant dense<1.0> : tensor<64x128xf16>
  %r = linalg.matmul indexing_maps = [
         affine_map<(m, n, k) -> (m, k)>,
         affine_map<(m, n, k) -> (n, k)>,
         affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %w : tensor<4x128xf16>, tensor<64x128xf16>) outs(%init : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

// -----

// CHECK-LABEL: func.func @batch_matmul
// CHECK: %[[Q:.*]] = qblock.quantize %{{.*}} : tensor<2x64x8xbf16> -> !qblock.qtensor<2x64x8xbf16, #qblock.scheme<blockdialect>, axis = 1>
// CHECK: qblock.matmul ins(%{{.*}}, %[[Q]] : tensor<2x?x64xbf16>, !qblock.qtensor<2x64x8xbf16, #qblock.scheme<blockdialect>, axis = 1>) outs(%{{.*}} : tensor<2x?x8xbf16>) -> tensor<2x?x8xbf16>
func.func @batch_matmul(%x: tensor<2x?x64xbf16>, %init: tensor<2x?x8xbf16>) -> tensor<2x?x8xbf16> {
  %w = arith.constant dense<1.0> : tensor<2x64x8xbf16>
  %r = linalg.batch_matmul ins(%x, %w : tensor<2x?x64xbf16>, tensor<2x64x8xbf16>) outs(%init : tensor<2x?x8xbf16>) -> tensor<2x?x8xbf16>
  return %r : tensor<2x?x8xbf16>
}

// -----

// A matmul-shaped linalg.generic, as torch-mlir emits after generalization,
// with an f16 weight promoted to f32 inside the body.
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @generic
// CHECK: %[[Q:.*]] = qblock.quantize %{{.*}} : tensor<16x32xf16> -> !qblock.qtensor<16x32xf16, #qblock.scheme<blockdialect>, axis = 1>
// CHECK: qblock.matmul ins(%{{.*}}, %[[Q]] : tensor<?x32xf32>, !qblock.qtensor<16x32xf16, #qblock.scheme<blockdialect>, axis = 1>) outs(%{{.*}} : tensor<?x16xf32>)
// CHECK-NOT: linalg.generic
func.func @generic(%x: tensor<?x32xf32>, %init: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %w = arith.constant dense<2.0> : tensor<16x32xf16>
  %r = linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%x, %w : tensor<?x32xf32>, tensor<16x32xf16>) outs(%init : tensor<?x16xf32>) {
  ^bb0(%a: f32, %b: f16, %c: f32):
    %bf = arith.extf %b : f16 to f32
    %p = arith.mulf %a, %bf : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}

// -----

// The multiply-accumulate in any operand order, with the f16 result widened
// for the sum and rounded back: still out + A * B.
// CHECK-LABEL: func.func @generic_commuted_half_result
// CHECK: qblock.matmul {{.*}} -> tensor<3x16xf16>
// CHECK-NOT: linalg.generic
func.func @generic_commuted_half_result(%x: tensor<3x32xf32>, %init: tensor<3x16xf16>) -> tensor<3x16xf16> {
  %w = arith.constant dense<2.0> : tensor<32x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%x, %w : tensor<3x32xf32>, tensor<32x16xf32>) outs(%init : tensor<3x16xf16>) {
  ^bb0(%a: f32, %b: f32, %c: f16):
    %p = arith.mulf %b, %a : f32
    %cf = arith.extf %c : f16 to f32
    %s = arith.addf %p, %cf : f32
    %t = arith.truncf %s : f32 to f16
    linalg.yield %t : f16
  } -> tensor<3x16xf16>
  return %r : tensor<3x16xf16>
}

// -----

// When both operands are constants, the right-hand one is the weight.
// CHECK-LABEL: func.func @both_constant
// CHECK-DAG: %[[A:.*]] = arith.constant dense<3.000000e+00> : tensor<2x32xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<5.000000e-01> : tensor<32x4xf32>
// CHECK: %[[Q:.*]] = qblock.quantize %[[B]]
// CHECK: qblock.matmul ins(%[[A]], %[[Q]]
func.func @both_constant(%init: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %a = arith.constant dense<3.0> : tensor<2x32xf32>
  %b = arith.constant dense<0.5> : tensor<32x4xf32>
  %r = linalg.matmul ins(%a, %b : tensor<2x32xf32>, tensor<32x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// dense_resource weights (how large models are stored) are constants too.
// CHECK-LABEL: func.func @resource_weight
// CHECK: %[[W:.*]] = arith.constant dense_resource<w> : tensor<32x2xf32>
// CHECK: qblock.quantize %[[W]]
func.func @resource_weight(%x: tensor<1x32xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense_resource<w> : tensor<32x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<1x32xf32>, tensor<32x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %r : tensor<1x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F0000803F"
    }
  }
#-}

// -----

// A dynamic K in the activation (tensor<?x?xf32>): the weight fixes K, and
// the activation is cast to it so the kernels and the run-time activation
// quantizer see a static K (a quantized type's blocked axis must be static).
// CHECK-LABEL: func.func @dynamic_k
// CHECK-SAME: (%[[X:.*]]: tensor<?x?xf32>
// CHECK: %[[Q:.*]] = qblock.quantize %{{.*}} : tensor<64x32xf32>
// CHECK: %[[XS:.*]] = tensor.cast %[[X]] : tensor<?x?xf32> to tensor<?x64xf32>
// CHECK: qblock.matmul ins(%[[XS]], %[[Q]] : tensor<?x64xf32>,
// ACTS-I8-LABEL: func.func @dynamic_k
// ACTS-I8: %[[XS:.*]] = tensor.cast %{{.*}} : tensor<?x?xf32> to tensor<?x64xf32>
// ACTS-I8: %[[XQ:.*]] = qblock.quantize %[[XS]] : tensor<?x64xf32> -> !qblock.qtensor<?x64xf32, #qblock.scheme<int8>, axis = 1>
// ACTS-I8: qblock.matmul ins(%[[XQ]],
// BCQ-LABEL: func.func @dynamic_k
// BCQ: %[[XS:.*]] = tensor.cast %{{.*}} : tensor<?x?xf32> to tensor<?x64xf32>
// BCQ: qblock.lut_gemm ins(%[[XS]],
func.func @dynamic_k(%x: tensor<?x?xf32>, %init: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %w = arith.constant dense<0.5> : tensor<64x32xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x?xf32>, tensor<64x32xf32>) outs(%init : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}

// -----

// One 2-D weight shared by every batch through batch_matmul's B map
// (torch.matmul of a 3-D activation and a 2-D weight): the weight is
// quantized once, batch and M collapse into one M, and the product is
// expanded back.
// CHECK-LABEL: func.func @shared_weight_map
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x64xf32>, %[[INIT:.*]]: tensor<2x?x32xf32>)
// CHECK: %[[Q:.*]] = qblock.quantize %{{.*}} : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
// CHECK: %[[X2:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<2x?x64xf32> into tensor<?x64xf32>
// CHECK: %[[I2:.*]] = tensor.collapse_shape %[[INIT]] {{\[}}[0, 1], [2]] : tensor<2x?x32xf32> into tensor<?x32xf32>
// CHECK: %[[P:.*]] = qblock.matmul ins(%[[X2]], %[[Q]] : tensor<?x64xf32>, {{.*}}) outs(%[[I2]] : tensor<?x32xf32>) -> tensor<?x32xf32>
// CHECK: %[[M:.*]] = tensor.dim %[[INIT]], %{{.*}} : tensor<2x?x32xf32>
// CHECK: %[[R:.*]] = tensor.expand_shape %[[P]] {{\[}}[0, 1], [2]] output_shape [2, %[[M]], 32] : tensor<?x32xf32> into tensor<2x?x32xf32>
// CHECK: return %[[R]]
// ACTS-I8-LABEL: func.func @shared_weight_map
// ACTS-I8: %[[X2:.*]] = tensor.collapse_shape
// ACTS-I8: qblock.quantize %[[X2]] : tensor<?x64xf32> -> !qblock.qtensor<?x64xf32, #qblock.scheme<int8>, axis = 1>
func.func @shared_weight_map(%x: tensor<2x?x64xf32>, %init: tensor<2x?x32xf32>) -> tensor<2x?x32xf32> {
  %w = arith.constant dense<0.5> : tensor<64x32xf32>
  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
       ins(%x, %w : tensor<2x?x64xf32>, tensor<64x32xf32>) outs(%init : tensor<2x?x32xf32>) -> tensor<2x?x32xf32>
  return %r : tensor<2x?x32xf32>
}

// -----

// Batch and M both dynamic: expanded back with tensor.reshape (MLIR 22's
// expand-strided-metadata crashes on an expand_shape with two dynamic sizes
// in one group). Before the collapse, the result's batch and rows are
// checked against the activations' one by one: the matmul sees only their
// products (a 3 x 2 result took 2 x 3 activations' rows silently).
// CHECK-LABEL: func.func @shared_weight_dynamic_batch
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>, %[[INIT:.*]]: tensor<?x?x32xf32>)
// CHECK: %[[XB:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?x64xf32>
// CHECK: %[[IB:.*]] = tensor.dim %[[INIT]], %{{.*}} : tensor<?x?x32xf32>
// CHECK: %[[SB:.*]] = arith.cmpi eq, %[[IB]], %[[XB]]
// CHECK: cf.assert %[[SB]], "linalg.batch_matmul at {{.*}}quantize-linalg.mlir:{{[0-9]+}}:{{[0-9]+}}: the result's dimension 0 differs from the activations' (dimension 0 of the output and the input)"
// CHECK: cf.assert {{.*}}: the result's dimension 1 differs from the activations' (dimension 1 of the output and the input)"
// CHECK-NOT: cf.assert
// CHECK: %[[P:.*]] = qblock.matmul {{.*}} -> tensor<?x32xf32>
// CHECK-DAG: %[[B:.*]] = tensor.dim %[[INIT]], %c0
// CHECK-DAG: %[[M:.*]] = tensor.dim %[[INIT]], %c1
// CHECK-DAG: %[[N:.*]] = arith.constant 32 : index
// CHECK: %[[S:.*]] = tensor.from_elements %[[B]], %[[M]], %[[N]] : tensor<3xindex>
// CHECK: %[[R:.*]] = tensor.reshape %[[P]](%[[S]]) : (tensor<?x32xf32>, tensor<3xindex>) -> tensor<?x?x32xf32>
// CHECK: return %[[R]]
func.func @shared_weight_dynamic_batch(%x: tensor<?x?x64xf32>, %init: tensor<?x?x32xf32>) -> tensor<?x?x32xf32> {
  %w = arith.constant dense<0.5> : tensor<64x32xf32>
  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
       ins(%x, %w : tensor<?x?x64xf32>, tensor<64x32xf32>) outs(%init : tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  return %r : tensor<?x?x32xf32>
}

// -----

// The same weight as a linalg.broadcast of a transposed (N x K) constant:
// the constant is quantized in its own layout and the broadcast goes.
// CHECK-LABEL: func.func @shared_weight_broadcast
// CHECK-NOT: linalg.broadcast
// CHECK: qblock.quantize %{{.*}} : tensor<32x64xf32> -> !qblock.qtensor<32x64xf32, #qblock.scheme<blockdialect>, axis = 1>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<3x4x64xf32> into tensor<12x64xf32>
// CHECK: qblock.matmul {{.*}} -> tensor<12x32xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [3, 4, 32] : tensor<12x32xf32> into tensor<3x4x32xf32>
// CHECK-NOT: linalg.broadcast
// BCQ-LABEL: func.func @shared_weight_broadcast
// BCQ: qblock.lut_gemm {{.*}} -> tensor<12x32xf32>
func.func @shared_weight_broadcast(%x: tensor<3x4x64xf32>, %init: tensor<3x4x32xf32>) -> tensor<3x4x32xf32> {
  %w = arith.constant dense<0.5> : tensor<32x64xf32>
  %e = tensor.empty() : tensor<3x32x64xf32>
  %wb = linalg.broadcast ins(%w : tensor<32x64xf32>) outs(%e : tensor<3x32x64xf32>) dimensions = [0]
  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>]
       ins(%x, %wb : tensor<3x4x64xf32>, tensor<3x32x64xf32>) outs(%init : tensor<3x4x32xf32>) -> tensor<3x4x32xf32>
  return %r : tensor<3x4x32xf32>
}

// -----

// Several leading dimensions the weight does not have (a 4-D activation:
// batch x heads x M x K times a 2-D weight) all collapse into M.
// CHECK-LABEL: func.func @shared_weight_rank4
// CHECK: qblock.quantize %{{.*}} : tensor<64x8xf32> -> !qblock.qtensor<64x8xf32, #qblock.scheme<blockdialect>, axis = 0>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2], [3]] : tensor<2x3x5x64xf32> into tensor<30x64xf32>
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2], [3]] : tensor<2x3x5x8xf32> into tensor<30x8xf32>
// CHECK: qblock.matmul {{.*}} -> tensor<30x8xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0, 1, 2], [3]] output_shape [2, 3, 5, 8] : tensor<30x8xf32> into tensor<2x3x5x8xf32>
// CHECK-NOT: linalg.generic
func.func @shared_weight_rank4(%x: tensor<2x3x5x64xf32>, %init: tensor<2x3x5x8xf32>) -> tensor<2x3x5x8xf32> {
  %w = arith.constant dense<0.5> : tensor<64x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(b, h, m, n, k) -> (b, h, m, k)>, affine_map<(b, h, m, n, k) -> (k, n)>, affine_map<(b, h, m, n, k) -> (b, h, m, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<2x3x5x64xf32>, tensor<64x8xf32>) outs(%init : tensor<2x3x5x8xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %m = arith.mulf %p, %q : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x3x5x8xf32>
  return %r : tensor<2x3x5x8xf32>
}

// -----

// linalg.matvec (torch.mv: y = W x, W N x K) and linalg.vecmat (y = x W):
// the vector becomes a 1 x K row, the weight is quantized in its own
// layout (matvec: axis 1), and the 1 x N product is collapsed back.
// CHECK-LABEL: func.func @matvec
// CHECK-SAME: (%[[X:.*]]: tensor<64xf32>, %[[INIT:.*]]: tensor<16xf32>)
// CHECK: %[[Q:.*]] = qblock.quantize %{{.*}} : tensor<16x64xf32> -> !qblock.qtensor<16x64xf32, #qblock.scheme<blockdialect>, axis = 1>
// CHECK: %[[ROW:.*]] = tensor.expand_shape %[[X]] {{\[}}[0, 1]] output_shape [1, 64] : tensor<64xf32> into tensor<1x64xf32>
// CHECK: %[[I:.*]] = tensor.expand_shape %[[INIT]] {{\[}}[0, 1]] output_shape [1, 16] : tensor<16xf32> into tensor<1x16xf32>
// CHECK: %[[P:.*]] = qblock.matmul ins(%[[ROW]], %[[Q]] : tensor<1x64xf32>, {{.*}}) outs(%[[I]] : tensor<1x16xf32>) -> tensor<1x16xf32>
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[P]] {{\[}}[0, 1]] : tensor<1x16xf32> into tensor<16xf32>
// CHECK: return %[[R]]
// ACTS-I8-LABEL: func.func @matvec
// ACTS-I8: %[[ROW:.*]] = tensor.expand_shape
// ACTS-I8: qblock.quantize %[[ROW]] : tensor<1x64xf32> -> !qblock.qtensor<1x64xf32, #qblock.scheme<int8>, axis = 1>
func.func @matvec(%x: tensor<64xf32>, %init: tensor<16xf32>) -> tensor<16xf32> {
  %w = arith.constant dense<0.5> : tensor<16x64xf32>
  %r = linalg.matvec ins(%w, %x : tensor<16x64xf32>, tensor<64xf32>) outs(%init : tensor<16xf32>) -> tensor<16xf32>
  return %r : tensor<16xf32>
}

// CHECK-LABEL: func.func @vecmat
// CHECK: qblock.quantize %{{.*}} : tensor<64x16xf32> -> !qblock.qtensor<64x16xf32, #qblock.scheme<blockdialect>, axis = 0>
// CHECK: qblock.matmul ins(%{{.*}}, %{{.*}} : tensor<1x64xf32>,
// BCQ-LABEL: func.func @vecmat
// BCQ: qblock.lut_gemm ins(%{{.*}}, %{{.*}} : tensor<1x64xf32>,
func.func @vecmat(%x: tensor<64xf32>, %init: tensor<16xf32>) -> tensor<16xf32> {
  %w = arith.constant dense<0.5> : tensor<64x16xf32>
  %r = linalg.vecmat ins(%x, %w : tensor<64xf32>, tensor<64x16xf32>) outs(%init : tensor<16xf32>) -> tensor<16xf32>
  return %r : tensor<16xf32>
}
