//===- GPURun.cpp - Running and timing a launch plan on the GPU -----------===//
//
// The half of qblock-gpu-bench that needs a GPU and nothing of LLVM or
// MLIR (GPURun.h): shared by qblock-gpu-bench and qblock-gpu-run.
//
//===----------------------------------------------------------------------===//

#include "GPURun.h"
#include "../common/FillRow.h"
#include "../common/HalfFloats.h"

#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/Layout.h"
#include "qblock/Numerics/Scale.h"

#include <cublas_api.h>
#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <thread>

using namespace qblock::bench;
namespace cu = qblock::cuda;
namespace num = qblock::numerics;

namespace qblock::gpurun {

const char *programName = "qblock-gpu-bench";

void fatal(const std::string &message) {
  std::fprintf(stderr, "%s: error: %s\n", programName, message.c_str());
  std::exit(1);
}

std::string format(const char *pattern, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, pattern);
  std::vsnprintf(buffer, sizeof(buffer), pattern, args);
  va_end(args);
  return buffer;
}

num::Scheme blockScheme(const WeightSpec &w) {
  num::Scheme scheme = w.kind == "mxfp4"   ? num::Scheme::mxfp4(w.block)
                       : w.kind == "nvfp4" ? num::Scheme::nvfp4(w.block)
                       : w.kind == "int4"  ? num::Scheme::int4(w.block)
                       : w.kind == "blockdialect"
                           ? num::Scheme::blockDialect(w.block)
                           : (fatal("unknown weight scheme '" + w.kind + "'"),
                              num::Scheme::int4());
  scheme.select = w.select == "two-stage" ? num::SelectRule::TwoStage
                                          : num::SelectRule::MSE;
  return scheme;
}

num::BCQScheme bcqScheme(const WeightSpec &w) {
  num::BCQScheme scheme;
  scheme.bits = w.bits;
  scheme.group = w.group;
  scheme.offset = w.offset;
  scheme.fromUniform = w.fromUniform;
  return scheme;
}

std::optional<num::Scheme> actScheme(const BenchSpec &spec) {
  int64_t block = spec.weights.block;
  if (spec.acts == "none")
    return std::nullopt;
  if (spec.acts == "mxfp4")
    return num::Scheme::mxfp4(block);
  if (spec.acts == "int8")
    return num::Scheme::int8(block);
  return num::Scheme::blockDialect(block, num::SelectRule::TwoStage);
}

void parallelFor(int64_t n, const std::function<void(int64_t, int64_t)> &body) {
  int64_t threads =
      std::clamp<int64_t>(std::thread::hardware_concurrency(), 1, n);
  std::vector<std::thread> pool;
  for (int64_t t = 0; t < threads; ++t)
    pool.emplace_back(body, n * t / threads, n * (t + 1) / threads);
  for (std::thread &thread : pool)
    thread.join();
}

double maxRelErr(const std::vector<float> &got, const std::vector<double> &ref) {
  double maxDiff = 0, maxRef = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double diff = std::fabs(double(got[i]) - ref[i]);
    if (std::isnan(diff))
      return NAN;
    maxDiff = std::max(maxDiff, diff);
    maxRef = std::max(maxRef, std::fabs(ref[i]));
  }
  return maxRef > 0 ? maxDiff / maxRef : maxDiff;
}

