//===- qblock_gpu_bench.cpp - GPU GEMV/GEMM against cuBLAS fp16 -----------===//
//
// One configuration per run (scheme, M, N, K): compiles
// @qblock_kernel(A, W, C) through --qblock-gpu-pipeline, turns the host code
// into direct launches of the generated kernels (LaunchPlan.h), checks the
// output against the numerics core's dequantized weights, checks cuBLAS fp16
// (cublasGemmEx, fp32 accumulation) against the same reference, then times
// both with CUDA events (median of --runs calls after --warmup), each call on
// the next copy of the weights in a rotation larger than 2x the L2 cache, and
// measures device-to-device copy bandwidth for the roofline. One JSON object
// per run on stdout; progress on stderr.
//
//   build/bin/qblock-gpu-bench --op gemv --scheme blockdialect --n 8192 --k 8192
//   build/bin/qblock-gpu-bench --dump-plan --scheme blockdialect --n 256 --k 256
//
// Exit status: 0 done, 1 error (a failed check included), 77 no usable GPU.
//
//===----------------------------------------------------------------------===//

#include "LaunchPlan.h"

#include "CUDADriver.h"

#include "qblock/IR/QBlockAttrs.h"
#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/Layout.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cublas_api.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

using namespace mlir;
using namespace qblock::bench;
namespace cu = qblock::cuda;
namespace num = qblock::numerics;

#ifndef QBLOCK_CUDA_RUNTIME_PATH
#define QBLOCK_CUDA_RUNTIME_PATH "libqblock_cuda_runtime.so"
#endif
#ifndef QBLOCK_C_RUNNER_UTILS_PATH
#define QBLOCK_C_RUNNER_UTILS_PATH "/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so"
#endif
#ifndef QBLOCK_CUBLAS_PATH
#define QBLOCK_CUBLAS_PATH "libcublas.so"
#endif

namespace {

constexpr int kNoDevice = 77;
constexpr double kMaxRelErr = 1e-3;       // qblock (f32 accumulation)
constexpr double kMaxRelErrCublas = 1e-2; // fp16 weights, activations, output

struct Options {
  std::string op = "gemv", scheme = "blockdialect", actType = "f32";
  std::string acts = "none";
  int64_t block = 0, bits = 3, group = 128, m = 0, n = 8192, k = 8192;
  int64_t runs = 100, warmup = 20;
  double l2Factor = 2.0;
  std::string chip = "sm_90a", format = "isa";
  bool dumpPlan = false, wholeCall = false;
  std::string emitPTX;
  std::string cublas = QBLOCK_CUBLAS_PATH;
  std::string runtimeLib = QBLOCK_CUDA_RUNTIME_PATH;
  std::string cRunnerUtils = QBLOCK_C_RUNNER_UTILS_PATH;
};
Options options;

const char *kUsage = R"(usage: qblock-gpu-bench [options]

Checks, then times, C[M][N] = A[M][K] * W[K][N] (C f32; A f32, f16 or bf16;
W quantized)
compiled by --qblock-gpu-pipeline, against cuBLAS fp16 (cublasGemmEx: fp16
A, W, C, fp32 accumulation, W as N x K "TN") on the same logical W, and
against the device-to-device copy bandwidth. One configuration per run.

