// Which kernel each qblock.matmul and qblock.lut_gemm gets, as MLIR
// optimization remarks (lib/Conversion/KernelRemarks.h): silent by default,
// printed with --remarks-filter (a regular expression over the whole
// category name). A shape that misses a fast path says why.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --convert-qblock-to-cpu="target=avx512" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX512 --implicit-check-not="remark: ["
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --convert-qblock-to-cpu="target=avx2" --remarks-filter="qblock-cpu" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX2 --implicit-check-not="remark: ["
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect block=16" --qblock-select-formats --convert-qblock-to-cpu="target=avx2" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=B16 --implicit-check-not="remark: ["
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect acts=blockdialect" --qblock-fuse-activation-quant --qblock-select-formats --convert-qblock-to-cpu="target=avx512" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=W4A4 --implicit-check-not="remark: ["
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect acts=blockdialect" --qblock-fuse-activation-quant --qblock-select-formats --convert-qblock-to-cpu="target=avx2" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=W4A4AVX2 --implicit-check-not="remark: ["
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=2 group=128" --qblock-select-formats --convert-qblock-to-cpu="target=avx512 lut-tables=i8" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=LUT128 --implicit-check-not="remark: ["
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=2 group=32" --qblock-select-formats --convert-qblock-to-cpu="target=avx512" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=LUT32 --implicit-check-not="remark: ["
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=2 group=8" --qblock-select-formats --convert-qblock-to-cpu="target=generic" --remarks-filter="qblock.*" --remark-format=emitRemark -o /dev/null 2>&1 | FileCheck %s --check-prefix=LUT8 --implicit-check-not="remark: ["
// None without --remarks-filter, with a filter that is not a whole
// category name, with one for the GPU's category, or with kernel-remarks=false
// (what the GPU pipelines set).
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=2 group=32" --qblock-select-formats --convert-qblock-to-cpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --convert-qblock-to-cpu --remarks-filter="qblock" -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --convert-qblock-to-cpu --remarks-filter="qblock-gpu" -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=bcq bits=2 group=8" --qblock-select-formats --convert-qblock-to-cpu="kernel-remarks=false" --remarks-filter="qblock.*" -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUIET --allow-empty
// QUIET-NOT: remark: [

// AVX512: kernel-remarks.mlir:[[@LINE+12]]:8: remark: [Passed] w4a16-kernel | Category:qblock-cpu | Function=gemv_f32 | Remark="W4A16 matmul decoding weights in registers (avx512 lookups), f32 activations"
// AVX2: kernel-remarks.mlir:[[@LINE+11]]:8: remark: [Passed] w4a16-kernel | Category:qblock-cpu | Function=gemv_f32 | Remark="W4A16 matmul decoding weights in registers (avx2 lookups), f32 activations"
// B16: kernel-remarks.mlir:[[@LINE+10]]:8: remark: [Passed] w4a16-kernel | Category:qblock-cpu | Function=gemv_f32 | Remark="W4A16 matmul decoding weights in registers (avx2 lookups), f32 activations"
// W4A4: kernel-remarks.mlir:[[@LINE+9]]:8: remark: [Passed] integer-kernel | Category:qblock-cpu | Function=gemv_f32 | Remark="W4A4/W4A8 matmul on integer codes (avx512 lookups); activation rows from 9 on share decoded weight tiles, fewer rows run the AVX-512 VNNI GEMV kernel"
// W4A4AVX2: kernel-remarks.mlir:[[@LINE+8]]:8: remark: [Passed] integer-kernel | Category:qblock-cpu | Function=gemv_f32 | Remark="W4A4/W4A8 matmul on integer codes (avx2 lookups); activation rows from 4 on share decoded weight tiles, fewer rows run the portable GEMV kernel"
// LUT128: kernel-remarks.mlir:[[@LINE+7]]:8: remark: [Passed] lut-gemm-chunked | Category:qblock-cpu | Function=gemv_f32 | Remark="LUT-GEMM on the chunked vector path (16 output rows per vector, 512 inputs per chunk), int8 tables"
// LUT128: kernel-remarks.mlir:[[@LINE+6]]:8: remark: [Analysis] lut-gemm-tail-rows | Category:qblock-cpu | Function=gemv_f32 | Remark="the last 8 of N = 40 output rows run row by row (the vector path takes rows in tiles of 16), with f32 tables"
// LUT32: kernel-remarks.mlir:[[@LINE+5]]:8: remark: [Passed] lut-gemm-chunked | Category:qblock-cpu | Function=gemv_f32 | Remark="LUT-GEMM on the chunked vector path (16 output rows per vector, 512 inputs per chunk), f32 tables"
// LUT32: kernel-remarks.mlir:[[@LINE+4]]:8: remark: [Analysis] lut-gemm-tail-rows | Category:qblock-cpu | Function=gemv_f32 | Remark="the last 8 of N = 40 output rows run row by row (the vector path takes rows in tiles of 16)"
// LUT8: kernel-remarks.mlir:[[@LINE+3]]:8: remark: [Missed] lut-gemm-vector | Category:qblock-cpu | Function=gemv_f32 | Reason="K = 1024 with groups of 8; the vector paths need K and the group multiples of 32", Remark="LUT-GEMM row by row, without the vector path"
func.func @gemv_f32(%a: tensor<1x1024xf32>, %init: tensor<1x40xf32>) -> tensor<1x40xf32> {
  %w = arith.constant dense<0.5> : tensor<1024x40xf32>
  %r = linalg.matmul ins(%a, %w : tensor<1x1024xf32>, tensor<1024x40xf32>) outs(%init : tensor<1x40xf32>) -> tensor<1x40xf32>
  return %r : tensor<1x40xf32>
}

// AVX512: kernel-remarks.mlir:[[@LINE+11]]:8: remark: [Passed] w4a16-kernel | Category:qblock-cpu | Function=gemv_bf16 | Remark="W4A16 matmul decoding weights in registers (avx512 lookups), bf16 activations; one-row tiles multiply them in bf16 (vdpbf16ps)"
// AVX2: kernel-remarks.mlir:[[@LINE+10]]:8: remark: [Passed] w4a16-kernel | Category:qblock-cpu | Function=gemv_bf16 | Remark="W4A16 matmul decoding weights in registers (avx2 lookups), bf16 activations"
// AVX2: kernel-remarks.mlir:[[@LINE+9]]:8: remark: [Missed] bf16-tiles | Category:qblock-cpu | Function=gemv_bf16 | Reason="target=avx2 has no AVX512-BF16", Remark="bf16 activations are widened to f32 and multiplied in f32", Suggestion="target=avx512 where the CPU that runs the code has AVX512-BF16 (Zen 4, Sapphire Rapids and later)"
// B16: kernel-remarks.mlir:[[@LINE+8]]:8: remark: [Passed] w4a16-kernel | Category:qblock-cpu | Function=gemv_bf16 | Remark="W4A16 matmul decoding weights in registers (avx2 lookups), bf16 activations"
// B16: kernel-remarks.mlir:[[@LINE+7]]:8: remark: [Missed] bf16-tiles | Category:qblock-cpu | Function=gemv_bf16 | Reason="target=avx2 has no AVX512-BF16; blocks of 16 (the bf16 tiles take multiples of 32)", Remark="bf16 activations are widened to f32 and multiplied in f32", Suggestion="target=avx512 where the CPU that runs the code has AVX512-BF16 (Zen 4, Sapphire Rapids and later), and blocks of 32 (block=32)"
// W4A4: kernel-remarks.mlir:[[@LINE+6]]:8: remark: [Passed] integer-kernel | Category:qblock-cpu | Function=gemv_bf16 | Remark="W4A4/W4A8 matmul on integer codes (avx512 lookups); activation rows from 9 on share decoded weight tiles, fewer rows run the AVX-512 VNNI GEMV kernel"
// W4A4AVX2: kernel-remarks.mlir:[[@LINE+5]]:8: remark: [Passed] integer-kernel | Category:qblock-cpu | Function=gemv_bf16 | Remark="W4A4/W4A8 matmul on integer codes (avx2 lookups); activation rows from 4 on share decoded weight tiles, fewer rows run the portable GEMV kernel"
// LUT32: kernel-remarks.mlir:[[@LINE+4]]:8: remark: [Missed] lut-gemm-chunked | Category:qblock-cpu | Function=gemv_bf16 | Reason="K = 64 with groups of 32; the chunked path needs K a multiple of 512 and a group that is a multiple of 32 and divides 512", Remark="LUT-GEMM on the gather path: each word of 16 rows' bit planes is a gather, not a load and a transpose"
// LUT8: kernel-remarks.mlir:[[@LINE+3]]:8: remark: [Missed] lut-gemm-vector | Category:qblock-cpu | Function=gemv_bf16 | Reason="K = 64 with groups of 8; the vector paths need K and the group multiples of 32", Remark="LUT-GEMM row by row, without the vector path"
func.func @gemv_bf16(%a: tensor<1x64xbf16>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %w = arith.constant dense<0.5> : tensor<64x32xbf16>
  %r = linalg.matmul ins(%a, %w : tensor<1x64xbf16>, tensor<64x32xbf16>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %r : tensor<1x32xf32>
}

// AVX512: kernel-remarks.mlir:[[@LINE+10]]:8: remark: [Passed] w4a16-kernel | Category:qblock-cpu | Function=narrow | Remark="W4A16 matmul decoding weights in registers (avx512 lookups), f32 activations"
// AVX2: kernel-remarks.mlir:[[@LINE+9]]:8: remark: [Passed] w4a16-kernel | Category:qblock-cpu | Function=narrow | Remark="W4A16 matmul decoding weights in registers (avx2 lookups), f32 activations"
// B16: kernel-remarks.mlir:[[@LINE+8]]:8: remark: [Passed] w4a16-kernel | Category:qblock-cpu | Function=narrow | Remark="W4A16 matmul decoding weights in registers (avx2 lookups), f32 activations"
// W4A4: kernel-remarks.mlir:[[@LINE+7]]:8: remark: [Passed] integer-kernel | Category:qblock-cpu | Function=narrow | Remark="W4A4/W4A8 matmul on integer codes (avx512 lookups); activation rows from 9 on share decoded weight tiles, fewer rows run the AVX-512 VNNI GEMV kernel"
// W4A4AVX2: kernel-remarks.mlir:[[@LINE+6]]:8: remark: [Passed] integer-kernel | Category:qblock-cpu | Function=narrow | Remark="W4A4/W4A8 matmul on integer codes (avx2 lookups); activation rows from 4 on share decoded weight tiles, fewer rows run the portable GEMV kernel"
// LUT128: kernel-remarks.mlir:[[@LINE+5]]:8: remark: [Missed] lut-gemm-vector | Category:qblock-cpu | Function=narrow | Reason="N = 8; the vector paths take output rows in tiles of 16 (one per lane)", Remark="LUT-GEMM row by row, without the vector path"
// LUT32: kernel-remarks.mlir:[[@LINE+4]]:8: remark: [Missed] lut-gemm-vector | Category:qblock-cpu | Function=narrow | Reason="N = 8; the vector paths take output rows in tiles of 16 (one per lane)", Remark="LUT-GEMM row by row, without the vector path"
// LUT8: kernel-remarks.mlir:[[@LINE+3]]:8: remark: [Missed] lut-gemm-vector | Category:qblock-cpu | Function=narrow | Reason="K = 512 with groups of 8; the vector paths need K and the group multiples of 32", Remark="LUT-GEMM row by row, without the vector path"
func.func @narrow(%a: tensor<1x512xf32>, %init: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %w = arith.constant dense<0.5> : tensor<512x8xf32>
  %r = linalg.matmul ins(%a, %w : tensor<1x512xf32>, tensor<512x8xf32>) outs(%init : tensor<1x8xf32>) -> tensor<1x8xf32>
  return %r : tensor<1x8xf32>
}
