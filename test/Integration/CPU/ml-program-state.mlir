// State in mutable ml_program globals (a KV cache, a step counter), which
// upstream's ml_program bufferization mishandles: a stored value that is
// also read afterwards went into the global as an uninitialized buffer, and
// a value loaded before a store to its global changed under the store
// (found by an adversarial run 2026-12-07; lib/Pipelines/CopyMutableGlobals.cpp).
// Float code, through both pipelines.
//
// RUN: quant-opt %s --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: quant-opt %s --qblock-gpu-emulation-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs,%qblock_lib_dir/libqblock_gpu_emulator.so | FileCheck %s

func.func private @printMemrefF32(tensor<*xf32>)

ml_program.global private mutable @g(dense<0.0> : tensor<4xf32>) : tensor<4xf32>

#id = affine_map<(i) -> (i)>

// g += v; returns the new g, which it also stores.
func.func @step(%v: f32) -> tensor<4xf32> {
  %c = ml_program.global_load @g : tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %n = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%c : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %v : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  ml_program.global_store @g = %n : tensor<4xf32>
  %e2 = tensor.empty() : tensor<4xf32>
  %r = linalg.copy ins(%n : tensor<4xf32>) outs(%e2 : tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// Stores %new and returns what g held before.
func.func @exchange(%new: tensor<4xf32>) -> tensor<4xf32> {
  %old = ml_program.global_load @g : tensor<4xf32>
  ml_program.global_store @g = %new : tensor<4xf32>
  return %old : tensor<4xf32>
}

func.func @print(%t: tensor<4xf32>) {
  %u = tensor.cast %t : tensor<4xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %one = arith.constant 1.0 : f32
  %a = call @step(%one) : (f32) -> tensor<4xf32>
  %b = call @step(%one) : (f32) -> tensor<4xf32>
  // CHECK: [2,  2,  2,  2]
  call @print(%b) : (tensor<4xf32>) -> ()
  %g = ml_program.global_load @g : tensor<4xf32>
  // CHECK: [2,  2,  2,  2]
  call @print(%g) : (tensor<4xf32>) -> ()
  %five = arith.constant dense<5.0> : tensor<4xf32>
  %old = call @exchange(%five) : (tensor<4xf32>) -> tensor<4xf32>
  // CHECK: [2,  2,  2,  2]
  call @print(%old) : (tensor<4xf32>) -> ()
  %now = ml_program.global_load @g : tensor<4xf32>
  // CHECK: [5,  5,  5,  5]
  call @print(%now) : (tensor<4xf32>) -> ()
  return
}
