// W4A16 with weights quantized at run time (a qblock.quantize of a function
// argument) and M = 3, whose generic loop nests read strided views of the
// activations (../runtime-weights.mlir), run by the GPU emulator: the
// result matches the CPU build.
// RUN: quant-opt %s --qblock-gpu-emulation-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs > %t.gpu.out
// RUN: quant-opt %s --qblock-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.cpu.out
// RUN: %python %S/../../CPU/Inputs/check_close.py %t.gpu.out %t.cpu.out | FileCheck %s
// CHECK: check_close: PASS

func.func @f(%x: tensor<3x64xf32>, %w: tensor<64x5xf32>) -> tensor<3x5xf32> {
  %q = qblock.quantize %w : tensor<64x5xf32> -> !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %r = qblock.matmul ins(%x, %q : tensor<3x64xf32>, !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>) outs(%init : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

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
  %u = tensor.cast %r : tensor<3x5xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
