/*===- decode_variants.c - Ways to decode a blockdialect GEMV block ------===//
 *
 * A stand-alone copy of the inner loop of the blockdialect GEMV that
 * --qblock-cpu-pipeline emits for AVX-512 (4 weight rows x 1 block of 32
 * per step, weights in L2), in variants that decode a block differently.
 * It answers "what does one core spend per block, and would another
 * instruction sequence be cheaper?" on whatever machine a session lands
 * on (docs/cpu-lowering.md, "What one Zen 4 core decodes", has the table
 * for Zen 4). Not part of the build: it needs AVX-512 F, BW, VBMI and BF16.
 *
 *   clang-22 -O3 -march=native bench/cpu/decode_variants.c -o /tmp/dv -lm
 *   /tmp/dv            # check, then time every variant
 *   /tmp/dv --check    # check only (test/Integration/CPU/decode-variants.test)
 *
 * Every variant first runs once and is checked against a double-precision
 * reference of the same weights; variants marked "ablation" drop work and
 * are expected to be wrong (they bound what removing that work could
 * gain). Cycles are wall time times the clock measured at start with a
 * chain of dependent adds, so turbo and VM clocks are accounted for.
 *===----------------------------------------------------------------------===*/

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { K = 4096, ROWS = 32, BLOCKS = K / 32, REPS = 2000 };

/* Packed like docs/formats.md: element 2i in the low nibble of byte i,
 * 2i + 1 in the high one; codes 8-15 are negative magnitudes. */
static uint8_t codes[ROWS][K / 2] __attribute__((aligned(64)));
static uint8_t scaleCode[ROWS][BLOCKS], dialect[ROWS][BLOCKS];
static float rowsF32[16][16] __attribute__((aligned(64)));
static uint16_t rowsBF16[16][32] __attribute__((aligned(64)));
static uint16_t nonZeroLanes[16];
static float halfScale[256], scaleExponent[256];
/* Every dialect row times every scale: 16 x 256 x 64 bytes = 256 KiB.
 * (The lowering puts the scale code outermost; with the few codes this
 * harness uses, both layouts fit L1 here.) */
static float prescaled[16][256][16] __attribute__((aligned(64)));
static int32_t exponentStep[256];
/* The same products laid out as the lowering's table: [scale code][dialect]
 * (docs/cpu-lowering.md, "Per block"). */
static float prescaledSD[256][16][16] __attribute__((aligned(64)));
/* The same products as bf16, each row twice (vpermw reads 5 index bits).
 * Exact here because every product has at most 4 significant bits and the
 * harness's scales are normal; E8M0's smallest scales would not be. */
static uint16_t prescaledBF16[16][256][32] __attribute__((aligned(64)));
/* The activations de-interleaved per block as the lowering does: evens[b]
 * holds elements 2i of block b, odds[b] elements 2i + 1; `permA`/`permB`
 * the order the two-multishift variant looks them up in; `bf16Parts` the
 * activations split into three bf16 parts, in element order. */
static float evens[BLOCKS][16] __attribute__((aligned(64)));
static float odds[BLOCKS][16] __attribute__((aligned(64)));
static float permA[BLOCKS][16] __attribute__((aligned(64)));
static float permB[BLOCKS][16] __attribute__((aligned(64)));
static float shiftA[BLOCKS][16] __attribute__((aligned(64)));
static float shiftB[BLOCKS][16] __attribute__((aligned(64)));
/* Each code byte zero-extended to a dword, as vpmovzxbd would make it:
 * what the index build costs, read back from L2 instead (256 KiB). */
static uint32_t dwordCodes[ROWS][BLOCKS][16] __attribute__((aligned(64)));
static __m512bh bf16Parts[3][BLOCKS];
static float x[K];
static double reference[ROWS], referenceBF16[ROWS];

