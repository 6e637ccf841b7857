//===- BudgetChoice.h - choices under a bit budget -------------*- C++ -*-===//
//
// `--qblock-select-formats budget=BITS` picks each weight's block size so
// that the total squared error is least while the bits stay within the
// budget: a multiple-choice knapsack. A greedy allocation (best error
// saved per added bit first) stops short of the optimum on some inputs (an
// adversarial run, 2026-12-07: 5 of 280 random cases, up to 17% more
// error), so the choice is searched exactly by branch and bound, with the
// linear-programming relaxation as the bound.
//
//===----------------------------------------------------------------------===//

#ifndef QBLOCK_NUMERICS_BUDGETCHOICE_H
#define QBLOCK_NUMERICS_BUDGETCHOICE_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qblock::numerics {

/// One way to store a weight: its bits and the squared error it leaves.
struct BudgetOption {
  double bits;
  double error;
};

struct BudgetChoice {
  /// The chosen option of each weight (an index into its options).
  std::vector<size_t> chosen;
  double bits = 0;
  double error = 0;
  /// Whether `chosen` is proven to have the least total error within the
  /// budget; false when the search stopped at its node limit, in which
  /// case `chosen` is the best it found (never worse than the greedy
  /// allocation it starts from).
  bool optimal = false;
  /// A lower bound on the least total error (the relaxation at the root);
  /// equal to `error` up to rounding when the optimum is a vertex of it.
  double lowerBound = 0;
};

/// Chooses one option per weight (each weight has at least one) with the
/// least total error among the choices whose total bits are at most
/// `budgetBits` (with a relative tolerance of 1e-12). Returns nothing in
/// `chosen` when even the cheapest choice exceeds the budget. Explores at
/// most `nodeLimit` nodes of the search tree.
BudgetChoice
chooseWithinBudget(const std::vector<std::vector<BudgetOption>> &weights,
                   double budgetBits, int64_t nodeLimit = 200000);

} // namespace qblock::numerics

#endif // QBLOCK_NUMERICS_BUDGETCHOICE_H
