//===- FuseActivationQuant.cpp - Online activation quantization -----------===//
//
// matmul(quantize(x), w) -> matmul(x, w) {act_scheme}: the quantization of
// a run-time activation becomes part of the matmul that consumes it.
//
//===----------------------------------------------------------------------===//

#include "qblock/IR/QBlockOps.h"
#include "qblock/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"

namespace qblock {
#define GEN_PASS_DEF_FUSEACTIVATIONQUANT
#include "qblock/Transforms/Passes.h.inc"
} // namespace qblock

using namespace mlir;
using namespace qblock;

namespace {
struct FuseActivationQuantPass
    : public qblock::impl::FuseActivationQuantBase<FuseActivationQuantPass> {
  void runOnOperation() override {
    SmallVector<MatmulOp> matmuls;
    getOperation().walk([&](MatmulOp op) { matmuls.push_back(op); });
    for (MatmulOp op : matmuls) {
      auto quantize = op.getLhs().getDefiningOp<QuantizeOp>();
      // Constants are weights for select-formats to pack, not activations.
      if (!quantize || matchPattern(quantize.getInput(), m_Constant()))
        continue;
      SchemeAttr scheme = quantize.getType().getBlockScheme();
      if (!scheme)
        continue;
      op.getLhsMutable().assign(quantize.getInput());
      op.setActSchemeAttr(scheme);
      if (quantize->use_empty())
        quantize.erase();
    }
  }
};
} // namespace
