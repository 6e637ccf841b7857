/*===- qblock-capi-test.c - Exercises include/qblock-c from plain C -------===*\
|* Run by capi.test, which checks this output with the CHECK lines below.    *|
\*===----------------------------------------------------------------------===*/

#include "qblock-c/Dialects.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/Diagnostics.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void printToStdout(MlirStringRef s, void *userData) {
  (void)userData;
  fwrite(s.data, 1, s.length, stdout);
}

static MlirLogicalResult printDiagnostic(MlirDiagnostic diag, void *userData) {
  (void)userData;
  fputs("diagnostic: ", stdout);
  mlirDiagnosticPrint(diag, printToStdout, NULL);
  fputs("\n", stdout);
  return mlirLogicalResultSuccess();
}

#define CHECK_OR_DIE(cond)                                                     \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

static MlirStringRef str(const char *s) { return mlirStringRefCreateFromCString(s); }

// main() prints this first:
// CHECK: namespace: qblock loaded: 1

static void testAttributesAndTypes(MlirContext ctx) {
  // CHECK-LABEL: attributes and types
  puts("attributes and types");
  MlirAttribute bd = qblockSchemeAttrGet(ctx, str("blockdialect"), 0, false);
  CHECK_OR_DIE(qblockAttributeIsAScheme(bd));
  // CHECK: #qblock.scheme<blockdialect> block=32 bits=4.375 twoStage=0 preset=blockdialect scale=e8m0 dialects=16
  mlirAttributePrint(bd, printToStdout, NULL);
  MlirStringRef preset = qblockSchemeAttrGetPresetName(bd);
  MlirStringRef scale = qblockSchemeAttrGetScaleKind(bd);
  printf(" block=%lld bits=%.3f twoStage=%d preset=%.*s scale=%.*s dialects=%ld\n",
         (long long)qblockSchemeAttrGetBlockSize(bd),
         qblockSchemeAttrGetBitsPerElement(bd), qblockSchemeAttrIsTwoStage(bd),
         (int)preset.length, preset.data, (int)scale.length, scale.data,
         (long)qblockFormatBookAttrGetNumDialects(qblockSchemeAttrGetBook(bd)));

  // CHECK: #qblock.scheme<blockdialect, block = 64, select = two_stage>
  MlirAttribute bd64 = qblockSchemeAttrGet(ctx, str("blockdialect"), 64, true);
  mlirAttributePrint(bd64, printToStdout, NULL);
  puts("");
  // CHECK: #qblock.scheme<nvfp4> bits=4.500
  MlirAttribute nv = qblockSchemeAttrGet(ctx, str("nvfp4"), 0, false);
  mlirAttributePrint(nv, printToStdout, NULL);
  printf(" bits=%.3f\n", qblockSchemeAttrGetBitsPerElement(nv));

  // A custom one-dialect book that is not a preset.
  int64_t table[8] = {0, 1, 2, 3, 4, 5, 6, 8};
  MlirAttribute book = qblockFormatBookAttrGet(ctx, 1, table);
  CHECK_OR_DIE(qblockAttributeIsAFormatBook(book));
  CHECK_OR_DIE(qblockFormatBookAttrGetMagnitude(book, 0, 7) == 8);
  MlirAttribute custom = qblockSchemeAttrGetCustom(book, str("e8m0"), 32, false);
  // CHECK: #qblock.scheme<book = #qblock.book<{{\[\[}}0, 1, 2, 3, 4, 5, 6, 8]]>, scale = e8m0> preset=custom
  mlirAttributePrint(custom, printToStdout, NULL);
  preset = qblockSchemeAttrGetPresetName(custom);
  printf(" preset=%.*s\n", (int)preset.length, preset.data);

  // CHECK: #qblock.bcq<bits = 3, group = 128> bits=3 group=128 offset=1 bpe=3.500
  MlirAttribute bcq = qblockBCQSchemeAttrGet(ctx, 3, 128, true);
  CHECK_OR_DIE(qblockAttributeIsABCQScheme(bcq));
  CHECK_OR_DIE(!qblockAttributeIsAScheme(bcq));
  mlirAttributePrint(bcq, printToStdout, NULL);
  printf(" bits=%lld group=%lld offset=%d bpe=%.3f\n",
         (long long)qblockBCQSchemeAttrGetBits(bcq),
         (long long)qblockBCQSchemeAttrGetGroup(bcq),
         qblockBCQSchemeAttrHasOffset(bcq),
         qblockBCQSchemeAttrGetBitsPerElement(bcq));

  int64_t shape[2] = {64, 16};
  MlirType f32 = mlirF32TypeGet(ctx);
  MlirType q = qblockQuantizedTensorTypeGet(2, shape, f32, bd, 0);
  CHECK_OR_DIE(qblockTypeIsAQuantizedTensor(q));
  CHECK_OR_DIE(mlirTypeIsAShaped(q));
  // CHECK: !qblock.qtensor<64x16xf32, #qblock.scheme<blockdialect>, axis = 0> rank=2 axis=0 block=32 bytes=640 expressed=tensor<64x16xf32>
  mlirTypePrint(q, printToStdout, NULL);
  printf(" rank=%ld axis=%lld block=%lld bytes=%lld expressed=",
         (long)mlirShapedTypeGetRank(q),
         (long long)qblockQuantizedTensorTypeGetAxis(q),
         (long long)qblockQuantizedTensorTypeGetBlockSize(q),
         (long long)qblockQuantizedTensorTypeGetStorageBytes(q));
  mlirTypePrint(qblockQuantizedTensorTypeGetExpressedType(q), printToStdout,
                NULL);
  puts("");
  CHECK_OR_DIE(mlirAttributeEqual(qblockQuantizedTensorTypeGetScheme(q), bd));

  // Dynamic rows, and a round trip through the parser.
  int64_t dynShape[2] = {mlirShapedTypeGetDynamicSize(), 256};
  MlirType dyn = qblockQuantizedTensorTypeGet(2, dynShape, f32, bcq, 1);
  // CHECK: !qblock.qtensor<?x256xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1> bytes=-1 parsed-equal=1
  mlirTypePrint(dyn, printToStdout, NULL);
  MlirType parsed = mlirTypeParseGet(
      ctx, str("!qblock.qtensor<?x256xf32, #qblock.bcq<bits = 3, group = 128>, axis = 1>"));
  printf(" bytes=%lld parsed-equal=%d\n",
         (long long)qblockQuantizedTensorTypeGetStorageBytes(dyn),
         mlirTypeEqual(parsed, dyn));
}

