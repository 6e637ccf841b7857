//===- Decode.h - Decoding packed blocks in registers ----------*- C++ -*-===//
//
// Builds the IR that turns 4-bit codes into f32 lanes: per block, the
// dialect's row of signed magnitudes is loaded from a constant table and
// multiplied by the block's half-unit scale once (or, for 8-bit scale
// codes in the W4A16 matmul, read already multiplied from a table filled
// on first use: DecodeTables::getScaledRows); then every nibble vector
// is looked up in that row with qblock.lookup, which --qblock-lower-lookups
// turns into vpermps for AVX-512 (16 lanes, 4-bit index), vpermps on
// magnitudes plus a sign flip for AVX2 (8 lanes, 3-bit index), or per-lane
// extracts elsewhere. The lookup stays an op of ours until after
// bufferization because buffer deallocation rejects ops (like
// llvm.call_intrinsic) whose memory effects it cannot see.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_DECODE_H
#define QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_DECODE_H

#include "PackedLayout.h"
#include "TargetInfo.h"

#include "qblock/Numerics/BlockQuant.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

namespace qblock {
class DotBF16Op;
class DotBytesOp;
class LookupOp;
} // namespace qblock

namespace qblock::cpu {

/// Constant tables for one scheme, as values usable inside kernels.
struct DecodeTables {
  /// memref<16x16xf32>: row d holds dialect d's signed magnitudes in half
  /// units, codes 0-7 positive and 8-15 negative; rows past the book are
  /// NaN so a corrupt dialect id decodes to NaN, as in the numerics core.
  /// Null for INT8, whose codes are their values.
  mlir::Value dialects;
  /// memref<256xf32> of 0.5 * scale for every 8-bit scale code (E8M0,
  /// E4M3); null for F16 scales, which are converted with arith.extf.
  mlir::Value halfScales;
  /// memref<256 x R x 16 x f32>: `dialects` row d times the half scale of
  /// code c at [c, d] (R = 16, or 1 for books without dialect ids), a
  /// module global filled on first use (getScaledRows); null unless asked
  /// for. With it a block's scaled row is one load instead of a load and a
  /// multiply.
  mlir::Value scaledRows;

  /// Table rows a scaled-row table needs: one per dialect id a block can
  /// hold (16 with dialect ids, else 1). 0 when the scheme has none: INT8
  /// books and F16 scales (no 8-bit scale code to index by).
  static int64_t scaledRowCount(const numerics::Scheme &scheme);
  /// Sets `scaledRows` (scaledRowCount(scheme) > 0): creates the global and
  /// the private function that fills it once (emitFillOnce) once per
  /// module, and at the builder a call to that function, which returns when
  /// the table is filled.
  void getScaledRows(mlir::ImplicitLocOpBuilder &b, mlir::ModuleOp module,
                     mlir::SymbolTable &symbols,
                     const numerics::Scheme &scheme);
  /// Fills `table` (memref<256 x rows x 16 x f32>) from `dialects` and
  /// `halfScales` exactly once across all callers and threads, guarded by
  /// the i32 word `state`; returns, in every caller, only once it is full.
  void emitFillOnce(mlir::ImplicitLocOpBuilder &b, mlir::Value table,
                    mlir::Value state, int64_t rows) const;

  /// Creates (once per module) the globals and returns get_global values
  /// built at the builder's insertion point.
  static DecodeTables get(mlir::ImplicitLocOpBuilder &b, mlir::ModuleOp module,
                          mlir::SymbolTable &symbols,
                          const numerics::Scheme &scheme);
};

/// A private constant f32 global named by a hash of its contents (created
/// once per module), read through memref.get_global at the builder.
mlir::Value getOrCreateTable(mlir::ImplicitLocOpBuilder &b,
                             mlir::ModuleOp module, mlir::SymbolTable &symbols,
                             llvm::StringRef prefix, llvm::ArrayRef<float> values,
                             llvm::ArrayRef<int64_t> shape);
/// The same for a table of bytes.
mlir::Value getOrCreateTable(mlir::ImplicitLocOpBuilder &b,
                             mlir::ModuleOp module, mlir::SymbolTable &symbols,
                             llvm::StringRef prefix,
                             llvm::ArrayRef<int8_t> values,
                             llvm::ArrayRef<int64_t> shape);

/// memref<16x32xbf16> (created once per module): row d holds dialect d's
/// 16 signed magnitudes in half units, unscaled, twice (entries 16-31
/// repeat 0-15, so a 5-bit index needs no mask; see the bf16 W4A16 path in
/// MatmulW4A16.cpp); rows past the book are NaN. Null for INT8 books and
/// for books with a magnitude bf16 cannot hold exactly.
mlir::Value getBF16DialectRows(mlir::ImplicitLocOpBuilder &b,
                               mlir::ModuleOp module,
                               mlir::SymbolTable &symbols,
                               const numerics::Scheme &scheme);

/// Reads per-block metadata from the packed bytes.
mlir::Value loadDialectId(mlir::ImplicitLocOpBuilder &b, mlir::Value storage,
                          const PackedLayout &layout, mlir::Value row,
                          mlir::Value block);
/// The dialect ids of blocks `evenBlock` (even) and `evenBlock + 1`, which
/// share one byte: one load and two static nibble extractions.
std::pair<mlir::Value, mlir::Value>
loadDialectIdPair(mlir::ImplicitLocOpBuilder &b, mlir::Value storage,
                  const PackedLayout &layout, mlir::Value row,
                  mlir::Value evenBlock);
/// `scale` (f32), or NaN when it is infinite: a stored F16 scale with an
/// all-ones exponent is a NaN scale (numerics::isNaNScale), so every value
/// of its block must decode to NaN, not to +-inf (and 0 * inf = NaN only for
/// code 0).
mlir::Value nanIfInfinite(mlir::ImplicitLocOpBuilder &b, mlir::Value scale);
/// Half of F16 scales (a scalar or a vector of f16) as f32, NaN where a
/// scale is infinite: the value one half unit of a block's codes is
/// worth. loadHalfScale's F16 case and the CPU kernels' per-tile
/// conversion share it.
mlir::Value halfScaleOfF16(mlir::ImplicitLocOpBuilder &b, mlir::Value scales);
/// The little-endian f16 in the two packed bytes at `byteOffset` (no
/// alignment needed): F16 block scales and BCQ alphas and offsets.
mlir::Value loadF16(mlir::ImplicitLocOpBuilder &b, mlir::Value storage,
                    mlir::Value byteOffset);
mlir::Value loadHalfScale(mlir::ImplicitLocOpBuilder &b, mlir::Value storage,
                          const PackedLayout &layout,
                          const DecodeTables &tables,
                          numerics::ScaleKind kind, mlir::Value row,
                          mlir::Value block);

/// The 8-bit scale code (E8M0, E4M3) of a block, as an index.
mlir::Value loadScaleCode(mlir::ImplicitLocOpBuilder &b, mlir::Value storage,
                          const PackedLayout &layout, mlir::Value row,
                          mlir::Value block);

/// The half scales (numerics::halfScale) of a vector<Nxi32> of E8M0 codes,
/// as vector<Nxf32>, by integer arithmetic on the float bits: 2^(e - 128)
/// (codes 0 and 1 give the subnormals 2^-128 and 2^-127), NaN for 255.
/// Equal to the __qblock_e8m0_half table entry by entry.
mlir::Value halfScalesE8M0(mlir::ImplicitLocOpBuilder &b, mlir::Value codes);

/// Decodes vectors of nibbles of one block.
class BlockDecoder {
public:
  BlockDecoder(Target target, int64_t lanes, const DecodeTables &tables)
      : target(target), lanes(lanes), tables(tables) {}

