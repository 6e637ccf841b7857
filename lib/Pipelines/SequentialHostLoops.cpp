//===- SequentialHostLoops.cpp - the user's parallel loops on the host ----===//
//
// The GPU pipelines map scf.parallel loops to kernels (gpu-map-parallel-
// loops, convert-parallel-loops-to-gpu): that is how the loop nests of
// qblock ops no kernel takes reach the GPU. The mapping took every
// scf.parallel, the user's own too, though the pipelines run code around
// the qblock ops on the host: a loop calling a host function compiled to
// PTX with an unresolved extern (the emulator ran it and hid that), a
// reduction failed to legalize, and a loop around a quantized matmul put
// the matmul's launch inside another kernel (found by an adversarial run
// over the pipelines' host code, 2026-12-07).
//
// As the pipelines' first step, before any loop of their own exists, this
// pass turns each of the user's scf.parallel loops into nested scf.for
// loops on the host, in the order of the parallel loop's dimensions, each
// reduction carried as an iteration argument and combined by its
// scf.reduce region. The results are those of one sequential execution,
// which an scf.parallel permits.
//
//===----------------------------------------------------------------------===//

#include "SequentialHostLoops.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace {

/// The nested scf.for loops that do what `loop` does, one iteration after
/// another.
void sequentialize(scf::ParallelOp loop) {
  OpBuilder b(loop);
  auto reduce = cast<scf::ReduceOp>(loop.getBody()->getTerminator());
  scf::LoopNest nest = scf::buildLoopNest(
      b, loop.getLoc(), loop.getLowerBound(), loop.getUpperBound(),
      loop.getStep(), loop.getInitVals(),
      [&](OpBuilder &nb, Location, ValueRange ivs,
          ValueRange partials) -> scf::ValueVector {
        IRMapping map;
        map.map(loop.getInductionVars(), ivs);
        for (Operation &op : loop.getBody()->without_terminator())
          nb.clone(op, map);
        // Each reduction combines the partial result so far with this
        // iteration's value in its region.
        scf::ValueVector combined;
        for (auto [index, value] : llvm::enumerate(reduce.getOperands())) {
          Block &combiner = reduce.getReductions()[index].front();
          // The region is not isolated: it may use values of the body.
          IRMapping args = map;
          args.map(combiner.getArgument(0), partials[index]);
          args.map(combiner.getArgument(1), map.lookupOrDefault(value));
          for (Operation &op : combiner.without_terminator())
            nb.clone(op, args);
          auto ret = cast<scf::ReduceReturnOp>(combiner.getTerminator());
          combined.push_back(args.lookupOrDefault(ret.getResult()));
        }
        return combined;
      });
  loop.replaceAllUsesWith(nest.results);
  loop.erase();
}

struct SequentialHostLoopsPass
    : PassWrapper<SequentialHostLoopsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SequentialHostLoopsPass)

  StringRef getArgument() const override {
    return "qblock-sequential-host-loops";
  }
  StringRef getDescription() const override {
    return "Run the user's scf.parallel loops as nested scf.for loops on the "
           "host (the GPU pipelines map only their own loops to kernels)";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<scf::SCFDialect>();
  }

  void runOnOperation() override {
    // Post-order: inner loops are rewritten before the outer loops whose
    // bodies are cloned around them.
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp loop) { loops.push_back(loop); });
    for (scf::ParallelOp loop : loops)
      sequentialize(loop);
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createSequentialHostLoopsPass() {
  return std::make_unique<SequentialHostLoopsPass>();
}
