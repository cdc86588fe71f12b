// Prices a prepared node by running its model's blocks in order over a running subtotal.
// Every value is an exact range [min, max] (equal when every input is known); the total is
// rounded up to whole credits once, at the end.
#pragma once

#include <string>
#include <vector>

#include "credits/node.hpp"

namespace credits {

struct Amount {
  Decimal lo;
  Decimal hi;
};

// One step of how a price arose, for the node's breakdown.
struct BreakdownLine {
  BlockType block;
  bool rounding = false;  // the final round-up to whole credits, not a block of the card
  std::string label;   // "Per second", or the block's own label
  std::string detail;  // "8 s × 20", "× 2 (audio = true)"
  std::string effect;  // "+160", "×2", "at least 1"
  Amount subtotal;     // running subtotal after this step
};

struct Price {
  int64_t min = 0;  // whole credits, rounded up
  int64_t max = 0;
  bool exact() const { return min == max; }
};

// The fast path: just the numbers. Errors are `invalid_param` (no table row, overflow).
Result<Price> price_node(const PreparedNode& node);

// The same computation, also explaining each step.
Result<Price> price_node(const PreparedNode& node, std::vector<BreakdownLine>* breakdown);

}  // namespace credits
