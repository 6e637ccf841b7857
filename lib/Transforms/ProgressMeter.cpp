//===- ProgressMeter.cpp - progress lines for long pass work --------------===//

#include "ProgressMeter.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace qblock;

namespace {

/// 4194304 -> "4.19M": counts of weights as people say them.
std::string humanCount(int64_t count) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (count >= 1'000'000'000)
    os << llvm::format("%.2fG", count / 1e9);
  else if (count >= 1'000'000)
    os << llvm::format("%.2fM", count / 1e6);
  else if (count >= 1'000)
    os << llvm::format("%.1fk", count / 1e3);
  else
    os << count;
  return text;
}

/// Seconds with a decimal while they are few.
std::string humanSeconds(double seconds) {
  std::string text;
  llvm::raw_string_ostream(text)
      << llvm::format(seconds < 10 ? "%.1f s" : "%.0f s", seconds);
  return text;
}

} // namespace

ProgressMeter::ProgressMeter(llvm::StringRef what, llvm::StringRef unit,
                             int64_t total, double intervalSeconds)
    : what(what.str()), unit(unit.str()), total(total),
      interval(intervalSeconds), start(std::chrono::steady_clock::now()),
      nextLine(intervalSeconds) {}

double ProgressMeter::elapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

void ProgressMeter::add(int64_t count) {
  int64_t now = done.fetch_add(count, std::memory_order_relaxed) + count;
  if (interval <= 0)
    return;
  double elapsed = elapsedSeconds();
  // One worker prints; the others go on rather than wait for the lock.
  std::unique_lock<std::mutex> lock(printing, std::try_to_lock);
  if (!lock.owns_lock() || elapsed < nextLine)
    return;
  print(now, elapsed);
  nextLine = elapsed + interval;
}

void ProgressMeter::print(int64_t now, double elapsed) {
  printed = true;
  llvm::raw_ostream &os = llvm::errs();
  os << what << " " << humanCount(now) << " of " << humanCount(total) << " "
     << unit;
  if (total > 0)
    os << llvm::format(" (%d%%)", static_cast<int>(100.0 * now / total));
  os << ", " << humanSeconds(elapsed);
  // The rate so far predicts the rest: every item costs about the same.
  if (now > 0 && now < total)
    os << ", about "
       << humanSeconds(elapsed * double(total - now) / double(now))
       << " left";
  os << "\n";
}

void ProgressMeter::finish() {
  std::lock_guard<std::mutex> lock(printing);
  if (!printed)
    return;
  llvm::errs() << what << " " << humanCount(done.load()) << " " << unit
               << " in " << humanSeconds(elapsedSeconds()) << "\n";
}
