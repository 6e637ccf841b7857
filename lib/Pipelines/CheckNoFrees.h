//===- CheckNoFrees.h - the pipelines' input frees no buffers ---*- C++ -*-===//

#ifndef QBLOCK_LIB_PIPELINES_CHECKNOFREES_H
#define QBLOCK_LIB_PIPELINES_CHECKNOFREES_H

#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace qblock {
/// Fails, with an error at each op that frees a buffer (memref.dealloc),
/// when the input manages its own buffers: the pipelines free every buffer
/// themselves (ownership-based buffer deallocation), which rejects a
/// module that already does. `pipeline` names the pipeline in the message.
std::unique_ptr<mlir::Pass> createCheckNoFreesPass(std::string pipeline);
/// The same, registered as `qblock-check-no-frees{pipeline=NAME}`.
std::unique_ptr<mlir::Pass> createCheckNoFreesPass();
} // namespace qblock

#endif // QBLOCK_LIB_PIPELINES_CHECKNOFREES_H
