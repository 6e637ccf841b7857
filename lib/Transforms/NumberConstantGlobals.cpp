//===- NumberConstantGlobals.cpp - Reproducible constant global names -----===//
//
// Upstream one-shot bufferization (with bufferize-function-boundaries)
// names the globals it creates for tensor constants `__constant_<type>_<n>`
// with n, and their order in the module, depending on pointer values: the
// same input printed differently from run to run. This pass renumbers them
// in module order of first use, so the pipelines' output is reproducible.
//
//===----------------------------------------------------------------------===//

#include "qblock/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

namespace qblock {
#define GEN_PASS_DEF_NUMBERCONSTANTGLOBALS
#include "qblock/Transforms/Passes.h.inc"
} // namespace qblock

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kPrefix = "__constant_";

/// `__constant_<type>_<n>` without `_<n>` (names without a numeric
/// suffix, as bufferization gives the first global of a type, stay whole).
StringRef stem(StringRef name) {
  auto [head, tail] = name.rsplit('_');
  if (!tail.empty() && llvm::all_of(tail, llvm::isDigit) &&
      head.size() > kPrefix.size())
    return head;
  return name;
}

struct NumberConstantGlobalsPass
    : public qblock::impl::NumberConstantGlobalsBase<
          NumberConstantGlobalsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::StringMap<memref::GlobalOp> candidates;
    for (auto global : module.getOps<memref::GlobalOp>())
      if (global.getConstant() && global.isPrivate() &&
          global.getSymName().starts_with(kPrefix))
        candidates[global.getSymName()] = global;
    if (candidates.empty())
      return;

    // Order of first read, then the unread ones by name.
    llvm::MapVector<StringRef, memref::GlobalOp> order;
    SmallVector<memref::GetGlobalOp> reads;
    module.walk([&](memref::GetGlobalOp read) {
      auto it = candidates.find(read.getName());
      if (it == candidates.end())
        return;
      reads.push_back(read);
      order.insert({it->getKey(), it->getValue()});
    });
    SmallVector<StringRef> unread;
    for (auto &entry : candidates)
      if (!order.count(entry.getKey()))
        unread.push_back(entry.getKey());
    llvm::sort(unread);
    for (StringRef name : unread)
      order.insert({name, candidates[name]});

    // New names: the stem plus its running count in that order. Every
    // candidate is renamed, so the new names cannot clash with old ones
    // that stay; other symbols could, and are skipped over.
    SymbolTable symbols(module);
    llvm::StringMap<unsigned> counts;
    llvm::StringMap<StringAttr> renamed;
    llvm::StringSet<> taken;
    for (auto &[oldName, global] : order) {
      std::string name;
      do {
        unsigned &count = counts[stem(oldName)];
        name = (stem(oldName) + "_" + llvm::Twine(count++)).str();
      } while (taken.contains(name) ||
               (!candidates.count(name) && symbols.lookup(name)));
      taken.insert(name);
      renamed[oldName] = StringAttr::get(module.getContext(), name);
    }
    for (memref::GetGlobalOp read : reads)
      read.setNameAttr(
          FlatSymbolRefAttr::get(renamed[read.getName()]));
    // Definitions in the new order, first in the module.
    for (auto &[oldName, global] : order)
      global.setSymName(renamed[oldName].getValue());
    Block &body = *module.getBody();
    for (auto &entry : llvm::reverse(order)) {
      Operation *global = entry.second;
      if (global != &body.front())
        global->moveBefore(&body.front());
    }
  }
};

} // namespace
