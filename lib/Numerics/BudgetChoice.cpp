//===- BudgetChoice.cpp - choices under a bit budget ----------------------===//
//
// Depth-first branch and bound over the weights, the ones with the most
// error at stake first, each weight's options in order of error. A node's
// bound is the relaxation in which each remaining weight may take a
// fraction of a step along the lower convex hull of its (bits, error)
// options: start every remaining weight at its cheapest option and buy the
// steps with the most error saved per bit until the bits run out. Any
// integral completion costs at least that much error, so a node whose
// bound is not below the best complete choice so far is cut. The greedy
// allocation seeds the best choice, so a search cut short by its node
// limit still returns at least the greedy's quality.
//
//===----------------------------------------------------------------------===//

#include "qblock/Numerics/BudgetChoice.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace qblock::numerics;

namespace {

using Options = std::vector<BudgetOption>;

constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// The option with the fewest bits, and of those the least error.
size_t cheapestOption(const Options &options) {
  size_t best = 0;
  for (size_t i = 1; i < options.size(); ++i)
    if (options[i].bits < options[best].bits ||
        (options[i].bits == options[best].bits &&
         options[i].error < options[best].error))
      best = i;
  return best;
}

/// One step along a weight's lower convex hull: `bits` more, `gain` less
/// error.
struct Step {
  size_t weight;
  double bits;
  double gain;
};

/// The steps of the lower convex hull from the cheapest option towards
/// less error; each step saves less per bit than the one before.
std::vector<Step> hullSteps(size_t weight, const Options &options) {
  std::vector<BudgetOption> points(options);
  std::sort(points.begin(), points.end(),
            [](const BudgetOption &a, const BudgetOption &b) {
              return a.bits < b.bits || (a.bits == b.bits && a.error < b.error);
            });
  // Only points with less error than every cheaper one (the Pareto front).
  std::vector<BudgetOption> front;
  for (const BudgetOption &point : points)
    if (front.empty() || point.error < front.back().error)
      front.push_back(point);
  // Lower convex hull of the front: drop points above the chord of their
  // neighbours.
  std::vector<BudgetOption> hull;
  for (const BudgetOption &point : front) {
    while (hull.size() >= 2) {
      const BudgetOption &a = hull[hull.size() - 2], &b = hull.back();
      // b lies on or above the line from a to point.
      double cross = (b.bits - a.bits) * (point.error - a.error) -
                     (b.error - a.error) * (point.bits - a.bits);
      if (cross > 0)
        break;
      hull.pop_back();
    }
    hull.push_back(point);
  }
  std::vector<Step> steps;
  for (size_t i = 1; i < hull.size(); ++i)
    steps.push_back({weight, hull[i].bits - hull[i - 1].bits,
                     hull[i - 1].error - hull[i].error});
  return steps;
}

class Search {
public:
  Search(const std::vector<Options> &weights, double budgetBits,
         int64_t nodeLimit)
      : weights(weights), budget(budgetBits * (1 + 1e-12)),
        nodeLimit(nodeLimit) {
    size_t n = weights.size();
    cheapest.resize(n);
    byError.resize(n);
    for (size_t w = 0; w < n; ++w) {
      cheapest[w] = cheapestOption(weights[w]);
      // The order the search tries a weight's options in.
      byError[w].resize(weights[w].size());
      for (size_t o = 0; o < byError[w].size(); ++o)
        byError[w][o] = o;
      std::stable_sort(byError[w].begin(), byError[w].end(),
                       [&](size_t a, size_t b) {
                         return weights[w][a].error < weights[w][b].error;
                       });
    }
    // The weights with the most error at stake first: their choice moves
    // the bound most.
    order.resize(n);
    for (size_t w = 0; w < n; ++w)
      order[w] = w;
    auto stake = [&](size_t w) {
      double least = kInfinity;
      for (const BudgetOption &option : weights[w])
        least = std::min(least, option.error);
      return weights[w][cheapest[w]].error - least;
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return stake(a) > stake(b); });
    depthOf.resize(n);
    for (size_t d = 0; d < n; ++d)
      depthOf[order[d]] = d;
    suffixBits.assign(n + 1, 0);
    suffixError.assign(n + 1, 0);
    for (size_t d = n; d-- > 0;) {
      const BudgetOption &option = weights[order[d]][cheapest[order[d]]];
      suffixBits[d] = suffixBits[d + 1] + option.bits;
      suffixError[d] = suffixError[d + 1] + option.error;
    }
    for (size_t w = 0; w < n; ++w)
      for (const Step &step : hullSteps(w, weights[w]))
        steps.push_back(step);
    std::stable_sort(steps.begin(), steps.end(),
                     [](const Step &a, const Step &b) {
                       return a.gain * b.bits > b.gain * a.bits;
                     });
  }

