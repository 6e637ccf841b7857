// --qblock-gpu-pipeline on LUT-GEMM (the LUT-GEMM kernel, one per op;
// pipeline-lut-gemm.mlir covers its shapes) and on W4A4 with online
// activation quantization: all kernels lower to PTX that assembles for
// sm_90a.
// RUN: quant-opt %s --qblock-gpu-pipeline -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// No libdevice calls: the pipeline expands math.absf/math.floor itself, so
// the PTX needs no CUDA toolkit to resolve (lit runs without CUDA_HOME).
// RUN: not grep -q __nv_ %t.mlir
// RUN: %if ptxas %{ %python %S/Inputs/extract_ptx.py %t.mlir %t.k | FileCheck %s --check-prefix=EXTRACT %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k0.ptx -o %t.k0.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k1.ptx -o %t.k1.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k2.ptx -o %t.k2.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k3.ptx -o %t.k3.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k4.ptx -o %t.k4.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k5.ptx -o %t.k5.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k6.ptx -o %t.k6.cubin %}

// CHECK: llvm.func @lut
// CHECK: gpu.launch_func
// CHECK: llvm.func @w4a4
// CHECK: gpu.launch_func
// CHECK: llvm.func @lut_chunked
// CHECK: gpu.launch_func
// LUT-GEMM: one kernel; W4A4 with a static M = 4 (the tiled kernel only):
// quantize, decode, zero the accumulators, tiles per K chunk, add to the
// output. LUT-GEMM with K = 512 and N = 20 takes the LUT-GEMM kernel (two
// chunks, a partial row tile); the generic path's masks, which once
// reached LLVM translation, are covered by @batched in
// pipeline-lut-gemm.mlir and by lower-vector-masks.mlir.
// EXTRACT: extracted 7 PTX modules

func.func @lut(%a: tensor<2x256xf32>, %w: tensor<4096xi8>, %init: tensor<2x32xf32>) -> tensor<2x32xf32> {
  %q = qblock.from_storage %w : tensor<4096xi8> -> !qblock.qtensor<256x32xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<2x256xf32>, !qblock.qtensor<256x32xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%init : tensor<2x32xf32>) -> tensor<2x32xf32>
  return %r : tensor<2x32xf32>
}

func.func @w4a4(%a: tensor<4x64xf32>, %w: tensor<2240xi8>, %init: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %q = qblock.from_storage %w : tensor<2240xi8> -> !qblock.qtensor<64x64xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<4x64xf32>, !qblock.qtensor<64x64xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<4x64xf32>) {act_scheme = #qblock.scheme<blockdialect, select = two_stage>} -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

func.func @lut_chunked(%a: tensor<2x512xf32>, %w: tensor<5120xi8>, %init: tensor<2x20xf32>) -> tensor<2x20xf32> {
  %q = qblock.from_storage %w : tensor<5120xi8> -> !qblock.qtensor<512x20xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>
  %r = qblock.lut_gemm ins(%a, %q : tensor<2x512xf32>, !qblock.qtensor<512x20xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%init : tensor<2x20xf32>) -> tensor<2x20xf32>
  return %r : tensor<2x20xf32>
}
