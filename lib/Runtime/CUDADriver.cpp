//===- CUDADriver.cpp - the CUDA driver API, loaded at run time -----------===//

#include "CUDADriver.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace qblock::cuda {
namespace {

const char *errorPrefix = "qblock-cuda-runtime";

/// Prints `message` and ends the process without running destructors:
/// std::exit would run the module destructors that gpu-to-llvm registers,
/// which call back into this runtime (mgpuModuleUnload) after its own
/// statics are gone, and so failed a second time with a garbage message.
[[noreturn]] void fatal(const std::string &message) {
  std::fprintf(stderr, "%s: %s\n", errorPrefix, message.c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(EXIT_FAILURE);
}

struct Loaded {
  Driver driver{};
  std::string error; // empty when the driver is usable
};

/// Looks `symbol` up into `slot`; the first missing one names the error.
template <typename Fn>
void resolve(void *library, const char *symbol, Fn &slot, std::string &error) {
  slot = reinterpret_cast<Fn>(dlsym(library, symbol));
  if (!slot && error.empty())
    error = std::string("libcuda lacks ") + symbol +
            ": the NVIDIA driver is older than CUDA 12";
}

Loaded load() {
  Loaded loaded;
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library)
    library = dlopen("libcuda.so", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    loaded.error = "no CUDA driver (libcuda.so.1 not found): running GPU "
                   "code needs an NVIDIA GPU and its driver";
    return loaded;
  }
  Driver &d = loaded.driver;
  std::string &e = loaded.error;
  resolve(library, "cuInit", d.init, e);
  resolve(library, "cuGetErrorName", d.getErrorName, e);
  resolve(library, "cuGetErrorString", d.getErrorString, e);
  resolve(library, "cuDeviceGetCount", d.deviceGetCount, e);
  resolve(library, "cuDeviceGet", d.deviceGet, e);
  resolve(library, "cuDeviceGetName", d.deviceGetName, e);
  resolve(library, "cuDeviceGetAttribute", d.deviceGetAttribute, e);
  resolve(library, "cuDevicePrimaryCtxRetain", d.primaryCtxRetain, e);
  resolve(library, "cuCtxSetCurrent", d.ctxSetCurrent, e);
  resolve(library, "cuModuleLoadData", d.moduleLoadData, e);
  resolve(library, "cuModuleLoadDataEx", d.moduleLoadDataEx, e);
  resolve(library, "cuModuleUnload", d.moduleUnload, e);
  resolve(library, "cuModuleGetFunction", d.moduleGetFunction, e);
  resolve(library, "cuLaunchKernel", d.launchKernel, e);
  resolve(library, "cuStreamCreate", d.streamCreate, e);
  resolve(library, "cuStreamSynchronize", d.streamSynchronize, e);
  resolve(library, "cuStreamDestroy_v2", d.streamDestroy, e);
  resolve(library, "cuStreamWaitEvent", d.streamWaitEvent, e);
  resolve(library, "cuEventCreate", d.eventCreate, e);
  resolve(library, "cuEventDestroy_v2", d.eventDestroy, e);
  resolve(library, "cuEventRecord", d.eventRecord, e);
  resolve(library, "cuEventSynchronize", d.eventSynchronize, e);
  resolve(library, "cuMemAlloc_v2", d.memAlloc, e);
  resolve(library, "cuMemAllocManaged", d.memAllocManaged, e);
  resolve(library, "cuMemFree_v2", d.memFree, e);
  resolve(library, "cuMemcpyAsync", d.memcpyAsync, e);
  resolve(library, "cuMemsetD32Async", d.memsetD32Async, e);
  resolve(library, "cuMemsetD16Async", d.memsetD16Async, e);
  resolve(library, "cuMemHostRegister_v2", d.memHostRegister, e);
  resolve(library, "cuMemHostUnregister", d.memHostUnregister, e);
  if (!e.empty())
    return loaded;

  CUresult result = d.init(0);
  if (result != CUDA_SUCCESS) {
    // A stub libcuda cannot name its own errors: say what 34 means here.
    const char *name = nullptr;
    if (result == CUDA_ERROR_STUB_LIBRARY)
      name = "CUDA_ERROR_STUB_LIBRARY (the CUDA toolkit's stub libcuda was "
             "loaded, not a driver: this machine has no usable NVIDIA GPU)";
    else if (d.getErrorName(result, &name) != CUDA_SUCCESS)
      name = nullptr;
    loaded.error = "cuInit failed with " +
                   (name ? std::string(name)
                         : "error " + std::to_string(static_cast<int>(result)));
    return loaded;
  }
  int count = 0;
  if (d.deviceGetCount(&count) != CUDA_SUCCESS || count == 0)
    loaded.error = "the CUDA driver reports no device";
  return loaded;
}

const Loaded &loaded() {
  static const Loaded instance = load();
  return instance;
}

int defaultDevice = 0;
std::once_flag contextOnce;
CUcontext context = nullptr;

} // namespace

const char *loadError() {
  const Loaded &l = loaded();
  return l.error.empty() ? nullptr : l.error.c_str();
}

const Driver &driver() {
  const Loaded &l = loaded();
  if (!l.error.empty())
    fatal(l.error);
  return l.driver;
}

void check(CUresult result, const char *what) {
  if (result == CUDA_SUCCESS)
    return;
  const Driver &d = driver();
  const char *name = nullptr, *text = nullptr;
  d.getErrorName(result, &name);
  d.getErrorString(result, &text);
  fatal(std::string(what) + " failed: " + (name ? name : "unknown error") +
        " (" + (text ? text : "no description") + ")");
}

void setDefaultDevice(int device) { defaultDevice = device; }

void setErrorPrefix(const char *prefix) { errorPrefix = prefix; }

void makeContextCurrent() {
  const Driver &d = driver();
  std::call_once(contextOnce, [&] {
    CUdevice device;
    check(d.deviceGet(&device, defaultDevice), "cuDeviceGet");
    check(d.primaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
  });
  check(d.ctxSetCurrent(context), "cuCtxSetCurrent");
}

} // namespace qblock::cuda
