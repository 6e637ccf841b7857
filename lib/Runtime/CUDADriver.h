//===- CUDADriver.h - the CUDA driver API, loaded at run time ---*- C++ -*-===//
//
// qblock's GPU runtime opens libcuda.so.1 with dlopen instead of linking it:
// the library then builds and loads on machines without an NVIDIA driver
// (CI, this project's build machines), and a program that needs a GPU fails
// with a message that says so instead of a loader error.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_RUNTIME_CUDADRIVER_H
#define QBLOCK_LIB_RUNTIME_CUDADRIVER_H

#include <cuda.h>

namespace qblock::cuda {

/// The driver entry points the runtime uses. Names in comments are the
/// exported symbols (cuda.h maps several API names to versioned ones).
struct Driver {
  decltype(&::cuInit) init;
  decltype(&::cuGetErrorName) getErrorName;
  decltype(&::cuGetErrorString) getErrorString;
  decltype(&::cuDeviceGetCount) deviceGetCount;
  decltype(&::cuDeviceGet) deviceGet;
  decltype(&::cuDeviceGetName) deviceGetName;
  decltype(&::cuDeviceGetAttribute) deviceGetAttribute;
  decltype(&::cuDevicePrimaryCtxRetain) primaryCtxRetain;
  decltype(&::cuCtxSetCurrent) ctxSetCurrent;
  decltype(&::cuModuleLoadData) moduleLoadData;
  decltype(&::cuModuleLoadDataEx) moduleLoadDataEx;
  decltype(&::cuModuleUnload) moduleUnload;
  decltype(&::cuModuleGetFunction) moduleGetFunction;
  decltype(&::cuLaunchKernel) launchKernel;
  decltype(&::cuStreamCreate) streamCreate;
  decltype(&::cuStreamSynchronize) streamSynchronize;
  decltype(&::cuStreamDestroy) streamDestroy;     // cuStreamDestroy_v2
  decltype(&::cuStreamWaitEvent) streamWaitEvent;
  decltype(&::cuEventCreate) eventCreate;
  decltype(&::cuEventDestroy) eventDestroy;       // cuEventDestroy_v2
  decltype(&::cuEventRecord) eventRecord;
  decltype(&::cuEventSynchronize) eventSynchronize;
  decltype(&::cuMemAlloc) memAlloc;               // cuMemAlloc_v2
  decltype(&::cuMemAllocManaged) memAllocManaged;
  decltype(&::cuMemFree) memFree;                 // cuMemFree_v2
  decltype(&::cuMemcpyAsync) memcpyAsync;
  decltype(&::cuMemsetD32Async) memsetD32Async;
  decltype(&::cuMemsetD16Async) memsetD16Async;
  decltype(&::cuMemHostRegister) memHostRegister; // cuMemHostRegister_v2
  decltype(&::cuMemHostUnregister) memHostUnregister;
};

/// Why the driver could not be opened, or nullptr when it was.
const char *loadError();

/// The loaded driver with cuInit done, or a fatal error naming the reason
/// (no libcuda.so.1, a stub library, no device).
const Driver &driver();

/// Aborts the program with `what` and the driver's name for `result`
/// unless it is CUDA_SUCCESS. GPU errors are fatal because the mgpu* ABI
/// that compiled code calls has no error return.
void check(CUresult result, const char *what);

/// Makes the runtime's context (the primary context of the default device)
/// current on the calling thread, creating it on first use.
void makeContextCurrent();

/// Selects the device whose primary context later calls use.
void setDefaultDevice(int device);

/// What fatal errors start with: "qblock-cuda-runtime" in the runtime
/// library; the bench tools that link this file name themselves
/// ("qblock-gpu-run: error"), as their other errors do.
void setErrorPrefix(const char *prefix);

} // namespace qblock::cuda

#endif // QBLOCK_LIB_RUNTIME_CUDADRIVER_H
