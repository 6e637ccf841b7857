// --qblock-gpu-pipeline on the one-format schemes: weights quantized by
// --qblock-quantize-linalg + --qblock-select-formats (packed constants) to
// MXFP4, NVFP4 and INT4 lower to the GPU matmul kernel, whose PTX assembles
// for sm_90a. The constant weights cross to the device once per process
// (qblockCudaCachedUpload), not at every call.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=mxfp4" --qblock-select-formats --qblock-gpu-pipeline -o %t.mx.mlir
// RUN: FileCheck %s --input-file=%t.mx.mlir
// RUN: not grep -q __nv_ %t.mx.mlir
// RUN: %if ptxas %{ %python %S/Inputs/extract_ptx.py %t.mx.mlir %t.mx | FileCheck %s --check-prefix=EXTRACT %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.mx0.ptx -o %t.mx0.cubin %}
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4" --qblock-select-formats --qblock-gpu-pipeline -o %t.nv.mlir
// RUN: FileCheck %s --input-file=%t.nv.mlir
// RUN: not grep -q __nv_ %t.nv.mlir
// RUN: %if ptxas %{ %python %S/Inputs/extract_ptx.py %t.nv.mlir %t.nv | FileCheck %s --check-prefix=EXTRACT %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.nv0.ptx -o %t.nv0.cubin %}
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=int4" --qblock-select-formats --qblock-gpu-pipeline -o %t.i4.mlir
// RUN: FileCheck %s --input-file=%t.i4.mlir
// RUN: not grep -q __nv_ %t.i4.mlir
// RUN: %if ptxas %{ %python %S/Inputs/extract_ptx.py %t.i4.mlir %t.i4 | FileCheck %s --check-prefix=EXTRACT %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.i40.ptx -o %t.i40.cubin %}

// CHECK: llvm.func @mm
// CHECK: llvm.call @qblockCudaCachedUpload
// CHECK: gpu.launch_func @mm_kernel::@mm_kernel
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.binary @mm_kernel
// EXTRACT: extracted 1 PTX modules

func.func @mm(%a: tensor<4x64xf32>, %init: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %w = arith.constant dense<0.375> : tensor<64x32xf32>
  %r = linalg.matmul ins(%a, %w : tensor<4x64xf32>, tensor<64x32xf32>) outs(%init : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %r : tensor<4x32xf32>
}
