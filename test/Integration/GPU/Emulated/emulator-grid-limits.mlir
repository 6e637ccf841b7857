// The emulator refuses launches a GPU refuses: grid y or z above 65535,
// block z above 64. It used to run any grid, so an emulated test passed
// where a GPU launch would fail (found by an adversarial run, 2026-12-07).
// RUN: quant-opt %s --qblock-gpu-emulation-pipeline -o %t.mlir
// RUN: mlir-runner %t.mlir -e within -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs | FileCheck %s --check-prefix=WITHIN
// RUN: not mlir-runner %t.mlir -e grid_y -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs 2>&1 | FileCheck %s --check-prefix=GRID-Y
// RUN: not mlir-runner %t.mlir -e block_z -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs 2>&1 | FileCheck %s --check-prefix=BLOCK-Z
// The GPU's limit is reported first under OpenMP settings that would also
// stop the block's 65 threads (the OpenMP check's message came first).
// RUN: env OMP_THREAD_LIMIT=8 not mlir-runner %t.mlir -e block_z -entry-point-result=void \
// RUN:     -shared-libs=%emulator_runner_libs 2>&1 | FileCheck %s --check-prefix=BLOCK-Z

func.func private @printMemrefF32(memref<*xf32>)

// Every block of the largest y writes its index: the last one, 65534, is
// the limit's.
// WITHIN: [65534]
func.func @within() {
  %c1 = arith.constant 1 : index
  %cy = arith.constant 65535 : index
  %m = memref.alloc() : memref<1xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %cy, %z = %c1) threads(%tx, %ty, %tz) in (%a = %c1, %b = %c1, %c = %c1) {
    %last = arith.constant 65534 : index
    %is_last = arith.cmpi eq, %by, %last : index
    scf.if %is_last {
      %i = arith.index_cast %by : index to i32
      %f = arith.sitofp %i : i32 to f32
      %c0 = arith.constant 0 : index
      memref.store %f, %m[%c0] : memref<1xf32>
    }
    gpu.terminator
  }
  %u = memref.cast %m : memref<1xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

// GRID-Y: qblock GPU emulator: a launch of grid (1, 65536, 1) and block (1, 1, 1) exceeds what a GPU takes: grid x at most 2^31 - 1, y and z at most 65535; block x and y at most 1024, z at most 64
func.func @grid_y() {
  %c1 = arith.constant 1 : index
  %cy = arith.constant 65536 : index
  %m = memref.alloc() : memref<1xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %cy, %z = %c1) threads(%tx, %ty, %tz) in (%a = %c1, %b = %c1, %c = %c1) {
    %one = arith.constant 1.0 : f32
    %c0 = arith.constant 0 : index
    memref.store %one, %m[%c0] : memref<1xf32>
    gpu.terminator
  }
  %u = memref.cast %m : memref<1xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

// BLOCK-Z: qblock GPU emulator: a launch of grid (1, 1, 1) and block (1, 1, 65) exceeds what a GPU takes
func.func @block_z() {
  %c1 = arith.constant 1 : index
  %cz = arith.constant 65 : index
  %m = memref.alloc() : memref<1xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%a = %c1, %b = %c1, %c = %cz) {
    %one = arith.constant 1.0 : f32
    %c0 = arith.constant 0 : index
    memref.store %one, %m[%c0] : memref<1xf32>
    gpu.terminator
  }
  %u = memref.cast %m : memref<1xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}
