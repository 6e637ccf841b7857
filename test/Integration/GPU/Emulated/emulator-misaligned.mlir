// The GPU emulator checks the address of every kernel load and store that
// declares an alignment: a GPU stops the kernel on a misaligned one (the
// NVPTX backend turns `alignment = 16` into ld.global.v4), a CPU would read
// it without complaint. @aligned's 16-byte loads lie at multiples of 16 of a
// 16-byte aligned buffer and run; @misaligned's lane 3 reads from byte 4 of
// a 2-D view's row and stops the program with the op's location;
// @misaligned_store does the same for a store into workgroup memory.
// RUN: quant-opt %s --qblock-stage-buffers-for-gpu --qblock-emulate-gpu-on-cpu \
// RUN:   | mlir-opt --expand-strided-metadata --lower-affine --finalize-memref-to-llvm \
// RUN:       --convert-scf-to-cf --convert-vector-to-llvm --convert-arith-to-llvm \
// RUN:       --convert-index-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// RUN:       --convert-openmp-to-llvm --reconcile-unrealized-casts -o %t.mlir
// RUN: mlir-runner %t.mlir -e aligned -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs | FileCheck %s --check-prefix=ALIGNED
// RUN: not mlir-runner %t.mlir -e misaligned -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs 2>&1 | FileCheck %s --check-prefix=LOAD
// RUN: not mlir-runner %t.mlir -e misaligned_store -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs 2>&1 | FileCheck %s --check-prefix=STORE

// ALIGNED: [0,  4,  8,  12]

func.func private @printMemrefF32(memref<*xf32>)

// Four lanes, each the first of 4 floats of a 16-float buffer.
func.func @aligned() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %buf = memref.alloc() {alignment = 16 : i64} : memref<16xf32>
  %out = memref.alloc() : memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %at0 = arith.muli %i, %c4 : index
      %at = arith.addi %at0, %j : index
      %g = arith.index_cast %at : index to i32
      %v = arith.sitofp %g : i32 to f32
      memref.store %v, %buf[%at] : memref<16xf32>
    }
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %at = arith.muli %tx, %c4 : index
    %v = vector.load %buf[%at] {alignment = 16 : i64} : memref<16xf32>, vector<4xf32>
    %first = vector.extract %v[0] : f32 from vector<4xf32>
    memref.store %first, %out[%tx] : memref<4xf32>
    gpu.terminator
  }
  %u = memref.cast %out : memref<4xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

// Rows of 5 floats: row 1 starts at byte 20, 4 bytes past a multiple of
// 16. Lanes 0-2 read row 0, lane 3 reads row 1.
func.func @misaligned() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %buf = memref.alloc() {alignment = 64 : i64} : memref<4x5xf32>
  %out = memref.alloc() : memref<4xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %c3 = arith.constant 3 : index
    %last = arith.cmpi eq, %tx, %c3 : index
    %r = arith.select %last, %c1, %c0 : index
    // LOAD: qblock GPU emulator: thread 3: misaligned address: a 16-byte access declared aligned to 16 bytes reads or writes address 0x{{[0-9a-f]*}}4, 4 bytes past that alignment (a GPU faults here); at {{.*}}emulator-misaligned.mlir":[[@LINE+1]]
    %v = vector.load %buf[%r, %c0] {alignment = 16 : i64} : memref<4x5xf32>, vector<4xf32>
    %first = vector.extract %v[0] : f32 from vector<4xf32>
    memref.store %first, %out[%tx] : memref<4xf32>
    gpu.terminator
  }
  return
}

// Two lanes store two floats each into workgroup memory declared aligned
// to 8 bytes: lane 0 at element 0, lane 1 at element 3 (byte 12).
func.func @misaligned_store() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c2, %sy = %c1, %sz = %c1)
             workgroup(%shared : memref<8xf32, #gpu.address_space<workgroup>>) {
    %zero = arith.constant dense<0.0> : vector<2xf32>
    %c3 = arith.constant 3 : index
    %first = arith.cmpi eq, %tx, %c0 : index
    %at = arith.select %first, %c0, %c3 : index
    // STORE: qblock GPU emulator: thread 1: misaligned address: a 8-byte access declared aligned to 8 bytes reads or writes address 0x{{[0-9a-f]+}}, 4 bytes past that alignment (a GPU faults here); at {{.*}}emulator-misaligned.mlir":[[@LINE+1]]
    vector.store %zero, %shared[%at] {alignment = 8 : i64} : memref<8xf32, #gpu.address_space<workgroup>>, vector<2xf32>
    gpu.terminator
  }
  return
}
