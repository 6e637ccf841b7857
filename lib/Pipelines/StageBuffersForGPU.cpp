//===- StageBuffersForGPU.cpp - device copies around each gpu.launch ------===//
//
// After bufferization every buffer of a program lives in host memory:
// malloc'd results and scratch, constant weights in memref.global, caller
// arguments. A kernel cannot dereference those pointers (short of HMM or
// registered memory, which a compiler cannot count on), so before kernel
// outlining every host memref that a gpu.launch body uses is staged:
//
//   %d = gpu.alloc; gpu.memcpy %d, %host      (before the launch)
//   the launch reads and writes %d
//   gpu.memcpy %host, %d                      (only if the kernel writes it)
//   gpu.dealloc %d
//
// This is the correctness-first strategy of the first GPU pipeline: every
// launch pays its copies. Buffers are copied back only when the kernel
// writes them, so read-only host memory (constant globals in .rodata) is
// never written. The copies are async ops joined by gpu.wait because
// gpu-to-llvm lowers gpu.alloc/memcpy/dealloc only in that form.
//
//===----------------------------------------------------------------------===//

#include "StageBuffersForGPU.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace {

/// The buffer a value views: follows view-like ops (subview, cast,
/// reinterpret_cast, collapse/expand_shape) back to their source.
Value viewedBuffer(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>()) {
    if (view.getViewSource() == value)
      break;
    value = view.getViewSource();
  }
  return value;
}

/// Whether anything inside `launch` may write `buffer` (or a view of it).
/// Ops that do not describe their effects count as writing every buffer
/// they touch, so an unknown op costs a copy, never a lost result.
bool launchMayWrite(gpu::LaunchOp launch, Value buffer) {
  WalkResult result = launch.getBody().walk([&](Operation *op) {
    if (auto effects = dyn_cast<MemoryEffectOpInterface>(op)) {
      SmallVector<MemoryEffects::EffectInstance> instances;
      effects.getEffects(instances);
      for (const MemoryEffects::EffectInstance &effect : instances) {
        if (!isa<MemoryEffects::Write>(effect.getEffect()))
          continue;
        Value target = effect.getValue();
        if (!target || viewedBuffer(target) == buffer)
          return WalkResult::interrupt();
      }
      return WalkResult::advance();
    }
    if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    for (Value operand : op->getOperands())
      if (isa<BaseMemRefType>(operand.getType()) &&
          viewedBuffer(operand) == buffer)
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

/// The dynamic sizes of `buffer`, for a gpu.alloc of the same type.
SmallVector<Value> dynamicSizes(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<Value> sizes;
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    if (type.isDynamicDim(dim))
      sizes.push_back(memref::DimOp::create(b, loc, buffer, dim));
  return sizes;
}

/// A token that is ready now: a fresh stream (gpu.wait async).
Value freshToken(OpBuilder &b, Location loc) {
  return gpu::WaitOp::create(b, loc, b.getType<gpu::AsyncTokenType>(),
                             ValueRange{})
      .getAsyncToken();
}

LogicalResult stageLaunch(gpu::LaunchOp launch) {
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(launch.getBody(), captured);
  SmallVector<Value> hostBuffers;
  for (Value value : captured) {
    auto type = dyn_cast<MemRefType>(value.getType());
    if (!type)
      continue;
    if (!type.getLayout().isIdentity() || type.getMemorySpace())
      return launch.emitOpError()
             << "uses a host buffer of type " << type
             << " that the GPU pipeline cannot stage: only identity-layout "
                "buffers in the default memory space are copied to the "
                "device (bufferize with identity layouts at function "
                "boundaries)";
    hostBuffers.push_back(value);
  }
  if (hostBuffers.empty())
    return success();

  // All copies in go on one stream, joined before the launch; all copies
  // back and frees on another, joined after it.
  Location loc = launch.getLoc();
  OpBuilder before(launch);
  Type tokenType = before.getType<gpu::AsyncTokenType>();
  OpBuilder after(launch->getContext());
  after.setInsertionPointAfter(launch);
  Value copiedIn = freshToken(before, loc);
  Value copiedBack = freshToken(after, loc);
  for (Value host : hostBuffers) {
    auto type = cast<MemRefType>(host.getType());
    bool written = launchMayWrite(launch, host);
    auto alloc = gpu::AllocOp::create(
        before, loc, type, tokenType, ValueRange{copiedIn},
        dynamicSizes(before, loc, host), ValueRange{}, /*hostShared=*/false);
    Value device = alloc.getMemref();
    copiedIn = gpu::MemcpyOp::create(before, loc, tokenType,
                                     ValueRange{alloc.getAsyncToken()}, device,
                                     host)
                   .getAsyncToken();
    host.replaceUsesWithIf(device, [&](OpOperand &use) {
      return launch->isProperAncestor(use.getOwner());
    });
    if (written)
      copiedBack = gpu::MemcpyOp::create(after, loc, tokenType,
                                         ValueRange{copiedBack}, host, device)
                       .getAsyncToken();
    copiedBack = gpu::DeallocOp::create(after, loc, tokenType,
                                        ValueRange{copiedBack}, device)
                     .getAsyncToken();
  }
  gpu::WaitOp::create(before, loc, Type(), ValueRange{copiedIn});
  gpu::WaitOp::create(after, loc, Type(), ValueRange{copiedBack});
  return success();
}

struct StageBuffersForGPUPass
    : PassWrapper<StageBuffersForGPUPass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(StageBuffersForGPUPass)
  StringRef getArgument() const override {
    return "qblock-stage-buffers-for-gpu";
  }
  StringRef getDescription() const override {
    return "Copy the host buffers each gpu.launch uses to device memory and "
           "the ones it writes back";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect, memref::MemRefDialect>();
  }
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches)
      if (failed(stageLaunch(launch)))
        return signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createStageBuffersForGPUPass() {
  return std::make_unique<StageBuffersForGPUPass>();
}
