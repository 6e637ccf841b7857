/*===- qblock-c/Dialects.h - C API for the qblock dialect ---------*- C -*-===*\
|*                                                                            *|
|* Registers the qblock dialect and passes in an MlirContext and builds its   *|
|* attributes and types, following the conventions of upstream's mlir-c:     *|
|* functions return null handles (check with mlirAttributeIsNull,            *|
|* mlirTypeIsNull) when their arguments are invalid, after emitting a         *|
|* diagnostic on the context. The qblockXIsAY predicates accept null handles; *|
|* every other getter needs a non-null handle of its kind (check first with   *|
|* the predicate), as upstream's mlir-c getters do. The builders load the     *|
|* qblock dialect into their context when it is not loaded yet; builders     *|
|* called from several threads take turns for that, but MLIR does not let    *|
|* other threads use a context while a dialect loads: load it first          *|
|* (mlirDialectHandleLoadDialect) when threads share a context.              *|
|*                                                                            *|
|* libQBlockCAPI.so also carries upstream's core C API (mlir-c/IR.h,          *|
|* mlir-c/Pass.h, mlir-c/RegisterEverything.h), which Debian's libMLIR.so     *|
|* does not export, so a C program needs only -lQBlockCAPI.                   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QBLOCK_C_DIALECTS_H
#define QBLOCK_C_DIALECTS_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// mlirGetDialectHandle__qblock__(): insert into a registry with
/// mlirDialectHandleInsertDialect or load with mlirDialectHandleLoadDialect.
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(QBlock, qblock);

/// Registers every qblock pass and pipeline with the global pass registry
/// (--qblock-quantize-linalg, --qblock-select-formats, --convert-qblock-to-cpu,
/// --qblock-lower-lookups, --qblock-cpu-pipeline, ...), so that
/// mlirParsePassPipeline / mlirOpPassManagerAddPipeline accept their names.
/// Idempotent.
MLIR_CAPI_EXPORTED void qblockRegisterPasses(void);

/// Registers the qblock dialect and every upstream dialect, extension and
/// LLVM IR translation in `registry` (what quant-opt knows), for modules
/// that mix qblock with func/arith/tensor/linalg/memref and for the GPU
/// pipeline, which translates its kernels to LLVM IR.
MLIR_CAPI_EXPORTED void qblockRegisterAllDialects(MlirDialectRegistry registry);

//===----------------------------------------------------------------------===//
// #qblock.book
//===----------------------------------------------------------------------===//

MLIR_CAPI_EXPORTED bool qblockAttributeIsAFormatBook(MlirAttribute attr);

/// A formatbook of `numDialects` dialects; `magnitudes` holds 8 magnitudes in
/// half units per dialect (numDialects * 8 values, dialect after dialect).
/// Null (and a diagnostic) if the table breaks a rule of docs/formats.md 2.3.
MLIR_CAPI_EXPORTED MlirAttribute qblockFormatBookAttrGet(
    MlirContext ctx, intptr_t numDialects, const int64_t *magnitudes);

/// A built-in book: "dialectfp4", "e2m1", "int4" or "int8" (the INT8 book has
/// no dialect tables: 0 dialects); null (and a diagnostic) otherwise.
MLIR_CAPI_EXPORTED MlirAttribute
qblockFormatBookAttrGetBuiltin(MlirContext ctx, MlirStringRef name);

MLIR_CAPI_EXPORTED intptr_t qblockFormatBookAttrGetNumDialects(
    MlirAttribute attr);
/// Magnitude `level` (0..7) of dialect `dialect` (0..numDialects-1), in half
/// units; -1 when either index is out of range.
MLIR_CAPI_EXPORTED int64_t qblockFormatBookAttrGetMagnitude(
    MlirAttribute attr, intptr_t dialect, intptr_t level);

//===----------------------------------------------------------------------===//
// #qblock.scheme
//===----------------------------------------------------------------------===//

MLIR_CAPI_EXPORTED bool qblockAttributeIsAScheme(MlirAttribute attr);

/// A preset scheme: `preset` is "blockdialect", "mxfp4", "nvfp4", "int4" or
/// "int8"; `block` the block size (0 keeps the preset's default: 32, or 16
/// for nvfp4); `twoStage` selects dialects with the two-stage rule instead of
/// MSE. Null (and a diagnostic) for an unknown preset or a bad block size.
MLIR_CAPI_EXPORTED MlirAttribute qblockSchemeAttrGet(MlirContext ctx,
                                                     MlirStringRef preset,
                                                     int64_t block,
                                                     bool twoStage);

/// A scheme with any book: `scale` is "e8m0", "e4m3" or "f16". Null (and a
/// diagnostic) when `book` is not a #qblock.book, the scale kind is unknown
/// or the block size is bad; null without a diagnostic when `book` is null.
MLIR_CAPI_EXPORTED MlirAttribute qblockSchemeAttrGetCustom(
    MlirAttribute book, MlirStringRef scale, int64_t block, bool twoStage);

/// "blockdialect", "mxfp4", "nvfp4", "int4", "int8" or "custom". The string
/// is owned by the library.
MLIR_CAPI_EXPORTED MlirStringRef qblockSchemeAttrGetPresetName(
    MlirAttribute attr);
MLIR_CAPI_EXPORTED MlirAttribute qblockSchemeAttrGetBook(MlirAttribute attr);
/// "e8m0", "e4m3" or "f16". The string is owned by the library.
MLIR_CAPI_EXPORTED MlirStringRef qblockSchemeAttrGetScaleKind(
    MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t qblockSchemeAttrGetBlockSize(MlirAttribute attr);
MLIR_CAPI_EXPORTED bool qblockSchemeAttrIsTwoStage(MlirAttribute attr);
/// Storage bits per element (docs/formats.md section 9).
MLIR_CAPI_EXPORTED double qblockSchemeAttrGetBitsPerElement(
    MlirAttribute attr);

//===----------------------------------------------------------------------===//
// #qblock.bcq
//===----------------------------------------------------------------------===//

MLIR_CAPI_EXPORTED bool qblockAttributeIsABCQScheme(MlirAttribute attr);

/// `bits` in 1..4, `group` a positive multiple of 8. Null (and a diagnostic)
/// otherwise.
MLIR_CAPI_EXPORTED MlirAttribute qblockBCQSchemeAttrGet(MlirContext ctx,
                                                        int64_t bits,
                                                        int64_t group,
                                                        bool offset);
MLIR_CAPI_EXPORTED int64_t qblockBCQSchemeAttrGetBits(MlirAttribute attr);
MLIR_CAPI_EXPORTED int64_t qblockBCQSchemeAttrGetGroup(MlirAttribute attr);
MLIR_CAPI_EXPORTED bool qblockBCQSchemeAttrHasOffset(MlirAttribute attr);
MLIR_CAPI_EXPORTED double qblockBCQSchemeAttrGetBitsPerElement(
    MlirAttribute attr);

//===----------------------------------------------------------------------===//
// !qblock.qtensor
//===----------------------------------------------------------------------===//

MLIR_CAPI_EXPORTED bool qblockTypeIsAQuantizedTensor(MlirType type);

/// !qblock.qtensor<shape x elementType, scheme, axis = axis>: `scheme` is a
/// #qblock.scheme or #qblock.bcq, `elementType` f32, f16 or bf16, dimensions
/// may be dynamic (mlirShapedTypeGetDynamicSize()) except the blocked axis.
/// Null (and a diagnostic) when the type does not verify, `scheme` is null
/// or from another context, or `rank` is below 1; null without a diagnostic
/// when `elementType` is null (there is no context to report to).
MLIR_CAPI_EXPORTED MlirType qblockQuantizedTensorTypeGet(
    intptr_t rank, const int64_t *shape, MlirType elementType,
    MlirAttribute scheme, int64_t axis);

/// The scheme attribute (#qblock.scheme or #qblock.bcq).
MLIR_CAPI_EXPORTED MlirAttribute
qblockQuantizedTensorTypeGetScheme(MlirType type);
MLIR_CAPI_EXPORTED int64_t qblockQuantizedTensorTypeGetAxis(MlirType type);
/// Block size (block schemes) or group size (BCQ) along the axis.
MLIR_CAPI_EXPORTED int64_t
qblockQuantizedTensorTypeGetBlockSize(MlirType type);
/// The tensor type the value dequantizes to.
MLIR_CAPI_EXPORTED MlirType
qblockQuantizedTensorTypeGetExpressedType(MlirType type);
/// Bytes of the packed storage (docs/formats.md); -1 for dynamic shapes.
MLIR_CAPI_EXPORTED int64_t
qblockQuantizedTensorTypeGetStorageBytes(MlirType type);

// Shape and element type: the upstream mlirShapedType* functions apply
// (!qblock.qtensor implements ShapedTypeInterface).

#ifdef __cplusplus
}
#endif

#endif // QBLOCK_C_DIALECTS_H
