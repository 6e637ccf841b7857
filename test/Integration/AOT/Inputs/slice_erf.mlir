// A quantized product whose result is returned sliced (as a fused QKV
// projection is split), and exact GELU's math.erf: besides the kernels the
// object calls upstream's memrefCopy and libm's erff.
func.func @f(%x: tensor<2x64xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<0.015625> : tensor<64x16xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x16xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<2x16xf32>) -> tensor<2x16xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x64xf32>, tensor<64x16xf32>) outs(%i : tensor<2x16xf32>) -> tensor<2x16xf32>
  %s = tensor.extract_slice %y[0, 4] [2, 8] [1, 1] : tensor<2x16xf32> to tensor<2x8xf32>
  return %s : tensor<2x8xf32>
}

func.func @g(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %o = tensor.empty() : tensor<2x8xf32>
  %r = linalg.map ins(%x : tensor<2x8xf32>) outs(%o : tensor<2x8xf32>)
    (%v: f32, %unused: f32) {
      %t = math.erf %v : f32
      linalg.yield %t : f32
    }
  return %r : tensor<2x8xf32>
}
