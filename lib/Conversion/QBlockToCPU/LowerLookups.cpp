//===- LowerLookups.cpp - qblock.lookup to target instructions ------------===//

#include "Decode.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/IR/QBlockOps.h"

namespace qblock {
#define GEN_PASS_DEF_QBLOCKLOWERLOOKUPS
#include "qblock/Conversion/Passes.h.inc"
} // namespace qblock

using namespace mlir;
using namespace qblock;

namespace {
struct QBlockLowerLookupsPass
    : public qblock::impl::QBlockLowerLookupsBase<QBlockLowerLookupsPass> {
  using Base::Base;

  void runOnOperation() override {
    FailureOr<cpu::Target> parsed = cpu::parseTarget(target);
    if (failed(parsed)) {
      emitError(getOperation().getLoc())
          << "--qblock-lower-lookups: unknown target '" << target
          << "'; use generic, avx2, avx512 or host";
      return signalPassFailure();
    }
    bool byteOps = cpu::hasByteOps(target);
    bool bf16Ops = cpu::hasBF16Ops(target);
    getOperation().walk([&](Operation *op) {
      ImplicitLocOpBuilder b(op->getLoc(), op);
      if (auto lookup = dyn_cast<LookupOp>(op))
        cpu::lowerLookup(b, lookup, *parsed, byteOps);
      else if (auto dot = dyn_cast<DotBytesOp>(op))
        cpu::lowerDotBytes(b, dot, byteOps);
      else if (auto dot = dyn_cast<DotBF16Op>(op))
        cpu::lowerDotBF16(b, dot, bf16Ops);
    });
  }
};
} // namespace
