// RUN: quant-opt %s --qblock-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s

// A matmul with online activation quantization (act_scheme) whose
// activations have a dynamic K: the quantizer used to lay out its blocks by
// that K (ShapedType::kDynamic) and the program crashed. K is the weight's,
// so the dynamic-K call must print exactly what the static-K one does.
// Weights: 2 rows of 32 MXFP4 codes 0x2 (1.0), scale 2^0; activations all
// 1.0, which INT8 holds as 0.99993896 (qblock.dequantize), so every output
// is 31.998047, as qblock.integer_matmul(ones, ones, "mxfp4", "int8") says.
func.func private @printMemrefF32(tensor<*xf32>)

func.func @dynamic_k(%a: tensor<?x?xf32>, %init: tensor<?x2xf32>, %st: tensor<128xi8>) -> tensor<?x2xf32> {
  %w = qblock.from_storage %st : tensor<128xi8> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%a, %w : tensor<?x?xf32>, !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>)
                     outs(%init : tensor<?x2xf32>) {act_scheme = #qblock.scheme<int8>} -> tensor<?x2xf32>
  return %r : tensor<?x2xf32>
}

func.func @static_k(%a: tensor<?x32xf32>, %init: tensor<?x2xf32>, %st: tensor<128xi8>) -> tensor<?x2xf32> {
  %w = qblock.from_storage %st : tensor<128xi8> -> !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>
  %r = qblock.matmul ins(%a, %w : tensor<?x32xf32>, !qblock.qtensor<32x2xf32, #qblock.scheme<mxfp4>, axis = 0>)
                     outs(%init : tensor<?x2xf32>) {act_scheme = #qblock.scheme<int8>} -> tensor<?x2xf32>
  return %r : tensor<?x2xf32>
}

func.func @main() {
  %a = arith.constant dense<1.0> : tensor<3x32xf32>
  %i = arith.constant dense<0.0> : tensor<3x2xf32>
  %init = tensor.cast %i : tensor<3x2xf32> to tensor<?x2xf32>
  %s = arith.constant dense<[34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,34,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,127,127,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]> : tensor<128xi8>
  %as = tensor.cast %a : tensor<3x32xf32> to tensor<?x32xf32>
  %rs = call @static_k(%as, %init, %s) : (tensor<?x32xf32>, tensor<?x2xf32>, tensor<128xi8>) -> tensor<?x2xf32>
  %us = tensor.cast %rs : tensor<?x2xf32> to tensor<*xf32>
  // CHECK: sizes = [3, 2]
  // CHECK-NEXT: {{\[\[}}[[V:31\.99[0-9]*]], [[V]]],
  // CHECK-NEXT: {{\[}}[[V]], [[V]]],
  // CHECK-NEXT: {{\[}}[[V]], [[V]]]]
  call @printMemrefF32(%us) : (tensor<*xf32>) -> ()
  %ad = tensor.cast %a : tensor<3x32xf32> to tensor<?x?xf32>
  %rd = call @dynamic_k(%ad, %init, %s) : (tensor<?x?xf32>, tensor<?x2xf32>, tensor<128xi8>) -> tensor<?x2xf32>
  %ud = tensor.cast %rd : tensor<?x2xf32> to tensor<*xf32>
  // CHECK: sizes = [3, 2]
  // CHECK-NEXT: {{\[\[}}[[V]], [[V]]],
  // CHECK-NEXT: {{\[}}[[V]], [[V]]],
  // CHECK-NEXT: {{\[}}[[V]], [[V]]]]
  call @printMemrefF32(%ud) : (tensor<*xf32>) -> ()
  return
}
