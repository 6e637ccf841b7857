// PTX that calls functions it does not define fails the GPU pipeline's last
// check (lib/Pipelines/CheckLoweredToLLVM.cpp): math functions in a
// hand-written kernel call CUDA's libdevice, which gpu-module-to-binary links
// only from a CUDA toolkit, and without one the pipeline exited 0 with PTX
// that ptxas and the driver reject. (With /usr/local/cuda installed the
// pipeline names it and links libdevice: kernel-math.mlir.)
// RUN: not quant-opt %s --qblock-check-lowered-to-llvm 2>&1 | FileCheck %s

// CHECK: ptx-undefined-functions.mlir:[[@LINE+1]]:1: error: the PTX of kernel module @math_kernel calls '__nv_erff', '__nv_sinf', which it does not define: these are CUDA's libdevice functions (math functions in a kernel), which gpu-module-to-binary links only from a CUDA toolkit, and none was found
gpu.binary @math_kernel [#gpu.object<#nvvm.target<chip = "sm_90a">, assembly = ".version 8.0\0A.target sm_90a\0A.address_size 64\0A\0A.extern .func  (.param .b32 func_retval0) __nv_erff\0A(\0A\09.param .b32 __nv_erff_param_0\0A)\0A;\0A.extern .func  (.param .b32 func_retval0) __nv_sinf\0A(\0A\09.param .b32 __nv_sinf_param_0\0A)\0A;\0A">]
