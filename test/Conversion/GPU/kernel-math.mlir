// Math ops LLVM has no intrinsic for (math.erf, math.erfc, math.cbrt) in a
// hand-written kernel become calls of CUDA's libdevice, which
// gpu-module-to-binary links only from a CUDA toolkit. Where the
// environment names none, the pipeline names /usr/local/cuda when it has
// libdevice, so the calls are linked and expanded into arithmetic: the PTX
// declares no external function and assembles. Before 2026-12-08 it kept
// them as externs that ptxas rejects, and the pipeline exited 0 (without
// any toolkit that is now an error: ptx-undefined-functions.mlir). The
// emulation pipeline runs the same kernel
// (test/Integration/GPU/Emulated/kernel-math.mlir).
// REQUIRES: ptxas
// RUN: env -u CUDA_ROOT -u CUDA_HOME -u CUDA_PATH quant-opt %S/../../Integration/GPU/Emulated/kernel-math.mlir --qblock-gpu-pipeline="chip=sm_90a format=isa" -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// RUN: %python %S/Inputs/extract_ptx.py %t.mlir %t.k | FileCheck %s --check-prefix=EXTRACT
// RUN: FileCheck %s --check-prefix=PTX --implicit-check-not=.extern --implicit-check-not=call.uni --input-file=%t.k0.ptx
// RUN: ptxas -arch=sm_90a %t.k0.ptx -o %t.k0.cubin
// CHECK: gpu.launch_func @main_kernel::@main_kernel
// CHECK: gpu.binary @main_kernel
// EXTRACT: extracted 1 PTX modules
// PTX: .entry main_kernel
// PTX: fma.rn.f32
