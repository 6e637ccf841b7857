// The CPU pipeline's output names the machine it is for: the module the
// compiling machine's target triple (a triple it already has is kept), and
// every defined function the CPU and features the lowering chose
// instructions for, so that clang and llc compile it with no flags and no
// warning (test/Integration/AOT compiles without -march). A function that
// names its own machine keeps it; declarations get nothing.
// RUN: quant-opt %s --qblock-cpu-pipeline | FileCheck %s --check-prefixes=CHECK,HOST
// RUN: quant-opt %s --qblock-cpu-pipeline="target=avx512" | FileCheck %s --check-prefixes=CHECK,AVX512
// RUN: quant-opt %s --qblock-cpu-pipeline="target=avx2" | FileCheck %s --check-prefixes=CHECK,AVX2
// RUN: quant-opt %s --qblock-cpu-pipeline="target=generic" | FileCheck %s --check-prefixes=CHECK,GENERIC
// RUN: sed 's/^module {/module attributes {llvm.target_triple = "riscv64-unknown-linux-gnu"} {/' %s \
// RUN:   | quant-opt --qblock-cpu-pipeline="target=generic" | FileCheck %s --check-prefix=KEEP
// The step alone (registered so printed pipelines parse again) checks its
// option as the pipeline does.
// The error is at the module's location, without the whole module printed
// after it as "see current operation" (an adversarial run, 2026-12-07).
// RUN: not quant-opt %s --qblock-set-cpu-target="target=avx9" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD --implicit-check-not="current operation"
// BAD: error: qblock-set-cpu-target: unknown target 'avx9'; use generic, avx2, avx512 or host

// CHECK: module attributes {{{.*}}llvm.target_triple = "{{[a-z0-9_]+}}-{{.+}}"
// KEEP: module attributes {{{.*}}llvm.target_triple = "riscv64-unknown-linux-gnu"

// The host's CPU by name, and its features each enabled or disabled.
// HOST: llvm.func @scale({{.*}}) -> {{.*}} attributes {target_cpu = "{{[a-z0-9_.-]+}}", target_features = #llvm.target_features<["{{[-+][a-z0-9_.-]+}}"{{.*}}]>}
// AVX512: llvm.func @scale({{.*}}) -> {{.*}} attributes {target_cpu = "x86-64-v4", target_features = #llvm.target_features<["+avx512vbmi", "+avx512vnni", "+avx512bf16"]>}
// AVX2: llvm.func @scale({{.*}}) -> {{.*}} attributes {target_cpu = "x86-64-v3"} {
// GENERIC: llvm.func @scale({{.*}}) -> {{.*}} {
// GENERIC-NOT: target_cpu
// GENERIC-NOT: target_features
// CHECK: llvm.func @own() attributes {target_cpu = "skylake"} {
// CHECK: llvm.func @declared(i32){{$}}
module {
  func.func @scale(%x: tensor<4xf32>) -> tensor<4xf32> {
    %0 = arith.addf %x, %x : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
  llvm.func @own() attributes {target_cpu = "skylake"} {
    llvm.return
  }
  llvm.func @declared(i32)
}
