// Activations of dynamic K where --qblock-quantize-linalg puts something
// between its cast to the weight's K and the qblock op: the activation
// quantizer (W4A4 without qblock-fuse-activation-quant), the collapse of a
// batch that shares one 2-D weight into rows, a vector's expansion into a
// row. The matmul's own checks see only the static K after those, so a
// K of 32 or 128 against the weight's 64 went unchecked: garbage rows,
// silently dropped columns, or a corrupted heap (found by an adversarial
// run, 2026-12-06). The cast now comes with its own check.
// Right sizes first, so each case also runs (all-ones activations times
// weights of 0.5: 64 x 0.5 = 32 everywhere).
// DEFINE: %{run} = mlir-runner -entry-point-result=void -shared-libs=%mlir_runner_libs
// RUN: sed 's/KDIM/64/' %s | quant-opt --qblock-quantize-linalg="scheme=mxfp4 acts=blockdialect" --qblock-cpu-pipeline > %t.w4a4.mlir
// RUN: %{run} -e main_2d %t.w4a4.mlir | FileCheck %s --check-prefix=OK
// RUN: sed 's/KDIM/64/' %s | quant-opt --qblock-quantize-linalg="scheme=mxfp4" --qblock-cpu-pipeline > %t.ok.mlir
// RUN: %{run} -e main_batch %t.ok.mlir | FileCheck %s --check-prefix=OK
// RUN: %{run} -e main_vecmat %t.ok.mlir | FileCheck %s --check-prefix=OK
// RUN: %{run} -e main_matvec %t.ok.mlir | FileCheck %s --check-prefix=OK
// OK: 32, 32

// RUN: sed 's/KDIM/128/' %s | quant-opt --qblock-quantize-linalg="scheme=mxfp4 acts=blockdialect" --qblock-cpu-pipeline \
// RUN:   | not --crash %{run} -e main_2d 2>&1 | FileCheck %s --check-prefix=W4A4
// RUN: sed 's/KDIM/32/' %s | quant-opt --qblock-quantize-linalg="scheme=int4 acts=int8" --qblock-cpu-pipeline \
// RUN:   | not --crash %{run} -e main_2d 2>&1 | FileCheck %s --check-prefix=W4A4
// W4A4: linalg.matmul at <stdin>:[[# @LINE + 10]]:8: the activations' reduction size (dimension 1 of the input) differs from the weight's K = 64
func.func private @printMemrefF32(tensor<*xf32>)

func.func @mm(%a: tensor<?x?xf32>) -> tensor<?x8xf32> {
  %w = arith.constant dense<0.5> : tensor<64x8xf32>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %a, %c0 : tensor<?x?xf32>
  %e = tensor.empty(%m) : tensor<?x8xf32>
  %z = arith.constant 0.0 : f32
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %r = linalg.matmul ins(%a, %w : tensor<?x?xf32>, tensor<64x8xf32>) outs(%i : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

func.func @main_2d() {
  %a = arith.constant dense<1.0> : tensor<2xKDIMxf32>
  %d = tensor.cast %a : tensor<2xKDIMxf32> to tensor<?x?xf32>
  %r = call @mm(%d) : (tensor<?x?xf32>) -> tensor<?x8xf32>
  %u = tensor.cast %r : tensor<?x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// RUN: sed 's/KDIM/32/' %s | quant-opt --qblock-quantize-linalg="scheme=mxfp4" --qblock-cpu-pipeline \
// RUN:   | not --crash %{run} -e main_batch 2>&1 | FileCheck %s --check-prefix=BATCH
// RUN: sed 's/KDIM/128/' %s | quant-opt --qblock-quantize-linalg="scheme=bcq group=32" --qblock-cpu-pipeline \
// RUN:   | not --crash %{run} -e main_batch 2>&1 | FileCheck %s --check-prefix=BATCH
// BATCH: linalg.batch_matmul at <stdin>:[[# @LINE + 10]]:8: the activations' reduction size (dimension 2 of the input) differs from the weight's K = 64
func.func @shared(%x: tensor<?x?x?xf32>) -> tensor<?x?x8xf32> {
  %w = arith.constant dense<0.5> : tensor<64x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x?xf32>
  %m = tensor.dim %x, %c1 : tensor<?x?x?xf32>
  %e = tensor.empty(%b, %m) : tensor<?x?x8xf32>
  %z = arith.constant 0.0 : f32
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
         ins(%x, %w : tensor<?x?x?xf32>, tensor<64x8xf32>) outs(%i : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %r : tensor<?x?x8xf32>
}

func.func @main_batch() {
  %a = arith.constant dense<1.0> : tensor<2x1xKDIMxf32>
  %d = tensor.cast %a : tensor<2x1xKDIMxf32> to tensor<?x?x?xf32>
  %r = call @shared(%d) : (tensor<?x?x?xf32>) -> tensor<?x?x8xf32>
  %u = tensor.cast %r : tensor<?x?x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// RUN: sed 's/KDIM/32/' %s | quant-opt --qblock-quantize-linalg="scheme=blockdialect" --qblock-cpu-pipeline \
// RUN:   | not --crash %{run} -e main_vecmat 2>&1 | FileCheck %s --check-prefix=VECMAT
// VECMAT: linalg.vecmat at <stdin>:[[# @LINE + 6]]:8: the activations' reduction size (dimension 0 of the input) differs from the weight's K = 64
func.func @vm(%x: tensor<?xf32>) -> tensor<8xf32> {
  %w = arith.constant dense<0.5> : tensor<64x8xf32>
  %e = tensor.empty() : tensor<8xf32>
  %z = arith.constant 0.0 : f32
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = linalg.vecmat ins(%x, %w : tensor<?xf32>, tensor<64x8xf32>) outs(%i : tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

func.func @main_vecmat() {
  %a = arith.constant dense<1.0> : tensor<KDIMxf32>
  %d = tensor.cast %a : tensor<KDIMxf32> to tensor<?xf32>
  %r = call @vm(%d) : (tensor<?xf32>) -> tensor<8xf32>
  %u = tensor.cast %r : tensor<8xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// RUN: sed 's/KDIM/128/' %s | quant-opt --qblock-quantize-linalg="scheme=nvfp4" --qblock-cpu-pipeline \
// RUN:   | not --crash %{run} -e main_matvec 2>&1 | FileCheck %s --check-prefix=MATVEC
// MATVEC: linalg.matvec at <stdin>:[[# @LINE + 6]]:8: the activations' reduction size (dimension 0 of the input) differs from the weight's K = 64
func.func @mv(%x: tensor<?xf32>) -> tensor<8xf32> {
  %w = arith.constant dense<0.5> : tensor<8x64xf32>
  %e = tensor.empty() : tensor<8xf32>
  %z = arith.constant 0.0 : f32
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = linalg.matvec ins(%w, %x : tensor<8x64xf32>, tensor<?xf32>) outs(%i : tensor<8xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

func.func @main_matvec() {
  %a = arith.constant dense<1.0> : tensor<KDIMxf32>
  %d = tensor.cast %a : tensor<KDIMxf32> to tensor<?xf32>
  %r = call @mv(%d) : (tensor<?xf32>) -> tensor<8xf32>
  %u = tensor.cast %r : tensor<8xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
