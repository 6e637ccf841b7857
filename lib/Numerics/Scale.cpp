//===- Scale.cpp - Shared per-block scales --------------------------------===//
//
// Conversions are done with integer arithmetic on exactly scaled doubles
// rather than with hardware casts: the reference must give the same bits on
// every host, whatever FP8/FP16 support or rounding mode it has.
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/Scale.h"
#include "qblock/Numerics/Rounding.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace qblock::numerics {

namespace {

constexpr uint16_t kE8M0NaN = 0xFF;
constexpr uint8_t kE4M3NaN = 0x7F;
constexpr uint8_t kE4M3MaxFinite = 0x7E; // 448
constexpr uint16_t kHalfNaN = 0x7E00;
constexpr uint16_t kHalfInf = 0x7C00;
constexpr uint16_t kHalfMaxFinite = 0x7BFF; // 65504

/// Encodes |value| (finite, non-zero) as a small binary float with
/// `mantissaBits` stored mantissa bits and smallest normal exponent `minExp`,
/// without the sign. The result is (biased exponent << mantissaBits) |
/// mantissa; a rounding carry into the next binade falls out of the integer
/// addition. The caller saturates.
int64_t encodeMagnitude(double magnitude, int mantissaBits, int minExp) {
  int binaryExp;
  std::frexp(magnitude, &binaryExp); // magnitude = m * 2^binaryExp, m in [.5,1)
  int e = std::max(binaryExp - 1, minExp);
  // Scaling by a power of two is exact in double for every float input.
  double quanta = roundHalfEven(std::ldexp(magnitude, mantissaBits - e));
  return (static_cast<int64_t>(e - minExp) << mantissaBits) +
         static_cast<int64_t>(quanta);
}

} // namespace

int scaleBytes(ScaleKind kind) { return kind == ScaleKind::F16 ? 2 : 1; }

std::string scaleKindName(ScaleKind kind) {
  switch (kind) {
  case ScaleKind::E8M0:
    return "e8m0";
  case ScaleKind::E4M3:
    return "e4m3";
  case ScaleKind::F16:
    return "f16";
  }
  return "";
}

uint8_t floatToE4M3(float value) {
  uint8_t sign = std::signbit(value) ? 0x80 : 0x00;
  // E4M3 has no infinity, so Inf has nowhere to go but NaN.
  if (!std::isfinite(value))
    return sign | kE4M3NaN;
  if (value == 0.0f)
    return sign;
  int64_t code = encodeMagnitude(std::fabs(static_cast<double>(value)),
                                 /*mantissaBits=*/3, /*minExp=*/-6);
  return sign | static_cast<uint8_t>(std::min<int64_t>(code, kE4M3MaxFinite));
}

float e4m3ToFloat(uint8_t code) {
  float sign = (code & 0x80) ? -1.0f : 1.0f;
  int exponent = (code >> 3) & 0xF;
  int mantissa = code & 0x7;
  if (exponent == 0xF && mantissa == 0x7)
    return std::numeric_limits<float>::quiet_NaN();
  if (exponent == 0)
    return sign * std::ldexp(static_cast<float>(mantissa), -9);
  return sign * std::ldexp(static_cast<float>(8 + mantissa), exponent - 10);
}

uint16_t floatToHalf(float value) {
  uint16_t sign = std::signbit(value) ? 0x8000 : 0x0000;
  if (std::isnan(value))
    return sign | kHalfNaN;
  if (std::isinf(value))
    return sign | kHalfInf;
  if (value == 0.0f)
    return sign;
  int64_t code = encodeMagnitude(std::fabs(static_cast<double>(value)),
                                 /*mantissaBits=*/10, /*minExp=*/-14);
  return sign | static_cast<uint16_t>(std::min<int64_t>(code, kHalfMaxFinite));
}

float halfToFloat(uint16_t code) {
  float sign = (code & 0x8000) ? -1.0f : 1.0f;
  int exponent = (code >> 10) & 0x1F;
  int mantissa = code & 0x3FF;
  if (exponent == 0x1F)
    return mantissa ? std::numeric_limits<float>::quiet_NaN()
                    : sign * std::numeric_limits<float>::infinity();
  if (exponent == 0)
    return sign * std::ldexp(static_cast<float>(mantissa), -24);
  return sign * std::ldexp(static_cast<float>(1024 + mantissa), exponent - 25);
}

uint16_t computeScaleCode(ScaleKind kind, float amax, const FormatBook &book) {
  amax = std::fabs(amax);
  switch (kind) {
  case ScaleKind::E8M0: {
    if (!std::isfinite(amax))
      return kE8M0NaN;
    if (amax == 0.0f)
      return 0;
    // frexp is exact for every float, subnormals included, where log2 would
    // round near powers of two.
    int binaryExp;
    std::frexp(amax, &binaryExp);
    int e = (binaryExp - 1) - book.scaleExponentOffset();
    e = std::clamp(e, -127, 127);
    return static_cast<uint16_t>(e + 127);
  }
  case ScaleKind::E4M3:
  case ScaleKind::F16: {
    if (!std::isfinite(amax))
      return kind == ScaleKind::E4M3 ? kE4M3NaN : kHalfNaN;
    // The quotient is a float division (not a double one) so compiled code
    // that quantizes activations online reproduces it with one fdiv.
    float maxValue = static_cast<float>(book.maxMagnitude()) / 2.0f;
    float target = amax / maxValue;
    return kind == ScaleKind::E4M3 ? floatToE4M3(target) : floatToHalf(target);
  }
  }
  return 0;
}

float decodeScale(ScaleKind kind, uint16_t code) {
  switch (kind) {
  case ScaleKind::E8M0:
    if (code >= kE8M0NaN)
      return std::numeric_limits<float>::quiet_NaN();
    // 2^-127 is a float subnormal, so every non-NaN code is exact.
    return std::ldexp(1.0f, static_cast<int>(code) - 127);
  case ScaleKind::E4M3:
    return e4m3ToFloat(static_cast<uint8_t>(code));
  case ScaleKind::F16:
    // An infinite stored scale is a NaN scale (isNaNScale): every value of
    // its block is NaN, as with the other kinds' NaN codes.
    if (isNaNScale(kind, code))
      return std::numeric_limits<float>::quiet_NaN();
    return halfToFloat(code);
  }
  return std::numeric_limits<float>::quiet_NaN();
}

float halfScale(ScaleKind kind, uint16_t code) {
  return 0.5f * decodeScale(kind, code);
}

bool isNaNScale(ScaleKind kind, uint16_t code) {
  switch (kind) {
  case ScaleKind::E8M0:
    return code >= kE8M0NaN;
  case ScaleKind::E4M3:
    return (code & 0x7F) == kE4M3NaN;
  case ScaleKind::F16:
    // computeScaleCode never yields an infinite half, but a stored one makes
    // the block non-finite just the same, so kernels treat it as NaN.
    return (code & kHalfInf) == kHalfInf;
  }
  return true;
}

} // namespace qblock::numerics
