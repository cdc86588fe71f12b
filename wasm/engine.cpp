#include "engine.hpp"

#include <algorithm>

#include "encoded_nodes.hpp"
#include "credits/wire/json_text.hpp"
#include "credits/wire/plan_wire.hpp"
#include "credits/money_split.hpp"
#include "credits/operation.hpp"
#include "credits/rate_card_binary.hpp"
#include "credits/wire/quote_wire.hpp"

namespace credits {

using nlohmann::json;

namespace {

std::string failure(const Error& e) { return failure_wire(e); }

Error no_card() { return Error(ErrorCode::invalid_op, "no rate card is loaded: call loadRateCard first"); }

// Parses optional balances text: empty means none.
Result<std::optional<json>> optional_json(std::string_view text) {
  if (text.empty()) return std::optional<json>();
  auto j = parse_json_limited(text);
  if (!j) return j.error();
  if (j->is_null()) return std::optional<json>();
  return std::optional<json>(std::move(*j));
}

// A graph and optional balances read from their texts, handed to `priced` (a plan or a canvas
// load), or the failure of whichever could not be read.
template <class Priced>
std::string with_graph(std::string_view graph_text, std::string_view balances_text, Priced&& priced) {
  auto graph = parse_json_limited(graph_text, kMaxDocumentBytes);
  if (!graph) return failure(graph.error());
  auto balances = optional_json(balances_text);
  if (!balances) return failure(balances.error());
  return priced(*graph, *balances ? &**balances : nullptr);
}

// The last line of defence of "no call of the engine throws": every entry point checks its
// input's types itself (the tests feed each one mistyped input); if anything still throws,
// the caller gets a failure result, not an exception.
template <typename F>
std::string guarded(F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return failure(Error(ErrorCode::invalid_op, std::string("internal error: ") + e.what()));
  }
}

}  // namespace

Engine::Engine(std::string_view default_card_json) {
  if (!default_card_json.empty()) load_rate_card(default_card_json);
}

std::string Engine::load_rate_card(std::string_view text) {
  return guarded([&]() -> std::string {
    RateCardErrors all;
    auto card = ::credits::load_rate_card(text, &all);
    if (!card) {
      json errors = json::array();
      for (const auto& e : all.errors) errors.push_back(error_to_json(e));
      if (errors.empty()) errors.push_back(error_to_json(card.error()));
      return to_wire(json{{"ok", false}, {"errors", std::move(errors)}});
    }
    use_rate_card(std::move(*card));
    return to_wire(json{{"ok", true}, {"version", card_->version}});
  });
}

void Engine::use_rate_card(RateCard card) {
  card_ = std::make_shared<const RateCard>(std::move(card));
  loaded_.push_back(card_);
  session_ = std::make_unique<PlanSession>(card_);
  pricer_.reset();  // built on first use: its tables' domains cost milliseconds at a cold start
}

bool Engine::use_binary_rate_card(std::string_view bytes) {
  auto card = read_rate_card_binary(bytes);
  if (!card) return false;
  use_rate_card(std::move(*card));
  return true;
}

std::string Engine::rate_card_version() const { return card_ ? card_->version : std::string(); }

namespace {

// One parameter's spec for models(), keys in byte order as nlohmann's objects print them.
// Written as text (json_text.hpp) rather than built as a nlohmann::json: the same bytes, and
// about 5 KB less of the module gzipped, which keeps the package under its 150 KB budget.
void write_param_spec(std::string& out, const ParamSpec& p, int slot) {
  const auto str = [&](std::string_view key, std::string_view value) {
    out += ",\"";
    out += key;
    out += "\":";
    append_json_string(out, value);
  };
  out += '{';
  if (p.decided_by_run) out += "\"decided_by_run\":true,";
  if (p.default_value) {
    out += "\"default\":";
    if (p.type == ParamType::string) append_json_string(out, p.choices[static_cast<size_t>(p.default_value->choice)]);
    else if (p.type == ParamType::boolean) out += p.default_value->choice == 1 ? "true" : "false";
    else append_json_string(out, p.default_value->lo.to_string());
    out += ',';
  }
  if (p.input) {
    out += "\"input\":{\"output\":";
    append_json_string(out, p.input->output);
    out += ",\"port\":";
    append_json_string(out, p.input->port);
    out += "},";
  }
  out += "\"label\":";
  append_json_string(out, p.label);
  if (p.max) str("max", p.max->to_string());
  if (p.min) str("min", p.min->to_string());
  out += ",\"slot\":";
  append_json_int(out, slot);
  if (p.step) str("step", p.step->to_string());
  str("type", to_string(p.type));
  str("unit", p.unit);
  if (p.type == ParamType::string || !p.allowed.empty()) {
    out += ",\"values\":[";
    const size_t n = p.allowed.empty() ? p.choices.size() : p.allowed.size();
    for (size_t i = 0; i < n; ++i) {
      if (i) out += ',';
      append_json_string(out, p.allowed.empty() ? p.choices[i] : p.allowed[i].to_string());
    }
    out += ']';
  }
  out += '}';
}

void write_model(std::string& out, const Model& m) {
  out += "{\"id\":";
  append_json_string(out, m.id);
  out += ",\"kind\":";
  append_json_string(out, to_string(m.kind));
  out += ",\"label\":";
  append_json_string(out, m.label);
  out += ",\"list_price\":";
  append_json_string(out, m.list_price);
  out += ",\"outputs\":[";
  for (size_t i = 0; i < m.outputs.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, m.outputs[i].name);
  }
  out += "],\"params\":{";
  // By name, in byte order, as a JSON object's keys print; each keeps its declared slot.
  std::vector<size_t> order(m.params.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return m.params[a].name < m.params[b].name; });
  for (size_t k = 0; k < order.size(); ++k) {
    if (k) out += ',';
    append_json_string(out, m.params[order[k]].name);
    out += ':';
    write_param_spec(out, m.params[order[k]], static_cast<int>(order[k]));
  }
  out += "},\"provider\":";
  append_json_string(out, m.provider);
  out += '}';
}

}  // namespace

