#include "diff_command.hpp"

#include <algorithm>
#include <iostream>
#include <optional>
#include <vector>

#include "command_io.hpp"
#include "credits/operation.hpp"
#include "credits/wire/rate_card_diff.hpp"

namespace credits::cli {

using nlohmann::json;
using server::fail_usage;

namespace {

// Exits 2 with `error` (its path under the node or the document), the file, and the line the
// problem is on when there is one.
[[noreturn]] void fail_nodes(const std::string& path, const Error& error,
                             std::optional<size_t> line) {
  json extra = json::object();
  extra["file"] = path;
  if (line) extra["line"] = *line;
  fail_usage(Error(error.code, "--nodes " + path + ": " + error.message, error.path), extra);
}

std::vector<json> nodes_of_array(const std::string& path, const json& list,
                                 const std::string& pointer) {
  std::vector<json> nodes;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object())
      fail_nodes(path,
                 Error(ErrorCode::invalid_json, "each node is a JSON object",
                       pointer + "/" + std::to_string(i)),
                 std::nullopt);
    nodes.push_back(list[i]);
  }
  return nodes;
}

// The line of a syntax error in a whole document (the engine's reader gives the pointer of a
// value it refuses, but a document that is not JSON has no value to point at).
std::optional<size_t> syntax_error_line(const std::string& text) {
  try {
    const json parsed = json::parse(text);  // only on a document the engine refused already
    (void)parsed;
  } catch (const json::parse_error& e) {
    const size_t at = std::min(e.byte == 0 ? 0 : e.byte - 1, text.size());
    return 1 + static_cast<size_t>(
                   std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// One node per non-blank line, as `credits estimate` reads them (a trailing CR dropped). When
// the first line is not JSON either, the file was meant as one document: its error is the one
// that says what is wrong (`whole_error`).
std::vector<json> nodes_of_lines(const std::string& path, const std::string& text,
                                 const std::optional<Error>& whole_error) {
  std::vector<json> nodes;
  size_t line_no = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto node = parse_json_limited(line);
    if (!node && nodes.empty() && whole_error)
      fail_nodes(path, *whole_error, syntax_error_line(text));
    if (!node) fail_nodes(path, node.error(), line_no);
    if (!node->is_object())
      fail_nodes(path, Error(ErrorCode::invalid_json, "each node is a JSON object", ""), line_no);
    nodes.push_back(std::move(*node));
  }
  return nodes;
}

// The nodes of FILE: a JSON array of nodes, a graph {"nodes": [...]}, or JSON Lines of nodes.
// A document that is one JSON value is read as a whole; anything else line by line.
std::vector<json> read_nodes_or_die(const std::string& path) {
  auto text = server::read_file(path);
  if (!text) fail_usage(ErrorCode::unreadable_file, "cannot read --nodes file \"" + path + "\"");
  auto whole = parse_json_limited(*text, kMaxDocumentBytes);
  if (whole && whole->is_array()) return nodes_of_array(path, *whole, "");
  if (whole && whole->is_object() && whole->contains("nodes")) {
    const json& list = (*whole)["nodes"];
    if (!list.is_array())
      fail_nodes(path, Error(ErrorCode::invalid_json, "a graph's \"nodes\" is an array", "/nodes"),
                 std::nullopt);
    return nodes_of_array(path, list, "/nodes");
  }
  const size_t first = text->find_first_not_of(" \t\r\n");
  if (!whole && first != std::string::npos && (*text)[first] == '[')
    fail_nodes(path, whole.error(), syntax_error_line(*text));
  if (whole && !whole->is_object())
    fail_nodes(
        path,
        Error(ErrorCode::invalid_json, "not nodes: an array, a graph or JSON Lines of nodes", ""),
        std::nullopt);
  return nodes_of_lines(path, *text, whole ? std::nullopt : std::optional<Error>(whole.error()));
}

}  // namespace

int run_diff(const std::string& from_path, const std::string& to_path,
             const std::string& nodes_path) {
  const LoadedCard from = server::load_card_or_die(from_path, "");
  const LoadedCard to = server::load_card_or_die(to_path, "");
  const json from_doc = server::card_document(from.text), to_doc = server::card_document(to.text);
  std::optional<std::vector<json>> nodes;
  if (!nodes_path.empty()) nodes = read_nodes_or_die(nodes_path);
  std::cout << rate_card_diff_wire({*from.card, from_doc}, {*to.card, to_doc},
                                   nodes ? &*nodes : nullptr)
            << '\n'
            << std::flush;
  return 0;
}

}  // namespace credits::cli
