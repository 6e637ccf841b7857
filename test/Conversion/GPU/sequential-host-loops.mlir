// The GPU pipelines run the user's scf.parallel loops on the host as nested
// scf.for loops (lib/Pipelines/SequentialHostLoops.cpp): a reduction is an
// iteration argument combined by its scf.reduce region.
// RUN: quant-opt %s --qblock-sequential-host-loops | FileCheck %s
// Compiled by the GPU pipeline, the module of the emulated execution test
// gets one kernel, its quantized matmul's, and no host function in device
// code (its loops used to become kernels, one calling printMemrefF32).
// RUN: quant-opt %S/../../Integration/GPU/Emulated/host-parallel-loops.mlir --qblock-quantize-linalg --qblock-gpu-pipeline="chip=sm_90a format=isa" -o %t.gpu.mlir
// RUN: grep -o "gpu.binary @[a-z_0-9]*" %t.gpu.mlir | FileCheck %s --check-prefix=GPU
// GPU: gpu.binary @each_kernel
// GPU-NOT: gpu.binary
// RUN: grep "gpu.binary @" %t.gpu.mlir | not grep -q printMemrefF32

// CHECK-LABEL: func.func @sum_and_max
// CHECK-SAME: (%[[X:.*]]: memref<3x4xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.0
// CHECK-DAG: %[[LOW:.*]] = arith.constant -1.0
// CHECK: %[[R:.*]]:2 = scf.for %[[I:.*]] = {{.*}} iter_args(%[[S0:.*]] = %[[ZERO]], %[[M0:.*]] = %[[LOW]])
// CHECK: %[[IN:.*]]:2 = scf.for %[[J:.*]] = {{.*}} iter_args(%[[S1:.*]] = %[[S0]], %[[M1:.*]] = %[[M0]])
// CHECK: %[[V:.*]] = memref.load %[[X]][%[[I]], %[[J]]]
// CHECK: %[[S:.*]] = arith.addf %[[S1]], %[[V]]
// CHECK: %[[M:.*]] = arith.maximumf %[[M1]], %[[V]]
// CHECK: scf.yield %[[S]], %[[M]]
// CHECK: scf.yield %[[IN]]#0, %[[IN]]#1
// CHECK-NOT: scf.parallel
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @sum_and_max(%x: memref<3x4xf32>) -> (f32, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %low = arith.constant -1.0e30 : f32
  %r:2 = scf.parallel (%i, %j) = (%c0, %c0) to (%c3, %c4) step (%c1, %c1) init (%zero, %low) -> (f32, f32) {
    %v = memref.load %x[%i, %j] : memref<3x4xf32>
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

// Nested loops: the inner one is rewritten before the outer one's body is
// cloned around it.
// CHECK-LABEL: func.func @nested
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.store
// CHECK-NOT: scf.parallel
func.func @nested(%x: memref<3x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c3) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c4) step (%c1) {
      memref.store %one, %x[%i, %j] : memref<3x4xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// A combiner may use values of the loop body (its region is not isolated
// from above): they are the clones in the new loop (crashed before).
// CHECK-LABEL: func.func @combiner_uses_body
// CHECK: scf.for %[[I:.*]] = {{.*}} iter_args(%[[ACC:.*]] =
// CHECK: %[[F:.*]] = arith.sitofp
// CHECK: %[[V:.*]] = arith.mulf %[[F]], %[[F]]
// CHECK: %[[W:.*]] = arith.addf %[[ACC]], %[[V]]
// CHECK: %[[S:.*]] = arith.addf %[[W]], %[[F]]
// CHECK: scf.yield %[[S]]
func.func @combiner_uses_body(%n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%zero) -> f32 {
    %ii = arith.index_cast %i : index to i32
    %f = arith.sitofp %ii : i32 to f32
    %v = arith.mulf %f, %f : f32
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %w = arith.addf %a, %b : f32
      %s = arith.addf %w, %f : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}
