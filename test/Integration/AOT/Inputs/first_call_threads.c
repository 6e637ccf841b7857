/* Calls the ahead-of-time compiled MLP (examples/mlp.mlir, built by
 * examples/aot/build.sh) from several threads at once, as the module's
 * first calls, then once more alone, and requires every result to be
 * bit for bit the alone one's. The first call of a W4A16 matmul fills a
 * module-wide table of scaled dialect rows (DecodeTables::getScaledRows);
 * threads that read it before it is complete would decode wrong values. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} MemRef2D;

void _mlir_ciface_mlp(MemRef2D *result, MemRef2D *x);

enum { THREADS = 8, M = 3, D = 32 };
static float input[M * D];
static float results[THREADS][M * D];
static pthread_barrier_t start;

/* The M x D result, densely, from its descriptor; frees the buffer. */
static void collect(MemRef2D *out, float *dense) {
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < D; ++n)
      dense[m * D + n] = out->aligned[out->offset + m * out->strides[0] +
                                      n * out->strides[1]];
  free(out->allocated);
}

static void *call(void *arg) {
  float *dense = arg;
  MemRef2D x = {input, input, 0, {M, D}, {D, 1}};
  MemRef2D out;
  pthread_barrier_wait(&start);
  _mlir_ciface_mlp(&out, &x);
  collect(&out, dense);
  return NULL;
}

int main(void) {
  for (int i = 0; i < M * D; ++i)
    input[i] = (float)((i * 37) % 23 - 11) * 0.125f;
  pthread_barrier_init(&start, NULL, THREADS);
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; ++t)
    pthread_create(&threads[t], NULL, call, results[t]);
  for (int t = 0; t < THREADS; ++t)
    pthread_join(threads[t], NULL);
  float alone[M * D];
  MemRef2D x = {input, input, 0, {M, D}, {D, 1}};
  MemRef2D out;
  _mlir_ciface_mlp(&out, &x);
  collect(&out, alone);
  int nonzero = 0;
  for (int i = 0; i < M * D; ++i)
    nonzero += alone[i] != 0.0f;
  if (nonzero < M * D / 2) {
    printf("FAIL: only %d of %d outputs are nonzero\n", nonzero, M * D);
    return 1;
  }
  for (int t = 0; t < THREADS; ++t)
    if (memcmp(results[t], alone, sizeof alone) != 0) {
      printf("FAIL: thread %d's first call differs from a later call\n", t);
      return 1;
    }
  printf("%d concurrent first calls match a later call: PASS\n", THREADS);
  return 0;
}
