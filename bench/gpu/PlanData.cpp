//===- PlanData.cpp - Saving and loading a launch plan --------------------===//
//
// plan.txt, one record per line, space-separated tokens:
//
//   qblock-gpu-plan 1
//   spec <op> <m> <n> <k> <actType> <acts> <weightBytes>
//   weights <kind> <block> <select> <bits> <group> <offset> <fromUniform>
//   tensor_cores <0|1>                            (absent: 0)
//   weight_decode <permute|table>                 (absent: permute)
//   scheme_attr <the rest of the line>
//   objects_are_ptx <0|1>
//   object <name> <file>                          (the object's bytes)
//   buffer <source> <bytes> <weightOffset> <resultOf> <isOutput> <file|->
//   launch <module> <kernel> <grid x y z> <block x y z> <shared> <#args>
//   memref <buffer> <elementBytes> <rank> <sizes...> <strides...>
//   scalar <bits> <bytes>
//
// A buffer's file holds a constant's bytes; `-` when it has none.
//
//===----------------------------------------------------------------------===//

#include "PlanData.h"

#include "qblock/Conversion/CUDALimits.h"
#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/BlockQuant.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

using namespace qblock::bench;

namespace {

const char *kMagic = "qblock-gpu-plan";
const int kVersion = 1;

bool writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  return bool(out);
}

bool readFile(const std::string &path, std::string &bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream text;
  text << in.rdbuf();
  bytes = text.str();
  return true;
}

int sourceCode(PlanBuffer::Source source) { return int(source); }

bool oneOf(const std::string &value, std::initializer_list<const char *> set) {
  return std::any_of(set.begin(), set.end(),
                     [&](const char *name) { return value == name; });
}

/// What a plan must hold for qblock-gpu-run to run it: damaged plans used
/// to crash it (a block or group of 0 divided by zero, bits 9 wrote past
/// the alphas, a launch naming a module the plan lacks aborted) or launch
/// what a GPU refuses (an adversarial run over the tools, 2026-12-07).
/// savePlan checks the same, so it never writes a plan the runner refuses.
std::string checkPlan(const PlanData &plan, const BenchSpec &spec) {
  // The sizes first: the weight checks below multiply them.
  constexpr int64_t kMaxDim = int64_t(1) << 20, kMaxElements = int64_t(1) << 32;
  for (auto [name, value] : {std::pair<const char *, int64_t>{"M", spec.m},
                             {"N", spec.n},
                             {"K", spec.k}})
    if (value < 1 || value > kMaxDim)
      return std::string("spec ") + name + " = " + std::to_string(value) +
             " is outside 1.." + std::to_string(kMaxDim);
  if (spec.n * spec.k > kMaxElements || spec.m * spec.k > kMaxElements)
    return "spec " + std::to_string(spec.m) + " x " + std::to_string(spec.n) +
           " x " + std::to_string(spec.k) + " is too large for one benchmark";
  if (!oneOf(spec.op, {"gemv", "gemm"}))
    return "spec op '" + spec.op + "' is not gemv or gemm";
  if (!oneOf(spec.actType, {"f32", "f16", "bf16"}))
    return "spec activation type '" + spec.actType +
           "' is not f32, f16 or bf16";
  if (!oneOf(spec.acts, {"none", "blockdialect", "mxfp4", "int8"}))
    return "spec acts '" + spec.acts +
           "' is not none, blockdialect, mxfp4 or int8";
  if (!oneOf(spec.weightDecode, {"permute", "table"}))
    return "weight_decode '" + spec.weightDecode + "' is not permute or table";

  const WeightSpec &w = spec.weights;
  if (w.kind == "bcq") {
    std::string problem = qblock::numerics::validateBCQScheme(
        {w.bits, w.group, w.offset, w.fromUniform});
    if (!problem.empty())
      return "weights: " + problem;
    if (spec.k % w.group != 0)
      return "weights: group " + std::to_string(w.group) +
             " does not divide K = " + std::to_string(spec.k);
  } else if (oneOf(w.kind, {"blockdialect", "mxfp4", "nvfp4", "int4"})) {
    std::string problem = qblock::numerics::validateBlockSize(w.block);
    if (!problem.empty())
      return "weights: " + problem;
    if (spec.k % w.block != 0)
      return "weights: block " + std::to_string(w.block) +
             " does not divide K = " + std::to_string(spec.k);
    if (!oneOf(w.select, {"mse", "two-stage"}))
      return "weights: select '" + w.select + "' is not mse or two-stage";
  } else {
    return "weights: unknown scheme '" + w.kind + "'";
  }
  if (spec.weightBytes < 1)
    return "spec weight bytes " + std::to_string(spec.weightBytes) +
           " (the packed size of the weights) must be positive";

  for (const PlanBuffer &b : plan.buffers)
    if (b.bytes < 0 || b.bytes > kMaxElements * 4)
      return "a buffer of " + std::to_string(b.bytes) + " bytes";
  for (const PlanLaunch &l : plan.launches) {
    std::string launch = "launch " + l.kernel + ": ";
    if (!plan.objects.count(l.module))
      return launch + "names the module '" + l.module +
             "', which has no object in the plan";
    using namespace qblock::cuda;
    const int64_t maxGrid[3] = {kMaxGridX, kMaxGridYZ, kMaxGridYZ};
    const int64_t maxBlock[3] = {kMaxBlockThreads, kMaxBlockThreads,
                                 kMaxBlockZ};
    for (int d = 0; d < 3; ++d) {
      if (l.grid[d] < 1 || l.grid[d] > maxGrid[d])
        return launch + "grid dimension " + std::to_string(d) + " of " +
               std::to_string(l.grid[d]) + " is outside 1.." +
               std::to_string(maxGrid[d]);
      if (l.block[d] < 1 || l.block[d] > maxBlock[d])
        return launch + "block dimension " + std::to_string(d) + " of " +
               std::to_string(l.block[d]) + " is outside 1.." +
               std::to_string(maxBlock[d]);
    }
    if (l.block[0] * l.block[1] * l.block[2] > kMaxBlockThreads)
      return launch + "more than " + std::to_string(kMaxBlockThreads) +
             " threads per block";
    if (l.dynamicSharedBytes < 0 || l.dynamicSharedBytes > 227 * 1024)
      return launch + std::to_string(l.dynamicSharedBytes) +
             " bytes of dynamic shared memory (0 to 227 KiB)";
    for (const PlanArgument &a : l.arguments) {
      if (!a.isMemRef) {
        // scalarBits holds the value's bits; its width is scalarBytes.
        if (!(a.scalarBytes == 1 || a.scalarBytes == 2 || a.scalarBytes == 4 ||
              a.scalarBytes == 8))
          return launch + "a scalar of " + std::to_string(a.scalarBytes) +
                 " bytes";
        continue;
      }
      if (a.elementBytes < 1 || a.elementBytes > 16 ||
          std::any_of(a.sizes.begin(), a.sizes.end(),
                      [](int64_t size) { return size < 0; }))
        return launch + "a memref argument of " +
               std::to_string(a.elementBytes) +
               "-byte elements or a negative size";
    }
  }
  return "";
}

} // namespace

