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
// Buffers are copied back only when the kernel writes them, so read-only
// host memory (constant globals in .rodata) is never written. The copies
// are async ops joined by gpu.wait because gpu-to-llvm lowers
// gpu.alloc/memcpy/dealloc only in that form.
//
// Constant globals the kernel does not write (packed weights, decode
// tables) are not copied per launch: the runtime's qblockCudaCachedUpload
// copies each one to the device on first use and records the copy in a
// pointer-sized global of the module (one per constant global), which
// every later call returns:
//
//   %d = qblockCudaCachedUpload(aligned pointer of %host, bytes, &slot)
//   the launch reads a memref with %host's type whose pointers are %d
//
// The slot lives and dies with the loaded module, so a module loaded later
// whose constants land at the same host addresses (JIT sessions, the
// Python package) gets copies of its own data, never a stale one.
//
// The memref is assembled as an LLVM memref descriptor and cast to the
// memref type with builtin.unrealized_conversion_cast, which the LLVM
// lowering folds away: no memref op makes a memref from a raw pointer.
//
//===----------------------------------------------------------------------===//

#include "StageBuffersForGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/IR/IRMapping.h"
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
    // A prefetch (the CPU lowering's, kept in the portable loop nests)
    // declares a write, to stay ordered with other memory ops, but never
    // changes memory.
    if (isa<memref::PrefetchOp>(op))
      return WalkResult::advance();
    // Nor do barriers and cross-thread reductions, which the GPU pipelines
    // declare to read and write all memory so that nothing moves across
    // them (GPUCollectiveEffects.cpp): read as a write of every buffer,
    // that cost each kernel with a barrier its weight upload cache.
    if (isa<gpu::BarrierOp, gpu::AllReduceOp, gpu::SubgroupReduceOp>(op))
      return WalkResult::advance();
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

/// The size in bytes of `buffer` when it is a constant global that can be
/// uploaded once: a memref.get_global of a `constant` memref.global of
/// whole-byte elements. None otherwise.
std::optional<int64_t> constantGlobalBytes(Value buffer) {
  auto get = buffer.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return std::nullopt;
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  auto type = cast<MemRefType>(buffer.getType());
  if (!global || !global.getConstant() || !type.hasStaticShape() ||
      type.getRank() == 0 || !type.getElementType().isIntOrFloat() ||
      type.getElementTypeBitWidth() % 8 != 0)
    return std::nullopt;
  return type.getNumElements() * (type.getElementTypeBitWidth() / 8);
}

/// Declares qblockCudaCachedUpload in the module once.
func::FuncOp getOrDeclareCachedUpload(ModuleOp module) {
  if (auto existing =
          module.lookupSymbol<func::FuncOp>(qblock::kCachedUploadName))
    return existing;
  OpBuilder b(module.getBodyRegion());
  auto ptr = LLVM::LLVMPointerType::get(module.getContext());
  auto func = func::FuncOp::create(
      b, module.getLoc(), qblock::kCachedUploadName,
      b.getFunctionType({ptr, b.getI64Type(), ptr}, {ptr}));
  func.setPrivate();
  return func;
}

/// The module's slot for the device copy of constant global `name`: an
/// internal, null-initialized pointer global, created once.
LLVM::GlobalOp getOrCreateDeviceSlot(ModuleOp module, StringRef name) {
  std::string slotName = ("__qblock_device_copy_" + name).str();
  if (auto existing = module.lookupSymbol<LLVM::GlobalOp>(slotName))
    return existing;
  OpBuilder b(module.getBodyRegion());
  auto ptr = LLVM::LLVMPointerType::get(module.getContext());
  auto slot = LLVM::GlobalOp::create(b, module.getLoc(), ptr,
                                     /*isConstant=*/false,
                                     LLVM::Linkage::Internal, slotName,
                                     /*value=*/Attribute());
  Block *init = b.createBlock(&slot.getInitializerRegion());
  b.setInsertionPointToStart(init);
  LLVM::ReturnOp::create(b, module.getLoc(),
                         LLVM::ZeroOp::create(b, module.getLoc(), ptr));
  return slot;
}

/// The device copy of constant global `host` (`bytes` long) as a memref of
/// the same type: identity layout, static shape (constantGlobalBytes).
Value cachedDeviceCopy(OpBuilder &b, Location loc, Value host, int64_t bytes,
                       func::FuncOp upload, LLVM::GlobalOp slot) {
  auto type = cast<MemRefType>(host.getType());
  Type i64 = b.getI64Type();
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  auto cst = [&](int64_t v) {
    return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
  };
  Value address = arith::IndexCastOp::create(
      b, loc, i64,
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, host));
  Value hostPointer = LLVM::IntToPtrOp::create(b, loc, ptr, address);
  Value slotAddress = LLVM::AddressOfOp::create(b, loc, slot);
  Value device =
      func::CallOp::create(b, loc, upload,
                           ValueRange{hostPointer, cst(bytes), slotAddress})
          .getResult(0);
  // {allocated, aligned, offset, sizes[rank], strides[rank]}: the layout
  // of a ranked memref descriptor in the LLVM lowering.
  int64_t rank = type.getRank();
  auto array = LLVM::LLVMArrayType::get(i64, rank);
  auto descriptorType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), {ptr, ptr, i64, array, array});
  Value descriptor = LLVM::PoisonOp::create(b, loc, descriptorType);
  auto insert = [&](Value value, ArrayRef<int64_t> position) {
    descriptor =
        LLVM::InsertValueOp::create(b, loc, descriptor, value, position);
  };
  insert(device, {0});
  insert(device, {1});
  insert(cst(0), {2});
  int64_t stride = 1;
  for (int64_t dim = rank - 1; dim >= 0; --dim) {
    insert(cst(type.getDimSize(dim)), {3, dim});
    insert(cst(stride), {4, dim});
    stride *= type.getDimSize(dim);
  }
  return UnrealizedConversionCastOp::create(b, loc, type, descriptor)
      .getResult(0);
}

