// Hand-written gpu.launch kernels on host buffers that synchronize their
// threads (gpu.barrier) or reduce across them (gpu.all_reduce). Buffer
// deallocation, which both GPU pipelines run before they build their own
// kernels, refused them ("ops with unknown memory side effects are not
// supported"), as upstream declares no memory effects for these ops (found
// by an adversarial run, 2026-12-08). They now read and write all memory
// (lib/Pipelines/GPUCollectiveEffects.cpp), and the kernels compile to PTX
// that ptxas takes; the emulator runs the barrier kernel
// (test/Integration/GPU/Emulated/user-kernel-barrier.mlir).
// gpu.subgroup_reduce passes deallocation too, but upstream's NVVM
// lowering does not take it here (docs/gpu-lowering.md).
// RUN: quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// RUN: %if ptxas %{ %python %S/Inputs/extract_ptx.py %t.mlir %t.k | FileCheck %s --check-prefix=EXTRACT %}
// RUN: %if ptxas %{ FileCheck %s --check-prefix=BARRIER --input-file=%t.k0.ptx %}
// RUN: %if ptxas %{ FileCheck %s --check-prefix=REDUCE --input-file=%t.k1.ptx %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k0.ptx -o %t.k0.cubin %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k1.ptx -o %t.k1.cubin %}

// CHECK-COUNT-2: gpu.launch_func
// CHECK: gpu.binary
// EXTRACT: extracted 2 PTX modules
// BARRIER: bar.sync
// BARRIER: bar.sync
// REDUCE: shfl.sync.bfly

func.func @collectives(%buf: memref<32xf32>, %sums: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
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
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %i = arith.index_cast %tx : index to i32
    %f = arith.sitofp %i : i32 to f32
    %r = gpu.all_reduce add %f uniform {} : (f32) -> (f32)
    memref.store %r, %sums[%tx] : memref<32xf32>
    gpu.terminator
  }
  return
}
