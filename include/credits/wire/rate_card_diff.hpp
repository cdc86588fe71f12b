// What a new rate card changes (SPEC §12, `credits diff`, `POST /v1/rate-card/diff`): the
// models it adds, removes and changes, and every node it prices differently. Before a price
// change goes live, the people who publish it see which canvases it touches and by how much.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "credits/rate_card.hpp"

namespace credits {

// A card as loaded, with the JSON document it was read from (models are compared as written:
// a change of label or list price is a change, even when no price moves).
struct DiffedCard {
  const RateCard& card;
  const nlohmann::json& doc;
};

// Nodes over a model's parameter domain: the model at its defaults, then one parameter varied
// at a time over its choices, its value list, or the two ends of its range. Ids are
// "<model>@<k>". What `credits diff` prices when no nodes are given.
std::vector<nlohmann::json> sample_nodes(const Model& model);

// The diff as one JSON text:
// {"compared": N, "from": version, "models": {"added", "changed", "removed"},
//  "nodes": [{"id", "model", "new", "old", "params"}], "ok": true, "sampled": bool, "to": version}
// where "old" and "new" are a quote's {"max", "min"}, or null when that card cannot price the
// node. Only nodes whose price changes are listed; `nodes` null means a sample over every
// model of either card.
std::string rate_card_diff_wire(const DiffedCard& from, const DiffedCard& to,
                                const std::vector<nlohmann::json>* nodes);

}  // namespace credits
