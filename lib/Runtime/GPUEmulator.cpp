//===- GPUEmulator.cpp - GPU kernels run as CPU threads, for testing ------===//
//
// libqblock_gpu_emulator.so: what the code of
// --qblock-gpu-emulation-pipeline calls (lib/Pipelines/EmulateGPUOnCPU.cpp).
// That pipeline builds the very kernels --qblock-gpu-pipeline builds, but
// runs each thread block as an OpenMP team of one CPU thread per GPU thread,
// so the kernels' indexing, workgroup-memory use, barriers, warp shuffles
// and tensor-core fragments can be checked against the numerics core on a
// machine without a GPU. It says nothing about speed.
//
// Here live the warp- and block-wide operations, which need every thread of
// a warp or block to meet:
//   * barriers (gpu.barrier, and the exchanges inside shuffles and mma):
//     a timed wait (60 s, or QBLOCK_GPU_EMULATOR_TIMEOUT), so a barrier
//     some thread never reaches (a kernel bug that hangs or corrupts a real
//     GPU) fails with a message instead of hanging the test;
//   * gpu.shuffle: each lane publishes its value, the warp meets, each lane
//     reads its source lane, the warp meets again;
//   * nvvm.mma.sync m16n8k16 (f16/bf16 in, f32 accumulate): the 32 lanes'
//     fragments are gathered into whole A, B and C tiles with the PTX ISA's
//     fragment layout, multiplied, and scattered back;
//   * qblockEmuCachedUpload, which the staged kernels call for constant
//     weights instead of the CUDA runtime's qblockCudaCachedUpload: a copy
//     made once, as the runtime's device copy is. Its own name, because a
//     process (a Python session) may load both libraries, and the first
//     loaded would answer the other's modules too;
//   * qblockEmuMisaligned: a load or store whose address breaks the
//     alignment the kernel promised for it, which a GPU faults on
//     ("misaligned address") and a CPU does not.
//
// Blocks run one after another (the pipeline's loops), so one set of warp
// state serves every block. That state is global, so a launch holds a
// process-wide lock from qblockEmuBeginLaunch to qblockEmuEndLaunch: host
// threads that call emulated modules at the same time (Python threads, a
// server) take turns per launch, as launches on one CUDA stream would.
// Without the lock their warps mixed, and a shuffle waited for lanes of
// the other launch until the timeout ended the process. A child of fork()
// starts with that state fresh (resetAfterFork).
//
//===----------------------------------------------------------------------===//

#include "qblock/Conversion/CUDALimits.h"
#include "qblock/Numerics/Scale.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <thread>

#include <pthread.h>

#define QBLOCK_EMULATOR_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

constexpr int kWarpSize = 32;
constexpr int kMaxThreads = qblock::cuda::kMaxBlockThreads;
constexpr int kMaxWarps = kMaxThreads / kWarpSize;
[[noreturn]] void fail(const char *what, int tid) {
  if (tid < 0)
    std::fprintf(stderr, "qblock GPU emulator: %s\n", what);
  else
    std::fprintf(stderr, "qblock GPU emulator: thread %d: %s\n", tid, what);
  std::fflush(stderr);
  // From whichever thread failed, without running exit handlers while the
  // other threads still wait.
  std::_Exit(1);
}

/// How long a thread waits at a barrier before the emulator decides that
/// some thread of its warp or block will never arrive: 60 s, or
/// QBLOCK_GPU_EMULATOR_TIMEOUT seconds (tests of the timeout set 1). A
/// value that is not a whole number of seconds from 1 to 86400 is reported
/// once and the default kept, rather than taken silently.
int barrierTimeoutSeconds() {
  static const int seconds = [] {
    constexpr int kDefault = 60;
    const char *text = std::getenv("QBLOCK_GPU_EMULATOR_TIMEOUT");
    if (!text)
      return kDefault;
    char *end = nullptr;
    errno = 0;
    long value = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || value < 1 ||
        value > 86400) {
      std::fprintf(stderr,
                   "qblock GPU emulator: QBLOCK_GPU_EMULATOR_TIMEOUT='%s' is "
                   "not a number of seconds from 1 to 86400; using %d\n",
                   text, kDefault);
      return kDefault;
    }
    return static_cast<int>(value);
  }();
  return seconds;
}

/// Fails with "waited N s at `where`: some `who` never reaches it".
[[noreturn]] void timedOut(const char *where, const char *who, int tid) {
  char message[256];
  std::snprintf(message, sizeof(message),
                "waited %d s at %s: some %s never reaches it",
                barrierTimeoutSeconds(), where, who);
  fail(message, tid);
}