std::string Engine::models() const {
  return guarded([&]() -> std::string {
    if (!card_) return failure(no_card());
    std::string out = "{\"credit_value\":";
    append_json_string(out, card_->credit_value);
    out += ",\"models\":[";
    for (size_t i = 0; i < card_->models.size(); ++i) {
      if (i) out += ',';
      write_model(out, card_->models[i]);
    }
    out += "],\"ok\":true,\"version\":";
    append_json_string(out, card_->version);
    out += '}';
    return out;
  });
}

std::string Engine::encoder_index() const {
  return guarded([&]() -> std::string {
    if (!card_) return failure(no_card());
    std::string out = "{\"models\":[";
    for (size_t i = 0; i < card_->models.size(); ++i) {
      const Model& m = card_->models[i];
      out += i ? ",[" : "[";
      append_json_string(out, m.id);
      out += ',';
      append_json_string(out, to_string(m.kind));
      out += ",[";
      for (size_t k = 0; k < m.params.size(); ++k) {
        const ParamSpec& p = m.params[k];
        if (k) out += ',';
        append_json_string(out, p.name);
        out += ',';
        append_json_string(out, to_string(p.type));
        if (p.type != ParamType::string) {
          out += ",null";
          continue;
        }
        out += ",[";
        for (size_t c = 0; c < p.choices.size(); ++c) {
          if (c) out += ',';
          append_json_string(out, p.choices[c]);
        }
        out += ']';
      }
      out += "]]";
    }
    out += "],\"ok\":true,\"version\":";
    append_json_string(out, card_->version);
    out += '}';
    return out;
  });
}

size_t Engine::price_encoded(const double* input, size_t input_length, size_t count, double* output) const {
  if (!card_) {
    for (size_t i = 0; i < count; ++i) output[3 * i] = 1;  // every node takes the JSON path
    return 0;
  }
  return pricer().price(input, input_length, count, output);
}

EncodedPricer& Engine::pricer() const {
  if (!pricer_) pricer_ = std::make_unique<EncodedPricer>(*card_);
  return *pricer_;
}

std::string Engine::encoded_tables() const { return card_ ? pricer().expose_tables() : "[]"; }

std::string Engine::quote_encoded(int card_index, const double* record, size_t length) const {
  return guarded([&]() -> std::string {
    std::string out;
    if (card_index < 0 || static_cast<size_t>(card_index) >= loaded_.size()) {
      write_failed_quote(out, nullptr, Error(ErrorCode::invalid_op, "no rate card was loaded with that index"));
      return out;
    }
    out = quote_encoded_node(*loaded_[static_cast<size_t>(card_index)], record, length);
    if (out.empty()) write_failed_quote(out, nullptr, Error(ErrorCode::invalid_param, "the record is not one the typed path prices"));
    return out;
  });
}

std::string Engine::quote(std::string_view node_text) const {
  return guarded([&]() -> std::string {
    std::string out;
    if (!card_) {
      write_failed_quote(out, nullptr, no_card());
      return out;
    }
    auto node = parse_json_limited(node_text);
    if (!node) {
      write_failed_quote(out, nullptr, node.error());
      return out;
    }
    return quote_wire(*card_, *node);
  });
}

