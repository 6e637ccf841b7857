//===- qblock_gpu_run.cpp - Run a saved qblock-gpu-bench plan -------------===//
//
// The GPU machines this project is lent have no LLVM or MLIR, so
// qblock-gpu-bench (which compiles in-process) cannot run there. It saves
// what it compiled instead (--save-plan DIR: the launch plan, the cubins or
// PTX, the configuration), and this program, plain C++ with the numerics
// core and the CUDA driver and cuBLAS opened at run time, does the rest
// there: the same checks, timings and JSON line as qblock-gpu-bench.
//
//   qblock-gpu-bench --save-plan plans/gemv-bd --op gemv --scheme blockdialect
//   qblock-gpu-run plans/gemv-bd [--runs R] [--warmup W] [--l2-factor F]
//                  [--cublas PATH]
//
// Exit status: 0 done, 1 error (a failed check included), 77 no usable GPU.
//
//===----------------------------------------------------------------------===//

#include "../common/ToolExit.h"
#include "GPURun.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#ifndef QBLOCK_CUBLAS_PATH
#define QBLOCK_CUBLAS_PATH "libcublas.so"
#endif

using namespace qblock::gpurun;
namespace cu = qblock::cuda;

namespace {

const char *kUsage =
    "usage: qblock-gpu-run DIR [--runs R] [--warmup W] [--l2-factor F] "
    "[--cublas PATH] [--dry-run]\n"
    "Runs the plan qblock-gpu-bench --save-plan DIR wrote: checks the "
    "kernels'\noutput against the numerics core, times them and cuBLAS "
    "fp16, prints one\nJSON object (bench/gpu/README.md). Exit status 77 "
    "when no GPU answers.\n--dry-run: load the plan, rebuild the weights "
    "with the numerics core, print\na summary, exit (needs no GPU).\n";

/// An integer in [lo, hi]; strtoll saturated beyond 64 bits and went
/// unnoticed (adversarial run over the tools, 2026-12-07). The timing keeps
/// two CUDA events per run, so runs has a bound too.
int64_t integerIn(const std::string &flag, const char *text, int64_t lo,
                  int64_t hi) {
  char *end = nullptr;
  errno = 0;
  long long value = std::strtoll(text, &end, 10);
  if (end == text || *end || errno == ERANGE || value < lo || value > hi)
    fatal(flag + " takes an integer in " + std::to_string(lo) + ".." +
          std::to_string(hi) + ", got '" + text + "'");
  return value;
}

/// --l2-factor: atof took "1abc" as 1, and inf was accepted and ignored.
double l2Factor(const char *text) {
  char *end = nullptr;
  errno = 0;
  double value = std::strtod(text, &end);
  if (end == text || *end || errno == ERANGE || !std::isfinite(value) ||
      !(value > 0) || value > 1024)
    fatal(std::string("--l2-factor takes a number in (0, 1024], got '") + text +
          "'");
  return value;
}

} // namespace

int main(int argc, char **argv) {
  programName = "qblock-gpu-run";
  std::string dir;
  bool dryRun = false;
  RunOptions options;
  options.cublas = QBLOCK_CUBLAS_PATH;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--dry-run") {
      dryRun = true;
      continue;
    }
    if (arg.rfind("--", 0) == 0) {
      // Only a flag that exists takes the next argument as its value, so an
      // unknown last flag is reported as unknown.
      auto value = [&]() -> const char * {
        if (i + 1 >= argc)
          fatal(arg + " needs a value");
        return argv[++i];
      };
      if (arg == "--runs")
        options.runs = integerIn(arg, value(), 1, 100000);
      else if (arg == "--warmup")
        options.warmup = integerIn(arg, value(), 0, 100000);
      else if (arg == "--l2-factor")
        options.l2Factor = l2Factor(value());
      else if (arg == "--cublas")
        options.cublas = value();
      else
        fatal("unknown option " + arg + " (see --help)");
      continue;
    }
    if (!dir.empty())
      fatal("one plan directory only (see --help)");
    dir = arg;
  }
  if (dir.empty())
    fatal(std::string("missing plan directory\n") + kUsage);

  PlanData plan;
  BenchSpec spec;
  std::string error = qblock::bench::loadPlan(dir, plan, spec);
  if (!error.empty())
    fatal(error);
  if (dryRun) {
    // buildHostData checks the weights' size against the plan's.
    HostData data = buildHostData(spec);
    std::printf("plan %s: %s %s M=%lld N=%lld K=%lld, %s activations, "
                "acts %s, %zu buffers, %zu launches, %zu objects (%s)\n",
                dir.c_str(), spec.op.c_str(), spec.schemeAttr.c_str(),
                (long long)spec.m, (long long)spec.n, (long long)spec.k,
                spec.actType.c_str(), spec.acts.c_str(), plan.buffers.size(),
                plan.launches.size(), plan.objects.size(),
                plan.objectsArePTX ? "PTX" : "cubin");
    for (const PlanLaunch &launch : plan.launches)
      std::printf("launch %s grid (%lld, %lld, %lld) block (%lld, %lld, %lld) "
                  "params %u\n",
                  launch.kernel.c_str(), (long long)launch.grid[0],
                  (long long)launch.grid[1], (long long)launch.grid[2],
                  (long long)launch.block[0], (long long)launch.block[1],
                  (long long)launch.block[2], launch.paramCount());
    std::printf("weights: %zu packed bytes, as the plan says\n",
                data.packed.size());
    return qblock::bench::finishOutput("qblock-gpu-run", 0);
  }
  if (const char *why = cu::loadError()) {
    std::fprintf(stderr, "qblock-gpu-run: no usable CUDA device: %s\n", why);
    return 77;
  }
  GPU gpu = openGPU();
  std::fprintf(stderr, "device: %s, L2 %lld MiB\n", gpu.name.c_str(),
               (long long)(gpu.l2Bytes >> 20));
  std::fprintf(stderr, "building weights (numerics core)\n");
  HostData data = buildHostData(spec);
  Result result;
  std::fprintf(stderr, "checking and timing qblock\n");
  std::tie(result.ms, result.err) =
      timeKernels(gpu, plan, data, spec, options, result.rotated);
  std::fprintf(stderr, "checking and timing cuBLAS fp16\n");
  std::tie(result.cublasMs, result.cublasErr) =
      timeCublas(gpu, data, spec, options);
  std::fprintf(stderr, "measuring copy bandwidth\n");
  result.copyGbps = copyBandwidth(gpu);
  std::printf("%s\n", resultJSON(spec, options, gpu, result).c_str());
  return qblock::bench::finishOutput("qblock-gpu-run", 0);
}