static uint16_t toBF16(float f) { /* round to nearest even */
  uint32_t u;
  memcpy(&u, &f, 4);
  return (uint16_t)((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
}
static float fromBF16(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

enum Variant {
  MultiplyPerBlock,
  TwoMultishifts,
  HighMultishift,
  Scalef,
  MaskedExponentAdd,
  FmaSplitOnce,
  FmaSplitTwice,
  PrescaledTable,
  PrescaledMulhi,
  PrescaledBF16Widen,
  PrescaledVariableShifts,
  VariableShifts,
  PrescaledDwordIndices,
  PrescaledScaleMajor,
  PrescaledRowOffsets,
  BF16ThreeParts,
  BF16Activations,
  ExponentAddUnmasked,
  NoScale,
  OneDialect,
  OneLookup,
  NumVariants
};
static const char *names[NumVariants] = {
    "multiply per block: vpmovzxbd, vpsrld, 2 vpermps, vmulps, 2 FMAs",
    "indices by a 16-byte broadcast + 2 vpmultishiftqb",
    "only the high-nibble shift as a vpmultishiftqb",
    "scale by vscalefps (exponent table)",
    "scale by a masked integer exponent add",
    "one FMA as vmulps + vaddps",
    "both FMAs as vmulps + vaddps",
    "rows pre-scaled per (dialect, scale code), laid out [dialect][code]",
    "pre-scaled rows, high nibble by vpmulhuw instead of vpsrld",
    "pre-scaled bf16 rows: 1 vpermw for 32, widened to f32 by shift/and",
    "pre-scaled rows, indices by a 16-byte broadcast + 2 vpsrlvd",
    "multiply per block, indices by a 16-byte broadcast + 2 vpsrlvd",
    "bound: pre-scaled rows, indices stored as dwords (4x the bytes)",
    "as lowered: pre-scaled rows laid out [scale code][dialect]",
    "the same, row offsets of 4 rows x all blocks first (the kernel: slower)",
    "bf16 weights (vpermw), f32 acts in 3 bf16 parts, 3 vdpbf16ps",
    "bf16 weights, bf16 activations, 1 vdpbf16ps",
    "ablation: unmasked exponent add (zeros go wrong)",
    "ablation: no scale",
    "ablation: one dialect row for every block",
    "ablation: one vpermps per block (both halves from it)",
};

static inline __attribute__((always_inline)) void
decodeLoop(enum Variant v, float *out) {
  /* Control bytes of vpmultishiftqb: byte 0 of each dword gets the nibble
   * at the given bit offset of its qword (see setUp for the order). */
  const __m512i controlA = _mm512_set_epi64(
      0x0000003400000030LL, 0x0000003400000030LL, 0x0000002400000020LL,
      0x0000002400000020LL, 0x0000001400000010LL, 0x0000001400000010LL,
      0x0000000400000000LL, 0x0000000400000000LL);
  const __m512i controlB =
      _mm512_add_epi64(controlA, _mm512_set1_epi64(0x0000000800000008LL));
  const __m512i highNibble = _mm512_set1_epi64(0x0000002400000004LL);
  for (int row = 0; row < ROWS; row += 4) {
    /* Byte offsets of each block's [scale code][dialect] row, 16 blocks per
     * vector operation, before the block loop: the scalar address
     * arithmetic of a block becomes one 4-byte load. Faster here; built
     * into the lowered GEMV (2026-12-06) it was as fast in L2 and slower
     * from L3 and DRAM, so the kernel keeps the per-block arithmetic
     * (docs/cpu-lowering.md, "Tried and dropped", Zen 5). */
    uint32_t rowOffset[4][BLOCKS] __attribute__((aligned(64)));
    if (v == PrescaledRowOffsets)
      for (int r = 0; r < 4; ++r)
        for (int b = 0; b < BLOCKS; b += 16) {
          __m512i sc = _mm512_cvtepu8_epi32(
              _mm_loadu_si128((const void *)&scaleCode[row + r][b]));
          __m512i dl = _mm512_cvtepu8_epi32(
              _mm_loadu_si128((const void *)&dialect[row + r][b]));
          _mm512_store_si512(
              rowOffset[r] + b,
              _mm512_slli_epi32(_mm512_add_epi32(_mm512_slli_epi32(sc, 4), dl),
                                6));
        }
    __m512 acc[4][2];
    for (int r = 0; r < 4; ++r)
      acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int b = 0; b < BLOCKS; ++b) {
      for (int r = 0; r < 4; ++r) {
        const uint8_t *bytes = &codes[row + r][b * 16];
        int d = v == OneDialect ? 0 : dialect[row + r][b];
        int s = scaleCode[row + r][b];
        if (v == PrescaledBF16Widen) {
          __m512i zx =
              _mm512_cvtepu8_epi32(_mm_loadu_si128((const void *)bytes));
          __m512i index = _mm512_or_si512(zx, _mm512_slli_epi32(zx, 12));
          __m512i w = _mm512_permutexvar_epi16(
              index, _mm512_load_si512(prescaledBF16[d][s]));
          __m512 wLo = _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
          __m512 wHi = _mm512_castsi512_ps(
              _mm512_and_si512(w, _mm512_set1_epi32((int)0xFFFF0000u)));
          acc[r][0] = _mm512_fmadd_ps(wLo, _mm512_load_ps(evens[b]), acc[r][0]);
          acc[r][1] = _mm512_fmadd_ps(wHi, _mm512_load_ps(odds[b]), acc[r][1]);
          continue;
        }
        if (v == BF16ThreeParts || v == BF16Activations) {
          __m512i zx = _mm512_cvtepu8_epi32(_mm_loadu_si128((const void *)bytes));
          __m512i index = _mm512_or_si512(zx, _mm512_slli_epi32(zx, 12));
          __m512bh w = (__m512bh)_mm512_permutexvar_epi16(
              index, _mm512_load_si512(rowsBF16[d]));
          __m512 sum = _mm512_dpbf16_ps(_mm512_setzero_ps(), w, bf16Parts[0][b]);
          if (v == BF16ThreeParts) {
            sum = _mm512_dpbf16_ps(sum, w, bf16Parts[1][b]);
            sum = _mm512_dpbf16_ps(sum, w, bf16Parts[2][b]);
          }
          acc[r][0] = _mm512_fmadd_ps(sum, _mm512_set1_ps(halfScale[s]), acc[r][0]);
          continue;
        }
        __m512 table = _mm512_load_ps(rowsF32[d]);
        __m512i tableBits = _mm512_castps_si512(table);
        __m512 scaled;
        if (v == Scalef)
          scaled = _mm512_scalef_ps(table, _mm512_set1_ps(scaleExponent[s]));
        else if (v == MaskedExponentAdd)
          scaled = _mm512_castsi512_ps(_mm512_mask_add_epi32(
              tableBits, nonZeroLanes[d], tableBits,
              _mm512_set1_epi32(exponentStep[s])));
        else if (v == ExponentAddUnmasked)
          scaled = _mm512_castsi512_ps(
              _mm512_add_epi32(tableBits, _mm512_set1_epi32(exponentStep[s])));
        else if (v == NoScale)
          scaled = table;
        else if (v == PrescaledTable || v == PrescaledMulhi ||
                 v == PrescaledVariableShifts || v == PrescaledDwordIndices)
          scaled = _mm512_load_ps(prescaled[d][s]);
        else if (v == PrescaledScaleMajor)
          scaled = _mm512_load_ps(prescaledSD[s][d]);
        else if (v == PrescaledRowOffsets)
          scaled = _mm512_load_ps(
              (const float *)((const char *)prescaledSD + rowOffset[r][b]));
        else
          scaled = _mm512_mul_ps(table, _mm512_set1_ps(halfScale[s]));
        __m512i lo, hi;
        const float *xLo = evens[b], *xHi = odds[b];
        if (v == PrescaledVariableShifts || v == VariableShifts) {
          /* Lane 4L + j of the broadcast holds bytes 4j..4j+3; shifting
           * it right by 8L (+ 4) brings byte 4j + L's low (high) nibble
           * to the bits vpermps reads. No shuffle uop for the indices. */
          __m512i line =
              _mm512_broadcast_i32x4(_mm_loadu_si128((const void *)bytes));
          const __m512i byteShift = _mm512_set_epi32(
              24, 24, 24, 24, 16, 16, 16, 16, 8, 8, 8, 8, 0, 0, 0, 0);
          lo = _mm512_srlv_epi32(line, byteShift);
          hi = _mm512_srlv_epi32(
              line, _mm512_add_epi32(byteShift, _mm512_set1_epi32(4)));
          xLo = shiftA[b];
          xHi = shiftB[b];
        } else if (v == PrescaledDwordIndices) {
          lo = _mm512_load_si512(dwordCodes[row + r][b]);
          hi = _mm512_srli_epi32(lo, 4);
        } else if (v == TwoMultishifts) {
          __m512i line = _mm512_broadcast_i32x4(_mm_loadu_si128((const void *)bytes));
          lo = _mm512_multishift_epi64_epi8(controlA, line);
          hi = _mm512_multishift_epi64_epi8(controlB, line);
          xLo = permA[b];
          xHi = permB[b];
        } else {
          lo = _mm512_cvtepu8_epi32(_mm_loadu_si128((const void *)bytes));
          if (v == HighMultishift)
            hi = _mm512_multishift_epi64_epi8(highNibble, lo);
          else if (v == PrescaledMulhi) /* (byte * 2^12) >> 16, a multiply */
            hi = _mm512_mulhi_epu16(lo, _mm512_set1_epi16(1 << 12));
          else
            hi = _mm512_srli_epi32(lo, 4);
        }
        __m512 wLo = _mm512_permutexvar_ps(lo, scaled);
        __m512 wHi = v == OneLookup ? wLo : _mm512_permutexvar_ps(hi, scaled);
        __m512 x0 = _mm512_load_ps(xLo), x1 = _mm512_load_ps(xHi);
        if (v == FmaSplitOnce || v == FmaSplitTwice)
          acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_mul_ps(wLo, x0));
        else
          acc[r][0] = _mm512_fmadd_ps(wLo, x0, acc[r][0]);
        if (v == FmaSplitTwice)
          acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_mul_ps(wHi, x1));
        else
          acc[r][1] = _mm512_fmadd_ps(wHi, x1, acc[r][1]);
      }
    }
    for (int r = 0; r < 4; ++r)
      out[row + r] = _mm512_reduce_add_ps(_mm512_add_ps(acc[r][0], acc[r][1]));
  }
}

