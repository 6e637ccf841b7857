//===- ConstantData.h - float data of weight constants ----------*- C++ -*-===//
//
// Reading the values of a float weight constant (dense or dense_resource),
// shared by the passes that quantize weights at compile time.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_TRANSFORMS_CONSTANTDATA_H
#define QBLOCK_LIB_TRANSFORMS_CONSTANTDATA_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Support/LLVM.h"

#include <string>
#include <vector>

namespace qblock {

/// Why getFloatData could not read a constant.
struct ConstantDataProblem {
  std::string message;
  /// The constant contradicts its own type (a blob of the wrong size), as
  /// opposed to data this code does not read.
  bool malformed = false;
};

/// The f32 values of a float elements attribute (`dense<...>`, or a
/// `dense_resource` blob of f32, f16 or bf16). Points into the attribute
/// when it already holds f32 values; otherwise widens into `storage` and
/// points there. Fails for non-float attributes and for dense_resource
/// blobs that are missing (elided), of another type, or of the wrong size,
/// saying why in `problem` when given.
mlir::FailureOr<const float *>
getFloatData(mlir::Attribute attr, std::vector<float> &storage,
             ConstantDataProblem *problem = nullptr);

} // namespace qblock

#endif // QBLOCK_LIB_TRANSFORMS_CONSTANTDATA_H