/// A reusable barrier for `count` threads, with a timeout.
class Barrier {
public:
  void reset(int newCount) {
    std::lock_guard<std::mutex> lock(mutex);
    count = newCount;
    waiting = 0;
  }
  /// Waits for the other threads; `where` and `who` name the operation and
  /// the threads that meet there, for the timeout's message.
  void wait(int tid, const char *where, const char *who) {
    std::unique_lock<std::mutex> lock(mutex);
    uint64_t generation = passed;
    if (++waiting == count) {
      waiting = 0;
      ++passed;
      arrived.notify_all();
      return;
    }
    if (!arrived.wait_for(lock, std::chrono::seconds(barrierTimeoutSeconds()),
                          [&] { return passed != generation; }))
      timedOut(where, who, tid);
  }

private:
  std::mutex mutex;
  std::condition_variable arrived;
  int count = 0;
  int waiting = 0;
  uint64_t passed = 0;
};

int blockThreads = 0;
Barrier blockBarrier;
Barrier warpBarriers[kMaxWarps];
/// One 32-bit word per thread for shuffles.
uint32_t shuffleWords[kMaxThreads];
/// Per thread: the mma operands it contributes (4 A words, 2 B words, 4 C
/// floats) and, after the exchange, the 4 D floats it receives.
struct MmaFragments {
  uint32_t a[4];
  uint32_t b[2];
  /// f32 or s32 accumulators, as bits.
  uint32_t c[4];
};
MmaFragments mmaFragments[kMaxThreads];

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}
float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

int lanesInWarp(int warp) {
  int rest = blockThreads - warp * kWarpSize;
  return rest < kWarpSize ? rest : kWarpSize;
}

void warpSync(int tid, const char *where) {
  warpBarriers[tid / kWarpSize].wait(tid, where, "lane of the warp");
}

float bf16ToFloat(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float result;
  std::memcpy(&result, &bits, 4);
  return result;
}

/// Element `half` (0: low 16 bits) of a register of two halves.
float unpack(uint32_t word, int half, bool bf16) {
  auto bits = static_cast<uint16_t>(half ? word >> 16 : word & 0xffff);
  return bf16 ? bf16ToFloat(bits) : qblock::numerics::halfToFloat(bits);
}

} // namespace

namespace {
std::mutex launchMutex;

/// A child of fork() has only the forking thread: a launch that another
/// thread of the parent was running never ends there, and would leave the
/// lock (and maybe a barrier's mutex) held, so the child's first launch
/// waited forever (Python's multiprocessing forks). The child starts with
/// fresh ones; the old objects are abandoned, not destroyed, as a mutex
/// held by a thread that no longer exists must be.
void resetAfterFork() {
  new (&launchMutex) std::mutex();
  new (&blockBarrier) Barrier();
  for (Barrier &warp : warpBarriers)
    new (&warp) Barrier();
  blockThreads = 0; // the next block resets the barriers' counts
}

[[maybe_unused]] const int forkHandler =
    pthread_atfork(nullptr, nullptr, resetAfterFork);
} // namespace

/// Before a launch's first block, after its last: the launch has the warp
/// state to itself in between.
QBLOCK_EMULATOR_EXPORT void qblockEmuBeginLaunch() { launchMutex.lock(); }
QBLOCK_EMULATOR_EXPORT void qblockEmuEndLaunch() { launchMutex.unlock(); }

/// Before a launch's OpenMP check and first block: the grid and block
/// sizes a GPU takes (CUDA's limits on every chip the pipeline targets).
/// Beyond them a GPU refuses the launch; the emulator ran any size, so an
/// emulated test passed where the GPU would fail (found by an adversarial
/// run, 2026-12-07). A zero grid is no error: the CUDA runtime launches
/// nothing.
QBLOCK_EMULATOR_EXPORT void qblockEmuCheckGrid(int64_t gridX, int64_t gridY,
                                               int64_t gridZ, int64_t blockX,
                                               int64_t blockY, int64_t blockZ) {
  using namespace qblock::cuda;
  if (gridX <= kMaxGridX && gridY <= kMaxGridYZ && gridZ <= kMaxGridYZ &&
      blockX <= kMaxThreads && blockY <= kMaxThreads && blockZ <= kMaxBlockZ)
    return;
  char message[320];
  std::snprintf(message, sizeof(message),
                "a launch of grid (%lld, %lld, %lld) and block (%lld, %lld, "
                "%lld) exceeds what a GPU takes: grid x at most 2^31 - 1, y "
                "and z at most %lld; block x and y at most %lld, z at most "
                "%lld",
                static_cast<long long>(gridX), static_cast<long long>(gridY),
                static_cast<long long>(gridZ), static_cast<long long>(blockX),
                static_cast<long long>(blockY), static_cast<long long>(blockZ),
                static_cast<long long>(kMaxGridYZ),
                static_cast<long long>(kMaxBlockThreads),
                static_cast<long long>(kMaxBlockZ));
  fail(message, -1);
}

