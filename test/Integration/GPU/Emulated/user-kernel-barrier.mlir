// A hand-written kernel whose threads exchange values through a buffer
// between two gpu.barrier ops runs in the emulation pipeline: buffer
// deallocation refused gpu.barrier until 2026-12-08
// (lib/Pipelines/GPUCollectiveEffects.cpp). Each of 32 threads writes its
// index, then reads its mirror's (31 - t) and writes that back: without
// the barriers a thread could read a slot before its mirror wrote it.
// RUN: quant-opt %s --qblock-gpu-emulation-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs \
// RUN:   | FileCheck %s
// CHECK: [31,  30,  29,  28,  27,  26,  25,  24,  23,  22,  21,  20,  19,  18,  17,  16,  15,  14,  13,  12,  11,  10,  9,  8,  7,  6,  5,  4,  3,  2,  1,  0]

func.func private @printMemrefF32(memref<*xf32>)

func.func @main() {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %buf = memref.alloc() : memref<32xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %i = arith.index_cast %tx : index to i32
    %f = arith.sitofp %i : i32 to f32
    memref.store %f, %buf[%tx] : memref<32xf32>
    gpu.barrier
    %c31 = arith.constant 31 : index
    %mirror = arith.subi %c31, %tx : index
    %other = memref.load %buf[%mirror] : memref<32xf32>
    gpu.barrier
    memref.store %other, %buf[%tx] : memref<32xf32>
    gpu.terminator
  }
  %u = memref.cast %buf : memref<32xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}
