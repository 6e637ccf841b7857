// After one-shot-bufferize, a call whose callee takes identity-layout
// memrefs gets a contiguous copy of a strided view instead of the cast that
// claims the view is contiguous (lib/Pipelines/CopyStridedCallOperands.cpp;
// test/Integration/CPU/call-with-slice.mlir runs what it fixes).
// RUN: quant-opt %s --qblock-copy-strided-call-operands | FileCheck %s
// The pipelines run it once before bufferization to mark the casts the
// user wrote, whose types are the user's promise (and whose callee may
// write through them): those stay.
// RUN: quant-opt %s --qblock-copy-strided-call-operands=mark-user-casts=true --qblock-copy-strided-call-operands | FileCheck %s --check-prefix=USER
// USER-NOT: memref.copy
// USER-NOT: qblock.user_cast

func.func private @two(memref<?x?xf32>, memref<?x?xf32>)
func.func private @one(memref<?xf32>)
func.func private @rows(memref<?x32xf32>)

// Rows 64 apart: copied, once for both operands of the call.
// CHECK-LABEL: func.func @strided
// CHECK-SAME: (%[[V:.*]]: memref<?x?xf32, strided<[64, 1]>>)
// CHECK: %[[M:.*]] = memref.dim %[[V]], %{{.*}}
// CHECK: %[[K:.*]] = memref.dim %[[V]], %{{.*}}
// CHECK: %[[COPY:.*]] = memref.alloc(%[[M]], %[[K]]) {alignment = 64 : i64} : memref<?x?xf32>
// CHECK: memref.copy %[[V]], %[[COPY]] : memref<?x?xf32, strided<[64, 1]>> to memref<?x?xf32>
// CHECK: call @two(%[[COPY]], %[[COPY]])
// CHECK-NOT: memref.cast
// CHECK: return
func.func @strided(%v: memref<?x?xf32, strided<[64, 1]>>) {
  %c = memref.cast %v : memref<?x?xf32, strided<[64, 1]>> to memref<?x?xf32>
  call @two(%c, %c) : (memref<?x?xf32>, memref<?x?xf32>) -> ()
  return
}

// Contiguous but starting past the buffer's beginning: the identity type
// would drop the offset, so this is copied too.
// CHECK-LABEL: func.func @offset
// CHECK: %[[COPY:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?xf32>
// CHECK: memref.copy
// CHECK: call @one(%[[COPY]])
func.func @offset(%v: memref<?xf32, strided<[1], offset: ?>>) {
  %c = memref.cast %v : memref<?xf32, strided<[1], offset: ?>> to memref<?xf32>
  call @one(%c) : (memref<?xf32>) -> ()
  return
}

// Contiguous from offset 0: the cast stays.
// CHECK-LABEL: func.func @contiguous
// CHECK: %[[C:.*]] = memref.cast
// CHECK-NOT: memref.copy
// CHECK: call @rows(%[[C]])
func.func @contiguous(%v: memref<?x32xf32, strided<[32, 1]>>) {
  %c = memref.cast %v : memref<?x32xf32, strided<[32, 1]>> to memref<?x32xf32>
  call @rows(%c) : (memref<?x32xf32>) -> ()
  return
}

// A function that returns such a view returns a copy: its callers (C
// ones too) are promised identity-layout memrefs.
// CHECK-LABEL: func.func @returned
// CHECK: %[[COPY:.*]] = memref.alloc(%{{.*}}, %{{.*}}) {alignment = 64 : i64} : memref<?x?xf32>
// CHECK: memref.copy
// CHECK: return %[[COPY]]
func.func @returned(%v: memref<?x?xf32, strided<[64, 1]>>) -> memref<?x?xf32> {
  %c = memref.cast %v : memref<?x?xf32, strided<[64, 1]>> to memref<?x?xf32>
  return %c : memref<?x?xf32>
}

// Two calls get a copy each; another use keeps the cast.
// CHECK-LABEL: func.func @two_calls
// CHECK: %[[C:.*]] = memref.cast
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: memref.copy
// CHECK: call @two(%[[A]], %[[A]])
// CHECK: %[[B:.*]] = memref.alloc
// CHECK: memref.copy
// CHECK: call @two(%[[B]], %[[B]])
// CHECK: memref.load %[[C]]
func.func @two_calls(%v: memref<?x?xf32, strided<[64, 1]>>) -> f32 {
  %c = memref.cast %v : memref<?x?xf32, strided<[64, 1]>> to memref<?x?xf32>
  call @two(%c, %c) : (memref<?x?xf32>, memref<?x?xf32>) -> ()
  call @two(%c, %c) : (memref<?x?xf32>, memref<?x?xf32>) -> ()
  %i = arith.constant 0 : index
  %x = memref.load %c[%i, %i] : memref<?x?xf32>
  return %x : f32
}
