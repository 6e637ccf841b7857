// Module settings the pipelines cannot honour end in one error that says
// what to change, instead of a failure deep in the lowering or code that
// cannot work (found by an adversarial run, 2026-12-07).
// RUN: quant-opt %s --qblock-cpu-pipeline -split-input-file -verify-diagnostics | FileCheck %s
// Errors at the module do not print the whole module after them ("see
// current operation"; an adversarial run, 2026-12-07).
// RUN: not quant-opt %s --qblock-gpu-emulation-pipeline -split-input-file 2>&1 | FileCheck %s --check-prefix=EMU --implicit-check-not='"builtin.module"()'
// RUN: not quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -split-input-file 2>&1 | FileCheck %s --check-prefix=GPU --implicit-check-not='"builtin.module"()'

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
// The GPU pipeline's host code calls malloc and free instead.
// GPU-NOT: memory allocation function
// expected-error@+1 {{@_mlir_memref_to_llvm_free is the name of a memory allocation function --qblock-cpu-pipeline defines; rename this symbol}}
func.func private @_mlir_memref_to_llvm_free(%p: f32)
func.func @f(%n: index) -> tensor<?xf32> {
  %e = tensor.empty(%n) : tensor<?xf32>
  return %e : tensor<?xf32>
}

// -----

// Only one of the two: the pipeline would define the other, and its free
// would release blocks the user's alloc made.
// expected-error@+1 {{the module defines @_mlir_memref_to_llvm_alloc but not @_mlir_memref_to_llvm_free, which --qblock-cpu-pipeline would then define to go with it (its free would release blocks your alloc made, or the reverse); define both, or neither}}
llvm.func @_mlir_memref_to_llvm_alloc(%size: i64) -> !llvm.ptr {
  %p = llvm.mlir.zero : !llvm.ptr
  llvm.return %p : !llvm.ptr
}
func.func @allocates_with_half(%n: index) -> tensor<?xf32> {
  %e = tensor.empty(%n) : tensor<?xf32>
  return %e : tensor<?xf32>
}

// -----

// Loads of immutable ml_program globals become constants before
// bufferization (test/Integration/CPU/ml-program-weights.mlir); a global
// whose value the module does not hold cannot be lowered (upstream's
// bufferization failed with "op was not bufferized").
// EMU: error: --qblock-gpu-emulation-pipeline cannot lower this load: @external holds no value of the load's type in this module (an external global, or a value of another type); give the global its value
// GPU: error: --qblock-gpu-pipeline cannot lower this load: @external holds no value
ml_program.global private @external(#ml_program.extern : tensor<4xf32>) : tensor<4xf32>
func.func @load_external() -> tensor<4xf32> {
  // expected-error@+1 {{--qblock-cpu-pipeline cannot lower this load: @external holds no value of the load's type in this module (an external global, or a value of another type); give the global its value}}
  %w = ml_program.global_load_const @external : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

// A scalar global is a constant too.
// CHECK-LABEL: llvm.func @load_scalar
// CHECK: llvm.mlir.constant(1.500000e+00 : f32)
ml_program.global private @scale(1.5 : f32) : f32
func.func @load_scalar() -> f32 {
  %s = ml_program.global_load_const @scale : f32
  return %s : f32
}
