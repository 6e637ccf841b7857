// Products with an empty weight (K = 0: nothing to sum; N = 0: no outputs)
// written directly in qblock compile and return the init, on both
// pipelines; the kernels, which assume whole blocks and rows, never see
// them (a K = 0 matmul used to crash the CPU lowering with a division by
// zero).
//
// RUN: quant-opt %s --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: quant-opt %s --qblock-cpu-pipeline="target=generic" \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// The GPU pipeline launches nothing for them (no kernel, no stub call).
// RUN: quant-opt %s --qblock-gpu-pipeline | FileCheck %s --check-prefix=GPU
// GPU-NOT: gpu.launch_func
// GPU-NOT: __qblock_gpu

// K = 0 with a block scheme, K = 0 with BCQ, N = 0: each prints its init.
// CHECK: sizes = [2, 3] strides = [3, 1] data =
// CHECK-NEXT: {{\[}}[1.5,   -2,   3],
// CHECK-NEXT: [4,   0.25,   -6]]
// CHECK: sizes = [2, 3] strides = [3, 1] data =
// CHECK-NEXT: {{\[}}[1.5,   -2,   3],
// CHECK-NEXT: [4,   0.25,   -6]]
// (printMemrefF32 prints a row of an empty memref anyway: not checked.)
// CHECK: sizes = [2, 0] strides = [0, 1] data =

func.func private @printMemrefF32(tensor<*xf32>)

func.func @empty_k(%x: tensor<2x0xf32>, %init: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<> : tensor<0x3xf32>
  %q = qblock.quantize %w : tensor<0x3xf32> -> !qblock.qtensor<0x3xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%x, %q : tensor<2x0xf32>, !qblock.qtensor<0x3xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

func.func @empty_k_bcq(%x: tensor<2x0xf32>, %init: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<> : tensor<0x3xf32>
  %q = qblock.quantize %w : tensor<0x3xf32> -> !qblock.qtensor<0x3xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>
  %r = qblock.lut_gemm ins(%x, %q : tensor<2x0xf32>, !qblock.qtensor<0x3xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

func.func @empty_n(%x: tensor<2x64xf32>, %init: tensor<2x0xf32>) -> tensor<2x0xf32> {
  %w = arith.constant dense<> : tensor<64x0xf32>
  %q = qblock.quantize %w : tensor<64x0xf32> -> !qblock.qtensor<64x0xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%x, %q : tensor<2x64xf32>, !qblock.qtensor<64x0xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%init : tensor<2x0xf32>) -> tensor<2x0xf32>
  return %r : tensor<2x0xf32>
}

func.func @main() {
  %x0 = arith.constant dense<> : tensor<2x0xf32>
  %init = arith.constant dense<[[1.5, -2.0, 3.0], [4.0, 0.25, -6.0]]> : tensor<2x3xf32>
  %a = call @empty_k(%x0, %init) : (tensor<2x0xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %ua = tensor.cast %a : tensor<2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%ua) : (tensor<*xf32>) -> ()
  %b = call @empty_k_bcq(%x0, %init) : (tensor<2x0xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %ub = tensor.cast %b : tensor<2x3xf32> to tensor<*xf32>
  call @printMemrefF32(%ub) : (tensor<*xf32>) -> ()
  %x = arith.constant dense<1.0> : tensor<2x64xf32>
  %init0 = arith.constant dense<> : tensor<2x0xf32>
  %c = call @empty_n(%x, %init0) : (tensor<2x64xf32>, tensor<2x0xf32>) -> tensor<2x0xf32>
  %uc = tensor.cast %c : tensor<2x0xf32> to tensor<*xf32>
  call @printMemrefF32(%uc) : (tensor<*xf32>) -> ()
  return
}
