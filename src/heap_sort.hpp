// A heap sort for the core's few small sorts (a graph's affected nodes, a node's inputs, a
// parameter's cut points). std::sort's introsort is several KB of the WASM module per element
// type; this is about one, with the same O(n log n). Unstable, as std::sort is: every caller
// orders by a key its items do not share, so the order is the same as std::sort's.
#pragma once

#include <algorithm>

namespace credits {

template <typename Iterator, typename Less>
void heap_sort(Iterator first, Iterator last, Less less) {
  std::make_heap(first, last, less);
  std::sort_heap(first, last, less);
}

}  // namespace credits
