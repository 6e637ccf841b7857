// The GPU pipeline replaces math.floor, math.absf and math.ceil by arith
// expansions
// (lib/Pipelines/ExpandMathForGPU.cpp) to avoid libdevice. This runs the
// expanded code on the CPU over the cases that expansion must get right:
// negative non-integers (step down), integers, values near and beyond 2^23
// (where truncation through i64 would be wrong or unnecessary), infinities,
// NaN and signed zeros.
// RUN: quant-opt %s --qblock-expand-math-for-gpu -o %t.mlir
// RUN: FileCheck %s --check-prefix=IR --input-file=%t.mlir
// RUN: quant-opt %t.mlir --qblock-cpu-pipeline | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s

// IR-NOT: math.floor
// IR-NOT: math.absf
// IR-NOT: math.ceil

func.func @main() {
  %values = arith.constant dense<[-2.5, -2.0, -0.5, -0.0, 0.0, 0.3, 1.0, 7.99,
      8388607.5, -8388607.5, 16777216.0, -1.0e20, 0x7F800000, 0xFF800000,
      0x7FC00000]> : tensor<15xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c15 = arith.constant 15 : index
  scf.for %i = %c0 to %c15 step %c1 {
    %x = tensor.extract %values[%i] : tensor<15xf32>
    %f = math.floor %x : f32
    %a = math.absf %x : f32
    // x - floor(x) shows a one-off error that the printed floor (six
    // significant digits) would hide near 2^23.
    %frac = arith.subf %x, %f : f32
    vector.print %f : f32
    vector.print %a : f32
    vector.print %frac : f32
  }
  // A vector operand takes the same expansion.
  %v = arith.constant dense<[-1.5, 2.5, -3.0, -0.0]> : vector<4xf32>
  %fv = math.floor %v : vector<4xf32>
  %av = math.absf %v : vector<4xf32>
  vector.print %fv : vector<4xf32>
  vector.print %av : vector<4xf32>
  // ceil = -floor(-x): signed zeros, 2^23 - 0.5 (ceil(x) - x shows a
  // one-off error), infinities, NaN.
  %cvals = arith.constant dense<[-2.5, -0.3, -0.0, 0.0, 0.3, 1.0, 7.01,
      8388607.5, -8388607.5, 0xFF800000, 0x7FC00000]> : vector<11xf32>
  %cv = math.ceil %cvals : vector<11xf32>
  %cfrac = arith.subf %cv, %cvals : vector<11xf32>
  vector.print %cv : vector<11xf32>
  vector.print %cfrac : vector<11xf32>
  return
}

// Per value: floor, |x|, x - floor(x).
// CHECK:      -3
// CHECK-NEXT: 2.5
// CHECK-NEXT: 0.5
// CHECK-NEXT: -2
// CHECK-NEXT: 2
// CHECK-NEXT: 0
// CHECK-NEXT: -1
// CHECK-NEXT: 0.5
// CHECK-NEXT: 0.5
// floor(-0.0) keeps its sign; |-0.0| does not.
// CHECK-NEXT: -0
// CHECK-NEXT: {{^}}0
// CHECK-NEXT: {{^}}0
// CHECK-NEXT: {{^}}0
// CHECK-NEXT: {{^}}0
// CHECK-NEXT: {{^}}0
// CHECK-NEXT: {{^}}0
// CHECK-NEXT: 0.3
// CHECK-NEXT: 0.3
// CHECK-NEXT: {{^}}1
// CHECK-NEXT: {{^}}1
// CHECK-NEXT: {{^}}0
// CHECK-NEXT: {{^}}7
// CHECK-NEXT: 7.99
// CHECK-NEXT: 0.99
// 8388607.5 and -8388607.5: fraction 0.5 means floor is exact at 2^23 - 1.
// CHECK-NEXT: {{^}}8.38861e+06
// CHECK-NEXT: {{^}}8.38861e+06
// CHECK-NEXT: {{^}}0.5
// CHECK-NEXT: -8.38861e+06
// CHECK-NEXT: {{^}}8.38861e+06
// CHECK-NEXT: {{^}}0.5
// CHECK-NEXT: {{^}}1.67772e+07
// CHECK-NEXT: {{^}}1.67772e+07
// CHECK-NEXT: {{^}}0
// CHECK-NEXT: -1e+20
// CHECK-NEXT: {{^}}1e+20
// CHECK-NEXT: {{^}}0
// CHECK-NEXT: {{^}}inf
// CHECK-NEXT: {{^}}inf
// CHECK-NEXT: nan
// CHECK-NEXT: -inf
// CHECK-NEXT: {{^}}inf
// CHECK-NEXT: nan
// CHECK-NEXT: {{^}}nan
// CHECK-NEXT: {{^}}nan
// CHECK-NEXT: nan
// CHECK-NEXT: ( -2, 2, -3, -0 )
// CHECK-NEXT: ( 1.5, 2.5, 3, 0 )
// CHECK-NEXT: ( -2, -0, -0, 0, 1, 1, 8, 8.38861e+06, -8.38861e+06, -inf, nan )
// CHECK-NEXT: ( 0.5, 0.3, 0, 0, 0.7, 0, 0.99, 0.5, 0.5, nan, nan )
