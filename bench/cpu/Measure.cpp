//===- Measure.cpp - Buffers, threads and timing for qblock-bench ---------===//

#include "Measure.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

using namespace qblock::bench;

AlignedBuffer::AlignedBuffer(size_t bytes) : length(bytes) {
  // aligned_alloc wants a size that is a multiple of the alignment.
  size_t rounded = std::max<size_t>(64, (bytes + 63) / 64 * 64);
  auto *p = static_cast<uint8_t *>(std::aligned_alloc(64, rounded));
  // Sizes come from the command line: an error, not a crash report.
  if (!p) {
    llvm::errs() << "qblock-bench: error: cannot allocate " << bytes
                 << " bytes; choose smaller --n, --k or --m\n";
    std::exit(1);
  }
  data.reset(p);
}

void AlignedBuffer::Free::operator()(uint8_t *p) const { std::free(p); }

void qblock::bench::parallelFor(
    int64_t n, int threads, const std::function<void(int64_t, int64_t)> &body) {
  threads = static_cast<int>(
      std::clamp<int64_t>(threads, 1, std::max<int64_t>(n, 1)));
  if (threads == 1) {
    body(0, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    int64_t begin = n * t / threads, end = n * (t + 1) / threads;
    pool.emplace_back([&body, begin, end] { body(begin, end); });
  }
  for (std::thread &thread : pool)
    thread.join();
}

namespace {
/// Four independent integer accumulators: integer adds are associative, so
/// the compiler vectorizes this without -ffast-math, and one pass is bound by
/// memory rather than by the add latency.
uint64_t sumWords(const uint64_t *words, int64_t n) {
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += words[i];
    s1 += words[i + 1];
    s2 += words[i + 2];
    s3 += words[i + 3];
  }
  for (; i < n; ++i)
    s0 += words[i];
  return s0 + s1 + s2 + s3;
}
} // namespace

StreamProbe::StreamProbe(size_t bytes)
    : buffer(bytes / sizeof(uint64_t) * sizeof(uint64_t)) {
  auto *data = reinterpret_cast<uint64_t *>(buffer.bytes());
  int64_t words = static_cast<int64_t>(buffer.size() / sizeof(uint64_t));
  // Touch every page before the first timed pass, so page faults are not
  // timed.
  parallelFor(words, std::max(1u, std::thread::hardware_concurrency()),
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i)
                  data[i] = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull;
              });
}

double StreamProbe::probe(int threads, int passes) {
  const auto *data = reinterpret_cast<const uint64_t *>(buffer.bytes());
  int64_t words = static_cast<int64_t>(buffer.size() / sizeof(uint64_t));
  if (static_cast<int>(best.size()) <= threads)
    best.resize(threads + 1, 0.0);
  std::atomic<uint64_t> checksum{0};
  double bestOfCall = 0;
  for (int pass = 0; pass < passes; ++pass) {
    auto start = std::chrono::steady_clock::now();
    parallelFor(words, threads, [&](int64_t begin, int64_t end) {
      checksum.fetch_add(sumWords(data + begin, end - begin),
                         std::memory_order_relaxed);
    });
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    bestOfCall = std::max(bestOfCall, buffer.size() / seconds / 1e9);
  }
  best[threads] = std::max(best[threads], bestOfCall);
  // Keeps the reads observable so they cannot be optimized away.
  if (checksum.load() == 42)
    std::abort();
  return bestOfCall;
}

double StreamProbe::bestSoFar(int threads) const {
  return threads < static_cast<int>(best.size()) ? best[threads] : 0.0;
}

void qblock::bench::quiesce() {
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
}

std::vector<double>
qblock::bench::timeCalls(const std::function<void(int64_t)> &call,
                         int64_t warmup, int64_t minCalls, double minSeconds,
                         int64_t maxCalls) {
  using Clock = std::chrono::steady_clock;
  int64_t i = 0;
  for (; i < warmup; ++i)
    call(i);
  std::vector<double> ms;
  auto begin = Clock::now();
  while (static_cast<int64_t>(ms.size()) < maxCalls) {
    auto start = Clock::now();
    call(i++);
    auto stop = Clock::now();
    ms.push_back(
        std::chrono::duration<double, std::milli>(stop - start).count());
    if (static_cast<int64_t>(ms.size()) >= minCalls &&
        std::chrono::duration<double>(stop - begin).count() >= minSeconds)
      break;
  }
  return ms;
}

double qblock::bench::median(std::vector<double> samples) {
  size_t n = samples.size(), mid = n / 2;
  std::nth_element(samples.begin(), samples.begin() + mid, samples.end());
  if (n % 2)
    return samples[mid];
  double upper = samples[mid];
  double lower = *std::max_element(samples.begin(), samples.begin() + mid);
  return 0.5 * (lower + upper);
}