HostData buildHostData(const BenchSpec &spec) {
  int64_t n = spec.n, k = spec.k, m = spec.m;
  HostData data;
  bool bcq = spec.weights.kind == "bcq";
  data.packed.assign(bcq ? num::computeBCQLayout(n, k, bcqScheme(spec.weights)).totalBytes
                         : num::computeLayout(n, k, blockScheme(spec.weights)).totalBytes,
                     0);
  if (int64_t(data.packed.size()) != spec.weightBytes)
    fatal("the plan's weights take " + std::to_string(spec.weightBytes) +
          " bytes, the numerics core's layout " +
          std::to_string(data.packed.size()) + ": plan and tool disagree");
  data.dense.resize(n * k);
  std::vector<float> source(n * k);
  parallelFor(n, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      fillRow(source.data() + r * k, k, uint64_t(r), 0.035f);
    if (!bcq) {
      num::Scheme scheme = blockScheme(spec.weights);
      num::BlockLayout layout = num::computeLayout(n, k, scheme);
      num::quantizeRows(source.data(), layout, scheme, begin, end,
                        data.packed.data());
      num::dequantizeRows(data.packed.data(), layout, scheme, begin, end,
                          data.dense.data());
    } else {
      num::BCQScheme scheme = bcqScheme(spec.weights);
      num::BCQLayout layout = num::computeBCQLayout(n, k, scheme);
      num::fitBCQRows(source.data(), layout, scheme, /*iterations=*/2, begin,
                      end, data.packed.data());
      num::dequantizeBCQRows(data.packed.data(), layout, scheme, begin, end,
                             data.dense.data());
    }
  });
  data.a.resize(m * k);
  for (int64_t row = 0; row < m; ++row)
    fillRow(data.a.data() + row * k, k, 0xA000 + row, 1.0f);
  // Half activations: the values the kernel sees are the rounded ones, so
  // the reference uses them too.
  if (spec.actType != "f32") {
    bool bf16 = spec.actType == "bf16";
    data.a16.resize(data.a.size());
    for (size_t i = 0; i < data.a.size(); ++i) {
      data.a16[i] = bf16 ? toBFloat16(data.a[i]) : toHalf(data.a[i]);
      data.a[i] = bf16 ? fromBFloat16(data.a16[i]) : num::halfToFloat(data.a16[i]);
    }
  }
  auto product = [&](const std::vector<float> &a, std::vector<double> &out) {
    out.assign(m * n, 0.0);
    parallelFor(n, [&](int64_t begin, int64_t end) {
      for (int64_t col = begin; col < end; ++col)
        for (int64_t row = 0; row < m; ++row) {
          double sum = 0;
          for (int64_t i = 0; i < k; ++i)
            sum += double(a[row * k + i]) * data.dense[col * k + i];
          out[row * n + col] = sum;
        }
    });
  };
  product(data.a, data.floatReference);
  if (std::optional<num::Scheme> act = actScheme(spec)) {
    // The kernel quantizes A bit-exactly as the numerics core does, then
    // multiplies exact integer block products: the product with the
    // dequantized activations, up to f32 summation order.
    std::vector<uint8_t> packed = num::quantizeMatrix(data.a.data(), m, k, *act);
    product(num::dequantizeMatrix(packed.data(), m, k, *act), data.reference);
  } else {
    data.reference = data.floatReference;
  }
  return data;
}

double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  size_t mid = samples.size() / 2;
  return samples.size() % 2 ? samples[mid]
                            : (samples[mid - 1] + samples[mid]) / 2;
}

//===----------------------------------------------------------------------===//
// Driver entry points beyond lib/Runtime's, and cuBLAS (both dlopen'ed)
//===----------------------------------------------------------------------===//


Extra loadExtra() {
  Extra extra;
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (!library)
    library = dlopen("libcuda.so", RTLD_NOW | RTLD_NOLOAD);
  if (!library)
    fatal("libcuda is not loaded");
  // cuda.h maps cuEventElapsedTime to _v2 (CUDA 12.8+); older drivers only
  // have the first version.
  void *elapsed = dlsym(library, "cuEventElapsedTime_v2");
  if (!elapsed)
    elapsed = dlsym(library, "cuEventElapsedTime");
  extra.eventElapsedTime =
      reinterpret_cast<decltype(extra.eventElapsedTime)>(elapsed);
  extra.memGetInfo = reinterpret_cast<decltype(extra.memGetInfo)>(
      dlsym(library, "cuMemGetInfo_v2"));
  if (!extra.eventElapsedTime || !extra.memGetInfo)
    fatal("libcuda lacks cuEventElapsedTime or cuMemGetInfo_v2");
  return extra;
}

