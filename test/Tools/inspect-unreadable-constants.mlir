// qblock-inspect on constants it cannot decode: an elided blob and one
// missing from the file's resources printed "(packed data unavailable)"
// and exited 0, so a script took the missing listing for an empty one.
// Each now says why, on stdout and as an error at the constant, and the
// exit status is 1. Inline constants are named inline#N (in order): every
// --values header had the same name "inline", and the listing none.
// RUN: not qblock-inspect %s --values --blocks=0 > %t.out 2> %t.err
// RUN: FileCheck %s --input-file=%t.out
// RUN: FileCheck %s --input-file=%t.err --check-prefix=ERR

// CHECK: qblock.constant inline#0 : !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>
// CHECK: values inline#0 0 32
// CHECK: qblock.constant __elided__ : !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>
// CHECK-NEXT: (packed data unavailable: its dense_resource blob has no data (elided when printed, or missing from the file's resources))
// CHECK: qblock.constant missing : !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>
// CHECK-NEXT: (packed data unavailable: its dense_resource blob has no data
// CHECK: qblock.constant inline#3 : !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>
// CHECK: values inline#3 0 32
// ERR: inspect-unreadable-constants.mlir:[[@LINE+6]]:8: error: cannot decode qblock.constant __elided__: its dense_resource blob has no data (elided when printed, or missing from the file's resources)
// ERR: inspect-unreadable-constants.mlir:[[@LINE+6]]:8: error: cannot decode qblock.constant missing: its dense_resource blob has no data
// ERR-NOT: error:
func.func @f() -> (!qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>, !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>,
                   !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>, !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>) {
  %a = qblock.constant dense<17> : tensor<128xi8> -> !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>
  %b = qblock.constant dense_resource<__elided__> : tensor<128xi8> -> !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>
  %c = qblock.constant dense_resource<missing> : tensor<128xi8> -> !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>
  %d = qblock.constant dense<34> : tensor<128xi8> -> !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>
  return %a, %b, %c, %d : !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>, !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>, !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>, !qblock.qtensor<32xf32, #qblock.scheme<mxfp4>, axis = 0>
}
