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
    FailureOr<cpu::TargetInfo> resolved = cpu::TargetInfo::resolve(target);
    if (failed(resolved)) {
      emitError(getOperation().getLoc())
          << "--qblock-lower-lookups: unknown target '" << target
          << "'; use generic, avx2, avx512 or host";
      return signalPassFailure();
    }
    getOperation().walk([&](Operation *op) {
      ImplicitLocOpBuilder b(op->getLoc(), op);
      if (auto lookup = dyn_cast<LookupOp>(op))
        cpu::lowerLookup(b, lookup, resolved->isa, resolved->byteOps);
      else if (auto dot = dyn_cast<DotBytesOp>(op))
        cpu::lowerDotBytes(b, dot, resolved->byteOps);
      else if (auto dot = dyn_cast<DotBF16Op>(op))
        cpu::lowerDotBF16(b, dot, resolved->bf16Ops);
    });
  }
};
} // namespace
