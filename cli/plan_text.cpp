#include "plan_text.hpp"

namespace credits::cli {

namespace {
std::string pad(std::string s, size_t n) {
  // Pads by code points so "×" and "–" do not skew the columns.
  size_t width = 0;
  for (unsigned char c : s) width += (c & 0xC0) != 0x80;
  if (width < n) s.append(n - width, ' ');
  return s;
}
std::string price(const nlohmann::json& q) {
  if (!q.value("ok", false)) return "unpriced";
  if (q.value("exact", false)) return std::to_string(q["credits"].get<int64_t>());
  return std::to_string(q["min"].get<int64_t>()) + "–" + std::to_string(q["max"].get<int64_t>());
}
}  // namespace

std::string plan_text(const nlohmann::json& p) {
  if (!p.value("ok", false)) return "plan refused: " + p["error"]["message"].get<std::string>() + "\n";
  std::string out = "  " + pad("node", 12) + pad("model", 22) + pad("credits", 12) + "how\n";
  for (const auto& q : p["nodes"]) {
    std::string how;
    if (!q.value("ok", false)) {
      how = q["error"]["message"].get<std::string>();
    } else if (q.value("skipped", false)) {
      how = "skipped (cached); would cost " + std::to_string(q["would_cost"]["max"].get<int64_t>());
    } else {
      for (const auto& line : q["breakdown"]) {
        if (!how.empty()) how += ", ";
        std::string effect = line["effect"].get<std::string>();
        how += line["detail"].get<std::string>() + (effect.empty() || effect[0] == '+' ? "" : " " + effect);
      }
    }
    out += "  " + pad(q["id"].is_string() ? q["id"].get<std::string>() : "?", 12) +
           pad(q.value("model", std::string("?")), 22) + pad(price(q), 12) + how + "\n";
  }
  const auto& t = p["total"];
  out += "\n  Total: " + (t.value("exact", false) ? std::to_string(t["credits"].get<int64_t>())
                                                  : std::to_string(t["min"].get<int64_t>()) + "–" + std::to_string(t["max"].get<int64_t>())) +
         " credits (" + std::to_string(p["priced"].get<int>()) + " priced, " + std::to_string(p["skipped"].get<int>()) +
         " skipped, " + std::to_string(p["unpriced"].get<int>()) + " unpriced) on rate card " +
         p["rate_card"].get<std::string>() + "\n";
  if (p.contains("projection")) {
    const auto& pr = p["projection"];
    out += "  After this run (holding each range's maximum): subscription " +
           std::to_string(pr["before"]["subscription"].get<int64_t>()) + " → " +
           std::to_string(pr["after"]["subscription"].get<int64_t>()) + ", wallet " +
           std::to_string(pr["before"]["wallet"].get<int64_t>()) + " → " + std::to_string(pr["after"]["wallet"].get<int64_t>()) + "\n";
    if (!pr["affordable"].get<bool>())
      out += "  Not affordable from node \"" + pr["first_unaffordable"].get<std::string>() + "\" on; short by " +
             std::to_string(pr["shortfall"].get<int64_t>()) + " credits\n";
  }
  return out;
}

}  // namespace credits::cli
