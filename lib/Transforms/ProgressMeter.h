//===- ProgressMeter.h - progress lines for long pass work -----*- C++ -*-===//
//
// Packing the weights of a large model takes minutes (BCQ fits longer), and
// a compiler that says nothing for that long looks hung. A ProgressMeter
// prints a line to stderr every `interval` seconds of work, the first only
// after `interval` seconds, so short runs (tests, small modules) print
// nothing and their output stays deterministic. Workers on MLIR's thread
// pool report finished work with add(); whichever worker finishes a piece
// after the interval has passed prints the line.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_TRANSFORMS_PROGRESSMETER_H
#define QBLOCK_LIB_TRANSFORMS_PROGRESSMETER_H

#include "llvm/ADT/StringRef.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace qblock {

class ProgressMeter {
public:
  /// `what` names the work in each line ("qblock-select-formats: packed");
  /// `unit` the counted items ("weights"). An interval <= 0 prints nothing.
  ProgressMeter(llvm::StringRef what, llvm::StringRef unit, int64_t total,
                double intervalSeconds);

  /// Records `done` more finished items; thread-safe.
  void add(int64_t done);

  /// Prints the closing line (total and time) if any line was printed.
  void finish();

private:
  double elapsedSeconds() const;
  void print(int64_t done, double elapsed);

  std::string what, unit;
  int64_t total;
  double interval;
  std::chrono::steady_clock::time_point start;
  std::atomic<int64_t> done{0};
  std::mutex printing;
  double nextLine;
  bool printed = false;
};

} // namespace qblock

#endif // QBLOCK_LIB_TRANSFORMS_PROGRESSMETER_H
