//===- accuracy.cpp - Quantization error of every scheme ------------------===//
//
// Prints rel_mse = sum((w - deq(w))^2) / sum(w^2) and bits per element of each
// weight format on 2^20 values drawn from Gaussian, Laplace and Student-t(3)
// distributions (fixed seeds), plus the gap between two-stage and MSE
// selection. Every number comes from the numerics core, the same code the
// compiler uses.
//
//   build/bin/qblock-accuracy [--log2n 20] [--k 4096]
//
//===----------------------------------------------------------------------===//

#include "../common/FlagParser.h"
#include "../common/ToolExit.h"

#include "qblock/Numerics/BCQ.h"
#include "qblock/Numerics/Layout.h"
#include "qblock/Numerics/Reference.h"
#include "qblock/Numerics/TensorScale.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace num = qblock::numerics;

namespace {

struct Distribution {
  const char *name;
  std::function<float(std::mt19937_64 &)> draw;
};

std::vector<float> sample(const Distribution &dist, int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<float> data(n);
  for (float &v : data)
    v = dist.draw(rng);
  return data;
}

struct Row {
  std::string format;
  double bits;
  std::vector<double> relMSE; // per distribution
};

double blockRelMSE(const std::vector<float> &data, int64_t k,
                   const num::Scheme &scheme) {
  int64_t rows = data.size() / k;
  std::vector<uint8_t> packed = num::quantizeMatrix(data.data(), rows, k, scheme);
  std::vector<float> decoded = num::dequantizeMatrix(packed.data(), rows, k, scheme);
  return num::relativeMSE(data.data(), decoded.data(), data.size());
}

double bcqRelMSE(const std::vector<float> &data, int64_t k,
                 const num::BCQScheme &scheme) {
  int64_t rows = data.size() / k;
  std::vector<uint8_t> packed = num::fitBCQ(data.data(), rows, k, scheme);
  std::vector<float> decoded = num::dequantizeBCQ(packed.data(), rows, k, scheme);
  return num::relativeMSE(data.data(), decoded.data(), data.size());
}

double uniformRelMSE(const std::vector<float> &data, int64_t k, int bits,
                     int64_t group) {
  int64_t rows = data.size() / k, groups = data.size() / group;
  std::vector<uint8_t> codes(data.size());
  std::vector<float> scales(groups), zeros(groups), decoded(data.size());
  num::fitUniform(data.data(), rows, k, bits, group, codes.data(),
                  scales.data(), zeros.data());
  for (size_t i = 0; i < data.size(); ++i)
    decoded[i] = scales[i / group] * (float(codes[i]) - zeros[i / group]);
  return num::relativeMSE(data.data(), decoded.data(), data.size());
}

/// Quantized values of a rows x k matrix under `scheme` (its row view).
std::vector<float> roundTripRows(const std::vector<float> &data, int64_t rows,
                                 int64_t k, const num::Scheme &scheme) {
  std::vector<uint8_t> packed =
      num::quantizeMatrix(data.data(), rows, k, scheme);
  return num::dequantizeMatrix(packed.data(), rows, k, scheme);
}

/// A tensor's quantized values with NVFP4's per-tensor scale as
/// --qblock-quantize-linalg applies it to weights, and at run time to
/// activations (docs/formats.md section 1): w / 2^e quantized, times 2^e.
std::vector<float> tensorScaledRoundTrip(const std::vector<float> &data,
                                         int64_t rows, int64_t k,
                                         const num::Scheme &scheme) {
  double amax = 0;
  for (float v : data)
    amax = std::max(amax, std::fabs(double(v)));
  int e = num::e4m3TensorScaleExponent(amax, scheme.book);
  std::vector<float> scaled(data.size());
  for (size_t i = 0; i < data.size(); ++i)
    scaled[i] = std::ldexp(data[i], -e);
  std::vector<float> result = roundTripRows(scaled, rows, k, scheme);
  for (float &v : result)
    v = std::ldexp(v, e);
  return result;
}

/// Relative error of matmul outputs when activations are quantized too
/// (W4A4, as --qblock-quantize-linalg acts=... computes) against the exact
/// f32 product, next to weight-only (W4A16) quantization. Activations are
/// LLM-like: Gaussian with a few outlier channels 20x larger.
void printActivationProducts(int64_t k) {
  const int64_t m = 16, n = 256;
  std::mt19937_64 rng(99);
  std::normal_distribution<double> normal(0, 1);
  std::vector<float> acts(m * k), weights(n * k);
  for (int64_t i = 0; i < m * k; ++i)
    acts[i] = float(normal(rng) * ((i % k) % 97 == 0 ? 20.0 : 1.0));
  for (float &w : weights)
    w = float(normal(rng) * 0.02);
  std::vector<float> exact(m * n);
  num::referenceGemm(acts.data(), weights.data(), nullptr, exact.data(), m, n,
                     k);
  struct Case {
    const char *name;
    num::Scheme weightScheme;
    std::optional<num::Scheme> actScheme;
    /// NVFP4's per-tensor scale on the weights (tensor-scale=true).
    bool tensorScale = false;
  };
  Case cases[] = {
      {"W4A16 blockdialect-32", num::Scheme::blockDialect(32), std::nullopt},
      {"W4A4 blockdialect-32 (acts two-stage)", num::Scheme::blockDialect(32),
       num::Scheme::blockDialect(32, num::SelectRule::TwoStage)},
      {"W4A4 blockdialect-32 (acts mse)", num::Scheme::blockDialect(32),
       num::Scheme::blockDialect(32)},
      {"W4A8 blockdialect-32 (acts int8)", num::Scheme::blockDialect(32),
       num::Scheme::int8(32)},
      {"W4A16 mxfp4-32", num::Scheme::mxfp4(32), std::nullopt},
      {"W4A4 mxfp4-32", num::Scheme::mxfp4(32), num::Scheme::mxfp4(32)},
      // These weights (std 0.02) sit below E4M3's normal scales.
      {"W4A16 nvfp4-16, no tensor scale", num::Scheme::nvfp4(16),
       std::nullopt},
      {"W4A16 nvfp4-16", num::Scheme::nvfp4(16), std::nullopt, true},
      {"W4A4 nvfp4-16 (acts nvfp4)", num::Scheme::nvfp4(16),
       num::Scheme::nvfp4(16), true},
  };
  std::printf("\nmatmul output error, M=%lld N=%lld K=%lld, activations with "
              "outlier channels: rel_mse of Y vs the f32 product\n",
              static_cast<long long>(m), static_cast<long long>(n),
              static_cast<long long>(k));
  for (const Case &c : cases) {
    std::vector<float> w =
        c.tensorScale ? tensorScaledRoundTrip(weights, n, k, c.weightScheme)
                      : roundTripRows(weights, n, k, c.weightScheme);
    // NVFP4 activations take their per-tensor scale at run time
    // (acts=nvfp4 with tensor-scale=true, the default).
    std::vector<float> a = !c.actScheme ? acts
                           : c.actScheme->scale == num::ScaleKind::E4M3
                               ? tensorScaledRoundTrip(acts, m, k, *c.actScheme)
                               : roundTripRows(acts, m, k, *c.actScheme);
    std::vector<float> y(m * n);
    num::referenceGemm(a.data(), w.data(), nullptr, y.data(), m, n, k);
    double actErr =
        c.actScheme ? num::relativeMSE(acts.data(), a.data(), acts.size()) : 0;
    std::printf("%-40s rel_mse(Y) %.4e   activation rel_mse %.4e\n", c.name,
                num::relativeMSE(exact.data(), y.data(), y.size()), actErr);
  }
}

} // namespace

