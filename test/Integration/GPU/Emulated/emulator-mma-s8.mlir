// The emulator's nvvm.mma.sync m16n8k32 and m16n8k16 (row.col, s8 in, s32
// accumulate, wrapping), on known matrices, with each lane's fragments
// packed here from the PTX ISA's tables for .s8 (g = lane / 4, t = lane % 4,
// byte j of a register element j):
//   a0: A[g][4t..4t+3]   a1: A[g+8][4t..]   a2: A[g][16+4t..]   a3: A[g+8][16+4t..]
//   b0: B[4t..4t+3][g]   b1: B[16+4t..16+4t+3][g]
//   d0, d1: D[g][2t..2t+1]   d2, d3: D[g+8][2t..2t+1]
// (k = 16: a0, a1 and b0 only). D[0] is the k = 32 product, D[1] the
// k = 16 product of A's first 16 columns and B's first 16 rows.
// C[r][n] = 100 r + n goes in and comes out by the same table. A and B
// hold negative bytes, so sign extension counts. check_emulator_mma.py
// --s8 computes C + A * B on its own. The integer tensor-core kernel
// (MmaMatmulKernel.cpp) relies on this layout; a wrong one there and here
// at once would still fail this test.
// DEFINE: %{lower} = quant-opt %s --qblock-stage-buffers-for-gpu --qblock-emulate-gpu-on-cpu \
// DEFINE:   | mlir-opt --expand-strided-metadata --lower-affine --finalize-memref-to-llvm \
// DEFINE:       --convert-scf-to-cf --convert-vector-to-llvm --convert-arith-to-llvm \
// DEFINE:       --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// DEFINE:       --convert-openmp-to-llvm --reconcile-unrealized-casts
// RUN: %{lower} | mlir-runner -e main -entry-point-result=void -shared-libs=%emulator_runner_libs > %t.out
// RUN: %python %S/Inputs/check_emulator_mma.py %t.out --s8 | FileCheck %s
// CHECK: check_emulator_mma: PASS

func.func private @printMemrefF32(memref<*xf32>)

// A[r][c] = ((r * 32 + c) mod 11) - 5, B[k][n] = ((k * 8 + n) mod 7) - 3.
func.func @value(%i: index, %mod: index, %off: index) -> i8 {
  %r = arith.remui %i, %mod : index
  %v = arith.subi %r, %off : index
  %w = arith.index_cast %v : index to i8
  return %w : i8
}

// The register of four bytes from row `row` of `m`, columns `col` .. + 3.
func.func @rowWord(%m: memref<16x32xi8>, %row: index, %col: index) -> i32 {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %col1 = arith.addi %col, %c1 : index
  %col2 = arith.addi %col, %c2 : index
  %col3 = arith.addi %col, %c3 : index
  %e0 = memref.load %m[%row, %col] : memref<16x32xi8>
  %e1 = memref.load %m[%row, %col1] : memref<16x32xi8>
  %e2 = memref.load %m[%row, %col2] : memref<16x32xi8>
  %e3 = memref.load %m[%row, %col3] : memref<16x32xi8>
  %v = vector.from_elements %e0, %e1, %e2, %e3 : vector<4xi8>
  %w = vector.bitcast %v : vector<4xi8> to vector<1xi32>
  %x = vector.extract %w[0] : i32 from vector<1xi32>
  return %x : i32
}

