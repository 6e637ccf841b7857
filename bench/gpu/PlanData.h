//===- PlanData.h - A launch plan as plain data -----------------*- C++ -*-===//
//
// What qblock-gpu-bench runs on the GPU, without MLIR: device buffers and
// where their contents come from, the kernels' launches with their
// arguments, the compiled objects. LaunchPlan.h derives it from the lowered
// module; qblock-gpu-bench runs it directly or saves it (with the
// benchmark's configuration) for qblock-gpu-run, which runs it on a GPU
// machine without LLVM (README.md).
//
// Plain C++ only: qblock-gpu-run links no LLVM or MLIR library.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_BENCH_GPU_PLANDATA_H
#define QBLOCK_BENCH_GPU_PLANDATA_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace qblock::bench {

struct PlanBuffer {
  enum class Source {
    Activations, ///< a copy of A (M x K f32)
    Weights,     ///< a view of W's bytes from `weightOffset`
    Zeros,       ///< zero-filled on the host before the copy in
    Constant,    ///< a constant global: `data`
    Nothing,     ///< never copied in (scratch)
    /// What an earlier kernel left in buffer `resultOf`: the host code
    /// copies that result back and into a new device buffer (e.g. W4A4's
    /// quantized activations), the bench passes the earlier buffer itself.
    /// Only for buffers no kernel writes (the plan checks).
    Result,
  };
  Source source = Source::Nothing;
  int64_t bytes = 0;
  int64_t weightOffset = 0;
  int resultOf = -1;
  std::vector<uint8_t> data;
  /// Copied back to the host and from there into C.
  bool isOutput = false;
  std::string description;
};

struct PlanArgument {
  /// A memref (expanded to allocated, aligned, offset, sizes, strides as
  /// the gpu-to-llvm calling convention does) or a scalar constant.
  bool isMemRef = true;
  int buffer = -1;
  std::vector<int64_t> sizes, strides;
  int64_t elementBytes = 0;
  uint64_t scalarBits = 0;
  unsigned scalarBytes = 0;
  /// 3 + 2 * rank for a memref, 1 for a scalar.
  unsigned paramCount() const {
    return isMemRef ? 3 + 2 * unsigned(sizes.size()) : 1;
  }
};

struct PlanLaunch {
  std::string module, kernel;
  int64_t grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
  int64_t dynamicSharedBytes = 0;
  std::vector<PlanArgument> arguments;
  unsigned paramCount() const {
    unsigned count = 0;
    for (const PlanArgument &argument : arguments)
      count += argument.paramCount();
    return count;
  }
};

struct PlanData {
  std::vector<PlanBuffer> buffers;
  std::vector<PlanLaunch> launches;
  /// gpu.binary name -> its first object (PTX text for isa, cubin for bin).
  std::map<std::string, std::string> objects;
  bool objectsArePTX = true;
};

/// What the weights are, as the numerics core builds them: a block scheme
/// (kind blockdialect, mxfp4, nvfp4 or int4, block size, selection rule) or
/// BCQ (bits, group, offset, fromUniform).
struct WeightSpec {
  std::string kind = "blockdialect";
  int64_t block = 32;
  std::string select = "mse";
  int bits = 3;
  int64_t group = 128;
  bool offset = true, fromUniform = false;
};

/// One benchmark configuration: what qblock-gpu-run needs besides the plan.
struct BenchSpec {
  std::string op = "gemv";
  int64_t m = 1, n = 8192, k = 8192;
  /// f32, f16 or bf16; acts: none, blockdialect, mxfp4 or int8.
  std::string actType = "f32", acts = "none";
  /// Compiled with --qblock-gpu-pipeline="tensor-cores=true".
  bool tensorCores = false;
  /// --qblock-gpu-pipeline's weight-decode: permute or table.
  std::string weightDecode = "permute";
  WeightSpec weights;
  /// Packed weight bytes (checked against the numerics core's layout).
  int64_t weightBytes = 0;
  /// The weight scheme as the bench spells it (#qblock.scheme<...>), for
  /// the JSON output.
  std::string schemeAttr;
};

/// Writes `plan` and `spec` into directory `dir` (created): plan.txt and
/// one file per object. Returns an empty string or what went wrong.
std::string savePlan(const PlanData &plan, const BenchSpec &spec,
                     const std::string &dir);
/// Reads what savePlan wrote. Returns an empty string or what went wrong.
std::string loadPlan(const std::string &dir, PlanData &plan, BenchSpec &spec);

} // namespace qblock::bench

#endif // QBLOCK_BENCH_GPU_PLANDATA_H
