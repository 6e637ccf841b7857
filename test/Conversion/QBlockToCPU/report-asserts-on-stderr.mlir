// The pipelines rewrite host cf.asserts to write their message to stderr
// and abort: upstream's lowering puts() it to stdout, which abort() does
// not flush when stdout is a pipe or a file, so the message was lost.
// RUN: quant-opt %s --split-input-file --qblock-report-asserts-on-stderr | FileCheck %s

// CHECK-DAG: llvm.mlir.global private constant @__qblock_assert_message("n must be positive\0A")
// CHECK-DAG: llvm.func @write(i32, !llvm.ptr, i64) -> i64
// CHECK-DAG: llvm.func @abort()
// CHECK-LABEL: func.func @host
// CHECK: %[[FAILED:.*]] = arith.xori %arg0, %true
// CHECK: scf.if %[[FAILED]] {
// CHECK:   %[[MESSAGE:.*]] = llvm.mlir.addressof @__qblock_assert_message
// CHECK:   %[[STDERR:.*]] = llvm.mlir.constant(2 : i32)
// CHECK:   %[[LENGTH:.*]] = llvm.mlir.constant(19 : i64)
// CHECK:   llvm.call @write(%[[STDERR]], %[[MESSAGE]], %[[LENGTH]])
// CHECK:   llvm.call @abort()
// CHECK: }
// CHECK-NOT: cf.assert
// Inside a loop body too (an scf.if, not a block split).
// CHECK: scf.for
// CHECK: scf.if
// CHECK: llvm.call @abort()
// Device code has no write(): left alone.
// CHECK: gpu.launch
// CHECK: cf.assert %arg0, "in a kernel"
func.func @host(%ok: i1, %n: index) {
  cf.assert %ok, "n must be positive"
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    cf.assert %ok, "n must be positive"
  }
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    cf.assert %ok, "in a kernel"
    gpu.terminator
  }
  return
}

// -----

// A module whose own `write` is not the C library's keeps upstream's
// lowering of its asserts.
// CHECK-LABEL: func.func @write
// CHECK-LABEL: func.func @user
// CHECK: cf.assert %arg0, "kept"
// CHECK-NOT: llvm.func
func.func @write(%x: i32) {
  return
}
func.func @user(%ok: i1) {
  cf.assert %ok, "kept"
  return
}

// -----

// A user `abort` that is not an LLVM declaration: nothing is declared (not
// even `write`) and the assert stays.
// CHECK-NOT: llvm.func @write
// CHECK-LABEL: func.func private @abort()
// CHECK-LABEL: func.func @own_abort
// CHECK: cf.assert %arg0, "kept too"
func.func private @abort()
func.func @own_abort(%ok: i1) {
  cf.assert %ok, "kept too"
  return
}

// -----

// Asserts of a nested module (whose symbols the outer module's globals
// would not reach) are left alone.
// CHECK-LABEL: module @inner
// CHECK: cf.assert %arg0, "nested"
module {
  module @inner {
    func.func @f(%ok: i1) {
      cf.assert %ok, "nested"
      return
    }
  }
}