/* One copy of the loop per variant, each with its variant a constant. */
#define VARIANT_FN(V)                                                          \
  static __attribute__((noinline)) void run##V(float *out) { decodeLoop(V, out); }
/* clang-format off */
VARIANT_FN(MultiplyPerBlock)
VARIANT_FN(TwoMultishifts)
VARIANT_FN(HighMultishift)
VARIANT_FN(Scalef)
VARIANT_FN(MaskedExponentAdd)
VARIANT_FN(FmaSplitOnce)
VARIANT_FN(FmaSplitTwice)
VARIANT_FN(PrescaledTable)
VARIANT_FN(PrescaledMulhi)
VARIANT_FN(PrescaledBF16Widen)
VARIANT_FN(PrescaledVariableShifts)
VARIANT_FN(VariableShifts)
VARIANT_FN(PrescaledDwordIndices)
VARIANT_FN(PrescaledScaleMajor)
VARIANT_FN(PrescaledRowOffsets)
VARIANT_FN(BF16ThreeParts)
VARIANT_FN(BF16Activations)
VARIANT_FN(ExponentAddUnmasked)
VARIANT_FN(NoScale)
VARIANT_FN(OneDialect)
VARIANT_FN(OneLookup)
static void (*const runs[NumVariants])(float *) = {
    runMultiplyPerBlock,
    runTwoMultishifts,
    runHighMultishift,
    runScalef,
    runMaskedExponentAdd,
    runFmaSplitOnce,
    runFmaSplitTwice,
    runPrescaledTable,
    runPrescaledMulhi,
    runPrescaledBF16Widen,
    runPrescaledVariableShifts,
    runVariableShifts,
    runPrescaledDwordIndices,
    runPrescaledScaleMajor,
    runPrescaledRowOffsets,
    runBF16ThreeParts,
    runBF16Activations,
    runExponentAddUnmasked,
    runNoScale,
    runOneDialect,
    runOneLookup,
};
/* clang-format on */

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Cycles per second: a chain of dependent 1-cycle adds. */
static double measureClock(void) {
  const long adds = 1L << 30;
  double start = seconds();
  __asm__ volatile("mov %0, %%rcx\n1:\n"
                   "add $1, %%rax\nadd $1, %%rax\nadd $1, %%rax\nadd $1, %%rax\n"
                   "sub $4, %%rcx\njnz 1b"
                   :
                   : "r"(adds)
                   : "rcx", "rax", "cc");
  return adds / (seconds() - start);
}

