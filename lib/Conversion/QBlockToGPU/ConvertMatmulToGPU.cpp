//===- ConvertMatmulToGPU.cpp - Matmuls to GPU kernel stubs ---------------===//
//
// The first half of the GPU matmul lowering (MatmulStub.h), for W4A16 and
// W4A4 qblock.matmul and BCQ qblock.lut_gemm. It works on tensors so that it can
// take the ops before convert-qblock-to-cpu does, and leaves a stub call
// instead of the kernel because the kernel cannot exist yet: buffer
// deallocation, which runs after bufferization, rejects ops without
// declared memory effects such as gpu.barrier. The call has memref operands
// only, so bufferization and deallocation treat it like any external
// function call, and qblock-gpu-matmul-kernels builds the kernel in its
// place afterwards.
//
// Everything this pass does not take stays a qblock op and goes through the
// generic loop nests of the first GPU pipeline.
//
//===----------------------------------------------------------------------===//

#include "../KernelRemarks.h"
#include "../QBlockToCPU/Quantize.h"
#include "LutGemmKernel.h"
#include "MatmulStub.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/IR/QBlockOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/Remarks.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Support/DebugStringHelper.h"

namespace qblock {
#define GEN_PASS_DEF_CONVERTMATMULTOGPU
#include "qblock/Conversion/Passes.h.inc"
} // namespace qblock

using namespace mlir;
using namespace qblock;

