/*===- qblock-capi-threads.c - C API builders from several threads --------===*\
|* Run by capi-threads.test. Eight threads call the attribute builders at    *|
|* once on a fresh context, whose qblock dialect each builder loads: MLIR's  *|
|* dialect loading is not thread-safe, and this crashed in getOrLoadDialect *|
|* (an adversarial run, 2026-12-07) until the builders took turns for it.    *|
\*===----------------------------------------------------------------------===*/

#include "qblock-c/Dialects.h"

#include "mlir-c/IR.h"

#include <pthread.h>
#include <stdio.h>

enum { kThreads = 8, kRounds = 200 };

static MlirContext context;
static pthread_barrier_t start;
static MlirAttribute built[kThreads];

static void *build(void *arg) {
  long i = (long)arg;
  pthread_barrier_wait(&start);
  built[i] =
      i % 2 ? qblockSchemeAttrGet(
                  context, mlirStringRefCreateFromCString("mxfp4"), 0, false)
            : qblockBCQSchemeAttrGet(context, 3, 128, true);
  return NULL;
}

int main(void) {
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  qblockRegisterAllDialects(registry);
  int wrong = 0;
  for (int round = 0; round < kRounds; ++round) {
    context = mlirContextCreate();
    mlirContextAppendDialectRegistry(context, registry);
    pthread_barrier_init(&start, NULL, kThreads);
    pthread_t threads[kThreads];
    for (long i = 0; i < kThreads; ++i)
      pthread_create(&threads[i], NULL, build, (void *)i);
    for (int i = 0; i < kThreads; ++i)
      pthread_join(threads[i], NULL);
    /* Every builder succeeded, and attributes of one kind are the same
       uniqued attribute. */
    for (int i = 0; i < kThreads; ++i)
      wrong += mlirAttributeIsNull(built[i]) ||
               !mlirAttributeEqual(built[i], built[i % 2]);
    pthread_barrier_destroy(&start);
    mlirContextDestroy(context);
  }
  mlirDialectRegistryDestroy(registry);
  printf("%d rounds, %d wrong\n", kRounds, wrong);
  return wrong != 0;
}
