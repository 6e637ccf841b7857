// A weight whose matmul quantizes activations (acts=, fused or not) keeps
// its block size under budget=: the activation blocks must pair up with the
// weight's, and retyping the weight alone made the matmul fail to verify.
// Weights of W4A16 matmuls still take the budget's choice.
// RUN: quant-opt %s --qblock-quantize-linalg="acts=int8" --qblock-select-formats="budget=5" 2>&1 | FileCheck %s
// RUN: quant-opt %s --qblock-quantize-linalg="acts=mxfp4" --qblock-fuse-activation-quant --qblock-select-formats="budget=5" 2>&1 | FileCheck %s

// CHECK: remark: weight 'w4a4.w0' keeps block = 32 under budget=: its matmul quantizes activations in blocks of the same size
// CHECK-LABEL: func.func @w4a4
// CHECK: qblock.constant {{.*}} -> !qblock.qtensor<64x2xf32, #qblock.scheme<blockdialect>, axis = 0>
// CHECK: qblock.matmul
// CHECK-SAME: !qblock.qtensor<64x2xf32, #qblock.scheme<blockdialect>, axis = 0>
func.func @w4a4(%a: tensor<1x64xf32>, %i: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[0.0, 1.2622], [1.3639, 0.2117], [-1.1352, -1.4384], [-0.4191, 0.9855], [1.484, 0.6182], [-0.816, -1.5], [-0.8049, 0.6303], [1.4859, 0.9754], [-0.4319, -1.4421], [-1.1265, 0.2248], [1.3694, 1.255], [-0.0133, -1.2693], [-1.3584, -0.1985], [1.1438, 1.4346], [0.4064, -0.9955], [-1.482, -0.6061], [0.8271, 1.4999], [0.7936, -0.6423], [-1.4877, -0.9653], [0.4446, 1.4457], [1.1177, -0.2379], [-1.3748, -1.2477], [0.0266, 1.2764], [1.3527, 0.1854], [-1.1524, -1.4306], [-0.3936, 1.0053], [1.4799, 0.5939], [-0.8382, -1.4996], [-0.7823, 0.6542], [1.4893, 0.9551], [-0.4572, -1.4492], [-1.1088, 0.251], [1.38, 1.2402], [-0.0398, -1.2833], [-1.3469, -0.1722], [1.1608, 1.4266], [0.3807, -1.0152], [-1.4777, -0.5817], [0.8492, 1.4993], [0.771, -0.6662], [-1.4908, -0.9448], [0.4698, 1.4525], [1.0998, -0.2641], [-1.3852, -1.2327], [0.0531, 1.2901], [1.341, 0.159], [-1.1692, -1.4224], [-0.3679, 1.0249], [1.4754, 0.5694], [-0.8601, -1.4988], [-0.7595, 0.678], [1.4922, 0.9345], [-0.4824, -1.4558], [-1.0907, 0.2772], [1.3902, 1.2251], [-0.0664, -1.2968], [-1.335, -0.1458], [1.1775, 1.4182], [0.355, -1.0345], [-1.4729, -0.5571], [0.8709, 1.4982], [0.7481, -0.6899], [-1.4935, -0.9241], [0.495, 1.4589]]> : tensor<64x2xf32>
  %r = linalg.matmul ins(%a, %w : tensor<1x64xf32>, tensor<64x2xf32>) outs(%i : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %r : tensor<1x2xf32>
}