// The register of four bytes from column `col` of `m`, rows `row` .. + 3.
func.func @columnWord(%m: memref<32x8xi8>, %row: index, %col: index) -> i32 {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %row1 = arith.addi %row, %c1 : index
  %row2 = arith.addi %row, %c2 : index
  %row3 = arith.addi %row, %c3 : index
  %e0 = memref.load %m[%row, %col] : memref<32x8xi8>
  %e1 = memref.load %m[%row1, %col] : memref<32x8xi8>
  %e2 = memref.load %m[%row2, %col] : memref<32x8xi8>
  %e3 = memref.load %m[%row3, %col] : memref<32x8xi8>
  %v = vector.from_elements %e0, %e1, %e2, %e3 : vector<4xi8>
  %w = vector.bitcast %v : vector<4xi8> to vector<1xi32>
  %x = vector.extract %w[0] : i32 from vector<1xi32>
  return %x : i32
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
  %c11 = arith.constant 11 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %a = memref.alloc() : memref<16x32xi8>
  %b = memref.alloc() : memref<32x8xi8>
  %d = memref.alloc() : memref<2x16x8xf32>
  %cm = memref.alloc() : memref<16x8xi32>
  scf.for %r = %c0 to %c16 step %c1 {
    scf.for %n = %c0 to %c8 step %c1 {
      %c100 = arith.constant 100 : index
      %r100 = arith.muli %r, %c100 : index
      %i = arith.addi %r100, %n : index
      %w = arith.index_cast %i : index to i32
      memref.store %w, %cm[%r, %n] : memref<16x8xi32>
    }
    scf.for %c = %c0 to %c32 step %c1 {
      %r32 = arith.muli %r, %c32 : index
      %i = arith.addi %r32, %c : index
      %v = func.call @value(%i, %c11, %c5) : (index, index, index) -> i8
      memref.store %v, %a[%r, %c] : memref<16x32xi8>
    }
  }
  scf.for %k = %c0 to %c32 step %c1 {
    scf.for %n = %c0 to %c8 step %c1 {
      %k8 = arith.muli %k, %c8 : index
      %i = arith.addi %k8, %n : index
      %v = func.call @value(%i, %c7, %c3) : (index, index, index) -> i8
      memref.store %v, %b[%k, %n] : memref<32x8xi8>
    }
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %g = arith.divui %tx, %c4 : index
    %t = arith.remui %tx, %c4 : index
    %g8 = arith.addi %g, %c8 : index
    %t4 = arith.muli %t, %c4 : index
    %t416 = arith.addi %t4, %c16 : index
    %t2 = arith.muli %t, %c2 : index
    %t21 = arith.addi %t2, %c1 : index
    %a0 = func.call @rowWord(%a, %g, %t4) : (memref<16x32xi8>, index, index) -> i32
    %a1 = func.call @rowWord(%a, %g8, %t4) : (memref<16x32xi8>, index, index) -> i32
    %a2 = func.call @rowWord(%a, %g, %t416) : (memref<16x32xi8>, index, index) -> i32
    %a3 = func.call @rowWord(%a, %g8, %t416) : (memref<16x32xi8>, index, index) -> i32
    %b0 = func.call @columnWord(%b, %t4, %g) : (memref<32x8xi8>, index, index) -> i32
    %b1 = func.call @columnWord(%b, %t416, %g) : (memref<32x8xi8>, index, index) -> i32
    %c0v = memref.load %cm[%g, %t2] : memref<16x8xi32>
    %c1v = memref.load %cm[%g, %t21] : memref<16x8xi32>
    %c2v = memref.load %cm[%g8, %t2] : memref<16x8xi32>
    %c3v = memref.load %cm[%g8, %t21] : memref<16x8xi32>
    %acc = nvvm.mma.sync A[%a0, %a1, %a2, %a3] B[%b0, %b1] C[%c0v, %c1v, %c2v, %c3v]
        {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
         intOverflowBehavior = #nvvm.mma_int_overflow<wrapped>,
         multiplicandAPtxType = #nvvm.mma_type<s8>,
         multiplicandBPtxType = #nvvm.mma_type<s8>,
         shape = #nvvm.shape<m = 16, n = 8, k = 32>}
        : (i32, i32, i32) -> !llvm.struct<(i32, i32, i32, i32)>
    %d0 = llvm.extractvalue %acc[0] : !llvm.struct<(i32, i32, i32, i32)>
    %d1 = llvm.extractvalue %acc[1] : !llvm.struct<(i32, i32, i32, i32)>
    %d2 = llvm.extractvalue %acc[2] : !llvm.struct<(i32, i32, i32, i32)>
    %d3 = llvm.extractvalue %acc[3] : !llvm.struct<(i32, i32, i32, i32)>
    %f0 = arith.sitofp %d0 : i32 to f32
    %f1 = arith.sitofp %d1 : i32 to f32
    %f2 = arith.sitofp %d2 : i32 to f32
    %f3 = arith.sitofp %d3 : i32 to f32
    memref.store %f0, %d[%c0, %g, %t2] : memref<2x16x8xf32>
    memref.store %f1, %d[%c0, %g, %t21] : memref<2x16x8xf32>
    memref.store %f2, %d[%c0, %g8, %t2] : memref<2x16x8xf32>
    memref.store %f3, %d[%c0, %g8, %t21] : memref<2x16x8xf32>
    %h = nvvm.mma.sync A[%a0, %a1] B[%b0] C[%c0v, %c1v, %c2v, %c3v]
        {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
         intOverflowBehavior = #nvvm.mma_int_overflow<wrapped>,
         multiplicandAPtxType = #nvvm.mma_type<s8>,
         multiplicandBPtxType = #nvvm.mma_type<s8>,
         shape = #nvvm.shape<m = 16, n = 8, k = 16>}
        : (i32, i32, i32) -> !llvm.struct<(i32, i32, i32, i32)>
    %h0 = llvm.extractvalue %h[0] : !llvm.struct<(i32, i32, i32, i32)>
    %h1 = llvm.extractvalue %h[1] : !llvm.struct<(i32, i32, i32, i32)>
    %h2 = llvm.extractvalue %h[2] : !llvm.struct<(i32, i32, i32, i32)>
    %h3 = llvm.extractvalue %h[3] : !llvm.struct<(i32, i32, i32, i32)>
    %e0 = arith.sitofp %h0 : i32 to f32
    %e1 = arith.sitofp %h1 : i32 to f32
    %e2 = arith.sitofp %h2 : i32 to f32
    %e3 = arith.sitofp %h3 : i32 to f32
    memref.store %e0, %d[%c1, %g, %t2] : memref<2x16x8xf32>
    memref.store %e1, %d[%c1, %g, %t21] : memref<2x16x8xf32>
    memref.store %e2, %d[%c1, %g8, %t2] : memref<2x16x8xf32>
    memref.store %e3, %d[%c1, %g8, %t21] : memref<2x16x8xf32>
    gpu.terminator
  }
  %u = memref.cast %d : memref<2x16x8xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  memref.dealloc %a : memref<16x32xi8>
  memref.dealloc %b : memref<32x8xi8>
  memref.dealloc %d : memref<2x16x8xf32>
  memref.dealloc %cm : memref<16x8xi32>
  return
}
