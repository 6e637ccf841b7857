// Calls @f and @g of slice_erf.mlir: x has rows of ones and of twos, so
// the product's entries are 64 x 2^-6 x {1, 2} = 1 and 2, and the results
// erf(1) and erf(2).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} Memref2D;

void _mlir_ciface_f(Memref2D *result, Memref2D *x);
void _mlir_ciface_g(Memref2D *result, Memref2D *x);

int main(void) {
  static float x[2 * 64];
  for (int i = 0; i < 64; ++i) {
    x[i] = 1.0f;
    x[64 + i] = 2.0f;
  }
  Memref2D in = {x, x, 0, {2, 64}, {64, 1}}, sliced, out;
  _mlir_ciface_f(&sliced, &in);
  _mlir_ciface_g(&out, &sliced);
  free(sliced.allocated);
  for (int r = 0; r < 2; ++r)
    printf("row %d: %.6f %.6f\n", r, out.aligned[out.offset + r * out.strides[0]],
           out.aligned[out.offset + r * out.strides[0] + 7]);
  free(out.allocated);
  return 0;
}
