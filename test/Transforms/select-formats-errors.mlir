// RUN: quant-opt %s --qblock-select-formats -split-input-file -verify-diagnostics

func.func @nan() -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0> {
  // expected-error@+1 {{weight 'nan.w0' holds NaN at [1, 0], in block 0 along axis 0 (packed row 0, docs/formats.md); quantized weights must be finite}}
  %cst = arith.constant dense<[[1.0, 1.0], [0x7FC00000, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]> : tensor<32x2xf32>
  %q = qblock.quantize %cst : tensor<32x2xf32> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  return %q : !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
}

// -----

func.func @inf() -> !qblock.qtensor<64xf32, #qblock.scheme<blockdialect>, axis = 0> {
  // expected-error@+1 {{weight 'inf.w0' holds Inf at [40], in block 1 along axis 0 (packed row 0, docs/formats.md); quantized weights must be finite}}
  %cst = arith.constant dense<[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0x7F800000, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]> : tensor<64xf32>
  %q = qblock.quantize %cst : tensor<64xf32> -> !qblock.qtensor<64xf32, #qblock.scheme<blockdialect>, axis = 0>
  return %q : !qblock.qtensor<64xf32, #qblock.scheme<blockdialect>, axis = 0>
}

// -----

// A weight with a name-only location (as torch-mlir writes them) is
// reported at the quantize op, which has a place in the file, instead of
// at <unknown>.
func.func @named() -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0> {
  %cst = arith.constant dense<[[1.0, 1.0], [0x7F800000, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]> : tensor<32x2xf32> loc("layer.w")
  // expected-error@+1 {{weight 'layer.w' holds Inf at [1, 0], in block 0 along axis 0 (packed row 0, docs/formats.md); quantized weights must be finite}}
  %q = qblock.quantize %cst : tensor<32x2xf32> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  return %q : !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
}

// -----

// Small NVFP4 weights quantized directly (not through
// --qblock-quantize-linalg's tensor scale): the E4M3 block scale (amax / 6)
// is subnormal, with at most two significant bits: a warning with the
// error and what to do.
func.func @nvfp4_small() -> !qblock.qtensor<16x4xf32, #qblock.scheme<nvfp4>, axis = 0> {
  // expected-warning-re@+1 {{weight 'nvfp4_small.w0': 4 of 4 non-zero blocks have maxima outside the range where NVFP4's E4M3 scale keeps 3 significant bits (4 below 0.046875, 0 above 2688), so they lose precision (relative MSE {{.*}}); quantize the matmul with --qblock-quantize-linalg="scheme=nvfp4" (its tensor-scale=true scales the weight into range and the result back)}}
  %cst = arith.constant dense<[[0.003, 0.001, 0.002, 0.0007], [0.001, 0.002, 0.0005, 0.004], [0.002, 0.0011, 0.0013, 0.001], [0.0009, 0.001, 0.001, 0.001], [0.001, 0.001, 0.001, 0.001], [0.001, 0.001, 0.001, 0.001], [0.001, 0.001, 0.001, 0.001], [0.001, 0.001, 0.001, 0.001], [0.001, 0.001, 0.001, 0.001], [0.001, 0.001, 0.001, 0.001], [0.001, 0.001, 0.001, 0.001], [0.001, 0.001, 0.001, 0.001], [0.001, 0.001, 0.001, 0.001], [0.001, 0.001, 0.001, 0.001], [0.001, 0.001, 0.001, 0.001], [0.001, 0.001, 0.001, 0.001]]> : tensor<16x4xf32>
  %q = qblock.quantize %cst : tensor<16x4xf32> -> !qblock.qtensor<16x4xf32, #qblock.scheme<nvfp4>, axis = 0>
  return %q : !qblock.qtensor<16x4xf32, #qblock.scheme<nvfp4>, axis = 0>
}

// -----

// In range: no warning (-verify-diagnostics fails on an unexpected one).
func.func @nvfp4_in_range() -> !qblock.qtensor<16x2xf32, #qblock.scheme<nvfp4>, axis = 0> {
  %cst = arith.constant dense<[[3.0, 1.0], [0.5, -2.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]> : tensor<16x2xf32>
  %q = qblock.quantize %cst : tensor<16x2xf32> -> !qblock.qtensor<16x2xf32, #qblock.scheme<nvfp4>, axis = 0>
  return %q : !qblock.qtensor<16x2xf32, #qblock.scheme<nvfp4>, axis = 0>
}

