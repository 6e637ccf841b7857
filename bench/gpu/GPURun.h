//===- GPURun.h - Running and timing a launch plan on the GPU ---*- C++ -*-===//
//
// Everything qblock-gpu-bench does on the GPU, in plain C++ (no LLVM, no
// MLIR), so that qblock-gpu-run can do it on a machine without them:
// weights and activations from the numerics core, direct launches of a
// plan's kernels checked against a double-precision reference and timed
// with CUDA events over rotated weight copies, cuBLAS fp16 on the same
// shapes, the device-to-device copy bandwidth, the JSON result line.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_BENCH_GPU_GPURUN_H
#define QBLOCK_BENCH_GPU_GPURUN_H

#include "PlanData.h"

#include "CUDADriver.h"

#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/BlockQuant.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qblock::gpurun {

namespace cu = ::qblock::cuda;
using bench::BenchSpec;
using bench::PlanBuffer;
using bench::PlanData;
using bench::PlanLaunch;
using bench::PlanArgument;
using bench::WeightSpec;

constexpr double kMaxRelErr = 1e-3;       // qblock (f32 accumulation)
constexpr double kMaxRelErrCublas = 1e-2; // fp16 weights, activations, output

struct RunOptions {
  int64_t runs = 100, warmup = 20;
  /// Rotated weight copies exceed this many times the L2 size.
  double l2Factor = 2.0;
  /// cuBLAS library to open (libcublas.so.13 and .12 are tried after it).
  std::string cublas = "libcublas.so";
};

/// Prints "PROGRAM: error: MESSAGE" and exits with status 1.
[[noreturn]] void fatal(const std::string &message);
/// PROGRAM above (default qblock-gpu-bench).
extern const char *programName;
/// printf-style formatting into a string (at most 1023 characters).
std::string format(const char *pattern, ...);

numerics::Scheme blockScheme(const WeightSpec &weights);
numerics::BCQScheme bcqScheme(const WeightSpec &weights);
/// The activations' scheme with --acts (the weights' block size).
std::optional<numerics::Scheme> actScheme(const BenchSpec &spec);

struct HostData {
  std::vector<uint8_t> packed;  // W's storage
  std::vector<float> dense;     // N x K, dequantized by the numerics core
  std::vector<float> a;         // M x K, exactly representable in actType
  std::vector<uint16_t> a16;    // M x K as f16 or bf16 bits (those types)
  std::vector<double> reference; // M x N
  /// The product with A as given (differs from `reference` with --acts,
  /// whose kernel multiplies quantized activations): cuBLAS's reference.
  std::vector<double> floatReference;
};

/// Approximately Gaussian N x K weights quantized (and dequantized) by the
/// numerics core, M x K activations, and the references.
HostData buildHostData(const BenchSpec &spec);

double median(std::vector<double> samples);
double maxRelErr(const std::vector<float> &got, const std::vector<double> &ref);

struct Extra {
  CUresult (*eventElapsedTime)(float *, CUevent, CUevent) = nullptr;
  CUresult (*memGetInfo)(size_t *, size_t *) = nullptr;
};

Extra loadExtra();

struct GPU {
  const cu::Driver &d;
  Extra extra;
  CUstream stream = nullptr;
  std::string name;
  int64_t l2Bytes = 0;

  CUdeviceptr alloc(size_t bytes) {
    CUdeviceptr p = 0;
    // Whole 256-byte units, so zero() may clear whole 32-bit words.
    cu::check(d.memAlloc(&p, (std::max<size_t>(bytes, 1) + 255) / 256 * 256),
              "cuMemAlloc");
    return p;
  }
  void upload(CUdeviceptr dst, const void *src, size_t bytes) {
    cu::check(d.memcpyAsync(dst, reinterpret_cast<CUdeviceptr>(src), bytes,
                            stream),
              "cuMemcpyAsync (upload)");
    sync();
  }
  void download(void *dst, CUdeviceptr src, size_t bytes) {
    cu::check(d.memcpyAsync(reinterpret_cast<CUdeviceptr>(dst), src, bytes,
                            stream),
              "cuMemcpyAsync (download)");
    sync();
  }
  void zero(CUdeviceptr p, size_t bytes) {
    cu::check(d.memsetD32Async(p, 0, (bytes + 3) / 4, stream),
              "cuMemsetD32Async");
    sync();
  }
  void sync() {
    cu::check(d.streamSynchronize(stream),
              "cuStreamSynchronize (a kernel or copy failed)");
  }

  /// Milliseconds of each of `runs` calls of body(i) (after `warmup`
  /// untimed ones), from a pair of events around each call.
  std::vector<double> time(int64_t warmup, int64_t runs,
                           const std::function<void(int64_t)> &body) {
    for (int64_t i = 0; i < warmup; ++i)
      body(i);
    std::vector<CUevent> events(2 * runs);
    for (CUevent &event : events)
      cu::check(d.eventCreate(&event, CU_EVENT_DEFAULT), "cuEventCreate");
    for (int64_t i = 0; i < runs; ++i) {
      cu::check(d.eventRecord(events[2 * i], stream), "cuEventRecord");
      body(warmup + i);
      cu::check(d.eventRecord(events[2 * i + 1], stream), "cuEventRecord");
    }
    sync();
    std::vector<double> ms(runs);
    for (int64_t i = 0; i < runs; ++i) {
      float elapsed = 0;
      cu::check(extra.eventElapsedTime(&elapsed, events[2 * i],
                                       events[2 * i + 1]),
                "cuEventElapsedTime");
      ms[i] = elapsed;
    }
    for (CUevent event : events)
      d.eventDestroy(event);
    return ms;
  }
};

/// The first device with the runtime's context current, a stream, its
/// name and L2 size. Fails (status 77 first checked by the caller) when no
/// driver answers.
GPU openGPU();

/// Direct launches of the plan's kernels; returns the median ms and the
/// max relative error of the checked calls.
std::pair<double, double> timeKernels(GPU &gpu, const PlanData &plan,
                                      const HostData &data,
                                      const BenchSpec &spec,
                                      const RunOptions &options,
                                      int64_t &rotatedCopies);
std::pair<double, double> timeCublas(GPU &gpu, const HostData &data,
                                     const BenchSpec &spec,
                                     const RunOptions &options);
/// Device-to-device copy bandwidth, 2 x bytes / median time.
double copyBandwidth(GPU &gpu);

struct Result {
  double ms = 0, err = 0, cublasMs = 0, cublasErr = 0, copyGbps = 0;
  bool direct = true;
  int64_t rotated = 1;
};
/// The bench's one-line JSON object (README.md "Output").
std::string resultJSON(const BenchSpec &spec, const RunOptions &options,
                       const GPU &gpu, const Result &result);

} // namespace qblock::gpurun

#endif // QBLOCK_BENCH_GPU_GPURUN_H
