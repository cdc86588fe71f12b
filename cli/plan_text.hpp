// A plan as a table for people at a terminal (`credits plan --text`).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace credits::cli {
// Renders the plan JSON that plan_json produced; the numbers are the JSON's, nothing recomputed.
std::string plan_text(const nlohmann::json& plan);
}
