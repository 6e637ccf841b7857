// Half-precision weights in dense_resource blobs (how torch-mlir carries an
// f16 or bf16 model's weights) are packed like dense<> ones: the same values
// give the same packed bytes. select-formats used to leave them, silently,
// as run-time qblock.quantize ops.
// RUN: quant-opt %s --qblock-select-formats | FileCheck %s
// NVFP4's tensor scale writes a scaled blob of the same type: max |w| = 1,
// e = -11: the rows become [2048, -1024], [512, 1536] (f16 0x6800, 0xE400,
// 0x6000, 0x6600; bf16 0x4500, 0xC480, 0x4400, 0x44C0), little-endian after
// a 4-byte alignment header.
// RUN: quant-opt %s --qblock-quantize-linalg="scheme=nvfp4" | FileCheck %s --check-prefix=SCALED

// CHECK-LABEL: func.func @f16
// CHECK: qblock.constant dense_resource<[[RES16:[^>]+]]> : tensor<{{[0-9]+}}xi8> -> !qblock.qtensor<32x2xf16, #qblock.scheme<blockdialect>, axis = 0>
// CHECK: qblock.constant dense_resource<[[DENSE16:[^>]+]]> : tensor<{{[0-9]+}}xi8> -> !qblock.qtensor<32x2xf16, #qblock.scheme<blockdialect>, axis = 0>
// CHECK-LABEL: func.func @bf16
// CHECK: qblock.constant dense_resource<[[RESBF:[^>]+]]> : tensor<{{[0-9]+}}xi8> -> !qblock.qtensor<32x2xbf16, #qblock.scheme<blockdialect>, axis = 0>
// CHECK: qblock.constant dense_resource<[[DENSEBF:[^>]+]]> : tensor<{{[0-9]+}}xi8> -> !qblock.qtensor<32x2xbf16, #qblock.scheme<blockdialect>, axis = 0>
// CHECK-NOT: qblock.quantize
// CHECK-DAG: [[RES16]]: "[[BYTES16:0x[0-9A-F]+]]"
// CHECK-DAG: [[DENSE16]]: "[[BYTES16]]"
// CHECK-DAG: [[RESBF]]: "[[BYTESBF:0x[0-9A-F]+]]"
// CHECK-DAG: [[DENSEBF]]: "[[BYTESBF]]"
func.func @f16() -> (!qblock.qtensor<32x2xf16, #qblock.scheme<blockdialect>, axis = 0>, !qblock.qtensor<32x2xf16, #qblock.scheme<blockdialect>, axis = 0>) {
  %r = arith.constant dense_resource<w16> : tensor<32x2xf16>
  %d = arith.constant dense<[[1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75]]> : tensor<32x2xf16>
  %qr = qblock.quantize %r : tensor<32x2xf16> -> !qblock.qtensor<32x2xf16, #qblock.scheme<blockdialect>, axis = 0>
  %qd = qblock.quantize %d : tensor<32x2xf16> -> !qblock.qtensor<32x2xf16, #qblock.scheme<blockdialect>, axis = 0>
  return %qr, %qd : !qblock.qtensor<32x2xf16, #qblock.scheme<blockdialect>, axis = 0>, !qblock.qtensor<32x2xf16, #qblock.scheme<blockdialect>, axis = 0>
}

func.func @bf16() -> (!qblock.qtensor<32x2xbf16, #qblock.scheme<blockdialect>, axis = 0>, !qblock.qtensor<32x2xbf16, #qblock.scheme<blockdialect>, axis = 0>) {
  %r = arith.constant dense_resource<wbf16> : tensor<32x2xbf16>
  %d = arith.constant dense<[[1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75], [1.0, -0.5], [0.25, 0.75]]> : tensor<32x2xbf16>
  %qr = qblock.quantize %r : tensor<32x2xbf16> -> !qblock.qtensor<32x2xbf16, #qblock.scheme<blockdialect>, axis = 0>
  %qd = qblock.quantize %d : tensor<32x2xbf16> -> !qblock.qtensor<32x2xbf16, #qblock.scheme<blockdialect>, axis = 0>
  return %qr, %qd : !qblock.qtensor<32x2xbf16, #qblock.scheme<blockdialect>, axis = 0>, !qblock.qtensor<32x2xbf16, #qblock.scheme<blockdialect>, axis = 0>
}

// SCALED-LABEL: func.func @matmul16
// SCALED: arith.constant dense_resource<w16.tensor_scaled> : tensor<32x2xf16>
// SCALED: arith.constant 4.8828125E-4 : f32
// SCALED-LABEL: func.func @matmulbf16
// SCALED: arith.constant dense_resource<wbf16.tensor_scaled> : tensor<32x2xbf16>
// SCALED-DAG: w16.tensor_scaled: "0x04000000{{(006800E400600066)+}}"
// SCALED-DAG: wbf16.tensor_scaled: "0x04000000{{(004580C40044C044)+}}"
func.func @matmul16(%x: tensor<1x32xf16>, %init: tensor<1x2xf16>) -> tensor<1x2xf16> {
  %w = arith.constant dense_resource<w16> : tensor<32x2xf16>
  %r = linalg.matmul ins(%x, %w : tensor<1x32xf16>, tensor<32x2xf16>) outs(%init : tensor<1x2xf16>) -> tensor<1x2xf16>
  return %r : tensor<1x2xf16>
}

func.func @matmulbf16(%x: tensor<1x32xbf16>, %init: tensor<1x2xbf16>) -> tensor<1x2xbf16> {
  %w = arith.constant dense_resource<wbf16> : tensor<32x2xbf16>
  %r = linalg.matmul ins(%x, %w : tensor<1x32xbf16>, tensor<32x2xbf16>) outs(%init : tensor<1x2xbf16>) -> tensor<1x2xbf16>
  return %r : tensor<1x2xbf16>
}

// Both blobs hold the rows [1.0, -0.5], [0.25, 0.75], repeated, after the
// 4-byte alignment header.
{-#
  dialect_resources: {
    builtin: {
      w16: "0x02000000003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A003C00B80034003A",
      wbf16: "0x02000000803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F803F00BF803E403F"
    }
  }
#-}
