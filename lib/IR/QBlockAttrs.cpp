//===- QBlockAttrs.cpp - qblock attributes --------------------------------===//
//
// Parsing, printing and verification of #qblock.book, #qblock.scheme and
// #qblock.bcq. Validation rules live in the numerics core so the compiler,
// the Python package and the tests agree on what a valid format is.
//
//===----------------------------------------------------------------------===//

#include "qblock/IR/QBlockAttrs.h"
#include "qblock/IR/QBlockDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace qblock;
namespace num = ::qblock::numerics;

#define GET_ATTRDEF_CLASSES
#include "qblock/IR/QBlockAttrs.cpp.inc"

void QBlockDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "qblock/IR/QBlockAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Enum spellings shared by the parsers and printers
//===----------------------------------------------------------------------===//

static std::optional<num::ScaleKind> parseScaleKind(StringRef name) {
  return llvm::StringSwitch<std::optional<num::ScaleKind>>(name)
      .Case("e8m0", num::ScaleKind::E8M0)
      .Case("e4m3", num::ScaleKind::E4M3)
      .Case("f16", num::ScaleKind::F16)
      .Default(std::nullopt);
}

static std::optional<num::SelectRule> parseSelectRule(StringRef name) {
  return llvm::StringSwitch<std::optional<num::SelectRule>>(name)
      .Case("mse", num::SelectRule::MSE)
      .Case("two_stage", num::SelectRule::TwoStage)
      .Default(std::nullopt);
}

static StringRef selectRuleKeyword(num::SelectRule rule) {
  return rule == num::SelectRule::MSE ? "mse" : "two_stage";
}

//===----------------------------------------------------------------------===//
// FormatBookAttr
//===----------------------------------------------------------------------===//

static std::vector<std::vector<int64_t>> toTables(ArrayRef<int64_t> flat) {
  std::vector<std::vector<int64_t>> tables;
  for (size_t i = 0; i + num::kLevelsPerDialect <= flat.size();
       i += num::kLevelsPerDialect)
    tables.emplace_back(flat.begin() + i,
                        flat.begin() + i + num::kLevelsPerDialect);
  return tables;
}

static std::optional<num::FormatBook> builtinBook(StringRef name) {
  if (name == "dialectfp4")
    return num::FormatBook::dialectFP4();
  if (name == "e2m1")
    return num::FormatBook::e2m1();
  if (name == "int4")
    return num::FormatBook::int4();
  if (name == "int8")
    return num::FormatBook::int8();
  return std::nullopt;
}

LogicalResult
FormatBookAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       ArrayRef<int64_t> magnitudes) {
  // No tables: the INT8 book (see FormatBookAttr::get).
  if (magnitudes.empty())
    return success();
  if (magnitudes.size() % num::kLevelsPerDialect != 0)
    return emitError() << "a formatbook holds 8 magnitudes per dialect, got "
                       << magnitudes.size() << " in total";
  std::string problem = num::FormatBook::validate(toTables(magnitudes));
  if (!problem.empty())
    return emitError() << "invalid formatbook: " << problem;
  return success();
}

FormatBookAttr FormatBookAttr::get(MLIRContext *context,
                                   const num::FormatBook &book) {
  // INT8 has no tables; it is the one book stored without magnitudes.
  SmallVector<int64_t> flat;
  for (const num::DialectTable &table : book.dialects())
    flat.append(table.begin(), table.end());
  return get(context, flat);
}

num::FormatBook FormatBookAttr::toNumerics() const {
  if (getMagnitudes().empty())
    return num::FormatBook::int8();
  return num::FormatBook::custom(toTables(getMagnitudes()));
}

Attribute FormatBookAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess())
    return {};
  StringRef name;
  if (succeeded(parser.parseOptionalKeyword(&name))) {
    std::optional<num::FormatBook> book = builtinBook(name);
    if (!book) {
      parser.emitError(loc, "unknown formatbook '")
          << name
          << "'; expected dialectfp4, e2m1, int4, int8 or a table of dialects "
             "such as [[0, 1, 2, 3, 4, 6, 8, 12]]";
      return {};
    }
    if (parser.parseGreater())
      return {};
    return FormatBookAttr::get(parser.getContext(), *book);
  }

  std::vector<std::vector<int64_t>> tables;
  auto parseTable = [&]() -> ParseResult {
    tables.emplace_back();
    return parser.parseCommaSeparatedList(
        AsmParser::Delimiter::Square, [&]() -> ParseResult {
          return parser.parseInteger(tables.back().emplace_back());
        });
  };
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, parseTable,
                                     " in a formatbook table") ||
      parser.parseGreater())
    return {};
  std::string problem = num::FormatBook::validate(tables);
  if (!problem.empty()) {
    parser.emitError(loc, "invalid formatbook: ") << problem;
    return {};
  }
  SmallVector<int64_t> flat;
  for (const auto &table : tables)
    flat.append(table.begin(), table.end());
  return parser.getChecked<FormatBookAttr>(loc, parser.getContext(), flat);
}

