// The user's own scf.parallel loops through the GPU pipelines: they run on
// the host as nested scf.for loops (lib/Pipelines/SequentialHostLoops.cpp);
// only the pipeline's own loop nests become kernels. Before, every
// scf.parallel was mapped to a kernel: a reduction failed to legalize, a
// loop calling a host function compiled to PTX with an unresolved extern
// (which this emulator ran anyway), and a loop around a quantized matmul
// nested the matmul's launch inside another kernel (found by an adversarial
// run 2026-12-07). W picks the first four columns exactly.
//
// RUN: quant-opt %s --qblock-quantize-linalg --qblock-gpu-emulation-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs | FileCheck %s
// test/Conversion/GPU/sequential-host-loops.mlir compiles it with the GPU
// pipeline.

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printF32(f32)
func.func private @printNewline()

// Two reductions over a 2-D parallel loop: the sum and the largest value
// of x[i][j] = 10 i + j, i < 3, j < 4.
func.func @sum_and_max(%x: tensor<3x4xf32>) -> (f32, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %low = arith.constant -1.0e30 : f32
  %r:2 = scf.parallel (%i, %j) = (%c0, %c0) to (%c3, %c4) step (%c1, %c1) init (%zero, %low) -> (f32, f32) {
    %v = tensor.extract %x[%i, %j] : tensor<3x4xf32>
    scf.reduce(%v, %v : f32, f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }, {
    ^bb0(%a: f32, %b: f32):
      %m = arith.maximumf %a, %b : f32
      scf.reduce.return %m : f32
    }
  }
  return %r#0, %r#1 : f32, f32
}

// A quantized matmul and a host call in each iteration of the user's loop.
func.func @each(%x: tensor<2x3x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<32x4xf32>
  scf.parallel (%b) = (%c0) to (%c2) step (%c1) {
    %xs = tensor.extract_slice %x[%b, 0, 0] [1, 3, 32] [1, 1, 1] : tensor<2x3x32xf32> to tensor<3x32xf32>
    %e = tensor.empty() : tensor<3x4xf32>
    %i = linalg.fill ins(%zero : f32) outs(%e : tensor<3x4xf32>) -> tensor<3x4xf32>
    %r = linalg.matmul ins(%xs, %w : tensor<3x32xf32>, tensor<32x4xf32>) outs(%i : tensor<3x4xf32>) -> tensor<3x4xf32>
    %u = tensor.cast %r : tensor<3x4xf32> to tensor<*xf32>
    func.call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
    scf.reduce
  }
  return
}

func.func @main() {
  %small = tensor.generate {
  ^bb0(%i: index, %j: index):
    %c10 = arith.constant 10 : index
    %a = arith.muli %i, %c10 : index
    %s = arith.addi %a, %j : index
    %v = arith.index_cast %s : index to i32
    %f = arith.sitofp %v : i32 to f32
    tensor.yield %f : f32
  } : tensor<3x4xf32>
  %sum, %max = call @sum_and_max(%small) : (tensor<3x4xf32>) -> (f32, f32)
  // CHECK: 138
  call @printF32(%sum) : (f32) -> ()
  call @printNewline() : () -> ()
  // CHECK-NEXT: 23
  call @printF32(%max) : (f32) -> ()
  call @printNewline() : () -> ()
  %x = tensor.generate {
  ^bb0(%b: index, %s: index, %j: index):
    %c1000 = arith.constant 1000 : index
    %c100 = arith.constant 100 : index
    %a = arith.muli %b, %c1000 : index
    %t = arith.muli %s, %c100 : index
    %u = arith.addi %a, %t : index
    %v0 = arith.addi %u, %j : index
    %v = arith.index_cast %v0 : index to i32
    %f = arith.sitofp %v : i32 to f32
    tensor.yield %f : f32
  } : tensor<2x3x32xf32>
  // CHECK: [0,   1,   2,   3],
  // CHECK-NEXT: [100,   101,   102,   103],
  // CHECK-NEXT: [200,   201,   202,   203]]
  // CHECK: [1000,   1001,   1002,   1003],
  // CHECK-NEXT: [1100,   1101,   1102,   1103],
  // CHECK-NEXT: [1200,   1201,   1202,   1203]]
  call @each(%x) : (tensor<2x3x32xf32>) -> ()
  return
}