std::string Engine::quote_many(std::string_view nodes_text) const {
  return guarded([&]() -> std::string {
    if (!card_) return failure(no_card());
    auto nodes = parse_json_limited(nodes_text, kMaxDocumentBytes);
    if (!nodes) return failure(nodes.error());
    if (!nodes->is_array()) return failure(Error(ErrorCode::invalid_param, "quoteMany takes an array of nodes", ""));
    std::string out = "[";
    for (size_t i = 0; i < nodes->size(); ++i) {
      if (i) out += ',';
      out += quote_wire(*card_, (*nodes)[i]);
    }
    out += ']';
    return out;
  });
}

std::string Engine::plan(std::string_view graph_text, std::string_view balances_text) const {
  return guarded([&]() -> std::string {
    if (!card_) return failure(no_card());
    return with_graph(graph_text, balances_text, [&](const json& g, const json* b) { return plan_wire(*card_, g, b); });
  });
}

std::string Engine::session_load(std::string_view graph_text, std::string_view balances_text) {
  return guarded([&]() -> std::string {
    if (!card_) return failure(no_card());
    return with_graph(graph_text, balances_text, [&](const json& g, const json* b) { return session_->load(g, b); });
  });
}

std::string Engine::session_update_node(std::string_view node_text) {
  return guarded([&]() -> std::string {
    if (!card_) return failure(no_card());
    auto node = parse_json_limited(node_text);
    if (!node) return failure(node.error());
    return session_->update_node(*node);
  });
}

std::string Engine::session_set_input(std::string_view to, std::string_view port, std::string_view from) {
  return guarded([&]() -> std::string {
    if (!card_) return failure(no_card());
    return session_->set_input(std::string(to), std::string(port), std::string(from));
  });
}

std::string Engine::session_plan(std::string_view balances_text) const {
  return guarded([&]() -> std::string {
    if (!card_) return failure(no_card());
    auto balances = optional_json(balances_text);
    if (!balances) return failure(balances.error());
    return session_->plan(*balances ? &**balances : nullptr);
  });
}

std::string Engine::preview(std::string_view kind, std::string_view request_text) const {
  return guarded([&]() -> std::string {
    auto req = parse_json_limited(request_text);
    if (!req) return failure(req.error());
    if (!req->is_object() || !req->contains("balance"))
      return failure(Error(ErrorCode::invalid_param, "a preview needs \"balance\": {\"subscription\", \"wallet\"}", "/balance"));
    auto balances = parse_balances((*req)["balance"], "/balance");
    if (!balances) return failure(balances.error());
    auto amount = [&](const char* key) -> Result<Credits> {
      auto it = req->find(key);
      const std::optional<Credits> credits = it == req->end() ? std::nullopt : json_amount(*it);
      if (!credits)
        return Error(ErrorCode::invalid_param, std::string("\"") + key + "\" must be whole credits between 0 and 10^15",
                     pointer_join("", key));
      return *credits;
    };
    // Every field is checked for its type: nlohmann's value() throws on a mismatch.
    bool has_period = true;
    if (auto it = req->find("has_current_period"); it != req->end()) {
      if (!it->is_boolean())
        return failure(Error(ErrorCode::invalid_param, "\"has_current_period\" must be true or false", "/has_current_period"));
      has_period = it->get<bool>();
    }
    auto after = [&](const Balances& b) { return json{{"subscription", b.subscription}, {"wallet", b.wallet}}; };
    if (kind == "charge") {
      auto price = amount("price");
      if (!price) return failure(price.error());
      auto split = split_charge(balances->subscription, balances->wallet, *price);
      if (!split) return failure(split.error());
      Balances b{balances->subscription - split->subscription, balances->wallet - split->wallet};
      return to_wire(json{{"ok", true}, {"from_subscription", split->subscription}, {"from_wallet", split->wallet},
                          {"after", after(b)}});
    }
    if (kind == "refund" || kind == "settle") {
      auto from_sub = amount("from_subscription");
      if (!from_sub) return failure(from_sub.error());
      auto from_wallet = amount("from_wallet");
      if (!from_wallet) return failure(from_wallet.error());
      const Buckets taken{*from_sub, *from_wallet};
      Buckets back = taken;
      if (kind == "settle") {
        auto actual = amount("actual");
        if (!actual) return failure(actual.error());
        if (*actual > taken.total())
          return failure(Error(ErrorCode::invalid_param, "the actual price exceeds what was held", "/actual"));
        back = split_settlement(taken, *actual);
      }
      const Buckets routed = route_return(back, has_period);
      Balances b{balances->subscription + routed.subscription, balances->wallet + routed.wallet};
      return to_wire(json{{"ok", true}, {"to_subscription", routed.subscription}, {"to_wallet", routed.wallet},
                          {"after", after(b)}});
    }
    return failure(Error(ErrorCode::invalid_op, "a preview is of a charge, a refund or a settle", ""));
  });
}

}  // namespace credits