std::string qblock::bench::savePlan(const PlanData &plan, const BenchSpec &spec,
                                    const std::string &dir) {
  if (std::string problem = checkPlan(plan, spec); !problem.empty())
    return "this plan would not run: " + problem;
  mkdir(dir.c_str(), 0755);
  std::ofstream out(dir + "/plan.txt");
  if (!out)
    return "cannot write " + dir + "/plan.txt";
  const WeightSpec &w = spec.weights;
  out << kMagic << " " << kVersion << "\n"
      << "spec " << spec.op << " " << spec.m << " " << spec.n << " " << spec.k
      << " " << spec.actType << " " << spec.acts << " " << spec.weightBytes
      << "\n"
      << "weights " << w.kind << " " << w.block << " " << w.select << " "
      << w.bits << " " << w.group << " " << w.offset << " " << w.fromUniform
      << "\n"
      << "tensor_cores " << spec.tensorCores << "\n"
      << "weight_decode " << spec.weightDecode << "\n"
      << "scheme_attr " << spec.schemeAttr << "\n"
      << "objects_are_ptx " << plan.objectsArePTX << "\n";
  int index = 0;
  for (const auto &[name, object] : plan.objects) {
    std::string file = "object" + std::to_string(index++) + ".bin";
    if (!writeFile(dir + "/" + file, object))
      return "cannot write " + dir + "/" + file;
    out << "object " << name << " " << file << "\n";
  }
  for (size_t i = 0; i < plan.buffers.size(); ++i) {
    const PlanBuffer &b = plan.buffers[i];
    std::string file = "-";
    if (!b.data.empty()) {
      file = "buffer" + std::to_string(i) + ".bin";
      if (!writeFile(dir + "/" + file,
                     std::string(b.data.begin(), b.data.end())))
        return "cannot write " + dir + "/" + file;
    }
    out << "buffer " << sourceCode(b.source) << " " << b.bytes << " "
        << b.weightOffset << " " << b.resultOf << " " << b.isOutput << " "
        << file << "\n";
  }
  for (const PlanLaunch &l : plan.launches) {
    out << "launch " << l.module << " " << l.kernel << " " << l.grid[0] << " "
        << l.grid[1] << " " << l.grid[2] << " " << l.block[0] << " "
        << l.block[1] << " " << l.block[2] << " " << l.dynamicSharedBytes
        << " " << l.arguments.size() << "\n";
    for (const PlanArgument &a : l.arguments) {
      if (!a.isMemRef) {
        out << "scalar " << a.scalarBits << " " << a.scalarBytes << "\n";
        continue;
      }
      out << "memref " << a.buffer << " " << a.elementBytes << " "
          << a.sizes.size();
      for (int64_t size : a.sizes)
        out << " " << size;
      for (int64_t stride : a.strides)
        out << " " << stride;
      out << "\n";
    }
  }
  return out ? "" : "cannot write " + dir + "/plan.txt";
}