  --op gemv|gemm          gemv: M = 1 (default gemv)
  --scheme S              blockdialect, mxfp4, nvfp4, int4, bcq (LUT-GEMM)
  --block B               block size of block schemes (default: the preset's)
  --bits q --group g      BCQ planes and group (default 3, 128)
  --act-type T            element type of A: f32, f16, bf16 (default f32);
                          cuBLAS gets A as fp16 either way
  --acts none|blockdialect|mxfp4|int8
                          quantize A online inside the matmul (W4A4, or
                          W4A8 with int8; default none): the time includes
                          the quantization launch, and the output is
                          checked against the product with A quantized and
                          dequantized by the numerics core
  --m M --n N --k K       sizes (default M 1 for gemv, 16 for gemm; 8192)
  --runs R                timed calls per side, median reported (default 100)
  --warmup W              untimed calls first (default 20)
  --l2-factor F           rotated weight copies exceed F x L2 (default 2)
  --chip C --format isa|bin   qblock-gpu-pipeline options (default sm_90a, isa)
  --whole-call            time whole calls of the lowered host function
                          (JIT) even when the kernels can be launched directly
  --dump-plan             compile, print the launch plan and the PTX entry
                          parameter counts, exit (needs no GPU)
  --emit-ptx FILE         write the generated PTX (format isa) to FILE
  --cublas PATH           cuBLAS library (default )" QBLOCK_CUBLAS_PATH R"()
  --runtime-lib PATH      qblock's CUDA runtime, for --whole-call
  --c-runner-utils PATH   MLIR's C runner utils, for --whole-call

Output, one JSON object: op, scheme, m, n, k, ms_median (qblock, one call),
cublas_fp16_ms, ratio_vs_cublas_fp16 (cublas / qblock, > 1: faster),
weight_bytes (packed W), copy_gbps (2 x bytes / time of cuMemcpyDtoD),
ratio_vs_roofline ((weight_bytes / copy_gbps) / ms_median), max_rel_err
(max |C - R| / max |R|, R = double-precision product with the numerics
core's dequantized W), cublas_max_rel_err, timing ("kernel": only the
generated kernels, events around their launches; "whole-call": the lowered
host function, host clock, including its allocations and copies),
rotated_copies, l2_bytes, device.
Exit status 77 when no CUDA device answers.
)";

[[noreturn]] void fatal(const llvm::Twine &message) {
  llvm::errs() << "qblock-gpu-bench: error: " << message << "\n";
  std::exit(1);
}

int64_t parseInt(llvm::StringRef flag, llvm::StringRef text) {
  int64_t value;
  if (text.getAsInteger(10, value) || value < 1)
    fatal("--" + flag + " takes a positive integer, got '" + text + "'");
  return value;
}

void parseCommandLine(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      llvm::outs() << kUsage;
      std::exit(0);
    }
    if (arg == "--dump-plan") {
      options.dumpPlan = true;
      continue;
    }
    if (arg == "--whole-call") {
      options.wholeCall = true;
      continue;
    }
    if (!arg.consume_front("--"))
      fatal("unexpected argument '" + arg + "' (see --help)");
    auto [flag, value] = arg.split('=');
    if (!arg.contains('=')) {
      if (i + 1 >= argc)
        fatal("--" + flag + " needs a value");
      value = argv[++i];
    }
    if (flag == "op")
      options.op = value.str();
    else if (flag == "scheme")
      options.scheme = value.str();
    else if (flag == "act-type")
      options.actType = value.str();
    else if (flag == "acts")
      options.acts = value.str();
    else if (flag == "block")
      options.block = parseInt(flag, value);
    else if (flag == "bits")
      options.bits = parseInt(flag, value);
    else if (flag == "group")
      options.group = parseInt(flag, value);
    else if (flag == "m")
      options.m = parseInt(flag, value);
    else if (flag == "n")
      options.n = parseInt(flag, value);
    else if (flag == "k")
      options.k = parseInt(flag, value);
    else if (flag == "runs")
      options.runs = parseInt(flag, value);
    else if (flag == "warmup")
      options.warmup = parseInt(flag, value);
    else if (flag == "l2-factor") {
      if (value.getAsDouble(options.l2Factor) || !(options.l2Factor > 0))
        fatal("--l2-factor takes a positive number");
    } else if (flag == "chip")
      options.chip = value.str();
    else if (flag == "format")
      options.format = value.str();
    else if (flag == "emit-ptx")
      options.emitPTX = value.str();
    else if (flag == "cublas")
      options.cublas = value.str();
    else if (flag == "runtime-lib")
      options.runtimeLib = value.str();
    else if (flag == "c-runner-utils")
      options.cRunnerUtils = value.str();
    else
      fatal("unknown option --" + flag + " (see --help)");
  }
  if (options.op != "gemv" && options.op != "gemm")
    fatal("--op takes gemv or gemm");
  if (options.m == 0)
    options.m = options.op == "gemv" ? 1 : 16;
  if (options.op == "gemv" && options.m != 1)
    fatal("--op gemv needs --m 1");
  if (options.format != "isa" && options.format != "bin")
    fatal("--format takes isa or bin");
  if (options.actType != "f32" && options.actType != "f16" &&
      options.actType != "bf16")
    fatal("--act-type takes f32, f16 or bf16, got '" + options.actType + "'");
  if (options.acts != "none" && options.acts != "blockdialect" &&
      options.acts != "mxfp4" && options.acts != "int8")
    fatal("--acts takes none, blockdialect, mxfp4 or int8, got '" +
          options.acts + "'");
  if (options.acts != "none" && options.scheme == "bcq")
    fatal("--acts needs a block scheme (LUT-GEMM takes float activations)");
}

