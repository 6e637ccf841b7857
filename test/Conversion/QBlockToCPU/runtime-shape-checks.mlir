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
// The GPU conversion checks run-time quantizes and views of packed bytes
// on the host before any kernel reads their bytes.
// RUN: quant-opt %s --split-input-file --qblock-convert-matmul-to-gpu | FileCheck %s --check-prefix=GPU

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

// Quantized activations (W4A4): their rows are those of the tensor the
// qblock.quantize reads (unchecked, a result with fewer rows was written
// past its end), and the result's columns are checked against N.
// IFACE-LABEL: func.func @quantized_lhs
// IFACE-DAG: %[[ROWS:.*]] = tensor.dim %arg2, %c0
// IFACE-DAG: %[[ACTS:.*]] = tensor.dim %arg0, %c0
// IFACE: %[[SAME:.*]] = arith.cmpi eq, %[[ROWS]], %[[ACTS]]
// IFACE: cf.assert %[[SAME]], {{.*}}the result's dimension 0 differs from the activations' (init and lhs dimension 0)
// IFACE: cf.assert {{.*}}the result's columns (init dimension 1) differ from the weight's N = 8
// IFACE-NOT: cf.assert
// CPU-LABEL: func.func @quantized_lhs
// CPU: cf.assert {{.*}}"qblock.matmul at {{.*}}runtime-shape-checks.mlir:[[# @LINE + 4]]:8: the result's dimension 0 differs from the activations' (init and lhs dimension 0)"
func.func @quantized_lhs(%a: tensor<?x64xf32>, %w: tensor<320xi8>, %init: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %qa = qblock.quantize %a : tensor<?x64xf32> -> !qblock.qtensor<?x64xf32, #qblock.scheme<mxfp4>, axis = 1>
  %q = qblock.from_storage %w : tensor<320xi8> -> !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%qa, %q : !qblock.qtensor<?x64xf32, #qblock.scheme<mxfp4>, axis = 1>, !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// qblock.quantize of a dynamic input into a static quantized type: the
// input's rows are checked (a larger input wrote past the packed buffer,
// a smaller one left garbage rows), and the input is cast to the checked
// size so that no later pass checks it again.
// IFACE-LABEL: func.func @quantize_dynamic_rows
// IFACE: %[[M:.*]] = tensor.dim %arg0, %c0
// IFACE: %[[SAME:.*]] = arith.cmpi eq, %[[M]], %c64
// IFACE: cf.assert %[[SAME]], {{.*}}the input's dimension 0 differs from the quantized type's size 64
// IFACE-NOT: cf.assert
// CPU-LABEL: func.func @quantize_dynamic_rows
// CPU: cf.assert {{.*}}"qblock.quantize at {{.*}}runtime-shape-checks.mlir:[[# @LINE + 10]]:8: the input's dimension 0 differs from the quantized type's size 64"
// CPU-NOT: cf.assert
// CPU: return
// GPU-LABEL: func.func @quantize_dynamic_rows
// GPU: cf.assert {{.*}}"qblock.quantize at {{.*}}: the input's dimension 0 differs from the quantized type's size 64"
// GPU: %[[CAST:.*]] = tensor.cast %arg0 : tensor<?x32xf32> to tensor<64x32xf32>
// GPU: qblock.quantize %[[CAST]] : tensor<64x32xf32>
// GPU-NOT: cf.assert
// GPU: return
func.func @quantize_dynamic_rows(%x: tensor<?x32xf32>) -> tensor<64x32xf32> {
  %q = qblock.quantize %x : tensor<?x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  %d = qblock.dequantize %q : !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 1> -> tensor<64x32xf32>
  return %d : tensor<64x32xf32>
}

// -----

// qblock.dequantize of a quantized value with dynamic rows into a static
// result: the rows are only known while lowering (here the quantize's
// input's), so convert-qblock-to-cpu checks them.
// IFACE-LABEL: func.func @dequantize_dynamic_rows
// IFACE-NOT: cf.assert
// CPU-LABEL: func.func @dequantize_dynamic_rows
// CPU: %[[SAME:.*]] = arith.cmpi eq, %{{.*}}, %c8 : index
// CPU: cf.assert %[[SAME]], "qblock.dequantize at {{.*}}runtime-shape-checks.mlir:[[# @LINE + 5]]:8: the quantized input's dimension 0 differs from the result's size 8"
// CPU-NOT: cf.assert
// CPU: return
func.func @dequantize_dynamic_rows(%x: tensor<?x32xf32>) -> tensor<8x32xf32> {
  %q = qblock.quantize %x : tensor<?x32xf32> -> !qblock.qtensor<?x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  %d = qblock.dequantize %q : !qblock.qtensor<?x32xf32, #qblock.scheme<mxfp4>, axis = 1> -> tensor<8x32xf32>
  return %d : tensor<8x32xf32>
}

// -----

// Packed bytes of dynamic size viewed as a static quantized tensor: the
// byte count is checked against the layout's (32 x 2 MXFP4: 128 bytes).
// IFACE-LABEL: func.func @storage_dynamic_size
// IFACE: %[[N:.*]] = tensor.dim %arg0, %c0
// IFACE: %[[SAME:.*]] = arith.cmpi eq, %[[N]], %c128
// IFACE: cf.assert %[[SAME]], {{.*}}the storage's size differs from the 128 bytes that !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0> needs (docs/formats.md)
// IFACE-NOT: cf.assert
// CPU-LABEL: func.func @storage_dynamic_size
// CPU: cf.assert {{.*}}"qblock.from_storage at {{.*}}runtime-shape-checks.mlir:[[# @LINE + 9]]:8: the storage's size differs from the 128 bytes
// CPU-NOT: cf.assert
// CPU: return
// GPU-LABEL: func.func @storage_dynamic_size
// GPU: cf.assert {{.*}}"qblock.from_storage at {{.*}}: the storage's size differs from the 128 bytes
// GPU: %[[CAST:.*]] = tensor.cast %arg0 : tensor<?xi8> to tensor<128xi8>
// GPU: bufferization.to_buffer %[[CAST]] read_only : tensor<128xi8> to memref<128xi8>
// GPU-NOT: cf.assert
func.func @storage_dynamic_size(%s: tensor<?xi8>, %a: tensor<4x32xf32>, %init: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = qblock.from_storage %s : tensor<?xi8> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%a, %w : tensor<4x32xf32>, !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// The same sizes stated by casts through a dynamic size that change a
// static one: checked against the value before the casts.
// IFACE-LABEL: func.func @quantize_cast_chain
// IFACE: cf.assert {{.*}}size mismatch of dim 0
// IFACE: %[[C48:.*]] = arith.constant 48 : index
// IFACE: %[[C64:.*]] = arith.constant 64 : index
// IFACE: %[[SAME:.*]] = arith.cmpi eq, %[[C48]], %[[C64]]
// IFACE: cf.assert %[[SAME]], {{.*}}the input's dimension 0 differs from the quantized type's size 64
// IFACE-NOT: cf.assert
// CPU-LABEL: func.func @quantize_cast_chain
// CPU: cf.assert {{.*}}"qblock.quantize at {{.*}}runtime-shape-checks.mlir:[[# @LINE + 6]]:8: the input's dimension 0 differs from the quantized type's size 64"
// GPU-LABEL: func.func @quantize_cast_chain
// GPU: cf.assert {{.*}}"qblock.quantize at {{.*}}: the input's dimension 0 differs from the quantized type's size 64"
func.func @quantize_cast_chain(%x: tensor<48x32xf32>) -> tensor<64x32xf32> {
  %d = tensor.cast %x : tensor<48x32xf32> to tensor<?x32xf32>
  %c = tensor.cast %d : tensor<?x32xf32> to tensor<64x32xf32>
  %q = qblock.quantize %c : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  %r = qblock.dequantize %q : !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 1> -> tensor<64x32xf32>
  return %r : tensor<64x32xf32>
}

// -----

// IFACE-LABEL: func.func @storage_cast_chain
// IFACE: cf.assert {{.*}}size mismatch of dim 0
// IFACE: %[[C96:.*]] = arith.constant 96 : index
// IFACE: %[[C128:.*]] = arith.constant 128 : index
// IFACE: %[[SAME:.*]] = arith.cmpi eq, %[[C96]], %[[C128]]
// IFACE: cf.assert %[[SAME]], {{.*}}the storage's size differs from the 128 bytes
// CPU-LABEL: func.func @storage_cast_chain
// CPU: cf.assert {{.*}}"qblock.from_storage at {{.*}}runtime-shape-checks.mlir:[[# @LINE + 6]]:8: the storage's size differs from the 128 bytes
// GPU-LABEL: func.func @storage_cast_chain
// GPU: cf.assert {{.*}}"qblock.from_storage at {{.*}}: the storage's size differs from the 128 bytes
func.func @storage_cast_chain(%s: tensor<96xi8>, %a: tensor<4x32xf32>, %init: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %d = tensor.cast %s : tensor<96xi8> to tensor<?xi8>
  %c = tensor.cast %d : tensor<?xi8> to tensor<128xi8>
  %w = qblock.from_storage %c : tensor<128xi8> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%a, %w : tensor<4x32xf32>, !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// Packed bytes of dynamic size viewed as a weight with a dynamic batch:
// the matmul takes the batch from the activations, and the bytes must
// hold that many weights (a short buffer was read past its end).
// CPU-LABEL: func.func @storage_dynamic_batch
// CPU: %[[HELD:.*]] = memref.dim %{{.*}}, %c0{{.*}} : memref<?xi8>
// CPU: %[[SAME:.*]] = arith.cmpi eq, %[[HELD]], %{{.*}} : index
// CPU: cf.assert %[[SAME]], "qblock.matmul at {{.*}}runtime-shape-checks.mlir:[[# @LINE + 5]]:8: the weight's packed bytes differ in size from what !qblock.qtensor<?x32x4xf32, #qblock.scheme<mxfp4>, axis = 1> needs with the activations' batch (docs/formats.md)"
// CPU-NOT: cf.assert
// CPU: return
func.func @storage_dynamic_batch(%a: tensor<3x2x32xf32>, %s: tensor<?xi8>, %init: tensor<3x2x4xf32>) -> tensor<3x2x4xf32> {
  %w = qblock.from_storage %s : tensor<?xi8> -> !qblock.qtensor<?x32x4xf32, #qblock.scheme<mxfp4>, axis = 1>
  %r = qblock.matmul ins(%a, %w : tensor<3x2x32xf32>, !qblock.qtensor<?x32x4xf32, #qblock.scheme<mxfp4>, axis = 1>) outs(%init : tensor<3x2x4xf32>) -> tensor<3x2x4xf32>
  return %r : tensor<3x2x4xf32>
}

// -----

// The same with quantized activations (W4A4): their lowering took no
// weight of dynamic batch before 2026-12-07, and now checks the bytes too.
// CPU-LABEL: func.func @storage_dynamic_batch_w4a4
// CPU: %[[HELD:.*]] = memref.dim %{{.*}}, %c0{{.*}} : memref<?xi8>
// CPU: %[[SAME:.*]] = arith.cmpi eq, %[[HELD]], %{{.*}} : index
// CPU: cf.assert %[[SAME]], "qblock.matmul at {{.*}}runtime-shape-checks.mlir:[[# @LINE + 5]]:8: the weight's packed bytes differ in size from what !qblock.qtensor<?x32x4xf32, #qblock.scheme<mxfp4>, axis = 1> needs with the activations' batch (docs/formats.md)"
// CPU-NOT: cf.assert
// CPU: return
func.func @storage_dynamic_batch_w4a4(%a: tensor<3x2x32xf32>, %s: tensor<?xi8>, %init: tensor<3x2x4xf32>) -> tensor<3x2x4xf32> {
  %w = qblock.from_storage %s : tensor<?xi8> -> !qblock.qtensor<?x32x4xf32, #qblock.scheme<mxfp4>, axis = 1>
  %r = qblock.matmul ins(%a, %w : tensor<3x2x32xf32>, !qblock.qtensor<?x32x4xf32, #qblock.scheme<mxfp4>, axis = 1>) outs(%init : tensor<3x2x4xf32>) {act_scheme = #qblock.scheme<int8>} -> tensor<3x2x4xf32>
  return %r : tensor<3x2x4xf32>
}

// -----

// A weight of dynamic batch that a qblock.quantize makes (attention's keys
// under full-path=true): its batch is the tensor's the quantize reads.
// IFACE-LABEL: func.func @quantized_weight_dynamic_batch
// IFACE-DAG: %[[ACTS:.*]] = tensor.dim %arg0, %c0
// IFACE-DAG: %[[KEYS:.*]] = tensor.dim %arg1, %c0
// IFACE: %[[SAME:.*]] = arith.cmpi eq, %[[ACTS]], %[[KEYS]]
// IFACE: cf.assert %[[SAME]], {{.*}}the activations' batch size (lhs dimension 0) differs from the weight's (dimension 0 of the tensor its qblock.quantize reads)
func.func @quantized_weight_dynamic_batch(%a: tensor<?x2x32xf32>, %k: tensor<?x32x4xf32>, %init: tensor<?x2x4xf32>) -> tensor<?x2x4xf32> {
  %w = qblock.quantize %k : tensor<?x32x4xf32> -> !qblock.qtensor<?x32x4xf32, #qblock.scheme<mxfp4>, axis = 1>
  %r = qblock.matmul ins(%a, %w : tensor<?x2x32xf32>, !qblock.qtensor<?x32x4xf32, #qblock.scheme<mxfp4>, axis = 1>) outs(%init : tensor<?x2x4xf32>) {act_scheme = #qblock.scheme<mxfp4>} -> tensor<?x2x4xf32>
  return %r : tensor<?x2x4xf32>
}

// -----

// Packed activations (a view of W4A8 codes) have no sizes to ask at run
// time, but their type's are static: the result's rows are checked
// against them (a 1-row result was written past its end, a 4-row one came
// back with 3 rows never written; an audit, 2026-12-07).
// IFACE-LABEL: func.func @packed_lhs
// IFACE: %[[ROWS:.*]] = tensor.dim %arg2, %c0
// IFACE: %[[SAME:.*]] = arith.cmpi eq, %[[ROWS]], %c4
// IFACE: cf.assert %[[SAME]], {{.*}}the result's dimension 0 differs from the activations' (init and lhs dimension 0)
// IFACE-NOT: cf.assert
// CPU-LABEL: func.func @packed_lhs
// CPU: cf.assert {{.*}}"qblock.matmul at {{.*}}: the result's dimension 0 differs from the activations' (init and lhs dimension 0)"
// GPU-LABEL: func.func @packed_lhs
// GPU: cf.assert {{.*}}"qblock.matmul at {{.*}}: the result's dimension 0 differs from the activations' (init and lhs dimension 0)"
func.func @packed_lhs(%a: tensor<320xi8>, %w: tensor<1088xi8>, %init: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %qa = qblock.from_storage %a : tensor<320xi8> -> !qblock.qtensor<4x64xf32, #qblock.scheme<int8>, axis = 1>
  %q = qblock.from_storage %w : tensor<1088xi8> -> !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%qa, %q : !qblock.qtensor<4x64xf32, #qblock.scheme<int8>, axis = 1>, !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}

// -----

// A tensor.cast to static rows states a size the lowering trusts (it
// copied 2 rows into a buffer it then read 3 rows of): the source's rows
// are checked against it. (Upstream's tensor.cast checks it too, but only
// under --generate-runtime-verification, which the pipelines do not run.)
// IFACE-LABEL: func.func @cast_rows
// IFACE: cf.assert {{.*}}size mismatch of dim 0
// IFACE: %[[M:.*]] = tensor.dim %arg0, %c0{{.*}}
// IFACE: %[[SAME:.*]] = arith.cmpi eq, %[[M]], %c2{{.*}}
// IFACE: cf.assert %[[SAME]], {{.*}}the activations' dimension 0 differs from the size 2 its tensor.cast states
// IFACE: cf.assert {{.*}}the result's dimension 0 differs from the activations'
// IFACE-NOT: cf.assert
// CPU-LABEL: func.func @cast_rows
// CPU: cf.assert {{.*}}"qblock.matmul at {{.*}}runtime-shape-checks.mlir:[[# @LINE + 6]]:8: the activations' dimension 0 differs from the size 2 its tensor.cast states"
// GPU-LABEL: func.func @cast_rows
// GPU: cf.assert {{.*}}"qblock.matmul at {{.*}}: the activations' dimension 0 differs from the size 2 its tensor.cast states"
func.func @cast_rows(%a: tensor<?x64xf32>, %w: tensor<320xi8>, %init: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %c = tensor.cast %a : tensor<?x64xf32> to tensor<2x64xf32>
  %q = qblock.from_storage %w : tensor<320xi8> -> !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%c, %q : tensor<2x64xf32>, !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

// Casts through a dynamic size can change a static one (3 -> ? -> 2 rows,
// 32 -> ? -> 64 columns): no verifier sees the chain and canonicalization
// does not fold it, so the sizes before the casts are checked like
// dynamic ones; the checks fail whenever they run.
// IFACE-LABEL: func.func @cast_chain
// IFACE: cf.assert {{.*}}size mismatch of dim 1
// IFACE: %[[C3:.*]] = arith.constant 3 : index
// IFACE: %[[C2:.*]] = arith.constant 2 : index
// IFACE: %[[ROWS:.*]] = arith.cmpi eq, %[[C3]], %[[C2]]
// IFACE: cf.assert %[[ROWS]], {{.*}}the activations' dimension 0 differs from the size 2 its tensor.cast states
// IFACE: %[[C32:.*]] = arith.constant 32 : index
// IFACE: %[[C64:.*]] = arith.constant 64 : index
// IFACE: %[[K:.*]] = arith.cmpi eq, %[[C32]], %[[C64]]
// IFACE: cf.assert %[[K]], {{.*}}the activations' reduction size (lhs dimension 1) differs from the weight's K = 64
// IFACE: cf.assert {{.*}}the result's dimension 0 differs from the activations'
// IFACE-NOT: cf.assert
// IFACE: qblock.matmul
// CPU-LABEL: func.func @cast_chain
// CPU: cf.assert {{.*}}"qblock.matmul at {{.*}}runtime-shape-checks.mlir:[[# @LINE + 6]]:8: the activations' dimension 0 differs from the size 2 its tensor.cast states"
// CPU: cf.assert {{.*}}"qblock.matmul at {{.*}}runtime-shape-checks.mlir:[[# @LINE + 5]]:8: the activations' reduction size (lhs dimension 1) differs from the weight's K = 64"
func.func @cast_chain(%a: tensor<3x32xf32>, %w: tensor<320xi8>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %d = tensor.cast %a : tensor<3x32xf32> to tensor<?x?xf32>
  %c = tensor.cast %d : tensor<?x?xf32> to tensor<2x64xf32>
  %q = qblock.from_storage %w : tensor<320xi8> -> !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%c, %q : tensor<2x64xf32>, !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}
