//===- PermuteDecode.cpp - 4-bit codes decoded by byte permutes -----------===//

#include "PermuteDecode.h"
#include "KernelBuilding.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace qblock::gpukernel {

namespace {

/// prmt selectors (PTX ISA, prmt.b32 default mode: result byte i is source
/// byte c[4i+2 : 4i] of {b, a}, or with c[4i+3] set the sign of that byte
/// replicated). The mask of codes 0-3 of a word w comes from y = w << 4 and
/// w: code 0's sign (w bit 3) is bit 7 of y's byte 0, code 1's (bit 7) bit
/// 7 of w's byte 0, code 2's bit 7 of y's byte 1, code 3's of w's byte 1.
/// Codes 4-7 take bytes 2 and 3 the same way.
constexpr uint32_t kSignMaskLow = 0xD9C8u, kSignMaskHigh = 0xFBEAu;

Value i32(ImplicitLocOpBuilder &b, uint32_t value) {
  return arith::ConstantIntOp::create(b, b.getI32Type(),
                                      static_cast<int32_t>(value));
}

/// The prmt selector that interleaves bytes 2k and 2k + 1 of its first
/// source (low bytes) with the same bytes of its second (high bytes):
/// [lo_2k, hi_2k, lo_2k+1, hi_2k+1], the 16-bit values of codes 2k and
/// 2k + 1 of a group of 4.
constexpr uint32_t pairSelector(uint32_t k) {
  return (2 * k) | ((4 + 2 * k) << 4) | ((2 * k + 1) << 8) |
         ((5 + 2 * k) << 12);
}

Value prmt(ImplicitLocOpBuilder &b, Value lo, Value hi, Value selector) {
  return NVVM::PermuteOp::create(b, b.getI32Type(), lo, hi, selector,
                                 NVVM::PermuteMode::DEFAULT);
}

} // namespace

std::array<uint32_t, kPermuteWordsPerDialect>
permuteDecodeWords(const numerics::FormatBook &book, int64_t d,
                   PermuteValues values) {
  std::array<uint32_t, kPermuteWordsPerDialect> words = {};
  if (d >= book.size())
    return words;
  for (int level = 0; level < numerics::kLevelsPerDialect; ++level) {
    int magnitude = book.dialect(d)[level];
    assert(magnitude >= 0 && magnitude <= 127 &&
           "book magnitudes are integers in [0, 127]");
    int shift = 8 * (level % 4);
    if (values == PermuteValues::SignedBytes) {
      words[level / 4] |= static_cast<uint32_t>(magnitude) << shift;
      words[2 + level / 4] |= (static_cast<uint32_t>(-magnitude) & 0xFF)
                              << shift;
      continue;
    }
    // m <= 127 has at most 7 significant bits: exact in f16 and bf16.
    std::optional<uint16_t> half = exactHalfBits(static_cast<float>(magnitude),
                                                 values == PermuteValues::BF16);
    assert(half && "magnitudes up to 127 are exact in f16 and bf16");
    uint32_t bits = *half;
    words[level / 4] |= (bits >> 8) << shift;
    words[2 + level / 4] |= (bits & 0xFF) << shift;
  }
  return words;
}

std::vector<int32_t> permuteDecodeTable(const numerics::FormatBook &book,
                                        PermuteValues values) {
  std::vector<int32_t> table;
  for (int64_t d = 0; d < book.dialectIdCount(); ++d)
    for (uint32_t word : permuteDecodeWords(book, d, values))
      table.push_back(static_cast<int32_t>(word));
  return table;
}

StringRef getOrCreatePermuteTable(ImplicitLocOpBuilder &b, ModuleOp module,
                                  SymbolTable &symbols,
                                  const numerics::FormatBook &book,
                                  PermuteValues values) {
  std::vector<int32_t> words = permuteDecodeTable(book, values);
  return getOrCreateConstantTable(
      b, module, symbols,
      DenseElementsAttr::get(
          RankedTensorType::get({static_cast<int64_t>(words.size())},
                                b.getI32Type()),
          ArrayRef<int32_t>(words)),
      "__qblock_gpu_permute_");
}

Value getPermuteTable(ImplicitLocOpBuilder &b, const numerics::FormatBook &book,
                      StringRef name) {
  return memref::GetGlobalOp::create(
      b,
      MemRefType::get({book.dialectIdCount() * kPermuteWordsPerDialect},
                      b.getI32Type()),
      name);
}

