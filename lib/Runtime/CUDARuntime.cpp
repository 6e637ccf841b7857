//===- CUDARuntime.cpp - the mgpu* entry points over the CUDA driver ------===//
//
// Code lowered by gpu-to-llvm (and gpu.binary's translation to LLVM IR)
// calls a fixed set of C functions, mgpu*, to load modules, launch kernels,
// allocate and copy. Debian ships no library that implements them, so
// qblock does: libqblock_cuda_runtime.so, loaded by mlir-runner with
// -shared-libs or linked into an ahead-of-time binary. Every call runs in
// the primary context of the default device; a failing driver call ends
// the program with the driver's error name (the ABI has no error return).
//
//===----------------------------------------------------------------------===//

#include "CUDADriver.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

using namespace qblock::cuda;

#define QBLOCK_RUNTIME_EXPORT extern "C" __attribute__((visibility("default")))

namespace {
/// The driver with the runtime's context current on this thread.
const Driver &ready() {
  const Driver &d = driver();
  makeContextCurrent();
  return d;
}

/// The memref descriptor layout of MLIR's C interface for any rank:
/// allocated, aligned, offset, then sizes[rank] and strides[rank].
struct MemRefDescriptorPrefix {
  char *allocated;
  char *aligned;
  int64_t offset;
  int64_t sizesAndStrides[];
};

/// The first byte and byte size of a contiguous memref's elements.
std::pair<char *, uint64_t> memrefBytes(int64_t rank, void *descriptor,
                                        int64_t elementSizeBytes) {
  auto *d = static_cast<MemRefDescriptorPrefix *>(descriptor);
  uint64_t count = 1;
  for (int64_t i = 0; i < rank; ++i)
    count *= static_cast<uint64_t>(d->sizesAndStrides[i]);
  return {d->aligned + d->offset * elementSizeBytes, count * elementSizeBytes};
}
} // namespace

//===----------------------------------------------------------------------===//
// Modules and kernels
//===----------------------------------------------------------------------===//

/// A cubin (format=bin) or fatbin.
QBLOCK_RUNTIME_EXPORT void *mgpuModuleLoad(void *data, size_t /*size*/) {
  const Driver &d = ready();
  CUmodule module = nullptr;
  check(d.moduleLoadData(&module, data), "cuModuleLoadData");
  return module;
}

/// PTX (format=isa), compiled by the driver's JIT; its log is printed when
/// that fails.
QBLOCK_RUNTIME_EXPORT void *mgpuModuleLoadJIT(void *data, int optLevel) {
  const Driver &d = ready();
  char log[8192] = {0};
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    log, reinterpret_cast<void *>(sizeof(log) - 1)};
  CUmodule module = nullptr;
  CUresult result = d.moduleLoadDataEx(&module, data, 3, options, values);
  if (result != CUDA_SUCCESS && log[0])
    std::fprintf(stderr, "qblock-cuda-runtime: PTX JIT log:\n%s\n", log);
  check(result, "cuModuleLoadDataEx (PTX JIT)");
  return module;
}

/// Why this runtime cannot run GPU code here (no driver, a stub libcuda,
/// no device), or null when it can. Every mgpu* function ends the process
/// on that error, since the ABI has no way to return it; a host that must
/// survive it (qblock's Python package) asks first.
QBLOCK_RUNTIME_EXPORT const char *qblockCudaRuntimeLoadError() {
  return loadError();
}

QBLOCK_RUNTIME_EXPORT void mgpuModuleUnload(void *module) {
  check(ready().moduleUnload(static_cast<CUmodule>(module)), "cuModuleUnload");
}

QBLOCK_RUNTIME_EXPORT void *mgpuModuleGetFunction(void *module,
                                                  const char *name) {
  CUfunction function = nullptr;
  check(ready().moduleGetFunction(&function, static_cast<CUmodule>(module),
                                  name),
        (std::string("cuModuleGetFunction(") + name + ")").c_str());
  return function;
}

