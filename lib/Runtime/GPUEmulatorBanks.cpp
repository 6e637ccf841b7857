//===- GPUEmulatorBanks.cpp - Workgroup-memory bank conflicts, counted ----===//
//
// Part of libqblock_gpu_emulator.so. With the emulation pipeline's option
// bank-conflicts=true (lib/Pipelines/EmulateGPUOnCPU.cpp) every load and
// store of workgroup memory in an emulated kernel calls
// qblockEmuSharedAccess with its byte offset, and the program prints on
// stderr, when it ends, how many shared-memory wavefronts the warps' accesses
// would take on an NVIDIA GPU of compute capability 5.0 or newer: 32 banks
// of 4 bytes; a warp's access takes as many wavefronts as the most distinct
// words any one bank holds among the lanes' addresses (lanes reading the
// same word share it); 8-byte and 16-byte accesses are served per half or
// quarter warp. That is the count a kernel's memory layout decides, and it
// is what a GPU profiler reports as bank conflicts, here on a machine
// without a GPU.
//
// The emulator runs a warp's lanes as separate threads, so a lane's n-th
// access at one place in the code is taken to be the same warp instruction
// as every other lane's n-th access there: exact for code whose lanes agree
// on how often they reach each access (the kernels here), approximate where
// lanes of a warp diverge around one.
//
//===----------------------------------------------------------------------===//

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#define QBLOCK_EMULATOR_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

constexpr int kBanks = 32;
constexpr int kBankBytes = 4;
constexpr int kWarpSize = 32;
constexpr int kMaxThreads = 1024;

/// One access of one thread, as the generated code reports it.
struct Access {
  int32_t site;
  int32_t launch;
  bool store;
  int32_t bytes;
  int64_t offset;
  const char *where;
  int64_t whereLength;
};

/// Totals of one access in the code (a site) over every block and call.
struct SiteTotals {
  int32_t launch = 0;
  bool store = false;
  int32_t bytes = 0;
  std::string where;
  uint64_t accesses = 0, wavefronts = 0, conflictFree = 0, conflicted = 0;
  int worstWays = 0;
};

/// What the running block's threads accessed, in order, per thread. Each
/// thread appends to its own log only; the logs are read between blocks.
std::vector<Access> logs[kMaxThreads];
std::atomic<bool> anyAccess{false};
std::map<int32_t, SiteTotals> totals;

/// Wavefronts and the conflict-free count for one warp access: `offsets`
/// of the lanes present (-1: absent), each `bytes` wide.
void addWarpAccess(SiteTotals &site,
                   const std::array<int64_t, kWarpSize> &offsets,
                   int32_t bytes) {
  int wordsPerLane = std::max(1, bytes / kBankBytes);
  int lanesPerPhase = std::max(1, kWarpSize / wordsPerLane);
  uint64_t wavefronts = 0, phases = 0;
  for (int first = 0; first < kWarpSize; first += lanesPerPhase) {
    std::set<int64_t> bankWords[kBanks];
    bool active = false;
    for (int lane = first; lane < first + lanesPerPhase; ++lane) {
      if (offsets[lane] < 0)
        continue;
      active = true;
      int64_t firstWord = offsets[lane] / kBankBytes;
      int64_t lastWord = (offsets[lane] + std::max(bytes, 1) - 1) / kBankBytes;
      for (int64_t word = firstWord; word <= lastWord; ++word)
        bankWords[word % kBanks].insert(word);
    }
    if (!active)
      continue;
    size_t ways = 1;
    for (const std::set<int64_t> &words : bankWords)
      ways = std::max(ways, words.size());
    ++phases;
    wavefronts += ways;
    site.worstWays = std::max(site.worstWays, static_cast<int>(ways));
  }
  ++site.accesses;
  site.wavefronts += wavefronts;
  site.conflictFree += phases;
  if (wavefronts > phases)
    ++site.conflicted;
}

/// Matches the logged accesses of each warp of a block of `threads` threads
/// into warp accesses, adds them to the totals and empties the logs.
void tallyBlock(int threads) {
  for (int warpStart = 0; warpStart < threads; warpStart += kWarpSize) {
    // (site, occurrence) -> each lane's offset.
    std::map<std::pair<int32_t, uint64_t>, std::array<int64_t, kWarpSize>>
        instances;
    std::map<int32_t, const Access *> firstOfSite;
    for (int lane = 0; lane < kWarpSize && warpStart + lane < threads; ++lane) {
      std::map<int32_t, uint64_t> reached;
      for (const Access &access : logs[warpStart + lane]) {
        auto key = std::make_pair(access.site, reached[access.site]++);
        auto [it, inserted] = instances.try_emplace(key);
        if (inserted)
          it->second.fill(-1);
        it->second[lane] = access.offset;
        firstOfSite.emplace(access.site, &access);
      }
    }
    for (auto &[key, offsets] : instances) {
      const Access &access = *firstOfSite.at(key.first);
      SiteTotals &site = totals[key.first];
      if (site.accesses == 0) {
        site.launch = access.launch;
        site.store = access.store;
        site.bytes = access.bytes;
        site.where.assign(access.where,
                          static_cast<size_t>(access.whereLength));
      }
      addWarpAccess(site, offsets, access.bytes);
    }
  }
  for (int tid = 0; tid < threads; ++tid)
    logs[tid].clear();
}

