// --qblock-gpu-pipeline's chip= picks the NVPTX target and the oldest PTX
// ISA that has it (older drivers JIT older PTX), and every kernel kind
// assembles for that chip: W4A16 on tensor cores, LUT-GEMM, W4A4 / W4A8.
// Unsupported chips, formats and tensor cores without mma.sync are errors
// when the pipeline is parsed, not crashes or LLVM fatal errors.
//
// RUN: quant-opt %S/pipeline-tensor-cores.mlir --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --qblock-gpu-pipeline="chip=sm_80 tensor-cores=true" -o %t.80.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.80.mlir %t.80. | FileCheck %s --check-prefix=EXTRACT
// RUN: FileCheck %s --check-prefix=SM80 --input-file=%t.80.0.ptx
// RUN: %if ptxas %{ for i in 0 1 2; do ptxas -arch=sm_80 %t.80.$i.ptx -o %t.80.$i.cubin || exit 1; done %}
// RUN: quant-opt %S/pipeline-tensor-cores.mlir --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats --qblock-gpu-pipeline="chip=sm_100a tensor-cores=true" -o %t.100.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.100.mlir %t.100. | FileCheck %s --check-prefix=EXTRACT
// RUN: FileCheck %s --check-prefix=SM100 --input-file=%t.100.0.ptx
// RUN: %if ptxas %{ for i in 0 1 2; do ptxas -arch=sm_100a %t.100.$i.ptx -o %t.100.$i.cubin || exit 1; done %}
// RUN: quant-opt %S/pipeline-lut-w4a4.mlir --qblock-gpu-pipeline="chip=sm_120a" -o %t.120.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.120.mlir %t.120. | FileCheck %s --check-prefix=EXTRACT9
// RUN: FileCheck %s --check-prefix=SM120 --input-file=%t.120.0.ptx
// RUN: %if ptxas %{ for i in 0 1 2 3 4 5 6 7 8; do ptxas -arch=sm_120a %t.120.$i.ptx -o %t.120.$i.cubin || exit 1; done %}
//
// EXTRACT: extracted 3 PTX modules
// EXTRACT9: extracted 9 PTX modules
// SM80: .version 8.0
// SM80: .target sm_80
// SM80: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// SM100: .version 8.6
// SM100: .target sm_100a
// SM100: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// SM120: .version 8.7
// SM120: .target sm_120a
//
// RUN: not quant-opt %s --qblock-gpu-pipeline="chip=foo" 2>&1 | FileCheck %s --check-prefix=BADCHIP
// RUN: not quant-opt %s --qblock-gpu-pipeline="chip=" 2>&1 | FileCheck %s --check-prefix=BADCHIP
// RUN: not quant-opt %s --qblock-gpu-pipeline="chip=sm_70" 2>&1 | FileCheck %s --check-prefix=BADCHIP
// BADCHIP: error: --qblock-gpu-pipeline: chip={{.*}} is not a supported NVIDIA GPU; use sm_90a (H100, H200)
// RUN: not quant-opt %s --qblock-gpu-pipeline="format=foo" 2>&1 | FileCheck %s --check-prefix=BADFORMAT
// BADFORMAT: error: --qblock-gpu-pipeline: format=foo is unknown; use format=isa
// RUN: not quant-opt %s --qblock-gpu-pipeline="chip=sm_75 tensor-cores=true" 2>&1 | FileCheck %s --check-prefix=NOMMA
// NOMMA: error: --qblock-gpu-pipeline: tensor-cores=true needs mma.sync for f16/bf16 (m16n8k16) and s8 (m16n8k32), which sm_75 does not have
// RUN: not quant-opt %s --qblock-gpu-pipeline="weight-decode=lut" 2>&1 | FileCheck %s --check-prefix=BADDECODE
// BADDECODE: error: --qblock-gpu-pipeline: weight-decode=lut is unknown; use weight-decode=permute (byte permutes in registers, the default) or weight-decode=table (a workgroup table lookup per weight)
// sm_75 itself is supported (without tensor cores).
// RUN: quant-opt %S/pipeline-lut-w4a4.mlir --qblock-gpu-pipeline="chip=sm_75" -o %t.75.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.75.mlir %t.75. | FileCheck %s --check-prefix=EXTRACT9
// RUN: %if ptxas %{ for i in 0 1 2 3 4 5 6 7 8; do ptxas -arch=sm_75 %t.75.$i.ptx -o %t.75.$i.cubin || exit 1; done %}

func.func @empty() {
  return
}
