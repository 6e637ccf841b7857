// nn.Linear on a [batch, seq, K] activation with both batch and sequence
// dynamic: quantize-linalg collapses them into one M and expands the result
// with tensor.reshape (two dynamic sizes in one expand_shape group crash
// MLIR 22's expand-strided-metadata). Its buffer form, memref.reshape, was
// left by the GPU pipeline's host lowering and the module failed to
// translate; it now becomes a memref.reinterpret_cast of the same buffer.
// RUN: quant-opt %s --qblock-quantize-linalg --qblock-gpu-pipeline -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir --implicit-check-not=memref. --implicit-check-not=unrealized_conversion_cast
// RUN: mlir-translate --mlir-to-llvmir %t.mlir -o /dev/null
// CHECK: llvm.func @linear(
// CHECK: gpu.binary @linear_kernel
func.func @linear(%x: tensor<?x?x64xf32>) -> tensor<?x?x32xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.25> : tensor<32x64xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x64xf32>
  %m = tensor.dim %x, %c1 : tensor<?x?x64xf32>
  %e = tensor.empty(%b, %m) : tensor<?x?x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
       ins(%x, %w : tensor<?x?x64xf32>, tensor<32x64xf32>) outs(%init : tensor<?x?x32xf32>) {
  ^bb0(%a: f32, %wv: f32, %o: f32):
    %p = arith.mulf %a, %wv : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x?x32xf32>
  return %r : tensor<?x?x32xf32>
}
