// Calls @round and @axpy of bf16_round.mlir through their C interfaces and
// prints the bf16 bits they return.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} MemRef1D;

void _mlir_ciface_round(MemRef1D *result, MemRef1D *input);
void _mlir_ciface_axpy(MemRef1D *result, MemRef1D *input);

int main(void) {
  // 1 + 2^-8 and 1 + 3 * 2^-8 are ties (to even: 1 and 1 + 2^-6); 1e-39 is
  // subnormal (0x000AE397: rounds up to 0x000B); 3.0 is exact.
  float in[4] = {1.00390625f, 1.01171875f, 1e-39f, 3.0f};
  MemRef1D input = {in, in, 0, {4}, {1}}, result;
  _mlir_ciface_round(&result, &input);
  const uint16_t *bits = (const uint16_t *)result.aligned + result.offset;
  for (int i = 0; i < 4; ++i)
    printf("%04x\n", bits[i]);
  free(result.allocated);
  // bf16 1, 2, 0.5 and 1 + 2^-7: x * 3 + 1 is 4, 7, 2.5 and, rounding the
  // product 3.0234375 (a tie) to even 3.03125, then 4.03125.
  uint16_t x[4] = {0x3f80, 0x4000, 0x3f00, 0x3f81};
  MemRef1D xs = {x, x, 0, {4}, {1}};
  _mlir_ciface_axpy(&result, &xs);
  bits = (const uint16_t *)result.aligned + result.offset;
  for (int i = 0; i < 4; ++i)
    printf("%04x\n", bits[i]);
  free(result.allocated);
  return 0;
}
