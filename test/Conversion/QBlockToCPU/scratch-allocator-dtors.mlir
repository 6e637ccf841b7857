// RUN: quant-opt %s --qblock-define-scratch-allocator | FileCheck %s

// A module has one llvm.global_dtors: the allocator's destructor, which
// frees the kept blocks when the module is unloaded, joins the module's own
// list instead of adding a second one (which would not translate).
// CHECK-COUNT-1: llvm.mlir.global_dtors
// CHECK-SAME: dtors = [@mine, @__qblock_scratch_free_kept], priorities = [5 : i32, 0 : i32], data = [#llvm.zero, #llvm.zero]
// CHECK-NOT: llvm.mlir.global_dtors
llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
llvm.func @mine() {
  llvm.return
}
llvm.mlir.global_dtors dtors = [@mine], priorities = [5 : i32], data = [#llvm.zero]
