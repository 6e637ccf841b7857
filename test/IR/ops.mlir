// RUN: quant-opt %s | FileCheck %s
// Round trip: printing then parsing again gives the same IR.
// RUN: quant-opt %s | quant-opt | FileCheck %s
// Generic form round trip.
// RUN: quant-opt %s -mlir-print-op-generic | quant-opt | FileCheck %s
// Bytecode round trip (read from a file: mlir-opt needs an aligned buffer).
// RUN: quant-opt %s -emit-bytecode -o %t.mlirbc
// RUN: quant-opt %t.mlirbc | FileCheck %s

// CHECK-LABEL: func.func @quantize_each_scheme
func.func @quantize_each_scheme(%x: tensor<64x32xf32>) {
  // CHECK: qblock.quantize %{{.*}} : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
  %0 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
  // Spelling the preset's defaults explicitly prints the short form.
  // CHECK: !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
  %1 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect, block = 32, select = mse, scale = e8m0>, axis = 0>
  // CHECK: #qblock.scheme<blockdialect, block = 16, select = two_stage>, axis = 1>
  %2 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect, select = two_stage, block = 16>, axis = 1>
  // CHECK: #qblock.scheme<mxfp4>
  %3 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 0>
  // CHECK: #qblock.scheme<nvfp4>
  %4 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<nvfp4>, axis = 0>
  // The NVFP4 preset's default block is 16; 32 is printed.
  // CHECK: #qblock.scheme<nvfp4, block = 32>
  %5 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<nvfp4, block = 32>, axis = 0>
  // CHECK: #qblock.scheme<int4>
  %6 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<int4>, axis = 0>
  // INT8 (an activation format): the one book without tables.
  // CHECK: #qblock.scheme<int8>
  %i8 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<book = #qblock.book<int8>, scale = f16>, axis = 0>
  // CHECK: #qblock.scheme<book = #qblock.book<int8>, scale = e8m0, block = 16>
  %i8e = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<int8, scale = e8m0, block = 16>, axis = 0>
  // A book + scale that matches a preset prints as the preset.
  // CHECK: #qblock.scheme<mxfp4>
  %7 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<book = #qblock.book<e2m1>, scale = e8m0>, axis = 0>
  // An E2M1 book with an F16 scale is no preset.
  // CHECK: #qblock.scheme<book = #qblock.book<e2m1>, scale = f16>
  %8 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4, scale = f16>, axis = 0>
  // CHECK: qblock.quantize %{{.*}} : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0>
  %9 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0>
  // CHECK: #qblock.bcq<bits = 2, group = 16, offset = false>
  %10 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<64x32xf32, #qblock.bcq<group = 16, offset = false, bits = 2>, axis = 0>
  return
}

// CHECK-LABEL: func.func @custom_books
func.func @custom_books(%x: tensor<8x64xf16>) {
  // A custom one-dialect book equal to E2M1 with an E4M3 scale is NVFP4.
  // CHECK: #qblock.scheme<nvfp4, block = 64>
  %0 = qblock.quantize %x : tensor<8x64xf16> -> !qblock.qtensor<8x64xf16, #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 4, 6, 8, 12]]>, scale = e4m3, block = 64>, axis = 1>
  // CHECK: #qblock.scheme<book = #qblock.book<{{\[}}[0, 1, 2, 3, 4, 5, 6, 8], [0, 2, 4, 6, 8, 10, 12, 16]]>, scale = e8m0>
  %1 = qblock.quantize %x : tensor<8x64xf16> -> !qblock.qtensor<8x64xf16, #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 4, 5, 6, 8], [0, 2, 4, 6, 8, 10, 12, 16]]>>, axis = 1>
  // CHECK: #qblock.scheme<book = #qblock.book<{{\[}}[0, 1, 2, 3, 4, 5, 6, 7]]>, scale = e8m0, block = 16>
  %2 = qblock.quantize %x : tensor<8x64xf16> -> !qblock.qtensor<8x64xf16, #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 4, 5, 6, 7]]>, block = 16>, axis = 1>
  return
}