// -----

// A weight whose dense_resource blob is missing (here elided, as
// --mlir-elide-resource-strings-if-larger prints it) cannot be packed; it
// is left as a run-time quantize with a warning instead of silently.
func.func @elided() -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0> {
  %cst = arith.constant dense_resource<__elided__> : tensor<32x2xf32>
  // expected-warning@+1 {{cannot read the constant weight's values: its dense_resource blob '__elided__' has no data (missing, or elided when printed); it is not packed here and stays a run-time qblock.quantize}}
  %q = qblock.quantize %cst : tensor<32x2xf32> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  return %q : !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
}

// -----

// A BCQ weight has no run-time quantizer, so the same missing blob is an
// error here (it was left for the CPU lowering, whose error told the user
// to run this pass).
func.func @elided_bcq() -> !qblock.qtensor<64x2xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0> {
  %cst = arith.constant dense_resource<__elided__> : tensor<64x2xf32>
  // expected-error@+1 {{cannot read the constant weight's values: its dense_resource blob '__elided__' has no data (missing, or elided when printed); BCQ weights have no run-time quantizer, so they must be fitted here, from a constant with its data}}
  %q = qblock.quantize %cst : tensor<64x2xf32> -> !qblock.qtensor<64x2xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0>
  return %q : !qblock.qtensor<64x2xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0>
}

// -----

// A blob that contradicts its type (4 bytes for 32 f32 values) is an error
// here, where the weight is named, instead of a failure in translation.
func.func @short_blob() -> !qblock.qtensor<16x2xf32, #qblock.scheme<mxfp4, block = 16>, axis = 0> {
  %cst = arith.constant dense_resource<short> : tensor<16x2xf32>
  // expected-error@+1 {{cannot read the constant weight: its dense_resource blob 'short' holds 4 bytes, but 32 values of 4 bytes need 128}}
  %q = qblock.quantize %cst : tensor<16x2xf32> -> !qblock.qtensor<16x2xf32, #qblock.scheme<mxfp4, block = 16>, axis = 0>
  return %q : !qblock.qtensor<16x2xf32, #qblock.scheme<mxfp4, block = 16>, axis = 0>
}

{-#
  dialect_resources: {
    builtin: {
      short: "0x040000000000803F"
    }
  }
#-}

// -----

// Block maxima 10^6 apart: no per-tensor power of two brings both into
// E4M3's range, so the warning does not suggest one.
func.func @nvfp4_wide_spread() -> !qblock.qtensor<16x2xf32, #qblock.scheme<nvfp4>, axis = 0> {
  // expected-warning-re@+1 {{weight 'nvfp4_wide_spread.w0': 1 of 2 non-zero blocks have maxima outside the range {{.*}}; the largest block maximum is 1e+06 times the smallest, more than the 57344 that range spans, so no per-tensor scale fits them all; use scheme=mxfp4 or blockdialect (power-of-two scales)}}
  %cst = arith.constant dense<[[1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001], [1000.0, 0.001]]> : tensor<16x2xf32>
  %q = qblock.quantize %cst : tensor<16x2xf32> -> !qblock.qtensor<16x2xf32, #qblock.scheme<nvfp4>, axis = 0>
  return %q : !qblock.qtensor<16x2xf32, #qblock.scheme<nvfp4>, axis = 0>
}

// -----

// INT4's F16 block scale (amax / 7) saturates at 65504: block maxima above
// 458528 used to be clipped without a word. All maxima fit one power of two,
// so the warning suggests scaling the weight.
func.func @int4_scale_saturates() -> !qblock.qtensor<32x2xf32, #qblock.scheme<int4>, axis = 0> {
  // expected-warning-re@+1 {{weight 'int4_scale_saturates.w0': 2 of 2 non-zero blocks have maxima outside the range where the F16 block scale keeps its precision (0 below {{.*}}, 2 above 458528), so they lose precision (relative MSE {{.*}}); scale the weight into range before quantizing (and the result back), or use scheme=mxfp4 or blockdialect (power-of-two scales)}}
  %cst = arith.constant dense<1.0e6> : tensor<32x2xf32>
  %q = qblock.quantize %cst : tensor<32x2xf32> -> !qblock.qtensor<32x2xf32, #qblock.scheme<int4>, axis = 0>
  return %q : !qblock.qtensor<32x2xf32, #qblock.scheme<int4>, axis = 0>
}

