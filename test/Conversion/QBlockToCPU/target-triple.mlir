// The CPU pipeline's output names the compiling machine's target triple,
// so clang and llc compile it for that machine without a warning
// (test/Integration/AOT checks the warning is gone); a triple the module
// already has is kept.
// RUN: quant-opt %s --qblock-cpu-pipeline | FileCheck %s
// RUN: quant-opt %s --qblock-cpu-pipeline="target=generic" | FileCheck %s
// RUN: sed 's/^module {/module attributes {llvm.target_triple = "riscv64-unknown-linux-gnu"} {/' %s \
// RUN:   | quant-opt --qblock-cpu-pipeline="target=generic" | FileCheck %s --check-prefix=KEEP

// CHECK: module attributes {{{.*}}llvm.target_triple = "{{[a-z0-9_]+}}-{{.+}}"
// KEEP: module attributes {{{.*}}llvm.target_triple = "riscv64-unknown-linux-gnu"
module {
  func.func @scale(%x: tensor<4xf32>) -> tensor<4xf32> {
    %0 = arith.addf %x, %x : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}
