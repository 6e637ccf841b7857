// Exact GELU (math.erf, as torch-mlir emits nn.GELU()) between two quantized
// matmuls through the GPU pipeline: the matmuls become kernels, the GELU
// stays host code, and its math.erf becomes a libm call there
// (lib/Pipelines/LowerMathToLibm.cpp) instead of surviving into
// translation. The result must translate to LLVM IR.
// RUN: quant-opt %s --qblock-quantize-linalg --qblock-gpu-pipeline="chip=sm_90a format=isa" -o %t.mlir
// RUN: FileCheck %s --implicit-check-not=math.erf --input-file=%t.mlir
// RUN: mlir-translate --mlir-to-llvmir %t.mlir | FileCheck %s --check-prefix=LLVM

// CHECK: llvm.func @erff(f32) -> f32
// CHECK: gpu.launch_func
// CHECK: llvm.call @erff(%{{.*}}) : (f32) -> f32
// CHECK: gpu.launch_func
// CHECK: gpu.binary
// LLVM: declare float @erff(float)
// LLVM: call float @erff(float

func.func @forward(%x: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %cst0 = arith.constant 0.0 : f32
  %w1 = arith.constant dense<0.25> : tensor<64x64xf32>
  %w2 = arith.constant dense<0.5> : tensor<64x64xf32>
  %e = tensor.empty() : tensor<1x64xf32>
  %f = linalg.fill ins(%cst0 : f32) outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>
  %h = linalg.matmul ins(%x, %w1 : tensor<1x64xf32>, tensor<64x64xf32>) outs(%f : tensor<1x64xf32>) -> tensor<1x64xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%h : tensor<1x64xf32>) outs(%e : tensor<1x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %rs2 = arith.constant 0.70710678 : f32
    %t = arith.mulf %in, %rs2 : f32
    %er = math.erf %t : f32
    %a1 = arith.addf %er, %one : f32
    %a2 = arith.mulf %a1, %half : f32
    %y = arith.mulf %in, %a2 : f32
    linalg.yield %y : f32
  } -> tensor<1x64xf32>
  %e2 = tensor.empty() : tensor<1x64xf32>
  %f2 = linalg.fill ins(%cst0 : f32) outs(%e2 : tensor<1x64xf32>) -> tensor<1x64xf32>
  %o = linalg.matmul ins(%g, %w2 : tensor<1x64xf32>, tensor<64x64xf32>) outs(%f2 : tensor<1x64xf32>) -> tensor<1x64xf32>
  return %o : tensor<1x64xf32>
}