struct Cublas {
  cublasStatus_t (*create)(cublasHandle_t *) = nullptr;
  cublasStatus_t (*setStream)(cublasHandle_t, cudaStream_t) = nullptr;
  cublasStatus_t (*gemmEx)(cublasHandle_t, cublasOperation_t,
                           cublasOperation_t, int, int, int, const void *,
                           const void *, cudaDataType, int, const void *,
                           cudaDataType, int, const void *, void *,
                           cudaDataType, int, cublasComputeType_t,
                           cublasGemmAlgo_t) = nullptr;
  cublasHandle_t handle = nullptr;
};

Cublas loadCublas(CUstream stream, const std::string &cublasPath) {
  void *library = dlopen(cublasPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  for (const char *name : {"libcublas.so.13", "libcublas.so.12"})
    if (!library)
      library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!library)
    fatal("cannot load cuBLAS (" + cublasPath + "): " + dlerror() +
          "; pass --cublas PATH");
  Cublas c;
  c.create = reinterpret_cast<decltype(c.create)>(
      dlsym(library, "cublasCreate_v2"));
  c.setStream = reinterpret_cast<decltype(c.setStream)>(
      dlsym(library, "cublasSetStream_v2"));
  c.gemmEx =
      reinterpret_cast<decltype(c.gemmEx)>(dlsym(library, "cublasGemmEx"));
  if (!c.create || !c.setStream || !c.gemmEx)
    fatal("cuBLAS lacks cublasCreate_v2, cublasSetStream_v2 or cublasGemmEx");
  if (c.create(&c.handle) != CUBLAS_STATUS_SUCCESS)
    fatal("cublasCreate failed");
  if (c.setStream(c.handle, reinterpret_cast<cudaStream_t>(stream)) !=
      CUBLAS_STATUS_SUCCESS)
    fatal("cublasSetStream failed");
  return c;
}