  BudgetChoice run() {
    BudgetChoice result;
    if (suffixBits[0] > budget)
      return result;
    result.lowerBound = bound(0, budget);
    best = greedy();
    bestError = totalError(best);
    current.assign(weights.size(), 0);
    stopped = false;
    descend(0, 0, 0);
    result.chosen = best;
    result.error = bestError;
    for (size_t w = 0; w < weights.size(); ++w)
      result.bits += weights[w][best[w]].bits;
    result.optimal = !stopped;
    return result;
  }

private:
  double totalError(const std::vector<size_t> &choice) const {
    double error = 0;
    for (size_t w = 0; w < weights.size(); ++w)
      error += weights[w][choice[w]].error;
    return error;
  }

  /// The least error of the relaxation for the weights from depth `d` on,
  /// with `bits` left for them; infinite when even their cheapest options
  /// do not fit.
  double bound(size_t d, double bits) const {
    double slack = bits - suffixBits[d];
    if (slack < 0)
      return kInfinity;
    double error = suffixError[d];
    for (const Step &step : steps) {
      if (slack <= 0)
        break;
      if (depthOf[step.weight] < d)
        continue;
      double fraction = std::min(1.0, slack / step.bits);
      error -= fraction * step.gain;
      slack -= fraction * step.bits;
    }
    return error;
  }

  /// Every weight at its cheapest option, then repeatedly the move to an
  /// option with less error that saves the most error per added bit and
  /// still fits.
  std::vector<size_t> greedy() const {
    std::vector<size_t> choice(cheapest);
    double used = suffixBits[0];
    while (true) {
      size_t bestWeight = 0, bestOption = 0;
      double bestRatio = -1;
      for (size_t w = 0; w < weights.size(); ++w) {
        const BudgetOption &now = weights[w][choice[w]];
        for (size_t o = 0; o < weights[w].size(); ++o) {
          const BudgetOption &option = weights[w][o];
          double added = option.bits - now.bits;
          double gain = now.error - option.error;
          if (gain <= 0 || used + added > budget)
            continue;
          // A move that adds no bits is worth any ratio.
          double ratio = added > 0 ? gain / added : kInfinity;
          if (ratio > bestRatio) {
            bestRatio = ratio;
            bestWeight = w;
            bestOption = o;
          }
        }
      }
      if (bestRatio < 0)
        return choice;
      used += weights[bestWeight][bestOption].bits -
              weights[bestWeight][choice[bestWeight]].bits;
      choice[bestWeight] = bestOption;
    }
  }

  void descend(size_t d, double bits, double error) {
    if (stopped || ++nodes > nodeLimit) {
      stopped = true;
      return;
    }
    if (d == order.size()) {
      if (error < bestError) {
        bestError = error;
        best = current;
      }
      return;
    }
    // Only a strictly better choice is worth finding.
    double slackError = 1e-12 * std::fabs(bestError);
    if (error + bound(d, budget - bits) >= bestError - slackError)
      return;
    size_t w = order[d];
    for (size_t o : byError[w]) {
      const BudgetOption &option = weights[w][o];
      if (bits + option.bits + suffixBits[d + 1] > budget)
        continue;
      current[w] = o;
      descend(d + 1, bits + option.bits, error + option.error);
      if (stopped)
        return;
    }
  }

  const std::vector<Options> &weights;
  double budget;
  int64_t nodeLimit;
  int64_t nodes = 0;
  bool stopped = false;
  std::vector<size_t> cheapest, order, depthOf;
  std::vector<std::vector<size_t>> byError;
  std::vector<double> suffixBits, suffixError;
  std::vector<Step> steps;
  std::vector<size_t> current, best;
  double bestError = kInfinity;
};

} // namespace

BudgetChoice
qblock::numerics::chooseWithinBudget(const std::vector<Options> &weights,
                                     double budgetBits, int64_t nodeLimit) {
  return Search(weights, budgetBits, nodeLimit).run();
}
