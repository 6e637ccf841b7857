//===- SetHostTriple.h - the CPU pipeline's target triple -------*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_SETHOSTTRIPLE_H
#define QBLOCK_LIB_PIPELINES_SETHOSTTRIPLE_H

#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace qblock {
/// Gives a module without `llvm.target_triple` the triple of the machine
/// running the compiler, unless `target` (qblock-cpu-pipeline's option)
/// names x86 instructions and that machine is not x86.
std::unique_ptr<mlir::Pass> createSetHostTriplePass(std::string target);
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_SETHOSTTRIPLE_H