static void setUp(void) {
  srand(7);
  /* 16 dialects of 8 magnitudes in half units, 0 first (so every row has
   * two zero lanes, codes 0 and 8), exact in bf16. */
  for (int d = 0; d < 16; ++d) {
    nonZeroLanes[d] = 0;
    for (int code = 0; code < 16; ++code) {
      int m = code & 7;
      float magnitude = m == 0 ? 0.0f : (float)(m + (d * m) % 5);
      rowsF32[d][code] = (code & 8) ? -magnitude : magnitude;
      rowsBF16[d][code] = rowsBF16[d][code + 16] = toBF16(rowsF32[d][code]);
      if (magnitude != 0.0f)
        nonZeroLanes[d] |= (uint16_t)(1u << code);
    }
  }
  for (int c = 0; c < 256; ++c) { /* E8M0: half scale 2^(c - 128) */
    halfScale[c] = ldexpf(1.0f, c - 128);
    scaleExponent[c] = (float)(c - 128);
    exponentStep[c] = (int32_t)((uint32_t)(c - 128) << 23);
  }
  for (int d = 0; d < 16; ++d)
    for (int c = 0; c < 256; ++c)
      for (int code = 0; code < 16; ++code) {
        prescaled[d][c][code] = prescaledSD[c][d][code] =
            rowsF32[d][code] * halfScale[c];
        prescaledBF16[d][c][code] = prescaledBF16[d][c][code + 16] =
            toBF16(prescaled[d][c][code]);
      }
  for (int r = 0; r < ROWS; ++r) {
    for (int i = 0; i < K / 2; ++i) {
      codes[r][i] = (uint8_t)rand();
      dwordCodes[r][i / 16][i % 16] = codes[r][i];
    }
    for (int b = 0; b < BLOCKS; ++b) {
      scaleCode[r][b] = (uint8_t)(118 + rand() % 8);
      dialect[r][b] = (uint8_t)(rand() % 16);
    }
  }
  for (int k = 0; k < K; ++k)
    x[k] = (float)(rand() % 2001 - 1000) / 997.0f;
  for (int b = 0; b < BLOCKS; ++b) {
    const float *xb = &x[32 * b];
    for (int i = 0; i < 16; ++i) {
      evens[b][i] = xb[2 * i];
      odds[b][i] = xb[2 * i + 1];
      /* Lane i lies in qword i / 2, which holds bytes 8h to 8h + 7 of the
       * broadcast line (h = i / 2 % 2, so elements 16h to 16h + 15); the
       * A lookup takes that qword's nibble 4 * (i / 4) + i % 2, the B
       * lookup the one two nibbles on. */
      int first = 16 * (i / 2 % 2) + 4 * (i / 4) + i % 2;
      permA[b][i] = xb[first];
      permB[b][i] = xb[first + 2];
      /* Variable shifts: lane i = 4L + j reads byte 4j + L. */
      int byte = 4 * (i % 4) + i / 4;
      shiftA[b][i] = xb[2 * byte];
      shiftB[b][i] = xb[2 * byte + 1];
    }
    uint16_t parts[3][32];
    for (int e = 0; e < 32; ++e) {
      float rest = xb[e];
      for (int p = 0; p < 3; ++p) {
        parts[p][e] = toBF16(rest);
        rest -= fromBF16(parts[p][e]);
      }
    }
    for (int p = 0; p < 3; ++p)
      bf16Parts[p][b] = (__m512bh)_mm512_loadu_si512(parts[p]);
  }
  for (int r = 0; r < ROWS; ++r) {
    double sum = 0, sumBF16 = 0;
    for (int k = 0; k < K; ++k) {
      int code = (codes[r][k / 2] >> (4 * (k % 2))) & 15;
      int b = k / 32;
      double w = (double)rowsF32[dialect[r][b]][code] * halfScale[scaleCode[r][b]];
      sum += w * x[k];
      sumBF16 += w * fromBF16(toBF16(x[k]));
    }
    reference[r] = sum;
    referenceBF16[r] = sumBF16;
  }
}

