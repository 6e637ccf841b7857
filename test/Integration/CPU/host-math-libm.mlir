// Math ops without an LLVM intrinsic in user code (exact GELU's math.erf as
// torch-mlir emits it, erfc, cbrt, the inverse hyperbolics) become libm
// calls (lib/Pipelines/LowerMathToLibm.cpp): scalars, f16 through f32, and
// vectors element by element. They used to survive the pipeline and fail
// in translation. expm1 and log1p have no intrinsic either; upstream's
// math-to-llvm computed them as exp(x) - 1 and log(1 + x), 19% off at
// x = 1e-7 and 0 at 1e-20 (found by an adversarial run, 2026-12-08), so
// they are checked at x around 1e-6, relative to the value. The results
// are checked against Python's math module.
// RUN: quant-opt %s --qblock-cpu-pipeline -o %t.ll.mlir
// RUN: FileCheck %s --check-prefix=IR --implicit-check-not=math. --input-file=%t.ll.mlir
// RUN: mlir-runner %t.ll.mlir -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.out
// RUN: %python %S/Inputs/check_host_math.py %t.out | FileCheck %s
// CHECK: check_host_math: PASS 10 functions

// IR-DAG: llvm.func @erff(f32) -> f32
// IR-DAG: llvm.func @erfcf(f32) -> f32
// IR-DAG: llvm.func @cbrtf(f32) -> f32
// IR-DAG: llvm.func @asinhf(f32) -> f32
// IR-DAG: llvm.func @acoshf(f32) -> f32
// IR-DAG: llvm.func @atanhf(f32) -> f32
// IR-DAG: llvm.func @expm1f(f32) -> f32
// IR-DAG: llvm.func @log1pf(f32) -> f32

func.func private @printMemrefF32(tensor<*xf32>)

#map = affine_map<(d0) -> (d0)>

func.func @apply(%x: tensor<8xf32>, %which: index) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%v: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %quarter = arith.constant 0.25 : f32
    %y = scf.index_switch %which -> f32
    case 0 {
      %r0 = math.erf %v : f32
      scf.yield %r0 : f32
    }
    case 1 {
      %r1 = math.erfc %v : f32
      scf.yield %r1 : f32
    }
    case 2 {
      %r2 = math.cbrt %v : f32
      scf.yield %r2 : f32
    }
    case 3 {
      %r3 = math.asinh %v : f32
      scf.yield %r3 : f32
    }
    case 4 {
      %a = math.absf %v : f32
      %a1 = arith.addf %a, %one : f32
      %r4 = math.acosh %a1 : f32
      scf.yield %r4 : f32
    }
    case 5 {
      %q = arith.mulf %v, %quarter : f32
      %r5 = math.atanh %q : f32
      scf.yield %r5 : f32
    }
    case 6 {
      %micro = arith.constant 1.0e-6 : f32
      %s6 = arith.mulf %v, %micro : f32
      %r6 = math.expm1 %s6 : f32
      scf.yield %r6 : f32
    }
    case 7 {
      %micro = arith.constant 1.0e-6 : f32
      %s7 = arith.mulf %v, %micro : f32
      %r7 = math.log1p %s7 : f32
      scf.yield %r7 : f32
    }
    default {
      %h = arith.truncf %v : f32 to f16
      %eh = math.erf %h : f16
      %r8 = arith.extf %eh : f16 to f32
      scf.yield %r8 : f32
    }
    linalg.yield %y : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// Exact GELU on a whole vector: x * 0.5 * (1 + erf(x / sqrt(2))).
func.func @gelu(%x: vector<8xf32>) -> vector<8xf32> {
  %half = arith.constant dense<0.5> : vector<8xf32>
  %one = arith.constant dense<1.0> : vector<8xf32>
  %rs2 = arith.constant dense<0.70710678> : vector<8xf32>
  %t = arith.mulf %x, %rs2 : vector<8xf32>
  %er = math.erf %t : vector<8xf32>
  %a1 = arith.addf %er, %one : vector<8xf32>
  %a2 = arith.mulf %a1, %half : vector<8xf32>
  %y = arith.mulf %x, %a2 : vector<8xf32>
  return %y : vector<8xf32>
}

func.func @main() {
  %x = arith.constant dense<[-2.5, -1.0, -0.3, 0.0, 0.2, 0.7, 1.5, 3.0]> : tensor<8xf32>
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<11x8xf32>
  %t0 = tensor.insert_slice %x into %e[0, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<11x8xf32>
  %i0 = arith.constant 0 : index
  %i1 = arith.constant 1 : index
  %i2 = arith.constant 2 : index
  %i3 = arith.constant 3 : index
  %i4 = arith.constant 4 : index
  %i5 = arith.constant 5 : index
  %i6 = arith.constant 6 : index
  %i7 = arith.constant 7 : index
  %i8 = arith.constant 8 : index
  %y0 = call @apply(%x, %i0) : (tensor<8xf32>, index) -> tensor<8xf32>
  %t1 = tensor.insert_slice %y0 into %t0[1, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<11x8xf32>
  %y1 = call @apply(%x, %i1) : (tensor<8xf32>, index) -> tensor<8xf32>
  %t2 = tensor.insert_slice %y1 into %t1[2, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<11x8xf32>
  %y2 = call @apply(%x, %i2) : (tensor<8xf32>, index) -> tensor<8xf32>
  %t3 = tensor.insert_slice %y2 into %t2[3, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<11x8xf32>
  %y3 = call @apply(%x, %i3) : (tensor<8xf32>, index) -> tensor<8xf32>
  %t4 = tensor.insert_slice %y3 into %t3[4, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<11x8xf32>
  %y4 = call @apply(%x, %i4) : (tensor<8xf32>, index) -> tensor<8xf32>
  %t5 = tensor.insert_slice %y4 into %t4[5, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<11x8xf32>
  %y5 = call @apply(%x, %i5) : (tensor<8xf32>, index) -> tensor<8xf32>
  %t6 = tensor.insert_slice %y5 into %t5[6, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<11x8xf32>
  %y6 = call @apply(%x, %i6) : (tensor<8xf32>, index) -> tensor<8xf32>
  %t7 = tensor.insert_slice %y6 into %t6[7, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<11x8xf32>
  %y7 = call @apply(%x, %i7) : (tensor<8xf32>, index) -> tensor<8xf32>
  %t8 = tensor.insert_slice %y7 into %t7[8, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<11x8xf32>
  %y8 = call @apply(%x, %i8) : (tensor<8xf32>, index) -> tensor<8xf32>
  %t9 = tensor.insert_slice %y8 into %t8[9, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<11x8xf32>
  %xv = vector.transfer_read %x[%c0], %zero : tensor<8xf32>, vector<8xf32>
  %gv = call @gelu(%xv) : (vector<8xf32>) -> vector<8xf32>
  %g = tensor.empty() : tensor<8xf32>
  %gt = vector.transfer_write %gv, %g[%c0] : vector<8xf32>, tensor<8xf32>
  %t10 = tensor.insert_slice %gt into %t9[10, 0] [1, 8] [1, 1] : tensor<8xf32> into tensor<11x8xf32>
  %u = tensor.cast %t10 : tensor<11x8xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
