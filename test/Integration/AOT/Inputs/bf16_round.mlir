// f32 -> bf16 results, as a model with bf16 outputs writes them.
func.func @round(%x: tensor<4xf32>) -> tensor<4xbf16> {
  %e = tensor.empty() : tensor<4xbf16>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
       ins(%x : tensor<4xf32>) outs(%e : tensor<4xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %t = arith.truncf %in : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<4xbf16>
  return %r : tensor<4xbf16>
}

// Arithmetic in bf16 (x * 3 + 1, the 3 from an integer), which the backend
// computes in f32 and rounds back after each operation: another
// __truncsfbf2 call on x86 without AVX512-BF16.
func.func @axpy(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  %e = tensor.empty() : tensor<4xbf16>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
       ins(%x : tensor<4xbf16>) outs(%e : tensor<4xbf16>) {
  ^bb0(%in: bf16, %out: bf16):
    %three_i = arith.constant 3 : i32
    %three = arith.sitofp %three_i : i32 to bf16
    %one = arith.constant 1.0 : bf16
    %p = arith.mulf %in, %three : bf16
    %s = arith.addf %p, %one : bf16
    linalg.yield %s : bf16
  } -> tensor<4xbf16>
  return %r : tensor<4xbf16>
}