int main(int argc, char **argv) {
  int log2n = 20;
  int64_t k = 4096;
  qblock::bench::FlagParser flags(
      argc, argv,
      "[--log2n N] [--k K]\n"
      "  --log2n N   2^N values per distribution for the format table "
      "(default 20, 7..30)\n"
      "  --k K       the tables quantize the values as rows of K, and the "
      "matmul\n"
      "              section multiplies with this K (default 4096); a "
      "multiple of\n"
      "              128 dividing 2^N");
  while (flags.next()) {
    if (flags.is("--log2n"))
      log2n = flags.integer(7, 30);
    else if (flags.is("--k"))
      k = flags.integer(128, int64_t(1) << 30);
    else
      flags.unknown();
  }
  qblock::bench::exitOnOutOfMemory(
      "qblock-accuracy: error: out of memory; lower --log2n\n");
  int64_t n = int64_t(1) << log2n;
  if (k <= 0 || n % k != 0 || k % 128 != 0) {
    // K may be the default, which the user did not write.
    std::fprintf(
        stderr,
        "qblock-accuracy: error: --k %lld must be a multiple of 128 that "
        "divides 2^%d = %lld values (--log2n); lower --k or raise "
        "--log2n\n",
        (long long)k, log2n, (long long)n);
    return 2;
  }

  std::vector<Distribution> dists = {
      {"gaussian", [](std::mt19937_64 &r) {
         return float(std::normal_distribution<double>(0, 1)(r));
       }},
      {"laplace", [](std::mt19937_64 &r) {
         double u = std::uniform_real_distribution<double>(-0.5, 0.5)(r);
         return float(-std::copysign(1.0, u) * std::log1p(-2 * std::fabs(u)));
       }},
      {"student-t3", [](std::mt19937_64 &r) {
         return float(std::student_t_distribution<double>(3)(r));
       }},
  };
  std::vector<std::vector<float>> data;
  for (size_t d = 0; d < dists.size(); ++d)
    data.push_back(sample(dists[d], n, 1234 + d));

  std::vector<Row> rows;
  auto addBlock = [&](const std::string &name, const num::Scheme &scheme) {
    Row row{name, scheme.bitsPerElement(), {}};
    for (auto &values : data)
      row.relMSE.push_back(blockRelMSE(values, k, scheme));
    rows.push_back(row);
  };
  addBlock("blockdialect-32 mse", num::Scheme::blockDialect(32));
  addBlock("blockdialect-32 two-stage",
           num::Scheme::blockDialect(32, num::SelectRule::TwoStage));
  addBlock("blockdialect-16 mse", num::Scheme::blockDialect(16));
  addBlock("mxfp4-32", num::Scheme::mxfp4(32));
  addBlock("nvfp4-16", num::Scheme::nvfp4(16));
  addBlock("int4-32", num::Scheme::int4(32));
  for (int q : {3, 4}) {
    num::BCQScheme bcq{q, 128, true};
    Row row{"bcq q=" + std::to_string(q) + " g=128", bcq.bitsPerElement(), {}};
    for (auto &values : data)
      row.relMSE.push_back(bcqRelMSE(values, k, bcq));
    rows.push_back(row);
    Row uniform{"uniform int" + std::to_string(q) + " g=128 (rtn)",
                bcq.bitsPerElement(), {}};
    for (auto &values : data)
      uniform.relMSE.push_back(uniformRelMSE(values, k, q, 128));
    rows.push_back(uniform);
  }

  std::printf("qblock-accuracy: rel_mse on 2^%d values per distribution "
              "(rows of K = %lld)\n\n",
              log2n, static_cast<long long>(k));
  std::printf("%-30s %9s", "format", "bits/elem");
  for (auto &d : dists)
    std::printf(" %12s", d.name);
  std::printf("\n");
  for (const Row &row : rows) {
    std::printf("%-30s %9.3f", row.format.c_str(), row.bits);
    for (double e : row.relMSE)
      std::printf(" %12.4e", e);
    std::printf("\n");
  }

  std::printf("\ntwo-stage vs mse (blockdialect-32): ");
  for (size_t d = 0; d < dists.size(); ++d)
    std::printf("%s +%.1f%%  ", dists[d].name,
                100.0 * (rows[1].relMSE[d] / rows[0].relMSE[d] - 1.0));
  std::printf("\n");
  printActivationProducts(k);

  bool beats = true;
  for (size_t d = 0; d < dists.size(); ++d)
    beats &= rows[0].relMSE[d] < rows[3].relMSE[d];
  std::printf("blockdialect-32 beats mxfp4-32 on every distribution: %s\n",
              beats ? "yes" : "NO");
  return qblock::bench::finishOutput("qblock-accuracy", beats ? 0 : 1);
}
