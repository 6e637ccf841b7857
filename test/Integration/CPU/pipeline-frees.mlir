// A module that frees its own buffers failed deep in the pipelines, in
// upstream's ownership-based buffer deallocation ("memory free side-effect
// on MemRef value not supported!"), without naming the step or the fix.
// Every pipeline now says so at each memref.dealloc, first.
// RUN: split-file %s %t
// RUN: not quant-opt %t/frees.mlir --qblock-cpu-pipeline -o /dev/null 2>&1 | FileCheck %t/frees.mlir --check-prefix=CPU --implicit-check-not=error:
// RUN: not quant-opt %t/frees.mlir --qblock-gpu-pipeline -o /dev/null 2>&1 | FileCheck %t/frees.mlir --check-prefix=GPU --implicit-check-not=error:
// RUN: not quant-opt %t/frees.mlir --qblock-gpu-emulation-pipeline -o /dev/null 2>&1 | FileCheck %t/frees.mlir --check-prefix=EMU --implicit-check-not=error:
//
// Without the frees, the same memref-level module runs: the pipeline frees
// the buffers memref.alloc allocates (2 x 64 ones times 0.25: 16 each).
// RUN: quant-opt %t/kept.mlir --qblock-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %t/kept.mlir
// What the deallocation takes stays accepted: memref.realloc (expanded
// into an alloc and a copy first) and a free the user manages, marked
// bufferization.manual_deallocation with its allocation.
// RUN: quant-opt %t/allowed.mlir --qblock-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %t/allowed.mlir

//--- frees.mlir
memref.global "private" constant @w : memref<64x4xf32> = dense<0.25>
func.func private @printMemrefF32(memref<*xf32>)
func.func @main() {
  %x = memref.alloc() : memref<2x64xf32>
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%one : f32) outs(%x : memref<2x64xf32>)
  %w = memref.get_global @w : memref<64x4xf32>
  %o = memref.alloc() : memref<2x4xf32>
  linalg.fill ins(%zero : f32) outs(%o : memref<2x4xf32>)
  linalg.matmul ins(%x, %w : memref<2x64xf32>, memref<64x4xf32>) outs(%o : memref<2x4xf32>)
  %u = memref.cast %o : memref<2x4xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  // CPU: frees.mlir:[[@LINE+3]]:3: error: --qblock-cpu-pipeline frees every buffer itself (ownership-based buffer deallocation), which cannot take a module that frees its own; remove this 'memref.dealloc' (the pipeline frees the buffers memref.alloc allocates)
  // GPU: frees.mlir:[[@LINE+2]]:3: error: --qblock-gpu-pipeline frees every buffer itself
  // EMU: frees.mlir:[[@LINE+1]]:3: error: --qblock-gpu-emulation-pipeline frees every buffer itself
  memref.dealloc %x : memref<2x64xf32>
  // CPU: frees.mlir:[[@LINE+3]]:3: error: --qblock-cpu-pipeline frees every buffer itself
  // GPU: frees.mlir:[[@LINE+2]]:3: error: --qblock-gpu-pipeline frees every buffer itself
  // EMU: frees.mlir:[[@LINE+1]]:3: error: --qblock-gpu-emulation-pipeline frees every buffer itself
  memref.dealloc %o : memref<2x4xf32>
  return
}

// A tensor's dealloc_tensor becomes a memref.dealloc in bufferization, and
// then failed the same way.
func.func @tensor_free(%t: tensor<4xf32>) {
  // CPU: frees.mlir:[[@LINE+1]]:3: error: --qblock-cpu-pipeline frees every buffer itself (ownership-based buffer deallocation), which cannot take a module that frees its own; remove this 'bufferization.dealloc_tensor'
  bufferization.dealloc_tensor %t : tensor<4xf32>
  // GPU: frees.mlir:[[@LINE-1]]:3: error: --qblock-gpu-pipeline frees every buffer itself
  // EMU: frees.mlir:[[@LINE-2]]:3: error: --qblock-gpu-emulation-pipeline frees every buffer itself
  return
}

//--- kept.mlir
memref.global "private" constant @w : memref<64x4xf32> = dense<0.25>
func.func private @printMemrefF32(memref<*xf32>)
func.func @main() {
  %x = memref.alloc() : memref<2x64xf32>
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%one : f32) outs(%x : memref<2x64xf32>)
  %w = memref.get_global @w : memref<64x4xf32>
  %o = memref.alloc() : memref<2x4xf32>
  linalg.fill ins(%zero : f32) outs(%o : memref<2x4xf32>)
  linalg.matmul ins(%x, %w : memref<2x64xf32>, memref<64x4xf32>) outs(%o : memref<2x4xf32>)
  %u = memref.cast %o : memref<2x4xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}
// CHECK: Unranked Memref {{.*}} rank = 2 offset = 0 sizes = [2, 4]
// CHECK-NEXT: {{\[}}[16, 16, 16, 16],
// CHECK-NEXT: [16, 16, 16, 16]]

//--- allowed.mlir
func.func private @printMemrefF32(memref<*xf32>)
func.func @main() {
  %one = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<2xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<2xf32>)
  %b = memref.realloc %a : memref<2xf32> to memref<4xf32>
  linalg.fill ins(%one : f32) outs(%b : memref<4xf32>)
  %u = memref.cast %b : memref<4xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  %m = memref.alloc() {bufferization.manual_deallocation} : memref<3xf32>
  linalg.fill ins(%one : f32) outs(%m : memref<3xf32>)
  %v = memref.cast %m : memref<3xf32> to memref<*xf32>
  call @printMemrefF32(%v) : (memref<*xf32>) -> ()
  memref.dealloc %m {bufferization.manual_deallocation} : memref<3xf32>
  return
}
// CHECK: sizes = [4]
// CHECK-NEXT: [1,  1,  1,  1]
// CHECK: sizes = [3]
// CHECK-NEXT: [1,  1,  1]