void FormatBookAttr::print(AsmPrinter &printer) const {
  std::string name = toNumerics().builtinName();
  if (!name.empty()) {
    printer << '<' << name << '>';
    return;
  }
  printer << "<[";
  llvm::interleaveComma(toTables(getMagnitudes()), printer,
                        [&](const std::vector<int64_t> &table) {
                          printer << '[';
                          llvm::interleaveComma(table, printer);
                          printer << ']';
                        });
  printer << "]>";
}

//===----------------------------------------------------------------------===//
// SchemeAttr
//===----------------------------------------------------------------------===//

namespace {
struct SchemePreset {
  StringRef name;
  num::Scheme (*make)();
};
} // namespace

static ArrayRef<SchemePreset> schemePresets() {
  static const SchemePreset presets[] = {
      {"blockdialect", [] { return num::Scheme::blockDialect(); }},
      {"mxfp4", [] { return num::Scheme::mxfp4(); }},
      {"nvfp4", [] { return num::Scheme::nvfp4(); }},
      {"int4", [] { return num::Scheme::int4(); }},
      {"int8", [] { return num::Scheme::int8(); }},
  };
  return presets;
}

/// The preset with this book and scale kind, if any.
static const SchemePreset *findPreset(const num::FormatBook &book,
                                      num::ScaleKind scale) {
  for (const SchemePreset &preset : schemePresets()) {
    num::Scheme scheme = preset.make();
    if (scheme.book == book && scheme.scale == scale)
      return &preset;
  }
  return nullptr;
}

LogicalResult SchemeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 FormatBookAttr book, num::ScaleKind,
                                 int64_t blockSize, num::SelectRule) {
  if (!book)
    return emitError() << "a scheme needs a formatbook";
  std::string problem = num::validateBlockSize(blockSize);
  if (!problem.empty())
    return emitError() << problem;
  return success();
}

SchemeAttr SchemeAttr::get(MLIRContext *context, const num::Scheme &scheme) {
  return get(context, FormatBookAttr::get(context, scheme.book), scheme.scale,
             scheme.blockSize, scheme.select);
}

num::Scheme SchemeAttr::toNumerics() const {
  return num::Scheme{getBook().toNumerics(), getScale(), getBlockSize(),
                     getSelect()};
}

StringRef SchemeAttr::getPresetName() const {
  const SchemePreset *preset = findPreset(getBook().toNumerics(), getScale());
  return preset ? preset->name : "custom";
}

Attribute SchemeAttr::parse(AsmParser &parser, Type) {
  MLIRContext *ctx = parser.getContext();
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess())
    return {};

  FormatBookAttr book;
  num::ScaleKind scale = num::ScaleKind::E8M0;
  int64_t blockSize = 32;
  num::SelectRule select = num::SelectRule::MSE;

  StringRef head;
  SMLoc headLoc = parser.getCurrentLocation();
  if (parser.parseKeyword(&head))
    return {};
  if (head == "book") {
    if (parser.parseEqual() || parser.parseAttribute(book))
      return {};
  } else {
    const SchemePreset *preset = llvm::find_if(
        schemePresets(), [&](const SchemePreset &p) { return p.name == head; });
    if (preset == schemePresets().end()) {
      parser.emitError(headLoc, "unknown scheme '")
          << head
          << "'; expected blockdialect, mxfp4, nvfp4, int4, int8 or "
             "book = #qblock.book<...>";
      return {};
    }
    num::Scheme scheme = preset->make();
    book = FormatBookAttr::get(ctx, scheme.book);
    scale = scheme.scale;
    blockSize = scheme.blockSize;
  }

  llvm::StringSet<> seen;
  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    SMLoc keyLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return {};
    if (!seen.insert(key).second) {
      parser.emitError(keyLoc, "scheme parameter '") << key << "' given twice";
      return {};
    }
    SMLoc valueLoc = parser.getCurrentLocation();
    if (key == "block") {
      if (parser.parseInteger(blockSize))
        return {};
      continue;
    }
    StringRef value;
    if (key != "select" && key != "scale") {
      parser.emitError(keyLoc, "unknown scheme parameter '")
          << key << "'; expected block, select or scale";
      return {};
    }
    if (parser.parseKeyword(&value))
      return {};
    if (key == "select") {
      std::optional<num::SelectRule> rule = parseSelectRule(value);
      if (!rule) {
        parser.emitError(valueLoc, "unknown selection rule '")
            << value << "'; expected mse or two_stage";
        return {};
      }
      select = *rule;
    } else {
      std::optional<num::ScaleKind> kind = parseScaleKind(value);
      if (!kind) {
        parser.emitError(valueLoc, "unknown scale kind '")
            << value << "'; expected e8m0, e4m3 or f16";
        return {};
      }
      scale = *kind;
    }
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<SchemeAttr>(loc, ctx, book, scale, blockSize,
                                       select);
}

