//===- FillRow.h - Deterministic test data for the benchmarks ---*- C++ -*-===//
//
// Plain C++, header only: the CPU bench, qblock-gpu-bench and qblock-gpu-run
// (which links no LLVM) build their weights and activations with it.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_BENCH_COMMON_FILLROW_H
#define QBLOCK_BENCH_COMMON_FILLROW_H

#include <cstdint>

namespace qblock::bench {

/// Deterministic, approximately Gaussian values (sum of four uniforms,
/// times `scale`): fast enough that building half a GiB of weights takes a
/// moment, and each row depends only on `seed`, not on how rows are split
/// across threads.
inline void fillRow(float *out, int64_t k, uint64_t seed, float scale) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
  for (int64_t i = 0; i < k; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    float sum = float(state & 0xFFFF) + float((state >> 16) & 0xFFFF) +
                float((state >> 32) & 0xFFFF) + float(state >> 48);
    out[i] = (sum / 65536.0f - 2.0f) * scale;
  }
}

} // namespace qblock::bench

#endif // QBLOCK_BENCH_COMMON_FILLROW_H
