// W4A4/W4A8 with a weight of dynamic batch (an attention-like product of
// run-time values): the batch comes from the result's. Until 2026-12-07
// this had no lowering (found by a run-time-weights differential run);
// W4A16 already took it. Quantized activations (qblock.quantize) and
// online-quantized ones (act_scheme) both, on the CPU and through the
// emulated GPU pipeline's loop nests.
//
// Every value is exact in MXFP4, so the outputs are exact:
// x[b, m, k] = m + 1 and w[b, k, n] = 2^b * c[n] with c = 1, 1.5, 2, 3,
// so y[b, m, n] = 1 + 64 * (m + 1) * 2^b * c[n]. A lowering that mixed up
// batches, rows or columns would print other numbers.

// RUN: quant-opt %s --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: quant-opt %s --qblock-cpu-pipeline=target=generic \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// The tiled kernels (many rows), VNNI bytes on AVX-512 and f32 elsewhere:
// RUN: quant-opt %s --convert-qblock-to-cpu=w4a4-tile-rows=1 --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// RUN: quant-opt %s --convert-qblock-to-cpu="w4a4-tile-rows=1 target=generic" --qblock-cpu-pipeline=target=generic \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s
// The emulator's library is not loaded into an uninstrumented mlir-runner
// under ASan (scripts/test-sanitized.sh), so those runs skip there.
// RUN: %if !sanitized %{ quant-opt %s --qblock-gpu-emulation-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs,%qblock_lib_dir/libqblock_gpu_emulator.so | FileCheck %s %}

// Each product prints twice: quantized, then online-quantized activations.
// CHECK-COUNT-2: rank = 3 offset = 0 sizes = [2, 3, 4] strides = [12, 4, 1] data =
// CHECK-NEXT: {{\[\[\[}}65,   97,   129,   193],
// CHECK-NEXT: [129,   193,   257,   385],
// CHECK-NEXT: [193,   289,   385,   577]],
// CHECK-NEXT: {{\[\[}}129,   193,   257,   385],
// CHECK-NEXT: [257,   385,   513,   769],
// CHECK-NEXT: [385,   577,   769,   1153]]]

!W = !qblock.qtensor<?x64x4xf32, #qblock.scheme<mxfp4>, axis = 1>
!X = !qblock.qtensor<?x3x64xf32, #qblock.scheme<mxfp4>, axis = 2>

func.func @quantized(%x: tensor<?x3x64xf32>, %w: tensor<?x64x4xf32>, %init: tensor<?x3x4xf32>) -> tensor<?x3x4xf32> {
  %qw = qblock.quantize %w : tensor<?x64x4xf32> -> !W
  %qx = qblock.quantize %x : tensor<?x3x64xf32> -> !X
  %r = qblock.matmul ins(%qx, %qw : !X, !W) outs(%init : tensor<?x3x4xf32>) -> tensor<?x3x4xf32>
  return %r : tensor<?x3x4xf32>
}

func.func @online(%x: tensor<?x3x64xf32>, %w: tensor<?x64x4xf32>, %init: tensor<?x3x4xf32>) -> tensor<?x3x4xf32> {
  %qw = qblock.quantize %w : tensor<?x64x4xf32> -> !W
  %r = qblock.matmul ins(%x, %qw : tensor<?x3x64xf32>, !W) outs(%init : tensor<?x3x4xf32>) {act_scheme = #qblock.scheme<mxfp4>} -> tensor<?x3x4xf32>
  return %r : tensor<?x3x4xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %rows = arith.constant dense<[[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]> : tensor<2x3xf32>
  %ex = tensor.empty() : tensor<2x3x64xf32>
  %x = linalg.broadcast ins(%rows : tensor<2x3xf32>) outs(%ex : tensor<2x3x64xf32>) dimensions = [2]
  %cols = arith.constant dense<[[1.0, 1.5, 2.0, 3.0], [2.0, 3.0, 4.0, 6.0]]> : tensor<2x4xf32>
  %ew = tensor.empty() : tensor<2x64x4xf32>
  %w = linalg.broadcast ins(%cols : tensor<2x4xf32>) outs(%ew : tensor<2x64x4xf32>) dimensions = [1]
  %i = arith.constant dense<1.0> : tensor<2x3x4xf32>
  %xd = tensor.cast %x : tensor<2x3x64xf32> to tensor<?x3x64xf32>
  %wd = tensor.cast %w : tensor<2x64x4xf32> to tensor<?x64x4xf32>
  %id = tensor.cast %i : tensor<2x3x4xf32> to tensor<?x3x4xf32>
  %r1 = call @quantized(%xd, %wd, %id) : (tensor<?x3x64xf32>, tensor<?x64x4xf32>, tensor<?x3x4xf32>) -> tensor<?x3x4xf32>
  %u1 = tensor.cast %r1 : tensor<?x3x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u1) : (tensor<*xf32>) -> ()
  %r2 = call @online(%xd, %wd, %id) : (tensor<?x3x64xf32>, tensor<?x64x4xf32>, tensor<?x3x4xf32>) -> tensor<?x3x4xf32>
  %u2 = tensor.cast %r2 : tensor<?x3x4xf32> to tensor<*xf32>
  call @printMemrefF32(%u2) : (tensor<*xf32>) -> ()
  return
}
