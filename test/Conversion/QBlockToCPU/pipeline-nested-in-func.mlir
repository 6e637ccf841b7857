// The pipelines run on modules. Nested in func.func they aborted the tool
// ("LLVM ERROR: Can't add pass ... restricted to 'builtin.module'") in
// quant-opt, the C API and Python alike; an adversarial run, 2026-12-07.
// They are now refused when the pipeline is parsed, like a misplaced pass.
// RUN: not quant-opt %s --pass-pipeline="builtin.module(func.func(qblock-cpu-pipeline))" 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: not quant-opt %s --pass-pipeline="builtin.module(func.func(qblock-gpu-pipeline{format=isa}))" 2>&1 | FileCheck %s --check-prefix=GPU
// RUN: not quant-opt %s --pass-pipeline="builtin.module(func.func(qblock-gpu-emulation-pipeline))" 2>&1 | FileCheck %s --check-prefix=EMU
// Op-agnostic (any), they were skipped silently on the ops inside the
// module: refused as well. At module level they run.
// RUN: not quant-opt %s --pass-pipeline="builtin.module(any(qblock-cpu-pipeline))" 2>&1 | FileCheck %s --check-prefix=ANY
// RUN: quant-opt %s --pass-pipeline="builtin.module(qblock-cpu-pipeline)" | FileCheck %s --check-prefix=LOWERED
// ANY: --qblock-cpu-pipeline: runs on builtin.module, not nested in 'any'; use builtin.module(qblock-cpu-pipeline)
// LOWERED: llvm.func @f
// CPU: --qblock-cpu-pipeline: runs on builtin.module, not nested in 'func.func'; use builtin.module(qblock-cpu-pipeline)
// GPU: --qblock-gpu-pipeline: runs on builtin.module, not nested in 'func.func'; use builtin.module(qblock-gpu-pipeline)
// EMU: --qblock-gpu-emulation-pipeline: runs on builtin.module, not nested in 'func.func'; use builtin.module(qblock-gpu-emulation-pipeline)

func.func @f(%a: f32) -> f32 {
  return %a : f32
}