QBLOCK_RUNTIME_EXPORT void
mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                 intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                 intptr_t blockZ, int32_t sharedMemoryBytes, void *stream,
                 void **params, void **extra, size_t /*paramsCount*/) {
  // A grid without blocks has nothing to do, but cuLaunchKernel rejects it:
  // the generic loop nests launch one block per parallel task, and a
  // dynamic trip count (M = 0 activation rows) may be zero.
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return;
  check(ready().launchKernel(static_cast<CUfunction>(function), gridX, gridY,
                             gridZ, blockX, blockY, blockZ, sharedMemoryBytes,
                             static_cast<CUstream>(stream), params, extra),
        "cuLaunchKernel");
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

QBLOCK_RUNTIME_EXPORT void *mgpuStreamCreate() {
  CUstream stream = nullptr;
  check(ready().streamCreate(&stream, CU_STREAM_NON_BLOCKING),
        "cuStreamCreate");
  return stream;
}

QBLOCK_RUNTIME_EXPORT void mgpuStreamDestroy(void *stream) {
  check(ready().streamDestroy(static_cast<CUstream>(stream)),
        "cuStreamDestroy");
}

/// Kernel faults surface here, at the first synchronization after them.
QBLOCK_RUNTIME_EXPORT void mgpuStreamSynchronize(void *stream) {
  check(ready().streamSynchronize(static_cast<CUstream>(stream)),
        "cuStreamSynchronize (a kernel or copy on this stream failed)");
}

QBLOCK_RUNTIME_EXPORT void mgpuStreamWaitEvent(void *stream, void *event) {
  check(ready().streamWaitEvent(static_cast<CUstream>(stream),
                                static_cast<CUevent>(event), 0),
        "cuStreamWaitEvent");
}

QBLOCK_RUNTIME_EXPORT void *mgpuEventCreate() {
  CUevent event = nullptr;
  check(ready().eventCreate(&event, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
  return event;
}

QBLOCK_RUNTIME_EXPORT void mgpuEventDestroy(void *event) {
  check(ready().eventDestroy(static_cast<CUevent>(event)), "cuEventDestroy");
}

QBLOCK_RUNTIME_EXPORT void mgpuEventSynchronize(void *event) {
  check(ready().eventSynchronize(static_cast<CUevent>(event)),
        "cuEventSynchronize");
}

QBLOCK_RUNTIME_EXPORT void mgpuEventRecord(void *event, void *stream) {
  check(ready().eventRecord(static_cast<CUevent>(event),
                            static_cast<CUstream>(stream)),
        "cuEventRecord");
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

/// Device memory, or managed memory (visible to host and device) for
/// gpu.alloc host_shared.
QBLOCK_RUNTIME_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, void * /*stream*/,
                                         bool isHostShared) {
  const Driver &d = ready();
  CUdeviceptr pointer = 0;
  if (sizeBytes == 0)
    return nullptr;
  if (isHostShared)
    check(d.memAllocManaged(&pointer, sizeBytes, CU_MEM_ATTACH_GLOBAL),
          "cuMemAllocManaged");
  else
    check(d.memAlloc(&pointer, sizeBytes), "cuMemAlloc");
  return reinterpret_cast<void *>(pointer);
}

QBLOCK_RUNTIME_EXPORT void mgpuMemFree(void *pointer, void * /*stream*/) {
  if (pointer)
    check(ready().memFree(reinterpret_cast<CUdeviceptr>(pointer)),
          "cuMemFree");
}

/// Unified addressing lets the driver tell host from device pointers.
QBLOCK_RUNTIME_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                                      void *stream) {
  if (sizeBytes == 0)
    return;
  check(ready().memcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                            reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                            static_cast<CUstream>(stream)),
        "cuMemcpyAsync");
}

QBLOCK_RUNTIME_EXPORT void mgpuMemset32(void *dst, unsigned int value,
                                        size_t count, void *stream) {
  check(ready().memsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value,
                               count, static_cast<CUstream>(stream)),
        "cuMemsetD32Async");
}

QBLOCK_RUNTIME_EXPORT void mgpuMemset16(void *dst, unsigned short value,
                                        size_t count, void *stream) {
  check(ready().memsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value,
                               count, static_cast<CUstream>(stream)),
        "cuMemsetD16Async");
}

QBLOCK_RUNTIME_EXPORT void mgpuMemHostRegister(void *pointer,
                                               uint64_t sizeBytes) {
  check(ready().memHostRegister(pointer, sizeBytes, /*Flags=*/0),
        "cuMemHostRegister");
}

QBLOCK_RUNTIME_EXPORT void mgpuMemHostRegisterMemRef(int64_t rank,
                                                     void *descriptor,
                                                     int64_t elementSizeBytes) {
  auto [pointer, size] = memrefBytes(rank, descriptor, elementSizeBytes);
  mgpuMemHostRegister(pointer, size);
}

QBLOCK_RUNTIME_EXPORT void mgpuMemHostUnregister(void *pointer) {
  check(ready().memHostUnregister(pointer), "cuMemHostUnregister");
}

QBLOCK_RUNTIME_EXPORT void
mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                            int64_t elementSizeBytes) {
  mgpuMemHostUnregister(memrefBytes(rank, descriptor, elementSizeBytes).first);
}

//===----------------------------------------------------------------------===//
// Device-resident constants (qblock's own entry point)
//===----------------------------------------------------------------------===//

/// A device copy of `bytes` bytes of read-only host data, made on the first
/// call for a given `slot` and returned by every later one; never freed.
/// The GPU pipeline calls it for constant globals (packed weights, decode
/// tables) with a null-initialized pointer global of the calling module as
/// the slot (StageBuffersForGPU.cpp), so constants cross to the device once
/// per loaded module instead of at every launch, and a module loaded later
/// at the same addresses gets its own copies. Not for memory that can
/// change.
QBLOCK_RUNTIME_EXPORT void *qblockCudaCachedUpload(void *host, int64_t bytes,
                                                   void **slot) {
  if (bytes <= 0)
    return nullptr;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (*slot)
    return *slot;
  const Driver &d = ready();
  CUdeviceptr device = 0;
  check(d.memAlloc(&device, static_cast<size_t>(bytes)),
        "cuMemAlloc (cached upload)");
  // The legacy default stream, waited for here: kernels run on
  // non-blocking streams, which do not wait for it.
  check(d.memcpyAsync(device, reinterpret_cast<CUdeviceptr>(host),
                      static_cast<size_t>(bytes), nullptr),
        "cuMemcpyAsync (cached upload)");
  check(d.streamSynchronize(nullptr), "cuStreamSynchronize (cached upload)");
  *slot = reinterpret_cast<void *>(device);
  return *slot;
}

/// Takes effect before the first GPU call only: the runtime keeps one
/// context for the life of the program.
QBLOCK_RUNTIME_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  setDefaultDevice(device);
}
