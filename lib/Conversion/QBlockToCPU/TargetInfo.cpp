//===- TargetInfo.cpp - What a CPU target name lets the lowering use ------===//

#include "TargetInfo.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace qblock::cpu;

StringRef qblock::cpu::targetName(Target isa) {
  switch (isa) {
  case Target::Generic:
    return "generic";
  case Target::AVX2:
    return "avx2";
  case Target::AVX512:
    return "avx512";
  }
  llvm_unreachable("every Target has a name");
}

FailureOr<TargetInfo> TargetInfo::resolve(StringRef name) {
  TargetInfo info;
  if (name == "generic" || name == "avx2") {
    info.isa = name == "avx2" ? Target::AVX2 : Target::Generic;
    return info;
  }
  if (name == "avx512") {
    info.isa = Target::AVX512;
    info.byteOps = true;
    info.bf16Ops = true;
    return info;
  }
  if (name != "host")
    return failure();
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    info.isa = Target::AVX512;
  else if (features.lookup("avx2"))
    info.isa = Target::AVX2;
  info.byteOps = features.lookup("avx512vbmi") && features.lookup("avx512vnni");
  info.bf16Ops = features.lookup("avx512bf16") && features.lookup("avx512bw");
  if (llvm::sys::getHostCPUName() == "znver4")
    info.farPrefetchLocality = 2;
  return info;
}