SmallVector<Value, 4> permuteWordsOf(ImplicitLocOpBuilder &b,
                                     const numerics::FormatBook &book,
                                     PermuteValues values, Value table,
                                     Value id) {
  SmallVector<Value, 4> words;
  if (!id) {
    for (uint32_t word : permuteDecodeWords(book, 0, values))
      words.push_back(i32(b, word));
    return words;
  }
  Value at = arith::MulIOp::create(
      b, id, arith::ConstantIndexOp::create(b, kPermuteWordsPerDialect));
  Value loaded = vector::LoadOp::create(
      b, VectorType::get({kPermuteWordsPerDialect}, b.getI32Type()), table,
      ValueRange{at}, /*nontemporal=*/false,
      llvm::MaybeAlign(4 * kPermuteWordsPerDialect));
  for (int64_t i = 0; i < kPermuteWordsPerDialect; ++i)
    words.push_back(vector::ExtractOp::create(b, loaded, i));
  return words;
}

void decodeWordToHalfPairs(ImplicitLocOpBuilder &b, Value word, int64_t codes,
                           ArrayRef<Value> dialectWords,
                           SmallVectorImpl<Value> &pairs) {
  assert(dialectWords.size() == kPermuteWordsPerDialect);
  assert(codes == 4 || codes == 8);
  // prmt reads the low 3 bits of a selector nibble as the byte and bit 3 as
  // "replicate the sign": clear it, so each code's nibble selects its
  // magnitude's byte. Codes 4-7 move to the low half, where prmt reads.
  Value selectors = arith::AndIOp::create(b, word, i32(b, 0x77777777u));
  Value shifted = arith::ShLIOp::create(b, word, i32(b, 4));
  Value signBits = i32(b, 0x80808080u);
  for (int half = 0; half < codes / 4; ++half) {
    Value select = half
                       ? Value(arith::ShRUIOp::create(b, selectors, i32(b, 16)))
                       : selectors;
    Value high = prmt(b, dialectWords[0], dialectWords[1], select);
    Value low = prmt(b, dialectWords[2], dialectWords[3], select);
    Value negativeMask =
        prmt(b, shifted, word, i32(b, half ? kSignMaskHigh : kSignMaskLow));
    // Each code's sign into bit 7 of its high byte (one lop3).
    Value signedHigh = arith::OrIOp::create(
        b, high, arith::AndIOp::create(b, negativeMask, signBits));
    for (uint32_t k = 0; k < 2; ++k)
      pairs.push_back(prmt(b, low, signedHigh, i32(b, pairSelector(k))));
  }
}

void decodeWordByPermute(ImplicitLocOpBuilder &b, Value word,
                         ArrayRef<Value> dialectWords,
                         SmallVectorImpl<Value> &values) {
  SmallVector<Value, 4> pairs;
  decodeWordToHalfPairs(b, word, 8, dialectWords, pairs);
  // A bf16's f32 is its 16 bits followed by 16 zero bits.
  Value sixteen = i32(b, 16);
  Value highHalf = i32(b, 0xFFFF0000u);
  for (Value pair : pairs) {
    Value even = arith::ShLIOp::create(b, pair, sixteen);
    Value odd = arith::AndIOp::create(b, pair, highHalf);
    values.push_back(arith::BitcastOp::create(b, b.getF32Type(), even));
    values.push_back(arith::BitcastOp::create(b, b.getF32Type(), odd));
  }
}

std::array<Value, 2> decodeWordToSignedBytes(ImplicitLocOpBuilder &b,
                                             Value word,
                                             ArrayRef<Value> dialectWords) {
  assert(dialectWords.size() == kPermuteWordsPerDialect);
  // As in decodeWordToHalfPairs, each nibble's low 3 bits select its
  // magnitude (byte) and its negation; bit 3 must be clear to select.
  Value selectors = arith::AndIOp::create(b, word, i32(b, 0x77777777u));
  // Then per code j of 4: byte j of the magnitudes (selector j) or of the
  // negations (4 + j), by the code's sign: nibble j of
  // 0x3210 | ((word >> 1) & 0x4444), which one shift and one lop3 make for
  // both halves of the word.
  Value one = i32(b, 1);
  Value signBits = i32(b, 0x44444444u);
  Value identity = i32(b, 0x32103210u);
  Value shifted = arith::ShRUIOp::create(b, word, one);
  Value signs = arith::AndIOp::create(b, shifted, signBits);
  Value pick = arith::OrIOp::create(b, signs, identity);
  std::array<Value, 2> bytes;
  for (int half = 0; half < 2; ++half) {
    Value select = selectors, which = pick;
    if (half) {
      Value sixteen = i32(b, 16);
      select = arith::ShRUIOp::create(b, selectors, sixteen);
      which = arith::ShRUIOp::create(b, pick, sixteen);
    }
    Value magnitudes = prmt(b, dialectWords[0], dialectWords[1], select);
    Value negations = prmt(b, dialectWords[2], dialectWords[3], select);
    bytes[half] = prmt(b, magnitudes, negations, which);
  }
  return bytes;
}

} // namespace qblock::gpukernel