/// The #qblock.scheme of --acts with the weights' block size (what
/// --qblock-quantize-linalg acts=... writes), or "" for none.
std::string actSchemeText(int64_t blockSize) {
  if (options.acts == "none")
    return "";
  std::string block = ", block = " + std::to_string(blockSize);
  if (options.acts == "blockdialect")
    return "#qblock.scheme<blockdialect" + block + ", select = two_stage>";
  return "#qblock.scheme<" + options.acts + block + ">";
}

/// The numerics core's scheme of --acts (the weights' block size).
std::optional<num::Scheme> actScheme(int64_t blockSize) {
  if (options.acts == "none")
    return std::nullopt;
  if (options.acts == "mxfp4")
    return num::Scheme::mxfp4(blockSize);
  if (options.acts == "int8")
    return num::Scheme::int8(blockSize);
  return num::Scheme::blockDialect(blockSize, num::SelectRule::TwoStage);
}

std::string schemeAttrText() {
  if (options.scheme == "bcq")
    return llvm::formatv("#qblock.bcq<bits = {0}, group = {1}>", options.bits,
                         options.group);
  static const llvm::StringRef blockSchemes[] = {"blockdialect", "mxfp4",
                                                 "nvfp4", "int4"};
  if (!llvm::is_contained(blockSchemes, options.scheme))
    fatal("unknown scheme '" + options.scheme +
          "'; expected blockdialect, mxfp4, nvfp4, int4 or bcq");
  std::string text = "#qblock.scheme<" + options.scheme;
  if (options.block)
    text += ", block = " + std::to_string(options.block);
  return text + ">";
}

qblock::QuantizedTensorType weightType(MLIRContext &context) {
  std::string text =
      llvm::formatv("!qblock.qtensor<{0}x{1}xf32, {2}, axis = 0>", options.k,
                    options.n, schemeAttrText());
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    llvm::raw_string_ostream(diagnostics) << diag << "\n";
    return success();
  });
  auto type = llvm::dyn_cast_or_null<qblock::QuantizedTensorType>(
      parseType(text, &context));
  if (!type)
    fatal("invalid weight type " + text + ": " + diagnostics);
  return type;
}

//===----------------------------------------------------------------------===//
// Host data
//===----------------------------------------------------------------------===//

void parallelFor(int64_t n, const std::function<void(int64_t, int64_t)> &body) {
  int64_t threads =
      std::clamp<int64_t>(std::thread::hardware_concurrency(), 1, n);
  std::vector<std::thread> pool;
  for (int64_t t = 0; t < threads; ++t)
    pool.emplace_back(body, n * t / threads, n * (t + 1) / threads);
  for (std::thread &thread : pool)
    thread.join();
}

/// Deterministic, roughly Gaussian values (sum of four uniforms).
void fillRow(float *out, int64_t k, uint64_t seed, float scale) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  for (int64_t i = 0; i < k; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    float sum = float(state & 0xFFFF) + float((state >> 16) & 0xFFFF) +
                float((state >> 32) & 0xFFFF) + float(state >> 48);
    out[i] = (sum / 65536.0f - 2.0f) * scale;
  }
}

