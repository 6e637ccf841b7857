// --qblock-gpu-pipeline on qblock.lut_gemm: one LUT-GEMM kernel per op with
// static BCQ weights (the shapes below cover q = 1..4, groups of 8 to 192,
// partial K chunks, odd N, M = 1, M > 1 and dynamic M, a transposed
// weight, batched weights). Every kernel's PTX assembles for sm_90a.
// RUN: quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// RUN: not grep -q __nv_ %t.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.mlir %t.k | FileCheck %s --check-prefix=EXTRACT
// RUN: FileCheck %s --check-prefix=PTX --input-file=%t.k0.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k0.ptx -o %t.k0.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k1.ptx -o %t.k1.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k2.ptx -o %t.k2.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k3.ptx -o %t.k3.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k4.ptx -o %t.k4.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k5.ptx -o %t.k5.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k6.ptx -o %t.k6.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k7.ptx -o %t.k7.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k8.ptx -o %t.k8.cubin %}
// RUN: FileCheck %s --check-prefix=BATCHED --input-file=%t.k7.ptx
// RUN: %if ptxas %{ for i in 9 10 11; do ptxas -arch=sm_90a %t.k$i.ptx -o %t.k$i.cubin || exit 1; done %}
// RUN: FileCheck %s --check-prefix=WIDEN --input-file=%t.k9.ptx
// RUN: FileCheck %s --check-prefix=HALFLUT --input-file=%t.k10.ptx
// RUN: FileCheck %s --check-prefix=NARROW --input-file=%t.k11.ptx

// EXTRACT: extracted 12 PTX modules
// One launch per LUT-GEMM; grid (row tiles, K chunks, M), 256 threads.
// CHECK-LABEL: llvm.func @q1
// CHECK: gpu.launch_func @q1_kernel::@q1_kernel
// CHECK-LABEL: llvm.func @q2
// CHECK: gpu.launch_func @q2_kernel::@q2_kernel
// CHECK-NOT: gpu.launch_func
// CHECK-LABEL: llvm.func @q4
// CHECK-LABEL: llvm.func @dyn
// CHECK: gpu.launch_func @dyn_kernel::@dyn_kernel
// CHECK-LABEL: llvm.func @batched
// CHECK: gpu.launch_func @batched_kernel::@batched_kernel
// CHECK-NOT: gpu.launch_func
// CHECK-LABEL: llvm.func @batched_dynamic
// CHECK: gpu.launch_func @batched_dynamic_kernel::@batched_dynamic_kernel
// An f16 result: widen init into an f32 copy, the LUT-GEMM kernel's atomic
// adds into the copy, round once into the output.
// CHECK-LABEL: llvm.func @half_out
// CHECK: gpu.launch_func @half_out_kernel::@half_out_kernel
// CHECK: gpu.launch_func @half_out_kernel_0::@half_out_kernel
// CHECK: gpu.launch_func @half_out_kernel_1::@half_out_kernel
// WIDEN: ld.global.b16
// WIDEN: cvt.f32.f16
// WIDEN: st.global.b32
// HALFLUT: atom.global.add.f32
// NARROW: ld.global.b32
// NARROW: cvt.rn.f16.f32
// NARROW: st.global.b16

// The PTX code of @q1's kernel: tables in 32 KiB of shared memory, a
// barrier, 4-byte plane words from global memory, table lookups, a
// butterfly over a row's 8 lanes and an atomic add per row and chunk.
// PTX: .visible .entry q1_kernel(
// PTX: .shared .align 4 .b8 {{.*}}[32768];
// PTX: st.shared.b32
// PTX: bar.sync 0;
// PTX: ld.global.b32
// PTX: ld.shared.b32
// PTX: shfl.sync.bfly.b32 {{.*}}, 4, 31, -1;
// PTX: shfl.sync.bfly.b32 {{.*}}, 2, 31, -1;
// PTX: shfl.sync.bfly.b32 {{.*}}, 1, 31, -1;
// PTX: atom.global.add.f32

// q = 1, one chunk, GEMV, N = 33 (a partial warp step).
func.func @q1(%a: tensor<1x256xf32>, %w: tensor<1472xi8>, %init: tensor<1x33xf32>) -> tensor<1x33xf32> {
  %q = qblock.from_storage %w : tensor<1472xi8> -> !qblock.qtensor<256x33xf32, #qblock.bcq<bits = 1, group = 128>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<1x256xf32>, !qblock.qtensor<256x33xf32, #qblock.bcq<bits = 1, group = 128>, axis = 0>) outs(%init : tensor<1x33xf32>) -> tensor<1x33xf32>
  return %r : tensor<1x33xf32>
}

// q = 2, three chunks, M = 3.
func.func @q2(%a: tensor<3x768xf32>, %w: tensor<4544xi8>, %init: tensor<3x17xf32>) -> tensor<3x17xf32> {
  %q = qblock.from_storage %w : tensor<4544xi8> -> !qblock.qtensor<768x17xf32, #qblock.bcq<bits = 2, group = 64>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<3x768xf32>, !qblock.qtensor<768x17xf32, #qblock.bcq<bits = 2, group = 64>, axis = 0>) outs(%init : tensor<3x17xf32>) -> tensor<3x17xf32>
  return %r : tensor<3x17xf32>
}

