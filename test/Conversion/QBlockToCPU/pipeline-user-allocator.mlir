// A module that defines both allocation functions the CPU pipeline uses
// (`_mlir_memref_to_llvm_alloc` and `_free`, with their types) brings its
// own allocator, and the pipeline keeps it; the pipeline's own output,
// which defines both, goes through the pipeline again unchanged in that
// respect (test/Conversion/QBlockToCPU/pipeline-module-settings.mlir has
// the refusals).
// RUN: quant-opt %s --qblock-cpu-pipeline | FileCheck %s
// RUN: quant-opt %s --qblock-cpu-pipeline | quant-opt --qblock-cpu-pipeline | FileCheck %s
// RUN: sed '/^llvm.func @_mlir_memref/,/^}/d' %s | quant-opt --qblock-cpu-pipeline | quant-opt --qblock-cpu-pipeline | FileCheck %s --check-prefix=OWN
// OWN-LABEL: llvm.func internal @_mlir_memref_to_llvm_alloc
// OWN: @__qblock_scratch_slots

// Definitions of the expected type are the user's own allocator, and used.
// CHECK-LABEL: llvm.func @_mlir_memref_to_llvm_alloc
// CHECK: llvm.call @my_alloc
// CHECK-LABEL: llvm.func @_mlir_memref_to_llvm_free
// CHECK: llvm.call @my_free
// CHECK-LABEL: func @allocates
// CHECK: llvm.call @_mlir_memref_to_llvm_alloc
llvm.func @my_alloc(i64) -> !llvm.ptr
llvm.func @my_free(!llvm.ptr)
llvm.func @_mlir_memref_to_llvm_alloc(%size: i64) -> !llvm.ptr {
  %p = llvm.call @my_alloc(%size) : (i64) -> !llvm.ptr
  llvm.return %p : !llvm.ptr
}
llvm.func @_mlir_memref_to_llvm_free(%p: !llvm.ptr) {
  llvm.call @my_free(%p) : (!llvm.ptr) -> ()
  llvm.return
}
func.func @allocates(%n: index) -> tensor<?xf32> {
  %e = tensor.empty(%n) : tensor<?xf32>
  return %e : tensor<?xf32>
}

