//===- qblock_bench.cpp - CPU GEMV/GEMM benchmark against OpenBLAS --------===//
//
// For every configuration (scheme x N x K x M x threads): JIT-compiles a
// qblock.matmul through --qblock-cpu-pipeline, checks its output against the
// numerics core's reference product on the dequantized weights, then times it
// against OpenBLAS sgemv/sgemm on the same logical matrices (the dequantized
// weights in f32) and against the memory roofline (quantized bytes over a
// stream-read bandwidth measured in the same run).
//
//   build/bin/qblock-bench --op gemv --scheme blockdialect,mxfp4 \
//       --n 4096 --k 4096 --threads 2 [--json]
//
// Working set: both the packed weights and the f32 copies rotate over enough
// matrices to exceed --working-set-mib (default 2 x 260 MiB), so every call
// streams its weights from DRAM, as in LLM decoding.
//
//===----------------------------------------------------------------------===//

#include "../common/FillRow.h"
#include "../common/HalfFloats.h"
#include "JitKernel.h"
#include "Measure.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/IR/QBlockAttrs.h"
#include "qblock/IR/QBlockTypes.h"
#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/Layout.h"
#include "qblock/Numerics/Reference.h"
#include "qblock/Numerics/Scale.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <cblas.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace mlir;
using namespace qblock::bench;
namespace num = qblock::numerics;

#ifndef QBLOCK_LIBOMP_PATH
#define QBLOCK_LIBOMP_PATH "/usr/lib/llvm-22/lib/libomp.so"
#endif

namespace {

//===----------------------------------------------------------------------===//
// Command line
//===----------------------------------------------------------------------===//

struct Options {
  std::string op = "gemv";
  std::vector<std::string> schemes;
  int64_t block = 0; // 0: the preset's default
  std::string select = "mse";
  int64_t bits = 3, group = 128;
  std::vector<int64_t> m, n, k, threads;
  bool json = false;
  double workingSetMiB = 520.0;
  std::string target = "host";
  int64_t minCalls = 20;
  double minSeconds = 1.0;
  std::string libomp = QBLOCK_LIBOMP_PATH;
  /// none, blockdialect (two-stage selection) or mxfp4.
  std::string acts = "none";
  /// LUT-GEMM table precision (qblock-cpu-pipeline's lut-tables): f32, i8.
  std::string lutTables = "f32";
  /// Element type of the activations: f32, f16, bf16.
  std::string actType = "f32";
  /// Which of the scheme-specific flags were given, so that one no
  /// configuration reads is refused rather than silently ignored.
  bool selectGiven = false, bitsGiven = false, groupGiven = false,
       lutTablesGiven = false;
};
Options options;

constexpr double kMaxRelErr = 1e-3;
constexpr double kMiB = 1024.0 * 1024.0;
constexpr size_t kStreamBytes = size_t(1) << 30;

const char *kUsage = R"(usage: qblock-bench [options]

Checks, then times, C[M][N] = A[M][K] * W[K][N] with W in a quantized scheme,
compiled by --qblock-cpu-pipeline and JIT-run, against OpenBLAS sgemv (M = 1)
or sgemm on the dequantized f32 W (the same logical matrix). Lists are comma
separated; every combination is one configuration.

