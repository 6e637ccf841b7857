// qblock-stage-buffers-for-gpu (internal step of --qblock-gpu-pipeline):
// every host buffer a gpu.launch uses gets a device copy before it; only
// the buffers the kernel writes are copied back, so constant globals (in
// read-only host memory) never are. Constant globals the kernel only reads
// are not copied per launch at all: qblockCudaCachedUpload returns one
// device copy per loaded module (kept in a pointer global of the module,
// one per constant global), viewed as a memref of the same type.
// RUN: quant-opt %s --pass-pipeline="builtin.module(qblock-stage-buffers-for-gpu)" -split-input-file -verify-diagnostics | FileCheck %s

memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
memref.global "private" @bias : memref<2x2xf32> = dense<0.5>

// CHECK: llvm.mlir.global internal @__qblock_device_copy_table() {{.*}} : !llvm.ptr {
// CHECK-NEXT: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT: llvm.return %[[NULL]]
// CHECK: func.func private @qblockCudaCachedUpload(!llvm.ptr, i64, !llvm.ptr) -> !llvm.ptr
// CHECK-NOT: __qblock_device_copy_bias
// CHECK-LABEL: func.func @scale
// CHECK-SAME: (%[[IN:.*]]: memref<?xf32>, %[[OUT:.*]]: memref<?xf32>)
// CHECK: %[[TABLE:.*]] = memref.get_global @table
// CHECK: %[[BIAS:.*]] = memref.get_global @bias
// The constant table: its aligned pointer and 16 bytes go to the runtime,
// whose device pointer becomes both pointers of a descriptor of the same
// type.
// CHECK: %[[TPTR:.*]] = memref.extract_aligned_pointer_as_index %[[TABLE]]
// CHECK: %[[TI64:.*]] = arith.index_cast %[[TPTR]] : index to i64
// CHECK: %[[THOST:.*]] = llvm.inttoptr %[[TI64]]
// CHECK: %[[SLOT:.*]] = llvm.mlir.addressof @__qblock_device_copy_table
// CHECK: %[[TBYTES:.*]] = llvm.mlir.constant(16 : i64)
// CHECK: %[[TDEV:.*]] = call @qblockCudaCachedUpload(%[[THOST]], %[[TBYTES]], %[[SLOT]])
// CHECK: llvm.insertvalue %[[TDEV]], %{{.*}}[0]
// CHECK: llvm.insertvalue %[[TDEV]], %{{.*}}[1]
// CHECK: %[[DESC:.*]] = llvm.insertvalue %{{.*}}[4, 0]
// CHECK: %[[DTABLE:.*]] = builtin.unrealized_conversion_cast %[[DESC]] : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<4xf32>
// The others are copied around the launch.
// CHECK: %[[T0:.*]] = gpu.wait async
// CHECK: %[[DIN:.*]], %[[T1:.*]] = gpu.alloc async [%[[T0]]] (%{{.*}}) : memref<?xf32>
// CHECK: %[[T2:.*]] = gpu.memcpy async [%[[T1]]] %[[DIN]], %[[IN]]
// CHECK: %[[DBIAS:.*]], %[[T3:.*]] = gpu.alloc async [%[[T2]]] () : memref<2x2xf32>
// CHECK: %[[T4:.*]] = gpu.memcpy async [%[[T3]]] %[[DBIAS]], %[[BIAS]]
// CHECK: %[[DOUT:.*]], %[[T5:.*]] = gpu.alloc async [%[[T4]]] (%{{.*}}) : memref<?xf32>
// CHECK: %[[T6:.*]] = gpu.memcpy async [%[[T5]]] %[[DOUT]], %[[OUT]]
// CHECK: gpu.wait [%[[T6]]]
// CHECK: gpu.launch
// CHECK: memref.load %[[DIN]]
// CHECK: memref.load %[[DTABLE]]
// CHECK: memref.load %[[DBIAS]]
// CHECK: memref.subview %[[DOUT]]
// CHECK: gpu.terminator
// CHECK: %[[B0:.*]] = gpu.wait async
// CHECK: %[[B1:.*]] = gpu.dealloc async [%[[B0]]] %[[DIN]]
// CHECK: %[[B2:.*]] = gpu.dealloc async [%[[B1]]] %[[DBIAS]]
// Only the output, written through a subview, goes back; the cached table
// is never freed.
// CHECK-NOT: gpu.memcpy async [{{.*}}] %[[BIAS]]
// CHECK-NOT: gpu.memcpy async [{{.*}}] %[[IN]]
// CHECK-NOT: gpu.dealloc async [{{.*}}] %[[DTABLE]]
// CHECK: %[[B3:.*]] = gpu.memcpy async [%[[B2]]] %[[OUT]], %[[DOUT]]
// CHECK: %[[B4:.*]] = gpu.dealloc async [%[[B3]]] %[[DOUT]]
// CHECK: gpu.wait [%[[B4]]]
// CHECK-NEXT: return
func.func @scale(%in: memref<?xf32>, %out: memref<?xf32>) {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  %n = memref.dim %in, %c0 : memref<?xf32>
  %t = memref.get_global @table : memref<4xf32>
  %bias = memref.get_global @bias : memref<2x2xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %v = memref.load %in[%bx] : memref<?xf32>
    %s = memref.load %t[%c0] : memref<4xf32>
    %o = memref.load %bias[%c0, %c0] : memref<2x2xf32>
    %p0 = arith.mulf %v, %s : f32
    %p = arith.addf %p0, %o : f32
    %view = memref.subview %out[0] [%n] [1] : memref<?xf32> to memref<?xf32, strided<[1]>>
    memref.store %p, %view[%bx] : memref<?xf32, strided<[1]>>
    gpu.terminator
  }
  return
}

