// --qblock-gpu-pipeline on W4A16 matmuls with f16 and bf16 results (all
// f16, as a half model's linalg.matmul comes): the GPU matmul kernel sums
// in f32 and rounds once per output (cvt.rn.f16.f32 / cvt.rn.bf16.f32 after
// adding init), with no split of K and no atomics, even for a GEMV whose
// few rows would otherwise split. The PTX assembles for sm_90a.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=mxfp4" --qblock-select-formats --qblock-gpu-pipeline -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.mlir %t | FileCheck %s --check-prefix=EXTRACT
// RUN: FileCheck %s --check-prefix=PTX-F16 --input-file=%t0.ptx
// RUN: FileCheck %s --check-prefix=PTX-BF16 --input-file=%t1.ptx
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t0.ptx -o %t0.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t1.ptx -o %t1.cubin %}

// CHECK: llvm.func @half
// CHECK: llvm.call @qblockCudaCachedUpload
// CHECK: gpu.launch_func @half_kernel::@half_kernel
// CHECK: llvm.func @brain
// CHECK: gpu.launch_func @brain_kernel::@brain_kernel
// EXTRACT: extracted 2 PTX modules

// PTX-F16: .entry half_kernel
// PTX-F16: shfl.sync.bfly.b32
// PTX-F16: ld.global.b16
// PTX-F16: cvt.f32.f16
// PTX-F16: add.rn.f32
// PTX-F16: cvt.rn.f16.f32
// PTX-F16: st.global.b16
// PTX-F16-NOT: atom.global
// PTX-BF16: .entry brain_kernel
// PTX-BF16: cvt.rn.bf16.f32
// PTX-BF16: st.global.b16
// PTX-BF16-NOT: atom.global

// A GEMV with 64 rows and K = 4096: the split-K shape of an f32 output.
func.func @half(%a: tensor<1x4096xf16>, %init: tensor<1x64xf16>) -> tensor<1x64xf16> {
  %w = arith.constant dense<0.375> : tensor<4096x64xf16>
  %r = linalg.matmul ins(%a, %w : tensor<1x4096xf16>, tensor<4096x64xf16>) outs(%init : tensor<1x64xf16>) -> tensor<1x64xf16>
  return %r : tensor<1x64xf16>
}

func.func @brain(%a: tensor<3x128xbf16>, %init: tensor<3x16xbf16>) -> tensor<3x16xbf16> {
  %w = arith.constant dense<-1.5> : tensor<128x16xbf16>
  %r = linalg.matmul ins(%a, %w : tensor<3x128xbf16>, tensor<128x16xbf16>) outs(%init : tensor<3x16xbf16>) -> tensor<3x16xbf16>
  return %r : tensor<3x16xbf16>
}
