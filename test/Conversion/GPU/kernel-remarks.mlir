// Which GPU kernel each qblock.matmul and qblock.lut_gemm gets, as MLIR
// optimization remarks (lib/Conversion/KernelRemarks.h), printed with
// --remarks-filter: the variant chosen, tensor cores asked for but not
// taken, and products no kernel takes (generic loop nests, one GPU thread
// per output), each with the reason.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --qblock-gpu-pipeline="tensor-cores=true" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=W4A16
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect acts=blockdialect full-path=true" --qblock-fuse-activation-quant --qblock-select-formats --qblock-gpu-pipeline --remarks-filter="qblock-gpu" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=W4A4
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=3 group=64" --qblock-select-formats --qblock-gpu-pipeline --remarks-filter="qblock-gpu" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=LUT
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --qblock-gpu-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// QUIET-NOT: remark: [

// Attention scores under full-path quantization: both operands are
// activations, so the "weight" is quantized at run time; no kernel reads
// that (the missed remark comes from the first of the two GPU passes, so
// it prints before the others).
// W4A4: kernel-remarks.mlir:[[@LINE+2]]:8: remark: [Missed] generic-loop-nests | Category:qblock-gpu | Function=scores | Reason="its weight is quantized at run time; the kernels read packed bytes (a qblock.constant or qblock.from_storage)", Remark="qblock.matmul runs as generic loop nests (one GPU thread per output), not a GPU kernel"
func.func @scores(%q: tensor<4x64xf32>, %k: tensor<64x4xf32>, %init: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = linalg.matmul ins(%q, %k : tensor<4x64xf32>, tensor<64x4xf32>) outs(%init : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// W4A16: kernel-remarks.mlir:[[@LINE+6]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=gemv_f32 | Reason="the tensor-core kernel takes f16 or bf16 activations (these are f32), blocks of a multiple of 16, book magnitudes the activation type holds exactly, and for batched weights N a multiple of 8", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// W4A16: kernel-remarks.mlir:[[@LINE+5]]:8: remark: [Passed] decode-kernel | Category:qblock-gpu | Function=gemv_f32 | Remark="W4A16 matmul decoding weights in registers, k = 4096, n = 32; up to 4 activation rows split K 4 ways"
// W4A4: kernel-remarks.mlir:[[@LINE+4]]:8: remark: [Passed] integer-kernel | Category:qblock-gpu | Function=gemv_f32 | Remark="W4A4/W4A8 matmul decoding weights in registers, k = 4096, n = 32; up to 4 activation rows split K 4 ways"
// LUT: kernel-remarks.mlir:[[@LINE+3]]:8: remark: [Passed] lut-gemm-kernel | Category:qblock-gpu | Function=gemv_f32 | Remark="LUT-GEMM, q = 3, group = 64, k = 4096, n = 32: mu = 8 tables in workgroup memory"
func.func @gemv_f32(%a: tensor<1x4096xf32>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %w = arith.constant dense<0.5> : tensor<4096x32xf32>
  %r = linalg.matmul ins(%a, %w : tensor<1x4096xf32>, tensor<4096x32xf32>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}

// W4A16: kernel-remarks.mlir:[[@LINE+5]]:8: remark: [Passed] tensor-core-kernel | Category:qblock-gpu | Function=gemv_f16 | Remark="W4A16 matmul on tensor cores (mma.sync.m16n8k16), k = 64, n = 32"
// W4A4: kernel-remarks.mlir:[[@LINE+4]]:8: remark: [Passed] integer-kernel | Category:qblock-gpu | Function=gemv_f16 | Remark="W4A4/W4A8 matmul decoding weights in registers, k = 64, n = 32"
// LUT: kernel-remarks.mlir:[[@LINE+3]]:8: remark: [Passed] lut-gemm-kernel | Category:qblock-gpu | Function=gemv_f16
func.func @gemv_f16(%a: tensor<1x64xf16>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %w = arith.constant dense<0.5> : tensor<64x32xf16>
  %r = linalg.matmul ins(%a, %w : tensor<1x64xf16>, tensor<64x32xf16>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}
