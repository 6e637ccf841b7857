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

#include "GPURun.h"
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
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

using namespace mlir;
using namespace qblock::bench;
namespace cu = qblock::cuda;
namespace num = qblock::numerics;
using qblock::gpurun::GPU;
using qblock::gpurun::HostData;
using qblock::gpurun::kMaxRelErr;
using qblock::gpurun::maxRelErr;
using qblock::gpurun::median;

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

struct Options {
  std::string op = "gemv", scheme = "blockdialect", actType = "f32";
  std::string acts = "none";
  int64_t block = 0, bits = 3, group = 128, m = 0, n = 8192, k = 8192;
  int64_t runs = 100, warmup = 20;
  double l2Factor = 2.0;
  std::string chip = "sm_90a", format = "isa", weightDecode = "permute";
  bool dumpPlan = false, wholeCall = false, tensorCores = false;
  /// Flags given on the command line, so that those no configuration of
  /// the chosen scheme reads are refused instead of recorded and ignored.
  llvm::StringSet<> given;
  std::string emitPTX, savePlan;
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
  --tensor-cores          compile with qblock-gpu-pipeline's tensor-cores=true
                          (W4A16 with f16/bf16 A on mma.sync, any M; a GEMV
                          pads its row to the mma's 16)
  --weight-decode permute|table
                          qblock-gpu-pipeline's weight-decode option: how
                          the CUDA-core W4A16 kernel decodes codes (default
                          permute: prmt byte permutes; table: a workgroup
                          lookup per weight)
  --whole-call            time whole calls of the lowered host function
                          (JIT) even when the kernels can be launched directly
  --dump-plan             compile, print the launch plan and the PTX entry
                          parameter counts, exit (needs no GPU)
  --emit-ptx FILE         write the generated PTX (format isa) to FILE, one
                          module per file: FILE, FILE.1, ... when there are
                          several
  --save-plan DIR         compile, write the launch plan, its objects and the
                          configuration to DIR, exit (needs no GPU);
                          qblock-gpu-run DIR runs it where LLVM is missing
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

int64_t parseInt(llvm::StringRef flag, llvm::StringRef text, int64_t least = 1,
                 int64_t most = std::numeric_limits<int64_t>::max()) {
  int64_t value;
  if (text.getAsInteger(10, value) || value < least || value > most)
    fatal("--" + flag + " takes an integer in " + llvm::Twine(least) + ".." +
          llvm::Twine(most) + ", got '" + text + "'");
  return value;
}

/// The flags that take a value (the others are --dump-plan, --whole-call
/// and --tensor-cores).
constexpr llvm::StringLiteral kValueFlags[] = {"op",
                                               "scheme",
                                               "act-type",
                                               "acts",
                                               "block",
                                               "bits",
                                               "group",
                                               "m",
                                               "n",
                                               "k",
                                               "runs",
                                               "warmup",
                                               "l2-factor",
                                               "chip",
                                               "format",
                                               "weight-decode",
                                               "emit-ptx",
                                               "save-plan",
                                               "cublas",
                                               "runtime-lib",
                                               "c-runner-utils"};

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
    if (arg == "--tensor-cores") {
      options.tensorCores = true;
      continue;
    }
    if (!arg.consume_front("--"))
      fatal("unexpected argument '" + arg + "' (see --help)");
    auto [flag, value] = arg.split('=');
    // An unknown flag is named as unknown, not as missing its value, and
    // "--op --n 64" does not take "--n" as the op (as qblock-bench).
    if (!llvm::is_contained(kValueFlags, flag))
      fatal("unknown option --" + flag + " (see --help)");
    if (!arg.contains('=')) {
      if (i + 1 >= argc)
        fatal("--" + flag + " needs a value");
      if (llvm::StringRef(argv[i + 1]).starts_with("--"))
        fatal("--" + flag + " needs a value, got the option '" + argv[i + 1] +
              "'");
      value = argv[++i];
    }
    if (value.empty())
      fatal("--" + flag + " needs a value");
    options.given.insert(flag);
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
      options.runs = parseInt(flag, value, 1, 100000);
    else if (flag == "warmup")
      options.warmup = parseInt(flag, value, 0, 100000);
    else if (flag == "l2-factor") {
      // inf and 1e999 were taken, and then ignored.
      if (value.getAsDouble(options.l2Factor) ||
          !std::isfinite(options.l2Factor) || !(options.l2Factor > 0) ||
          options.l2Factor > 1024)
        fatal("--l2-factor takes a number in (0, 1024], got '" + value + "'");
    } else if (flag == "chip")
      options.chip = value.str();
    else if (flag == "format")
      options.format = value.str();
    else if (flag == "weight-decode")
      options.weightDecode = value.str();
    else if (flag == "emit-ptx")
      options.emitPTX = value.str();
    else if (flag == "save-plan")
      options.savePlan = value.str();
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
  if (options.weightDecode != "permute" && options.weightDecode != "table")
    fatal("--weight-decode takes permute or table, got '" +
          options.weightDecode + "'");
  if (options.actType != "f32" && options.actType != "f16" &&
      options.actType != "bf16")
    fatal("--act-type takes f32, f16 or bf16, got '" + options.actType + "'");
  if (options.acts != "none" && options.acts != "blockdialect" &&
      options.acts != "mxfp4" && options.acts != "int8")
    fatal("--acts takes none, blockdialect, mxfp4 or int8, got '" +
          options.acts + "'");
  if (options.acts != "none" && options.scheme == "bcq")
    fatal("--acts needs a block scheme (LUT-GEMM takes float activations)");
  // Flags the chosen scheme does not read: refused, as qblock-bench does,
  // rather than recorded in the plan and ignored.
  bool bcq = options.scheme == "bcq";
  for (llvm::StringRef flag : {"bits", "group"})
    if (!bcq && options.given.contains(flag))
      fatal("--" + flag + " applies to --scheme bcq (LUT-GEMM)");
  for (llvm::StringRef flag : {"block", "weight-decode"})
    if (bcq && options.given.contains(flag))
      fatal("--" + flag + " applies to block schemes; --scheme bcq has " +
            "groups (--group) and its own lookup-table kernel");
  // The tensor-core kernels' conditions (the GPU kernel remarks' reasons):
  // without them the kernels run on the CUDA cores, and the JSON and the
  // plan said tensor_cores all the same.
  if (options.tensorCores) {
    if (bcq)
      fatal("--tensor-cores: the LUT-GEMM kernel has no tensor-core form");
    if (options.acts == "none" && options.actType == "f32")
      fatal("--tensor-cores: the W4A16 tensor-core kernel takes f16 or bf16 "
            "activations; add --act-type f16 or bf16");
    if (options.acts != "none" && options.weightDecode == "table")
      fatal("--tensor-cores: the W4A4/W4A8 tensor-core kernel builds its "
            "operands by byte permutes; drop --weight-decode table");
  }
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

/// The configuration as plain data (GPURun.h, PlanData.h): what the
/// numerics core needs to rebuild the weights and check the output.
BenchSpec benchSpec(qblock::QuantizedTensorType type) {
  BenchSpec spec;
  spec.op = options.op;
  spec.m = options.m;
  spec.n = options.n;
  spec.k = options.k;
  spec.actType = options.actType;
  spec.acts = options.acts;
  spec.tensorCores = options.tensorCores;
  spec.weightDecode = options.weightDecode;
  spec.weights.kind = options.scheme;
  spec.weights.block = type.getBlockSize();
  if (qblock::SchemeAttr scheme = type.getBlockScheme()) {
    spec.weights.select = num::selectRuleName(scheme.toNumerics().select);
  } else {
    num::BCQScheme bcq = type.getBCQScheme().toNumerics();
    spec.weights.bits = bcq.bits;
    spec.weights.group = bcq.group;
    spec.weights.offset = bcq.offset;
    spec.weights.fromUniform = bcq.fromUniform;
  }
  spec.weightBytes = type.getStorageBytes();
  spec.schemeAttr = schemeAttrText();
  return spec;
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
  config.tensorCores = options.tensorCores;
  config.weightDecode = options.weightDecode;
  if (config.weightType.getBlockScheme())
    config.actScheme = actSchemeText(config.weightType.getBlockSize());
  BenchSpec spec = benchSpec(config.weightType);
  qblock::gpurun::RunOptions runOptions;
  runOptions.runs = options.runs;
  runOptions.warmup = options.warmup;
  runOptions.l2Factor = options.l2Factor;
  runOptions.cublas = options.cublas;

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
    // One file per PTX module (ptxas takes one module per file): FILE,
    // then FILE.1, FILE.2, ... (W4A4 has the quantizer's module too).
    int index = 0;
    for (const auto &[name, object] : plan.objects) {
      std::string path = options.emitPTX;
      if (index++)
        path += "." + std::to_string(index - 1);
      std::error_code error;
      llvm::raw_fd_ostream out(path, error);
      if (error)
        fatal("cannot write " + path + ": " + error.message());
      out << object;
    }
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
  // Where the objects are PTX, tensor cores asked for must be there: the
  // checks above cover the kernel remarks' reasons, this any other.
  if (options.tensorCores && plan.objectsArePTX &&
      llvm::none_of(plan.objects, [](const auto &entry) {
        return llvm::StringRef(entry.second).contains("mma.sync");
      }))
    fatal("--tensor-cores: the compiled kernels do not use tensor cores for "
          "this configuration (quant-opt's --remarks-filter='qblock.*' "
          "says why)");
  if (options.dumpPlan)
    return dumpPlan(plan);

  if (!options.savePlan.empty()) {
    if (!plan.notLaunchable.empty())
      fatal("cannot save a plan that is not launchable directly (" +
            plan.notLaunchable + ")");
    std::string error = savePlan(plan, spec, options.savePlan);
    if (!error.empty())
      fatal(error);
    llvm::errs() << "saved the plan to " << options.savePlan
                 << "; run it with qblock-gpu-run " << options.savePlan << "\n";
    return 0;
  }

  // After compiling, so that a bad --scheme, --k or --chip is a usage
  // error, not a "no GPU" skip (exit 77) on a machine without one.
  if (const char *error = cu::loadError()) {
    llvm::errs() << "qblock-gpu-bench: no usable CUDA device: " << error
                 << "\n";
    return kNoDevice;
  }
  // A driver call that fails from here on ends the program with this.
  cu::setErrorPrefix("qblock-gpu-bench: error");
  GPU gpu = qblock::gpurun::openGPU();
  llvm::errs() << "device: " << gpu.name << ", L2 " << gpu.l2Bytes / (1 << 20)
               << " MiB\n";

  llvm::errs() << "building weights (numerics core)\n";
  HostData data = qblock::gpurun::buildHostData(spec);

  qblock::gpurun::Result result;
  result.direct = plan.notLaunchable.empty() && !options.wholeCall;
  if (!plan.notLaunchable.empty())
    llvm::errs() << "no direct launch (" << plan.notLaunchable
                 << "): timing whole calls of the lowered host function\n";
  llvm::errs() << "checking and timing qblock\n";
  std::tie(result.ms, result.err) =
      result.direct ? qblock::gpurun::timeKernels(gpu, plan, data, spec,
                                                  runOptions, result.rotated)
                    : timeWholeCalls(plan, data);
  llvm::errs() << "checking and timing cuBLAS fp16\n";
  std::tie(result.cublasMs, result.cublasErr) =
      qblock::gpurun::timeCublas(gpu, data, spec, runOptions);
  llvm::errs() << "measuring copy bandwidth\n";
  result.copyGbps = qblock::gpurun::copyBandwidth(gpu);
  llvm::outs() << qblock::gpurun::resultJSON(spec, runOptions, gpu, result)
               << "\n";
  return 0;
}