// q = 4 without offsets, K = 576 (a partial last chunk of 64 inputs), groups of 192 that straddle chunks.
func.func @q4(%a: tensor<2x576xf32>, %w: tensor<12480xi8>, %init: tensor<2x40xf32>) -> tensor<2x40xf32> {
  %q = qblock.from_storage %w : tensor<12480xi8> -> !qblock.qtensor<576x40xf32, #qblock.bcq<bits = 4, group = 192, offset = false>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<2x576xf32>, !qblock.qtensor<576x40xf32, #qblock.bcq<bits = 4, group = 192, offset = false>, axis = 0>) outs(%init : tensor<2x40xf32>) -> tensor<2x40xf32>
  return %r : tensor<2x40xf32>
}

// groups of 8: four groups per 4-byte word.
func.func @g8(%a: tensor<1x64xf32>, %w: tensor<512xi8>, %init: tensor<1x5xf32>) -> tensor<1x5xf32> {
  %q = qblock.from_storage %w : tensor<512xi8> -> !qblock.qtensor<64x5xf32, #qblock.bcq<bits = 3, group = 8>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<1x64xf32>, !qblock.qtensor<64x5xf32, #qblock.bcq<bits = 3, group = 8>, axis = 0>) outs(%init : tensor<1x5xf32>) -> tensor<1x5xf32>
  return %r : tensor<1x5xf32>
}

// groups of 16, transposed weight.
func.func @g16(%a: tensor<2x320xf32>, %w: tensor<1472xi8>, %init: tensor<2x7xf32>) -> tensor<2x7xf32> {
  %q = qblock.from_storage %w : tensor<1472xi8> -> !qblock.qtensor<7x320xf32, #qblock.bcq<bits = 2, group = 16>, axis = 1>
  %r = qblock.lut_gemm ins(%a, %q : tensor<2x320xf32>, !qblock.qtensor<7x320xf32, #qblock.bcq<bits = 2, group = 16>, axis = 1>) outs(%init : tensor<2x7xf32>) -> tensor<2x7xf32>
  return %r : tensor<2x7xf32>
}

// groups of 24: 1-byte words, 32 lanes per row.
func.func @g24(%a: tensor<1x72xf32>, %w: tensor<256xi8>, %init: tensor<1x3xf32>) -> tensor<1x3xf32> {
  %q = qblock.from_storage %w : tensor<256xi8> -> !qblock.qtensor<72x3xf32, #qblock.bcq<bits = 3, group = 24>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<1x72xf32>, !qblock.qtensor<72x3xf32, #qblock.bcq<bits = 3, group = 24>, axis = 0>) outs(%init : tensor<1x3xf32>) -> tensor<1x3xf32>
  return %r : tensor<1x3xf32>
}

// dynamic M.
func.func @dyn(%a: tensor<?x288xf32>, %w: tensor<2112xi8>, %init: tensor<?x11xf32>) -> tensor<?x11xf32> {
  %q = qblock.from_storage %w : tensor<2112xi8> -> !qblock.qtensor<288x11xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<?x288xf32>, !qblock.qtensor<288x11xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0>) outs(%init : tensor<?x11xf32>) -> tensor<?x11xf32>
  return %r : tensor<?x11xf32>
}

// Batched weights: one launch whose grid x holds each batch's row tiles in
// turn (2 batches x 1 tile of 20 rows), two K chunks.
// BATCHED: .visible .entry batched_kernel(
// BATCHED: mov.u32 {{.*}}, %ctaid.x;
// BATCHED: bar.sync 0;
// BATCHED: atom.global.add.f32
func.func @batched(%a: tensor<2x1x512xf32>, %w: tensor<8960xi8>, %init: tensor<2x1x20xf32>) -> tensor<2x1x20xf32> {
  %q = qblock.from_storage %w : tensor<8960xi8> -> !qblock.qtensor<2x512x20xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>
  %r = qblock.lut_gemm ins(%a, %q : tensor<2x1x512xf32>, !qblock.qtensor<2x512x20xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>) outs(%init : tensor<2x1x20xf32>) -> tensor<2x1x20xf32>
  return %r : tensor<2x1x20xf32>
}

// Batched with dynamic batch and M sizes in the activations and output
// (the batch is the weight's at run time).
func.func @batched_dynamic(%a: tensor<?x?x256xf32>, %w: tensor<1792xi8>, %init: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %q = qblock.from_storage %w : tensor<1792xi8> -> !qblock.qtensor<2x256x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>
  %r = qblock.lut_gemm ins(%a, %q : tensor<?x?x256xf32>, !qblock.qtensor<2x256x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>) outs(%init : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %r : tensor<?x?x8xf32>
}

func.func @half_out(%a: tensor<3x256xf16>, %w: tensor<960xi8>, %init: tensor<3x8xf16>) -> tensor<3x8xf16> {
  %q = qblock.from_storage %w : tensor<960xi8> -> !qblock.qtensor<256x8xf16, #qblock.bcq<bits = 3, group = 128>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<3x256xf16>, !qblock.qtensor<256x8xf16, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%init : tensor<3x8xf16>) -> tensor<3x8xf16>
  return %r : tensor<3x8xf16>
}
