//===- Measure.h - Buffers, threads and timing for qblock-bench -*- C++ -*-===//
//
// The parts of the CPU benchmark that know nothing about MLIR or quantization:
// aligned buffers, a row-range parallel loop, the stream-read bandwidth probe
// and the timing loop.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_BENCH_CPU_MEASURE_H
#define QBLOCK_BENCH_CPU_MEASURE_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace qblock::bench {

/// An owning, 64-byte aligned byte buffer. Kernels and OpenBLAS both get
/// cache-line aligned operands so neither pays for split loads.
class AlignedBuffer {
public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes);

  uint8_t *bytes() { return data.get(); }
  const uint8_t *bytes() const { return data.get(); }
  float *floats() { return reinterpret_cast<float *>(data.get()); }
  const float *floats() const {
    return reinterpret_cast<const float *>(data.get());
  }
  size_t size() const { return length; }

private:
  struct Free {
    void operator()(uint8_t *p) const;
  };
  std::unique_ptr<uint8_t, Free> data;
  size_t length = 0;
};

/// Splits [0, n) into `threads` contiguous ranges and runs body(begin, end)
/// on each in its own std::thread (inline when threads <= 1).
void parallelFor(int64_t n, int threads,
                 const std::function<void(int64_t, int64_t)> &body);

/// Stream-read bandwidth: `threads` threads read disjoint slices of one
/// buffer and reduce them to a checksum. This is the memory roofline a
/// bandwidth-bound GEMV can reach. The buffer is allocated and touched once.
/// Each probe reports the best of its own passes, and the best pass seen so
/// far per thread count is kept too: what the machine did at its fastest in
/// the run, when nothing else competed for memory.
class StreamProbe {
public:
  explicit StreamProbe(size_t bytes);
  /// Runs `passes` timed passes; returns the best bandwidth of these passes
  /// in GB/s (1e9 B/s).
  double probe(int threads, int passes);
  /// The best bandwidth seen with this thread count so far (0 if none).
  double bestSoFar(int threads) const;

private:
  AlignedBuffer buffer;
  std::vector<double> best; // indexed by thread count
};

/// Sleeps long enough for idle worker threads of the previous phase to stop
/// spinning. libomp spins for KMP_BLOCKTIME (200 ms by default) and OpenBLAS
/// for its thread timeout before they sleep; on a machine with few cores the
/// spinning threads would otherwise steal cycles from whatever is timed next.
void quiesce();

/// Calls call(i) for i = 0, 1, 2, ... (the callee rotates through its
/// matrices with i) after `warmup` untimed calls, timing each call on its
/// own, until at least `minCalls` calls and `minSeconds` have passed (at most
/// `maxCalls`). Returns the milliseconds of each timed call.
std::vector<double> timeCalls(const std::function<void(int64_t)> &call,
                              int64_t warmup, int64_t minCalls,
                              double minSeconds, int64_t maxCalls);

/// The median of `samples` (not empty).
double median(std::vector<double> samples);

} // namespace qblock::bench

#endif // QBLOCK_BENCH_CPU_MEASURE_H