/// Before each block's team starts: `threads` threads, in warps of 32 (the
/// last one partial when `threads` is not a multiple of 32).
QBLOCK_EMULATOR_EXPORT void qblockEmuBeginBlock(int32_t threads) {
  if (threads < 1 || threads > kMaxThreads)
    fail("a thread block must have 1 to 1024 threads", -1);
  if (threads == blockThreads)
    return;
  blockThreads = threads;
  blockBarrier.reset(threads);
  for (int warp = 0; warp * kWarpSize < threads; ++warp)
    warpBarriers[warp].reset(lanesInWarp(warp));
}

/// Called by every thread of a block's team with the team's size: the
/// OpenMP runtime may start fewer threads than asked for, and the block's
/// barriers would then wait for threads that do not exist.
QBLOCK_EMULATOR_EXPORT void qblockEmuCheckTeam(int32_t teamSize,
                                               int32_t threads) {
  if (teamSize == threads)
    return;
  // Every thread of the short team gets here; one says why and ends the
  // process (fail), the others wait for that rather than repeat it.
  static std::atomic_flag reported = ATOMIC_FLAG_INIT;
  if (reported.test_and_set())
    for (;;)
      std::this_thread::sleep_for(std::chrono::seconds(1));
  char what[320];
  std::snprintf(what, sizeof what,
                "the OpenMP runtime started %d threads for a thread block of "
                "%d; the emulator needs one per GPU thread (unset "
                "KMP_LIBRARY, KMP_DEVICE_THREAD_LIMIT, "
                "OMP_THREAD_LIMIT and OMP_MAX_ACTIVE_LEVELS, or raise the "
                "limits)",
                teamSize, threads);
  fail(what, -1);
}

/// A kernel's load or store at `address` of `bytes` bytes, which it
/// declared aligned to `alignment` bytes (the op's `alignment`, from which
/// the NVPTX backend picks its vector width), is not: a GPU stops the
/// kernel with "misaligned address". `where` (`whereLength` bytes) is the
/// op's location.
QBLOCK_EMULATOR_EXPORT void
qblockEmuMisaligned(int32_t tid, int64_t address, int64_t bytes,
                    int64_t alignment, const char *where, int64_t whereLength) {
  char what[512];
  std::snprintf(what, sizeof what,
                "misaligned address: a %lld-byte access declared aligned to "
                "%lld bytes reads or writes address 0x%llx, %lld bytes past "
                "that alignment (a GPU faults here); at %.*s",
                static_cast<long long>(bytes),
                static_cast<long long>(alignment),
                static_cast<unsigned long long>(address),
                static_cast<long long>(address % alignment),
                static_cast<int>(std::min<int64_t>(whereLength, 300)), where);
  fail(what, tid);
}

/// gpu.barrier.
QBLOCK_EMULATOR_EXPORT void qblockEmuBarrier(int32_t tid) {
  blockBarrier.wait(tid, "gpu.barrier", "thread of the block");
}

/// The source lane of a shuffle (gpu::ShuffleMode: 0 xor, 1 down, 2 up,
/// 3 idx) within the first `width` lanes, or -1 when there is none (the
/// lane then keeps its own value and `valid` is false).
static int shuffleSource(int lane, int32_t offset, int32_t width,
                         int32_t mode) {
  // gpu.shuffle: lanes at or past `width` take no part (valid is false).
  if (lane >= width)
    return -1;
  int source;
  switch (mode) {
  case 0:
    source = lane ^ offset;
    break;
  case 1:
    source = lane + offset;
    break;
  case 2:
    source = lane - offset;
    break;
  case 3:
    source = offset;
    break;
  default:
    return -1;
  }
  return source >= 0 && source < width ? source : -1;
}

