// RUN: quant-opt %s -split-input-file -verify-diagnostics

// expected-error@+1 {{unknown formatbook 'fp5'; expected dialectfp4, e2m1, int4, int8 or a table of dialects such as [[0, 1, 2, 3, 4, 6, 8, 12]]}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.scheme<book = #qblock.book<fp5>>, axis = 0>)

// -----

// expected-error@+1 {{invalid formatbook: dialect 0 has 7 magnitudes; each dialect needs exactly 8}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 4, 6, 8]]>>, axis = 0>)

// -----

// expected-error@+1 {{invalid formatbook: dialect 0 magnitude 7 is 200; magnitudes must be in [0, 127]}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 4, 6, 8, 200]]>>, axis = 0>)

// -----

// expected-error@+1 {{invalid formatbook: dialect 1 must start at 0 so zero is representable}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 4, 6, 8, 12], [1, 2, 3, 4, 5, 6, 8, 12]]>>, axis = 0>)

// -----

// expected-error@+1 {{invalid formatbook: dialect 0 magnitudes must be strictly increasing (6 follows 6)}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.scheme<book = #qblock.book<[[0, 1, 2, 3, 6, 6, 8, 12]]>>, axis = 0>)

// -----

// expected-error@+1 {{invalid formatbook: a formatbook needs 1 to 16 dialects, got 17}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.scheme<book = #qblock.book<[[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7],[0,1,2,3,4,5,6,7]]>>, axis = 0>)

// -----

// expected-error@+1 {{unknown scheme 'mxfp8'; expected blockdialect, mxfp4, nvfp4, int4, int8 or book = #qblock.book<...>}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.scheme<mxfp8>, axis = 0>)

// -----

// expected-error@+1 {{unknown scheme parameter 'size'; expected block, select or scale}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.scheme<mxfp4, size = 32>, axis = 0>)

// -----

// expected-error@+1 {{scheme parameter 'block' given twice}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.scheme<mxfp4, block = 32, block = 16>, axis = 0>)

// -----

// expected-error@+1 {{unknown selection rule 'best'; expected mse or two_stage}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.scheme<blockdialect, select = best>, axis = 0>)

// -----

// expected-error@+1 {{unknown scale kind 'e5m2'; expected e8m0, e4m3 or f16}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.scheme<blockdialect, scale = e5m2>, axis = 0>)

// -----

// expected-error@+1 {{block size must be in [2, 4096], got 0}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.scheme<blockdialect, block = 0>, axis = 0>)

// -----