/// C^T (N x M) = W (N x K, row-major, i.e. K x N column-major, transposed)
/// times A^T (K x M column-major = A row-major): the usual "TN" layout of
/// LLM weights. fp16 in and out, fp32 accumulation.
void cublasHalfGemm(const Cublas &c, const BenchSpec &spec, CUdeviceptr w,
                    CUdeviceptr a, CUdeviceptr out) {
  float one = 1.0f, zero = 0.0f;
  int n = int(spec.n), m = int(spec.m), k = int(spec.k);
  cublasStatus_t status = c.gemmEx(
      c.handle, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &one,
      reinterpret_cast<void *>(w), CUDA_R_16F, k, reinterpret_cast<void *>(a),
      CUDA_R_16F, k, &zero, reinterpret_cast<void *>(out), CUDA_R_16F, n,
      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  if (status != CUBLAS_STATUS_SUCCESS)
    fatal("cublasGemmEx failed with status " + std::to_string(int(status)));
}

//===----------------------------------------------------------------------===//
// Timing
//===----------------------------------------------------------------------===//


/// Device-to-device copy bandwidth, 2 x bytes / median time (each byte is
/// read once and written once), over a buffer 8x the L2.
double copyBandwidth(GPU &gpu) {
  size_t bytes = std::max<size_t>(size_t(8) * gpu.l2Bytes, size_t(256) << 20);
  CUdeviceptr src = gpu.alloc(bytes), dst = gpu.alloc(bytes);
  gpu.zero(src, bytes);
  std::vector<double> ms = gpu.time(5, 50, [&](int64_t) {
    cu::check(gpu.d.memcpyAsync(dst, src, bytes, gpu.stream),
              "cuMemcpyAsync (device to device)");
  });
  gpu.d.memFree(src);
  gpu.d.memFree(dst);
  return 2.0 * double(bytes) / (median(ms) * 1e-3) / 1e9;
}

int64_t copiesToExceed(double limit, int64_t bytes) {
  return std::max<int64_t>(2, int64_t(limit / double(bytes)) + 1);
}

/// Direct launches of the plan's kernels; returns the median ms and the
/// max relative error of the checked calls.
std::pair<double, double> timeKernels(GPU &gpu, const PlanData &plan,
                                      const HostData &data,
                                      const BenchSpec &spec,
                                      const RunOptions &options,
                                      int64_t &rotatedCopies) {
  const cu::Driver &d = gpu.d;
  std::map<std::string, CUmodule> modules;
  for (const auto &[name, object] : plan.objects) {
    CUmodule module = nullptr;
    char log[8192] = {0};
    CUjit_option keys[] = {CU_JIT_ERROR_LOG_BUFFER,
                           CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void *values[] = {log, reinterpret_cast<void *>(sizeof(log) - 1)};
    CUresult result =
        d.moduleLoadDataEx(&module, object.c_str(), 2, keys, values);
    if (result != CUDA_SUCCESS && log[0])
      std::fprintf(stderr, "JIT log:\n%s\n", log);
    cu::check(result, "cuModuleLoadDataEx");
    modules[name] = module;
  }
  std::vector<CUfunction> functions;
  for (const PlanLaunch &launch : plan.launches) {
    CUfunction function = nullptr;
    cu::check(d.moduleGetFunction(&function, modules.at(launch.module),
                                  launch.kernel.c_str()),
              "cuModuleGetFunction");
    functions.push_back(function);
  }

  // Weight copies: enough that the rotation exceeds l2Factor x L2.
  int64_t wBytes = data.packed.size();
  rotatedCopies = copiesToExceed(options.l2Factor * gpu.l2Bytes, wBytes);
  std::vector<CUdeviceptr> weights;
  for (int64_t i = 0; i < rotatedCopies; ++i) {
    weights.push_back(gpu.alloc(wBytes));
    gpu.upload(weights.back(), data.packed.data(), wBytes);
  }
  std::vector<CUdeviceptr> buffers(plan.buffers.size(), 0);
  int output = -1;
  for (size_t i = 0; i < plan.buffers.size(); ++i) {
    const PlanBuffer &buffer = plan.buffers[i];
    if (buffer.isOutput)
      output = int(i);
    if (buffer.source == PlanBuffer::Source::Weights) {
      if (buffer.weightOffset + buffer.bytes > wBytes)
        fatal("a kernel reads past the weights (plan buffer " +
              std::to_string(i) + ")");
      continue;
    }
    if (buffer.source == PlanBuffer::Source::Result) {
      // The earlier buffer itself (allocated before: results come first).
      buffers[i] = buffers[buffer.resultOf];
      continue;
    }
    buffers[i] = gpu.alloc(buffer.bytes);
    if (buffer.source == PlanBuffer::Source::Activations) {
      const void *acts = data.a16.empty()
                             ? static_cast<const void *>(data.a.data())
                             : static_cast<const void *>(data.a16.data());
      size_t actBytes = data.a16.empty() ? data.a.size() * sizeof(float)
                                         : data.a16.size() * sizeof(uint16_t);
      if (size_t(buffer.bytes) != actBytes)
        fatal("the activations buffer has an unexpected size");
      gpu.upload(buffers[i], acts, buffer.bytes);
    } else if (buffer.source == PlanBuffer::Source::Constant) {
      gpu.upload(buffers[i], buffer.data.data(), buffer.bytes);
    } else {
      gpu.zero(buffers[i], buffer.bytes);
    }
  }
  if (output < 0 || plan.buffers[output].bytes != spec.m * spec.n * 4)
    fatal("the output buffer has an unexpected size");

  // Kernel parameters for each weight copy: memrefs as {allocated, aligned,
  // offset, sizes..., strides...}, as gpu-to-llvm passes them.
  struct Params {
    std::vector<uint64_t> slots;
    std::vector<void *> pointers;
  };
  std::vector<std::vector<Params>> params(rotatedCopies);
  for (int64_t copy = 0; copy < rotatedCopies; ++copy)
    for (const PlanLaunch &launch : plan.launches) {
      Params p;
      for (const PlanArgument &argument : launch.arguments) {
        if (!argument.isMemRef) {
          p.slots.push_back(argument.scalarBits);
          continue;
        }
        const PlanBuffer &buffer = plan.buffers[argument.buffer];
        CUdeviceptr base = buffer.source == PlanBuffer::Source::Weights
                               ? weights[copy] + buffer.weightOffset
                               : buffers[argument.buffer];
        p.slots.push_back(base);
        p.slots.push_back(base);
        p.slots.push_back(0);
        for (int64_t size : argument.sizes)
          p.slots.push_back(uint64_t(size));
        for (int64_t stride : argument.strides)
          p.slots.push_back(uint64_t(stride));
      }
      // Little-endian: a narrower scalar is the low bytes of its slot.
      for (uint64_t &slot : p.slots)
        p.pointers.push_back(&slot);
      params[copy].push_back(std::move(p));
    }
  auto call = [&](int64_t i) {
    std::vector<Params> &p = params[i % rotatedCopies];
    for (size_t index = 0; index < plan.launches.size(); ++index) {
      const PlanLaunch &launch = plan.launches[index];
      cu::check(d.launchKernel(functions[index], launch.grid[0],
                               launch.grid[1], launch.grid[2], launch.block[0],
                               launch.block[1], launch.block[2],
                               launch.dynamicSharedBytes, gpu.stream,
                               p[index].pointers.data(), nullptr),
                "cuLaunchKernel");
    }
  };

  // Check the first and the last weight copy, each from a zeroed output
  // (the kernel adds to the output's init, zeros in this module).
  double err = 0;
  std::vector<float> got(spec.m * spec.n);
  for (int64_t copy : {int64_t(0), rotatedCopies - 1}) {
    gpu.zero(buffers[output], got.size() * 4);
    call(copy);
    gpu.sync();
    gpu.download(got.data(), buffers[output], got.size() * 4);
    err = std::max(err, maxRelErr(got, data.reference));
  }
  if (!(err <= kMaxRelErr))
    fatal(format("qblock output off the reference: max_rel_err %e > %e", err,
                 kMaxRelErr));
  std::vector<double> ms = gpu.time(options.warmup, options.runs, call);
  for (CUdeviceptr p : weights)
    d.memFree(p);
  for (size_t i = 0; i < buffers.size(); ++i)
    if (buffers[i] && plan.buffers[i].source != PlanBuffer::Source::Result)
      d.memFree(buffers[i]);
  for (auto &[name, module] : modules)
    d.moduleUnload(module);
  return {median(ms), err};
}

std::pair<double, double> timeCublas(GPU &gpu, const HostData &data,
                                     const BenchSpec &spec,
                                     const RunOptions &options) {
  Cublas c = loadCublas(gpu.stream, options.cublas);
  int64_t m = spec.m, n = spec.n, k = spec.k;
  std::vector<uint16_t> w16(n * k), a16(m * k), out16(m * n);
  parallelFor(n, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin * k; i < end * k; ++i)
      w16[i] = toHalf(data.dense[i]);
  });
  for (size_t i = 0; i < a16.size(); ++i)
    a16[i] = toHalf(data.a[i]);
  int64_t wBytes = n * k * 2;
  int64_t copies = copiesToExceed(options.l2Factor * gpu.l2Bytes, wBytes);
  std::vector<CUdeviceptr> weights;
  for (int64_t i = 0; i < copies; ++i) {
    weights.push_back(gpu.alloc(wBytes));
    gpu.upload(weights.back(), w16.data(), wBytes);
  }
  CUdeviceptr a = gpu.alloc(m * k * 2), out = gpu.alloc(m * n * 2);
  gpu.upload(a, a16.data(), m * k * 2);
  auto call = [&](int64_t i) {
    cublasHalfGemm(c, spec, weights[i % copies], a, out);
  };
  call(0);
  gpu.sync();
  gpu.download(out16.data(), out, m * n * 2);
  std::vector<float> got(m * n);
  for (size_t i = 0; i < got.size(); ++i)
    got[i] = num::halfToFloat(out16[i]);
  double err = maxRelErr(got, data.floatReference);
  if (!(err <= kMaxRelErrCublas))
    fatal(format("cuBLAS output off the reference: max_rel_err %e > %e "
                 "(layout or library problem)",
                 err, kMaxRelErrCublas));
  std::vector<double> ms = gpu.time(options.warmup, options.runs, call);
  for (CUdeviceptr p : weights)
    gpu.d.memFree(p);
  gpu.d.memFree(a);
  gpu.d.memFree(out);
  return {median(ms), err};
}

