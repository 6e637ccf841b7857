// Calls @round of bf16_round.mlir through its C interface and prints the
// bf16 bits it returns.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[1], strides[1];
} MemRef1D;

void _mlir_ciface_round(MemRef1D *result, MemRef1D *input);

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
  return 0;
}
