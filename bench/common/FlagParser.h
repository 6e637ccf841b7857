//===- FlagParser.h - "--flag value" options of the small bench tools -----===//
//
// qblock-accuracy, qblock-quantize-bench and qblock-gpu-run take a few
// "--flag value" options. Their first parser skipped a trailing flag, ignored
// --help and bad values (atof), and so ran a long default benchmark instead of
// saying what was wrong. This one prints the usage for --help (exit 0) and ends
// with the usage and exit status 2 on an unknown flag, a missing value or
// a value out of range. A value comes after the flag or after '='
// (`--k 64`, `--k=64`), as in qblock-bench. A flag takes the next argument
// as its value only when the tool asks for one, so switches (`--dry-run`)
// and plain arguments (qblock-gpu-run's plan directory) mix with them.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_BENCH_COMMON_FLAGPARSER_H
#define QBLOCK_BENCH_COMMON_FLAGPARSER_H

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>

namespace qblock::bench {

class FlagParser {
public:
  FlagParser(int argc, char **argv, const char *usage)
      : argc(argc), argv(argv), usage(usage) {}

  /// Moves to the next argument, a flag or a plain one (isPlain); false
  /// when there are none left. --help and -h print the usage and exit 0
  /// here.
  bool next() {
    // Past the argument, and past its value when one was read from the
    // next argument.
    index += valueFromNext ? 2 : 1;
    valueFromNext = false;
    if (index >= argc)
      return false;
    flag = argv[index];
    if (flag == "--help" || flag == "-h") {
      std::printf("usage: %s %s\n", name(), usage);
      std::exit(0);
    }
    inlineValue.reset();
    if (size_t equals = flag.find('=');
        flag.rfind("--", 0) == 0 && equals != std::string::npos) {
      inlineValue = flag.substr(equals + 1);
      flag.resize(equals);
    }
    return true;
  }

  bool is(const char *name) const { return flag == name; }

  /// An argument that is not a flag: it does not start with '-' (or is
  /// "-" alone).
  bool isPlain() const { return flag.empty() || flag[0] != '-' || flag == "-"; }
  /// The argument itself, for plain arguments.
  const std::string &text() const { return flag; }

  /// For a switch, which takes no value: ends the program on `--flag=...`.
  void noValue() const {
    if (inlineValue)
      fail(flag + " takes no value");
  }

  /// Any text, for a path or a name.
  std::string string() { return value(); }

  double number(double lo, double hi) { return parseNumber(lo, hi, false); }
  /// A number in (lo, hi]: above lo.
  double numberAbove(double lo, double hi) { return parseNumber(lo, hi, true); }

  int64_t integer(int64_t lo, int64_t hi) {
    const char *text = value();
    char *end = nullptr;
    errno = 0;
    long long v = std::strtoll(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
      fail(flag + " " + text + ": expected an integer in [" +
           std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
  }

  std::string word(std::initializer_list<const char *> allowed) {
    std::string text = value(), list;
    for (const char *a : allowed) {
      if (text == a)
        return text;
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    fail(flag + " " + text + ": expected one of " + list);
  }

  /// Ends the program: the message, the usage, exit status 2.
  [[noreturn]] void fail(const std::string &message) const {
    std::fprintf(stderr, "%s: error: %s\nusage: %s %s\n", name(),
                 message.c_str(), name(), usage);
    std::exit(2);
  }

  [[noreturn]] void unknown() const {
    fail(isPlain() ? "unexpected argument '" + flag + "'"
                   : "unknown option " + flag);
  }

private:
  const char *value() {
    if (inlineValue)
      return inlineValue->c_str();
    if (index + 1 >= argc)
      fail(flag + " needs a value");
    // `--cublas --dry-run` took the switch as the path (qblock-bench says
    // the same of its own flags). Negative numbers start with one '-'.
    if (std::strncmp(argv[index + 1], "--", 2) == 0)
      fail(flag + " needs a value, got the option '" + argv[index + 1] + "'");
    valueFromNext = true;
    return argv[index + 1];
  }
  double parseNumber(double lo, double hi, bool aboveLo) {
    const char *text = value();
    char *end = nullptr;
    errno = 0;
    double v = std::strtod(text, &end);
    if (errno || end == text || *end || !std::isfinite(v) || v < lo ||
        (aboveLo && !(v > lo)) || v > hi)
      fail(flag + " " + text + ": expected a number in " +
           (aboveLo ? "(" : "[") + format(lo) + ", " + format(hi) + "]");
    return v;
  }
  /// The program's name without its directory, as the tools' other
  /// errors spell it.
  const char *name() const {
    const char *slash = std::strrchr(argv[0], '/');
    return slash ? slash + 1 : argv[0];
  }
  static std::string format(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%g", v);
    return buffer;
  }

  int argc;
  char **argv;
  const char *usage;
  int index = 0;
  std::string flag;
  /// The value of `--flag=value`.
  std::optional<std::string> inlineValue;
  /// Whether the current flag's value is the next argument.
  bool valueFromNext = false;
};

} // namespace qblock::bench

#endif // QBLOCK_BENCH_COMMON_FLAGPARSER_H
