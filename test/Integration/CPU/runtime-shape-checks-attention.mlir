// Attention's scores with a dynamic batch (batch x heads) under
// full-path=true: both operands are quantized at run time, and the keys'
// batch is checked against the queries'. Such products stayed in float
// until 2026-12-07 (the W4A4/W4A8 lowerings took no right-hand operand of
// dynamic batch). The keys' batch comes from the tensor their
// qblock.quantize reads; with another batch than the queries' the kernels
// would read past the keys' bytes or leave batches unwritten, so the
// program stops naming the product, on the CPU and through the GPU
// pipeline's loop nests. Queries of ones times keys of 0.5 give
// 64 x 0.5 = 32 (MXFP4 holds both exactly).

// RUN: sed 's/QB/2/g;s/KB/2/g' %s | quant-opt --qblock-quantize-linalg="scheme=mxfp4 acts=mxfp4 full-path=true" --qblock-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefix=OK
// The emulator's library is not loaded into an uninstrumented mlir-runner
// under ASan (scripts/test-sanitized.sh), so those runs skip there.
// RUN: %if !sanitized %{ sed 's/QB/2/g;s/KB/2/g' %s | quant-opt --qblock-quantize-linalg="scheme=mxfp4 acts=mxfp4 full-path=true" --qblock-gpu-emulation-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs,%qblock_lib_dir/libqblock_gpu_emulator.so | FileCheck %s --check-prefix=OK %}
// RUN: sed 's/QB/2/g;s/KB/3/g' %s | quant-opt --qblock-quantize-linalg="scheme=mxfp4 acts=mxfp4 full-path=true" --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: sed 's/QB/3/g;s/KB/2/g' %s | quant-opt --qblock-quantize-linalg="scheme=mxfp4 acts=int8 full-path=true" --qblock-cpu-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: %if !sanitized %{ sed 's/QB/3/g;s/KB/2/g' %s | quant-opt --qblock-quantize-linalg="scheme=mxfp4 acts=mxfp4 full-path=true" --qblock-gpu-emulation-pipeline \
// RUN:   | not --crash mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs,%qblock_lib_dir/libqblock_gpu_emulator.so 2>&1 | FileCheck %s --check-prefix=BAD %}

// OK: rank = 3 offset = 0 sizes = [2, 4, 8]
// OK-COUNT-8: [32,    32,    32,    32,    32,    32,    32,    32]
// BAD: at <stdin>:[[# @LINE + 3]]:8: the activations' batch size (lhs dimension 0) differs from the weight's (dimension 0 of the tensor its qblock.quantize reads)

func.func @scores(%q: tensor<?x4x64xf32>, %k: tensor<?x64x8xf32>, %init: tensor<?x4x8xf32>) -> tensor<?x4x8xf32> {
  %r = linalg.batch_matmul ins(%q, %k : tensor<?x4x64xf32>, tensor<?x64x8xf32>) outs(%init : tensor<?x4x8xf32>) -> tensor<?x4x8xf32>
  return %r : tensor<?x4x8xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %q = arith.constant dense<1.0> : tensor<QBx4x64xf32>
  %k = arith.constant dense<0.5> : tensor<KBx64x8xf32>
  %i = arith.constant dense<0.0> : tensor<QBx4x8xf32>
  %qd = tensor.cast %q : tensor<QBx4x64xf32> to tensor<?x4x64xf32>
  %kd = tensor.cast %k : tensor<KBx64x8xf32> to tensor<?x64x8xf32>
  %id = tensor.cast %i : tensor<QBx4x8xf32> to tensor<?x4x8xf32>
  %r = call @scores(%qd, %kd, %id) : (tensor<?x4x64xf32>, tensor<?x64x8xf32>, tensor<?x4x8xf32>) -> tensor<?x4x8xf32>
  %u = tensor.cast %r : tensor<?x4x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