// -----

// BCQ stores alphas and offsets as f16: group maxima above 65504 saturate
// (and below 2^(q-14) the smallest alpha is a subnormal half). All maxima
// fit one power of two, so the warning suggests scaling the weight.
func.func @bcq_alphas_saturate() -> !qblock.qtensor<64x2xf32, #qblock.bcq<bits = 2, group = 32>, axis = 0> {
  // expected-warning-re@+1 {{weight 'bcq_alphas_saturate.w0': 4 of 4 non-zero groups have maxima outside the range where BCQ's f16 alphas and offsets keep their precision (0 below 0.000244141, 4 above 65504), so they lose precision (relative MSE {{.*}}); scale the weight into range before quantizing (and the result back), or use scheme=mxfp4 or blockdialect (power-of-two scales)}}
  %cst = arith.constant dense<1.0e6> : tensor<64x2xf32>
  %q = qblock.quantize %cst : tensor<64x2xf32> -> !qblock.qtensor<64x2xf32, #qblock.bcq<bits = 2, group = 32>, axis = 0>
  return %q : !qblock.qtensor<64x2xf32, #qblock.bcq<bits = 2, group = 32>, axis = 0>
}

// -----

// Tiny and ordinary groups in one weight: no single scale fits both.
func.func @bcq_alphas_spread() -> !qblock.qtensor<32x2xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0> {
  // expected-warning-re@+1 {{weight 'bcq_alphas_spread.w0': 1 of 2 non-zero groups have maxima outside the range where BCQ's f16 alphas and offsets keep their precision (1 below 0.000488281, 0 above 65504), so they lose precision (relative MSE {{.*}}); the largest group maximum is 1e+10 times the smallest, more than the {{.*}} that range spans, so no per-tensor scale fits them all; use scheme=mxfp4 or blockdialect (power-of-two scales)}}
  %cst = arith.constant dense<[[1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [1.0e-10, 1.0], [-1.0e-10, -1.0]]> : tensor<32x2xf32>
  %q = qblock.quantize %cst : tensor<32x2xf32> -> !qblock.qtensor<32x2xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0>
  return %q : !qblock.qtensor<32x2xf32, #qblock.bcq<bits = 3, group = 32>, axis = 0>
}

// -----

// BCQ weights have groups, and the message says so.
func.func @bcq_nan() -> !qblock.qtensor<64xf32, #qblock.bcq<bits = 2, group = 16>, axis = 0> {
  // expected-error@+1 {{weight 'bcq_nan.w0' holds NaN at [40], in group 2 along axis 0 (packed row 0, docs/formats.md); quantized weights must be finite}}
  %cst = arith.constant dense<[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0x7FC00000, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]> : tensor<64xf32>
  %q = qblock.quantize %cst : tensor<64xf32> -> !qblock.qtensor<64xf32, #qblock.bcq<bits = 2, group = 16>, axis = 0>
  return %q : !qblock.qtensor<64xf32, #qblock.bcq<bits = 2, group = 16>, axis = 0>
}

// -----

// E8M0 (MXFP4, BlockDialect) has no top, but its scale stops at 2^-127:
// weights of 1e-40 decoded to all zeros (relative MSE 1) without a word.
func.func @mxfp4_below_e8m0() -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0> {
  // expected-warning@+1 {{weight 'mxfp4_below_e8m0.w0': 2 of 2 non-zero blocks have maxima outside the range where the E8M0 block scale (2^-127 and up) keeps their smallest codes (2 below 2.35099e-38), so they lose precision (relative MSE 1); scale the weight into range before quantizing (and the result back)}}
  %cst = arith.constant dense<1.0e-40> : tensor<32x2xf32>
  %q = qblock.quantize %cst : tensor<32x2xf32> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  return %q : !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
}
