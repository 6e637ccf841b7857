// Which GPU kernel each qblock.matmul and qblock.lut_gemm gets, as MLIR
// optimization remarks (lib/Conversion/KernelRemarks.h), printed with
// --remarks-filter: the kernel chosen (and how a decode kernel splits K),
// tensor cores asked for but not taken (W4A4 with the table decode), and
// products no kernel takes
// (generic loop nests, one GPU thread per output), each with the reason.
// The CPU lowering that builds those loop nests reports nothing here
// (implicit-check-not): its qblock-cpu remarks would describe CPU kernels.
// The generic-loop-nests remark comes from the first of the two GPU passes,
// so it prints before the others. With M = 0 (@no_rows) nothing launches
// and nothing is reported.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --qblock-gpu-pipeline="tensor-cores=true" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=W4A16 --implicit-check-not="remark: ["
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect block=8" --qblock-select-formats --qblock-gpu-pipeline="tensor-cores=true" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=B8 --implicit-check-not="remark: ["
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect acts=blockdialect full-path=true" --qblock-fuse-activation-quant --qblock-select-formats --qblock-gpu-pipeline="tensor-cores=true weight-decode=table" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=W4A4 --implicit-check-not="remark: ["
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect acts=blockdialect full-path=true" --qblock-fuse-activation-quant --qblock-select-formats --qblock-gpu-pipeline="tensor-cores=true" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=W4A4MMA --implicit-check-not="remark: ["
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=3 group=64" --qblock-select-formats --qblock-gpu-pipeline --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=LUT --implicit-check-not="remark: ["
// The remark names the decode taken: with weight-decode=table the W4A16
// kernel looks codes up in workgroup memory (the remark said "in
// registers" whatever the decode; an adversarial run, 2026-12-07).
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --qblock-gpu-pipeline="weight-decode=table" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=TABLE
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --qblock-gpu-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// QUIET-NOT: remark: [

// Attention's scores of a dynamic batch: the keys, quantized at run time,
// have a dynamic shape, which no kernel takes.
// W4A4: kernel-remarks.mlir:[[@LINE+3]]:8: remark: [Missed] generic-loop-nests | Category:qblock-gpu | Function=scores_batched | Reason="its weight's shape is not static", Remark="qblock.matmul runs as generic loop nests (one GPU thread per output), not a GPU kernel"
// W4A4MMA: kernel-remarks.mlir:[[@LINE+2]]:8: remark: [Missed] generic-loop-nests | Category:qblock-gpu | Function=scores_batched | Reason="its weight's shape is not static", Remark="qblock.matmul runs as generic loop nests (one GPU thread per output), not a GPU kernel"
func.func @scores_batched(%q: tensor<?x4x64xf32>, %k: tensor<?x64x4xf32>, %init: tensor<?x4x4xf32>) -> tensor<?x4x4xf32> {
  %r = linalg.batch_matmul ins(%q, %k : tensor<?x4x64xf32>, tensor<?x64x4xf32>) outs(%init : tensor<?x4x4xf32>) -> tensor<?x4x4xf32>
  return %r : tensor<?x4x4xf32>
}

// Of a static shape they take the W4A4 kernels (since 2026-12-07; the
// run-time quantizer's loops write the keys' bytes first).
// W4A4: kernel-remarks.mlir:[[@LINE+4]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=scores | Reason="weight-decode=table; the integer tensor-core kernel builds its signed-byte operands by byte permutes (weight-decode=permute)", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// W4A4: kernel-remarks.mlir:[[@LINE+3]]:8: remark: [Passed] integer-kernel | Category:qblock-gpu | Function=scores | Remark="W4A4/W4A8 matmul decoding weights through a workgroup-memory table, k = 64, n = 4"
// W4A4MMA: kernel-remarks.mlir:[[@LINE+2]]:8: remark: [Passed] tensor-core-kernel | Category:qblock-gpu | Function=scores | Remark="W4A4/W4A8 matmul on tensor cores (mma.sync.m16n8k32.s8), k = 64, n = 4"
func.func @scores(%q: tensor<4x64xf32>, %k: tensor<64x4xf32>, %init: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = linalg.matmul ins(%q, %k : tensor<4x64xf32>, tensor<64x4xf32>) outs(%init : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// TABLE: kernel-remarks.mlir:[[@LINE+11]]:8: remark: [Passed] decode-kernel | Category:qblock-gpu | Function=gemv_f32 | Remark="W4A16 matmul decoding weights through a workgroup-memory table, k = 4096, n = 32; its one activation row splits K 4 ways"
// W4A16: kernel-remarks.mlir:[[@LINE+10]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=gemv_f32 | Reason="its activations are f32; the tensor-core kernel takes f16 or bf16", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// W4A16: kernel-remarks.mlir:[[@LINE+9]]:8: remark: [Passed] decode-kernel | Category:qblock-gpu | Function=gemv_f32 | Remark="W4A16 matmul decoding weights in registers (byte permutes), k = 4096, n = 32; its one activation row splits K 4 ways"
// B8: kernel-remarks.mlir:[[@LINE+8]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=gemv_f32 | Reason="its activations are f32; the tensor-core kernel takes f16 or bf16", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// B8: kernel-remarks.mlir:[[@LINE+7]]:8: remark: [Passed] decode-kernel | Category:qblock-gpu | Function=gemv_f32 | Remark="W4A16 matmul decoding weights in registers (byte permutes), k = 4096, n = 32; its one activation row splits K 4 ways"
// W4A4: kernel-remarks.mlir:[[@LINE+6]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=gemv_f32 | Reason="weight-decode=table; the integer tensor-core kernel builds its signed-byte operands by byte permutes (weight-decode=permute)", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// W4A4: kernel-remarks.mlir:[[@LINE+5]]:8: remark: [Passed] integer-kernel | Category:qblock-gpu | Function=gemv_f32 | Remark="W4A4/W4A8 matmul decoding weights through a workgroup-memory table, k = 4096, n = 32; its one activation row splits K 4 ways"
// W4A4MMA: kernel-remarks.mlir:[[@LINE+4]]:8: remark: [Passed] tensor-core-kernel | Category:qblock-gpu | Function=gemv_f32 | Remark="W4A4/W4A8 matmul on tensor cores (mma.sync.m16n8k32.s8), k = 4096, n = 32"
// LUT: kernel-remarks.mlir:[[@LINE+3]]:8: remark: [Passed] lut-gemm-kernel | Category:qblock-gpu | Function=gemv_f32 | Remark="LUT-GEMM, q = 3, group = 64, k = 4096, n = 32: mu = 8 tables in workgroup memory"
func.func @gemv_f32(%a: tensor<1x4096xf32>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %w = arith.constant dense<0.5> : tensor<4096x32xf32>
  %r = linalg.matmul ins(%a, %w : tensor<1x4096xf32>, tensor<4096x32xf32>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}

// W4A16: kernel-remarks.mlir:[[@LINE+10]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=rows_f32 | Reason="its activations are f32; the tensor-core kernel takes f16 or bf16", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// W4A16: kernel-remarks.mlir:[[@LINE+9]]:8: remark: [Passed] decode-kernel | Category:qblock-gpu | Function=rows_f32 | Remark="W4A16 matmul decoding weights in registers (byte permutes), k = 4096, n = 32; a call with one activation row splits K 4 ways"
// B8: kernel-remarks.mlir:[[@LINE+8]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=rows_f32 | Reason="its activations are f32; the tensor-core kernel takes f16 or bf16", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// B8: kernel-remarks.mlir:[[@LINE+7]]:8: remark: [Passed] decode-kernel | Category:qblock-gpu | Function=rows_f32 | Remark="W4A16 matmul decoding weights in registers (byte permutes), k = 4096, n = 32; a call with one activation row splits K 4 ways"
// W4A4: kernel-remarks.mlir:[[@LINE+6]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=rows_f32 | Reason="weight-decode=table; the integer tensor-core kernel builds its signed-byte operands by byte permutes (weight-decode=permute)", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// W4A4: kernel-remarks.mlir:[[@LINE+5]]:8: remark: [Passed] integer-kernel | Category:qblock-gpu | Function=rows_f32 | Remark="W4A4/W4A8 matmul decoding weights through a workgroup-memory table, k = 4096, n = 32; a call with one activation row splits K 4 ways"
// W4A4MMA: kernel-remarks.mlir:[[@LINE+4]]:8: remark: [Passed] tensor-core-kernel | Category:qblock-gpu | Function=rows_f32 | Remark="W4A4/W4A8 matmul on tensor cores (mma.sync.m16n8k32.s8), k = 4096, n = 32"
// LUT: kernel-remarks.mlir:[[@LINE+3]]:8: remark: [Passed] lut-gemm-kernel | Category:qblock-gpu | Function=rows_f32 | Remark="LUT-GEMM, q = 3, group = 64, k = 4096, n = 32: mu = 8 tables in workgroup memory"
func.func @rows_f32(%a: tensor<?x4096xf32>, %init: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %w = arith.constant dense<0.5> : tensor<4096x32xf32>
  %r = linalg.matmul ins(%a, %w : tensor<?x4096xf32>, tensor<4096x32xf32>) outs(%init : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}

// W4A16: kernel-remarks.mlir:[[@LINE+10]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=gemm_f32 | Reason="its activations are f32; the tensor-core kernel takes f16 or bf16", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// W4A16: kernel-remarks.mlir:[[@LINE+9]]:8: remark: [Passed] decode-kernel | Category:qblock-gpu | Function=gemm_f32 | Remark="W4A16 matmul decoding weights in registers (byte permutes), k = 4096, n = 32"
// B8: kernel-remarks.mlir:[[@LINE+8]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=gemm_f32 | Reason="its activations are f32; the tensor-core kernel takes f16 or bf16", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// B8: kernel-remarks.mlir:[[@LINE+7]]:8: remark: [Passed] decode-kernel | Category:qblock-gpu | Function=gemm_f32 | Remark="W4A16 matmul decoding weights in registers (byte permutes), k = 4096, n = 32"
// W4A4: kernel-remarks.mlir:[[@LINE+6]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=gemm_f32 | Reason="weight-decode=table; the integer tensor-core kernel builds its signed-byte operands by byte permutes (weight-decode=permute)", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// W4A4: kernel-remarks.mlir:[[@LINE+5]]:8: remark: [Passed] integer-kernel | Category:qblock-gpu | Function=gemm_f32 | Remark="W4A4/W4A8 matmul decoding weights through a workgroup-memory table, k = 4096, n = 32"
// W4A4MMA: kernel-remarks.mlir:[[@LINE+4]]:8: remark: [Passed] tensor-core-kernel | Category:qblock-gpu | Function=gemm_f32 | Remark="W4A4/W4A8 matmul on tensor cores (mma.sync.m16n8k32.s8), k = 4096, n = 32"
// LUT: kernel-remarks.mlir:[[@LINE+3]]:8: remark: [Passed] lut-gemm-kernel | Category:qblock-gpu | Function=gemm_f32 | Remark="LUT-GEMM, q = 3, group = 64, k = 4096, n = 32: mu = 8 tables in workgroup memory"
func.func @gemm_f32(%a: tensor<8x4096xf32>, %init: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %w = arith.constant dense<0.5> : tensor<4096x32xf32>
  %r = linalg.matmul ins(%a, %w : tensor<8x4096xf32>, tensor<4096x32xf32>) outs(%init : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}

// W4A16: kernel-remarks.mlir:[[@LINE+10]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=three_rows | Reason="its activations are f32; the tensor-core kernel takes f16 or bf16", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// W4A16: kernel-remarks.mlir:[[@LINE+9]]:8: remark: [Passed] decode-kernel | Category:qblock-gpu | Function=three_rows | Remark="W4A16 matmul decoding weights in registers (byte permutes), k = 4096, n = 32; its 3 activation rows split K 4 ways"
// B8: kernel-remarks.mlir:[[@LINE+8]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=three_rows | Reason="its activations are f32; the tensor-core kernel takes f16 or bf16", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// B8: kernel-remarks.mlir:[[@LINE+7]]:8: remark: [Passed] decode-kernel | Category:qblock-gpu | Function=three_rows | Remark="W4A16 matmul decoding weights in registers (byte permutes), k = 4096, n = 32; its 3 activation rows split K 4 ways"
// W4A4: kernel-remarks.mlir:[[@LINE+6]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=three_rows | Reason="weight-decode=table; the integer tensor-core kernel builds its signed-byte operands by byte permutes (weight-decode=permute)", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// W4A4: kernel-remarks.mlir:[[@LINE+5]]:8: remark: [Passed] integer-kernel | Category:qblock-gpu | Function=three_rows | Remark="W4A4/W4A8 matmul decoding weights through a workgroup-memory table, k = 4096, n = 32; its 3 activation rows split K 4 ways"
// W4A4MMA: kernel-remarks.mlir:[[@LINE+4]]:8: remark: [Passed] tensor-core-kernel | Category:qblock-gpu | Function=three_rows | Remark="W4A4/W4A8 matmul on tensor cores (mma.sync.m16n8k32.s8), k = 4096, n = 32"
// LUT: kernel-remarks.mlir:[[@LINE+3]]:8: remark: [Passed] lut-gemm-kernel | Category:qblock-gpu | Function=three_rows | Remark="LUT-GEMM, q = 3, group = 64, k = 4096, n = 32: mu = 8 tables in workgroup memory"
func.func @three_rows(%a: tensor<3x4096xf32>, %init: tensor<3x32xf32>) -> tensor<3x32xf32> {
  %w = arith.constant dense<0.5> : tensor<4096x32xf32>
  %r = linalg.matmul ins(%a, %w : tensor<3x4096xf32>, tensor<4096x32xf32>) outs(%init : tensor<3x32xf32>) -> tensor<3x32xf32>
  return %r : tensor<3x32xf32>
}

func.func @no_rows(%a: tensor<0x4096xf32>, %init: tensor<0x32xf32>) -> tensor<0x32xf32> {
  %w = arith.constant dense<0.5> : tensor<4096x32xf32>
  %r = linalg.matmul ins(%a, %w : tensor<0x4096xf32>, tensor<4096x32xf32>) outs(%init : tensor<0x32xf32>) -> tensor<0x32xf32>
  return %r : tensor<0x32xf32>
}

// W4A16: kernel-remarks.mlir:[[@LINE+9]]:8: remark: [Passed] tensor-core-kernel | Category:qblock-gpu | Function=gemv_f16 | Remark="W4A16 matmul on tensor cores (mma.sync.m16n8k16), k = 64, n = 32"
// B8: kernel-remarks.mlir:[[@LINE+8]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=gemv_f16 | Reason="blocks of 8; the tensor-core kernel takes blocks of a multiple of 16", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// B8: kernel-remarks.mlir:[[@LINE+7]]:8: remark: [Passed] decode-kernel | Category:qblock-gpu | Function=gemv_f16 | Remark="W4A16 matmul decoding weights in registers (byte permutes), k = 64, n = 32"
// W4A4: kernel-remarks.mlir:[[@LINE+6]]:8: remark: [Missed] tensor-core-kernel | Category:qblock-gpu | Function=gemv_f16 | Reason="weight-decode=table; the integer tensor-core kernel builds its signed-byte operands by byte permutes (weight-decode=permute)", Remark="tensor-cores=true, but this matmul decodes on the CUDA cores"
// W4A4: kernel-remarks.mlir:[[@LINE+5]]:8: remark: [Passed] integer-kernel | Category:qblock-gpu | Function=gemv_f16 | Remark="W4A4/W4A8 matmul decoding weights through a workgroup-memory table, k = 64, n = 32"
// W4A4MMA: kernel-remarks.mlir:[[@LINE+4]]:8: remark: [Passed] tensor-core-kernel | Category:qblock-gpu | Function=gemv_f16 | Remark="W4A4/W4A8 matmul on tensor cores (mma.sync.m16n8k32.s8), k = 64, n = 32"
// LUT: kernel-remarks.mlir:[[@LINE+3]]:8: remark: [Passed] lut-gemm-kernel | Category:qblock-gpu | Function=gemv_f16 | Remark="LUT-GEMM, q = 3, group = 64, k = 64, n = 32: mu = 8 tables in workgroup memory"
func.func @gemv_f16(%a: tensor<1x64xf16>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %w = arith.constant dense<0.5> : tensor<64x32xf16>
  %r = linalg.matmul ins(%a, %w : tensor<1x64xf16>, tensor<64x32xf16>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}
