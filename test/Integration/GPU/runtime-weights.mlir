// W4A16 with weights quantized at run time (a qblock.quantize of a function
// argument, which --qblock-select-formats cannot fold) and M = 3. @f runs
// the run-time quantizer's loops, then the decode kernel (since
// 2026-12-07). @g, whose weight has a dynamic batch, runs the generic loop
// nests; they read the de-interleaved activations through strided views,
// which the GPU pipeline used to refuse to stage ("cannot stage a host
// buffer of type memref<3x16xf32, strided<[32, 1]>>"); the launches now
// rebuild such views from their whole buffers. The PTX assembles
// everywhere; on a GPU the results match the CPU build.
// RUN: quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -o %t.gpu.mlir
// RUN: FileCheck %s --input-file=%t.gpu.mlir
// CHECK: llvm.func @f
// CHECK: gpu.launch_func
// RUN: quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=KERNELS
// KERNELS: runtime-weights.mlir:[[# @LINE + 24]]:8: remark: [Missed] generic-loop-nests | {{.*}} Reason="its weight's shape is not static"
// KERNELS: runtime-weights.mlir:[[# @LINE + 13]]:8: remark: [Passed] decode-kernel
// RUN: %if ptxas %{ %python %S/../../Conversion/GPU/Inputs/extract_ptx.py %t.gpu.mlir %t.k > /dev/null %}
// RUN: %if ptxas %{ for f in %t.k*.ptx; do ptxas -arch=sm_90a $f -o $f.cubin || exit 1; done %}
// RUN: %if cuda-gpu %{ quant-opt %s --qblock-gpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.gpu.out %}
// RUN: %if cuda-gpu %{ quant-opt %s --qblock-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.cpu.out %}
// RUN: %if cuda-gpu %{ %python %S/../CPU/Inputs/check_close.py %t.gpu.out %t.cpu.out | FileCheck %s --check-prefix=CLOSE %}
// CLOSE: check_close: PASS

func.func @f(%x: tensor<3x64xf32>, %w: tensor<64x5xf32>) -> tensor<3x5xf32> {
  %q = qblock.quantize %w : tensor<64x5xf32> -> !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %r = qblock.matmul ins(%x, %q : tensor<3x64xf32>, !qblock.qtensor<64x5xf32, #qblock.scheme<int4>, axis = 0>) outs(%init : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}

// The same product with a weight of dynamic batch, which no kernel takes.
func.func @g(%x: tensor<1x3x64xf32>, %w: tensor<?x64x5xf32>) -> tensor<1x3x5xf32> {
  %q = qblock.quantize %w : tensor<?x64x5xf32> -> !qblock.qtensor<?x64x5xf32, #qblock.scheme<int4>, axis = 1>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x5xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x5xf32>) -> tensor<1x3x5xf32>
  %r = qblock.matmul ins(%x, %q : tensor<1x3x64xf32>, !qblock.qtensor<?x64x5xf32, #qblock.scheme<int4>, axis = 1>) outs(%init : tensor<1x3x5xf32>) -> tensor<1x3x5xf32>
  return %r : tensor<1x3x5xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)

func.func @main() {
  %c7 = arith.constant 7 : index
  %c11 = arith.constant 11 : index
  %x0 = tensor.generate {
  ^bb0(%i: index, %j: index):
    %ij = arith.muli %i, %j : index
    %s = arith.addi %ij, %j : index
    %m = arith.remui %s, %c7 : index
    %v = arith.index_cast %m : index to i32
    %fv = arith.sitofp %v : i32 to f32
    %c = arith.constant 0.25 : f32
    %r = arith.mulf %fv, %c : f32
    tensor.yield %r : f32
  } : tensor<3x64xf32>
  %w0 = tensor.generate {
  ^bb0(%i: index, %j: index):
    %s = arith.addi %i, %j : index
    %ss = arith.muli %s, %s : index
    %m = arith.remui %ss, %c11 : index
    %v = arith.index_cast %m : index to i32
    %fv = arith.sitofp %v : i32 to f32
    %c = arith.constant -0.5 : f32
    %o = arith.constant 0.1 : f32
    %r = arith.mulf %fv, %o : f32
    %r2 = arith.addf %r, %c : f32
    tensor.yield %r2 : f32
  } : tensor<64x5xf32>
  %r = call @f(%x0, %w0) : (tensor<3x64xf32>, tensor<64x5xf32>) -> tensor<3x5xf32>
  %x1 = tensor.expand_shape %x0 [[0, 1], [2]] output_shape [1, 3, 64] : tensor<3x64xf32> into tensor<1x3x64xf32>
  %w1 = tensor.expand_shape %w0 [[0, 1], [2]] output_shape [1, 64, 5] : tensor<64x5xf32> into tensor<1x64x5xf32>
  %wd = tensor.cast %w1 : tensor<1x64x5xf32> to tensor<?x64x5xf32>
  %r1 = call @g(%x1, %wd) : (tensor<1x3x64xf32>, tensor<?x64x5xf32>) -> tensor<1x3x5xf32>
  // Both results in one tensor: check_close.py compares one printed tensor.
  %both0 = tensor.empty() : tensor<2x3x5xf32>
  %both1 = tensor.insert_slice %r into %both0[0, 0, 0] [1, 3, 5] [1, 1, 1] : tensor<3x5xf32> into tensor<2x3x5xf32>
  %both = tensor.insert_slice %r1 into %both1[1, 0, 0] [1, 3, 5] [1, 1, 1] : tensor<1x3x5xf32> into tensor<2x3x5xf32>
  %u = tensor.cast %both : tensor<2x3x5xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
