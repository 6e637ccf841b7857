// --qblock-gpu-pipeline (first version): qblock.matmul on packed weights
// becomes gpu.launch_func kernels and a gpu.binary holding sm_90a PTX.
// RUN: quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// The PTX assembles for sm_90a where ptxas is installed.
// RUN: %if ptxas %{ %python %S/Inputs/extract_ptx.py %t.mlir %t.k | FileCheck %s --check-prefix=EXTRACT %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k0.ptx -o %t.k0.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k1.ptx -o %t.k1.cubin %}
// cubin directly (format=bin uses ptxas).
// RUN: %if ptxas %{ quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=bin" | FileCheck %s --check-prefix=BIN %}

// The host side launches the kernels (de-interleaving, then the matmul)...
// CHECK: llvm.func @gemm
// CHECK: gpu.launch_func @gemm_kernel::@gemm_kernel
// CHECK: gpu.launch_func @gemm_kernel_0::@gemm_kernel
// ...whose PTX decodes and accumulates with FMAs in the kernel.
// CHECK: gpu.binary @gemm_kernel_0 [#gpu.object<#nvvm.target<chip = "sm_90a", features = "+ptx80">, {{.*}}assembly = "{{.*}}.target sm_90a{{.*}}.entry gemm_kernel{{.*}}fma.rn.f32
// EXTRACT: extracted 2 PTX modules
// BIN: gpu.binary @gemm_kernel_0 [#gpu.object<#nvvm.target<chip = "sm_90a", features = "+ptx80">, {{.*}}bin = "\7FELF

func.func @gemm(%a: tensor<4x64xf32>, %w: tensor<2240xi8>, %init: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %q = qblock.from_storage %w : tensor<2240xi8> -> !qblock.qtensor<64x64xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<4x64xf32>, !qblock.qtensor<64x64xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}
