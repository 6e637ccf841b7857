// RUN: quant-opt %s --qblock-cpu-pipeline | FileCheck %s --check-prefix=IR
// RUN: quant-opt %s --qblock-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s

// The CPU pipeline allocates through _mlir_memref_to_llvm_alloc/_free,
// defined in the module (qblock-define-scratch-allocator): freed blocks of
// 64 KiB and more are kept and handed out again to the next allocation of
// size..2*size bytes, so kernels that allocate scratch at every call stop
// page-faulting it in every time. Blocks are plain malloc'd memory.
// IR-LABEL: llvm.func @sums
// IR-NOT: llvm.call @malloc
// IR: llvm.call @_mlir_memref_to_llvm_alloc
// IR: llvm.call @_mlir_memref_to_llvm_free
// IR: llvm.func internal @__qblock_scratch_try_acquire() -> i1
// IR: llvm.cmpxchg
// IR: llvm.func internal @__qblock_scratch_acquire()
// IR: llvm.call @__qblock_scratch_try_acquire()
// IR: llvm.func internal @_mlir_memref_to_llvm_alloc(%{{.*}}: i64) -> !llvm.ptr
// IR: llvm.call @malloc
// IR: llvm.func internal @_mlir_memref_to_llvm_free(%{{.*}}: !llvm.ptr)
// IR: llvm.call @malloc_usable_size
// IR: llvm.call @free
// Kept blocks are freed when the module is unloaded (dlclose, or a JIT's
// ExecutionEngine destroyed: a Python session compiling many modules).
// The destructor takes the lock only if it is free (no hang at exit).
// IR: llvm.func internal @__qblock_scratch_free_kept()
// IR: llvm.call @__qblock_scratch_try_acquire()
// IR: llvm.call @free
// IR: llvm.call @__qblock_scratch_release()
// IR: llvm.mlir.global_dtors dtors = [@__qblock_scratch_free_kept], priorities = [0 : i32], data = [#llvm.zero]

// Two buffers live at once, each filled with its own value: a reused block
// handed out twice would mix them up.
#id = affine_map<(i) -> (i)>
// Buffers a[i] = (i % 2) * va and b[i] = (i % 2) * vb, summed.
func.func @sums(%n1: index, %n2: index, %va: f32, %vb: f32) -> (f32, f32) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %ea = tensor.empty(%n1) : tensor<?xf32>
  %a = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]} outs(%ea : tensor<?xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %odd = arith.remui %i, %c2 : index
    %oi = arith.index_cast %odd : index to i32
    %of = arith.sitofp %oi : i32 to f32
    %v = arith.mulf %of, %va : f32
    linalg.yield %v : f32
  } -> tensor<?xf32>
  %eb = tensor.empty(%n2) : tensor<?xf32>
  %b = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]} outs(%eb : tensor<?xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %odd = arith.remui %i, %c2 : index
    %oi = arith.index_cast %odd : index to i32
    %of = arith.sitofp %oi : i32 to f32
    %v = arith.mulf %of, %vb : f32
    linalg.yield %v : f32
  } -> tensor<?xf32>
  %sa = scf.for %i = %c0 to %n1 step %c1 iter_args(%acc = %zero) -> f32 {
    %v = tensor.extract %a[%i] : tensor<?xf32>
    %s = arith.addf %acc, %v : f32
    scf.yield %s : f32
  }
  %sb = scf.for %i = %c0 to %n2 step %c1 iter_args(%acc = %zero) -> f32 {
    %v = tensor.extract %b[%i] : tensor<?xf32>
    %s = arith.addf %acc, %v : f32
    scf.yield %s : f32
  }
  return %sa, %sb : f32, f32
}

func.func @main() {
  // Sizes in floats: 128 KiB and 96 KiB, then the same again (both reused),
  // then 256 KiB and 16 KiB (too big and too small for the kept blocks),
  // then 64 KiB twice (a kept block may serve at most twice its request).
  %sizes = arith.constant dense<[32768, 24576, 32768, 24576, 65536, 4096, 16384, 16384]> : vector<8xindex>
  %one = arith.constant 1.0 : f32
  %two = arith.constant 2.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c2 {
    %j = arith.addi %i, %c1 : index
    %n1 = vector.extract %sizes[%i] : index from vector<8xindex>
    %n2 = vector.extract %sizes[%j] : index from vector<8xindex>
    %sa, %sb = func.call @sums(%n1, %n2, %one, %two) : (index, index, f32, f32) -> (f32, f32)
    vector.print %sa : f32
    vector.print %sb : f32
  }
  return
}
// CHECK: 16384
// CHECK-NEXT: 24576
// CHECK-NEXT: 16384
// CHECK-NEXT: 24576
// CHECK-NEXT: 32768
// CHECK-NEXT: 4096
// CHECK-NEXT: 8192
// CHECK-NEXT: 16384