/// gpu.shuffle of a 32-bit value; every lane of the warp must call it.
QBLOCK_EMULATOR_EXPORT uint32_t qblockEmuShuffle(uint32_t value,
                                                 int32_t offset, int32_t width,
                                                 int32_t mode, int32_t tid) {
  if (width < 1 || width > kWarpSize)
    fail("gpu.shuffle with a width outside 1..32 (a warp has 32 lanes)", tid);
  int lane = tid % kWarpSize;
  int source = shuffleSource(lane, offset, width, mode);
  int warpBase = tid - lane;
  if (source >= 0 && warpBase + source >= blockThreads)
    fail("gpu.shuffle reads a lane past the end of the block", tid);
  const char *what = "a gpu.shuffle";
  shuffleWords[tid] = value;
  warpSync(tid, what);
  uint32_t result = source < 0 ? value : shuffleWords[warpBase + source];
  warpSync(tid, what);
  return result;
}

/// The `valid` result of the same shuffle (1 or 0).
QBLOCK_EMULATOR_EXPORT int32_t qblockEmuShuffleValid(int32_t offset,
                                                     int32_t width,
                                                     int32_t mode,
                                                     int32_t tid) {
  return shuffleSource(tid % kWarpSize, offset, width, mode) >= 0;
}

/// nvvm.prmt in its default mode (PTX prmt.b32): byte i of the result is
/// byte c[4i+2 : 4i] of the 8 bytes {b, a} (a: bytes 0-3), or, with
/// c[4i+3] set, that byte's bit 7 replicated through all 8 bits. A pure
/// function of one thread's registers: no warp meets here.
QBLOCK_EMULATOR_EXPORT uint32_t qblockEmuPrmt(uint32_t a, uint32_t b,
                                              uint32_t c) {
  uint64_t pool = (static_cast<uint64_t>(b) << 32) | a;
  uint32_t result = 0;
  for (int i = 0; i < 4; ++i) {
    uint32_t selector = (c >> (4 * i)) & 0xF;
    uint32_t byte = (pool >> (8 * (selector & 7))) & 0xFF;
    if (selector & 8)
      byte = (byte & 0x80) ? 0xFF : 0;
    result |= byte << (8 * i);
  }
  return result;
}

/// nvvm.mma.sync m16n8k16, A row-major, B column-major, f16 or bf16 inputs
/// (`bf16` nonzero), f32 accumulators: lane tid's fragments in, its four D
/// values out through `d`. Fragment layout (PTX ISA, mma.m16n8k16), with
/// g = lane / 4 and t = lane % 4:
///   a0: A[g][2t, 2t+1]   a1: A[g+8][2t, 2t+1]
///   a2: A[g][2t+8, +9]   a3: A[g+8][2t+8, +9]
///   b0: B[2t, 2t+1][g]   b1: B[2t+8, +9][g]
///   c0, c1: C[g][2t, 2t+1]   c2, c3: C[g+8][2t, 2t+1]
/// Publishes lane tid's fragments of an mma.sync and returns its warp's 32,
/// once every lane has published. The caller reads them, then calls
/// warpSync again, so that no lane's next mma overwrites them early.
const MmaFragments *shareMmaFragments(int32_t tid, const MmaFragments &mine) {
  if (lanesInWarp(tid / kWarpSize) != kWarpSize)
    fail("mma.sync needs a whole warp of 32 threads", tid);
  mmaFragments[tid] = mine;
  warpSync(tid, "an mma.sync");
  return &mmaFragments[tid - tid % kWarpSize];
}

/// The row and column of C (and D) that accumulator i of lane `lane`
/// holds: c0, c1 row g, columns 2t, 2t+1; c2, c3 row g + 8 (every m16n8
/// shape).
struct AccumulatorPlace {
  int row, column;
};
AccumulatorPlace accumulatorPlace(int lane, int i) {
  return {lane / 4 + 8 * (i / 2), 2 * (lane % 4) + i % 2};
}

QBLOCK_EMULATOR_EXPORT void
qblockEmuMmaM16N8K16(uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
                     uint32_t b0, uint32_t b1, float c0, float c1, float c2,
                     float c3, int32_t bf16, int32_t tid, float *d) {
  const MmaFragments *warp = shareMmaFragments(
      tid, {{a0, a1, a2, a3},
            {b0, b1},
            {bitsOf(c0), bitsOf(c1), bitsOf(c2), bitsOf(c3)}});
  float a[16][16], b[16][8], c[16][8];
  for (int l = 0; l < kWarpSize; ++l) {
    const MmaFragments &f = warp[l];
    int g = l / 4, t = l % 4;
    for (int h = 0; h < 2; ++h) {
      a[g][2 * t + h] = unpack(f.a[0], h, bf16);
      a[g + 8][2 * t + h] = unpack(f.a[1], h, bf16);
      a[g][2 * t + 8 + h] = unpack(f.a[2], h, bf16);
      a[g + 8][2 * t + 8 + h] = unpack(f.a[3], h, bf16);
      b[2 * t + h][g] = unpack(f.b[0], h, bf16);
      b[2 * t + 8 + h][g] = unpack(f.b[1], h, bf16);
    }
    for (int i = 0; i < 4; ++i) {
      AccumulatorPlace place = accumulatorPlace(l, i);
      c[place.row][place.column] = floatOf(f.c[i]);
    }
  }
  warpSync(tid, "an mma.sync");
  for (int i = 0; i < 4; ++i) {
    // Products of halves are exact in f32; the sum is in f32, as the
    // tensor core's is (its order of additions is unspecified).
    AccumulatorPlace place = accumulatorPlace(tid % kWarpSize, i);
    float sum = c[place.row][place.column];
    for (int k = 0; k < 16; ++k)
      sum += a[place.row][k] * b[k][place.column];
    d[i] = sum;
  }
}