void SchemeAttr::print(AsmPrinter &printer) const {
  num::FormatBook book = getBook().toNumerics();
  const SchemePreset *preset = findPreset(book, getScale());
  int64_t defaultBlock = 32;
  printer << '<';
  if (preset) {
    printer << preset->name;
    defaultBlock = preset->make().blockSize;
  } else {
    printer << "book = ";
    printer.printAttribute(getBook());
    printer << ", scale = " << num::scaleKindName(getScale());
  }
  if (getBlockSize() != defaultBlock)
    printer << ", block = " << getBlockSize();
  if (getSelect() != num::SelectRule::MSE)
    printer << ", select = " << selectRuleKeyword(getSelect());
  printer << '>';
}

//===----------------------------------------------------------------------===//
// BCQSchemeAttr
//===----------------------------------------------------------------------===//

LogicalResult
BCQSchemeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      int64_t bits, int64_t group, bool offset,
                      bool fromUniform) {
  num::BCQScheme scheme{static_cast<int>(bits), group, offset, fromUniform};
  if (fromUniform && !offset)
    return emitError() << "fit = uniform converts uniform INT-q to BCQ with "
                          "an offset term; drop offset = false";
  if (bits < 1 || bits > 4)
    return emitError() << "BCQ bits must be in 1..4, got " << bits;
  std::string problem = num::validateBCQScheme(scheme);
  if (!problem.empty())
    return emitError() << problem;
  return success();
}

num::BCQScheme BCQSchemeAttr::toNumerics() const {
  return num::BCQScheme{static_cast<int>(getBits()), getGroup(), getOffset(),
                        getFromUniform()};
}

Attribute BCQSchemeAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  std::optional<int64_t> bits, group;
  bool offset = true, fromUniform = false;
  llvm::StringSet<> seen;
  auto parseParam = [&]() -> ParseResult {
    StringRef key;
    SMLoc keyLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return failure();
    if (!seen.insert(key).second)
      return parser.emitError(keyLoc, "BCQ parameter '")
             << key << "' given twice";
    if (key == "bits")
      return parser.parseInteger(bits.emplace());
    if (key == "group")
      return parser.parseInteger(group.emplace());
    if (key == "offset") {
      StringRef value;
      SMLoc valueLoc = parser.getCurrentLocation();
      if (parser.parseKeyword(&value))
        return failure();
      if (value != "true" && value != "false")
        return parser.emitError(valueLoc, "offset must be true or false");
      offset = value == "true";
      return success();
    }
    if (key == "fit") {
      StringRef value;
      SMLoc valueLoc = parser.getCurrentLocation();
      if (parser.parseKeyword(&value))
        return failure();
      if (value != "uniform" && value != "alternating")
        return parser.emitError(valueLoc,
                                "fit must be alternating or uniform");
      fromUniform = value == "uniform";
      return success();
    }
    return parser.emitError(keyLoc, "unknown BCQ parameter '")
           << key << "'; expected bits, group, offset or fit";
  };
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::LessGreater,
                                     parseParam))
    return {};
  if (!bits || !group) {
    parser.emitError(loc, "a BCQ scheme needs both bits and group, e.g. "
                          "#qblock.bcq<bits = 3, group = 128>");
    return {};
  }
  return parser.getChecked<BCQSchemeAttr>(loc, parser.getContext(), *bits,
                                          *group, offset, fromUniform);
}

void BCQSchemeAttr::print(AsmPrinter &printer) const {
  printer << "<bits = " << getBits() << ", group = " << getGroup();
  if (!getOffset())
    printer << ", offset = false";
  if (getFromUniform())
    printer << ", fit = uniform";
  printer << '>';
}