std::string jsonString(const std::string &text) {
  std::string out = "\"";
  for (char ch : text)
    out += (ch == '"' || ch == '\\') ? std::string("\\") + ch : std::string(1, ch);
  return out + "\"";
}

GPU openGPU() {
  const cu::Driver &d = cu::driver();
  cu::makeContextCurrent();
  GPU gpu{d, loadExtra()};
  CUdevice device;
  cu::check(d.deviceGet(&device, 0), "cuDeviceGet");
  char name[256] = {0};
  cu::check(d.deviceGetName(name, sizeof(name) - 1, device), "cuDeviceGetName");
  gpu.name = name;
  int l2 = 0;
  cu::check(d.deviceGetAttribute(&l2, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, device),
            "cuDeviceGetAttribute");
  gpu.l2Bytes = l2;
  cu::check(d.streamCreate(&gpu.stream, CU_STREAM_NON_BLOCKING),
            "cuStreamCreate");
  return gpu;
}

std::string resultJSON(const BenchSpec &spec, const RunOptions &options,
                       const GPU &gpu, const Result &r) {
  double rooflineMs =
      double(spec.weightBytes) / (r.copyGbps * 1e9) * 1e3;
  std::string out = "{";
  out += "\"op\": " + jsonString(spec.op);
  out += ", \"scheme\": " + jsonString(spec.weights.kind);
  out += format(", \"m\": %lld, \"n\": %lld, \"k\": %lld", (long long)spec.m,
                (long long)spec.n, (long long)spec.k);
  out += format(", \"ms_median\": %.5f, \"cublas_fp16_ms\": %.5f", r.ms,
                r.cublasMs);
  out += format(", \"ratio_vs_cublas_fp16\": %.3f, \"weight_bytes\": %lld",
                r.cublasMs / r.ms, (long long)spec.weightBytes);
  out += format(", \"copy_gbps\": %.1f, \"ratio_vs_roofline\": %.3f",
                r.copyGbps, rooflineMs / r.ms);
  out += format(", \"max_rel_err\": %e, \"cublas_max_rel_err\": %e", r.err,
                r.cublasErr);
  out += ", \"timing\": " + jsonString(r.direct ? "kernel" : "whole-call");
  out += format(", \"rotated_copies\": %lld, \"l2_bytes\": %lld, \"runs\": %lld",
                (long long)r.rotated, (long long)gpu.l2Bytes,
                (long long)options.runs);
  out += ", \"scheme_attr\": " + jsonString(spec.schemeAttr);
  out += ", \"device\": " + jsonString(gpu.name);
  out += ", \"act_type\": " + jsonString(spec.actType);
  out += ", \"acts\": " + jsonString(spec.acts);
  out += std::string(", \"tensor_cores\": ") +
         (spec.tensorCores ? "true" : "false");
  out += ", \"weight_decode\": " + jsonString(spec.weightDecode) + "}";
  return out;
}

} // namespace qblock::gpurun
