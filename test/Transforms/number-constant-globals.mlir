// RUN: quant-opt %s --qblock-number-constant-globals | FileCheck %s

// Bufferization's constant globals are renumbered in the order of their
// first read and moved, in that order, to the top of the module; unread
// ones follow by name. Other globals and their readers are left alone.
// CHECK-LABEL: module
// CHECK-NEXT: memref.global "private" constant @__constant_4xf32_0 : memref<4xf32> = dense<2.000000e+00>
// CHECK-NEXT: memref.global "private" constant @__constant_4xf32_1 : memref<4xf32> = dense<1.000000e+00>
// CHECK-NEXT: memref.global "private" constant @__constant_2xi32_0 : memref<2xi32> = dense<7>
// CHECK-NEXT: memref.global "private" constant @__constant_4xf32_2 : memref<4xf32> = dense<3.000000e+00>
// CHECK-NEXT: memref.global "private" constant @__constant_4xf32_3 : memref<4xf32> = dense<4.000000e+00>
// CHECK-NEXT: memref.global "private" constant @__qblock_table : memref<4xf32> = dense<5.000000e+00>
// CHECK-LABEL: func.func @first
// CHECK: memref.get_global @__constant_4xf32_0 : memref<4xf32>
// CHECK: memref.get_global @__constant_4xf32_1 : memref<4xf32>
// CHECK: memref.get_global @__qblock_table : memref<4xf32>
// CHECK-LABEL: func.func @second
// CHECK: memref.get_global @__constant_2xi32_0 : memref<2xi32>
// CHECK: memref.get_global @__constant_4xf32_0 : memref<4xf32>
module {
  memref.global "private" constant @__qblock_table : memref<4xf32> = dense<5.0>
  memref.global "private" constant @__constant_4xf32_7 : memref<4xf32> = dense<4.0>
  memref.global "private" constant @__constant_4xf32 : memref<4xf32> = dense<1.0>
  memref.global "private" constant @__constant_2xi32 : memref<2xi32> = dense<7>
  memref.global "private" constant @__constant_4xf32_0 : memref<4xf32> = dense<3.0>
  memref.global "private" constant @__constant_4xf32_3 : memref<4xf32> = dense<2.0>
  func.func @first() -> (memref<4xf32>, memref<4xf32>, memref<4xf32>) {
    %a = memref.get_global @__constant_4xf32_3 : memref<4xf32>
    %b = memref.get_global @__constant_4xf32 : memref<4xf32>
    %c = memref.get_global @__qblock_table : memref<4xf32>
    return %a, %b, %c : memref<4xf32>, memref<4xf32>, memref<4xf32>
  }
  func.func @second() -> (memref<2xi32>, memref<4xf32>) {
    %a = memref.get_global @__constant_2xi32 : memref<2xi32>
    %b = memref.get_global @__constant_4xf32_3 : memref<4xf32>
    return %a, %b : memref<2xi32>, memref<4xf32>
  }
}
