//===- SetCPUTarget.cpp - the CPU pipeline's target machine ---------------===//
//
// The CPU pipeline picks instructions for a machine (target=host, the
// default, detects the compiling one's), so its output says which:
//
// - The module carries the host's triple. Without it the ahead-of-time
//   path (mlir-translate, then clang or llc) warned "overriding the module
//   target triple" on every compile, and llc fell back to its default
//   triple. With target=avx2 or avx512 on a machine that is not x86 the
//   output is for another machine, so no triple is guessed.
// - Every function carries the CPU and instruction-set features the
//   lowering assumed. Without them the output used AVX-512 intrinsics
//   (vpermd, vpdpbusd, vdpbf16ps) that `clang -c` without `-march=native`
//   or `llc` without `-mcpu` cannot select for baseline x86-64: the
//   backend stopped with "Do not know how to split the result of this
//   operator". host gives the compiling machine's CPU and features (what
//   `-march=native` would); avx2 and avx512 give the x86-64 levels v3 and
//   v4 plus the AVX-512 extensions that target=avx512 promises (VBMI,
//   VNNI, BF16); generic needs nothing beyond the baseline, so it sets
//   nothing and the compiler's own choice stands.
//
// The JIT (mlir-runner, the Python package) honours the same attributes,
// so both paths compile one function for the same machine.
//
//===----------------------------------------------------------------------===//

#include "SetCPUTarget.h"

#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace {

struct CPUAndFeatures {
  std::string cpu;
  SmallVector<std::string> features;
};

/// What `target` compiles for; nullopt for generic (the baseline).
static std::optional<CPUAndFeatures> cpuAndFeatures(StringRef target) {
  if (target == "avx2")
    return CPUAndFeatures{"x86-64-v3", {}};
  if (target == "avx512")
    return CPUAndFeatures{
        "x86-64-v4", {"+avx512vbmi", "+avx512vnni", "+avx512bf16"}};
  if (target != "host")
    return std::nullopt;
  CPUAndFeatures host{llvm::sys::getHostCPUName().str(), {}};
  // Sorted, so that the output is the same on every run.
  for (const auto &feature : llvm::sys::getHostCPUFeatures())
    host.features.push_back((feature.getValue() ? "+" : "-") +
                            feature.getKey().str());
  llvm::sort(host.features);
  return host;
}

struct SetCPUTargetPass
    : PassWrapper<SetCPUTargetPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SetCPUTargetPass)

  SetCPUTargetPass() = default;
  // The option is not copyable; clone() copies its value afterwards.
  SetCPUTargetPass(const SetCPUTargetPass &other) : PassWrapper(other) {}

  StringRef getArgument() const override { return "qblock-set-cpu-target"; }
  StringRef getDescription() const override {
    return "Set the target triple, CPU and features the CPU pipeline's "
           "output is for";
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The pipeline checks its own option; this is for the pass run alone.
    if (!llvm::is_contained({"generic", "avx2", "avx512", "host"},
                            StringRef(target))) {
      emitError(module.getLoc())
          << "qblock-set-cpu-target: unknown target '" << target
          << "'; use generic, avx2, avx512 or host";
      return signalPassFailure();
    }
    setTriple(module);
    std::optional<CPUAndFeatures> machine = cpuAndFeatures(target);
    if (!machine)
      return;
    MLIRContext *context = module.getContext();
    auto cpu = StringAttr::get(context, machine->cpu);
    SmallVector<StringRef> names(machine->features.begin(),
                                 machine->features.end());
    auto features = LLVM::TargetFeaturesAttr::get(context, names);
    // Functions a user already tied to a machine keep theirs.
    module.walk([&](LLVM::LLVMFuncOp func) {
      if (func.isExternal() || func.getTargetCpuAttr() ||
          func.getTargetFeaturesAttr())
        return;
      func.setTargetCpuAttr(cpu);
      if (!names.empty())
        func.setTargetFeaturesAttr(features);
    });
  }

  void setTriple(ModuleOp module) {
    StringRef name = LLVM::LLVMDialect::getTargetTripleAttrName();
    if (module->hasAttr(name))
      return;
    llvm::Triple host(llvm::sys::getProcessTriple());
    bool x86Only = target == "avx2" || target == "avx512";
    if (x86Only && !host.isX86())
      return;
    module->setAttr(name, StringAttr::get(module.getContext(), host.str()));
  }

  // An option, not a constructor argument, so that a printed pipeline (a
  // crash reproducer, --dump-pass-pipeline) parses again.
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("generic, avx2, avx512 or host (qblock-cpu-pipeline's "
                     "target option)"),
      llvm::cl::init("host")};
};

} // namespace

std::unique_ptr<Pass> qblock::createSetCPUTargetPass() {
  return std::make_unique<SetCPUTargetPass>();
}

std::unique_ptr<Pass> qblock::createSetCPUTargetPass(std::string target) {
  auto pass = std::make_unique<SetCPUTargetPass>();
  pass->target = std::move(target);
  return pass;
}
