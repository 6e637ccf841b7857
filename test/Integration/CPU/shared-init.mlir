// Regression: matmuls whose init is one shared zero tensor (CSE merges the
// tensor.empty + linalg.fill of every projection, as here), with an
// elementwise op in between that bufferization may place in that tensor's
// buffer. The lowering must read the init (and the activations) at the
// matmul, not through a buffer view that a later in-place write clobbers.
// The weights are exactly representable in BlockDialect, so the quantized
// module must give the float module's result.
//
// RUN: quant-opt %s --qblock-quantize-linalg --qblock-select-formats --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.q
// RUN: quant-opt %s --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.f
// RUN: %python %S/Inputs/check_close.py %t.q %t.f | FileCheck %s
// CHECK: check_close: PASS

func.func private @printMemrefF32(tensor<*xf32>)

func.func @block(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<0.5> : tensor<64x64xf32>
  %w2 = arith.constant dense<-0.25> : tensor<64x64xf32>
  %e = tensor.empty() : tensor<4x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x64xf32>) -> tensor<4x64xf32>
  %a = linalg.matmul ins(%x, %w1 : tensor<4x64xf32>, tensor<64x64xf32>) outs(%init : tensor<4x64xf32>) -> tensor<4x64xf32>
  %e2 = tensor.empty() : tensor<4x64xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                          iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x64xf32>) outs(%e2 : tensor<4x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x64xf32>
  %e3 = tensor.empty() : tensor<4x64xf32>
  %init2 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<4x64xf32>) -> tensor<4x64xf32>
  %b = linalg.matmul ins(%relu, %w2 : tensor<4x64xf32>, tensor<64x64xf32>) outs(%init2 : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %b : tensor<4x64xf32>
}

func.func @main() {
  %x0 = arith.constant dense<[[1.0, -2.0, 0.5, 3.0], [0.25, 1.5, -1.0, 2.0], [-0.5, 0.75, 1.25, -2.5], [2.0, 1.0, 0.5, 0.25]]> : tensor<4x4xf32>
  %x = tensor.empty() : tensor<4x64xf32>
  %xf = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j mod 4)>, affine_map<(i, j) -> (i, j)>],
                        iterator_types = ["parallel", "parallel"]}
      ins(%x0 : tensor<4x4xf32>) outs(%x : tensor<4x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4x64xf32>
  %r = call @block(%xf) : (tensor<4x64xf32>) -> tensor<4x64xf32>
  %u = tensor.cast %r : tensor<4x64xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