int main(int argc, char **argv) {
  int checkOnly = argc > 1 && strcmp(argv[1], "--check") == 0;
  setUp();
  double hz = checkOnly ? 0 : measureClock();
  if (!checkOnly)
    printf("clock %.2f GHz; K = %d, %d rows (%d KiB of codes), %d reps\n",
           hz * 1e-9, K, ROWS, ROWS * K / 2 / 1024, REPS);
  double scale = 0;
  for (int r = 0; r < ROWS; ++r)
    scale = fmax(scale, fabs(reference[r]));
  for (int v = 0; v < NumVariants; ++v) {
    float out[ROWS];
    runs[v](out);
    const double *ref = v == BF16Activations ? referenceBF16 : reference;
    double err = 0;
    for (int r = 0; r < ROWS; ++r)
      err = fmax(err, fabs(out[r] - ref[r]) / scale);
    int ablation = v >= ExponentAddUnmasked;
    if (!ablation && !(err < 1e-5)) {
      printf("FAIL %s: max rel err %.2e against the reference\n", names[v], err);
      return 1;
    }
    /* An ablation that came out right would mean its dropped work was
     * never exercised by the data: a broken harness. */
    if (ablation && err < 1e-3) {
      printf("FAIL %s: right although it drops work\n", names[v]);
      return 1;
    }
    if (checkOnly)
      continue;
    double best = 1e30;
    for (int round = 0; round < 3; ++round) {
      double start = seconds();
      for (int i = 0; i < REPS; ++i) {
        __asm__ volatile("" ::: "memory"); /* keep every call */
        runs[v](out);
      }
      best = fmin(best, seconds() - start);
    }
    printf("%6.2f cycles/block  err %.1e  %s\n",
           best * hz / ((double)REPS * ROWS * BLOCKS), err, names[v]);
  }
  if (checkOnly)
    printf("checked %d variants against the reference\n", NumVariants);
  return 0;
}