  /// Lanes per decoded vector this target handles best for a block whose
  /// half (bytes of codes) is `blockBytes` long.
  static int64_t chooseLanes(Target target, int64_t blockBytes);

  /// Per-block state (the scaled table row), built once per block.
  struct Block {
    mlir::Value scaledRow;
  };
  /// The block's row of `tables.dialects`, multiplied by `halfScale`.
  Block begin(mlir::ImplicitLocOpBuilder &b, mlir::Value dialect,
              mlir::Value halfScale) const;
  /// The same row read from `tables.scaledRows` (which must be built) at
  /// the block's 8-bit scale code: no multiply.
  Block beginScaled(mlir::ImplicitLocOpBuilder &b, mlir::Value dialect,
                    mlir::Value scaleCode) const;
  /// Whether blocks of `blockBytes` code bytes are decoded two at a time
  /// (beginPair/decodePairBytes): on AVX-512 for 16-element blocks, whose 8
  /// bytes alone would fill only half a vector.
  static bool pairsBlocks(Target target, int64_t blockBytes) {
    return target == Target::AVX512 && blockBytes == 8;
  }
  /// Per-pair state for two consecutive blocks: both scaled dialect rows in
  /// one 32-entry table (vector<32xf32>, the first block's row first).
  /// `first` and `second` come from begin or beginScaled.
  Block beginPair(mlir::ImplicitLocOpBuilder &b, const Block &first,
                  const Block &second) const;
  /// `bytes`: vector<16xi8>, the 8 code bytes of each block of a pair.
  /// Lanes 0-7 belong to the first block, 8-15 to the second; index bit 4
  /// picks the block's half of the table, so one two-table permute
  /// (vpermt2ps) decodes 16 lanes of two blocks. Returns the low and high
  /// nibbles' values like decodeBytes.
  std::pair<mlir::Value, mlir::Value>
  decodePairBytes(mlir::ImplicitLocOpBuilder &b, const Block &pair,
                  mlir::Value bytes) const;
  /// `bytes`: vector<lanes x i8> of packed code pairs. Returns the decoded,
  /// scaled values of the low nibbles (even elements) and of the high
  /// nibbles (odd elements), each vector<lanes x f32>.
  std::pair<mlir::Value, mlir::Value>
  decodeBytes(mlir::ImplicitLocOpBuilder &b, const Block &block,
              mlir::Value bytes) const;

private:
  /// Looks up vector<lanes x i32> codes (only the low 4 bits count).
  mlir::Value lookup(mlir::ImplicitLocOpBuilder &b, const Block &block,
                     mlir::Value index) const;

  Target target;
  int64_t lanes;
  DecodeTables tables;
};

/// Replaces a qblock.lookup by the target's instruction (vpermps for f32
/// tables, vpermt2ps for 32-entry ones; vpermb for i8 tables when
/// `byteOps`) or by per-lane extracts.
void lowerLookup(mlir::ImplicitLocOpBuilder &b, qblock::LookupOp op,
                 Target target, bool byteOps);

/// Replaces a qblock.dot_bytes by vpdpbusd (when `byteOps`) or by shifts,
/// multiplies and adds.
void lowerDotBytes(mlir::ImplicitLocOpBuilder &b, qblock::DotBytesOp op,
                   bool byteOps);

/// Replaces a qblock.dot_bf16 by vdpbf16ps (when `bf16Ops`) or by widening
/// multiplies and adds.
void lowerDotBF16(mlir::ImplicitLocOpBuilder &b, qblock::DotBF16Op op,
                  bool bf16Ops);

} // namespace qblock::cpu

#endif // QBLOCK_LIB_CONVERSION_QBLOCKTOCPU_DECODE_H
