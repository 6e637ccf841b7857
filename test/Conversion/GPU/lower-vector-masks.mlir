// RUN: quant-opt %s --qblock-lower-vector-masks-for-gpu | FileCheck %s

// convert-gpu-to-nvvm has no pattern for vector.constant_mask; the GPU
// pipeline replaces it by the constant of its i1 values.
// CHECK-LABEL: func.func @masks
// CHECK-DAG: arith.constant dense<[true, true, true, false, false]> : vector<5xi1>
// CHECK-DAG: arith.constant dense<{{\[}}[true, true, false], [true, true, false], [false, false, false]]> : vector<3x3xi1>
// CHECK-NOT: vector.constant_mask
func.func @masks() -> (vector<5xi1>, vector<3x3xi1>) {
  %a = vector.constant_mask [3] : vector<5xi1>
  %b = vector.constant_mask [2, 2] : vector<3x3xi1>
  return %a, %b : vector<5xi1>, vector<3x3xi1>
}
