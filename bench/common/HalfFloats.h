//===- HalfFloats.h - f16 and bf16 words for the benchmarks -----*- C++ -*-===//
//
// Plain C++, header only (qblock-gpu-run links no LLVM): the CPU and GPU
// benchmarks round their f32 activations to f16 or bf16 with these, pass
// the 16-bit words to the kernel, and check against the rounded values.
// f16 words are read back with numerics::halfToFloat; toHalf rounds
// overflow to infinity, unlike numerics::floatToHalf, which saturates
// (it makes scale codes).
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_BENCH_COMMON_HALFFLOATS_H
#define QBLOCK_BENCH_COMMON_HALFFLOATS_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace qblock::bench {

/// IEEE binary16, round to nearest even.
inline uint16_t toHalf(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  x &= 0x7FFFFFFF;
  if (x >= 0x7F800000)
    return sign | (x > 0x7F800000 ? 0x7E00 : 0x7C00);
  if (x >= 0x477FF000) // rounds to at least 65520: infinity
    return sign | 0x7C00;
  if (x < 0x38800000) { // below 2^-14: a multiple of 2^-24
    float magnitude;
    std::memcpy(&magnitude, &x, 4);
    return sign | uint16_t(std::nearbyint(magnitude * 16777216.0f));
  }
  uint32_t half = ((((x >> 23) - 112) << 10) | ((x >> 13) & 0x3FF));
  uint32_t rest = x & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half; // a carry into the exponent is the right result
  return sign | half;
}

/// bfloat16 (the upper half of an f32), round to nearest even; NaN stays
/// NaN.
inline uint16_t toBFloat16(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  if ((x & 0x7FFFFFFF) > 0x7F800000)
    return uint16_t((x >> 16) | 0x40);
  return uint16_t((x + 0x7FFF + ((x >> 16) & 1)) >> 16);
}

inline float fromBFloat16(uint16_t h) {
  uint32_t x = uint32_t(h) << 16;
  float value;
  std::memcpy(&value, &x, 4);
  return value;
}

} // namespace qblock::bench

#endif // QBLOCK_BENCH_COMMON_HALFFLOATS_H
