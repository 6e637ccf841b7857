// --qblock-gpu-pipeline on a GEMV with few rows and long rows (N = 64,
// K = 4096): the W4A16 kernel splits K over grid z (4 splits) and adds the
// splits' partial sums with atomic adds; the PTX assembles for sm_90a.
// RUN: quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// RUN: %if ptxas %{ %python %S/Inputs/extract_ptx.py %t.mlir %t.k | FileCheck %s --check-prefix=EXTRACT %}
// RUN: %if ptxas %{ FileCheck %s --check-prefix=PTX --input-file=%t.k0.ptx %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k0.ptx -o %t.k0.cubin %}

// CHECK: llvm.func @gemv
// CHECK: gpu.launch_func @gemv_kernel::@gemv_kernel blocks in (%{{.*}}, %{{.*}}, %{{.*}})
// EXTRACT: extracted 1 PTX modules
// PTX: .entry gemv_kernel(
// PTX: mov.u32 {{.*}}, %ctaid.z;
// PTX: ld.global.v4.b32
// PTX: shfl.sync.bfly.b32
// PTX: atom.global.add.f32
// PTX-NOT: .local

func.func @gemv(%a: tensor<1x4096xf32>, %w: tensor<143360xi8>, %init: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %q = qblock.from_storage %w : tensor<143360xi8> -> !qblock.qtensor<4096x64xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<1x4096xf32>, !qblock.qtensor<4096x64xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x64xf32>) -> tensor<1x64xf32>
  return %r : tensor<1x64xf32>
}
