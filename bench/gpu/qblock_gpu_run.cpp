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
// Exit status: 0 done, 1 error (a failed check included), 2 a bad option,
// 77 no usable GPU.
//
//===----------------------------------------------------------------------===//

#include "../common/FlagParser.h"
#include "../common/ToolExit.h"
#include "GPURun.h"

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
    "DIR [--runs R] [--warmup W] [--l2-factor F] [--cublas PATH] "
    "[--dry-run]\n"
    "Runs the plan qblock-gpu-bench --save-plan DIR wrote: checks the "
    "kernels'\noutput against the numerics core, times them and cuBLAS "
    "fp16, prints one\nJSON object (bench/gpu/README.md). Exit status 77 "
    "when no GPU answers,\n2 on a bad option.\n"
    "  --runs R       timed runs, 1..100000 (two CUDA events each)\n"
    "  --warmup W     untimed runs first, 0..100000\n"
    "  --l2-factor F  rotate over weight copies of at least F times the "
    "L2\n                 (default 2, above 0, at most 1024)\n"
    "  --cublas PATH  the cuBLAS library to compare with\n"
    "  --dry-run      load the plan, rebuild the weights with the numerics "
    "core,\n                 print a summary, exit (needs no GPU)";

} // namespace

int main(int argc, char **argv) {
  programName = "qblock-gpu-run";
  std::string dir;
  bool dryRun = false;
  RunOptions options;
  options.cublas = QBLOCK_CUBLAS_PATH;
  qblock::bench::FlagParser flags(argc, argv, kUsage);
  while (flags.next()) {
    if (flags.isPlain()) {
      if (flags.text().empty())
        flags.fail("the plan directory is an empty string");
      if (!dir.empty())
        flags.fail("one plan directory only, got '" + dir + "' and '" +
                   flags.text() + "'");
      dir = flags.text();
    } else if (flags.is("--dry-run")) {
      flags.noValue();
      dryRun = true;
    } else if (flags.is("--runs")) {
      options.runs = flags.integer(1, 100000);
    } else if (flags.is("--warmup")) {
      options.warmup = flags.integer(0, 100000);
    } else if (flags.is("--l2-factor")) {
      options.l2Factor = flags.numberAbove(0, 1024);
    } else if (flags.is("--cublas")) {
      options.cublas = flags.string();
    } else {
      flags.unknown();
    }
  }
  if (dir.empty())
    flags.fail("missing plan directory");

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
  // A driver call that fails from here on ends the program with this.
  cu::setErrorPrefix("qblock-gpu-run: error");
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
