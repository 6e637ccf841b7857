//===- GPUCollectiveEffects.cpp - memory effects of kernel collectives ----===//
//
// The GPU pipelines take kernels written as gpu.launch on host buffers, and
// bufferize and deallocate the whole module before they build their own
// kernels. Ownership-based buffer deallocation refuses any op whose memory
// effects it cannot see ("ops with unknown memory side effects are not
// supported"), and upstream declares none for gpu.barrier, gpu.all_reduce
// and gpu.subgroup_reduce: a hand-written kernel that synchronizes its
// threads failed in both GPU pipelines with that message (found by an
// adversarial run, 2026-12-08).
//
// They are given read and write effects on all memory here. That is what a
// barrier is (every thread's earlier writes become visible to every
// thread's later reads), and it keeps every transformation from moving,
// merging or dropping any of them, as unknown effects did: only the missing
// declaration changes. Allocation and freeing, which they never do, stay
// undeclared, so deallocation has nothing to track. Should upstream declare
// effects of its own, those are kept. The one analysis of the pipelines
// that asks which buffers a kernel writes (StageBuffersForGPU.cpp) knows
// that these ops write none; without that, a kernel with a barrier lost
// its weight upload cache.
//
//===----------------------------------------------------------------------===//

#include "GPUCollectiveEffects.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {

template <typename Op>
struct CollectiveEffects
    : MemoryEffectOpInterface::ExternalModel<CollectiveEffects<Op>, Op> {
  void
  getEffects(Operation *,
             SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
                 &effects) const {
    effects.emplace_back(MemoryEffects::Read::get());
    effects.emplace_back(MemoryEffects::Write::get());
  }
};

template <typename Op> void declareEffects(MLIRContext *context) {
  if (OperationName(Op::getOperationName(), context)
          .hasInterface<MemoryEffectOpInterface>())
    return;
  Op::template attachInterface<CollectiveEffects<Op>>(*context);
}

} // namespace

void qblock::registerGPUCollectiveEffects(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, gpu::GPUDialect *) {
    declareEffects<gpu::BarrierOp>(context);
    declareEffects<gpu::AllReduceOp>(context);
    declareEffects<gpu::SubgroupReduceOp>(context);
  });
}