/// IEEE binary16, round to nearest even.
uint16_t toHalf(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  x &= 0x7FFFFFFF;
  if (x >= 0x7F800000)
    return sign | (x > 0x7F800000 ? 0x7E00 : 0x7C00);
  if (x >= 0x477FF000) // rounds to at least 65520: infinity
    return sign | 0x7C00;
  if (x < 0x38800000) { // below 2^-14: a multiple of 2^-24
    float magnitude;
    std::memcpy(&magnitude, &x, 4);
    return sign | uint16_t(std::nearbyint(magnitude * 16777216.0f));
  }
  uint32_t half = ((((x >> 23) - 112) << 10) | ((x >> 13) & 0x3FF));
  uint32_t rest = x & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half; // a carry into the exponent is the right result
  return sign | half;
}

/// bfloat16 (the upper half of an f32), round to nearest even; NaN stays
/// NaN.
uint16_t toBFloat16(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  if ((x & 0x7FFFFFFF) > 0x7F800000)
    return uint16_t((x >> 16) | 0x40);
  return uint16_t((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
}

float fromBFloat16(uint16_t h) {
  uint32_t x = uint32_t(h) << 16;
  float value;
  std::memcpy(&value, &x, 4);
  return value;
}

float fromHalf(uint16_t h) {
  int exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
  float magnitude = exponent == 0    ? std::ldexp(float(mantissa), -24)
                    : exponent == 31 ? (mantissa ? NAN : INFINITY)
                                     : std::ldexp(float(1024 + mantissa),
                                                  exponent - 25);
  return (h & 0x8000) ? -magnitude : magnitude;
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

HostData buildHostData(qblock::QuantizedTensorType type) {
  int64_t n = options.n, k = options.k, m = options.m;
  HostData data;
  data.packed.assign(type.getStorageBytes(), 0);
  data.dense.resize(n * k);
  std::vector<float> source(n * k);
  parallelFor(n, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      fillRow(source.data() + r * k, k, uint64_t(r), 0.035f);
    if (qblock::SchemeAttr attr = type.getBlockScheme()) {
      num::Scheme scheme = attr.toNumerics();
      num::BlockLayout layout = num::computeLayout(n, k, scheme);
      num::quantizeRows(source.data(), layout, scheme, begin, end,
                        data.packed.data());
      num::dequantizeRows(data.packed.data(), layout, scheme, begin, end,
                          data.dense.data());
    } else {
      num::BCQScheme scheme = type.getBCQScheme().toNumerics();
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
  if (options.actType != "f32") {
    bool bf16 = options.actType == "bf16";
    data.a16.resize(data.a.size());
    for (size_t i = 0; i < data.a.size(); ++i) {
      data.a16[i] = bf16 ? toBFloat16(data.a[i]) : toHalf(data.a[i]);
      data.a[i] = bf16 ? fromBFloat16(data.a16[i]) : fromHalf(data.a16[i]);
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
  if (std::optional<num::Scheme> act = actScheme(type.getBlockSize())) {
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

struct Extra {
  CUresult (*eventElapsedTime)(float *, CUevent, CUevent) = nullptr;
  CUresult (*memGetInfo)(size_t *, size_t *) = nullptr;
};

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

Cublas loadCublas(CUstream stream) {
  void *library = dlopen(options.cublas.c_str(), RTLD_NOW | RTLD_LOCAL);
  for (const char *name : {"libcublas.so.13", "libcublas.so.12"})
    if (!library)
      library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
  if (!library)
    fatal("cannot load cuBLAS (" + options.cublas + "): " + dlerror() +
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
void cublasHalfGemm(const Cublas &c, CUdeviceptr w, CUdeviceptr a,
                    CUdeviceptr out) {
  float one = 1.0f, zero = 0.0f;
  int n = int(options.n), m = int(options.m), k = int(options.k);
  cublasStatus_t status = c.gemmEx(
      c.handle, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &one,
      reinterpret_cast<void *>(w), CUDA_R_16F, k, reinterpret_cast<void *>(a),
      CUDA_R_16F, k, &zero, reinterpret_cast<void *>(out), CUDA_R_16F, n,
      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  if (status != CUBLAS_STATUS_SUCCESS)
    fatal("cublasGemmEx failed with status " + llvm::Twine(int(status)));
}

//===----------------------------------------------------------------------===//
// Timing
//===----------------------------------------------------------------------===//

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
std::pair<double, double> timeKernels(GPU &gpu, const KernelPlan &plan,
                                      const HostData &data,
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
      llvm::errs() << "JIT log:\n" << log << "\n";
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
  for (auto [i, buffer] : llvm::enumerate(plan.buffers)) {
    if (buffer.isOutput)
      output = int(i);
    if (buffer.source == PlanBuffer::Source::Weights) {
      if (buffer.weightOffset + buffer.bytes > wBytes)
        fatal("a kernel reads past the weights (plan buffer " +
              llvm::Twine(i) + ")");
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
  if (plan.buffers[output].bytes != options.m * options.n * 4)
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
    for (auto [index, launch] : llvm::enumerate(plan.launches))
      cu::check(d.launchKernel(functions[index], launch.grid[0],
                               launch.grid[1], launch.grid[2], launch.block[0],
                               launch.block[1], launch.block[2],
                               launch.dynamicSharedBytes, gpu.stream,
                               p[index].pointers.data(), nullptr),
                "cuLaunchKernel");
  };

  // Check the first and the last weight copy, each from a zeroed output
  // (the kernel adds to the output's init, zeros in this module).
  double err = 0;
  std::vector<float> got(options.m * options.n);
  for (int64_t copy : {int64_t(0), rotatedCopies - 1}) {
    gpu.zero(buffers[output], got.size() * 4);
    call(copy);
    gpu.sync();
    gpu.download(got.data(), buffers[output], got.size() * 4);
    err = std::max(err, maxRelErr(got, data.reference));
  }
  if (!(err <= kMaxRelErr))
    fatal(llvm::formatv("qblock output off the reference: max_rel_err {0:e} "
                        "> {1:e}",
                        err, kMaxRelErr));
  std::vector<double> ms = gpu.time(options.warmup, options.runs, call);
  for (CUdeviceptr p : weights)
    d.memFree(p);
  for (auto [i, p] : llvm::enumerate(buffers))
    if (p && plan.buffers[i].source != PlanBuffer::Source::Result)
      d.memFree(p);
  for (auto &[name, module] : modules)
    d.moduleUnload(module);
  return {median(ms), err};
}

using WholeCall = void (*)(void *a, void *w, void *c);

/// The lowered module (host code + gpu.binary) JIT-compiled with qblock's
/// CUDA runtime loaded: its C entry point _mlir_ciface_qblock_kernel.
/// Without `initialize`, global constructors (which load the GPU module)
/// do not run: the lookup alone proves that the module compiles and links.
WholeCall compileWholeCall(KernelPlan &plan,
                           std::unique_ptr<ExecutionEngine> &engine,
                           bool initialize = true) {
  ExecutionEngineOptions engineOptions;
  SmallVector<StringRef, 2> libraries = {options.runtimeLib,
                                         options.cRunnerUtils};
  engineOptions.sharedLibPaths = libraries;
  engineOptions.transformer = makeOptimizingTransformer(2, 0, nullptr);
  auto created = ExecutionEngine::create(*plan.lowered, engineOptions);
  if (!created)
    fatal("cannot JIT-compile the lowered module: " +
          llvm::toString(created.takeError()));
  engine = std::move(*created);
  if (initialize)
    engine->initialize();
  auto symbol = engine->lookup("_mlir_ciface_qblock_kernel");
  if (!symbol)
    fatal("no _mlir_ciface_qblock_kernel: " +
          llvm::toString(symbol.takeError()));
  return reinterpret_cast<WholeCall>(*symbol);
}

/// Whole calls of the lowered host function, timed on the host clock (each
/// call ends with a stream synchronization): allocations, copies of A, W
/// and C, host-side work and the launches.
std::pair<double, double> timeWholeCalls(KernelPlan &plan,
                                         const HostData &data) {
  std::unique_ptr<ExecutionEngine> engine;
  WholeCall entry = compileWholeCall(plan, engine);
  int64_t m = options.m, n = options.n, k = options.k;
  std::vector<float> a = data.a, c(m * n);
  std::vector<uint16_t> a16 = data.a16;
  std::vector<uint8_t> w = data.packed;
  // Half activations pass their 16-bit storage: the descriptor only
  // carries a pointer, sizes and strides.
  float *aData = a16.empty() ? a.data() : reinterpret_cast<float *>(a16.data());
  StridedMemRefType<float, 2> aDesc{aData, aData, 0, {m, k}, {k, 1}};
  StridedMemRefType<int8_t, 1> wDesc{
      reinterpret_cast<int8_t *>(w.data()),
      reinterpret_cast<int8_t *>(w.data()), 0, {int64_t(w.size())}, {1}};
  StridedMemRefType<float, 2> cDesc{c.data(), c.data(), 0, {m, n}, {n, 1}};
  auto call = [&] { entry(&aDesc, &wDesc, &cDesc); };
  call();
  double err = maxRelErr(c, data.reference);
  if (!(err <= kMaxRelErr))
    fatal(llvm::formatv("qblock output off the reference: max_rel_err {0:e}",
                        err));
  for (int64_t i = 0; i < options.warmup; ++i)
    call();
  std::vector<double> ms;
  for (int64_t i = 0; i < options.runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    call();
    ms.push_back(std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - start)
                     .count());
  }
  return {median(ms), err};
}

std::pair<double, double> timeCublas(GPU &gpu, const HostData &data) {
  Cublas c = loadCublas(gpu.stream);
  int64_t m = options.m, n = options.n, k = options.k;
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
    cublasHalfGemm(c, weights[i % copies], a, out);
  };
  call(0);
  gpu.sync();
  gpu.download(out16.data(), out, m * n * 2);
  std::vector<float> got(m * n);
  for (size_t i = 0; i < got.size(); ++i)
    got[i] = fromHalf(out16[i]);
  double err = maxRelErr(got, data.floatReference);
  if (!(err <= kMaxRelErrCublas))
    fatal(llvm::formatv("cuBLAS output off the reference: max_rel_err {0:e} "
                        "> {1:e} (layout or library problem)",
                        err, kMaxRelErrCublas));
  std::vector<double> ms = gpu.time(options.warmup, options.runs, call);
  for (CUdeviceptr p : weights)
    gpu.d.memFree(p);
  gpu.d.memFree(a);
  gpu.d.memFree(out);
  return {median(ms), err};
}

std::string jsonString(llvm::StringRef text) {
  std::string out = "\"";
  for (char ch : text)
    out += (ch == '"' || ch == '\\') ? std::string("\\") + ch : std::string(1, ch);
  return out + "\"";
}

/// --dump-plan: the plan and, per launch, the PTX's parameter count.
int dumpPlan(KernelPlan &plan) {
  plan.print(llvm::outs());
  bool ok = true;
  for (const PlanLaunch &launch : plan.launches) {
    if (!plan.objectsArePTX)
      continue;
    auto it = plan.objects.find(launch.module);
    int count = it == plan.objects.end()
                    ? -1
                    : countPTXParams(it->second, launch.kernel);
    llvm::outs() << "ptx .entry " << launch.kernel << ": " << count
                 << " params, plan passes " << launch.paramCount() << "\n";
    ok &= count == int(launch.paramCount());
  }
  if (!plan.notLaunchable.empty()) {
    // The fallback must at least compile and link here.
    std::unique_ptr<ExecutionEngine> engine;
    compileWholeCall(plan, engine, /*initialize=*/false);
    // Leaked: destroying the engine runs the module's destructors, which
    // would unload a GPU module that was never loaded.
    (void)engine.release();
    llvm::outs() << "whole-call fallback: JIT-compiled, "
                    "_mlir_ciface_qblock_kernel found\n";
  }
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  parseCommandLine(argc, argv);

  // Fail fast, before compiling, when nothing can run.
  if (!options.dumpPlan) {
    if (const char *error = cu::loadError()) {
      llvm::errs() << "qblock-gpu-bench: no usable CUDA device: " << error
                   << "\n";
      return kNoDevice;
    }
  }

  DialectRegistry registry;
  registerGPUBenchDependencies(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  KernelConfig config;
  config.m = options.m;
  config.weightType = weightType(context);
  config.chip = options.chip;
  config.format = options.format;
  config.actElement = options.actType;
  if (config.weightType.getBlockScheme())
    config.actScheme = actSchemeText(config.weightType.getBlockSize());

  llvm::errs() << "compiling " << config.weightType << " M=" << options.m
               << " (" << options.actType
               << " activations) with qblock-gpu-pipeline\n";
  llvm::Expected<KernelPlan> compiled = compileKernel(context, config);
  if (!compiled)
    fatal(llvm::toString(compiled.takeError()));
  KernelPlan &plan = *compiled;
  if (!options.emitPTX.empty()) {
    if (!plan.objectsArePTX)
      fatal("--emit-ptx needs --format isa");
    std::error_code error;
    llvm::raw_fd_ostream out(options.emitPTX, error);
    if (error)
      fatal("cannot write " + options.emitPTX + ": " + error.message());
    for (const auto &[name, object] : plan.objects)
      out << object;
  }
  // The PTX must take exactly the parameters the plan passes.
  for (const PlanLaunch &launch : plan.launches)
    if (plan.objectsArePTX && plan.notLaunchable.empty()) {
      int count = countPTXParams(plan.objects[launch.module], launch.kernel);
      if (count != int(launch.paramCount()))
        fatal(llvm::formatv("PTX .entry {0} takes {1} parameters but the "
                            "launch plan passes {2}: the calling convention "
                            "of gpu-to-llvm changed; update LaunchPlan.cpp",
                            launch.kernel, count, launch.paramCount()));
    }
  if (options.dumpPlan)
    return dumpPlan(plan);

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
  llvm::errs() << "device: " << gpu.name << ", L2 " << l2 / (1 << 20)
               << " MiB\n";

  llvm::errs() << "building weights (numerics core)\n";
  HostData data = buildHostData(config.weightType);

  bool direct = plan.notLaunchable.empty() && !options.wholeCall;
  if (!plan.notLaunchable.empty())
    llvm::errs() << "no direct launch (" << plan.notLaunchable
                 << "): timing whole calls of the lowered host function\n";
  int64_t rotated = 1;
  llvm::errs() << "checking and timing qblock\n";
  auto [ms, err] = direct ? timeKernels(gpu, plan, data, rotated)
                          : timeWholeCalls(plan, data);
  llvm::errs() << "checking and timing cuBLAS fp16\n";
  auto [cublasMs, cublasErr] = timeCublas(gpu, data);
  llvm::errs() << "measuring copy bandwidth\n";
  double copyGbps = copyBandwidth(gpu);

  int64_t weightBytes = data.packed.size();
  double rooflineMs = double(weightBytes) / (copyGbps * 1e9) * 1e3;
  llvm::outs() << llvm::formatv(
      "{{\"op\": \"{0}\", \"scheme\": \"{1}\", \"m\": {2}, \"n\": {3}, "
      "\"k\": {4}, \"ms_median\": {5:F5}, \"cublas_fp16_ms\": {6:F5}, "
      "\"ratio_vs_cublas_fp16\": {7:F3}, \"weight_bytes\": {8}, "
      "\"copy_gbps\": {9:F1}, \"ratio_vs_roofline\": {10:F3}, "
      "\"max_rel_err\": {11:e}, \"cublas_max_rel_err\": {12:e}, "
      "\"timing\": \"{13}\", \"rotated_copies\": {14}, \"l2_bytes\": {15}, "
      "\"runs\": {16}, \"scheme_attr\": {17}, \"device\": {18}, "
      "\"act_type\": \"{19}\", \"acts\": \"{20}\"}\n",
      options.op, options.scheme, options.m, options.n, options.k, ms,
      cublasMs, cublasMs / ms, weightBytes, copyGbps, rooflineMs / ms, err,
      cublasErr, direct ? "kernel" : "whole-call", rotated, gpu.l2Bytes,
      options.runs, jsonString(schemeAttrText()), jsonString(gpu.name),
      options.actType, options.acts);
  return 0;
}
