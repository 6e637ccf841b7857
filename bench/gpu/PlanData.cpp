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

} // namespace

std::string qblock::bench::savePlan(const PlanData &plan, const BenchSpec &spec,
                                    const std::string &dir) {
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
      size_t arguments = 0;
      fields >> l.module >> l.kernel >> l.grid[0] >> l.grid[1] >> l.grid[2] >>
          l.block[0] >> l.block[1] >> l.block[2] >> l.dynamicSharedBytes >>
          arguments;
      plan.launches.push_back(std::move(l));
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
  // A hand-edited plan must not turn into an allocation of any size: the
  // bench builds M x K activations and N x K weights on the host.
  constexpr int64_t kMaxDim = int64_t(1) << 20, kMaxElements = int64_t(1) << 32;
  for (auto [name, value] : {std::pair<const char *, int64_t>{"M", spec.m},
                             {"N", spec.n},
                             {"K", spec.k}})
    if (value < 1 || value > kMaxDim)
      return std::string("plan.txt: spec ") + name + " = " +
             std::to_string(value) + " is outside 1.." +
             std::to_string(kMaxDim);
  if (spec.n * spec.k > kMaxElements || spec.m * spec.k > kMaxElements)
    return "plan.txt: spec " + std::to_string(spec.m) + " x " +
           std::to_string(spec.n) + " x " + std::to_string(spec.k) +
           " is too large for one benchmark";
  for (const PlanBuffer &b : plan.buffers)
    if (b.bytes < 0 || b.bytes > kMaxElements * 4)
      return "plan.txt: a buffer of " + std::to_string(b.bytes) + " bytes";
  return "";
}
