// A plan as a table for people at a terminal (`credits plan --text`).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace credits::cli {
// Renders a plan as `credits plan` prints it (plan_wire's text, read back by the CLI: the edge
// shows what the contract says); the numbers are the JSON's, nothing recomputed.
std::string plan_text(const nlohmann::json& plan);
}