/// nvvm.mma.sync m16n8k32 or m16n8k16 (`k`), A row-major, B column-major,
/// s8 inputs, s32 accumulators that wrap on overflow: lane tid's fragments
/// in, its four D values out through `d`. Fragment layout (PTX ISA,
/// mma.m16n8k32 / m16n8k16 .s8), with g = lane / 4 and t = lane % 4, byte j
/// of a register its element j:
///   a0: A[g][4t .. 4t+3]     a1: A[g+8][4t .. 4t+3]
///   a2: A[g][16+4t .. +3]    a3: A[g+8][16+4t .. +3]    (k = 32 only)
///   b0: B[4t .. 4t+3][g]     b1: B[16+4t .. +3][g]      (k = 32 only)
///   c0, c1: C[g][2t, 2t+1]   c2, c3: C[g+8][2t, 2t+1]
QBLOCK_EMULATOR_EXPORT void
qblockEmuMmaM16N8S8(uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3,
                    uint32_t b0, uint32_t b1, int32_t c0, int32_t c1,
                    int32_t c2, int32_t c3, int32_t k, int32_t tid,
                    int32_t *d) {
  if (k != 16 && k != 32)
    fail("an s8 mma.sync with k other than 16 or 32", tid);
  const MmaFragments *warp = shareMmaFragments(
      tid, {{a0, a1, a2, a3},
            {b0, b1},
            {static_cast<uint32_t>(c0), static_cast<uint32_t>(c1),
             static_cast<uint32_t>(c2), static_cast<uint32_t>(c3)}});
  auto byteOf = [](uint32_t word, int j) {
    return static_cast<int32_t>(static_cast<int8_t>(word >> (8 * j)));
  };
  int32_t a[16][32], b[32][8];
  uint32_t c[16][8];
  for (int l = 0; l < kWarpSize; ++l) {
    const MmaFragments &f = warp[l];
    int g = l / 4, t = l % 4;
    for (int j = 0; j < 4; ++j) {
      a[g][4 * t + j] = byteOf(f.a[0], j);
      a[g + 8][4 * t + j] = byteOf(f.a[1], j);
      b[4 * t + j][g] = byteOf(f.b[0], j);
      if (k == 16)
        continue;
      a[g][16 + 4 * t + j] = byteOf(f.a[2], j);
      a[g + 8][16 + 4 * t + j] = byteOf(f.a[3], j);
      b[16 + 4 * t + j][g] = byteOf(f.b[1], j);
    }
    for (int i = 0; i < 4; ++i) {
      AccumulatorPlace place = accumulatorPlace(l, i);
      c[place.row][place.column] = f.c[i];
    }
  }
  warpSync(tid, "an mma.sync");
  for (int i = 0; i < 4; ++i) {
    // Unsigned arithmetic wraps as the .s32 accumulator does.
    AccumulatorPlace place = accumulatorPlace(tid % kWarpSize, i);
    uint32_t sum = c[place.row][place.column];
    for (int e = 0; e < k; ++e)
      sum += static_cast<uint32_t>(a[place.row][e] * b[e][place.column]);
    d[i] = static_cast<int32_t>(sum);
  }
}

/// The CUDA runtime's cached upload of a constant buffer (CUDARuntime.cpp):
/// a copy made on first use and recorded in `slot`.
QBLOCK_EMULATOR_EXPORT void *qblockEmuCachedUpload(void *host, int64_t bytes,
                                                   void **slot) {
  if (bytes <= 0)
    return nullptr;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (*slot)
    return *slot;
  void *copy = std::malloc(static_cast<size_t>(bytes));
  if (!copy)
    fail("out of memory for a constant buffer's copy", -1);
  std::memcpy(copy, host, static_cast<size_t>(bytes));
  *slot = copy;
  return copy;
}