namespace {

/// The packed bytes behind the weight operand as an i8 tensor, or null when
/// they are not known at this point (a run-time qblock.quantize, whose
/// bytes ConvertMatmulToGPUPass::runTimeBytes makes).
Value packedBytes(ImplicitLocOpBuilder &b, Value weight) {
  if (auto view = weight.getDefiningOp<FromStorageOp>())
    return view.getStorage();
  if (auto constant = weight.getDefiningOp<ConstantOp>())
    return arith::ConstantOp::create(b, cast<TypedAttr>(constant.getData()));
  return Value();
}

/// Why float activations do not suit a GPU kernel, or "" when they do:
/// f32, f16 or bf16 (the kernels widen half ones as they load them), with
/// a static last dimension, K (the stub's memref types need it; the
/// verifier checks it against the weight).
std::string floatActivationsMismatch(Value lhs) {
  auto type = dyn_cast<RankedTensorType>(lhs.getType());
  if (!type || !gpustub::isKernelElementType(type.getElementType()))
    return "its activations are " + debugString(lhs.getType()) +
           "; the kernels take f32, f16 or bf16";
  if (type.isDynamicDim(type.getRank() - 1))
    return "its activations' K is dynamic (" + debugString(type) +
           "); the kernels take a static K";
  return "";
}

/// Why the result and weights do not suit a GPU kernel, or "": an f32, f16
/// or bf16 result (the kernels sum in f32 and round half results once)
/// whose last dimension is static, weights of static shape whose packed
/// bytes are known here or, for block schemes, made here by the run-time
/// quantizer (`runTimeQuantized`: matmul weights; BCQ has no run-time
/// quantizer).
std::string resultAndWeightsMismatch(Value rhs, Type result,
                                     bool runTimeQuantized) {
  auto resultType = dyn_cast<RankedTensorType>(result);
  auto rhsType = dyn_cast<QuantizedTensorType>(rhs.getType());
  if (!resultType || !gpustub::isKernelElementType(resultType.getElementType()))
    return "its result is " + debugString(result) +
           "; the kernels write f32, f16 or bf16";
  if (resultType.isDynamicDim(resultType.getRank() - 1))
    return "its result's N is dynamic";
  if (!rhsType || !rhsType.hasStaticShape())
    return "its weight's shape is not static";
  if (rhs.getDefiningOp<QuantizeOp>())
    return runTimeQuantized
               ? ""
               : "its BCQ weight is quantized at run time; the LUT-GEMM "
                 "kernel reads packed bytes (a qblock.constant or "
                 "qblock.from_storage, e.g. from --qblock-select-formats)";
  if (!rhs.getDefiningOp<FromStorageOp>() && !rhs.getDefiningOp<ConstantOp>())
    return "its weight comes from neither packed bytes (a qblock.constant "
           "or qblock.from_storage) nor a qblock.quantize";
  return "";
}

/// Why the W4A4 kernel (quantized activations) does not get operands it
/// takes, or "": activations quantized online (act_scheme), by a
/// qblock.quantize, or stored packed, in a scheme the kernel decodes.
std::string quantizedActivationsMismatch(MatmulOp op) {
  if (op.getActSchemeAttr())
    return floatActivationsMismatch(op.getLhs());
  auto lhsType = dyn_cast<QuantizedTensorType>(op.getLhs().getType());
  if (!lhsType || !lhsType.getBlockScheme())
    return "its activations are not block-quantized";
  if (auto quantize = op.getLhs().getDefiningOp<QuantizeOp>())
    return floatActivationsMismatch(quantize.getInput());
  if (!op.getLhs().getDefiningOp<FromStorageOp>() &&
      !op.getLhs().getDefiningOp<ConstantOp>())
    return "its quantized activations come from neither a qblock.quantize "
           "nor packed bytes";
  // The kernel would take the rows from the result, and nothing says how
  // many the bytes hold (it read past them); the generic lowering refuses
  // such a view, as the CPU's does.
  if (!lhsType.hasStaticShape())
    return "its packed activations have a dynamic shape";
  return "";
}

/// Why no GPU matmul kernel computes `op`, or "" when one does:
/// block-quantized 4-bit weights (an INT8 right-hand side is an
/// activation: full-path products stay generic) times float activations
/// (W4A16) or quantized ones (W4A4).
std::string kernelMismatch(MatmulOp op) {
  auto rhsType = dyn_cast<QuantizedTensorType>(op.getRhs().getType());
  if (!rhsType || !rhsType.getBlockScheme())
    return "its weight is not block-quantized";
  if (rhsType.getBlockScheme().toNumerics().book.isInteger())
    return "its right-hand side is INT8 (an activation-by-activation "
           "product of full-path quantization)";
  std::string why = resultAndWeightsMismatch(op.getRhs(), op.getType(),
                                             /*runTimeQuantized=*/true);
  if (!why.empty())
    return why;
  bool quantizedActs = op.getActSchemeAttr() ||
                       isa<QuantizedTensorType>(op.getLhs().getType());
  return quantizedActs ? quantizedActivationsMismatch(op)
                       : floatActivationsMismatch(op.getLhs());
}

/// Why the LUT-GEMM GPU kernel does not compute `op`, or "": BCQ weights,
/// with or without a batch dimension.
std::string kernelMismatch(LutGemmOp op) {
  std::string why = resultAndWeightsMismatch(op.getRhs(), op.getType(),
                                             /*runTimeQuantized=*/false);
  if (!why.empty())
    return why;
  // One grid row per chunk of K: beyond the grid's 65535 the launch would
  // fail on the GPU (the kernel's docs said so; nothing checked it).
  auto rhsType = cast<QuantizedTensorType>(op.getRhs().getType());
  int64_t k = rhsType.getShape()[rhsType.getAxis()];
  if (k > gpustub::lutGemmKernelMaxK())
    return "its K of " + std::to_string(k) +
           " inputs is more than the kernel's " +
           std::to_string(gpustub::lutGemmKernelMaxK()) +
           " (one grid row per 256 inputs, at most 65535 rows)";
  return floatActivationsMismatch(op.getLhs());
}

/// memref.alloc with the shape of `tensor` (dynamic sizes from tensor.dim),
/// filled with its value by a materialize_in_destination, which one-shot
/// bufferization orders against in-place writes elsewhere (a to_buffer view
/// of a small operand would not be).
Value copyToBuffer(ImplicitLocOpBuilder &b, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> dynamicSizes;
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    if (type.isDynamicDim(dim))
      dynamicSizes.push_back(tensor::DimOp::create(b, tensor, dim));
  Value buffer = memref::AllocOp::create(
      b, MemRefType::get(type.getShape(), type.getElementType()),
      dynamicSizes, b.getI64IntegerAttr(64));
  bufferization::MaterializeInDestinationOp::create(
      b, /*result=*/Type(), tensor, buffer, /*restrict=*/true,
      /*writable=*/true);
  return buffer;
}

struct ConvertMatmulToGPUPass
    : public qblock::impl::ConvertMatmulToGPUBase<ConvertMatmulToGPUPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    quantizedBytes.clear();
    // As convert-qblock-to-cpu does: sizes a quantize or a view of packed
    // bytes leaves to run time are checked on the host first (the kernels
    // read the bytes these ops give), and their operands cast to them.
    emitQuantizedOperandShapeChecks(module);
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      // Empty weights: nothing to launch; the generic lowering returns the
      // init.
      std::string why;
      if (auto matmul = dyn_cast<MatmulOp>(op)) {
        if (matmul.hasEmptyWeight())
          return;
        why = kernelMismatch(matmul);
      } else if (auto lut = dyn_cast<LutGemmOp>(op)) {
        if (lut.hasEmptyWeight())
          return;
        why = kernelMismatch(lut);
      } else {
        return;
      }
      if (why.empty()) {
        ops.push_back(op);
        return;
      }
      // Optimization remarks (--remarks-filter='qblock.*'): a matmul no kernel
      // takes runs as the generic loop nests, one GPU thread per output,
      // and nothing else says so.
      remark::missed(op->getLoc(),
                     kernelRemark(op, kGPUKernelRemarks, "generic-loop-nests"))
          << remark::add("{0} runs as generic loop nests (one GPU thread per "
                         "output), not a GPU kernel",
                         op->getName().getStringRef())
          << remark::reason("{0}", why);
    });
    for (Operation *op : ops) {
      // As convert-qblock-to-cpu does for the ops it lowers: a size the
      // types leave dynamic is checked on the host before the launch.
      OpBuilder checks(op);
      emitRuntimeShapeChecks(checks, op);
      if (auto matmul = dyn_cast<MatmulOp>(op))
        convert(matmul, module, symbols);
      else
        convert(cast<LutGemmOp>(op), module, symbols);
    }
    // Quantized constants nobody reads any more (convert-qblock-to-cpu would
    // turn them into byte constants that nothing uses).
    module.walk([](ConstantOp op) {
      if (op->use_empty())
        op.erase();
    });
    module.walk([](FromStorageOp op) {
      if (op->use_empty())
        op.erase();
    });
    // Run-time quantizations that only kernels read (their bytes were
    // quantized by runTimeBytes).
    module.walk([](QuantizeOp op) {
      if (op->use_empty())
        op.erase();
    });
  }

  void convert(MatmulOp op, ModuleOp module, SymbolTable &symbols) {
    ImplicitLocOpBuilder b(op.getLoc(), op);
    auto rhsType = cast<QuantizedTensorType>(op.getRhs().getType());
    int64_t rank = rhsType.getRank();
    bool transposed = rhsType.getAxis() == rank - 1;
    ArrayRef<int64_t> shape = rhsType.getShape();
    int64_t n = transposed ? shape[rank - 2] : shape[rank - 1];
    SmallVector<NamedAttribute> fields = {
        b.getNamedAttr("batch", b.getI64IntegerAttr(rank == 3 ? shape[0] : 1)),
        b.getNamedAttr("k", b.getI64IntegerAttr(rhsType.getAxisSize())),
        b.getNamedAttr("n", b.getI64IntegerAttr(n)),
        b.getNamedAttr("scheme", rhsType.getBlockScheme())};
    Value activations = op.getLhs();
    if (op.getActSchemeAttr() ||
        isa<QuantizedTensorType>(op.getLhs().getType())) {
      // W4A4: the kernel reads the activations' packed bytes.
      auto [bytes, actScheme] = quantizedActivationBytes(b, op, module, symbols);
      activations = bytes;
      fields.push_back(b.getNamedAttr("act_scheme", actScheme));
    }
    Value weights = weightBytes(b, op.getRhs(), module, symbols);
    replaceByStub(b, op, activations, weights, op.getInit(),
                  gpustub::kMatmulStubName, gpustub::kMatmulStubAttr,
                  b.getDictionaryAttr(fields), module, symbols);
  }

  /// The packed bytes of matmul weight `weight` (kernelMismatch is empty):
  /// a weight quantized at run time (attention's K or V, a product of two
  /// activations under full-path quantization) gets the run-time
  /// quantizer's loops, mapped to the GPU like every generic loop nest, as
  /// quantized activations do; its bytes then have the type's size.
  Value weightBytes(ImplicitLocOpBuilder &b, Value weight, ModuleOp module,
                    SymbolTable &symbols) {
    if (auto quantize = weight.getDefiningOp<QuantizeOp>())
      return runTimeBytes(quantize, module, symbols);
    return packedBytes(b, weight);
  }

  /// The bytes of `quantize` (a block scheme), by the run-time quantizer's
  /// loops right after it, so that every matmul that reads it shares them;
  /// cast to the size its type gives where that is static (weights; the
  /// rows of activations may be dynamic). Where the type is static, every
  /// other use of `quantize` then reads a view of those bytes: a
  /// dequantize, or a matmul that runs as loop nests, used to quantize the
  /// same tensor a second time. (A view of dynamic shape would not say its
  /// sizes, which the generic lowering needs: such uses keep the quantize.)
  Value runTimeBytes(QuantizeOp quantize, ModuleOp module,
                     SymbolTable &symbols) {
    auto [it, inserted] = quantizedBytes.try_emplace(quantize, Value());
    if (!inserted)
      return it->second;
    ImplicitLocOpBuilder b(quantize.getLoc(), quantize->getBlock(),
                           std::next(quantize->getIterator()));
    auto type = cast<QuantizedTensorType>(quantize.getType());
    // Cannot fail: every block scheme has a run-time quantizer.
    Value bytes = *cpu::emitQuantize(b, quantize, quantize.getInput(), type,
                                     module, symbols);
    if (type.hasStaticShape()) {
      bytes = tensor::CastOp::create(
          b, RankedTensorType::get({type.getStorageBytes()}, b.getI8Type()),
          bytes);
      quantize.getResult().replaceAllUsesWith(
          FromStorageOp::create(b, type, bytes));
    }
    it->second = bytes;
    return bytes;
  }

  /// runTimeBytes' bytes per qblock.quantize, for the module being run on.
  DenseMap<Operation *, Value> quantizedBytes;

  /// The packed bytes of the quantized activations of W4A4 matmul `op`
  /// (kernelMismatch is empty), and their scheme. Activations quantized at run
  /// time get the run-time quantizer's loops (scf.parallel over rows and
  /// block pairs, mapped to the GPU like every generic loop nest).
  std::pair<Value, SchemeAttr>
  quantizedActivationBytes(ImplicitLocOpBuilder &b, MatmulOp op,
                           ModuleOp module, SymbolTable &symbols) {
    if (SchemeAttr fused = op.getActSchemeAttr()) {
      auto lhsType = cast<RankedTensorType>(op.getLhs().getType());
      auto actType = QuantizedTensorType::get(
          op.getContext(), lhsType.getShape(), lhsType.getElementType(), fused,
          lhsType.getRank() - 1);
      // Cannot fail: every block scheme has a run-time quantizer.
      Value bytes =
          *cpu::emitQuantize(b, op, op.getLhs(), actType, module, symbols);
      return {bytes, fused};
    }
    auto lhsType = cast<QuantizedTensorType>(op.getLhs().getType());
    if (auto quantize = op.getLhs().getDefiningOp<QuantizeOp>())
      return {runTimeBytes(quantize, module, symbols),
              lhsType.getBlockScheme()};
    return {packedBytes(b, op.getLhs()), lhsType.getBlockScheme()};
  }

  void convert(LutGemmOp op, ModuleOp module, SymbolTable &symbols) {
    ImplicitLocOpBuilder b(op.getLoc(), op);
    auto rhsType = cast<QuantizedTensorType>(op.getRhs().getType());
    int64_t rank = rhsType.getRank();
    bool transposed = rhsType.getAxis() == rank - 1;
    ArrayRef<int64_t> shape = rhsType.getShape();
    int64_t n = transposed ? shape[rank - 2] : shape[rank - 1];
    SmallVector<NamedAttribute> fields = {
        b.getNamedAttr("bcq", rhsType.getBCQScheme()),
        b.getNamedAttr("k", b.getI64IntegerAttr(rhsType.getAxisSize())),
        b.getNamedAttr("n", b.getI64IntegerAttr(n))};
    // Only batched stubs carry a batch: its presence says that activations
    // and output lead with it.
    if (rank == 3)
      fields.push_back(
          b.getNamedAttr("batch", b.getI64IntegerAttr(shape[0])));
    replaceByStub(b, op, op.getLhs(), packedBytes(b, op.getRhs()), op.getInit(),
                  gpustub::kLutGemmStubName, gpustub::kLutGemmStubAttr,
                  b.getDictionaryAttr(fields), module, symbols);
  }

  /// Replaces `op` (result = init + lhs * rhs, with `bytes` the packed
  /// bytes of rhs) by a call of a new private declaration named `name`
  /// whose attribute `attrName` holds `fields`.
  void replaceByStub(ImplicitLocOpBuilder &b, Operation *op, Value lhs,
                     Value bytes, Value init, StringRef name,
                     StringRef attrName, DictionaryAttr fields, ModuleOp module,
                     SymbolTable &symbols) {
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    auto bytesType = cast<RankedTensorType>(bytes.getType());
    Value packed = bufferization::ToBufferOp::create(
        b, MemRefType::get(bytesType.getShape(), bytesType.getElementType()),
        bytes, /*read_only=*/true);
    Value activations = copyToBuffer(b, lhs);
    Value out = copyToBuffer(b, init);

    auto stubType = FunctionType::get(
        op->getContext(),
        {packed.getType(), activations.getType(), out.getType()}, {});
    func::FuncOp stub;
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(module.getBody());
      stub = func::FuncOp::create(b, name, stubType);
      stub.setPrivate();
      stub->setAttr(attrName, fields);
    }
    symbols.insert(stub);
    func::CallOp::create(b, stub, ValueRange{packed, activations, out});
    Value result = bufferization::ToTensorOp::create(
        b, resultType, out, /*restrict=*/true, /*writable=*/true);
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
  }
};

} // namespace
