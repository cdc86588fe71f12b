#include "command_io.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

#include "credits/wire/error_wire.hpp"
#include "credits/wire/json_text.hpp"

namespace credits::server {

using nlohmann::json;

void fail_usage(const Error& error, const json& extra) {
  std::cout << std::flush;  // what was printed before the error stays before it
  std::cerr << to_wire(command_error_json(error, extra)) << std::endl;
  std::exit(2);
}

void fail_usage(ErrorCode code, const std::string& message, const json& extra) {
  fail_usage(Error(code, message), extra);
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

LoadedCard load_card_or_die(const std::string& path, const std::string& embedded_text) {
  std::string text = embedded_text;
  if (!path.empty()) {
    auto t = read_file(path);
    if (!t) fail_usage(ErrorCode::unreadable_file, "cannot read rate card \"" + path + "\"");
    text = std::move(*t);
  }
  RateCardErrors all;
  auto card = load_card_text(text, &all);
  if (!card) {
    json list = json::array();
    for (const auto& e : all.errors) list.push_back(error_to_json(e));
    fail_usage(Error(ErrorCode::invalid_rate_card,
                     std::to_string(all.errors.size()) + " problem(s) in rate card " +
                         (path.empty() ? "(embedded)" : path) + "; first: " + card.error().message,
                     card.error().path),
               json{{"errors", list}});
  }
  return std::move(*card);
}

json card_document(const std::string& canonical_text) {
  auto doc = parse_json_strict(canonical_text);
  return doc ? std::move(*doc) : json();  // the canonical text of a card that loaded is JSON
}

}  // namespace credits::server
