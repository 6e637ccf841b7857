//===- ConstantGlobalLoads.h - constant ml_program loads -------*- C++ -*-===//

#ifndef QBLOCK_LIB_TRANSFORMS_CONSTANTGLOBALLOADS_H
#define QBLOCK_LIB_TRANSFORMS_CONSTANTGLOBALLOADS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"
#include "mlir/Pass/Pass.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <memory>
#include <string>

namespace qblock {
/// The value that `op` reads when it is an `ml_program.global_load_const`,
/// or an `ml_program.global_load` of an immutable global, and the global
/// holds a value of exactly the load's type (a tensor, or a scalar); null
/// otherwise (a mutable or external global, another op).
mlir::TypedAttr constantGlobalValue(mlir::Operation *op);

/// Replaces each load under `root` that constantGlobalValue() reads, and
/// that `select` accepts (all when null), with an `arith.constant` of that
/// value, so that weights exported as immutable ml_program globals are
/// constants to the passes (and are bufferized: upstream has no
/// bufferization of global_load_const). The globals stay.
void replaceConstantGlobalLoads(
    mlir::Operation *root,
    llvm::function_ref<bool(mlir::Operation *)> select = nullptr);

/// The pipelines' step before bufferization, registered as
/// `qblock-constant-global-loads{pipeline=NAME}`: replaceConstantGlobalLoads
/// on the module, then erases the private immutable globals no op reads any
/// more (else each float weight stayed in the output beside its quantized
/// copy), and fails at each `ml_program.global_load_const` left (its global
/// holds no value the module could give it). `pipeline` names the pipeline
/// in the message.
std::unique_ptr<mlir::Pass> createConstantGlobalLoadsPass(std::string pipeline);
std::unique_ptr<mlir::Pass> createConstantGlobalLoadsPass();
} // namespace qblock

#endif // QBLOCK_LIB_TRANSFORMS_CONSTANTGLOBALLOADS_H
