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

#include "MatmulStub.h"
#include "../QBlockToCPU/Quantize.h"

#include "qblock/Conversion/Passes.h"
#include "qblock/IR/QBlockOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

namespace qblock {
#define GEN_PASS_DEF_CONVERTMATMULTOGPU
#include "qblock/Conversion/Passes.h.inc"
} // namespace qblock

using namespace mlir;
using namespace qblock;

namespace {

/// The packed bytes behind the weight operand as an i8 tensor, or null when
/// they are not known at this point (a run-time qblock.quantize).
Value packedBytes(ImplicitLocOpBuilder &b, Value weight) {
  if (auto view = weight.getDefiningOp<FromStorageOp>())
    return view.getStorage();
  if (auto constant = weight.getDefiningOp<ConstantOp>())
    return arith::ConstantOp::create(b, cast<TypedAttr>(constant.getData()));
  return Value();
}

/// Whether float activations suit a GPU kernel: f32, f16 or bf16 (the
/// kernels widen half ones as they load them), with a static last
/// dimension, K (the stub's memref types need it; the verifier checks it
/// against the weight).
bool floatActivationsSuitKernel(Value lhs) {
  auto type = dyn_cast<RankedTensorType>(lhs.getType());
  return type && gpustub::isKernelElementType(type.getElementType()) &&
         !type.isDynamicDim(type.getRank() - 1);
}

/// Whether the result and weights suit a GPU kernel: an f32, f16 or bf16
/// result (the kernels sum in f32 and round half results once) whose last
/// dimension is static, weights of static shape whose packed bytes are
/// known here.
bool resultAndWeightsSuitKernel(Value rhs, Type result) {
  auto resultType = dyn_cast<RankedTensorType>(result);
  auto rhsType = dyn_cast<QuantizedTensorType>(rhs.getType());
  return resultType && rhsType &&
         gpustub::isKernelElementType(resultType.getElementType()) &&
         !resultType.isDynamicDim(resultType.getRank() - 1) &&
         rhsType.hasStaticShape() &&
         (rhs.getDefiningOp<FromStorageOp>() || rhs.getDefiningOp<ConstantOp>());
}

/// Whether the W4A4 kernel (quantized activations) gets operands it
/// takes: activations quantized online (act_scheme), by a qblock.quantize,
/// or stored packed, in a scheme the kernel decodes.
bool quantizedActivationsSuitKernel(MatmulOp op) {
  if (op.getActSchemeAttr())
    return floatActivationsSuitKernel(op.getLhs());
  auto lhsType = dyn_cast<QuantizedTensorType>(op.getLhs().getType());
  if (!lhsType || !lhsType.getBlockScheme())
    return false;
  if (auto quantize = op.getLhs().getDefiningOp<QuantizeOp>())
    return floatActivationsSuitKernel(quantize.getInput());
  return op.getLhs().getDefiningOp<FromStorageOp>() ||
         op.getLhs().getDefiningOp<ConstantOp>();
}

/// Whether a GPU matmul kernel computes `op`: block-quantized 4-bit weights
/// (an INT8 right-hand side is an activation: full-path products stay
/// generic) times float activations (W4A16) or quantized ones (W4A4).
bool kernelHandles(MatmulOp op) {
  auto rhsType = dyn_cast<QuantizedTensorType>(op.getRhs().getType());
  if (!rhsType || !rhsType.getBlockScheme() ||
      rhsType.getBlockScheme().toNumerics().book.isInteger())
    return false;
  bool quantizedActs = op.getActSchemeAttr() ||
                       isa<QuantizedTensorType>(op.getLhs().getType());
  return resultAndWeightsSuitKernel(op.getRhs(), op.getType()) &&
         (quantizedActs ? quantizedActivationsSuitKernel(op)
                        : floatActivationsSuitKernel(op.getLhs()));
}

/// Whether the LUT-GEMM GPU kernel computes `op`: BCQ weights, with or
/// without a batch dimension.
bool kernelHandles(LutGemmOp op) {
  auto rhsType = dyn_cast<QuantizedTensorType>(op.getRhs().getType());
  return rhsType && rhsType.getBCQScheme() &&
         floatActivationsSuitKernel(op.getLhs()) &&
         resultAndWeightsSuitKernel(op.getRhs(), op.getType());
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
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      // Empty weights: nothing to launch; the generic lowering returns the
      // init.
      if (auto matmul = dyn_cast<MatmulOp>(op)) {
        if (!matmul.hasEmptyWeight() && kernelHandles(matmul))
          ops.push_back(op);
      } else if (auto lut = dyn_cast<LutGemmOp>(op)) {
        if (!lut.hasEmptyWeight() && kernelHandles(lut))
          ops.push_back(op);
      }
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
    // Run-time quantizations of activations that only W4A4 kernels read
    // (their bytes were quantized in place of the matmul).
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
    replaceByStub(b, op, activations, op.getRhs(), op.getInit(),
                  gpustub::kMatmulStubName, gpustub::kMatmulStubAttr,
                  b.getDictionaryAttr(fields), module, symbols);
  }

  /// The packed bytes of the quantized activations of W4A4 matmul `op`
  /// (kernelHandles holds), and their scheme. Activations quantized at run
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
    if (auto quantize = op.getLhs().getDefiningOp<QuantizeOp>()) {
      Value bytes = *cpu::emitQuantize(b, quantize, quantize.getInput(),
                                       lhsType, module, symbols);
      return {bytes, lhsType.getBlockScheme()};
    }
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
    replaceByStub(b, op, op.getLhs(), op.getRhs(), op.getInit(),
                  gpustub::kLutGemmStubName, gpustub::kLutGemmStubAttr,
                  b.getDictionaryAttr(fields), module, symbols);
  }

  /// Replaces `op` (result = init + lhs * rhs) by a call of a new private
  /// declaration named `name` whose attribute `attrName` holds `fields`.
  void replaceByStub(ImplicitLocOpBuilder &b, Operation *op, Value lhs,
                     Value rhs, Value init, StringRef name, StringRef attrName,
                     DictionaryAttr fields, ModuleOp module,
                     SymbolTable &symbols) {
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    Value bytes = packedBytes(b, rhs);
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
