// --qblock-gpu-pipeline="tensor-cores=true": W4A16 matmuls with f16/bf16
// activations take the mma.sync kernel (MmaMatmulKernel.cpp), a GEMV too,
// and its PTX assembles for sm_90a. Without the option nothing uses tensor
// cores.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --qblock-gpu-pipeline="tensor-cores=true" -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.mlir %t | FileCheck %s --check-prefix=EXTRACT
// RUN: FileCheck %s --check-prefix=PTX-BF16 --input-file=%t0.ptx
// RUN: FileCheck %s --check-prefix=PTX-F16 --input-file=%t1.ptx
// RUN: FileCheck %s --check-prefix=PTX-GEMV --input-file=%t2.ptx
// The B registers need no arithmetic: no packed half subtraction anywhere.
// RUN: not grep -E "(sub|fma)\.rn\.b?f16x2" %t0.ptx %t1.ptx %t2.ptx
// RUN: %if ptxas %{ for i in 0 1 2; do ptxas -arch=sm_90a %t$i.ptx -o %t$i.cubin || exit 1; done %}
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --qblock-gpu-pipeline -o %t.off.mlir
// RUN: not grep -q "mma.sync" %t.off.mlir

// CHECK: llvm.func @brain_gemm
// CHECK: gpu.launch_func @brain_gemm_kernel::@brain_gemm_kernel
// CHECK: llvm.func @half_gemm
// CHECK: gpu.launch_func @half_gemm_kernel::@half_gemm_kernel
// CHECK: llvm.func @gemv
// EXTRACT: extracted 3 PTX modules

// The scale table goes to shared memory (the default permute decode has no
// table of pairs); per unit and n tile, the dialect's four words
// (ld.global.nc.v4) and prmt byte permutes, no arithmetic on the B
// registers; 4 bytes of codes (ld.global.u32 or narrower) and 16 bytes of
// activations per row, then the mma steps: 2 m tiles x 4 n tiles x 2
// steps.
// PTX-BF16: .entry brain_gemm_kernel
// PTX-BF16: .shared .align {{[0-9]+}} .b8 {{.*}}[1024]
// PTX-BF16: bar.sync
// PTX-BF16: ld.global.nc.v4.b32
// PTX-BF16: prmt.b32 {{.*}}, 0x5140U;
// PTX-BF16: ld.global.v4.b32
// PTX-BF16-COUNT-16: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX-BF16-NOT: mma.sync
// PTX-BF16: ret;
// M = 16: one m tile, f16 operands and an f16 result rounded once.
// PTX-F16: .entry half_gemm_kernel
// PTX-F16: prmt.b32 {{.*}}, 0x5140U;
// PTX-F16-COUNT-8: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-F16-NOT: mma.sync
// PTX-F16: cvt.rn.f16.f32
// A GEMV: one 16-row tile (its row repeated), four n tiles, two steps.
// PTX-GEMV: .entry gemv_kernel
// PTX-GEMV-COUNT-8: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-GEMV-NOT: mma.sync
// PTX-GEMV-NOT: shfl.sync

func.func @brain_gemm(%a: tensor<40x128xbf16>, %init: tensor<40x96xf32>) -> tensor<40x96xf32> {
  %w = arith.constant dense<-1.5> : tensor<128x96xbf16>
  %r = linalg.matmul ins(%a, %w : tensor<40x128xbf16>, tensor<128x96xbf16>) outs(%init : tensor<40x96xf32>) -> tensor<40x96xf32>
  return %r : tensor<40x96xf32>
}

func.func @half_gemm(%a: tensor<16x64xf16>, %init: tensor<16x32xf16>) -> tensor<16x32xf16> {
  %w = arith.constant dense<0.375> : tensor<64x32xf16>
  %r = linalg.matmul ins(%a, %w : tensor<16x64xf16>, tensor<64x32xf16>) outs(%init : tensor<16x32xf16>) -> tensor<16x32xf16>
  return %r : tensor<16x32xf16>
}

func.func @gemv(%a: tensor<1x64xf16>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %w = arith.constant dense<0.375> : tensor<64x32xf16>
  %r = linalg.matmul ins(%a, %w : tensor<1x64xf16>, tensor<64x32xf16>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}
