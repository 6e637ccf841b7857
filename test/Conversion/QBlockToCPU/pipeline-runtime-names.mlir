// User symbols named like the runtime functions the pipelines' code calls
// end in an error at the symbol (found by an adversarial run over the GPU
// lowering, 2026-12-07). Before: a user `@mgpuLaunchKernel(i32) -> i32`
// was called as the kernel launch and the module translated without a
// word (the kernel would never run); `@mgpuStreamSynchronize` or `@malloc`
// of another type failed on an `llvm.call` type mismatch naming neither.
// RUN: quant-opt %s --qblock-cpu-pipeline -split-input-file -verify-diagnostics -o /dev/null
// RUN: not quant-opt %s --qblock-gpu-emulation-pipeline -split-input-file 2>&1 | FileCheck %s --check-prefixes=GPU,EMU
// RUN: not quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -split-input-file 2>&1 | FileCheck %s --check-prefixes=GPU,NVVM
// The GPU pipeline's output runs through it again: its own declarations
// of the runtime functions are not a clash.
// RUN: not quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -split-input-file \
// RUN:   --output-split-marker=//SPLIT 2>/dev/null | awk 'f; /^[/][/]SPLIT/ { f = 1 }' > %t.ok.mlir
// RUN: quant-opt %t.ok.mlir --qblock-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s --check-prefix=AGAIN

// The CPU pipeline's scratch allocator calls malloc(i64) -> ptr.
// expected-error@+3 {{@malloc is the C library function the code --qblock-cpu-pipeline emits calls, as '!llvm.func<ptr (i64)>'; rename this symbol}}
// EMU: error: @malloc is the C library function the code --qblock-gpu-emulation-pipeline emits calls, as '!llvm.func<ptr (i64)>'; rename this symbol
// NVVM: error: @malloc is the C library function the code --qblock-gpu-pipeline emits calls, as '!llvm.func<ptr (i64)>'; rename this symbol
func.func @malloc(%a: i32) -> i32 {
  return %a : i32
}
func.func @f(%x: tensor<3x64xf32>, %w: tensor<64x5xf32>) -> tensor<3x5xf32> {
  %q = qblock.quantize %w : tensor<64x5xf32> -> !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %r = qblock.matmul ins(%x, %q : tensor<3x64xf32>, !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>) outs(%init : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}

// -----

// CUDA runtime names mean nothing to the CPU pipeline.
// GPU: error: @mgpuLaunchKernel is named like the CUDA runtime functions (names starting with 'mgpu' or 'qblockCuda') that the host code of --qblock-gpu-pipeline calls; rename this symbol
// GPU: error: @qblockCudaCachedUpload is named like the CUDA runtime functions
// GPU: error: @mgpuStreamSynchronize is named like the CUDA runtime functions
func.func @mgpuLaunchKernel(%a: i32) -> i32 {
  return %a : i32
}
func.func private @qblockCudaCachedUpload(i32)
llvm.func @mgpuStreamSynchronize(%a: i32) -> i32 {
  llvm.return %a : i32
}
func.func @f(%x: tensor<3x64xf32>, %w: tensor<64x5xf32>) -> tensor<3x5xf32> {
  %q = qblock.quantize %w : tensor<64x5xf32> -> !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %r = qblock.matmul ins(%x, %q : tensor<3x64xf32>, !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>) outs(%init : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}

// -----

// The user's own declaration of malloc, of its type, is no clash.
// AGAIN: llvm.func @qblockCudaCachedUpload(
// AGAIN: llvm.func @ok_after_split(
// AGAIN: llvm.call @mgpuStreamCreate(
// AGAIN: gpu.launch_func
// AGAIN: llvm.func @mgpuStreamCreate(
func.func private @malloc(i64) -> !llvm.ptr
func.func @ok_after_split(%x: tensor<3x64xf32>, %w: tensor<64x5xf32>) -> tensor<3x5xf32> {
  %q = qblock.quantize %w : tensor<64x5xf32> -> !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %r = qblock.matmul ins(%x, %q : tensor<3x64xf32>, !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>) outs(%init : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}
