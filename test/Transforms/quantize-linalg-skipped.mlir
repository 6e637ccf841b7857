// RUN: quant-opt %s --qblock-quantize-linalg -split-input-file -verify-diagnostics | FileCheck %s
// Every op this pass cannot quantize stays as it was, with a remark saying why.

// CHECK-LABEL: func.func @weight_not_constant
// CHECK: linalg.matmul
func.func @weight_not_constant(%x: tensor<4x32xf32>, %w: tensor<32x8xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-remark@+1 {{not quantized: the weight operand is not a constant}}
  %r = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @only_lhs_constant
// CHECK: linalg.matmul
func.func @only_lhs_constant(%w: tensor<32x8xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %x = arith.constant dense<1.0> : tensor<4x32xf32>
  // expected-remark@+1 {{not quantized: only the left-hand operand (A) is a constant; weights are quantized as the right-hand operand (B in C = A * B)}}
  %r = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @k_not_multiple
// CHECK: linalg.matmul
func.func @k_not_multiple(%x: tensor<4x48xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<1.0> : tensor<48x8xf32>
  // expected-remark@+1 {{not quantized: K = 48 is not a multiple of the block size 32; pass block=N with N one of 6, 8, 12, 16, 24, 48}}
  %r = linalg.matmul ins(%x, %w : tensor<4x48xf32>, tensor<48x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// With many divisors the suggestions are those nearest the usual 32, not
// the largest (which were 120..720 here).
// CHECK-LABEL: func.func @k_many_divisors
// CHECK: linalg.matmul
func.func @k_many_divisors(%x: tensor<1x720xf32>, %init: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %w = arith.constant dense<1.0> : tensor<720x4xf32>
  // expected-remark@+1 {{not quantized: K = 720 is not a multiple of the block size 32; pass block=N with N one of 20, 24, 30, 36, 40, 48}}
  %r = linalg.matmul ins(%x, %w : tensor<1x720xf32>, tensor<720x4xf32>) outs(%init : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %r : tensor<1x4xf32>
}

// -----

// Block sizes are even: an odd K has none, and the remark says so instead
// of suggesting one.
// CHECK-LABEL: func.func @k_odd
// CHECK: linalg.matmul
func.func @k_odd(%x: tensor<4x17xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<1.0> : tensor<17x8xf32>
  // expected-remark@+1 {{not quantized: K = 17 is not a multiple of the block size 32; no block size divides it (block sizes are even), so it stays in float}}
  %r = linalg.matmul ins(%x, %w : tensor<4x17xf32>, tensor<17x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @integer_matmul
// CHECK: linalg.matmul
func.func @integer_matmul(%x: tensor<4x32xi8>, %init: tensor<4x8xi32>) -> tensor<4x8xi32> {
  %w = arith.constant dense<1> : tensor<32x8xi8>
  // expected-remark@+1 {{not quantized: element type i8 is not supported; only f32, f16 and bf16 matmuls are quantized}}
  %r = linalg.matmul ins(%x, %w : tensor<4x32xi8>, tensor<32x8xi8>) outs(%init : tensor<4x8xi32>) -> tensor<4x8xi32>
  return %r : tensor<4x8xi32>
}

// -----

// CHECK-LABEL: func.func @buffers
// CHECK: linalg.matmul
func.func @buffers(%x: memref<4x32xf32>, %w: memref<32x8xf32>, %out: memref<4x8xf32>) {
  // expected-remark@+1 {{not quantized: it operates on buffers; run this pass before bufferization}}
  linalg.matmul ins(%x, %w : memref<4x32xf32>, memref<32x8xf32>) outs(%out : memref<4x8xf32>)
  return
}

// -----

// CHECK-LABEL: func.func @transposed_activation
// CHECK: linalg.matmul
func.func @transposed_activation(%x: tensor<32x4xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<1.0> : tensor<32x8xf32>
  // expected-remark@+1 {{not quantized: the activation (A) is not laid out as [batch x] M x K; transpose it first}}
  %r = linalg.matmul indexing_maps = [
         affine_map<(m, n, k) -> (k, m)>,
         affine_map<(m, n, k) -> (k, n)>,
         affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %w : tensor<32x4xf32>, tensor<32x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// The constant weight as the first input of a matmul-shaped generic: the
// remark says to swap the inputs, not that the activation is mislaid.
// CHECK-LABEL: func.func @weight_first
// CHECK: linalg.generic
func.func @weight_first(%x: tensor<4x32xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<1.0> : tensor<32x8xf32>
  // expected-remark@+1 {{not quantized: its first input is the constant weight; qblock.matmul takes the activation first (A) and the weight second (B): swap the two inputs and their indexing maps}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (k, n)>,
                                        affine_map<(m, n, k) -> (m, k)>,
                                        affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%w, %x : tensor<32x8xf32>, tensor<4x32xf32>) outs(%init : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// Two reduction dimensions: not a plain matmul.
// CHECK-LABEL: func.func @two_reductions
// CHECK: linalg.generic
func.func @two_reductions(%x: tensor<4x2x32xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<1.0> : tensor<2x32x8xf32>
  // expected-remark@+1 {{not quantized: it reduces over 2 dimensions; qblock.matmul reduces over one K: collapse them into one (tensor.collapse_shape of both operands)}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k1, k2) -> (m, k1, k2)>,
                                        affine_map<(m, n, k1, k2) -> (k1, k2, n)>,
                                        affine_map<(m, n, k1, k2) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
       ins(%x, %w : tensor<4x2x32xf32>, tensor<2x32x8xf32>) outs(%init : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// Element-wise generics are not contractions and are ignored silently.
// CHECK-LABEL: func.func @elementwise
// CHECK: linalg.generic
func.func @elementwise(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant dense<1.0> : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
       ins(%x, %c : tensor<4xf32>, tensor<4xf32>) outs(%x : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// An empty weight (K = 0 or N = 0) has nothing to quantize; the matmul
// stays (its result is the init).
// CHECK-LABEL: func.func @empty_k
// CHECK: linalg.matmul
func.func @empty_k(%x: tensor<2x0xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<> : tensor<0x8xf32>
  // expected-remark@+1 {{not quantized: the weight (B) has no elements (shape 0x8); there is nothing to quantize}}
  %r = linalg.matmul ins(%x, %w : tensor<2x0xf32>, tensor<0x8xf32>) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %r : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @empty_n
// CHECK: linalg.matmul
func.func @empty_n(%x: tensor<2x64xf32>, %init: tensor<2x0xf32>) -> tensor<2x0xf32> {
  %w = arith.constant dense<> : tensor<64x0xf32>
  // expected-remark@+1 {{not quantized: the weight (B) has no elements (shape 64x0); there is nothing to quantize}}
  %r = linalg.matmul ins(%x, %w : tensor<2x64xf32>, tensor<64x0xf32>) outs(%init : tensor<2x0xf32>) -> tensor<2x0xf32>
  return %r : tensor<2x0xf32>
}

// -----

// A weight computed from a constant (here an f16 constant widened) is not
// a constant until folded; the remark says how.
// CHECK-LABEL: func.func @widened_weight
// CHECK: linalg.matmul
func.func @widened_weight(%x: tensor<2x32xf32>, %init: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w16 = arith.constant dense<1.5> : tensor<32x4xf16>
  %w = arith.extf %w16 : tensor<32x4xf16> to tensor<32x4xf32>
  // expected-remark@+1 {{not quantized: the weight (B) is computed from constants by 'arith.extf', not a constant itself; fold it first (-canonicalize folds casts of constants)}}
  %r = linalg.matmul ins(%x, %w : tensor<2x32xf32>, tensor<32x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// The same widening of a dense_resource constant (torch-mlir's f16 weights):
// -canonicalize folds only inline elements, so "fold it first" would send
// the user round in a loop (found by an adversarial run, 2026-12-07).
// CHECK-LABEL: func.func @widened_resource_weight
// CHECK: linalg.matmul
func.func @widened_resource_weight(%x: tensor<2x32xf32>, %init: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w16 = arith.constant dense_resource<w16> : tensor<32x4xf16>
  %w = arith.extf %w16 : tensor<32x4xf16> to tensor<32x4xf32>
  // expected-remark@+1 {{not quantized: the weight (B) is computed from constants by 'arith.extf', not a constant itself, and -canonicalize does not fold ops on dense_resource constants; only constant weights are quantized, so export the weight as the matmul reads it (its element type and shape)}}
  %r = linalg.matmul ins(%x, %w : tensor<2x32xf32>, tensor<32x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w16: "0x02000000003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C"
    }
  }
#-}

// -----

// A weight read from a mutable ml_program global stays in float (an
// immutable one is a constant: test/Integration/CPU/ml-program-weights.mlir).
// CHECK-LABEL: func.func @mutable_global_weight
// CHECK: ml_program.global_load @w
// CHECK: linalg.matmul
ml_program.global private mutable @w(dense<0.5> : tensor<32x4xf32>) : tensor<32x4xf32>
func.func @mutable_global_weight(%x: tensor<2x32xf32>, %init: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = ml_program.global_load @w : tensor<32x4xf32>
  // expected-remark@+1 {{not quantized: the weight (B) is read from the mutable global @w; only constant weights are quantized: make the global immutable if the weight never changes}}
  %r = linalg.matmul ins(%x, %w : tensor<2x32xf32>, tensor<32x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// A weight that reaches the matmul as an argument of a private function:
// its callers may pass constants, which --inline brings into view.
// CHECK-LABEL: func.func private @weight_argument
// CHECK: linalg.matmul
func.func private @weight_argument(%x: tensor<2x32xf32>, %w: tensor<32x4xf32>, %init: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-remark@+1 {{not quantized: the weight (B) is an argument of @weight_argument; if its callers pass constants, run --inline first so that the matmul reads them}}
  %r = linalg.matmul ins(%x, %w : tensor<2x32xf32>, tensor<32x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// Other ops that -canonicalize folds with constant operands: a tensor.cast
// (folded into the matmul) and any op whose folder makes a constant, such
// as arith.negf. The remark used to say -canonicalize does not fold them.
// CHECK-LABEL: func.func @cast_weight
// CHECK: linalg.matmul
func.func @cast_weight(%x: tensor<2x32xf32>, %init: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<1.5> : tensor<32x4xf32>
  %wc = tensor.cast %w : tensor<32x4xf32> to tensor<?x4xf32>
  // expected-remark@+1 {{not quantized: the weight (B) is computed from constants by 'tensor.cast', not a constant itself; fold it first (-canonicalize folds casts of constants)}}
  %r = linalg.matmul ins(%x, %wc : tensor<2x32xf32>, tensor<?x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func.func @negated_weight
// CHECK: linalg.matmul
func.func @negated_weight(%x: tensor<2x32xf32>, %init: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w0 = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0],
                              [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<32x4xf32>
  %w = arith.negf %w0 : tensor<32x4xf32>
  // expected-remark@+1 {{not quantized: the weight (B) is computed from constants by 'arith.negf', not a constant itself; fold it first (-canonicalize folds 'arith.negf' of constants)}}
  %r = linalg.matmul ins(%x, %w : tensor<2x32xf32>, tensor<32x4xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// A slice of a fused non-splat constant (a fused QKV weight) is a constant
// only after folding that -canonicalize does not do; the remark does not
// send the user there.
// CHECK-LABEL: func.func @sliced_weight
// CHECK: linalg.matmul
func.func @sliced_weight(%x: tensor<2x4xf32>, %init: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %fused = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]> : tensor<4x6xf32>
  %w = tensor.extract_slice %fused[0, 2] [4, 2] [1, 1] : tensor<4x6xf32> to tensor<4x2xf32>
  // expected-remark@+1 {{not quantized: the weight (B) is computed from constants by 'tensor.extract_slice', not a constant itself, and -canonicalize does not fold it; only constant weights are quantized, so give this matmul a constant weight of its own (e.g. export a fused weight as separate constants)}}
  %r = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%init : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

// A transpose that is not of the last two axes is not seen through.
// CHECK-LABEL: func.func @batch_axes_swapped
// CHECK: linalg.transpose
// CHECK: linalg.batch_matmul
func.func @batch_axes_swapped(%x: tensor<2x3x32xf32>, %init: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %w0 = arith.constant dense<1.0> : tensor<32x2x4xf32>
  %e = tensor.empty() : tensor<2x32x4xf32>
  %w = linalg.transpose ins(%w0 : tensor<32x2x4xf32>) outs(%e : tensor<2x32x4xf32>) permutation = [1, 0, 2]
  // expected-remark@+1 {{not quantized: the weight (B) is computed from constants by 'linalg.transpose', not a constant itself}}
  %r = linalg.batch_matmul ins(%x, %w : tensor<2x3x32xf32>, tensor<2x32x4xf32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}

// -----

// A weight shared by every batch that is not a constant.
// CHECK-LABEL: func.func @shared_weight_not_constant
// CHECK: linalg.batch_matmul
func.func @shared_weight_not_constant(%x: tensor<2x3x32xf32>, %w: tensor<32x4xf32>, %init: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-remark@+1 {{not quantized: the weight (B) is shared by all batches but is not a constant; only constant shared weights are quantized}}
  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
       ins(%x, %w : tensor<2x3x32xf32>, tensor<32x4xf32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}

// -----

// A shared weight one cast away from a constant gets the advice that makes
// it one, not the shared-weight message.
// CHECK-LABEL: func.func @shared_weight_widened
// CHECK: linalg.batch_matmul
func.func @shared_weight_widened(%x: tensor<2x3x32xf32>, %init: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %w16 = arith.constant dense<1.5> : tensor<32x4xf16>
  %w = arith.extf %w16 : tensor<32x4xf16> to tensor<32x4xf32>
  // expected-remark@+1 {{not quantized: the weight (B) is computed from constants by 'arith.extf', not a constant itself; fold it first (-canonicalize folds casts of constants)}}
  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
       ins(%x, %w : tensor<2x3x32xf32>, tensor<32x4xf32>) outs(%init : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %r : tensor<2x3x4xf32>
}

// -----

// linalg.matvec whose matrix is not a constant.
// CHECK-LABEL: func.func @matvec_not_constant
// CHECK: linalg.matvec
func.func @matvec_not_constant(%w: tensor<4x32xf32>, %x: tensor<32xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  // expected-remark@+1 {{not quantized: the matrix operand (the weight) of linalg.matvec is not a constant}}
  %r = linalg.matvec ins(%w, %x : tensor<4x32xf32>, tensor<32xf32>) outs(%init : tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// A contraction whose body does more than out + A * B (the upstream
// contraction matcher looks through one-operand ops such as negf and exp):
// quantizing it would drop them, so it stays in float.
// CHECK-LABEL: func.func @generic_negated_input
// CHECK: linalg.generic
// CHECK-NOT: qblock.
func.func @generic_negated_input(%x: tensor<3x32xf32>, %init: tensor<3x16xf32>) -> tensor<3x16xf32> {
  %w = arith.constant dense<2.0> : tensor<32x16xf32>
  // expected-remark@+1 {{not quantized: its body is not out + A * B (it has 'arith.negf'); only plain multiply-accumulates are quantized}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%x, %w : tensor<3x32xf32>, tensor<32x16xf32>) outs(%init : tensor<3x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %na = arith.negf %a : f32
    %p = arith.mulf %na, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x16xf32>
  return %r : tensor<3x16xf32>
}

// -----

// CHECK-LABEL: func.func @generic_exp_weight
// CHECK: linalg.generic
// CHECK-NOT: qblock.
func.func @generic_exp_weight(%x: tensor<3x32xf32>, %init: tensor<3x16xf32>) -> tensor<3x16xf32> {
  %w = arith.constant dense<2.0> : tensor<32x16xf32>
  // expected-remark@+1 {{not quantized: its body is not out + A * B (it has 'math.exp'); only plain multiply-accumulates are quantized}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%x, %w : tensor<3x32xf32>, tensor<32x16xf32>) outs(%init : tensor<3x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %eb = math.exp %b : f32
    %p = arith.mulf %a, %eb : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x16xf32>
  return %r : tensor<3x16xf32>
}

// -----

// CHECK-LABEL: func.func @generic_negated_sum
// CHECK: linalg.generic
// CHECK-NOT: qblock.
func.func @generic_negated_sum(%x: tensor<3x32xf32>, %init: tensor<3x16xf32>) -> tensor<3x16xf32> {
  %w = arith.constant dense<2.0> : tensor<32x16xf32>
  // expected-remark@+1 {{not quantized: its body is not out + A * B (it has 'arith.negf'); only plain multiply-accumulates are quantized}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%x, %w : tensor<3x32xf32>, tensor<32x16xf32>) outs(%init : tensor<3x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    %n = arith.negf %s : f32
    linalg.yield %n : f32
  } -> tensor<3x16xf32>
  return %r : tensor<3x16xf32>
}


// -----

// Stacked layer weights indexed by a loop: a slice of a constant at a
// run-time offset. The remark says to unroll, not to use full-path (which
// would quantize the weight again on every iteration).
// CHECK-LABEL: func.func @layer_loop_slice
// CHECK: linalg.matmul
func.func @layer_loop_slice(%x: tensor<2x32xf32>, %init: tensor<2x32xf32>) -> tensor<2x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %ws = arith.constant dense<0.5> : tensor<3x32x32xf32>
  %r = scf.for %l = %c0 to %c3 step %c1 iter_args(%h = %x) -> (tensor<2x32xf32>) {
    %w = tensor.extract_slice %ws[%l, 0, 0] [1, 32, 32] [1, 1, 1] : tensor<3x32x32xf32> to tensor<32x32xf32>
    // expected-remark@+1 {{not quantized: the weight (B) is a slice of a constant at an offset known only at run time (a tiled loop, or a loop over stacked layer weights?); only constant weights are quantized: run --qblock-quantize-linalg before tiling, unroll a loop over layers, or give each layer a constant weight of its own}}
    %m = linalg.matmul ins(%h, %w : tensor<2x32xf32>, tensor<32x32xf32>) outs(%init : tensor<2x32xf32>) -> tensor<2x32xf32>
    scf.yield %m : tensor<2x32xf32>
  }
  return %r : tensor<2x32xf32>
}

// -----

// Reductions over a constant that upstream does not take for contractions
// used to stay in float without a word: out - A * B, a scaled product, fma.
// CHECK-LABEL: func.func @generic_subtracted
// CHECK: linalg.generic
// CHECK-NOT: qblock.
func.func @generic_subtracted(%x: tensor<3x32xf32>, %init: tensor<3x16xf32>) -> tensor<3x16xf32> {
  %w = arith.constant dense<2.0> : tensor<32x16xf32>
  // expected-remark@+1 {{not quantized: its body is not out + A * B (it has 'arith.subf'); only plain multiply-accumulates are quantized}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%x, %w : tensor<3x32xf32>, tensor<32x16xf32>) outs(%init : tensor<3x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.subf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x16xf32>
  return %r : tensor<3x16xf32>
}

// -----

// CHECK-LABEL: func.func @generic_fma
// CHECK: linalg.generic
// CHECK-NOT: qblock.
func.func @generic_fma(%x: tensor<3x32xf32>, %init: tensor<3x16xf32>) -> tensor<3x16xf32> {
  %w = arith.constant dense<2.0> : tensor<32x16xf32>
  // expected-remark@+1 {{not quantized: its body is not out + A * B (it has 'math.fma'); only plain multiply-accumulates are quantized}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%x, %w : tensor<3x32xf32>, tensor<32x16xf32>) outs(%init : tensor<3x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %s = math.fma %a, %b, %c : f32
    linalg.yield %s : f32
  } -> tensor<3x16xf32>
  return %r : tensor<3x16xf32>
}

// -----

// A reshape of a constant (StableHLO's reshape) is what -canonicalize
// folds; the remark used to say it does not.
// CHECK-LABEL: func.func @expanded_weight
// CHECK: linalg.matmul
func.func @expanded_weight(%x: tensor<1x64xf32>, %init: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %flat = arith.constant dense<1.5> : tensor<512xf32>
  %w = tensor.expand_shape %flat [[0, 1]] output_shape [64, 8] : tensor<512xf32> into tensor<64x8xf32>
  // expected-remark@+1 {{not quantized: the weight (B) is computed from constants by 'tensor.expand_shape', not a constant itself; fold it first (-canonicalize folds reshapes of constants)}}
  %r = linalg.matmul ins(%x, %w : tensor<1x64xf32>, tensor<64x8xf32>) outs(%init : tensor<1x8xf32>) -> tensor<1x8xf32>
  return %r : tensor<1x8xf32>
}

// -----

// CHECK-LABEL: func.func @generic_scaled
// CHECK: linalg.generic
// CHECK-NOT: qblock.
func.func @generic_scaled(%x: tensor<3x32xf32>, %init: tensor<3x16xf32>) -> tensor<3x16xf32> {
  %w = arith.constant dense<2.0> : tensor<32x16xf32>
  %two = arith.constant 2.0 : f32
  // expected-remark@+1 {{not quantized: its body is not out + A * B; only plain multiply-accumulates are quantized}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
       ins(%x, %w : tensor<3x32xf32>, tensor<32x16xf32>) outs(%init : tensor<3x16xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %q = arith.mulf %p, %two : f32
    %s = arith.addf %c, %q : f32
    linalg.yield %s : f32
  } -> tensor<3x16xf32>
  return %r : tensor<3x16xf32>
}

// -----

// The activation shared across a batch of weights: the batch indexes B and
// C but not A, so it is a second N. The remark used to list every shape
// qblock.matmul takes, which this op seemed to be.
// CHECK-LABEL: func.func @activation_shared_across_batch
// CHECK: linalg.batch_matmul
func.func @activation_shared_across_batch(%x: tensor<2x64xf32>, %init: tensor<3x2x16xf32>) -> tensor<3x2x16xf32> {
  %w = arith.constant dense<0.5> : tensor<3x64x16xf32>
  // expected-remark@+1 {{not quantized: 2 dimensions index the weight (B) and the result but not the activation (A); qblock.matmul has one N. If A is shared across a batch of weights, broadcast A to that batch first (linalg.broadcast)}}
  %r = linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (m, k)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
    ins(%x, %w : tensor<2x64xf32>, tensor<3x64x16xf32>) outs(%init : tensor<3x2x16xf32>) -> tensor<3x2x16xf32>
  return %r : tensor<3x2x16xf32>
}

// -----

// Two batch dimensions.
// CHECK-LABEL: func.func @two_batches
// CHECK: linalg.generic
func.func @two_batches(%x: tensor<2x3x4x32xf32>, %init: tensor<2x3x4x8xf32>) -> tensor<2x3x4x8xf32> {
  %w = arith.constant dense<1.0> : tensor<2x3x32x8xf32>
  // expected-remark@+1 {{not quantized: it has 2 batch dimensions; qblock.matmul takes at most one: collapse them into one (tensor.collapse_shape)}}
  %r = linalg.generic {indexing_maps = [affine_map<(b0, b1, m, n, k) -> (b0, b1, m, k)>,
                                        affine_map<(b0, b1, m, n, k) -> (b0, b1, k, n)>,
                                        affine_map<(b0, b1, m, n, k) -> (b0, b1, m, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
       ins(%x, %w : tensor<2x3x4x32xf32>, tensor<2x3x32x8xf32>) outs(%init : tensor<2x3x4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x3x4x8xf32>
  return %r : tensor<2x3x4x8xf32>
}

// -----

// A linalg.generic that changes the weight's values (here narrows it to
// f16, which rounds) is not a lossless copy like a transpose or an extf:
// the matmul stays in float.
// CHECK-LABEL: func.func @weight_narrowed_by_generic
// CHECK: linalg.matmul
func.func @weight_narrowed_by_generic(%x: tensor<2x64xf16>, %init: tensor<2x16xf16>) -> tensor<2x16xf16> {
  %w32 = arith.constant dense<0.1> : tensor<64x16xf32>
  %e = tensor.empty() : tensor<64x16xf16>
  %w = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%w32 : tensor<64x16xf32>) outs(%e : tensor<64x16xf16>) {
  ^bb0(%a: f32, %o: f16):
    %v = arith.truncf %a : f32 to f16
    linalg.yield %v : f16
  } -> tensor<64x16xf16>
  // expected-remark@+1 {{not quantized: the weight (B) is computed from constants by 'linalg.generic'}}
  %r = linalg.matmul ins(%x, %w : tensor<2x64xf16>, tensor<64x16xf16>) outs(%init : tensor<2x16xf16>) -> tensor<2x16xf16>
  return %r : tensor<2x16xf16>
}