/// Views with a strided layout (e.g. the even-element half of each
/// activation row a generic W4A16 loop nest reads) cannot be copied to the
/// device as they are. Each such view the launch uses is rebuilt at the
/// start of its body from the buffer it views (the view ops cloned in
/// order), so that the whole buffer is staged and the kernel computes the
/// view's addresses itself.
void rebuildStridedViewsInside(gpu::LaunchOp launch) {
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(launch.getBody(), captured);
  OpBuilder inside = OpBuilder::atBlockBegin(&launch.getBody().front());
  for (Value value : captured) {
    auto type = dyn_cast<MemRefType>(value.getType());
    if (!type || type.getLayout().isIdentity())
      continue;
    SmallVector<Operation *> chain;
    for (Value v = value; auto view = v.getDefiningOp<ViewLikeOpInterface>();) {
      if (view.getViewSource() == v)
        break;
      chain.push_back(view);
      v = view.getViewSource();
    }
    if (chain.empty())
      continue; // not a view: stageLaunch reports it
    IRMapping mapping;
    for (Operation *op : llvm::reverse(chain))
      inside.clone(*op, mapping);
    Value rebuilt = mapping.lookup(value);
    value.replaceUsesWithIf(rebuilt, [&](OpOperand &use) {
      return launch->isProperAncestor(use.getOwner()) &&
             use.getOwner() != rebuilt.getDefiningOp();
    });
  }
}

LogicalResult stageLaunch(gpu::LaunchOp launch, ModuleOp module) {
  rebuildStridedViewsInside(launch);
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
  Location loc = launch.getLoc();
  OpBuilder before(launch);
  auto replaceInLaunch = [&](Value host, Value device) {
    host.replaceUsesWithIf(device, [&](OpOperand &use) {
      return launch->isProperAncestor(use.getOwner());
    });
  };
  // Constant globals the kernel only reads: the process-wide device copy.
  // One it may write (as far as the ops' effects tell) gets a copy of its own
  // for the launch, never copied back: the host copy is read-only memory,
  // and copying into it crashed the program.
  SmallVector<Value> copied;
  llvm::SmallPtrSet<Value, 4> readOnlyHost;
  for (Value host : hostBuffers) {
    std::optional<int64_t> bytes = constantGlobalBytes(host);
    if (!bytes || launchMayWrite(launch, host)) {
      if (bytes)
        readOnlyHost.insert(host);
      copied.push_back(host);
      continue;
    }
    // Declared one after the other: as two call arguments their order
    // (and so the IR's) would depend on the C++ compiler.
    func::FuncOp upload = getOrDeclareCachedUpload(module);
    LLVM::GlobalOp slot = getOrCreateDeviceSlot(
        module, host.getDefiningOp<memref::GetGlobalOp>().getName());
    replaceInLaunch(host,
                    cachedDeviceCopy(before, loc, host, *bytes, upload, slot));
  }
  if (copied.empty())
    return success();

  // All copies in go on one stream, joined before the launch; all copies
  // back and frees on another, joined after it.
  Type tokenType = before.getType<gpu::AsyncTokenType>();
  OpBuilder after(launch->getContext());
  after.setInsertionPointAfter(launch);
  Value copiedIn = freshToken(before, loc);
  Value copiedBack = freshToken(after, loc);
  for (Value host : copied) {
    auto type = cast<MemRefType>(host.getType());
    auto alloc = gpu::AllocOp::create(
        before, loc, type, tokenType, ValueRange{copiedIn},
        dynamicSizes(before, loc, host), ValueRange{}, /*hostShared=*/false);
    Value device = alloc.getMemref();
    copiedIn = gpu::MemcpyOp::create(before, loc, tokenType,
                                     ValueRange{alloc.getAsyncToken()}, device,
                                     host)
                   .getAsyncToken();
    replaceInLaunch(host, device);
    if (!readOnlyHost.contains(host) && launchMayWrite(launch, device))
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
    : PassWrapper<StageBuffersForGPUPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(StageBuffersForGPUPass)
  StringRef getArgument() const override {
    return "qblock-stage-buffers-for-gpu";
  }
  StringRef getDescription() const override {
    return "Copy the host buffers each gpu.launch uses to device memory and "
           "the ones it writes back; constant globals are uploaded once per "
           "process";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<arith::ArithDialect, func::FuncDialect, gpu::GPUDialect,
                    LLVM::LLVMDialect, memref::MemRefDialect>();
  }
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches)
      if (failed(stageLaunch(launch, getOperation())))
        return signalPassFailure();
  }
};

} // namespace

std::unique_ptr<Pass> qblock::createStageBuffersForGPUPass() {
  return std::make_unique<StageBuffersForGPUPass>();
}