  --op gemv|gemm            gemv needs M = 1 (default gemv)
  --scheme S[,S...]         blockdialect, mxfp4, nvfp4, int4, bcq
                            (default blockdialect)
  --block B                 block size of block schemes (default: the
                            preset's, 32; 16 for nvfp4)
  --select mse|two-stage    dialect selection of blockdialect (default mse;
                            needs blockdialect in --scheme)
  --bits q --group g        BCQ bit planes and group size (default 3, 128;
                            need bcq in --scheme, as --lut-tables does)
  --m M[,M...]              rows of A (default 1 for gemv, 16 for gemm)
  --n N[,N...]              columns of W and C (default 4096)
  --k K[,K...]              reduction size (default 4096)
  --threads T[,T...]        threads of our kernel (OpenMP), OpenBLAS and the
                            stream probe (default: all cores; at most 4
                            per hardware thread)
  --json                    one JSON object per configuration and line
  --working-set-mib X       the rotated packed weights, and separately the
                            rotated f32 copies for OpenBLAS, exceed X MiB
                            (default 520 = 2 x 260 MiB L3)
  --target T                qblock-cpu-pipeline target: host, generic, avx2,
                            avx512 (default host)
  --min-calls C             timed calls per measurement, at least (default 20)
  --min-seconds S           seconds per measurement, at least (default 1)
  --acts none|blockdialect|mxfp4|nvfp4|int8
                            quantize activations online inside the matmul
                            (W4A4 integer path; blockdialect uses two-stage
                            selection); the check then uses the quantized
                            activations (default none)
  --lut-tables f32|i8       LUT-GEMM table precision (qblock-cpu-pipeline's
                            lut-tables); with i8 the check allows each
                            output the error bound of the int8 tables'
                            rounding (docs/lut-gemm.md) instead of 1e-3
                            (default f32)
  --act-type f32|f16|bf16   element type of A as the kernel takes it; the
                            activations are rounded to it first, and
                            OpenBLAS and the reference multiply the rounded
                            values in f32 (default f32)
  --libomp PATH             OpenMP runtime for the JIT (default
                            )" QBLOCK_LIBOMP_PATH R"()

Reported per configuration:
  ms_median          median time of one call of our kernel
  weight_gbps        packed weight bytes per call / ms_median, in 1e9 B/s
  ratio_vs_openblas  OpenBLAS median ms / ms_median (> 1: we are faster)
  ratio_vs_roofline  (packed bytes / stream-read bandwidth) / ms_median
                     (1.0 = at the memory roofline); the bandwidth
                     (stream_gbps) is the median over the timing rounds of
                     the best of two passes of T threads summing a 1 GiB
                     buffer, probed in each round after our kernel and
                     OpenBLAS, so all three see the same machine
  ratio_vs_best_roofline
                     the same against the best bandwidth of T threads seen
                     so far in the run (stream_gbps_best): the machine at
                     its fastest, when nothing else competed for memory
  ratio_vs_dequant   BCQ only (JSON key dequant_ms too): the project's own
                     dequantize-then-multiply path, i.e. the qblock.dequantize
                     kernel (checked bit-exact against the numerics core)
                     writing f32 weights and OpenBLAS on them, median ms /
                     ms_median
  max_rel_err        max_i |C_i - R_i| / max_i |R_i| over all M x N outputs
                     of one call, R = numerics::referenceGemm (double
                     accumulation) on the dequantized weights; the run
                     stops with an error above 1e-3 (with --lut-tables i8:
                     above the int8 tables' rounding bound)
)";

/// The block-scheme presets --scheme takes (besides bcq).
constexpr llvm::StringLiteral kBlockSchemes[] = {"blockdialect", "mxfp4",
                                                 "nvfp4", "int4"};

[[noreturn]] void fatal(const llvm::Twine &message) {
  llvm::errs() << "qblock-bench: error: " << message << "\n";
  std::exit(1);
}

std::vector<int64_t> parseIntList(llvm::StringRef flag, llvm::StringRef text) {
  std::vector<int64_t> values;
  llvm::SmallVector<llvm::StringRef> parts;
  text.split(parts, ',');
  for (llvm::StringRef part : parts) {
    int64_t value;
    llvm::StringRef digits = part.trim();
    if (!digits.empty() && llvm::all_of(digits, llvm::isDigit) &&
        digits.getAsInteger(10, value))
      fatal("--" + flag + " value '" + digits + "' does not fit in 64 bits");
    if (digits.getAsInteger(10, value) || value < 1)
      fatal("--" + flag + " takes positive integers, got '" + text + "'");
    values.push_back(value);
  }
  return values;
}

int64_t parsePositiveInt(llvm::StringRef flag, llvm::StringRef text) {
  std::vector<int64_t> values = parseIntList(flag, text);
  if (values.size() != 1)
    fatal("--" + flag + " takes one value, got '" + text + "'");
  return values.front();
}

double parsePositive(llvm::StringRef flag, llvm::StringRef text) {
  double value;
  if (text.getAsDouble(value) || !(value > 0) || !std::isfinite(value))
    fatal("--" + flag + " takes a positive number, got '" + text + "'");
  return value;
}

/// A hand-written parser rather than llvm::cl: libLLVM and libMLIR already
/// register global options such as -threads, and two registrations of one
/// name abort at startup.
void parseCommandLine(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      llvm::outs() << kUsage;
      std::exit(0);
    }
    if (arg == "--json") {
      options.json = true;
      continue;
    }
    if (!arg.consume_front("--"))
      fatal("unexpected argument '" + arg + "' (see --help)");
    // --flag value or --flag=value. The value is taken only by a flag that
    // exists, so an unknown last flag is reported as unknown.
    auto [flag, inlineValue] = arg.split('=');
    bool hasInlineValue = arg.contains('=');
    std::optional<llvm::StringRef> taken;
    auto value = [&]() -> llvm::StringRef {
      if (!taken) {
        if (hasInlineValue)
          taken = inlineValue;
        else if (i + 1 < argc && llvm::StringRef(argv[i + 1]).starts_with("--"))
          // "--op --n 64" would take "--n" as the op and then call "64"
          // unexpected; no value of these flags starts with "--".
          fatal("--" + flag + " needs a value, got the option '" + argv[i + 1] +
                "'");
        else if (i + 1 < argc)
          taken = argv[++i];
        else
          fatal("--" + flag + " needs a value");
      }
      return *taken;
    };
    if (flag == "op")
      options.op = value().str();
    else if (flag == "scheme") {
      // A repeated flag keeps its last value, as the others do.
      options.schemes.clear();
      llvm::SmallVector<llvm::StringRef> parts;
      value().split(parts, ',');
      for (llvm::StringRef part : parts) {
        // Checked here, not when its configuration's turn comes after
        // minutes of others.
        llvm::StringRef name = part.trim();
        if (name != "bcq" && !llvm::is_contained(kBlockSchemes, name))
          fatal("--scheme: unknown scheme '" + name +
                "'; expected blockdialect, mxfp4, nvfp4, int4 or bcq");
        options.schemes.push_back(name.str());
      }
    } else if (flag == "block")
      options.block = parsePositiveInt(flag, value());
    else if (flag == "select") {
      if (value() != "mse" && value() != "two-stage")
        fatal("unknown --select '" + value() + "'; expected mse or two-stage");
      options.select = value().str();
      options.selectGiven = true;
    } else if (flag == "bits") {
      options.bits = parsePositiveInt(flag, value());
      options.bitsGiven = true;
    } else if (flag == "group") {
      options.group = parsePositiveInt(flag, value());
      options.groupGiven = true;
    } else if (flag == "m")
      options.m = parseIntList(flag, value());
    else if (flag == "n")
      options.n = parseIntList(flag, value());
    else if (flag == "k")
      options.k = parseIntList(flag, value());
    else if (flag == "threads")
      options.threads = parseIntList(flag, value());
    else if (flag == "working-set-mib")
      options.workingSetMiB = parsePositive(flag, value());
    else if (flag == "target") {
      // Checked here, not after the first configuration's weights are
      // built and its compile fails.
      if (!qblock::isCPUTarget(value()))
        fatal("--target takes host, generic, avx2 or avx512, got '" + value() +
              "'");
      options.target = value().str();
    } else if (flag == "min-calls")
      options.minCalls = parsePositiveInt(flag, value());
    else if (flag == "min-seconds")
      options.minSeconds = parsePositive(flag, value());
    else if (flag == "libomp")
      options.libomp = value().str();
    else if (flag == "acts") {
      // Checked here, before minutes of quantizing and compiling.
      if (value() != "none" && value() != "blockdialect" &&
          value() != "mxfp4" && value() != "nvfp4" && value() != "int8")
        fatal("unknown --acts '" + value() +
              "'; expected none, blockdialect, mxfp4, nvfp4 or int8");
      options.acts = value().str();
    } else if (flag == "act-type") {
      if (value() != "f32" && value() != "f16" && value() != "bf16")
        fatal("--act-type takes f32, f16 or bf16, got '" + value() + "'");
      options.actType = value().str();
    } else if (flag == "lut-tables") {
      if (!qblock::isLutTablePrecision(value()))
        fatal("--lut-tables takes f32 or i8, got '" + value() + "'");
      options.lutTables = value().str();
      options.lutTablesGiven = true;
    } else
      fatal("unknown option --" + flag + " (see --help)");
  }
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

/// Packs and unpacks rows of the N x K row view of a weight under its
/// scheme, through the numerics core.
struct WeightCodec {
  int64_t rows = 0, k = 0, bytes = 0;
  std::function<void(const float *, int64_t, int64_t, uint8_t *)> quantize;
  std::function<void(const uint8_t *, int64_t, int64_t, float *)> dequantize;
};

WeightCodec makeCodec(qblock::QuantizedTensorType type) {
  WeightCodec codec;
  codec.k = type.getShape()[0];
  codec.rows = type.getShape()[1];
  codec.bytes = type.getStorageBytes();
  if (qblock::SchemeAttr attr = type.getBlockScheme()) {
    num::Scheme scheme = attr.toNumerics();
    num::BlockLayout layout = num::computeLayout(codec.rows, codec.k, scheme);
    codec.quantize = [=](const float *data, int64_t begin, int64_t end,
                         uint8_t *packed) {
      num::quantizeRows(data, layout, scheme, begin, end, packed);
    };
    codec.dequantize = [=](const uint8_t *packed, int64_t begin, int64_t end,
                           float *out) {
      num::dequantizeRows(packed, layout, scheme, begin, end, out);
    };
    return codec;
  }
  num::BCQScheme scheme = type.getBCQScheme().toNumerics();
  num::BCQLayout layout = num::computeBCQLayout(codec.rows, codec.k, scheme);
  codec.quantize = [=](const float *data, int64_t begin, int64_t end,
                       uint8_t *packed) {
    // Two refinement rounds instead of the default eight: speed does not
    // depend on how well the planes fit, and this keeps a 500 MiB working set
    // quick to build.
    num::fitBCQRows(data, layout, scheme, /*iterations=*/2, begin, end, packed);
  };
  codec.dequantize = [=](const uint8_t *packed, int64_t begin, int64_t end,
                         float *out) {
    num::dequantizeBCQRows(packed, layout, scheme, begin, end, out);
  };
  return codec;
}

/// The rotation sets of one weight shape and scheme. dense[j] is the
/// dequantization of packed[j] (packed[j] for j >= dense.size() repeats
/// packed[j % dense.size()] in memory of its own): OpenBLAS and our kernel
/// multiply the same logical matrices.
struct WeightSet {
  std::vector<AlignedBuffer> packed;
  std::vector<AlignedBuffer> dense;
};

int64_t copiesToExceed(double limitBytes, int64_t bytesPerCopy) {
  // A huge --working-set-mib would overflow the cast; any count this large
  // fails the memory check below with its message.
  double copies = std::min(limitBytes / double(bytesPerCopy), 0x1p52);
  return static_cast<int64_t>(copies) + 1;
}

WeightSet buildWeights(const WeightCodec &codec, int threads) {
  int64_t denseBytes = codec.rows * codec.k * int64_t(sizeof(float));
  double limit = options.workingSetMiB * kMiB;
  int64_t packedCopies = copiesToExceed(limit, codec.bytes);
  int64_t denseCopies =
      std::min(copiesToExceed(limit, denseBytes), packedCopies);
  llvm::errs() << llvm::formatv(
      "building weights: {0} distinct {1}x{2} matrices, {3} packed copies "
      "({4:F1} MiB), {0} f32 copies ({5:F1} MiB)\n",
      denseCopies, codec.rows, codec.k, packedCopies,
      double(packedCopies) * codec.bytes / kMiB,
      double(denseCopies) * denseBytes / kMiB);

  // A working set larger than the machine would only swap (or, with a
  // huge --working-set-mib, run for ever building copies).
  double totalBytes = double(packedCopies) * codec.bytes +
                      double(denseCopies + 1) * denseBytes;
  double physical = double(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  if (physical > 0 && totalBytes > 0.8 * physical)
    fatal(llvm::formatv("the rotated weights need {0:F0} MiB, more than this "
                        "machine's memory ({1:F0} MiB) allows; lower "
                        "--working-set-mib or the sizes",
                        totalBytes / kMiB, physical / kMiB));

  WeightSet set;
  AlignedBuffer source(denseBytes);
  for (int64_t j = 0; j < denseCopies; ++j) {
    AlignedBuffer &packed = set.packed.emplace_back(codec.bytes);
    AlignedBuffer &dense = set.dense.emplace_back(denseBytes);
    // quantizeRows leaves the arrays' padding alone; make it deterministic.
    std::fill_n(packed.bytes(), codec.bytes, 0);
    parallelFor(codec.rows, threads, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        fillRow(source.floats() + r * codec.k, codec.k,
                uint64_t(j) << 32 | uint64_t(r), 0.035f);
      codec.quantize(source.floats(), begin, end, packed.bytes());
      codec.dequantize(packed.bytes(), begin, end, dense.floats());
    });
  }
  for (int64_t j = denseCopies; j < packedCopies; ++j) {
    AlignedBuffer &copy = set.packed.emplace_back(codec.bytes);
    std::copy_n(set.packed[j % denseCopies].bytes(), codec.bytes, copy.bytes());
  }
  return set;
}

//===----------------------------------------------------------------------===//
// Checking
//===----------------------------------------------------------------------===//

/// max_i |got_i - ref_i| / max_i |ref_i|: the error relative to the output's
/// magnitude, so outputs that cancel to near zero do not blow it up. NaN if
/// any output is NaN.
double maxRelErr(const float *got, const float *ref, int64_t n) {
  double maxDiff = 0, maxRef = 0;
  for (int64_t i = 0; i < n; ++i) {
    double diff = std::fabs(double(got[i]) - double(ref[i]));
    if (std::isnan(diff))
      return NAN;
    maxDiff = std::max(maxDiff, diff);
    maxRef = std::max(maxRef, std::fabs(double(ref[i])));
  }
  return maxRef > 0 ? maxDiff / maxRef : maxDiff;
}

//===----------------------------------------------------------------------===//
// Threads
//===----------------------------------------------------------------------===//

/// OMP_NUM_THREADS is read once, when the OpenMP runtime starts; later
/// thread counts go through omp_set_num_threads of the runtime the JIT
/// loaded (the compiled parallel regions carry no num_threads clause).
bool setOpenMPThreads(int threads) {
  void *handle = dlopen(options.libomp.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (!handle)
    return false;
  auto setThreads =
      reinterpret_cast<void (*)(int)>(dlsym(handle, "omp_set_num_threads"));
  if (setThreads)
    setThreads(threads);
  dlclose(handle);
  return setThreads != nullptr;
}

/// For LUT-GEMM with int8 tables (lut-tables=i8): per output [m][n], the
/// largest error the tables' rounding can cause. Group g of activation row
/// m has scale s = max over its sub-vectors of sum |a| (the largest table
/// entry) / 127, and every looked-up entry is off by at most s / 2, so
/// plane i of weight row n adds at most |alpha_{n,g,i}| * (g / 4) * s / 2.
std::vector<double> int8TableErrorBound(const float *a, const uint8_t *packed,
                                        int64_t m, int64_t n, int64_t k,
                                        const num::BCQScheme &scheme) {
  num::BCQLayout layout = num::computeBCQLayout(n, k, scheme);
  int64_t groups = k / scheme.group, q = scheme.bits;
  std::vector<double> scales(m * groups);
  for (int64_t row = 0; row < m; ++row)
    for (int64_t g = 0; g < groups; ++g) {
      double largest = 0;
      for (int64_t sub = 0; sub < scheme.group / 4; ++sub) {
        double sum = 0;
        for (int64_t t = 0; t < 4; ++t)
          sum += std::fabs(a[row * k + g * scheme.group + 4 * sub + t]);
        largest = std::max(largest, sum);
      }
      scales[row * groups + g] = largest / 127;
    }
  std::vector<double> bound(m * n, 0.0);
  for (int64_t col = 0; col < n; ++col)
    for (int64_t g = 0; g < groups; ++g) {
      double alphaSum = 0;
      for (int64_t i = 0; i < q; ++i)
        alphaSum +=
            std::fabs(num::loadBCQAlpha(packed, layout, scheme, col, g, i));
      for (int64_t row = 0; row < m; ++row)
        bound[row * n + col] += alphaSum * (scheme.group / 4) *
                                scales[row * groups + g] / 2;
    }
  return bound;
}

/// Stops the run unless every |got - ref| is within its bound, plus f32
/// rounding (1e-5 of the largest reference value).
void checkWithinBound(const float *got, const float *ref,
                      const std::vector<double> &bound, int64_t m, int64_t n,
                      int64_t k, llvm::StringRef attr) {
  double maxRef = 0;
  for (int64_t i = 0; i < m * n; ++i)
    maxRef = std::max(maxRef, std::fabs(double(ref[i])));
  for (int64_t i = 0; i < m * n; ++i) {
    double diff = std::fabs(double(got[i]) - double(ref[i]));
    if (!(diff <= bound[i] + 1e-5 * maxRef))
      fatal(llvm::formatv("{0} kernel M={1} N={2} K={3}: output {4} is off "
                          "by {5:E3}, beyond the int8 tables' bound {6:E3}",
                          attr, m, n, k, i, diff, bound[i])
                .str());
  }
}

//===----------------------------------------------------------------------===//
// Results
//===----------------------------------------------------------------------===//

struct Result {
  std::string op, scheme, schemeAttr;
  int64_t m = 0, n = 0, k = 0, threads = 0, weightBytes = 0, matrices = 0;
  double ms = 0, openblasMs = 0, streamGBps = 0, streamBestGBps = 0,
         maxRelErr = 0;
  /// BCQ only: our qblock.dequantize kernel then OpenBLAS on its output
  /// (0 when not measured).
  double dequantMs = 0;
  /// The LUT-GEMM tables that ran: --lut-tables, or f32 where int8 tables
  /// do not reach the shape.
  std::string lutTables;

  double weightGBps() const { return weightBytes / (ms * 1e-3) / 1e9; }
  double ratioVsOpenBLAS() const { return openblasMs / ms; }
  /// The time to stream the packed weights at `gbps`, in ms.
  double rooflineMs(double gbps) const {
    return weightBytes / (gbps * 1e9) * 1e3;
  }
  double ratioVsRoofline() const { return rooflineMs(streamGBps) / ms; }
  double ratioVsBestRoofline() const { return rooflineMs(streamBestGBps) / ms; }
  double ratioVsDequant() const { return dequantMs / ms; }
};

/// A JSON number of six significant digits: fixed decimals printed a tiny
/// configuration's times as 0.0000 next to a ratio computed from them.
/// JSON has no inf or NaN; a value that is not finite prints as null.
std::string jsonNumber(double value) {
  if (!std::isfinite(value))
    return "null";
  char text[32];
  std::snprintf(text, sizeof(text), "%.6g", value);
  return text;
}

void printJson(const Result &r) {
  // Attribute spellings hold no quotes or backslashes; no escaping needed.
  // The object's braces stay outside the format string, which then needs no
  // brace escapes.
  llvm::outs()
      << "{"
      << llvm::formatv(
             "\"op\": \"{0}\", \"scheme\": \"{1}\", \"m\": {2}, \"n\": {3}, "
             "\"k\": {4}, \"threads\": {5}, \"ms_median\": {6}, "
             "\"weight_gbps\": {7}, \"ratio_vs_openblas\": {8}, "
             "\"ratio_vs_roofline\": {9}, \"max_rel_err\": {10}, "
             "\"scheme_attr\": \"{11}\", \"target\": \"{12}\", "
             "\"weight_bytes\": {13}, \"openblas_ms\": {14}, "
             "\"stream_gbps\": {15}, \"rotated_matrices\": {16}, "
             "\"acts\": \"{17}\", \"lut_tables\": \"{18}\", "
             "\"act_type\": \"{19}\", \"host_cpu\": \"{20}\"",
             r.op, r.scheme, r.m, r.n, r.k, r.threads, jsonNumber(r.ms),
             jsonNumber(r.weightGBps()), jsonNumber(r.ratioVsOpenBLAS()),
             jsonNumber(r.ratioVsRoofline()), jsonNumber(r.maxRelErr),
             r.schemeAttr, options.target, r.weightBytes,
             jsonNumber(r.openblasMs), jsonNumber(r.streamGBps), r.matrices,
             options.acts, r.lutTables, options.actType,
             llvm::sys::getHostCPUName());
  llvm::outs() << llvm::formatv(
      ", \"stream_gbps_best\": {0}, \"ratio_vs_best_roofline\": {1}",
      jsonNumber(r.streamBestGBps), jsonNumber(r.ratioVsBestRoofline()));
  if (r.dequantMs > 0)
    llvm::outs() << llvm::formatv(
        ", \"dequant_ms\": {0}, \"ratio_vs_dequant\": {1}",
        jsonNumber(r.dequantMs), jsonNumber(r.ratioVsDequant()));
  llvm::outs() << "}\n";
  llvm::outs().flush();
}

void printTableHeader() {
  // The rows name the scheme only; say what else differs from a plain
  // W4A16 f32 run (JSON carries these in every object).
  if (options.acts != "none" || options.actType != "f32" ||
      options.lutTables != "f32" || options.target != "host")
    llvm::outs() << llvm::formatv(
        "# activations: {0} {1}; LUT-GEMM tables: {2}; target: {3}\n",
        options.acts == "none" ? "float" : options.acts, options.actType,
        options.lutTables, options.target);
  // Scheme parameters away from the presets' (JSON's scheme_attr has them).
  if (options.block != 0 || options.select != "mse")
    llvm::outs() << llvm::formatv(
        "# block schemes: block {0}, blockdialect select {1}\n",
        options.block != 0 ? std::to_string(options.block)
                           : std::string("of the preset"),
        options.select);
  if (options.bitsGiven || options.groupGiven)
    llvm::outs() << llvm::formatv("# bcq: bits {0}, group {1}\n", options.bits,
                                  options.group);
  llvm::outs() << llvm::formatv(
      "{0,-5} {1,-13} {2,5} {3,6} {4,6} {5,3} {6,10} {7,8} {8,10} {9,8} "
      "{10,9} {11,9} {12,9} {13,8}\n",
      "op", "scheme", "M", "N", "K", "T", "ms", "GB/s", "openblas", "vs_blas",
      "vs_roof", "vs_best", "rel_err", "vs_deq");
}

void printTableRow(const Result &r) {
  llvm::outs() << llvm::formatv(
      "{0,-5} {1,-13} {2,5} {3,6} {4,6} {5,3} {6,10:F4} {7,8:F2} {8,10:F4} "
      "{9,8:F2} {10,9:F2} {11,9:F2} {12,9:E1} {13,8}\n",
      r.op, r.scheme, r.m, r.n, r.k, r.threads, r.ms, r.weightGBps(),
      r.openblasMs, r.ratioVsOpenBLAS(), r.ratioVsRoofline(),
      r.ratioVsBestRoofline(), r.maxRelErr,
      r.dequantMs > 0 ? llvm::formatv("{0:F2}", r.ratioVsDequant()).str()
                      : std::string("-"));
  // The header names --lut-tables; a shape int8 tables do not reach ran f32.
  if (r.lutTables != options.lutTables)
    llvm::outs() << "# the row above ran " << r.lutTables
                 << " LUT-GEMM tables\n";
  llvm::outs().flush();
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

/// The #qblock.scheme / #qblock.bcq spelling of a --scheme name and the
/// block options (docs/generated/QBlockDialect.md).
std::string schemeAttrText(llvm::StringRef name) {
  if (name == "bcq")
    return llvm::formatv("#qblock.bcq<bits = {0}, group = {1}>", options.bits,
                         options.group);
  // --scheme names were checked when parsed.
  std::string text = "#qblock.scheme<" + name.str();
  if (options.block != 0)
    text += ", block = " + std::to_string(options.block);
  // --select is BlockDialect's: the other presets have one format per
  // block, and their attribute would print a rule that chose nothing.
  if (name == "blockdialect" && options.select == "two-stage")
    text += ", select = two_stage";
  return text + ">";
}

/// The #qblock.scheme of --acts, or "" for none, with the weights' block
/// size: activation and weight blocks must pair up (NVFP4's 16, --block).
std::string actSchemeText(qblock::QuantizedTensorType weightType) {
  if (options.acts == "none")
    return "";
  std::string block =
      "block = " + std::to_string(weightType.getBlockSize());
  if (options.acts == "blockdialect")
    return "#qblock.scheme<blockdialect, " + block + ", select = two_stage>";
  return "#qblock.scheme<" + options.acts + ", " + block + ">";
}

/// The activation scheme as the numerics core sees it (the weights' block
/// size), or nullopt without --acts.
std::optional<num::Scheme> actScheme(qblock::QuantizedTensorType weightType) {
  if (options.acts == "none")
    return std::nullopt;
  int64_t block = weightType.getBlockSize();
  if (options.acts == "mxfp4")
    return num::Scheme::mxfp4(block);
  if (options.acts == "nvfp4")
    return num::Scheme::nvfp4(block);
  if (options.acts == "int8")
    return num::Scheme::int8(block);
  return num::Scheme::blockDialect(block, num::SelectRule::TwoStage);
}

/// Parses !qblock.qtensor<KxNxf32, scheme, axis = 0>, so the dialect's
/// verifier checks block divisibility and the scheme, and the numerics scheme
/// used for the weights is exactly the one the kernel's type denotes.
qblock::QuantizedTensorType parseWeightType(MLIRContext &context,
                                            llvm::StringRef attr, int64_t n,
                                            int64_t k) {
  std::string text =
      llvm::formatv("!qblock.qtensor<{0}x{1}xf32, {2}, axis = 0>", k, n, attr);
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

/// W is stored as its N x K row view (row n = column n of W[K][N]), so the
/// product is A * Wrows^T: sgemv without transpose on the N x K matrix, or
/// sgemm with B transposed. This is also the order OpenBLAS streams fastest.
void runOpenBLAS(int64_t m, int64_t n, int64_t k, const float *a,
                 const float *w, float *c) {
  if (m == 1)
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1.0f, w, k, a, 1, 0.0f, c,
                1);
  else
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, w,
                k, 0.0f, c, n);
}

/// Our kernel and OpenBLAS are timed in alternating rounds and each side's
/// samples are pooled: load from elsewhere on the machine (a build on the
/// other core, a noisy neighbour) then lands on both sides instead of
/// deciding the ratio.
constexpr int kRounds = 3;

std::vector<double> timeRound(const std::function<void(int64_t)> &call) {
  return timeCalls(call, /*warmup=*/3,
                   (options.minCalls + kRounds - 1) / kRounds,
                   options.minSeconds / kRounds, /*maxCalls=*/1000000);
}

struct Samples {
  std::vector<double> all, roundMedians;

  void add(const std::vector<double> &round) {
    all.insert(all.end(), round.begin(), round.end());
    roundMedians.push_back(median(round));
  }
  /// Rounds whose medians differ by more than 20% mean something else was
  /// competing for cores or memory; the pooled median is then less certain.
  void warnIfUnstable(llvm::StringRef who) const {
    auto [lo, hi] =
        std::minmax_element(roundMedians.begin(), roundMedians.end());
    if (*hi > 1.2 * *lo)
      llvm::errs() << llvm::formatv(
          "  warning: {0} round medians range {1:F4}..{2:F4} ms; is the "
          "machine busy?\n",
          who, *lo, *hi);
  }
};

/// The activation and output buffers of one configuration must have a size:
/// M x K floats that wrapped around 2^64 made a 64-byte buffer the
/// activations were then written past.
void checkBufferSizes(int64_t m, int64_t n, int64_t k) {
  int64_t elements = 0, bytes = 0;
  for (auto [rows, cols, what] : {std::tuple(m, k, "activations (M x K)"),
                                  std::tuple(m, n, "outputs (M x N)")})
    if (llvm::MulOverflow(rows, cols, elements) ||
        llvm::MulOverflow(elements, int64_t(sizeof(float)), bytes))
      fatal(llvm::formatv("M={0} N={1} K={2}: the {3} take more than 2^63 "
                          "bytes; choose smaller --m, --n or --k",
                          m, n, k, what));
}

std::vector<int64_t> orDefault(std::vector<int64_t> values, int64_t fallback) {
  if (values.empty())
    values.push_back(fallback);
  return values;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  parseCommandLine(argc, argv);

  if (options.op != "gemv" && options.op != "gemm")
    fatal("--op must be gemv or gemm, got '" + options.op + "'");
  bool gemv = options.op == "gemv";
  std::vector<int64_t> ms = orDefault(options.m, gemv ? 1 : 16);
  std::vector<int64_t> ns = orDefault(options.n, 4096);
  std::vector<int64_t> ks = orDefault(options.k, 4096);
  int cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<int64_t> threadCounts = orDefault(options.threads, cores);
  std::vector<std::string> schemes = options.schemes;
  if (schemes.empty())
    schemes.push_back("blockdialect");
  if (gemv && llvm::any_of(ms, [](int64_t m) { return m != 1; }))
    fatal("--op gemv needs --m 1 (use --op gemm for M > 1)");
  // LUT-GEMM takes float activations and BCQ has groups, not blocks (as
  // quant-opt's scheme=bcq rejects acts= and block=): refuse rather than
  // ignore the flag and then blame the kernel for a check it cannot pass.
  bool anyBCQ = llvm::is_contained(schemes, "bcq");
  bool allBCQ = llvm::all_of(schemes, [](const std::string &s) {
    return s == "bcq";
  });
  if (anyBCQ && options.acts != "none")
    fatal("--acts " + options.acts +
          " quantizes the activations of block-scheme weights (W4A4); "
          "--scheme bcq multiplies float activations through lookup "
          "tables: drop --acts or bench bcq on its own");
  if (allBCQ && options.block != 0)
    fatal("--block sets the block size of block schemes; BCQ weights have "
          "groups: use --group");
  // Flags only another scheme reads: refused, as quant-opt refuses bits=
  // without scheme=bcq, rather than timing a configuration the user did
  // not ask for.
  if (!anyBCQ &&
      (options.bitsGiven || options.groupGiven || options.lutTablesGiven))
    fatal(llvm::Twine(options.bitsGiven    ? "--bits"
                      : options.groupGiven ? "--group"
                                           : "--lut-tables") +
          " applies to --scheme bcq (LUT-GEMM), which is not in the scheme "
          "list");
  if (options.selectGiven && !llvm::is_contained(schemes, "blockdialect"))
    fatal("--select chooses among BlockDialect's formats per block; add "
          "--scheme blockdialect (the other schemes have one format)");
  // OpenMP starts every thread; far beyond the cores that measures the
  // scheduler, and 10^5 threads did not finish checking in 30 s.
  int64_t maxThreads = 4 * static_cast<int64_t>(cores);
  for (int64_t t : threadCounts)
    if (t > maxThreads)
      fatal("--threads " + llvm::Twine(t) + ": at most " +
            llvm::Twine(maxThreads) +
            " (4 per hardware thread of this "
            "machine, which has " +
            llvm::Twine(cores) + ")");
  if (!llvm::sys::fs::exists(options.libomp))
    fatal("OpenMP runtime " + options.libomp +
          " not found (install libomp-22-dev or pass --libomp)");

  // The OpenMP runtime reads this once, at its first parallel region.
  setenv("OMP_NUM_THREADS", std::to_string(threadCounts.front()).c_str(), 1);

  DialectRegistry registry;
  registerJitDependencies(registry);
  MLIRContext context(registry);
  // One small function per compilation: nothing for a thread pool to do, and
  // no idle pool threads around while timing.
  context.disableMultithreading();

  // Allocated when first needed, so a kernel that does not compile fails
  // before a second is spent here; probed in every timing round (see
  // StreamProbe).
  std::unique_ptr<StreamProbe> stream;
  auto streamBandwidth = [&](int64_t threads) {
    if (!stream) {
      llvm::errs() << "allocating the 1 GiB stream-read buffer\n";
      stream = std::make_unique<StreamProbe>(kStreamBytes);
    }
    quiesce();
    return stream->probe(static_cast<int>(threads), /*passes=*/2);
  };

  // Every configuration is checked before the first is built and timed: a
  // --k the block does not divide, or --bits 9, used to end the run after
  // minutes of the configurations listed before it.
  for (const std::string &scheme : schemes)
    for (int64_t n : ns)
      for (int64_t k : ks) {
        parseWeightType(context, schemeAttrText(scheme), n, k);
        for (int64_t m : ms)
          checkBufferSizes(m, n, k);
      }

  bool printedHeader = false;
  for (const std::string &scheme : schemes) {
    std::string attr = schemeAttrText(scheme);
    for (int64_t n : ns)
      for (int64_t k : ks) {
        qblock::QuantizedTensorType weightType =
            parseWeightType(context, attr, n, k);

        // Compile first: a scheme the pipeline cannot lower yet (BCQ's
        // qblock.lut_gemm) fails in a second, before any weights are built.
        std::vector<std::unique_ptr<JitKernel>> kernels;
        for (int64_t m : ms) {
          llvm::errs() << llvm::formatv(
              "compiling {0} M={1} N={2} K={3} {4} target={5} A={6}\n",
              options.op, m, n, k, attr, options.target, options.actType);
          KernelSpec spec{m, weightType, options.target,
                          actSchemeText(weightType)};
          spec.lutTables = options.lutTables;
          spec.actElement = options.actType;
          auto kernel = JitKernel::compile(context, spec, options.libomp);
          if (!kernel)
            fatal("cannot compile the " + scheme +
                  " kernel: " + llvm::toString(kernel.takeError()));
          kernels.push_back(std::move(*kernel));
        }

        // BCQ is also measured as dequantize-then-multiply: our
        // qblock.dequantize kernel, then OpenBLAS on its f32 output.
        std::unique_ptr<JitKernel> dequantizer;
        if (weightType.getBCQScheme()) {
          llvm::errs() << "compiling the qblock.dequantize kernel\n";
          KernelSpec spec{1, weightType, options.target, ""};
          spec.dequantizeOnly = true;
          auto kernel = JitKernel::compile(context, spec, options.libomp);
          if (!kernel)
            fatal("cannot compile the dequantize kernel: " +
                  llvm::toString(kernel.takeError()));
          dequantizer = std::move(*kernel);
        }

        // int8 tables exist only on the chunked LUT-GEMM path; other shapes
        // run f32 tables (the lowering remarks so), and are checked and
        // reported as such.
        std::string lutTables = options.lutTables;
        if (weightType.getBCQScheme() && lutTables == "i8" &&
            !qblock::lutGemmTakesI8Tables(k, n, options.group)) {
          lutTables = "f32";
          llvm::errs() << llvm::formatv(
              "note: --lut-tables i8 does not reach N={0} K={1} group={2} "
              "(docs/lut-gemm.md); this configuration runs f32 tables\n",
              n, k, options.group);
        }

        WeightCodec codec = makeCodec(weightType);
        WeightSet weights = buildWeights(codec, cores);
        // The dequantized weights of the baseline, written every call.
        std::optional<AlignedBuffer> dequantized;
        if (dequantizer) {
          dequantized.emplace(n * k * sizeof(float));
          std::fill_n(dequantized->floats(), n * k, NAN);
          dequantizer->run(nullptr, weights.packed[0].bytes(),
                           dequantized->floats());
          // Must equal the numerics core's decoding bit for bit.
          if (!std::equal(dequantized->floats(), dequantized->floats() + n * k,
                          weights.dense[0].floats()))
            fatal("the qblock.dequantize kernel differs from the numerics "
                  "core's BCQ decoding");
          llvm::errs() << "  qblock.dequantize kernel: bit-exact\n";
        }

        for (size_t mi = 0; mi < ms.size(); ++mi) {
          int64_t m = ms[mi];
          const JitKernel &kernel = *kernels[mi];
          AlignedBuffer a(m * k * sizeof(float));
          // Scaled by 1/sqrt(2) so activations carry full 24-bit
          // significands and the check sees real rounding, not sums that
          // happen to be exact in f32.
          for (int64_t r = 0; r < m; ++r)
            fillRow(a.floats() + r * k, k, 0xACull << 32 | uint64_t(r),
                    0.70710678f);
          // f16/bf16 activations: the kernel reads the 16-bit words, every
          // check and OpenBLAS the values they hold.
          AlignedBuffer a16(m * k * sizeof(uint16_t));
          const void *kernelActs = a.floats();
          if (options.actType != "f32") {
            bool bf16 = options.actType == "bf16";
            auto *words = reinterpret_cast<uint16_t *>(a16.bytes());
            for (int64_t i = 0; i < m * k; ++i) {
              float value = a.floats()[i];
              words[i] = bf16 ? toBFloat16(value) : toHalf(value);
              a.floats()[i] = bf16 ? fromBFloat16(words[i]) : num::halfToFloat(words[i]);
            }
            kernelActs = words;
          }
          AlignedBuffer c(m * n * sizeof(float)), ref(m * n * sizeof(float));

          llvm::errs() << llvm::formatv("checking M={0} N={1} K={2} {3}\n", m,
                                        n, k, attr);
          // Reference of the f32 product (what OpenBLAS computes) ...
          parallelFor(m, cores, [&](int64_t begin, int64_t end) {
            num::referenceGemm(a.floats() + begin * k,
                               weights.dense[0].floats(), nullptr,
                               ref.floats() + begin * n, end - begin, n, k);
          });
          // ... and of ours: with online activation quantization the kernel
          // multiplies the quantized activations.
          AlignedBuffer kernelRef(m * n * sizeof(float));
          std::copy_n(ref.floats(), m * n, kernelRef.floats());
          if (std::optional<num::Scheme> act = actScheme(weightType)) {
            std::vector<uint8_t> packed =
                num::quantizeMatrix(a.floats(), m, k, *act);
            std::vector<float> quantized =
                num::dequantizeMatrix(packed.data(), m, k, *act);
            parallelFor(m, cores, [&](int64_t begin, int64_t end) {
              num::referenceGemm(quantized.data() + begin * k,
                                 weights.dense[0].floats(), nullptr,
                                 kernelRef.floats() + begin * n, end - begin,
                                 n, k);
            });
          }
          std::fill_n(c.floats(), m * n, NAN);
          kernel.run(kernelActs, weights.packed[0].bytes(), c.floats());
          double err = maxRelErr(c.floats(), kernelRef.floats(), m * n);
          if (weightType.getBCQScheme() && lutTables == "i8") {
            // int8 tables round every partial sum: each output may be off
            // by up to the bound of that rounding, and no more.
            std::vector<double> bound = int8TableErrorBound(
                a.floats(), weights.packed[0].bytes(), m, n, k,
                weightType.getBCQScheme().toNumerics());
            checkWithinBound(c.floats(), kernelRef.floats(), bound, m, n, k,
                             attr);
          } else if (!(err <= kMaxRelErr))
            fatal(llvm::formatv("{0} kernel M={1} N={2} K={3}: max_rel_err "
                                "{4:E3} exceeds {5:E0}",
                                attr, m, n, k, err, kMaxRelErr)
                      .str());
          std::fill_n(c.floats(), m * n, NAN);
          runOpenBLAS(m, n, k, a.floats(), weights.dense[0].floats(),
                      c.floats());
          double blasErr = maxRelErr(c.floats(), ref.floats(), m * n);
          if (!(blasErr <= kMaxRelErr))
            fatal(llvm::formatv("OpenBLAS M={0} N={1} K={2}: max_rel_err "
                                "{3:E3} exceeds {4:E0}",
                                m, n, k, blasErr, kMaxRelErr)
                      .str());
          llvm::errs() << llvm::formatv(
              "  max_rel_err: qblock {0:E2}, OpenBLAS {1:E2}\n", err, blasErr);

          for (int64_t t : threadCounts) {
            llvm::errs() << llvm::formatv(
                "timing M={0} N={1} K={2} {3} threads={4}\n", m, n, k, attr, t);
            if (!setOpenMPThreads(t))
              fatal("cannot set the OpenMP thread count through " +
                    options.libomp);
            openblas_set_num_threads(static_cast<int>(t));
            const std::vector<AlignedBuffer> &packed = weights.packed;
            const std::vector<AlignedBuffer> &dense = weights.dense;
            Samples ours, blas, dequant;
            std::vector<double> bandwidths;
            for (int round = 0; round < kRounds; ++round) {
              if (dequantizer) {
                quiesce();
                dequant.add(timeRound([&](int64_t i) {
                  dequantizer->run(nullptr, packed[i % packed.size()].bytes(),
                                   dequantized->floats());
                  runOpenBLAS(m, n, k, a.floats(), dequantized->floats(),
                              c.floats());
                }));
              }
              quiesce();
              ours.add(timeRound([&](int64_t i) {
                kernel.run(kernelActs, packed[i % packed.size()].bytes(),
                           c.floats());
              }));
              quiesce();
              blas.add(timeRound([&](int64_t i) {
                runOpenBLAS(m, n, k, a.floats(),
                            dense[i % dense.size()].floats(), c.floats());
              }));
              bandwidths.push_back(streamBandwidth(t));
            }
            llvm::errs() << llvm::formatv(
                "stream-read bandwidth, {0} threads: {1:F2} GB/s (median of "
                "the rounds; {2:F2}..{3:F2}), {4:F2} GB/s best so far\n",
                t, median(bandwidths),
                *std::min_element(bandwidths.begin(), bandwidths.end()),
                *std::max_element(bandwidths.begin(), bandwidths.end()),
                stream->bestSoFar(static_cast<int>(t)));
            ours.warnIfUnstable("qblock");
            blas.warnIfUnstable("OpenBLAS");
            if (dequantizer)
              dequant.warnIfUnstable("dequantize+OpenBLAS");

            Result result;
            result.op = options.op;
            result.scheme = scheme;
            result.schemeAttr = attr;
            result.m = m;
            result.n = n;
            result.k = k;
            result.threads = t;
            result.weightBytes = codec.bytes;
            result.matrices = static_cast<int64_t>(packed.size());
            result.ms = median(ours.all);
            result.openblasMs = median(blas.all);
            result.streamGBps = median(bandwidths);
            result.streamBestGBps = stream->bestSoFar(static_cast<int>(t));
            result.maxRelErr = err;
            result.lutTables = lutTables;
            if (dequantizer)
              result.dequantMs = median(dequant.all);
            if (options.json) {
              printJson(result);
            } else {
              if (!printedHeader)
                printTableHeader();
              printedHeader = true;
              printTableRow(result);
            }
          }
        }
      }
  }
  return 0;
}
