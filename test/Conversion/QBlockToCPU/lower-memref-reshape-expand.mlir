// RUN: quant-opt %s --qblock-lower-memref-reshape | FileCheck %s

// memref.expand_shape with two dynamic sizes in one group (which MLIR 22's
// expand-strided-metadata crashes on) becomes a reinterpret_cast: the
// source's offset, and in each group the source stride times the sizes
// after it. Expand shapes upstream lowers stay.

// A strided source with a dynamic offset and stride.
// CHECK-LABEL: func.func @strided(
// CHECK-SAME:      %[[M:.*]]: memref<?x4xf32, strided<[?, 1], offset: ?>>, %[[A:.*]]: index, %[[B:.*]]: index)
// CHECK:         %{{.*}}, %[[OFF:.*]], %{{.*}}:2, %[[ST:.*]]:2 = memref.extract_strided_metadata %[[M]]
// CHECK:         %[[OUTER:.*]] = arith.muli %[[ST]]#0, %[[B]] : index
// CHECK:         memref.reinterpret_cast %[[M]] to offset: [%[[OFF]]], sizes: [%[[A]], %[[B]], 4], strides: [%[[OUTER]], %[[ST]]#0, 1]
func.func @strided(%m: memref<?x4xf32, strided<[?, 1], offset: ?>>, %a: index, %b: index) -> memref<?x?x4xf32, strided<[?, ?, 1], offset: ?>> {
  %e = memref.expand_shape %m [[0, 1], [2]] output_shape [%a, %b, 4] : memref<?x4xf32, strided<[?, 1], offset: ?>> into memref<?x?x4xf32, strided<[?, ?, 1], offset: ?>>
  return %e : memref<?x?x4xf32, strided<[?, ?, 1], offset: ?>>
}

// A zero stride stays a static zero, as the expanded type says (a dynamic
// value there would not verify).
// CHECK-LABEL: func.func @zero(
// CHECK:         memref.reinterpret_cast %{{.*}} to offset: [0], sizes: [%{{.*}}, %{{.*}}], strides: [0, 0]
func.func @zero(%m: memref<?xf32, strided<[0]>>, %a: index, %b: index) -> memref<?x?xf32, strided<[0, 0]>> {
  %e = memref.expand_shape %m [[0, 1]] output_shape [%a, %b] : memref<?xf32, strided<[0]>> into memref<?x?xf32, strided<[0, 0]>>
  return %e : memref<?x?xf32, strided<[0, 0]>>
}

// One dynamic size per group: upstream's lowering.
// CHECK-LABEL: func.func @one_dynamic(
// CHECK:         memref.expand_shape
// CHECK-NOT:     memref.reinterpret_cast
func.func @one_dynamic(%m: memref<?xf32>, %a: index) -> memref<?x4xf32> {
  %e = memref.expand_shape %m [[0, 1]] output_shape [%a, 4] : memref<?xf32> into memref<?x4xf32>
  return %e : memref<?x4xf32>
}
