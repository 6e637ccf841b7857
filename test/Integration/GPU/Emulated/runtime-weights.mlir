// W4A16 with weights quantized at run time (a qblock.quantize of a function
// argument) and M = 3, run by the GPU emulator: @f through the run-time
// quantizer's loops and the decode kernel (since 2026-12-07), @g (a weight
// of dynamic batch) through the generic loop nests, which read strided
// views of the activations (../runtime-weights.mlir). Both match the CPU
// build.
// RUN: quant-opt %s --qblock-gpu-emulation-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs > %t.gpu.out
// RUN: quant-opt %s --qblock-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.cpu.out
// RUN: %python %S/../../CPU/Inputs/check_close.py %t.gpu.out %t.cpu.out | FileCheck %s
// CHECK: check_close: PASS
// @h also returns its weight dequantized, which reads the bytes the kernel
// reads (the run-time quantizer runs once): the same values as the CPU's.
// RUN: quant-opt %s --qblock-gpu-emulation-pipeline | mlir-runner -e main_dequantized -entry-point-result=void -shared-libs=%emulator_runner_libs > %t.gpu.deq.out
// RUN: quant-opt %s --qblock-cpu-pipeline | mlir-runner -e main_dequantized -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.cpu.deq.out
// RUN: %python %S/../../CPU/Inputs/check_close.py %t.gpu.deq.out %t.cpu.deq.out --rtol 0 --nonzero | FileCheck %s

func.func @f(%x: tensor<3x64xf32>, %w: tensor<64x5xf32>) -> tensor<3x5xf32> {
  %q = qblock.quantize %w : tensor<64x5xf32> -> !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %r = qblock.matmul ins(%x, %q : tensor<3x64xf32>, !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>) outs(%init : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}

// The same product with a weight of dynamic batch, which no kernel takes.
func.func @g(%x: tensor<1x3x64xf32>, %w: tensor<?x64x5xf32>) -> tensor<1x3x5xf32> {
  %q = qblock.quantize %w : tensor<?x64x5xf32> -> !qblock.qtensor<?x64x5xf32, #qblock.scheme<int4>, axis = 1>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x5xf32>) -> tensor<1x3x5xf32>
  %r = qblock.matmul ins(%x, %q : tensor<1x3x64xf32>, !qblock.qtensor<?x64x5xf32, #qblock.scheme<int4>, axis = 1>) outs(%init : tensor<1x3x5xf32>) -> tensor<1x3x5xf32>
  return %r : tensor<1x3x5xf32>
}

func.func @h(%x: tensor<3x64xf32>, %w: tensor<64x5xf32>) -> (tensor<3x5xf32>, tensor<64x5xf32>) {
  %q = qblock.quantize %w : tensor<64x5xf32> -> !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %r = qblock.matmul ins(%x, %q : tensor<3x64xf32>, !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>) outs(%init : tensor<3x5xf32>) -> tensor<3x5xf32>
  %d = qblock.dequantize %q : !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0> -> tensor<64x5xf32>
  return %r, %d : tensor<3x5xf32>, tensor<64x5xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main_dequantized() {
  %w = tensor.generate {
  ^bb0(%i: index, %j: index):
    %s = arith.addi %i, %j : index
    %v = arith.index_cast %s : index to i32
    %fv = arith.sitofp %v : i32 to f32
    %r = math.sin %fv : f32
    tensor.yield %r : f32
  } : tensor<64x5xf32>
  %x = arith.constant dense<1.0> : tensor<3x64xf32>
  %r:2 = call @h(%x, %w) : (tensor<3x64xf32>, tensor<64x5xf32>) -> (tensor<3x5xf32>, tensor<64x5xf32>)
  %u = tensor.cast %r#1 : tensor<64x5xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %c7 = arith.constant 7 : index
  %c11 = arith.constant 11 : index
  %x0 = tensor.generate {
  ^bb0(%i: index, %j: index):
    %ij = arith.muli %i, %j : index
    %s = arith.addi %ij, %j : index
    %m = arith.remui %s, %c7 : index
    %v = arith.index_cast %m : index to i32
    %fv = arith.sitofp %v : i32 to f32
    %c = arith.constant 0.25 : f32
    %r = arith.mulf %fv, %c : f32
    tensor.yield %r : f32
  } : tensor<3x64xf32>
  %w0 = tensor.generate {
  ^bb0(%i: index, %j: index):
    %s = arith.addi %i, %j : index
    %ss = arith.muli %s, %s : index
    %m = arith.remui %ss, %c11 : index
    %v = arith.index_cast %m : index to i32
    %fv = arith.sitofp %v : i32 to f32
    %c = arith.constant -0.5 : f32
    %o = arith.constant 0.1 : f32
    %r = arith.mulf %fv, %o : f32
    %r2 = arith.addf %r, %c : f32
    tensor.yield %r2 : f32
  } : tensor<64x5xf32>
  %r = call @f(%x0, %w0) : (tensor<3x64xf32>, tensor<64x5xf32>) -> tensor<3x5xf32>
  %x1 = tensor.expand_shape %x0 [[0, 1], [2]] output_shape [1, 3, 64] : tensor<3x64xf32> into tensor<1x3x64xf32>
  %w1 = tensor.expand_shape %w0 [[0, 1], [2]] output_shape [1, 64, 5] : tensor<64x5xf32> into tensor<1x64x5xf32>
  %wd = tensor.cast %w1 : tensor<1x64x5xf32> to tensor<?x64x5xf32>
  %r1 = call @g(%x1, %wd) : (tensor<1x3x64xf32>, tensor<?x64x5xf32>) -> tensor<1x3x5xf32>
  // Both results in one tensor: check_close.py compares one printed tensor.
  %both0 = tensor.empty() : tensor<2x3x5xf32>
  %both1 = tensor.insert_slice %r into %both0[0, 0, 0] [1, 3, 5] [1, 1, 1] : tensor<3x5xf32> into tensor<2x3x5xf32>
  %both = tensor.insert_slice %r1 into %both1[1, 0, 0] [1, 3, 5] [1, 1, 1] : tensor<1x3x5xf32> into tensor<2x3x5xf32>
  %u = tensor.cast %both : tensor<2x3x5xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
