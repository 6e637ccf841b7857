// RUN: quant-opt %s --qblock-select-formats="report=%t.json" | FileCheck %s
// RUN: FileCheck %s --input-file=%t.json --check-prefix=REPORT
// RUN: quant-opt %s --qblock-select-formats | qblock-inspect --blocks=1 | FileCheck %s --check-prefix=DECODED
// A report path that opens but cannot be written is a diagnostic, not the
// output stream's fatal error.
// RUN: not quant-opt %s --qblock-select-formats="report=/dev/full" 2>&1 | FileCheck %s --check-prefix=FULL
// FULL: error: cannot write report '/dev/full': No space left on device
// RUN: not qblock-inspect --blocks=-1 %s 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// NEGATIVE: qblock-inspect: error: --blocks=-1 is negative; give a count of blocks to print (0 for none)

// One MXFP4 block with amax 7.75: scale 2^0 (E8M0 code 0x7F). Codes by hand:
// 0.25 -> 0 (tie 0/0.5 goes down), 0.75 -> idx 1 (0.5), 1.25 -> idx 2 (1.0),
// 2.5 -> idx 4 (2.0), 3.5 -> idx 5 (3.0), 5.0 -> idx 6 (4.0), 7.75 -> idx 7
// (clamped to 6.0), -7.75 -> sign|7 = 0xF. Bytes hold two codes, low nibble
// first: 10 42 65 F7, then zeros. One-dialect book: no dialect array; the
// scale array starts at byte 64.
// CHECK-LABEL: func.func @mxfp4
// CHECK-NOT: arith.constant
// CHECK: %[[C:.*]] = qblock.constant dense_resource<[[MX:.*]]> : tensor<128xi8> -> !qblock.qtensor<1x32xf32, #qblock.scheme<mxfp4>, axis = 1>
// CHECK: return %[[C]]
func.func @mxfp4() -> !qblock.qtensor<1x32xf32, #qblock.scheme<mxfp4>, axis = 1> {
  %cst = arith.constant dense<[[0.25, 0.75, 1.25, 2.5, 3.5, 5.0, 7.75, -7.75, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<1x32xf32>
  %q = qblock.quantize %cst : tensor<1x32xf32> -> !qblock.qtensor<1x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  return %q : !qblock.qtensor<1x32xf32, #qblock.scheme<mxfp4>, axis = 1>
}

// DialectFP4: values on dialect 0's grid (0 .5 1 1.5 2 3 5.5 7.5); MSE keeps
// dialect 0. 5.5 -> idx 6, 7.5 -> idx 7, -3 -> 0x8|5 = 0xD, 1.5 -> idx 3:
// bytes 76 3D. Dialect ids at byte 64 (one byte: 0), scales at byte 128.
// CHECK-LABEL: func.func @blockdialect
// CHECK: qblock.constant dense_resource<[[BD:.*]]> : tensor<192xi8> -> !qblock.qtensor<32x1xf32, #qblock.scheme<blockdialect>, axis = 0>
func.func @blockdialect() -> !qblock.qtensor<32x1xf32, #qblock.scheme<blockdialect>, axis = 0> {
  %cst = arith.constant dense<[[5.5], [7.5], [-3.0], [1.5], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0]]> : tensor<32x1xf32>
  %q = qblock.quantize %cst : tensor<32x1xf32> -> !qblock.qtensor<32x1xf32, #qblock.scheme<blockdialect>, axis = 0>
  return %q : !qblock.qtensor<32x1xf32, #qblock.scheme<blockdialect>, axis = 0>
}

// Quantizations of non-constants stay (they run at run time).
// CHECK-LABEL: func.func @runtime
// CHECK: qblock.quantize
func.func @runtime(%x: tensor<4x32xf32>) -> !qblock.qtensor<4x32xf32, #qblock.scheme<mxfp4>, axis = 1> {
  %q = qblock.quantize %x : tensor<4x32xf32> -> !qblock.qtensor<4x32xf32, #qblock.scheme<mxfp4>, axis = 1>
  return %q : !qblock.qtensor<4x32xf32, #qblock.scheme<mxfp4>, axis = 1>
}

// CHECK: [[MX]]: "0x10000000104265F70000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007F000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
// CHECK: [[BD]]: "0x10000000763D0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007F000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

// REPORT:      "tensors": [
// REPORT:        "name": "mxfp4.w0",
// REPORT-NEXT:   "shape": [
// REPORT-NEXT:     1,
// REPORT-NEXT:     32
// REPORT-NEXT:   ],
// REPORT-NEXT:   "scheme": "mxfp4",
// REPORT-NEXT:   "block": 32,
// REPORT-NEXT:   "select": "mse",
// Hand computed: sum of squared errors 7.8125 over sum of squares 165.8125.
// REPORT-NEXT:   "rel_mse": 0.0471164
// REPORT-NEXT:   "bits_per_element": 4.25,
// REPORT-NEXT:   "histogram": [
// REPORT-NEXT:     1
// REPORT-NEXT:   ]
// REPORT:        "name": "blockdialect.w1",
// REPORT:        "scheme": "blockdialect",
// REPORT:        "rel_mse": 0,
// REPORT-NEXT:   "bits_per_element": 4.375,
// REPORT-NEXT:   "histogram": [
// REPORT-NEXT:     1,
// REPORT-COUNT-15: 0

// DECODED: qblock.constant {{.*}} : !qblock.qtensor<1x32xf32, #qblock.scheme<mxfp4>, axis = 1>
// DECODED-NEXT: 128 bytes, 4.25 bits/element, 1 blocks of 32
// DECODED-NEXT: row 0 block 0: dialect 0, scale e8m0 0x7f = 1
// DECODED-NEXT: values: 0 0.5 1 2 3 4 6 -6 0 0
// DECODED: qblock.constant {{.*}} : !qblock.qtensor<32x1xf32, #qblock.scheme<blockdialect>, axis = 0>
// DECODED-NEXT: 192 bytes, 4.375 bits/element, 1 blocks of 32
// DECODED-NEXT: row 0 block 0: dialect 0, scale e8m0 0x7f = 1
// DECODED-NEXT: values: 5.5 7.5 -3 1.5 0 0
