// W4A16 matmuls compiled by --qblock-gpu-pipeline and run on the GPU through
// qblock's CUDA runtime; outputs are checked against activations times the
// weights as decoded by the numerics core (check_matmul.py, double
// precision, rtol 1e-5), exactly as the CPU integration tests are.
// REQUIRES: cuda-gpu
//
// DEFINE: %{scheme} = blockdialect
// DEFINE: %{format} = isa
// DEFINE: %{gen} = --m 3 --n 13 --k 64 --seed 51
// DEFINE: %{run} = %python %S/../CPU/Inputs/gen_matmul.py %{gen} --acts-out %t.json > %t.mlir \
// DEFINE:   && quant-opt %t.mlir --qblock-quantize-linalg="scheme=%{scheme}" --qblock-select-formats -o %t.q.mlir \
// DEFINE:   && qblock-inspect %t.q.mlir --values --blocks=0 > %t.w \
// DEFINE:   && quant-opt %t.q.mlir --qblock-gpu-pipeline="chip=sm_90a format=%{format}" \
// DEFINE:   | mlir-runner -e main -entry-point-result=void -shared-libs=%gpu_runner_libs > %t.out \
// DEFINE:   && %python %S/../CPU/Inputs/check_matmul.py %t.out %t.json %t.w | FileCheck %s
// CHECK: check_matmul: PASS

// GEMM, odd M and N, PTX loaded through the driver's JIT.
// RUN: %{run}
// The same from a cubin (format=bin assembles with ptxas).
// REDEFINE: %{format} = bin
// RUN: %if ptxas %{ %{run} %}
// REDEFINE: %{format} = isa

// GEMV, transposed weight with outliers, every scheme.
// REDEFINE: %{gen} = --m 1 --n 37 --k 256 --transposed --outliers --seed 52
// RUN: %{run}
// REDEFINE: %{scheme} = mxfp4
// RUN: %{run}
// REDEFINE: %{scheme} = nvfp4
// RUN: %{run}
// REDEFINE: %{scheme} = int4
// RUN: %{run}

// Batched with a dynamic M.
// REDEFINE: %{scheme} = blockdialect
// REDEFINE: %{gen} = --m 2 --n 5 --k 64 --batch 3 --transposed --dynamic-m --seed 53
// RUN: %{run}
