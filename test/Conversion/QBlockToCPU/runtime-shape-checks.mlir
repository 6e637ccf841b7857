// What the types leave dynamic, qblock.matmul and qblock.lut_gemm check at
// run time (RuntimeVerifiableOpInterface): the activations' K and batch
// against the weight's, the result's rows against the activations', its
// columns against the weight's N. --generate-runtime-verification asks
// for them; convert-qblock-to-cpu emits them always, with the op's
// location in the message (test/Integration/CPU/runtime-shape-checks.mlir
// runs them). Sizes are asked before any tensor.cast, which only asserts a
// size.

// RUN: quant-opt %s --split-input-file --generate-runtime-verification | FileCheck %s --check-prefix=IFACE
// RUN: quant-opt %s --split-input-file --convert-qblock-to-cpu | FileCheck %s --check-prefix=CPU

// IFACE-LABEL: func.func @dynamic
// IFACE: cf.assert {{.*}}the activations' reduction size (lhs dimension 2) differs from the weight's K = 64
// IFACE: cf.assert {{.*}}the activations' batch size (lhs dimension 0) differs from the weight's batch size 2
// IFACE: cf.assert {{.*}}the result's dimension 0 differs from the activations' (init and lhs dimension 0)
// IFACE: cf.assert {{.*}}the result's dimension 1 differs from the activations' (init and lhs dimension 1)
// IFACE: cf.assert {{.*}}the result's columns (init dimension 2) differ from the weight's N = 32
// IFACE: qblock.matmul
// CPU-LABEL: func.func @dynamic
// CPU: %[[K:.*]] = tensor.dim %arg0, %c2
// CPU: %[[SAME:.*]] = arith.cmpi eq, %[[K]], %c64
// CPU: cf.assert %[[SAME]], "qblock.matmul at {{.*}}runtime-shape-checks.mlir:[[# @LINE + 4]]:8: the activations' reduction size (lhs dimension 2) differs from the weight's K = 64"
// CPU-NOT: qblock.matmul ins
func.func @dynamic(%a: tensor<?x?x?xf32>, %w: tensor<2240xi8>, %init: tensor<?x?x?xf32>) -> tensor<?x?x?xf32> {
  %q = qblock.from_storage %w : tensor<2240xi8> -> !qblock.qtensor<2x64x32xf32, #qblock.scheme<blockdialect>, axis = 1>
  %r = qblock.matmul ins(%a, %q : tensor<?x?x?xf32>, !qblock.qtensor<2x64x32xf32, #qblock.scheme<blockdialect>, axis = 1>) outs(%init : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  return %r : tensor<?x?x?xf32>
}

// -----

// Through a cast to the weight's K: the source's K is checked.
// IFACE-LABEL: func.func @cast_k
// IFACE: %[[K:.*]] = tensor.dim %arg0, %c1
// IFACE: arith.cmpi eq, %[[K]], %c64
// IFACE: cf.assert {{.*}}reduction size
// IFACE-NOT: cf.assert
// IFACE: qblock.lut_gemm
// CPU-LABEL: func.func @cast_k
// CPU: cf.assert {{.*}}"qblock.lut_gemm at {{.*}}: the activations' reduction size (lhs dimension 1) differs from the weight's K = 64"
// CPU-NOT: cf.assert
func.func @cast_k(%a: tensor<4x?xf32>, %w: tensor<192xi8>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c = tensor.cast %a : tensor<4x?xf32> to tensor<4x64xf32>
  %q = qblock.from_storage %w : tensor<192xi8> -> !qblock.qtensor<64x8xf32, #qblock.bcq<bits = 1, group = 32>, axis = 0>
  %r = qblock.lut_gemm ins(%c, %q : tensor<4x64xf32>, !qblock.qtensor<64x8xf32, #qblock.bcq<bits = 1, group = 32>, axis = 0>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// Static shapes: the verifier checked everything; nothing to do at run time.
// IFACE-LABEL: func.func @static
// IFACE-NOT: cf.assert
// CPU-LABEL: func.func @static
// CPU-NOT: cf.assert
func.func @static(%a: tensor<4x64xf32>, %w: tensor<320xi8>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %q = qblock.from_storage %w : tensor<320xi8> -> !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<4x64xf32>, !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// A cast from a wrong static K to a dynamic one: the source's 32 is
// checked (the verifier sees only the dynamic size).
// IFACE-LABEL: func.func @cast_from_static
// CPU-LABEL: func.func @cast_from_static
// CPU: cf.assert {{.*}}reduction size
// IFACE-DAG: %[[K32:.*]] = arith.constant 32 : index
// IFACE-DAG: %[[K64:.*]] = arith.constant 64 : index
// IFACE: %[[SAME:.*]] = arith.cmpi eq, %[[K32]], %[[K64]]
// IFACE: cf.assert %[[SAME]], {{.*}}reduction size
func.func @cast_from_static(%a: tensor<4x32xf32>, %w: tensor<320xi8>, %init: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %c = tensor.cast %a : tensor<4x32xf32> to tensor<?x?xf32>
  %q = qblock.from_storage %w : tensor<320xi8> -> !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%c, %q : tensor<?x?xf32>, !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

// A weight with a dynamic batch: nothing to compare the activations'
// batch with (it was compared with the marker of a dynamic size, so the
// program always stopped); the result's rows are still checked.
// CPU-LABEL: func.func @dynamic_weight_batch
// CPU-NOT: 9223372036854775808
// CPU-NOT: weight's batch size
// CPU: cf.assert {{.*}}the result's dimension 0 differs
// CPU-NOT: weight's batch size
func.func @dynamic_weight_batch(%a: tensor<?x4x64xf32>, %w: tensor<?x64x8xf32>, %init: tensor<?x4x8xf32>) -> tensor<?x4x8xf32> {
  %q = qblock.quantize %w : tensor<?x64x8xf32> -> !qblock.qtensor<?x64x8xf32, #qblock.scheme<mxfp4>, axis = 1>
  %r = qblock.matmul ins(%a, %q : tensor<?x4x64xf32>, !qblock.qtensor<?x64x8xf32, #qblock.scheme<mxfp4>, axis = 1>) outs(%init : tensor<?x4x8xf32>) -> tensor<?x4x8xf32>
  return %r : tensor<?x4x8xf32>
}

// -----

// Quantized activations (W4A4) have no sizes to ask, but the result's
// columns are still checked against N.
// IFACE-LABEL: func.func @quantized_lhs
// IFACE: cf.assert {{.*}}the result's columns (init dimension 1) differ from the weight's N = 8
// IFACE-NOT: cf.assert
func.func @quantized_lhs(%a: tensor<?x64xf32>, %w: tensor<320xi8>, %init: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %qa = qblock.quantize %a : tensor<?x64xf32> -> !qblock.qtensor<?x64xf32, #qblock.scheme<mxfp4>, axis = 1>
  %q = qblock.from_storage %w : tensor<320xi8> -> !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%qa, %q : !qblock.qtensor<?x64xf32, #qblock.scheme<mxfp4>, axis = 1>, !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}