/// Memref arguments of the kernels have rank 1 to 3; more is a corrupt
/// plan.
static constexpr int64_t kMaxPlanRank = 8;

std::string qblock::bench::loadPlan(const std::string &dir, PlanData &plan,
                                    BenchSpec &spec) {
  std::ifstream in(dir + "/plan.txt");
  if (!in)
    return "cannot read " + dir + "/plan.txt (write it with qblock-gpu-bench "
           "--save-plan DIR)";
  std::string magic;
  int version = 0;
  in >> magic >> version;
  if (magic != kMagic || version != kVersion)
    return dir + "/plan.txt is not a version " + std::to_string(kVersion) +
           " qblock-gpu-bench plan";
  std::string line;
  std::getline(in, line);
  plan = PlanData();
  // Each launch's argument count as its record declares it, checked
  // against the argument records that follow (a missing one launched the
  // kernel with too few parameters).
  std::vector<int64_t> declaredArguments;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string record;
    fields >> record;
    if (record.empty())
      continue;
    if (record == "spec") {
      fields >> spec.op >> spec.m >> spec.n >> spec.k >> spec.actType >>
          spec.acts >> spec.weightBytes;
    } else if (record == "weights") {
      WeightSpec &w = spec.weights;
      fields >> w.kind >> w.block >> w.select >> w.bits >> w.group >>
          w.offset >> w.fromUniform;
    } else if (record == "tensor_cores") {
      fields >> spec.tensorCores;
    } else if (record == "weight_decode") {
      fields >> spec.weightDecode;
    } else if (record == "scheme_attr") {
      std::getline(fields >> std::ws, spec.schemeAttr);
    } else if (record == "objects_are_ptx") {
      fields >> plan.objectsArePTX;
    } else if (record == "object") {
      std::string name, file;
      fields >> name >> file;
      if (!readFile(dir + "/" + file, plan.objects[name]))
        return "cannot read " + dir + "/" + file;
    } else if (record == "buffer") {
      PlanBuffer b;
      int source = 0;
      std::string file;
      fields >> source >> b.bytes >> b.weightOffset >> b.resultOf >>
          b.isOutput >> file;
      if (source < 0 || source > int(PlanBuffer::Source::Result))
        return "plan.txt: unknown buffer source " + std::to_string(source);
      b.source = PlanBuffer::Source(source);
      if (file != "-") {
        std::string bytes;
        if (!readFile(dir + "/" + file, bytes))
          return "cannot read " + dir + "/" + file;
        b.data.assign(bytes.begin(), bytes.end());
      }
      plan.buffers.push_back(std::move(b));
    } else if (record == "launch") {
      PlanLaunch l;
      int64_t arguments = 0;
      fields >> l.module >> l.kernel >> l.grid[0] >> l.grid[1] >> l.grid[2] >>
          l.block[0] >> l.block[1] >> l.block[2] >> l.dynamicSharedBytes >>
          arguments;
      plan.launches.push_back(std::move(l));
      declaredArguments.push_back(arguments);
    } else if (record == "memref" || record == "scalar") {
      if (plan.launches.empty())
        return "plan.txt: an argument before any launch";
      PlanArgument a;
      a.isMemRef = record == "memref";
      if (a.isMemRef) {
        int64_t rank = 0;
        fields >> a.buffer >> a.elementBytes >> rank;
        if (fields.fail() || rank < 0 || rank > kMaxPlanRank)
          return "plan.txt: a memref argument of rank " +
                 std::to_string(rank) + " (0 to " +
                 std::to_string(kMaxPlanRank) + " expected)";
        a.sizes.resize(rank);
        a.strides.resize(rank);
        for (int64_t &size : a.sizes)
          fields >> size;
        for (int64_t &stride : a.strides)
          fields >> stride;
        if (a.buffer < 0 || size_t(a.buffer) >= plan.buffers.size())
          return "plan.txt: an argument names a buffer that does not exist";
      } else {
        fields >> a.scalarBits >> a.scalarBytes;
      }
      plan.launches.back().arguments.push_back(std::move(a));
    } else {
      return "plan.txt: unknown record '" + record + "'";
    }
    if (fields.fail())
      return "plan.txt: malformed line '" + line + "'";
  }
  if (plan.launches.empty())
    return "plan.txt has no launch";
  for (size_t i = 0; i < plan.launches.size(); ++i)
    if (int64_t(plan.launches[i].arguments.size()) != declaredArguments[i])
      return "plan.txt: launch " + plan.launches[i].kernel + " declares " +
             std::to_string(declaredArguments[i]) + " arguments and has " +
             std::to_string(plan.launches[i].arguments.size());
  std::string problem = checkPlan(plan, spec);
  return problem.empty() ? "" : "plan.txt: " + problem;
}