static void testInvalid(MlirContext ctx) {
  // CHECK-LABEL: invalid arguments
  puts("invalid arguments");
  // CHECK: diagnostic: unknown scheme 'fp3'; expected blockdialect, mxfp4, nvfp4, int4 or int8
  CHECK_OR_DIE(mlirAttributeIsNull(qblockSchemeAttrGet(ctx, str("fp3"), 0, false)));
  // CHECK: diagnostic: {{.*}}block{{.*}}
  CHECK_OR_DIE(mlirAttributeIsNull(qblockSchemeAttrGet(ctx, str("mxfp4"), 3, false)));
  // CHECK: diagnostic: BCQ bits must be in 1..4, got 9
  CHECK_OR_DIE(mlirAttributeIsNull(qblockBCQSchemeAttrGet(ctx, 9, 128, true)));
  // CHECK: diagnostic: invalid formatbook: dialect 0 must start at 0 so zero is representable
  int64_t bad[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  CHECK_OR_DIE(mlirAttributeIsNull(qblockFormatBookAttrGet(ctx, 1, bad)));
  // CHECK: diagnostic: axis 0 has size 48, which is not a multiple of the block
  // size 32; use a block size that divides 48 (the largest below 32 is 24)
  int64_t shape[2] = {48, 16};
  MlirAttribute bd = qblockSchemeAttrGet(ctx, str("blockdialect"), 0, false);
  CHECK_OR_DIE(mlirTypeIsNull(
      qblockQuantizedTensorTypeGet(2, shape, mlirF32TypeGet(ctx), bd, 0)));
  // An empty table is how the INT8 book is stored, never a user's book.
  // CHECK: diagnostic: a formatbook needs 1 to 16 dialects, got 0
  CHECK_OR_DIE(mlirAttributeIsNull(qblockFormatBookAttrGet(ctx, 0, bad)));
  // A count whose size in magnitudes wraps around (x 8 levels): 2^61 read
  // no magnitudes and made the INT8 book, 2^61 + 1 a one-dialect book.
  // CHECK: diagnostic: a formatbook needs 1 to 16 dialects, got
  // 2305843009213693952
  CHECK_OR_DIE(mlirAttributeIsNull(
      qblockFormatBookAttrGet(ctx, (intptr_t)1 << 61, bad)));
  // CHECK: diagnostic: a formatbook needs 1 to 16 dialects, got 17
  CHECK_OR_DIE(mlirAttributeIsNull(qblockFormatBookAttrGet(ctx, 17, bad)));
  // CHECK: diagnostic: a quantized tensor type needs a scheme (#qblock.scheme or #qblock.bcq), got a null attribute
  CHECK_OR_DIE(mlirTypeIsNull(qblockQuantizedTensorTypeGet(
      2, shape, mlirF32TypeGet(ctx), mlirAttributeGetNull(), 0)));
  // CHECK: diagnostic: a quantized tensor type needs rank 1 or more, got -1
  CHECK_OR_DIE(mlirTypeIsNull(
      qblockQuantizedTensorTypeGet(-1, shape, mlirF32TypeGet(ctx), bd, 0)));
  puts("invalid done");
  // CHECK: invalid done
}

static void testRobustness(MlirContext ctx) {
  // CHECK-LABEL: robustness
  puts("robustness");
  // Builders on a context whose registry knows qblock but has not loaded
  // it (they crashed in FormatBookAttr::get).
  MlirContext fresh = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  qblockRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(fresh, registry);
  mlirDialectRegistryDestroy(registry);
  MlirAttribute nv = qblockSchemeAttrGet(fresh, str("nvfp4"), 0, false);
  MlirAttribute bcq = qblockBCQSchemeAttrGet(fresh, 2, 64, true);
  MlirAttribute int8 = qblockFormatBookAttrGetBuiltin(fresh, str("int8"));
  CHECK_OR_DIE(qblockAttributeIsAScheme(nv) &&
               qblockAttributeIsABCQScheme(bcq) &&
               qblockAttributeIsAFormatBook(int8));
  // CHECK: fresh context: #qblock.scheme<nvfp4> #qblock.bcq<bits = 2, group =
  // 64> int8 dialects=0 magnitude(0,0)=-1
  fputs("fresh context: ", stdout);
  mlirAttributePrint(nv, printToStdout, NULL);
  fputs(" ", stdout);
  mlirAttributePrint(bcq, printToStdout, NULL);
  printf(" int8 dialects=%ld magnitude(0,0)=%lld\n",
         (long)qblockFormatBookAttrGetNumDialects(int8),
         (long long)qblockFormatBookAttrGetMagnitude(int8, 0, 0));

  // Indices out of range, and predicates on null handles.
  MlirAttribute fp4 = qblockFormatBookAttrGetBuiltin(ctx, str("dialectfp4"));
  // CHECK: magnitudes: 0 -1 -1 -1 null-is-a: 0 0 0 0
  printf("magnitudes: %lld %lld %lld %lld null-is-a: %d %d %d %d\n",
         (long long)qblockFormatBookAttrGetMagnitude(fp4, 0, 0),
         (long long)qblockFormatBookAttrGetMagnitude(fp4, 0, 8),
         (long long)qblockFormatBookAttrGetMagnitude(fp4, 16, 0),
         (long long)qblockFormatBookAttrGetMagnitude(fp4, -1, 0),
         qblockAttributeIsAScheme(mlirAttributeGetNull()),
         qblockAttributeIsABCQScheme(mlirAttributeGetNull()),
         qblockAttributeIsAFormatBook(mlirAttributeGetNull()),
         qblockTypeIsAQuantizedTensor((MlirType){NULL}));

  // A book that is no book, and a scheme from another context (the type
  // would have dangled once that context was destroyed).
  // CHECK: diagnostic: a custom scheme needs a #qblock.book, got 3 : i64
  CHECK_OR_DIE(mlirAttributeIsNull(qblockSchemeAttrGetCustom(
      mlirIntegerAttrGet(mlirIntegerTypeGet(ctx, 64), 3), str("e8m0"), 32,
      false)));
  // CHECK: diagnostic: the scheme belongs to another MlirContext than the
  // element type; build both in one context
  int64_t shape[2] = {64, 8};
  CHECK_OR_DIE(mlirTypeIsNull(
      qblockQuantizedTensorTypeGet(2, shape, mlirF32TypeGet(ctx), nv, 0)));
  mlirContextDestroy(fresh);

  // A module-level pipeline nested in func.func is a parse error (it
  // aborted the process).
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  // CHECK: --qblock-cpu-pipeline: runs on builtin.module, not nested in
  // 'func.func'; use builtin.module(qblock-cpu-pipeline) CHECK: nested pipeline
  // refused: 1
  MlirLogicalResult nested = mlirParsePassPipeline(
      mlirPassManagerGetAsOpPassManager(pm),
      str("builtin.module(func.func(qblock-cpu-pipeline))"), printToStdout,
      NULL);
  printf("\nnested pipeline refused: %d\n", mlirLogicalResultIsFailure(nested));
  mlirPassManagerDestroy(pm);
}

static void testPasses(MlirContext ctx) {
  // CHECK-LABEL: passes
  puts("passes");
  const char *source =
      "func.func @mm(%a: tensor<2x64xf32>, %init: tensor<2x8xf32>) -> tensor<2x8xf32> {\n"
      "  %w = arith.constant dense<0.5> : tensor<64x8xf32>\n"
      "  %r = linalg.matmul ins(%a, %w : tensor<2x64xf32>, tensor<64x8xf32>)\n"
      "         outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>\n"
      "  return %r : tensor<2x8xf32>\n"
      "}\n";
  MlirModule module = mlirModuleCreateParse(ctx, str(source));
  CHECK_OR_DIE(!mlirModuleIsNull(module));
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      opm,
      str("builtin.module(func.func(qblock-quantize-linalg{scheme=mxfp4}),"
          "qblock-select-formats)"),
      printToStdout, NULL);
  CHECK_OR_DIE(mlirLogicalResultIsSuccess(parsed));
  MlirLogicalResult ran =
      mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
  CHECK_OR_DIE(mlirLogicalResultIsSuccess(ran));
  // CHECK: qblock.constant dense_resource<{{.*}}> : tensor<{{[0-9]+}}xi8> -> !qblock.qtensor<64x8xf32, #qblock.scheme<mxfp4>, axis = 0>
  // CHECK: qblock.matmul
  mlirOperationPrint(mlirModuleGetOperation(module), printToStdout, NULL);
  puts("");
  mlirPassManagerDestroy(pm);

  // The GPU pipeline translates its kernels to LLVM IR on the way to PTX:
  // the translations come with qblockRegisterAllDialects (it failed with
  // "missing LLVMTranslationDialectInterface registration").
  MlirPassManager gpu = mlirPassManagerCreate(ctx);
  CHECK_OR_DIE(mlirLogicalResultIsSuccess(mlirParsePassPipeline(
      mlirPassManagerGetAsOpPassManager(gpu),
      str("builtin.module(qblock-gpu-pipeline{format=isa})"), printToStdout,
      NULL)));
  CHECK_OR_DIE(mlirLogicalResultIsSuccess(
      mlirPassManagerRunOnOp(gpu, mlirModuleGetOperation(module))));
  // CHECK: gpu pipeline: ran
  puts("gpu pipeline: ran");
  mlirPassManagerDestroy(gpu);
  mlirModuleDestroy(module);
}

int main(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  qblockRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  MlirDialectHandle handle = mlirGetDialectHandle__qblock__();
  MlirStringRef ns = mlirDialectHandleGetNamespace(handle);
  MlirDialect dialect = mlirDialectHandleLoadDialect(handle, ctx);
  printf("namespace: %.*s loaded: %d\n", (int)ns.length, ns.data,
         !mlirDialectIsNull(dialect));
  mlirContextAttachDiagnosticHandler(ctx, printDiagnostic, NULL, NULL);
  qblockRegisterPasses();
  qblockRegisterPasses(); /* idempotent */

  testAttributesAndTypes(ctx);
  testInvalid(ctx);
  testRobustness(ctx);
  testPasses(ctx);
  mlirContextDestroy(ctx);
  // CHECK: done
  puts("done");
  return 0;
}
