// qblock-convert-matmul-to-gpu (internal step of --qblock-gpu-pipeline):
// W4A16 matmuls and BCQ lut_gemm ops with f32 activations become calls of a
// kernel stub on buffers, which bufferization passes through; everything
// else is left to the generic lowering.
// RUN: quant-opt %s --qblock-convert-matmul-to-gpu -split-input-file | FileCheck %s

// Packed bytes from an argument: a read-only view of them, a copy of the
// activations, an output buffer holding init; the stub records the scheme
// and the static shape.
// CHECK-LABEL: func.func @gemv
// CHECK-SAME: (%[[A:.*]]: tensor<1x64xf32>, %[[W:.*]]: tensor<2240xi8>, %[[INIT:.*]]: tensor<1x64xf32>)
// CHECK: %[[PACKED:.*]] = bufferization.to_buffer %[[W]] read_only : tensor<2240xi8> to memref<2240xi8>
// CHECK: %[[ACT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x64xf32>
// CHECK: bufferization.materialize_in_destination %[[A]] in restrict writable %[[ACT]]
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x64xf32>
// CHECK: bufferization.materialize_in_destination %[[INIT]] in restrict writable %[[OUT]]
// CHECK: call @__qblock_gpu_matmul(%[[PACKED]], %[[ACT]], %[[OUT]]) : (memref<2240xi8>, memref<1x64xf32>, memref<1x64xf32>) -> ()
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: return %[[R]]
// CHECK-NOT: qblock.
// CHECK: func.func private @__qblock_gpu_matmul(memref<2240xi8>, memref<1x64xf32>, memref<1x64xf32>)
// CHECK-SAME: attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 64 : i64, n = 64 : i64, scheme = #qblock.scheme<blockdialect>}}
func.func @gemv(%a: tensor<1x64xf32>, %w: tensor<2240xi8>, %init: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %q = qblock.from_storage %w : tensor<2240xi8> -> !qblock.qtensor<64x64xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<1x64xf32>, !qblock.qtensor<64x64xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x64xf32>) -> tensor<1x64xf32>
  return %r : tensor<1x64xf32>
}

// -----

// A quantized constant becomes a byte constant; a dynamic M stays dynamic;
// each matmul gets a stub of its own; a transposed batched weight (axis 2)
// has N = its middle dimension.
// CHECK-LABEL: func.func @constant_weights
// CHECK: %[[BYTES:.*]] = arith.constant dense<0> : tensor<128xi8>
// CHECK: %[[PACKED:.*]] = bufferization.to_buffer %[[BYTES]] read_only
// CHECK: tensor.dim
// CHECK: memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x32xf32>
// CHECK: call @__qblock_gpu_matmul(%[[PACKED]], %{{.*}}, %{{.*}}) : (memref<128xi8>, memref<?x32xf32>, memref<?x2xf32>) -> ()
// CHECK: arith.constant dense<0> : tensor<576xi8>
// CHECK: call @__qblock_gpu_matmul_0(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<576xi8>, memref<3x2x64xf32>, memref<3x2x5xf32>) -> ()
// CHECK-NOT: qblock.constant
// CHECK: func.func private @__qblock_gpu_matmul({{.*}}) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 32 : i64, n = 2 : i64, scheme = #qblock.scheme<mxfp4>}}
// CHECK: func.func private @__qblock_gpu_matmul_0({{.*}}) attributes {qblock.gpu_matmul = {batch = 3 : i64, k = 64 : i64, n = 5 : i64, scheme = #qblock.scheme<nvfp4>}}
func.func @constant_weights(%a: tensor<?x32xf32>, %init: tensor<?x2xf32>, %b: tensor<3x2x64xf32>, %binit: tensor<3x2x5xf32>) -> (tensor<?x2xf32>, tensor<3x2x5xf32>) {
  %w = qblock.constant dense<0> : tensor<128xi8> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%a, %w : tensor<?x32xf32>, !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<?x2xf32>) -> tensor<?x2xf32>
  %bw = qblock.constant dense<0> : tensor<576xi8> -> !qblock.qtensor<3x5x64xf32, #qblock.scheme<nvfp4>, axis = 2>
  %r2 = qblock.matmul ins(%b, %bw : tensor<3x2x64xf32>, !qblock.qtensor<3x5x64xf32, #qblock.scheme<nvfp4>, axis = 2>) outs(%binit : tensor<3x2x5xf32>) -> tensor<3x2x5xf32>
  return %r, %r2 : tensor<?x2xf32>, tensor<3x2x5xf32>
}

