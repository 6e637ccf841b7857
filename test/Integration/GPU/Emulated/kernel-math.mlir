// Math ops in a hand-written kernel that LLVM has no intrinsic for
// (math.erf, math.erfc, math.cbrt): the GPU pipeline expands them, but the
// emulation pipeline refused them ("'math.erf' is not lowered to the LLVM
// dialect") until 2026-12-08 (found by an adversarial run), so a module the
// GPU build takes could not be checked on a CPU. Once the emulator has made
// the kernel host code, they become libm calls as in host code. The
// results are checked against Python's math module.
// RUN: quant-opt %s --qblock-gpu-emulation-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs > %t.out
// RUN: %python %S/Inputs/check_kernel_math.py %t.out | FileCheck %s
// (test/Conversion/GPU/kernel-math.mlir: the GPU build of the kernel.)
// CHECK: check_kernel_math: PASS 3 functions

func.func private @printMemrefF32(memref<*xf32>)

func.func @main() {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %out = memref.alloc() : memref<3x8xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c1, %sz = %c1) {
    %i = arith.index_cast %tx : index to i32
    %f = arith.sitofp %i : i32 to f32
    %four = arith.constant 4.0 : f32
    %quarter = arith.constant 0.25 : f32
    %d = arith.subf %f, %four : f32
    %x = arith.mulf %d, %quarter : f32
    %erf = math.erf %x : f32
    %erfc = math.erfc %x : f32
    %cbrt = math.cbrt %x : f32
    %r0 = arith.constant 0 : index
    %r1 = arith.constant 1 : index
    %r2 = arith.constant 2 : index
    memref.store %erf, %out[%r0, %tx] : memref<3x8xf32>
    memref.store %erfc, %out[%r1, %tx] : memref<3x8xf32>
    memref.store %cbrt, %out[%r2, %tx] : memref<3x8xf32>
    gpu.terminator
  }
  %u = memref.cast %out : memref<3x8xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}
