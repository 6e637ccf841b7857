// qblock-drop-compile-times removes the compile durations that
// gpu-module-to-binary records on gpu.binary objects (they differ on every
// run) and keeps every other property, the object and its kernels.
// RUN: quant-opt %s --qblock-drop-compile-times | FileCheck %s

// CHECK-LABEL: gpu.binary @timed
// CHECK-SAME: [#gpu.object<#nvvm.target<chip = "sm_90a">, properties = {O = 3 : i32}, assembly = "ptx text">,
// CHECK-SAME: #gpu.object<#nvvm.target<chip = "sm_80">, bin = "cubin bytes">]
gpu.binary @timed [
  #gpu.object<#nvvm.target<chip = "sm_90a">,
              properties = {LLVMIRToISATimeInMs = 12 : i64, O = 3 : i32},
              assembly = "ptx text">,
  #gpu.object<#nvvm.target<chip = "sm_80">,
              properties = {ISAToBinaryTimeInMs = 40 : i64, LLVMIRToISATimeInMs = 7 : i64},
              bin = "cubin bytes">
]

// An object without times is left as it is.
// CHECK-LABEL: gpu.binary @untimed
// CHECK-SAME: [#gpu.object<#nvvm.target<chip = "sm_90a">, properties = {O = 2 : i32}, "ptx">]
gpu.binary @untimed [#gpu.object<#nvvm.target<chip = "sm_90a">, properties = {O = 2 : i32}, "ptx">]
