// Host code that manages device memory itself, or launches a kernel it
// outlined by hand, is an error at the op in both GPU pipelines. Before,
// the GPU pipeline reported these late ("not lowered", or buffer
// deallocation's "ops with unknown memory side effects are not
// supported"), while the emulation pipeline ran gpu.alloc and gpu.memcpy,
// so an emulated test passed on a module no GPU build would take.
// RUN: not quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -split-input-file 2>&1 | FileCheck %s --check-prefixes=CHECK,NVVM
// RUN: not quant-opt %s --qblock-gpu-emulation-pipeline -split-input-file 2>&1 | FileCheck %s --check-prefixes=CHECK,EMU
// A kernel written as gpu.launch on host buffers is what both take.
// RUN: not quant-opt %s --qblock-gpu-pipeline="chip=sm_90a format=isa" -split-input-file \
// RUN:   --output-split-marker=//SPLIT 2>/dev/null | awk '/^[/][/]SPLIT/ { exit } { print }' > %t.ok.mlir
// RUN: FileCheck %s --input-file=%t.ok.mlir --check-prefix=OK
// RUN: quant-opt %t.ok.mlir --qblock-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s --check-prefix=OK

// OK-LABEL: llvm.func @launch_on_host_buffers
// OK: llvm.call @mgpuMemAlloc
// OK: gpu.launch_func @launch_on_host_buffers_kernel::@launch_on_host_buffers_kernel
// OK: gpu.binary @launch_on_host_buffers_kernel
func.func @launch_on_host_buffers(%m: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%a = %c4, %b = %c1, %c = %c1) {
    %two = arith.constant 2.0 : f32
    memref.store %two, %m[%tx] : memref<4xf32>
    gpu.terminator
  }
  return
}

// -----

func.func @own_device_buffer(%h: memref<4xf32>) {
  // NVVM: [[@LINE+2]]:8: error: 'gpu.alloc' in host code is not lowered by --qblock-gpu-pipeline: the pipeline copies the host buffers that each gpu.launch body uses to the device and back itself; remove it and use host buffers (tensors or memref.alloc) in the gpu.launch
  // EMU: [[@LINE+1]]:8: error: 'gpu.alloc' in host code is not lowered by --qblock-gpu-pipeline, so --qblock-gpu-emulation-pipeline does not take it either: the pipeline copies
  %d = gpu.alloc () : memref<4xf32>
  // CHECK: [[@LINE+1]]:3: error: 'gpu.memcpy' in host code is not lowered by --qblock-gpu-pipeline
  gpu.memcpy %d, %h : memref<4xf32>, memref<4xf32>
  // CHECK: [[@LINE+1]]:3: error: 'gpu.memcpy' in host code
  gpu.memcpy %h, %d : memref<4xf32>, memref<4xf32>
  // Marked, it passes the check for frees, and not this one.
  // CHECK: [[@LINE+1]]:3: error: 'gpu.dealloc' in host code
  gpu.dealloc %d {bufferization.manual_deallocation} : memref<4xf32>
  return
}

// -----

// Async forms, which gpu-to-llvm lowers, are no different: the pipeline's
// own staging is the only device memory management.
func.func @async_chain(%h: memref<4xf32>) {
  // CHECK: [[@LINE+1]]:9: error: 'gpu.wait' in host code
  %t0 = gpu.wait async
  // CHECK: [[@LINE+1]]:13: error: 'gpu.alloc' in host code
  %d, %t1 = gpu.alloc async [%t0] () : memref<4xf32>
  %zero = arith.constant 0.0 : f32
  // CHECK: [[@LINE+1]]:9: error: 'gpu.memset' in host code
  %t2 = gpu.memset async [%t1] %d, %zero : memref<4xf32>, f32
  // CHECK: [[@LINE+1]]:3: error: 'gpu.wait' in host code
  gpu.wait [%t2]
  return
}

// -----

func.func @registered(%h: memref<4xf32>) {
  %u = memref.cast %h : memref<4xf32> to memref<*xf32>
  // CHECK: [[@LINE+1]]:3: error: 'gpu.host_register' in host code is not lowered
  gpu.host_register %u : memref<*xf32>
  return
}

// -----

// A kernel outlined by hand: its buffers would not be staged.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @store(%m: memref<4xf32>) kernel {
      %t = gpu.thread_id x
      %two = arith.constant 2.0 : f32
      memref.store %two, %m[%t] : memref<4xf32>
      gpu.return
    }
  }
  func.func @outlined(%m: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    // CHECK: [[@LINE+1]]:5: error: 'gpu.launch_func' in host code is not lowered by --qblock-gpu-pipeline{{.*}}; write the kernel as a gpu.launch body
    gpu.launch_func @kernels::@store blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%m : memref<4xf32>)
    return
  }
}
