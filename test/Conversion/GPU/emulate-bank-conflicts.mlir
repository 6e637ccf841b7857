// RUN: quant-opt %s --qblock-emulate-gpu-on-cpu=bank-conflicts=true --verify-diagnostics | FileCheck %s

// With bank-conflicts=true every load and store of a workgroup buffer first
// reports (site, launch, store?, byte offset, bytes, thread, location text)
// to the runtime; the byte offset of [i, j] in a 4 x 64 f32 buffer is
// 4 * j + 256 * i. Each team ends with a tally of its block. Accesses of
// other memory are not reported; other uses of a workgroup buffer are
// warned about.
// CHECK-LABEL: func.func @f(
// CHECK: %[[SHARED:.*]] = memref.alloc() : memref<4x64xf32>
// CHECK: omp.parallel
// CHECK: %[[TID:.*]] = func.call @omp_get_thread_num()
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[J4:.*]] = arith.muli %[[J:.*]], %[[C4]] : index
// CHECK: %[[OFF1:.*]] = arith.addi %{{.*}}, %[[J4]] : index
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[I256:.*]] = arith.muli %[[I:.*]], %[[C256]] : index
// CHECK: %[[OFF:.*]] = arith.addi %[[OFF1]], %[[I256]] : index
// CHECK: %[[TEXT:.*]] = memref.get_global @__qblock_emu_access_location : memref<{{[0-9]+}}xi8>
// CHECK: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %[[TEXT]]
// CHECK: %[[ADDR:.*]] = arith.index_cast %[[PTR]] : index to i64
// CHECK: %[[OFF64:.*]] = arith.index_cast %[[OFF]] : index to i64
// CHECK: func.call @qblockEmuSharedAccess(%{{.*}}, %{{.*}}, %{{.*}}, %[[OFF64]], %{{.*}}, %[[TID]], %[[ADDR]], %{{.*}}) : (i32, i32, i32, i64, i32, i32, i64, i64) -> ()
// CHECK-NEXT: memref.store %{{.*}}, %[[SHARED]][%[[I]], %[[J]]]
// A 4 x f16 vector load: 8 bytes.
// CHECK: %[[C8:.*]] = arith.constant 8 : i32
// CHECK: func.call @qblockEmuSharedAccess(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C8]], %[[TID]], %{{.*}}, %{{.*}})
// CHECK-NEXT: vector.load %{{.*}} : memref<128xf16>, vector<4xf16>
// CHECK-NOT: qblockEmuSharedAccess
// CHECK: omp.terminator
// CHECK: func.call @qblockEmuTallyBankConflicts(
func.func @f(%out: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%t : memref<4x64xf32, #gpu.address_space<workgroup>>,
                       %h : memref<128xf16, #gpu.address_space<workgroup>>) {
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %v = arith.constant 1.0 : f32
    %i = arith.remui %tx, %c3 : index
    memref.store %v, %t[%i, %tx] : memref<4x64xf32, #gpu.address_space<workgroup>>
    %k = arith.muli %tx, %c2 : index
    %x = vector.load %h[%k] : memref<128xf16, #gpu.address_space<workgroup>>, vector<4xf16>
    memref.store %v, %out[%tx] : memref<64xf32>
    // expected-warning @+1 {{bank-conflicts: this use of workgroup memory is not counted}}
    %old = memref.atomic_rmw addf %v, %t[%i, %tx] : (f32, memref<4x64xf32, #gpu.address_space<workgroup>>) -> f32
    gpu.terminator
  }
  return
}
