// W4A16 matmuls with nvfp4 weights, compiled for every target and run; outputs
// are checked against activations times the weights as decoded by the
// numerics core (check_matmul.py, double precision, rtol 1e-5): a wrong
// scale, dialect table, nibble order or layout fails by orders of magnitude.
// The pass gives NVFP4 weights a per-tensor scale (tensor-scale=true): the
// packed weights hold w / 2^e and the result is multiplied by 2^e.
// gen_matmul.py computes 2^e from its own weights by the documented rule,
// and check_matmul.py scales the decoded NVFP4 weights by it, so a wrong or
// missing tensor scale fails too.
//
// DEFINE: %{target} = host
// DEFINE: %{options} =
// DEFINE: %{rtol} = 1e-5
// DEFINE: %{check} =
// DEFINE: %{run} = quant-opt %t.mlir --qblock-quantize-linalg="scheme=nvfp4 %{options}" --qblock-select-formats -o %t.q.mlir \
// DEFINE:   && qblock-inspect %t.q.mlir --values --blocks=0 > %t.w \
// DEFINE:   && quant-opt %t.q.mlir --qblock-cpu-pipeline="target=%{target}" \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs > %t.out \
// DEFINE:   && %python %S/Inputs/check_matmul.py %t.out %t.json %t.w --rtol %{rtol} %{check} | FileCheck %s
// CHECK: check_matmul: PASS

// GEMM with odd M and N.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 13 --k 64 --seed 11 --acts-out %t.json > %t.mlir
// The AVX-512 kernels run only where the CPU has AVX-512 (lit feature).
// REDEFINE: %{target} = avx512
// RUN: %if cpu-avx512 %{ %{run} %}
// REDEFINE: %{target} = avx2
// RUN: %{run}
// REDEFINE: %{target} = generic
// RUN: %{run}

// GEMV (M = 1) with outlier weights, transposed (N x K) weight.
// RUN: %python %S/Inputs/gen_matmul.py --m 1 --n 37 --k 256 --transposed --outliers --seed 12 --acts-out %t.json > %t.mlir
// REDEFINE: %{target} = host
// RUN: %{run}

// Dynamic M, 9 rows (exercises the 4-row tiles and their remainder).
// RUN: %python %S/Inputs/gen_matmul.py --m 9 --n 20 --k 128 --dynamic-m --seed 13 --acts-out %t.json > %t.mlir
// RUN: %{run}

// Batched, transposed, dynamic M.
// RUN: %python %S/Inputs/gen_matmul.py --m 2 --n 5 --k 64 --batch 3 --transposed --dynamic-m --seed 14 --acts-out %t.json > %t.mlir
// RUN: %{run}

// bf16 activations through the 8-lane (AVX2) decode of 16-element blocks.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 8 --k 64 --act-type bf16 --seed 17 --acts-out %t.json > %t.mlir
// REDEFINE: %{target} = avx2
// RUN: %{run}

// Small weights (std 0.002: most block maxima below 6 * 2^-7, where E4M3
// scales lose their significant bits) keep their precision through the
// tensor scale. f16 activations and result: the matmul accumulates in f32
// and the scaling op rounds once.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 8 --k 64 --weight-std 0.002 --act-type f16 --out-type f16 --seed 18 --acts-out %t.json > %t.mlir
// REDEFINE: %{target} = host
// REDEFINE: %{rtol} = 1e-3
// RUN: %{run}
// REDEFINE: %{rtol} = 1e-5
// What the tensor scale buys on these weights, from --qblock-select-formats'
// report (the error of the packed weights against the constant): rel_mse
// about 0.009 with it, as for in-range weights; about 0.8 without, with the
// out-of-range warning.
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=nvfp4" --qblock-select-formats="report=%t.r.json" -o /dev/null 2>&1 | not grep warning
// RUN: FileCheck %s --input-file=%t.r.json --check-prefix=SCALED
// SCALED: "rel_mse": 0.00{{[0-9]+}},
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=nvfp4 tensor-scale=false" --qblock-select-formats="report=%t.r0.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=WARN
// WARN: warning: weight 'matmul.w0': {{[0-9]+}} of {{[0-9]+}} non-zero blocks have maxima outside the range
// RUN: FileCheck %s --input-file=%t.r0.json --check-prefix=UNSCALED-MSE
// UNSCALED-MSE: "rel_mse": 0.{{[5-9]}}
// A large weight (std 1000: block maxima above 448 * 6, where E4M3
// saturates) is scaled down instead; dynamic M, transposed weight.
// RUN: %python %S/Inputs/gen_matmul.py --m 5 --n 9 --k 64 --weight-std 1000 --transposed --dynamic-m --seed 19 --acts-out %t.json > %t.mlir
// RUN: %{run}
// tensor-scale=false: the weights are quantized as they are.
// RUN: %python %S/Inputs/gen_matmul.py --m 3 --n 13 --k 64 --seed 11 --acts-out %t.json > %t.mlir
// REDEFINE: %{options} = tensor-scale=false
// REDEFINE: %{check} = --tensor-scale off
// RUN: %{run}
// The checker's tensor scale is not a no-op: applied to these unscaled
// weights, the check fails.
// RUN: not %python %S/Inputs/check_matmul.py %t.out %t.json %t.w | FileCheck %s --check-prefix=UNSCALED
// UNSCALED: check_matmul: FAIL