// -----

// A weight quantized at run time (since 2026-12-07; the generic loop nests
// computed it before): the run-time quantizer's loops, then the stub reads
// their bytes, cast to the size the weight's type gives (32 x 2 MXFP4:
// 128 bytes, docs/formats.md). The qblock.quantize itself is gone.
// CHECK-LABEL: func.func @runtime_weight
// CHECK-SAME: (%{{.*}}: tensor<1x32xf32>, %[[WF:[^:]*]]: tensor<32x2xf32>,
// CHECK-NOT: qblock.quantize
// CHECK: bufferization.materialize_in_destination %[[WF]]
// CHECK: scf.parallel
// CHECK: %[[BYTES:.*]] = tensor.cast %{{.*}} : tensor<?xi8> to tensor<128xi8>
// CHECK: %[[PACKED:.*]] = bufferization.to_buffer %[[BYTES]] read_only
// CHECK: call @__qblock_gpu_matmul(%[[PACKED]], %{{.*}}, %{{.*}}) : (memref<128xi8>, memref<1x32xf32>, memref<1x2xf32>) -> ()
// CHECK-NOT: qblock.
// CHECK: func.func private @__qblock_gpu_matmul({{.*}}) attributes {qblock.gpu_matmul = {batch = 1 : i64, k = 32 : i64, n = 2 : i64, scheme = #qblock.scheme<mxfp4>}}
func.func @runtime_weight(%a: tensor<1x32xf32>, %wf: tensor<32x2xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %q = qblock.quantize %wf : tensor<32x2xf32> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<1x32xf32>, !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %r : tensor<1x2xf32>
}

// -----

// Two matmuls reading one weight quantized at run time share its bytes:
// one quantizer (right after the qblock.quantize), two calls.
// CHECK-LABEL: func.func @shared_runtime_weight
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK: %[[BYTES:.*]] = tensor.cast %{{.*}} : tensor<?xi8> to tensor<128xi8>
// CHECK-NOT: scf.parallel
// CHECK: call @__qblock_gpu_matmul(
// CHECK-NOT: scf.parallel
// CHECK: call @__qblock_gpu_matmul_0(
func.func @shared_runtime_weight(%a: tensor<1x32xf32>, %wf: tensor<32x2xf32>, %i1: tensor<1x2xf32>, %i2: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %q = qblock.quantize %wf : tensor<32x2xf32> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r1 = qblock.matmul ins(%a, %q : tensor<1x32xf32>, !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i1 : tensor<1x2xf32>) -> tensor<1x2xf32>
  %r2 = qblock.matmul ins(%a, %q : tensor<1x32xf32>, !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i2 : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %r1, %r2 : tensor<1x2xf32>, tensor<1x2xf32>
}

// -----

// Other uses of such a weight read a view of the kernel's bytes: the
// dequantize used to keep the qblock.quantize, which the generic lowering
// then quantized a second time.
// CHECK-LABEL: func.func @runtime_weight_also_dequantized
// CHECK-NOT: qblock.quantize
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK: %[[BYTES:.*]] = tensor.cast %{{.*}} : tensor<?xi8> to tensor<128xi8>
// CHECK: %[[VIEW:.*]] = qblock.from_storage %[[BYTES]] : tensor<128xi8> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
// CHECK-NOT: scf.parallel
// CHECK: call @__qblock_gpu_matmul(
// CHECK: %[[D:.*]] = qblock.dequantize %[[VIEW]]
// CHECK: return %{{.*}}, %[[D]]
func.func @runtime_weight_also_dequantized(%a: tensor<1x32xf32>, %wf: tensor<32x2xf32>, %i: tensor<1x2xf32>) -> (tensor<1x2xf32>, tensor<32x2xf32>) {
  %q = qblock.quantize %wf : tensor<32x2xf32> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<1x32xf32>, !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i : tensor<1x2xf32>) -> tensor<1x2xf32>
  %d = qblock.dequantize %q : !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0> -> tensor<32x2xf32>
  return %r, %d : tensor<1x2xf32>, tensor<32x2xf32>
}

