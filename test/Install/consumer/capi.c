/* Uses the installed C API (libQBlockCAPI.so) from C. */
#include "qblock-c/Dialects.h"

#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/IR.h"

#include <stdio.h>

static void print(MlirStringRef s, void *userData) {
  (void)userData;
  fwrite(s.data, 1, s.length, stdout);
}

int main(void) {
  MlirContext ctx = mlirContextCreate();
  mlirDialectHandleLoadDialect(mlirGetDialectHandle__qblock__(), ctx);
  MlirAttribute scheme = qblockSchemeAttrGet(
      ctx, mlirStringRefCreateFromCString("mxfp4"), 64, false);
  int64_t shape[2] = {128, 4};
  MlirType type = qblockQuantizedTensorTypeGet(2, shape, mlirF32TypeGet(ctx),
                                               scheme, 0);
  if (mlirTypeIsNull(type))
    return 1;
  fputs("c: ", stdout);
  mlirTypePrint(type, print, NULL);
  printf(" bytes=%lld\n",
         (long long)qblockQuantizedTensorTypeGetStorageBytes(type));
  mlirContextDestroy(ctx);
  return 0;
}
