// --qblock-gpu-pipeline: a W4A16 qblock.matmul on packed weights becomes the
// GPU matmul kernel (qblock-convert-matmul-to-gpu, then
// qblock-gpu-matmul-kernels after bufferization), one gpu.launch_func and
// a gpu.binary holding sm_90a PTX.
// RUN: quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -o %t.mlir
// RUN: FileCheck %s --input-file=%t.mlir
// In the PTX, 16-byte loads of packed codes, the half scales in shared
// memory, each block's dialect words in one 16-byte load, byte permutes,
// FMAs, a butterfly of warp shuffles; it assembles for sm_90a
// where ptxas is installed.
// RUN: %if ptxas %{ %python %S/Inputs/extract_ptx.py %t.mlir %t.k | FileCheck %s --check-prefix=EXTRACT %}
// RUN: %if ptxas %{ FileCheck %s --check-prefix=PTX --input-file=%t.k0.ptx %}
// RUN: %if ptxas %{ ptxas -arch=sm_90a %t.k0.ptx -o %t.k0.cubin %}
// cubin directly (format=bin uses ptxas).
// RUN: %if ptxas %{ quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=bin" | FileCheck %s --check-prefix=BIN %}
// CUDA's installers leave ptxas off PATH: format=bin still finds it in
// /usr/local/cuda (upstream looks only on PATH and where $CUDA_HOME points),
// silently (naming that toolkit also links its libdevice, which must exist).
// RUN: %if ptxas %{ env -u CUDA_ROOT -u CUDA_HOME -u CUDA_PATH PATH=/nonexistent quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=bin" 2> %t.bin.err | FileCheck %s --check-prefix=BIN %}
// RUN: %if ptxas %{ count 0 < %t.bin.err %}
// Without any ptxas, format=bin is an error when the pipeline is parsed.
// RUN: %if !ptxas %{ not env -u CUDA_ROOT -u CUDA_HOME -u CUDA_PATH PATH=/nonexistent quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=bin" 2>&1 | FileCheck %s --check-prefix=NOPTXAS %}
// A toolkit the environment names without its libdevice: upstream's
// gpu-module-to-binary printed "error:" with a dump of the whole kernel
// module and exited 0. It is refused when the pipeline is parsed.
// RUN: not env -u CUDA_ROOT -u CUDA_PATH CUDA_HOME=%t.nowhere quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" 2>&1 | FileCheck %s --check-prefix=BADHOME
// BADHOME: --qblock-gpu-pipeline: $CUDA_HOME names '{{.*}}nowhere', which is not a whole CUDA toolkit (it has no nvvm/libdevice/libdevice.10.bc, which gpu-module-to-binary links from the toolkit it names); point $CUDA_HOME at a CUDA toolkit, or unset it (format=isa needs no CUDA)
// NOPTXAS: --qblock-gpu-pipeline: format=bin runs CUDA's ptxas, which is neither on PATH nor in the toolkit that $CUDA_ROOT, $CUDA_HOME or $CUDA_PATH names, nor in a whole CUDA toolkit in /usr/local/cuda; install the CUDA toolkit (or add the bin directory of yours to PATH), or use format=isa (PTX, needs no CUDA)

// The host module names the compiling machine's triple (clang warned
// "overriding the module target triple" on the ahead-of-time path).
// CHECK: module attributes {{.*}}llvm.target_triple = "{{.+}}"
// CHECK: llvm.func @gemm
// CHECK: gpu.launch_func @gemm_kernel::@gemm_kernel
// CHECK-NOT: gpu.launch_func
// The object's properties hold no compile times (qblock-drop-compile-times):
// the output is the same on every run.
// CHECK: gpu.binary @gemm_kernel [#gpu.object<#nvvm.target<chip = "sm_90a", features = "+ptx80">, properties = {O = 2 : i32}, assembly = "{{.*}}.target sm_90a{{.*}}.entry gemm_kernel
// EXTRACT: extracted 1 PTX modules
// PTX: .global .align 64 .b8 __qblock_gpu_decode_{{[0-9A-F]+}}[1024]
// PTX: .global .align 64 .b8 __qblock_gpu_permute_{{[0-9A-F]+}}[256]
// PTX: .entry gemm_kernel(
// PTX: .shared .align 4 .b8 [[TABLE:.*]][1024];
// PTX: ld.global.nc.b32
// PTX: st.shared.b32
// PTX: bar.sync 0;
// PTX: ld.global.v4.b32
// PTX: ld.shared.b32
// PTX: ld.global.nc.v4.b32
// PTX: prmt.b32
// PTX: fma.rn.f32
// PTX: shfl.sync.bfly.b32 {{.*}}, 16, 31, -1;
// PTX: shfl.sync.bfly.b32 {{.*}}, 8, 31, -1;
// PTX: shfl.sync.bfly.b32 {{.*}}, 4, 31, -1;
// PTX: shfl.sync.bfly.b32 {{.*}}, 2, 31, -1;
// PTX: shfl.sync.bfly.b32 {{.*}}, 1, 31, -1;
// PTX-NOT: call
// PTX-NOT: .local
// BIN: gpu.binary @gemm_kernel [#gpu.object<#nvvm.target<chip = "sm_90a", features = "+ptx80">, bin = "\7FELF

func.func @gemm(%a: tensor<4x64xf32>, %w: tensor<2240xi8>, %init: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %q = qblock.from_storage %w : tensor<2240xi8> -> !qblock.qtensor<64x64xf32, #qblock.scheme<blockdialect>, axis = 0>
  %r = qblock.matmul ins(%a, %q : tensor<4x64xf32>, !qblock.qtensor<64x64xf32, #qblock.scheme<blockdialect>, axis = 0>) outs(%init : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}
