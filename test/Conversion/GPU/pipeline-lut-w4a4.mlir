// --qblock-gpu-pipeline on LUT-GEMM (the LUT-GEMM kernel, one per op;
// pipeline-lut-gemm.mlir covers its shapes) and on W4A4 / W4A8 (the
// run-time quantizer's loops, then the W4A4 kernel): all kernels lower to
// PTX that assembles for sm_90a.
// RUN: quant-opt %s --qblock-gpu-pipeline -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// No libdevice calls: the pipeline expands math.absf/math.floor itself, so
// the PTX needs no CUDA toolkit to resolve (lit runs without CUDA_HOME).
// RUN: not grep -q __nv_ %t.mlir
// RUN: %if ptxas %{ %python %S/Inputs/extract_ptx.py %t.mlir %t.k | FileCheck %s --check-prefix=EXTRACT %}
// RUN: %if ptxas %{ for i in 0 1 2 3 4 5 6 7 8; do ptxas -arch=sm_90a %t.k$i.ptx -o %t.k$i.cubin || exit 1; done %}
// The W4A4 kernel of @w4a4 (tile of 4 activation rows): per chunk, 16-byte
// loads of the 4 weight rows' codes and of the 4 activation rows' codes,
// both decoded to signed bytes by prmt, integer dot products (dp4a; no f32
// FMA per element: one per block, weight row and activation row), a warp
// butterfly.
// RUN: %if ptxas %{ FileCheck %s --check-prefix=W4A4PTX --input-file=%t.k2.ptx %}
// The W4A8 GEMV kernel of @w4a8_gemv: 32 bytes of INT8 codes per chunk in
// two 16-byte loads, multiplied as they are by dp4a. K = 4096 with N = 64
// would split K,
// but the result is f16, which must be rounded once: no atomics.
// RUN: %if ptxas %{ FileCheck %s --check-prefix=W4A8PTX --input-file=%t.k5.ptx %}
// With tensor-cores=true both W4A4 and W4A8 take the integer tensor-core
// kernel: per unit of 32 inputs and 16 x 8 tile one
// mma.sync.m16n8k32 on signed bytes (4 n tiles, one m tile for M <= 16),
// no dp4a, each s32 sum converted once; the f16 result still rounds once,
// without atomics. Everything else is the same, and assembles too.
// RUN: quant-opt %s --qblock-gpu-pipeline="tensor-cores=true" -o %t.tc.mlir
// RUN: %if ptxas %{ %python %S/Inputs/extract_ptx.py %t.tc.mlir %t.tc | FileCheck %s --check-prefix=EXTRACT %}
// RUN: %if ptxas %{ for i in 0 1 2 3 4 5 6 7 8; do ptxas -arch=sm_90a %t.tc$i.ptx -o %t.tc$i.cubin || exit 1; done %}
// RUN: %if ptxas %{ FileCheck %s --check-prefix=MMAPTX --input-file=%t.tc2.ptx %}
// RUN: %if ptxas %{ FileCheck %s --check-prefixes=MMAPTX,MMAF16 --input-file=%t.tc5.ptx %}

// CHECK: llvm.func @lut
// CHECK: gpu.launch_func
// CHECK: llvm.func @w4a4
// The run-time quantizer's loops, then the W4A4 kernel.
// CHECK: gpu.launch_func @w4a4_kernel::@w4a4_kernel
// CHECK: gpu.launch_func @w4a4_kernel_0::@w4a4_kernel
// CHECK: llvm.func @lut_chunked
// CHECK: gpu.launch_func
// CHECK: llvm.func @w4a8_gemv
// CHECK-COUNT-2: gpu.launch_func
// CHECK: llvm.func @w4a4_dynamic
// Quantize, then the M = 1 kernel or the tiled one.
// CHECK-COUNT-3: gpu.launch_func
// LUT-GEMM: one kernel; W4A4 with a static M = 4: the activations'
// run-time quantization, then the W4A4 kernel (tiles of 4 activation
// rows). LUT-GEMM with K = 512 and N = 20 takes the LUT-GEMM kernel (two
// chunks, a partial row tile); the generic path's masks, which once
// reached LLVM translation, are covered by @batched in
// pipeline-lut-gemm.mlir and by lower-vector-masks.mlir. W4A8 GEMV (INT8
// activations, two 16-byte loads per 32-element chunk) with an f16
// result; a qblock.quantize of activations with a dynamic M.
// EXTRACT: extracted 9 PTX modules