// -----

// A launch that uses no host buffer is left alone, and the runtime function
// is declared only where it is called.
// CHECK-NOT: qblockCudaCachedUpload
// CHECK-LABEL: func.func @no_buffers
// CHECK-NOT: gpu.wait
// CHECK: gpu.launch
func.func @no_buffers() {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    gpu.terminator
  }
  return
}

// -----

// A strided view made on the host cannot be copied as one block of bytes:
// the launch rebuilds it from its buffer (the subview cloned at the start
// of the body), and the whole buffer is staged instead.
// CHECK-LABEL: func.func @strided_view
// CHECK-SAME: (%[[BUF:.*]]: memref<8xf32>)
// CHECK: %[[DEV:.*]], %{{.*}} = gpu.alloc async [%{{.*}}] () : memref<8xf32>
// CHECK: gpu.memcpy async [%{{.*}}] %[[DEV]], %[[BUF]] : memref<8xf32>, memref<8xf32>
// CHECK: gpu.launch
// CHECK-NEXT: %[[VIEW:.*]] = memref.subview %[[DEV]][1] [4] [2] : memref<8xf32> to memref<4xf32, strided<[2], offset: 1>>
// CHECK-NEXT: memref.load %[[VIEW]][%{{.*}}] : memref<4xf32, strided<[2], offset: 1>>
func.func @strided_view(%buffer: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  %view = memref.subview %buffer[1] [4] [2] : memref<8xf32> to memref<4xf32, strided<[2], offset: 1>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %v = memref.load %view[%c0] : memref<4xf32, strided<[2], offset: 1>>
    gpu.terminator
  }
  return
}

// -----

// A strided buffer that is no view of an identity-layout one (here an
// argument) has nothing whole to stage.
func.func @strided(%buffer: memref<4xf32, strided<[2], offset: 1>>) {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  // expected-error @below {{uses a host buffer of type 'memref<4xf32, strided<[2], offset: 1>>' that the GPU pipeline cannot stage}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %v = memref.load %buffer[%c0] : memref<4xf32, strided<[2], offset: 1>>
    gpu.terminator
  }
  return
}

// -----

// A prefetch (the CPU lowering leaves them in the portable loop nests)
// writes nothing: the constant keeps its cached device copy.
memref.global "private" constant @weights : memref<64xi8> = dense<7>
// CHECK-LABEL: func.func @prefetched
// CHECK: call @qblockCudaCachedUpload
// CHECK-NOT: gpu.alloc
// CHECK: gpu.launch
// CHECK: memref.prefetch
func.func @prefetched() {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  %w = memref.get_global @weights : memref<64xi8>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.prefetch %w[%c0], read, locality<3>, data : memref<64xi8>
    %v = memref.load %w[%c0] : memref<64xi8>
    gpu.terminator
  }
  return
}

// -----

// A constant global the kernel may write as far as its ops tell (a call
// declares no effects) gets a device copy for the launch but is never
// copied back: the host copy is read-only memory, and copying into it
// crashed the program (found by the GPU emulator).
memref.global "private" constant @lookup : memref<4xf32> = dense<1.0>
func.func private @opaque(memref<4xf32>)
// CHECK-LABEL: func.func @maybe_written
// CHECK: %[[HOST:.*]] = memref.get_global @lookup
// CHECK: %[[DEV:.*]], %{{.*}} = gpu.alloc async
// CHECK: gpu.memcpy async [%{{.*}}] %[[DEV]], %[[HOST]]
// CHECK: gpu.launch
// CHECK: call @opaque(%[[DEV]])
// CHECK: gpu.terminator
// CHECK-NOT: gpu.memcpy
// CHECK: gpu.dealloc async [%{{.*}}] %[[DEV]]
func.func @maybe_written() {
  %c1 = arith.constant 1 : index
  %l = memref.get_global @lookup : memref<4xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    func.call @opaque(%l) : (memref<4xf32>) -> ()
    gpu.terminator
  }
  return
}