void printTotals() {
  std::fprintf(stderr,
               "qblock GPU emulator: bank conflicts (32 banks of 4 bytes; a "
               "lane's n-th access at a place is matched with its warp's "
               "other lanes' n-th):\n");
  // Per launch and kind, then the conflicted sites, most wavefronts over
  // the conflict-free count first.
  std::map<std::pair<int32_t, bool>, SiteTotals> kinds;
  for (const auto &[id, site] : totals) {
    SiteTotals &kind = kinds[{site.launch, site.store}];
    kind.accesses += site.accesses;
    kind.wavefronts += site.wavefronts;
    kind.conflictFree += site.conflictFree;
    kind.conflicted += site.conflicted;
    kind.worstWays = std::max(kind.worstWays, site.worstWays);
  }
  for (const auto &[key, kind] : kinds)
    std::fprintf(stderr,
                 "qblock GPU emulator:   launch %d %s: %llu warp accesses, "
                 "%llu wavefronts (%llu without conflicts), %llu conflicted, "
                 "worst %d-way\n",
                 key.first, key.second ? "stores" : "loads",
                 static_cast<unsigned long long>(kind.accesses),
                 static_cast<unsigned long long>(kind.wavefronts),
                 static_cast<unsigned long long>(kind.conflictFree),
                 static_cast<unsigned long long>(kind.conflicted),
                 kind.worstWays);
  std::vector<const SiteTotals *> conflicted;
  for (const auto &[id, site] : totals)
    if (site.conflicted > 0)
      conflicted.push_back(&site);
  std::stable_sort(conflicted.begin(), conflicted.end(),
                   [](const SiteTotals *a, const SiteTotals *b) {
                     return a->wavefronts - a->conflictFree >
                            b->wavefronts - b->conflictFree;
                   });
  // The worst few of each launch; unrolled kernels have hundreds.
  constexpr int kSitesShown = 5;
  std::map<int32_t, int> shown, notShown;
  for (const SiteTotals *site : conflicted) {
    if (shown[site->launch]++ >= kSitesShown) {
      ++notShown[site->launch];
      continue;
    }
    std::fprintf(
        stderr,
        "qblock GPU emulator:     launch %d, %s of %d bytes at %s: "
        "%llu warp accesses, %llu wavefronts (%llu without "
        "conflicts), worst %d-way\n",
        site->launch, site->store ? "store" : "load", site->bytes,
        site->where.c_str(), static_cast<unsigned long long>(site->accesses),
        static_cast<unsigned long long>(site->wavefronts),
        static_cast<unsigned long long>(site->conflictFree), site->worstWays);
  }
  for (const auto &[launch, count] : notShown)
    std::fprintf(stderr,
                 "qblock GPU emulator:     launch %d: %d more conflicted "
                 "accesses in the code\n",
                 launch, count);
  std::fflush(stderr);
}

/// Prints the totals when the program ends (or the library is unloaded).
/// Every block was tallied when it ended, while the locations' text, in
/// the program's memory, still existed.
struct ReportAtExit {
  ~ReportAtExit() {
    if (anyAccess.load())
      printTotals();
  }
} reportAtExit;

} // namespace

/// After each block's team has ended (the generated code calls it only
/// when it counts bank conflicts): the block's `threads` threads' accesses
/// are complete.
QBLOCK_EMULATOR_EXPORT void qblockEmuTallyBankConflicts(int32_t threads) {
  if (threads > 0 && threads <= kMaxThreads)
    tallyBlock(threads);
}

/// One load (isStore 0) or store of `bytes` bytes at byte `offset` of a
/// workgroup buffer by thread `tid` of the running block; `site` numbers
/// the access in the module, `launch` its gpu.launch, `where` (not
/// null-terminated; an address, as the generated code has it) its
/// location.
QBLOCK_EMULATOR_EXPORT void qblockEmuSharedAccess(int32_t site, int32_t launch,
                                                  int32_t isStore,
                                                  int64_t offset, int32_t bytes,
                                                  int32_t tid, int64_t where,
                                                  int64_t whereLength) {
  if (tid < 0 || tid >= kMaxThreads)
    return;
  anyAccess.store(true, std::memory_order_relaxed);
  logs[tid].push_back(
      {site, launch, isStore != 0, bytes, offset,
       reinterpret_cast<const char *>(static_cast<intptr_t>(where)),
       whereLength});
}