// -----

// Not for a dynamic shape, whose view would not say its sizes: activations
// with dynamic rows, quantized for the W4A4 kernel, are quantized again
// for their dequantize (which the generic lowering could not read from
// bytes alone).
// CHECK-LABEL: func.func @runtime_activations_dynamic_rows
// CHECK: %[[QA:.*]] = qblock.quantize %{{.*}} : tensor<?x32xf32>
// CHECK-NOT: qblock.from_storage
// CHECK: call @__qblock_gpu_matmul(
// CHECK: qblock.dequantize %[[QA]]
func.func @runtime_activations_dynamic_rows(%x: tensor<?x32xf32>, %wf: tensor<32x2xf32>, %i: tensor<?x2xf32>) -> (tensor<?x2xf32>, tensor<?x32xf32>) {
  %w = qblock.quantize %wf : tensor<32x2xf32> -> !qblock.qtensor<32x2xf32, #qblock.scheme<int4>, axis = 0>
  %qa = qblock.quantize %x : tensor<?x32xf32> -> !qblock.qtensor<?x32xf32, #qblock.scheme<int4>, axis = 1>
  %r = qblock.matmul ins(%qa, %w : !qblock.qtensor<?x32xf32, #qblock.scheme<int4>, axis = 1>, !qblock.qtensor<32x2xf32, #qblock.scheme<int4>, axis = 0>) outs(%i : tensor<?x2xf32>) -> tensor<?x2xf32>
  %d = qblock.dequantize %qa : !qblock.qtensor<?x32xf32, #qblock.scheme<int4>, axis = 1> -> tensor<?x32xf32>
  return %r, %d : tensor<?x2xf32>, tensor<?x32xf32>
}

// -----

// Left to the generic lowering: BCQ weights whose bytes are not known here
// (BCQ has no run-time quantizer), weights of dynamic batch.
// CHECK-LABEL: func.func @not_taken
// CHECK: qblock.lut_gemm
// CHECK: qblock.matmul
// CHECK-NOT: call
// CHECK-NOT: __qblock_gpu_matmul
func.func @not_taken(%bcq: tensor<1x256xf32>, %bw: !qblock.qtensor<256x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>,
                     %binit: tensor<1x8xf32>, %x: tensor<?x1x32xf32>, %wd: tensor<?x32x2xf32>, %dinit: tensor<?x1x2xf32>) -> (tensor<1x8xf32>, tensor<?x1x2xf32>) {
  %r3 = qblock.lut_gemm ins(%bcq, %bw : tensor<1x256xf32>, !qblock.qtensor<256x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%binit : tensor<1x8xf32>) -> tensor<1x8xf32>
  %qd = qblock.quantize %wd : tensor<?x32x2xf32> -> !qblock.qtensor<?x32x2xf32, #qblock.scheme<mxfp4>, axis = 1>
  %r4 = qblock.matmul ins(%x, %qd : tensor<?x1x32xf32>, !qblock.qtensor<?x32x2xf32, #qblock.scheme<mxfp4>, axis = 1>) outs(%dinit : tensor<?x1x2xf32>) -> tensor<?x1x2xf32>
  return %r3, %r4 : tensor<1x8xf32>, tensor<?x1x2xf32>
}

// -----

// Online activation quantization with an E4M3 scale (NVFP4 activations,
// W4A4 as Blackwell pairs them) has a run-time quantizer too: its loops run
// before the W4A4 kernel's call.
// CHECK-LABEL: func.func @nvfp4_activations
// CHECK: scf.parallel
// CHECK: call @__qblock_gpu_matmul(
// CHECK-NOT: qblock.
// CHECK: func.func private @__qblock_gpu_matmul({{.*}}) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<nvfp4>, batch = 1 : i64, k = 32 : i64, n = 2 : i64, scheme = #qblock.scheme<nvfp4>}}
func.func @nvfp4_activations(%a: tensor<1x32xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = qblock.constant dense<0> : tensor<128xi8> -> !qblock.qtensor<32x2xf32, #qblock.scheme<nvfp4>, axis = 0>
  %r0 = qblock.matmul ins(%a, %w : tensor<1x32xf32>, !qblock.qtensor<32x2xf32, #qblock.scheme<nvfp4>, axis = 0>) outs(%init : tensor<1x2xf32>) {act_scheme = #qblock.scheme<nvfp4>} -> tensor<1x2xf32>
  return %r0 : tensor<1x2xf32>
}

// -----

// f16 and bf16 activations with an f32 result: the kernels widen them as
// they load, so the stubs get them unconverted. The W4A16 kernel also
// takes an f16 (or bf16) result.
// CHECK-LABEL: func.func @half_activations
// CHECK: %[[ACT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x64xf16>
// CHECK: call @__qblock_gpu_matmul(%{{.*}}, %[[ACT]], %{{.*}}) : (memref<128xi8>, memref<1x64xf16>, memref<1x2xf32>) -> ()
// CHECK: %[[BACT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x64xbf16>
// CHECK: call @__qblock_gpu_matmul_0(%{{.*}}, %[[BACT]], %{{.*}}) : (memref<128xi8>, memref<1x64xbf16>, memref<1x2xf32>) -> ()
// CHECK: call @__qblock_gpu_lut_gemm(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<3584xi8>, memref<1x256xf16>, memref<1x32xf32>) -> ()
// CHECK: call @__qblock_gpu_matmul_1(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<128xi8>, memref<1x64xf16>, memref<1x2xf16>) -> ()
// CHECK-NOT: qblock.matmul
// CHECK-NOT: qblock.lut_gemm
// CHECK: return
func.func @half_activations(%h: tensor<1x64xf16>, %bh: tensor<1x64xbf16>, %init: tensor<1x2xf32>,
                            %lh: tensor<1x256xf16>, %lw: tensor<3584xi8>, %linit: tensor<1x32xf32>,
                            %hinit: tensor<1x2xf16>)
    -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x32xf32>, tensor<1x2xf16>) {
  %w = qblock.constant dense<0> : tensor<128xi8> -> !qblock.qtensor<64x2xf16, #qblock.scheme<mxfp4>, axis = 0>
  %r0 = qblock.matmul ins(%h, %w : tensor<1x64xf16>, !qblock.qtensor<64x2xf16, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  %wb = qblock.constant dense<0> : tensor<128xi8> -> !qblock.qtensor<64x2xbf16, #qblock.scheme<mxfp4>, axis = 0>
  %r1 = qblock.matmul ins(%bh, %wb : tensor<1x64xbf16>, !qblock.qtensor<64x2xbf16, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  %q = qblock.from_storage %lw : tensor<3584xi8> -> !qblock.qtensor<256x32xf16, #qblock.bcq<bits = 3, group = 128>, axis = 0>
  %r2 = qblock.lut_gemm ins(%lh, %q : tensor<1x256xf16>, !qblock.qtensor<256x32xf16, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%linit : tensor<1x32xf32>) -> tensor<1x32xf32>
  %r3 = qblock.matmul ins(%h, %w : tensor<1x64xf16>, !qblock.qtensor<64x2xf16, #qblock.scheme<mxfp4>, axis = 0>) outs(%hinit : tensor<1x2xf16>) -> tensor<1x2xf16>
  return %r0, %r1, %r2, %r3 : tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x32xf32>, tensor<1x2xf16>
}

// -----

// LUT-GEMM: the same three buffers, a stub of its own that records the BCQ
// scheme, K and N (N = 8 for a transposed 8x256 weight too).
// CHECK-LABEL: func.func @lut
// CHECK-SAME: (%[[A:.*]]: tensor<2x256xf32>, %[[W:.*]]: tensor<3584xi8>, %[[INIT:.*]]: tensor<2x32xf32>
// CHECK: %[[PACKED:.*]] = bufferization.to_buffer %[[W]] read_only : tensor<3584xi8> to memref<3584xi8>
// CHECK: %[[ACT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x256xf32>
// CHECK: bufferization.materialize_in_destination %[[A]] in restrict writable %[[ACT]]
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x32xf32>
// CHECK: bufferization.materialize_in_destination %[[INIT]] in restrict writable %[[OUT]]
// CHECK: call @__qblock_gpu_lut_gemm(%[[PACKED]], %[[ACT]], %[[OUT]]) : (memref<3584xi8>, memref<2x256xf32>, memref<2x32xf32>) -> ()
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: call @__qblock_gpu_lut_gemm_0({{.*}}) : (memref<640xi8>, memref<?x256xf32>, memref<?x8xf32>) -> ()
// Batched LUT-GEMM: rank-3 buffers and a batch in the stub's attribute
// (only batched stubs have one).
// CHECK: call @__qblock_gpu_lut_gemm_1({{.*}}) : (memref<1792xi8>, memref<2x1x256xf32>, memref<2x1x8xf32>) -> ()
// CHECK-NOT: qblock.lut_gemm
// CHECK: func.func private @__qblock_gpu_lut_gemm({{.*}}) attributes {qblock.gpu_lut_gemm = {bcq = #qblock.bcq<bits = 3, group = 128>, k = 256 : i64, n = 32 : i64}}
// CHECK: func.func private @__qblock_gpu_lut_gemm_0({{.*}}) attributes {qblock.gpu_lut_gemm = {bcq = #qblock.bcq<bits = 2, group = 64, offset = false>, k = 256 : i64, n = 8 : i64}}
// CHECK: func.func private @__qblock_gpu_lut_gemm_1({{.*}}) attributes {qblock.gpu_lut_gemm = {batch = 2 : i64, bcq = #qblock.bcq<bits = 3, group = 128>, k = 256 : i64, n = 8 : i64}}
func.func @lut(%a: tensor<2x256xf32>, %w: tensor<3584xi8>, %init: tensor<2x32xf32>,
               %ta: tensor<?x256xf32>, %tw: tensor<640xi8>, %tinit: tensor<?x8xf32>,
               %ba: tensor<2x1x256xf32>, %bwb: tensor<1792xi8>, %binit: tensor<2x1x8xf32>)
    -> (tensor<2x32xf32>, tensor<?x8xf32>, tensor<2x1x8xf32>) {
  %q = qblock.from_storage %w : tensor<3584xi8> -> !qblock.qtensor<256x32xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<2x256xf32>, !qblock.qtensor<256x32xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%init : tensor<2x32xf32>) -> tensor<2x32xf32>
  %tq = qblock.from_storage %tw : tensor<640xi8> -> !qblock.qtensor<8x256xf32, #qblock.bcq<bits = 2, group = 64, offset = false>, axis = 1>
  %tr = qblock.lut_gemm ins(%ta, %tq : tensor<?x256xf32>, !qblock.qtensor<8x256xf32, #qblock.bcq<bits = 2, group = 64, offset = false>, axis = 1>) outs(%tinit : tensor<?x8xf32>) -> tensor<?x8xf32>
  %bw = qblock.from_storage %bwb : tensor<1792xi8> -> !qblock.qtensor<2x256x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>
  %br = qblock.lut_gemm ins(%ba, %bw : tensor<2x1x256xf32>, !qblock.qtensor<2x256x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>) outs(%binit : tensor<2x1x8xf32>) -> tensor<2x1x8xf32>
  return %r, %tr, %br : tensor<2x32xf32>, tensor<?x8xf32>, tensor<2x1x8xf32>
}

// -----

// W4A4: the stub gets the activations' packed bytes and their scheme.
// Online quantization (act_scheme) and a qblock.quantize of the
// activations both become the run-time quantizer's loops (parallel over
// rows and block pairs) before the call (a quantize's right after it,
// cast to its static size where it has one); stored activation bytes are
// copied like float activations.
// CHECK-LABEL: func.func @w4a4
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0{{.*}}, %c0{{.*}}) to (%{{.*}}, %c1{{.*}})
// CHECK: %[[FUSED:.*]] = bufferization.to_tensor %{{.*}} restrict writable : memref<?xi8> to tensor<?xi8>
// CHECK: %[[FACT:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?xi8>
// CHECK: bufferization.materialize_in_destination %[[FUSED]] in restrict writable %[[FACT]]
// CHECK: call @__qblock_gpu_matmul(%{{.*}}, %[[FACT]], %{{.*}}) : (memref<128xi8>, memref<?xi8>, memref<?x2xf32>) -> ()
// CHECK: scf.parallel
// CHECK: call @__qblock_gpu_matmul_0(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<{{[0-9]+}}xi8>, memref<128xi8>, memref<1x2xf16>) -> ()
// CHECK: %[[SACT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<192xi8>
// CHECK: bufferization.materialize_in_destination %[[ABYTES:.*]] in restrict writable %[[SACT]]
// CHECK: call @__qblock_gpu_matmul_1(%{{.*}}, %[[SACT]], %{{.*}}) : (memref<128xi8>, memref<192xi8>, memref<2x2xf32>) -> ()
// CHECK-NOT: qblock.
// CHECK: func.func private @__qblock_gpu_matmul({{.*}}) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<mxfp4>, batch = 1 : i64, k = 32 : i64, n = 2 : i64, scheme = #qblock.scheme<mxfp4>}}
// CHECK: func.func private @__qblock_gpu_matmul_0({{.*}}) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<int8>, batch = 1 : i64, k = 64 : i64, n = 2 : i64, scheme = #qblock.scheme<blockdialect>}}
// CHECK: func.func private @__qblock_gpu_matmul_1({{.*}}) attributes {qblock.gpu_matmul = {act_scheme = #qblock.scheme<blockdialect>, batch = 1 : i64, k = 32 : i64, n = 2 : i64, scheme = #qblock.scheme<mxfp4>}}
func.func @w4a4(%a: tensor<?x32xf32>, %init: tensor<?x2xf32>, %h: tensor<1x64xbf16>,
                %hinit: tensor<1x2xf16>, %abytes: tensor<192xi8>, %sinit: tensor<2x2xf32>)
    -> (tensor<?x2xf32>, tensor<1x2xf16>, tensor<2x2xf32>) {
  %w = qblock.constant dense<0> : tensor<128xi8> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r0 = qblock.matmul ins(%a, %w : tensor<?x32xf32>, !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<?x2xf32>) {act_scheme = #qblock.scheme<mxfp4>} -> tensor<?x2xf32>
  %qh = qblock.quantize %h : tensor<1x64xbf16> -> !qblock.qtensor<1x64xbf16, #qblock.scheme<int8>, axis = 1>
  %wb = qblock.constant dense<0> : tensor<192xi8> -> !qblock.qtensor<64x2xbf16, #qblock.scheme<blockdialect>, axis = 0>
  %r1 = qblock.matmul ins(%qh, %wb : !qblock.qtensor<1x64xbf16, #qblock.scheme<int8>, axis = 1>, !qblock.qtensor<64x2xbf16, #qblock.scheme<blockdialect>, axis = 0>) outs(%hinit : tensor<1x2xf16>) -> tensor<1x2xf16>
  %sa = qblock.from_storage %abytes : tensor<192xi8> -> !qblock.qtensor<2x32xf32, #qblock.scheme<blockdialect>, axis = 1>
  %r2 = qblock.matmul ins(%sa, %w : !qblock.qtensor<2x32xf32, #qblock.scheme<blockdialect>, axis = 1>, !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%sinit : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r0, %r1, %r2 : tensor<?x2xf32>, tensor<1x2xf16>, tensor<2x2xf32>
}

// -----

// LUT-GEMM with f16 activations and an f16 result: the stub gets the half
// output buffer (the kernel sums into an f32 copy and rounds once).
// CHECK-LABEL: func.func @lut_half
// CHECK: call @__qblock_gpu_lut_gemm(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<960xi8>, memref<1x256xf16>, memref<1x8xf16>) -> ()
// CHECK-NOT: qblock.lut_gemm
func.func @lut_half(%lh: tensor<1x256xf16>, %lwb: tensor<960xi8>, %lhinit: tensor<1x8xf16>) -> tensor<1x8xf16> {
  %lwh = qblock.from_storage %lwb : tensor<960xi8> -> !qblock.qtensor<256x8xf16, #qblock.bcq<bits = 3, group = 128>, axis = 0>
  %r1 = qblock.lut_gemm ins(%lh, %lwh : tensor<1x256xf16>, !qblock.qtensor<256x8xf16, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%lhinit : tensor<1x8xf16>) -> tensor<1x8xf16>
  return %r1 : tensor<1x8xf16>
}