// CHECK-LABEL: func.func @dequantize
func.func @dequantize(%q: !qblock.qtensor<?x64xbf16, #qblock.scheme<mxfp4>, axis = 1>) -> tensor<?x64xbf16> {
  // CHECK: qblock.dequantize %{{.*}} : !qblock.qtensor<?x64xbf16, #qblock.scheme<mxfp4>, axis = 1> -> tensor<?x64xbf16>
  %0 = qblock.dequantize %q : !qblock.qtensor<?x64xbf16, #qblock.scheme<mxfp4>, axis = 1> -> tensor<?x64xbf16>
  return %0 : tensor<?x64xbf16>
}

// CHECK-LABEL: func.func @matmul
func.func @matmul(%a: tensor<?x64xf32>, %w: !qblock.qtensor<64x48xf32, #qblock.scheme<blockdialect>, axis = 0>,
                  %wt: !qblock.qtensor<48x64xf32, #qblock.scheme<blockdialect>, axis = 1>,
                  %init: tensor<?x48xf32>) -> (tensor<?x48xf32>, tensor<?x48xf32>) {
  // CHECK: qblock.matmul ins(%{{.*}}, %{{.*}} : tensor<?x64xf32>, !qblock.qtensor<64x48xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%{{.*}} : tensor<?x48xf32>) -> tensor<?x48xf32>
  %0 = qblock.matmul ins(%a, %w : tensor<?x64xf32>, !qblock.qtensor<64x48xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<?x48xf32>) -> tensor<?x48xf32>
  // Transposed weight: N x K blocked along its last axis.
  // CHECK: qblock.matmul ins(%{{.*}}, %{{.*}} : tensor<?x64xf32>, !qblock.qtensor<48x64xf32, #qblock.scheme<blockdialect>, axis = 1>)
  %1 = qblock.matmul ins(%a, %wt : tensor<?x64xf32>, !qblock.qtensor<48x64xf32, #qblock.scheme<blockdialect>, axis = 1>) outs(%init : tensor<?x48xf32>) -> tensor<?x48xf32>
  return %0, %1 : tensor<?x48xf32>, tensor<?x48xf32>
}

// CHECK-LABEL: func.func @matmul_w4a4_batched
func.func @matmul_w4a4_batched(%a: !qblock.qtensor<4x?x64xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 2>,
                               %w: !qblock.qtensor<4x64x16xf32, #qblock.scheme<mxfp4>, axis = 1>,
                               %init: tensor<4x?x16xf32>) -> tensor<4x?x16xf32> {
  // CHECK: qblock.matmul ins(%{{.*}}, %{{.*}} : !qblock.qtensor<4x?x64xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 2>, !qblock.qtensor<4x64x16xf32, #qblock.scheme<mxfp4>, axis = 1>)
  %0 = qblock.matmul ins(%a, %w : !qblock.qtensor<4x?x64xf32, #qblock.scheme<blockdialect, select = two_stage>, axis = 2>, !qblock.qtensor<4x64x16xf32, #qblock.scheme<mxfp4>, axis = 1>) outs(%init : tensor<4x?x16xf32>) -> tensor<4x?x16xf32>
  return %0 : tensor<4x?x16xf32>
}

// CHECK-LABEL: func.func @lut_gemm
func.func @lut_gemm(%a: tensor<3x256xf32>, %w: !qblock.qtensor<256x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>,
                    %init: tensor<3x8xf32>) -> tensor<3x8xf32> {
  // CHECK: qblock.lut_gemm ins(%{{.*}}, %{{.*}} : tensor<3x256xf32>, !qblock.qtensor<256x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%{{.*}} : tensor<3x8xf32>) -> tensor<3x8xf32>
  %0 = qblock.lut_gemm ins(%a, %w : tensor<3x256xf32>, !qblock.qtensor<256x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%init : tensor<3x8xf32>) -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// A 2x32 MXFP4 tensor blocked along axis 1: 2 rows x 16 code bytes at offset
// 0, no dialect array (one-dialect book), 2 scale bytes at offset 64; 128
// bytes in all with 64-byte alignment.
// CHECK-LABEL: func.func @constant
func.func @constant() -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1> {
  // CHECK: qblock.constant dense<0> : tensor<128xi8> -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  %0 = qblock.constant dense<0> : tensor<128xi8> -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  return %0 : !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
}

// CHECK-LABEL: func.func @from_storage
func.func @from_storage(%bytes: tensor<128xi8>) -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1> {
  // CHECK: qblock.from_storage %{{.*}} : tensor<128xi8> -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  %0 = qblock.from_storage %bytes : tensor<128xi8> -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  return %0 : !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
}

// Zero-sized tensors are valid and need no bytes.
// CHECK-LABEL: func.func @zero_sized
func.func @zero_sized() -> !qblock.qtensor<0x32xf32, #qblock.scheme<mxfp4>, axis = 1> {
  // CHECK: qblock.constant dense<> : tensor<0xi8> -> !qblock.qtensor<0x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  %0 = qblock.constant dense<> : tensor<0xi8> -> !qblock.qtensor<0x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  return %0 : !qblock.qtensor<0x32xf32, #qblock.scheme<mxfp4>, axis = 1>
}

// CHECK-LABEL: func.func @resource_constant
func.func @resource_constant() -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1> {
  // CHECK: qblock.constant dense_resource<blob1> : tensor<128xi8>
  %0 = qblock.constant dense_resource<blob1> : tensor<128xi8> -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  return %0 : !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
}

// Lowering helpers: table lookups (f32 and byte tables) and byte dot products.
// CHECK-LABEL: func.func @lowering_helpers
// CHECK: qblock.lookup %{{.*}}[%{{.*}}] : vector<16xf32>, vector<16xi32> -> vector<16xf32>
// CHECK: qblock.lookup %{{.*}}[%{{.*}}] : vector<64xi8>, vector<64xi8> -> vector<64xi8>
// CHECK: qblock.dot_bytes %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi32>, vector<64xi8>
// CHECK: qblock.lookup %{{.*}}[%{{.*}}] : vector<32xf32>, vector<16xi32> -> vector<16xf32>
// CHECK: %[[W:.*]] = qblock.lookup %{{.*}}[%{{.*}}] : vector<32xbf16>, vector<32xi16> -> vector<32xbf16>
// CHECK: qblock.dot_bf16 %{{.*}}, %[[W]], %{{.*}} : vector<16xf32>, vector<32xbf16>
func.func @lowering_helpers(%t: vector<16xf32>, %i: vector<16xi32>, %bt: vector<64xi8>, %bi: vector<64xi8>, %acc: vector<16xi32>, %t2: vector<32xf32>) -> (vector<16xf32>, vector<16xi32>, vector<16xf32>) {
  %0 = qblock.lookup %t[%i] : vector<16xf32>, vector<16xi32> -> vector<16xf32>
  %1 = qblock.lookup %bt[%bi] : vector<64xi8>, vector<64xi8> -> vector<64xi8>
  %3 = qblock.dot_bytes %acc, %bi, %1 : vector<16xi32>, vector<64xi8>
  %4 = qblock.lookup %t2[%i] : vector<32xf32>, vector<16xi32> -> vector<16xf32>
  return %0, %3, %4 : vector<16xf32>, vector<16xi32>, vector<16xf32>
}

func.func @bf16_helpers(%row: vector<32xbf16>, %idx: vector<32xi16>, %a: vector<32xbf16>, %acc: vector<16xf32>) -> vector<16xf32> {
  %w = qblock.lookup %row[%idx] : vector<32xbf16>, vector<32xi16> -> vector<32xbf16>
  %r = qblock.dot_bf16 %acc, %w, %a : vector<16xf32>, vector<32xbf16>
  return %r : vector<16xf32>
}

// The packed bytes survive every round trip.
// CHECK: blob1: "0x10000000{{(00)+}}"
{-#
  dialect_resources: {
    builtin: {
      blob1: "0x100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}
