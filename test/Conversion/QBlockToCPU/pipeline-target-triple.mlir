// A module whose triple names another architecture than the one the CPU
// pipeline's target picks instructions for: the output kept, say, an
// aarch64 triple around AVX-512 intrinsics and cpuid asm, and the backend
// crashed on it (found by an adversarial run, 2026-12-07). target=host
// emits code for this machine, avx2 and avx512 for x86; target=generic
// emits portable code and keeps the triple.
// REQUIRES: cpu-x86
// RUN: not quant-opt %s --qblock-cpu-pipeline -o /dev/null 2>&1 | FileCheck %s --check-prefix=HOST
// RUN: not quant-opt %s --qblock-cpu-pipeline=target=avx512 -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX512
// RUN: quant-opt %s --qblock-cpu-pipeline=target=generic | FileCheck %s --check-prefix=GENERIC
// RUN: sed 's/riscv64-unknown-linux-gnu/x86_64-unknown-linux-gnu/' %s | quant-opt --qblock-cpu-pipeline=target=avx512 | FileCheck %s --check-prefix=X86
// avx2 and avx512 are x86-64 levels: a 32-bit x86 triple does not fit.
// RUN: sed 's/riscv64-unknown-linux-gnu/i686-pc-linux-gnu/' %s | not quant-opt --qblock-cpu-pipeline=target=avx2 -o /dev/null 2>&1 | FileCheck %s --check-prefix=I686
// I686: error: --qblock-cpu-pipeline with target=avx2 emits instructions for x86-64, but the module's target triple is 'i686-pc-linux-gnu'

// HOST: pipeline-target-triple.mlir:[[@LINE+6]]:1: error: --qblock-cpu-pipeline with target=host emits instructions for this machine (x86_64), but the module's target triple is 'riscv64-unknown-linux-gnu'; use target=generic for portable code, or drop the triple
// AVX512: error: --qblock-cpu-pipeline with target=avx512 emits instructions for x86-64, but the module's target triple is 'riscv64-unknown-linux-gnu'; use target=generic
// GENERIC: module attributes {llvm.target_triple = "riscv64-unknown-linux-gnu"}
// GENERIC: llvm.func @gemv(
// X86: module attributes {llvm.target_triple = "x86_64-unknown-linux-gnu"}
// X86: llvm.func @gemv({{.*}}target_cpu = "x86-64-v4"
module attributes {llvm.target_triple = "riscv64-unknown-linux-gnu"} {
  func.func @gemv(%a: tensor<1x64xf32>, %w: tensor<1152xi8>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
    %q = qblock.from_storage %w : tensor<1152xi8> -> !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>
    %r = qblock.matmul ins(%a, %q : tensor<1x64xf32>, !qblock.qtensor<64x32xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<1x32xf32>) -> tensor<1x32xf32>
    return %r : tensor<1x32xf32>
  }
}