// W4A4PTX: .entry w4a4_kernel(
// W4A4PTX-COUNT-8: ld.global.v4.b32
// W4A4PTX: ld.shared.b32
// W4A4PTX-NOT: fma.rn.f32
// W4A4PTX: prmt.b32
// W4A4PTX-NOT: fma.rn.f32
// W4A4PTX: dp4a.s32.s32
// W4A4PTX-NOT: fma.rn.f32
// W4A4PTX: cvt.rn.f32.s32
// W4A4PTX-COUNT-16: fma.rn.f32
// W4A4PTX-NOT: fma.rn.f32
// W4A4PTX: shfl.sync.bfly.b32
// W4A8PTX: .entry w4a8_gemv_kernel(
// W4A8PTX-COUNT-4: ld.global.v4.b32
// W4A8PTX: ld.global.v4.b32 {{.*}}, [%[[P:rd[0-9]+]]+16];
// W4A8PTX-NEXT: ld.global.v4.b32 {{.*}}, [%[[P]]];
// W4A8PTX-NOT: atom.
// W4A8PTX-NOT: cvt.rn.f32.s16
// W4A8PTX: dp4a.s32.s32
// W4A8PTX-NOT: atom.
// W4A8PTX: cvt.rn.f16.f32
// W4A8PTX-NOT: atom.
// MMAPTX: .entry {{w4a4|w4a8_gemv}}_kernel(
// MMAPTX-NOT: dp4a
// MMAPTX: prmt.b32
// MMAPTX-NOT: dp4a
// MMAPTX-COUNT-4: mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32
// MMAPTX-NOT: mma.sync
// MMAPTX-NOT: dp4a
// MMAPTX: cvt.rn.f32.s32
// MMAPTX-NOT: dp4a
// MMAF16-NOT: atom.
// MMAF16: cvt.rn.f16.f32
// MMAF16-NOT: atom.

func.func @lut(%a: tensor<2x256xf32>, %w: tensor<3584xi8>, %init: tensor<2x32xf32>) -> tensor<2x32xf32> {
  %q = qblock.from_storage %w : tensor<3584xi8> -> !qblock.qtensor<256x32xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<2x256xf32>, !qblock.qtensor<256x32xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%init : tensor<2x32xf32>) -> tensor<2x32xf32>
  return %r : tensor<2x32xf32>
}

func.func @w4a4(%a: tensor<4x64xf32>, %w: tensor<2240xi8>, %init: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %q = qblock.from_storage %w : tensor<2240xi8> -> !qblock.qtensor<64x64xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<4x64xf32>, !qblock.qtensor<64x64xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<4x64xf32>) {act_scheme = #qblock.scheme<blockdialect, select = two_stage>} -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

func.func @lut_chunked(%a: tensor<2x512xf32>, %w: tensor<4544xi8>, %init: tensor<2x20xf32>) -> tensor<2x20xf32> {
  %q = qblock.from_storage %w : tensor<4544xi8> -> !qblock.qtensor<512x20xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<2x512xf32>, !qblock.qtensor<512x20xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%init : tensor<2x20xf32>) -> tensor<2x20xf32>
  return %r : tensor<2x20xf32>
}

func.func @w4a8_gemv(%a: tensor<1x4096xf32>, %w: tensor<143360xi8>, %init: tensor<1x64xf16>) -> tensor<1x64xf16> {
  %q = qblock.from_storage %w : tensor<143360xi8> -> !qblock.qtensor<4096x64xf16, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<1x4096xf32>, !qblock.qtensor<4096x64xf16, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x64xf16>) {act_scheme = #qblock.scheme<int8>} -> tensor<1x64xf16>
  return %r : tensor<1x64xf16>
}

func.func @w4a4_dynamic(%a: tensor<?x64xf32>, %w: tensor<128xi8>, %init: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %q = qblock.from_storage %w : tensor<128xi8> -> !qblock.qtensor<2x64xf32, #qblock.scheme<mxfp4>, axis = 1>
  %qa = qblock.quantize %a : tensor<?x64xf32> -> !qblock.qtensor<?x64xf32, #qblock.scheme<mxfp4>, axis = 1>
  %r = qblock.matmul ins(%qa, %q : !qblock.qtensor<?x64xf32, #qblock.scheme<mxfp4>, axis = 1>, !qblock.qtensor<2x64xf32, #qblock.scheme<mxfp4>, axis = 1>) outs(%init : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %r : tensor<?x2xf32>
}
