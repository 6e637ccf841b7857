//===- QBlockTypes.td - qblock types -----------------------*- tablegen -*-===//

#ifndef QBLOCK_IR_QBLOCKTYPES_TD
#define QBLOCK_IR_QBLOCKTYPES_TD

include "qblock/IR/QBlockDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

def QBlock_QuantizedTensorType : TypeDef<QBlock_Dialect, "QuantizedTensor",
    [ShapedTypeInterface]> {
  let mnemonic = "qtensor";
  let summary = "A tensor of quantized values with its logical shape and scheme";
  let description = [{
    The logical view of a quantized tensor: shape, the floating-point type its
    values dequantize to (`f32`, `f16` or `bf16`), the scheme
    (`#qblock.scheme` or `#qblock.bcq`) and the blocked (reduction) axis,
    whose size must be static and a multiple of the block (or group) size.
    Other dimensions may be dynamic.

    ```mlir
    !qblock.qtensor<4096x11008xf32, #qblock.scheme<blockdialect>, axis = 0>
    !qblock.qtensor<?x4096xf16, #qblock.scheme<mxfp4>, axis = 1>
    !qblock.qtensor<4096x4096xf32, #qblock.bcq<bits = 3, group = 128>, axis = 0>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t">:$shape,
    "::mlir::Type":$elementType,
    "::mlir::Attribute":$scheme,
    "int64_t":$axis);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    using ::mlir::ShapedType::Trait<QuantizedTensorType>::getElementTypeBitWidth;
    using ::mlir::ShapedType::Trait<QuantizedTensorType>::getRank;
    using ::mlir::ShapedType::Trait<QuantizedTensorType>::getNumElements;
    using ::mlir::ShapedType::Trait<QuantizedTensorType>::isDynamicDim;
    using ::mlir::ShapedType::Trait<QuantizedTensorType>::hasStaticShape;
    using ::mlir::ShapedType::Trait<QuantizedTensorType>::getNumDynamicDims;
    using ::mlir::ShapedType::Trait<QuantizedTensorType>::getDimSize;
    using ::mlir::ShapedType::Trait<QuantizedTensorType>::getDynamicDimIndex;

    bool hasRank() const { return true; }
    QuantizedTensorType cloneWith(std::optional<::llvm::ArrayRef<int64_t>> shape,
                                  ::mlir::Type elementType) const;

    /// The scheme as a block scheme, or null for BCQ.
    SchemeAttr getBlockScheme() const;
    /// The scheme as a BCQ scheme, or null for block schemes.
    BCQSchemeAttr getBCQScheme() const;
    /// Block size (block schemes) or group size (BCQ) along the axis.
    int64_t getBlockSize() const;
    /// Size of the blocked axis.
    int64_t getAxisSize() const { return getShape()[getAxis()]; }
    /// Rows of the packed layout: vectors along the blocked axis, i.e. the
    /// elements over the axis size (0 when the axis is empty). Static
    /// shapes only.
    int64_t getPackedRows() const {
      int64_t k = getAxisSize();
      return k == 0 ? 0 : getNumElements() / k;
    }
    /// The float tensor type this value dequantizes to.
    ::mlir::RankedTensorType getExpressedType() const;
    /// Bytes of the packed storage (docs/formats.md); static shapes only.
    int64_t getStorageBytes() const;
    /// The block or group maxima the scheme stores without losing
    /// precision (a scale format's or BCQ's half parameters').
    std::optional<::qblock::numerics::StoredRange> getStoredRange() const;
  }];
}

#endif // QBLOCK_IR_QBLOCKTYPES_TD
