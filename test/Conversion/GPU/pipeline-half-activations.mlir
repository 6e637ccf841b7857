// --qblock-gpu-pipeline on W4A16 matmuls with f16 and bf16 activations and
// an f32 result (the mixed precision torch-mlir emits for half models):
// they take the GPU matmul kernel (warp-shuffle reductions, weights
// uploaded once per process), which loads eight activations per 16-byte
// load and widens each exactly to f32, and its PTX assembles for sm_90a.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --qblock-gpu-pipeline -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.mlir %t | FileCheck %s --check-prefix=EXTRACT
// RUN: FileCheck %s --check-prefixes=PTX-F16,W4A16 --input-file=%t0.ptx
// RUN: FileCheck %s --check-prefixes=PTX-BF16,W4A16 --input-file=%t1.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t0.ptx -o %t0.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t1.ptx -o %t1.cubin %}
// The same matmuls with BCQ weights take the LUT-GEMM kernel, whose tables
// sum widened half activations.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=3 group=64" --qblock-select-formats --qblock-gpu-pipeline -o %t.bcq.mlir
// RUN: FileCheck %s --check-prefix=BCQ --input-file=%t.bcq.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.bcq.mlir %t.bcq | FileCheck %s --check-prefix=EXTRACT
// RUN: FileCheck %s --check-prefix=PTX-F16 --input-file=%t.bcq0.ptx
// RUN: FileCheck %s --check-prefix=LUT-BF16 --input-file=%t.bcq1.ptx
// RUN: FileCheck %s --check-prefix=LUT --input-file=%t.bcq0.ptx
// RUN: FileCheck %s --check-prefix=LUT --input-file=%t.bcq1.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.bcq0.ptx -o %t.bcq0.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.bcq1.ptx -o %t.bcq1.cubin %}

// CHECK: llvm.func @half
// CHECK: llvm.call @qblockCudaCachedUpload
// CHECK: gpu.launch_func @half_kernel::@half_kernel
// CHECK: llvm.func @brain
// CHECK: llvm.call @qblockCudaCachedUpload
// CHECK: gpu.launch_func @brain_kernel::@brain_kernel
// BCQ: llvm.func @half
// BCQ: gpu.launch_func @half_kernel::@half_kernel
// BCQ: llvm.func @brain
// BCQ: gpu.launch_func @brain_kernel::@brain_kernel
// EXTRACT: extracted 2 PTX modules

// PTX-F16: .entry half_kernel
// PTX-F16: ld.global.v4.b32
// PTX-F16: cvt.f32.f16
// PTX-F16: fma.rn.f32
// PTX-F16-NOT: cvt.f32.bf16
// PTX-BF16: .entry brain_kernel
// PTX-BF16: ld.global.v4.b32
// PTX-BF16: cvt.f32.bf16
// PTX-BF16: fma.rn.f32
// PTX-BF16-NOT: cvt.f32.f16
// The LUT-GEMM kernel's bf16 activations widen as bf16; its alphas and
// offsets are f16.
// LUT-BF16: .entry brain_kernel
// LUT-BF16: ld.global.v4.b32
// LUT-BF16: cvt.f32.bf16
// LUT-BF16: fma.rn.f32
// LUT-BF16: cvt.f32.f16
// The W4A16 kernel's warps reduce their lanes' sums with shuffles.
// W4A16: shfl.sync.bfly.b32
// The LUT-GEMM kernel builds its tables in workgroup memory, then looks
// them up.
// LUT: .shared
// LUT: st.shared.b32
// LUT: bar.sync
// LUT: ld.shared.b32

func.func @half(%a: tensor<4x64xf16>, %init: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %w = arith.constant dense<0.375> : tensor<64x32xf16>
  %r = linalg.matmul ins(%a, %w : tensor<4x64xf16>, tensor<64x32xf16>) outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %r : tensor<4x32xf32>
}

func.func @brain(%a: tensor<1x128xbf16>, %init: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %w = arith.constant dense<-1.5> : tensor<128x16xbf16>
  %r = linalg.matmul ins(%a, %w : tensor<1x128xbf16>, tensor<128x16xbf16>) outs(%init : tensor<1x16xf32>) -> tensor<1x16xf32>
  return %r : tensor<1x16xf32>
}
