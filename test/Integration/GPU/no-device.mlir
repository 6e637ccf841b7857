// Where the CUDA runtime is built but no GPU answers (CI, build machines),
// a GPU-compiled program must stop with a message that says why, not crash
// or print numbers. This also checks that libqblock_cuda_runtime.so defines
// every mgpu* function the compiled host code calls: mlir-runner resolves
// them all before @main runs.
// REQUIRES: cuda-runtime
// UNSUPPORTED: cuda-gpu
// RUN: %python %S/../CPU/Inputs/gen_matmul.py --m 2 --n 16 --k 64 --seed 41 --acts-out %t.json > %t.mlir
// RUN: quant-opt %t.mlir --qblock-quantize-linalg="scheme=blockdialect" --qblock-select-formats \
// RUN:   --qblock-gpu-pipeline="chip=sm_90a format=isa" -o %t.gpu.mlir
// RUN: not mlir-runner %t.gpu.mlir -e main -entry-point-result=void -shared-libs=%gpu_runner_libs 2>&1 | FileCheck %s
// CHECK-NOT: Symbols not found
// CHECK: qblock-cuda-runtime: {{no CUDA driver|cuInit failed|the CUDA driver reports no device}}
// CHECK-NOT: [
//
// The toolkit's stub libcuda (present with CUDA, never a driver) is named.
// RUN: %if ptxas %{ env LD_LIBRARY_PATH=/usr/local/cuda/lib64/stubs not mlir-runner %t.gpu.mlir -e main -entry-point-result=void -shared-libs=%gpu_runner_libs 2>&1 | FileCheck %s --check-prefix=STUB %}
// STUB: qblock-cuda-runtime: cuInit failed with CUDA_ERROR_STUB_LIBRARY
