//===- BufferizedLoops.h - the front half shared by the pipelines -*- C++ -*-===//
//
// Internal to lib/Pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_PIPELINES_BUFFERIZEDLOOPS_H
#define QBLOCK_LIB_PIPELINES_BUFFERIZEDLOOPS_H

#include "mlir/Pass/PassManager.h"

namespace qblock {
/// qblock and upstream tensor code down to loop nests on identity-layout
/// memrefs (scf.parallel where the work is parallel), with the decode
/// lookups lowered for `target` (a convert-qblock-to-cpu target). The CPU
/// and GPU pipelines differ only in what they do with those loops.
void buildBufferizedLoops(mlir::OpPassManager &pm, llvm::StringRef target,
                          llvm::StringRef lutTables = "f32",
                          bool kernelRemarks = true);
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_BUFFERIZEDLOOPS_H
