//===- QBlockToCPU.cpp - qblock ops to CPU loop nests ---------------------===//
//
// Runs before bufferization. Quantized values are reduced to their packed
// bytes (qblock.from_storage of an i8 tensor), then every consumer becomes a
// loop nest over bufferization.to_buffer views that writes a fresh buffer,
// handed back to tensor land with bufferization.to_tensor. One-shot
// bufferization then handles everything else in the module.
//
// This file is the pass: it checks the options and does the rewrites that
// need no kernel, and hands each op that does to CPULowering, whose parts
// CPULowering.h lists.
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"
#include "Quantize.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/IR/QBlockOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

namespace qblock {
#define GEN_PASS_DEF_CONVERTQBLOCKTOCPU
#include "qblock/Conversion/Passes.h.inc"
} // namespace qblock

using namespace mlir;
using namespace qblock;
using namespace qblock::cpu;

namespace {

constexpr const char *kCrossingMessage =
    "cannot lower a quantized value used here; quantized tensors must not "
    "cross function boundaries: pass packed bytes as tensor<Nxi8> and view "
    "them with qblock.from_storage";

} // namespace

bool qblock::isCPUTarget(StringRef name) {
  return succeeded(TargetInfo::resolve(name));
}

bool qblock::isLutTablePrecision(StringRef name) {
  return name == "f32" || name == "i8";
}

bool qblock::lutGemmTakesI8Tables(int64_t k, int64_t n, int64_t group) {
  return CPULowering::lutChunkedPath(k, n, group);
}

namespace {

struct ConvertQBlockToCPUPass
    : public qblock::impl::ConvertQBlockToCPUBase<ConvertQBlockToCPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<TargetInfo> resolved = TargetInfo::resolve(target);
    if (failed(resolved)) {
      emitError(module.getLoc())
          << "--convert-qblock-to-cpu: unknown target '" << target
          << "'; use generic, avx2, avx512 or host";
      return signalPassFailure();
    }
    if (w4a4TileRows < 0) {
      emitError(module.getLoc())
          << "--convert-qblock-to-cpu: w4a4-tile-rows must be at least 0 "
             "(0: chosen per kernel), got "
          << static_cast<int64_t>(w4a4TileRows);
      return signalPassFailure();
    }
    if (!isLutTablePrecision(lutTables)) {
      emitError(module.getLoc())
          << "--convert-qblock-to-cpu: unknown lut-tables '" << lutTables
          << "'; use f32 or i8";
      return signalPassFailure();
    }
    // Sizes a run-time quantize or a view of packed bytes leaves dynamic
    // where its result is static are checked before anything reads them
    // (a wrong size wrote or read out of bounds); the operands are then
    // cast to the checked sizes.
    emitQuantizedOperandShapeChecks(getOperation());
    // So are the sizes the products' types leave dynamic (a K other than
    // the weight's read out of bounds), here, while a run-time quantize
    // still says which tensor quantized activations come from.
    getOperation()->walk([&](Operation *op) {
      if (isa<MatmulOp, LutGemmOp>(op)) {
        OpBuilder checks(op);
        emitRuntimeShapeChecks(checks, op);
      }
    });

    // Tables and helper functions go into the module an op sits in, which
    // need not be this one: symbol references resolve in the nearest symbol
    // table, so an op in a nested module cannot see the outer one's globals.
    llvm::DenseMap<Operation *, std::unique_ptr<CPULowering>> lowerings;
    auto loweringFor = [&](Operation *op) -> CPULowering & {
      auto parent = op->getParentOfType<ModuleOp>();
      std::unique_ptr<CPULowering> &slot = lowerings[parent];
      if (!slot)
        slot = std::make_unique<CPULowering>(
            parent, *resolved, target, w4a4TileRows, lutTables, kernelRemarks);
      return *slot;
    };

    // 1. Packed constants become byte constants viewed through from_storage.
    module.walk([&](ConstantOp op) {
      OpBuilder b(op);
      auto bytes = arith::ConstantOp::create(b, op.getLoc(),
                                             cast<TypedAttr>(op.getData()));
      Value view =
          FromStorageOp::create(b, op.getLoc(), op.getType(), bytes);
      op.replaceAllUsesWith(view);
      op.erase();
    });

    // Quantized values in signatures have no byte representation to lower.
    bool failedAny = false;
    module.walk([&](FunctionOpInterface func) {
      if (llvm::any_of(func.getArgumentTypes(),
                       llvm::IsaPred<QuantizedTensorType>) ||
          llvm::any_of(func.getResultTypes(),
                       llvm::IsaPred<QuantizedTensorType>)) {
        func.emitError(kCrossingMessage);
        failedAny = true;
      }
    });
    if (failedAny)
      return signalPassFailure();

    // Run-time quantization produces packed bytes too.
    module.walk([&](QuantizeOp op) {
      ImplicitLocOpBuilder b(op.getLoc(), op);
      CPULowering &lowering = loweringFor(op);
      FailureOr<Value> bytes = emitQuantize(b, op, op.getInput(), op.getType(),
                                            lowering.module, *lowering.symbols);
      if (failed(bytes)) {
        failedAny = true;
        return;
      }
      auto view = FromStorageOp::create(b, op.getType(), *bytes);
      lowering.logicalSizes[view.getResult()] = dimSizes(b, op.getInput());
      op.replaceAllUsesWith(view.getResult());
      op.erase();
    });
    if (failedAny)
      return signalPassFailure();

    // 2. Consumers of packed bytes become loop nests. A product with an
    // empty weight (K, N or the batch 0) sums nothing: its result is the
    // init, and the kernels, which assume whole blocks and rows, never see
    // it.
    module.walk([&](Operation *op) {
      auto matmul = dyn_cast<MatmulOp>(op);
      auto lutGemm = dyn_cast<LutGemmOp>(op);
      if ((matmul && matmul.hasEmptyWeight()) ||
          (lutGemm && lutGemm.hasEmptyWeight())) {
        op->replaceAllUsesWith(ValueRange{
            cast<DestinationStyleOpInterface>(op).getDpsInits().front()});
        op->erase();
        return;
      }
      if (!isa<MatmulOp, DequantizeOp, LutGemmOp>(op))
        return;
      CPULowering &lowering = loweringFor(op);
      LogicalResult result =
          TypeSwitch<Operation *, LogicalResult>(op)
              .Case<MatmulOp>(
                  [&](MatmulOp m) { return lowering.lowerMatmul(m); })
              .Case<DequantizeOp>(
                  [&](DequantizeOp d) { return lowering.lowerDequantize(d); })
              .Case<LutGemmOp>(
                  [&](LutGemmOp l) { return lowering.lowerLutGemm(l); })
              .Default([](Operation *) { return success(); });
      failedAny |= failed(result);
    });
    if (failedAny)
      return signalPassFailure();

    // 3. Views nobody reads any more go; anything left is unsupported.
    module.walk([&](FromStorageOp op) {
      if (op->use_empty())
        op.erase();
    });
    WalkResult leftover = module.walk([&](Operation *op) {
      // Lookups are ours to emit; --qblock-lower-lookups lowers them.
      if (isa<LookupOp, DotBytesOp, DotBF16Op>(op))
        return WalkResult::advance();
      if (isa_and_nonnull<QBlockDialect>(op->getDialect()) ||
          llvm::any_of(op->getOperandTypes(), llvm::IsaPred<QuantizedTensorType>) ||
          llvm::any_of(op->getResultTypes(), llvm::IsaPred<QuantizedTensorType>)) {
        op->emitError(kCrossingMessage);
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (leftover.wasInterrupted())
      return signalPassFailure();
  }
};

} // namespace