// expected-error@+1 {{block size must be even so that two 4-bit codes share a byte, got 7}}
func.func private @f(!qblock.qtensor<28xf32, #qblock.scheme<blockdialect, block = 7>, axis = 0>)

// -----

// expected-error@+1 {{BCQ bits must be in 1..4, got 9}}
func.func private @f(!qblock.qtensor<128xf32, #qblock.bcq<bits = 9, group = 128>, axis = 0>)

// -----

// expected-error@+1 {{BCQ group size must be a positive multiple of 8 (one byte per bit plane), got 12}}
func.func private @f(!qblock.qtensor<128xf32, #qblock.bcq<bits = 3, group = 12>, axis = 0>)

// -----

// expected-error@+1 {{a BCQ scheme needs both bits and group, e.g. #qblock.bcq<bits = 3, group = 128>}}
func.func private @f(!qblock.qtensor<128xf32, #qblock.bcq<bits = 3>, axis = 0>)

// -----

// expected-error@+1 {{unknown BCQ parameter 'planes'; expected bits, group, offset or fit}}
func.func private @f(!qblock.qtensor<128xf32, #qblock.bcq<planes = 3, group = 128>, axis = 0>)

// -----

// expected-error@+1 {{BCQ parameter 'bits' given twice}}
func.func private @f(!qblock.qtensor<128xf32, #qblock.bcq<bits = 3, bits = 2, group = 128>, axis = 0>)

// -----

// expected-error@+1 {{offset must be true or false}}
func.func private @f(!qblock.qtensor<128xf32, #qblock.bcq<bits = 3, group = 128, offset = yes>, axis = 0>)

// -----

// expected-error@+1 {{fit = uniform converts uniform INT-q to BCQ with an offset term; drop offset = false}}
func.func private @f(!qblock.qtensor<128xf32, #qblock.bcq<bits = 3, group = 128, offset = false, fit = uniform>, axis = 0>)

// -----

// expected-error@+1 {{fit must be alternating or uniform}}
func.func private @f(!qblock.qtensor<128xf32, #qblock.bcq<bits = 3, group = 128, fit = greedy>, axis = 0>)

// -----

// expected-error@+1 {{a quantized tensor needs rank >= 1}}
func.func private @f(!qblock.qtensor<f32, #qblock.scheme<mxfp4>, axis = 0>)

// -----

// expected-error@+1 {{the shape has more elements than fit in 64 bits}}
func.func private @f(!qblock.qtensor<4294967296x4294967296x32xf32, #qblock.scheme<mxfp4>, axis = 2>)

// -----

// Fits in 64 bits, but its packed size did not (it wrapped to a negative
// byte count); 2^59 elements still verify.
// expected-error@+1 {{the shape has 2305843009213698048 elements; a quantized tensor's packed layout addresses at most 2^59 (576460752303423488)}}
func.func private @f(!qblock.qtensor<2305843009213698048xf32, #qblock.scheme<mxfp4>, axis = 0>)

// -----

func.func private @g(!qblock.qtensor<576460752303423488xf32, #qblock.scheme<int8, scale = f16, block = 2>, axis = 0>)

// -----

// expected-error@+1 {{element type must be f32, f16 or bf16, got 'i8'}}
func.func private @f(!qblock.qtensor<32xi8, #qblock.scheme<mxfp4>, axis = 0>)

// -----

// expected-error@+1 {{scheme must be a #qblock.scheme<...> or #qblock.bcq<...> attribute, got #qblock.book<e2m1>}}
func.func private @f(!qblock.qtensor<32xf32, #qblock.book<e2m1>, axis = 0>)

// -----

// expected-error@+1 {{axis 2 is out of range for rank 2; the blocked axis must be in [0, 2)}}
func.func private @f(!qblock.qtensor<32x32xf32, #qblock.scheme<mxfp4>, axis = 2>)

// -----

// expected-error@+1 {{the blocked axis 1 must have a static size}}
func.func private @f(!qblock.qtensor<32x?xf32, #qblock.scheme<mxfp4>, axis = 1>)

// -----

// expected-error@+1 {{axis 0 has size 100, which is not a multiple of the block size 32; use a block size that divides 100 (the largest below 32 is 20)}}
func.func private @f(!qblock.qtensor<100x8xf32, #qblock.scheme<mxfp4>, axis = 0>)

// -----

// expected-error@+1 {{axis 0 has size 192, which is not a multiple of the BCQ group size 128; use a BCQ group size that divides 192 (the largest below 128 is 96)}}
func.func private @f(!qblock.qtensor<192x8xf32, #qblock.bcq<bits = 2, group = 128>, axis = 0>)

// -----

// No even block size divides an odd axis: the advice is to pad.
// expected-error@+1 {{axis 0 has size 33, which is not a multiple of the block size 32; no block size divides 33 (block sizes are multiples of 2): pad the axis to a multiple of 32}}
func.func private @f(!qblock.qtensor<33x8xf32, #qblock.scheme<mxfp4>, axis = 0>)

// -----

// expected-error@+1 {{axis 0 has size 100, which is not a multiple of the BCQ group size 128; no BCQ group size divides 100 (BCQ group sizes are multiples of 8): pad the axis to a multiple of 128}}
func.func private @f(!qblock.qtensor<100x8xf32, #qblock.bcq<bits = 2, group = 128>, axis = 0>)

// -----

func.func @quantize_shape(%x: tensor<64x32xf32>) {
  // expected-error@+1 {{'qblock.quantize' op float shape [64, 32] does not match the quantized shape [32, 64]}}
  %0 = qblock.quantize %x : tensor<64x32xf32> -> !qblock.qtensor<32x64xf32, #qblock.scheme<mxfp4>, axis = 0>
  return
}

// -----

func.func @quantize_element(%x: tensor<64x32xf16>) {
  // expected-error@+1 {{'qblock.quantize' op float element type 'f16' must equal the quantized tensor's element type 'f32'}}
  %0 = qblock.quantize %x : tensor<64x32xf16> -> !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 0>
  return
}

// -----

func.func @dequantize_shape(%q: !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 0>) {
  // expected-error@+1 {{'qblock.dequantize' op float shape [64] does not match the quantized shape [64, 32]}}
  %0 = qblock.dequantize %q : !qblock.qtensor<64x32xf32, #qblock.scheme<mxfp4>, axis = 0> -> tensor<64xf32>
  return
}

// -----

func.func @constant_dynamic() {
  // expected-error@+1 {{'qblock.constant' op a quantized constant needs a static shape, got [?, 32]}}
  %0 = qblock.constant dense<0> : tensor<128xi8> -> !qblock.qtensor<?x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  return
}

// -----

func.func @constant_element() {
  // expected-error@+1 {{'qblock.constant' op packed data must be a 1-D tensor of i8, got 'tensor<32xi32>'}}
  %0 = qblock.constant dense<0> : tensor<32xi32> -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  return
}

// -----

func.func @constant_size() {
  // expected-error@+1 {{'qblock.constant' op packed data holds 100 bytes but '!qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>' needs 128 (see docs/formats.md)}}
  %0 = qblock.constant dense<0> : tensor<100xi8> -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  return
}

// -----

func.func @constant_truncated_blob() {
  // expected-error@+1 {{'qblock.constant' op resource blob 'short' holds 4 bytes but '!qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>' needs 128}}
  %0 = qblock.constant dense_resource<short> : tensor<128xi8> -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  return
}

{-#
  dialect_resources: {
    builtin: {
      short: "0x1000000001020304"
    }
  }
#-}

// -----

// BCQ data with the f32 alphas and offsets of the format before 2026-12-05
// (64 rows of one group of 128, 3 alphas each: 3584 bytes with f16 and
// 4096 with f32): the size error says which format it is.
func.func @constant_bcq_f32_params() {
  // expected-error@+1 {{'qblock.constant' op packed data holds 4096 bytes but '!qblock.qtensor<64x128xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>' needs 3584 (see docs/formats.md); 4096 bytes is the size of BCQ data with f32 alphas and offsets, the format before 2026-12-05: quantize the weights again (alphas and offsets are f16 now)}}
  %0 = qblock.constant dense<0> : tensor<4096xi8> -> !qblock.qtensor<64x128xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>
  return
}

// -----

func.func @from_storage_bcq_f32_params(%b: tensor<4096xi8>) {
  // expected-error@+1 {{'qblock.from_storage' op storage holds 4096 bytes but '!qblock.qtensor<64x128xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>' needs 3584 (see docs/formats.md); 4096 bytes is the size of BCQ data with f32 alphas and offsets}}
  %0 = qblock.from_storage %b : tensor<4096xi8> -> !qblock.qtensor<64x128xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>
  return
}

// -----

func.func @from_storage_size(%b: tensor<100xi8>) {
  // expected-error@+1 {{'qblock.from_storage' op storage holds 100 bytes but '!qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>' needs 128 (see docs/formats.md)}}
  %0 = qblock.from_storage %b : tensor<100xi8> -> !qblock.qtensor<2x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  return
}

// -----

func.func @from_storage_dynamic(%b: tensor<128xi8>) {
  // expected-error@+1 {{'qblock.from_storage' op a quantized shape with dynamic sizes [?, 32] needs storage of dynamic size (tensor<?xi8>)}}
  %0 = qblock.from_storage %b : tensor<128xi8> -> !qblock.qtensor<?x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  return
}

// -----

func.func @matmul_int8_weight(%a: tensor<2x64xf32>, %w: !qblock.qtensor<64x8xf32, #qblock.scheme<int8>, axis = 0>, %i: tensor<2x8xf32>) {
  // expected-error@+1 {{'qblock.matmul' op an int8 right-hand operand needs quantized activations (the integer path); quantize the weight with a 4-bit scheme (blockdialect, mxfp4, nvfp4, int4), or the activations too}}
  %0 = qblock.matmul ins(%a, %w : tensor<2x64xf32>, !qblock.qtensor<64x8xf32, #qblock.scheme<int8>, axis = 0>) outs(%i : tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_bcq_weight(%a: tensor<2x128xf32>, %w: !qblock.qtensor<128x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>, %i: tensor<2x8xf32>) {
  // expected-error@+1 {{'qblock.matmul' op the weight uses a BCQ scheme; use qblock.lut_gemm for BCQ weights}}
  %0 = qblock.matmul ins(%a, %w : tensor<2x128xf32>, !qblock.qtensor<128x8xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>) outs(%i : tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_bcq_acts(%a: !qblock.qtensor<2x128xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>, %w: !qblock.qtensor<128x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %i: tensor<2x8xf32>) {
  // expected-error@+1 {{'qblock.matmul' op activations must use a block scheme (#qblock.scheme), not BCQ}}
  %0 = qblock.matmul ins(%a, %w : !qblock.qtensor<2x128xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>, !qblock.qtensor<128x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i : tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_acts_axis(%a: !qblock.qtensor<32x128xf32, #qblock.scheme<mxfp4>, axis = 0>, %w: !qblock.qtensor<128x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %i: tensor<32x8xf32>) {
  // expected-error@+1 {{'qblock.matmul' op quantized activations must be blocked along their last (reduction) axis 1, got axis 0}}
  %0 = qblock.matmul ins(%a, %w : !qblock.qtensor<32x128xf32, #qblock.scheme<mxfp4>, axis = 0>, !qblock.qtensor<128x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i : tensor<32x8xf32>) -> tensor<32x8xf32>
  return
}

// -----

func.func @matmul_block_mismatch(%a: !qblock.qtensor<2x128xf32, #qblock.scheme<nvfp4>, axis = 1>, %w: !qblock.qtensor<128x8xf32, #qblock.scheme<blockdialect>, axis = 0>, %i: tensor<2x8xf32>) {
  // expected-error@+1 {{'qblock.matmul' op activation block size 16 must equal the weight block size 32 so that blocks pair up}}
  %0 = qblock.matmul ins(%a, %w : !qblock.qtensor<2x128xf32, #qblock.scheme<nvfp4>, axis = 1>, !qblock.qtensor<128x8xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%i : tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<2x2x2x32xf32>, %w: !qblock.qtensor<2x2x32x8xf32, #qblock.scheme<mxfp4>, axis = 2>, %i: tensor<2x2x2x8xf32>) {
  // expected-error@+1 {{'qblock.matmul' op weights must have rank 2 (K x N) or 3 (batch x K x N), got rank 4}}
  %0 = qblock.matmul ins(%a, %w : tensor<2x2x2x32xf32>, !qblock.qtensor<2x2x32x8xf32, #qblock.scheme<mxfp4>, axis = 2>) outs(%i : tensor<2x2x2x8xf32>) -> tensor<2x2x2x8xf32>
  return
}

// -----

func.func @matmul_lhs_rank(%a: tensor<2x2x32xf32>, %w: !qblock.qtensor<32x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %i: tensor<2x8xf32>) {
  // expected-error@+1 {{'qblock.matmul' op lhs rank 3 must equal the weight rank 2}}
  %0 = qblock.matmul ins(%a, %w : tensor<2x2x32xf32>, !qblock.qtensor<32x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i : tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_batch_axis(%a: tensor<32x2x32xf32>, %w: !qblock.qtensor<32x32x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %i: tensor<32x2x8xf32>) {
  // expected-error@+1 {{'qblock.matmul' op the weight is blocked along its batch axis 0; block it along the reduction dimension (axis 1, or 2 for a transposed weight)}}
  %0 = qblock.matmul ins(%a, %w : tensor<32x2x32xf32>, !qblock.qtensor<32x32x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i : tensor<32x2x8xf32>) -> tensor<32x2x8xf32>
  return
}

// -----

func.func @matmul_k(%a: tensor<2x64xf32>, %w: !qblock.qtensor<32x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %i: tensor<2x8xf32>) {
  // expected-error@+1 {{'qblock.matmul' op lhs reduction size 64 does not match the weight's reduction size 32 (its blocked axis 0, read as K x N)}}
  %0 = qblock.matmul ins(%a, %w : tensor<2x64xf32>, !qblock.qtensor<32x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i : tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @lut_gemm_act_scheme(%a: tensor<2x64xf32>, %w: !qblock.qtensor<64x8xf32, #qblock.bcq<bits = 2, group = 8>, axis = 0>, %i: tensor<2x8xf32>) {
  // expected-error@+1 {{'qblock.lut_gemm' op has an 'act_scheme', which only qblock.matmul takes: LUT-GEMM multiplies float activations (its tables are built from them); drop the attribute, or use block-scaled weights with qblock.matmul for quantized activations}}
  %0 = qblock.lut_gemm ins(%a, %w : tensor<2x64xf32>, !qblock.qtensor<64x8xf32, #qblock.bcq<bits = 2, group = 8>, axis = 0>) outs(%i : tensor<2x8xf32>) {act_scheme = #qblock.scheme<mxfp4>} -> tensor<2x8xf32>
  return
}

// -----

// A K x N weight blocked along N reads as N x K: the message says which
// axis to block instead.
func.func @lut_gemm_axis(%a: tensor<2x64xf32>, %w: !qblock.qtensor<64x8xf32, #qblock.bcq<bits = 2, group = 8>, axis = 1>, %i: tensor<2x8xf32>) {
  // expected-error@+1 {{'qblock.lut_gemm' op lhs reduction size 64 does not match the weight's reduction size 8 (its blocked axis 1, read as N x K); for a K x N weight, block it along axis 0}}
  %0 = qblock.lut_gemm ins(%a, %w : tensor<2x64xf32>, !qblock.qtensor<64x8xf32, #qblock.bcq<bits = 2, group = 8>, axis = 1>) outs(%i : tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<3x2x32xf32>, %w: !qblock.qtensor<4x32x8xf32, #qblock.scheme<mxfp4>, axis = 1>, %i: tensor<3x2x8xf32>) {
  // expected-error@+1 {{'qblock.matmul' op lhs batch size 3 does not match the weight batch size 4}}
  %0 = qblock.matmul ins(%a, %w : tensor<3x2x32xf32>, !qblock.qtensor<4x32x8xf32, #qblock.scheme<mxfp4>, axis = 1>) outs(%i : tensor<3x2x8xf32>) -> tensor<3x2x8xf32>
  return
}

// -----

func.func @matmul_init(%a: tensor<2x32xf32>, %w: !qblock.qtensor<32x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %i: tensor<2x8xf16>) {
  // expected-error@+1 {{'qblock.matmul' op init type 'tensor<2x8xf16>' must equal the result type 'tensor<2x8xf32>'}}
  %0 = qblock.matmul ins(%a, %w : tensor<2x32xf32>, !qblock.qtensor<32x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i : tensor<2x8xf16>) -> tensor<2x8xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<2x32xf32>, %w: !qblock.qtensor<32x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %i: tensor<2x9xf32>) {
  // expected-error@+1 {{'qblock.matmul' op result shape [2, 9] does not match the product shape [2, 8]}}
  %0 = qblock.matmul ins(%a, %w : tensor<2x32xf32>, !qblock.qtensor<32x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i : tensor<2x9xf32>) -> tensor<2x9xf32>
  return
}

// -----

func.func @act_scheme_block(%a: tensor<2x64xf32>, %w: !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %i: tensor<2x8xf32>) {
  // expected-error@+1 {{'qblock.matmul' op activation block size 16 must equal the weight block size 32 so that blocks pair up}}
  %0 = qblock.matmul ins(%a, %w : tensor<2x64xf32>, !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i : tensor<2x8xf32>) {act_scheme = #qblock.scheme<nvfp4>} -> tensor<2x8xf32>
  return
}

// -----

func.func @act_scheme_twice(%a: !qblock.qtensor<2x64xf32, #qblock.scheme<mxfp4>, axis = 1>, %w: !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %i: tensor<2x8xf32>) {
  // expected-error@+1 {{'qblock.matmul' op act_scheme quantizes float activations online; the activations are already quantized}}
  %0 = qblock.matmul ins(%a, %w : !qblock.qtensor<2x64xf32, #qblock.scheme<mxfp4>, axis = 1>, !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i : tensor<2x8xf32>) {act_scheme = #qblock.scheme<mxfp4>} -> tensor<2x8xf32>
  return
}

// -----

func.func @lut_gemm_block_weight(%a: tensor<2x32xf32>, %w: !qblock.qtensor<32x8xf32, #qblock.scheme<mxfp4>, axis = 0>, %i: tensor<2x8xf32>) {
  // expected-error@+1 {{'qblock.lut_gemm' op needs BCQ weights (#qblock.bcq), got #qblock.scheme<mxfp4>; use qblock.matmul for block-scaled weights}}
  %0 = qblock.lut_gemm ins(%a, %w : tensor<2x32xf32>, !qblock.qtensor<32x8xf32, #qblock.scheme<mxfp4>, axis = 0>) outs(%i : tensor<2x8xf32>) -> tensor<2x8xf32>
  return
}

// -----

func.func @lookup_f32_table_size(%t: vector<4xf32>, %i: vector<4xi32>) {
  // expected-error@+1 {{'qblock.lookup' op f32 table must hold 8, 16 or 32 values, got 4}}
  %0 = qblock.lookup %t[%i] : vector<4xf32>, vector<4xi32> -> vector<4xf32>
  return
}

// -----

func.func @lookup_byte_table_size(%t: vector<32xi8>, %i: vector<32xi8>) {
  // expected-error@+1 {{'qblock.lookup' op i8 table must hold 64 values, got 32}}
  %0 = qblock.lookup %t[%i] : vector<32xi8>, vector<32xi8> -> vector<32xi8>
  return
}

// -----

func.func @lookup_byte_table_index_type(%t: vector<64xi8>, %i: vector<64xi32>) {
  // expected-error@+1 {{'qblock.lookup' op i8 tables take i8 indices}}
  %0 = qblock.lookup %t[%i] : vector<64xi8>, vector<64xi32> -> vector<64xi8>
  return
}

// -----

func.func @lookup_result_type(%t: vector<16xf32>, %i: vector<16xi32>) {
  // expected-error@+1 {{'qblock.lookup' op result must have the table's element type}}
  %0 = qblock.lookup %t[%i] : vector<16xf32>, vector<16xi32> -> vector<16xi8>
  return
}

// -----

func.func @lookup_bf16_table_size(%t: vector<16xbf16>, %i: vector<16xi16>) {
  // expected-error@+1 {{'qblock.lookup' op bf16 table must hold 32 values, got 16}}
  %0 = qblock.lookup %t[%i] : vector<16xbf16>, vector<16xi16> -> vector<16xbf16>
  return
}

// -----

func.func @lookup_bf16_table_index_type(%t: vector<32xbf16>, %i: vector<32xi32>) {
  // expected-error@+1 {{'qblock.lookup' op bf16 tables take i16 indices}}
  %0 = qblock.lookup %t[%i] : vector<32xbf16>, vector<32xi32> -> vector<32xbf16>
  return
}

// -----

func.func @dot_bf16_lanes(%acc: vector<8xf32>, %a: vector<32xbf16>, %w: vector<32xbf16>) {
  // expected-error@+1 {{'qblock.dot_bf16' op needs two bf16 values per accumulator lane, got 32 values for 8 lanes}}
  %0 = qblock.dot_bf16 %acc, %a, %w : vector<8xf32>, vector<32xbf16>
  return
}

// -----

func.func @dot_bytes_lanes(%acc: vector<16xi32>, %a: vector<32xi8>, %w: vector<32xi8>) {
  // expected-error@+1 {{'qblock.dot_bytes' op needs four bytes per accumulator lane, got 32 bytes for 16 lanes}}
  %0 = qblock.dot_bytes %acc, %a, %w : vector<16xi32>, vector<32xi8>
  return
}

// -----

// INT8 x INT8 block dots (full-path attention with acts=int8) are exact in
// f32 only while 127 x 127 x block < 2^24: blocks of 1040 are the largest.
func.func @int8_blocks_at_the_limit(%a: !qblock.qtensor<2x1040xf32, #qblock.scheme<int8, block = 1040>, axis = 1>, %b: !qblock.qtensor<1040x4xf32, #qblock.scheme<int8, block = 1040>, axis = 0>, %i: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %r = qblock.matmul ins(%a, %b : !qblock.qtensor<2x1040xf32, #qblock.scheme<int8, block = 1040>, axis = 1>, !qblock.qtensor<1040x4xf32, #qblock.scheme<int8, block = 1040>, axis = 0>) outs(%i : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

func.func @int8_blocks_too_large(%a: tensor<2x1042xf32>, %b: !qblock.qtensor<1042x4xf32, #qblock.scheme<int8, block = 1042>, axis = 0>, %i: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error@+1 {{'qblock.matmul' op blocks of 1042 elements: their integer dot products can exceed 2^24 and would not be exact; use blocks of at most 1040 elements}}
  %r = qblock.matmul ins(%a, %b : tensor<2x1042xf32>, !qblock.qtensor<1042x4xf32, #qblock.scheme<int8, block = 1042>, axis = 0>) outs(%i : tensor<2x4xf32>) {act_scheme = #qblock.scheme<int8, block = 1042>} -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
