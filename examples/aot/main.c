/* Calls the ahead-of-time compiled, BlockDialect-quantized MLP of
 * examples/mlp.mlir from plain C and prints the first outputs of each row.
 * examples/aot/build.sh builds it; README.md explains the steps. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The memref descriptor MLIR passes across its C interface (rank 2). */
typedef struct {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} MemRef2D;

/* Emitted for func.func @mlp(tensor<?x32xf32>) -> tensor<?x32xf32> by
 * --llvm-request-c-wrappers: the result descriptor comes first. */
void _mlir_ciface_mlp(MemRef2D *result, MemRef2D *x);

int main(void) {
  enum { M = 2, D = 32 };
  float x[M * D];
  for (int i = 0; i < M * D; ++i)
    x[i] = (float)((i % 7) - 3) * 0.25f;
  MemRef2D input = {x, x, 0, {M, D}, {D, 1}};
  MemRef2D output;
  _mlir_ciface_mlp(&output, &input);
  for (int64_t m = 0; m < output.sizes[0]; ++m) {
    printf("y[%lld] =", (long long)m);
    for (int64_t n = 0; n < 4; ++n)
      printf(" %.6f", output.aligned[output.offset + m * output.strides[0] +
                                     n * output.strides[1]]);
    printf(" ...\n");
  }
  /* The result buffer was allocated by the compiled code with malloc. */
  free(output.allocated);
  return 0;
}
