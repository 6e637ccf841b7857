// Module settings the pipelines cannot honour end in one error that says
// what to change, instead of a failure deep in the lowering or code that
// cannot work (found by an adversarial run, 2026-12-07).
// RUN: quant-opt %s --qblock-cpu-pipeline -split-input-file -verify-diagnostics | FileCheck %s
// RUN: not quant-opt %s --qblock-gpu-emulation-pipeline -split-input-file 2>&1 | FileCheck %s --check-prefix=EMU
// RUN: not quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -split-input-file 2>&1 | FileCheck %s --check-prefix=GPU
// The pipeline accepts its own output (the one split that lowers): the
// allocation functions it defined are of the expected type.
// RUN: quant-opt %s --qblock-cpu-pipeline -split-input-file -verify-diagnostics | grep -v '^// --*$' | quant-opt --qblock-cpu-pipeline 2>&1 | FileCheck %s --check-prefix=AGAIN

// 32-bit indices: the lowering failed on an i32/i64 mismatch at the first
// allocation (the GPU pipeline: an unconverted memref struct).
// EMU: error: --qblock-gpu-emulation-pipeline lowers with 64-bit indices, but the module's data layout (dlti.dl_spec) makes index 32 bits wide; remove the index entry from it
// GPU: error: --qblock-gpu-pipeline lowers with 64-bit indices
// expected-error@+1 {{--qblock-cpu-pipeline lowers with 64-bit indices, but the module's data layout (dlti.dl_spec) makes index 32 bits wide; remove the index entry from it}}
module attributes {dlti.dl_spec = #dlti.dl_spec<index = 32 : i64>} {
  func.func @f(%n: index) -> tensor<?xf32> {
    %e = tensor.empty(%n) : tensor<?xf32>
    return %e : tensor<?xf32>
  }
}

// -----

// A user symbol named like the pipeline's allocation functions: upstream
// declared `_mlir_memref_to_llvm_free_0` and the like beside it, which
// nothing defines, and the program failed when loaded.
// EMU: error: @_mlir_memref_to_llvm_free is the name of a memory allocation function --qblock-gpu-emulation-pipeline defines; rename this symbol
// GPU: error: @_mlir_memref_to_llvm_free is the name of a memory allocation function --qblock-gpu-pipeline defines
// expected-error@+1 {{@_mlir_memref_to_llvm_free is the name of a memory allocation function --qblock-cpu-pipeline defines; rename this symbol}}
func.func private @_mlir_memref_to_llvm_free(%p: f32)
func.func @f(%n: index) -> tensor<?xf32> {
  %e = tensor.empty(%n) : tensor<?xf32>
  return %e : tensor<?xf32>
}

// -----

// A definition of the expected type is the user's own allocator, and used.
// CHECK-LABEL: llvm.func @_mlir_memref_to_llvm_alloc
// CHECK: llvm.call @my_alloc
// CHECK-LABEL: func @allocates
// CHECK: llvm.call @_mlir_memref_to_llvm_alloc
// AGAIN-NOT: error
// AGAIN-LABEL: llvm.func @_mlir_memref_to_llvm_alloc
// AGAIN: llvm.call @my_alloc
llvm.func @my_alloc(i64) -> !llvm.ptr
llvm.func @_mlir_memref_to_llvm_alloc(%size: i64) -> !llvm.ptr {
  %p = llvm.call @my_alloc(%size) : (i64) -> !llvm.ptr
  llvm.return %p : !llvm.ptr
}
func.func @allocates(%n: index) -> tensor<?xf32> {
  %e = tensor.empty(%n) : tensor<?xf32>
  return %e : tensor<?xf32>
}

// -----

// Loads of immutable ml_program globals become constants before
// bufferization (test/Integration/CPU/ml-program-weights.mlir); a global
// whose value the module does not hold cannot be lowered (upstream's
// bufferization failed with "op was not bufferized").
// EMU: error: --qblock-gpu-emulation-pipeline cannot lower this load: @external holds no value of the load's type in this module (an external global, or another type); give the global its value
// GPU: error: --qblock-gpu-pipeline cannot lower this load: @external holds no value
ml_program.global private @external(#ml_program.extern : tensor<4xf32>) : tensor<4xf32>
func.func @load_external() -> tensor<4xf32> {
  // expected-error@+1 {{--qblock-cpu-pipeline cannot lower this load: @external holds no value of the load's type in this module (an external global, or another type); give the global its value}}
  %w = ml_program.global_load_const @external : tensor<4xf32>
  return %w : tensor<4xf32>
}
