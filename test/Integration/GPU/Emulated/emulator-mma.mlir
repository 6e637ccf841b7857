// The emulator's nvvm.mma.sync m16n8k16 (row.col, f16 in, f32 accumulate),
// on known matrices, with each lane's fragments written out here from the
// PTX ISA's table (g = lane / 4, t = lane % 4):
//   a0: A[g][2t..2t+1]   a1: A[g+8][2t..]   a2: A[g][2t+8..]   a3: A[g+8][2t+8..]
//   b0: B[2t..2t+1][g]   b1: B[2t+8..2t+9][g]
//   d0, d1: D[g][2t..2t+1]   d2, d3: D[g+8][2t..2t+1]
// C[r][n] = 100 r + n goes in and comes out by the same table (c0..c3 as
// d0..d3), so the accumulator's placement counts too.
// check_emulator_mma.py computes C + A * B on its own. The qblock
// tensor-core kernel relies on this layout; a wrong one there and here at
// once would still fail this test.
// DEFINE: %{lower} = quant-opt %s --qblock-stage-buffers-for-gpu --qblock-emulate-gpu-on-cpu \
// DEFINE:   | mlir-opt --expand-strided-metadata --lower-affine --finalize-memref-to-llvm \
// DEFINE:       --convert-scf-to-cf --convert-vector-to-llvm --convert-arith-to-llvm \
// DEFINE:       --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// DEFINE:       --convert-openmp-to-llvm --reconcile-unrealized-casts
// RUN: %{lower} | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs > %t.out
// RUN: %python %S/Inputs/check_emulator_mma.py %t.out | FileCheck %s
// CHECK: check_emulator_mma: PASS

func.func private @printMemrefF32(memref<*xf32>)

// A[r][c] = ((r * 16 + c) mod 7) - 3, B[k][n] = ((k * 8 + n) mod 5) - 2.
func.func @value(%i: index, %mod: index, %off: index) -> f16 {
  %r = arith.remui %i, %mod : index
  %v = arith.subi %r, %off : index
  %w = arith.index_cast %v : index to i32
  %f = arith.sitofp %w : i32 to f16
  return %f : f16
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %a = memref.alloc() : memref<16x16xf16>
  %b = memref.alloc() : memref<16x8xf16>
  %d = memref.alloc() : memref<16x8xf32>
  %cm = memref.alloc() : memref<16x8xf32>
  scf.for %r = %c0 to %c16 step %c1 {
    scf.for %n = %c0 to %c8 step %c1 {
      %c100 = arith.constant 100 : index
      %r100 = arith.muli %r, %c100 : index
      %i = arith.addi %r100, %n : index
      %w = arith.index_cast %i : index to i32
      %v = arith.sitofp %w : i32 to f32
      memref.store %v, %cm[%r, %n] : memref<16x8xf32>
    }
    scf.for %c = %c0 to %c16 step %c1 {
      %r16 = arith.muli %r, %c16 : index
      %i = arith.addi %r16, %c : index
      %v = func.call @value(%i, %c7, %c3) : (index, index, index) -> f16
      memref.store %v, %a[%r, %c] : memref<16x16xf16>
    }
    scf.for %n = %c0 to %c8 step %c1 {
      %k8 = arith.muli %r, %c8 : index
      %i = arith.addi %k8, %n : index
      %v = func.call @value(%i, %c5, %c2) : (index, index, index) -> f16
      memref.store %v, %b[%r, %n] : memref<16x8xf16>
    }
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %g = arith.divui %tx, %c4 : index
    %t = arith.remui %tx, %c4 : index
    %g8 = arith.addi %g, %c8 : index
    %t2 = arith.muli %t, %c2 : index
    %t21 = arith.addi %t2, %c1 : index
    %t28 = arith.addi %t2, %c8 : index
    %t29 = arith.addi %t28, %c1 : index
    %e0 = memref.load %a[%g, %t2] : memref<16x16xf16>
    %e1 = memref.load %a[%g, %t21] : memref<16x16xf16>
    %e2 = memref.load %a[%g8, %t2] : memref<16x16xf16>
    %e3 = memref.load %a[%g8, %t21] : memref<16x16xf16>
    %e4 = memref.load %a[%g, %t28] : memref<16x16xf16>
    %e5 = memref.load %a[%g, %t29] : memref<16x16xf16>
    %e6 = memref.load %a[%g8, %t28] : memref<16x16xf16>
    %e7 = memref.load %a[%g8, %t29] : memref<16x16xf16>
    %a0 = vector.from_elements %e0, %e1 : vector<2xf16>
    %a1 = vector.from_elements %e2, %e3 : vector<2xf16>
    %a2 = vector.from_elements %e4, %e5 : vector<2xf16>
    %a3 = vector.from_elements %e6, %e7 : vector<2xf16>
    %f0 = memref.load %b[%t2, %g] : memref<16x8xf16>
    %f1 = memref.load %b[%t21, %g] : memref<16x8xf16>
    %f2 = memref.load %b[%t28, %g] : memref<16x8xf16>
    %f3 = memref.load %b[%t29, %g] : memref<16x8xf16>
    %b0 = vector.from_elements %f0, %f1 : vector<2xf16>
    %b1 = vector.from_elements %f2, %f3 : vector<2xf16>
    %c0v = memref.load %cm[%g, %t2] : memref<16x8xf32>
    %c1v = memref.load %cm[%g, %t21] : memref<16x8xf32>
    %c2v = memref.load %cm[%g8, %t2] : memref<16x8xf32>
    %c3v = memref.load %cm[%g8, %t21] : memref<16x8xf32>
    %acc = nvvm.mma.sync A[%a0, %a1, %a2, %a3] B[%b0, %b1] C[%c0v, %c1v, %c2v, %c3v]
        {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
         shape = #nvvm.shape<m = 16, n = 8, k = 16>}
        : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
    %d0 = llvm.extractvalue %acc[0] : !llvm.struct<(f32, f32, f32, f32)>
    %d1 = llvm.extractvalue %acc[1] : !llvm.struct<(f32, f32, f32, f32)>
    %d2 = llvm.extractvalue %acc[2] : !llvm.struct<(f32, f32, f32, f32)>
    %d3 = llvm.extractvalue %acc[3] : !llvm.struct<(f32, f32, f32, f32)>
    memref.store %d0, %d[%g, %t2] : memref<16x8xf32>
    memref.store %d1, %d[%g, %t21] : memref<16x8xf32>
    memref.store %d2, %d[%g8, %t2] : memref<16x8xf32>
    memref.store %d3, %d[%g8, %t21] : memref<16x8xf32>
    gpu.terminator
  }
  %u = memref.cast %d : memref<16x8xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  memref.dealloc %a : memref<16x16xf16>
  memref.dealloc %b : memref<16x8xf16>
  memref.dealloc %d : memref<16x8xf32>
  memref.dealloc %cm : memref<16x8xf32>
  return
}
