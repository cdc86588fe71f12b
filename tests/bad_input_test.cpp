// Bad input of any kind gets a structured error and changes nothing: a corpus of malformed
// lines (tests/bad-input/*.jsonl) plus generated junk, through the quote and ledger paths.
#include <random>

#include "engine.hpp"
#include "credits/plan.hpp"
#include "credits/wire/quote_wire.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

std::vector<std::string> lines_of(const std::string& relative) {
  std::vector<std::string> out;
  std::stringstream ss(read_file(relative));
  std::string line;
  while (std::getline(ss, line))
    if (!line.empty() && line[0] != '#') out.push_back(line);
  return out;
}

std::vector<std::string> generated_junk() {
  std::vector<std::string> out;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string s(static_cast<size_t>(rng() % 200), '\0');
    for (auto& c : s) c = static_cast<char>(rng() % 256);
    out.push_back(s);
  }
  out.push_back(std::string(100000, '['));
  out.push_back(std::string(100000, '{'));
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 70; ++i) deep += "}";
  out.push_back(deep);
  out.push_back("\"" + std::string(5000, '\\') + "\"");
  out.push_back(std::string("{\"op\":\"charge\",\"user\":\"\xff\xfe\"}"));
  return out;
}

void expect_structured_error(const json& r, const std::string& input) {
  ASSERT_TRUE(r.is_object()) << input;
  ASSERT_EQ(r["ok"], false) << input << " -> " << r.dump();
  ASSERT_TRUE(r["error"]["code"].is_string()) << r.dump();
  ASSERT_TRUE(r["error"]["message"].is_string()) << r.dump();
  ASSERT_TRUE(r["error"]["path"].is_string()) << r.dump();
  // The result must be printable as JSON whatever bytes the input held.
  ASSERT_FALSE(to_wire(r).empty());
}

json state_of(const Ledger& l) {
  json d = json::object();
  for (const auto& [id, p] : l.payers()) d[id] = {p.sub.remaining, p.wallet, p.sub.quota, std::string(to_string(p.sub.status))};
  d["entries"] = l.entries().size();
  d["charges"] = memory_records(l).charges().size();
  d["now"] = l.now();
  // Balance events: the log and every payer's settings.
  d["events"] = l.balance_events().last_seq();
  for (const auto& [id, p] : l.payers()) {
    if (const AlertSetting* a = l.balance_events().alert(id)) d["alert:" + id] = {a->below, a->low};
    if (const AutoTopUpSetting* t = l.balance_events().auto_top_up(id)) d["auto:" + id] = {t->below, t->to};
  }
  return d;
}

TEST(BadInput, EveryMalformedNodeGetsAStructuredError) {
  auto lines = lines_of("tests/bad-input/nodes.jsonl");
  ASSERT_GE(lines.size(), 30u);
  for (const auto& extra : generated_junk()) lines.push_back(extra);
  for (const auto& line : lines) {
    auto parsed = parse_json_limited(line);
    json r = parsed ? quote_json(*test_card(), *parsed) : failed_quote_json(nullptr, parsed.error());
    expect_structured_error(r, line);
  }
}

TEST(BadInput, EveryMalformedOperationChangesNothing) {
  auto lines = lines_of("tests/bad-input/ops.jsonl");
  ASSERT_GE(lines.size(), 40u);
  for (const auto& extra : generated_junk()) lines.push_back(extra);
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  book.ok(R"({"op":"create_user","user":"bob"})");
  book.ok(R"({"op":"create_workspace","workspace":"studio","admin":"ana"})");
  book.ok(R"({"op":"subscribe","payer":"user:ana","quota":100})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":50,"key":"t1"})");
  book.ok(Book::charge_text("ana", "c1", 4));
  const json before = state_of(book.ledger);
  for (const auto& line : lines) {
    json r = apply_operation_line(book.ledger, line);
    expect_structured_error(r, line);
    ASSERT_EQ(state_of(book.ledger), before) << line;
  }
}

}  // namespace
}  // namespace credits::testing

// --- issue 8: hardening of the JSON reader and of parameter types ----------------------------

namespace credits::testing {
namespace {

using nlohmann::json;

json quote_line(const RateCard& card, const std::string& line) {
  auto parsed = parse_json_limited(line);
  return parsed ? quote_json(card, *parsed) : failed_quote_json(nullptr, parsed.error());
}

// Issue 8, defect 4: {"op":"balance","op":"top_up",...} ran a top-up (the last key won).
TEST(StrictJson, DuplicateKeysAreInvalidJsonEverywhere) {
  // The reader itself, with the pointer of the repeated key, at any depth.
  auto e = parse_json_limited(R"({"a":1,"a":2})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, ErrorCode::invalid_json);
  EXPECT_EQ(e.error().path, "/a");
  e = parse_json_limited(R"({"nodes":[{"id":"x"},{"id":"y","params":{"d":1,"d":1}}]})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().path, "/nodes/1/params/d");
  e = parse_json_limited(R"({"a/b~":1,"a/b~":1})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().path, "/a~1b~0");
  // The same key in two objects, or in an object and its parent, is fine.
  EXPECT_TRUE(parse_json_limited(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})"));

  // Operations: the issue's reproduction changes nothing.
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  json r = apply_operation_line(
      book.ledger, R"({"op":"balance","op":"top_up","at":"2026-02-01T00:00:00Z","payer":"user:ana","credits":5,"key":"k"})");
  EXPECT_EQ(r["error"]["code"], "invalid_json") << r.dump();
  EXPECT_EQ(r["error"]["path"], "/op");
  EXPECT_EQ(book.wallet("user:ana"), 0);

  // Nodes.
  json q = quote_line(*sample_card(), R"({"model":"veo-3","params":{"duration_s":4,"duration_s":8}})");
  EXPECT_EQ(q["error"]["code"], "invalid_json") << q.dump();
  EXPECT_EQ(q["error"]["path"], "/params/duration_s");

  // Rate cards: the whole card is refused, with the pointer.
  RateCardErrors all;
  auto card = load_rate_card(R"({"version":"v","version":"w","models":[]})", &all);
  ASSERT_FALSE(card);
  EXPECT_EQ(card.error().code, ErrorCode::invalid_json);
  EXPECT_EQ(card.error().path, "/version");
  std::string text = read_file("demo/rate-card.json");
  const std::string rate = R"("rate": 20)";
  ASSERT_NE(text.find(rate), std::string::npos);
  text.replace(text.find(rate), rate.size(), R"("rate": 20, "rate": 1)");
  card = load_rate_card(text, &all);
  ASSERT_FALSE(card);
  EXPECT_EQ(card.error().code, ErrorCode::invalid_json);
  EXPECT_EQ(card.error().path, "/models/0/price/0/rate");
}

// Issue 8, defect 5: "duration_s":7.9999999999999999 and 80e-1 were read through a double.
TEST(StrictJson, NumbersAreReadExactlyFromTheirText) {
  const RateCard& card = *sample_card();
  const json eight = quote_line(card, R"({"model":"veo-3","params":{"duration_s":8}})");
  ASSERT_EQ(eight["credits"], 320);
  // Texts whose value is exactly 8 are 8, for an int too.
  for (const char* text : {"80e-1", "8.0", "8e0", "0.8E+1", "8.000000000000000000000"}) {
    json q = quote_line(card, std::string(R"({"model":"veo-3","params":{"duration_s":)") + text + "}}");
    EXPECT_EQ(q, eight) << text;
  }
  // A number a double cannot hold exactly is refused where it stands, never rounded.
  for (const char* text : {"7.9999999999999999", "8.0000000000000001", "123456789012345678901", "1e-400",
                           "-1e-999999999999999999999"}) {
    json q = quote_line(card, std::string(R"({"model":"veo-3","params":{"duration_s":)") + text + "}}");
    EXPECT_EQ(q["ok"], false) << text;
    EXPECT_EQ(q["error"]["code"], "invalid_json") << text << " " << q.dump();
    EXPECT_EQ(q["error"]["path"], "/params/duration_s") << text;
  }
  // A number past a double's range is said to be too large, where it stands.
  for (const char* text : {"1e400", "-1e309", "17976931348623159e292"}) {
    json q = quote_line(card, std::string(R"({"model":"veo-3","params":{"duration_s":)") + text + "}}");
    EXPECT_EQ(q["error"]["code"], "invalid_json") << text;
    EXPECT_EQ(q["error"]["path"], "/params/duration_s") << text;
    EXPECT_EQ(q["error"]["message"], std::string("the number ") + text + " is too large to be read") << q.dump();
  }
  auto big = parse_json_limited(R"({"a":[1,1e400]})");
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().path, "/a/1");
  auto e = parse_json_limited(R"({"a":[1,2,0.30000000000000001]})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().path, "/a/2");
  // Floats a double does hold exactly stay what they say.
  auto ok = parse_json_limited(R"([0.1, 2.5, 1e21, -0.0, 5.4, 0.0021])");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->dump(), "[0.1,2.5,1e+21,-0.0,5.4,0.0021]");
  // Written as a decimal string, a decimal parameter is priced on exactly that value.
  json q = quote_line(card, R"({"model":"sync-lipsync-2","params":{"duration_s":"7.9999999999999999"}})");
  ASSERT_EQ(q["ok"], true) << q.dump();
  EXPECT_EQ(q["breakdown"][0]["min"], "39.9999999999999995") << q.dump();
  EXPECT_EQ(q["credits"], 40);
  // ...and an int parameter is whole: a fraction is refused with the parameter's pointer.
  q = quote_line(card, R"({"model":"veo-3","params":{"duration_s":7.5}})");
  EXPECT_EQ(q["error"]["code"], "invalid_param");
  EXPECT_EQ(q["error"]["path"], "/params/duration_s");
  // The same reader behind operations: a charge's quoted price and the top-up amount.
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  json r = apply_operation_line(
      book.ledger, R"({"op":"top_up","at":"2026-02-01T00:00:00Z","payer":"user:ana","credits":5.00000000000000001,"key":"k"})");
  EXPECT_EQ(r["error"]["code"], "invalid_json") << r.dump();
  EXPECT_EQ(r["error"]["path"], "/credits");
  EXPECT_EQ(book.wallet("user:ana"), 0);
}

// Issue 8, defect 6: {"model":"veo-3","params":{"duration_s":"6"}} was priced.
TEST(NodeParams, AnIntWrittenAsAStringIsInvalidParam) {
  const RateCard& card = *sample_card();
  for (const char* v : {R"("6")", R"("6.0")", R"(" 6")", R"("")"}) {
    json q = quote_line(card, std::string(R"({"model":"veo-3","params":{"duration_s":)") + v + "}}");
    EXPECT_EQ(q["ok"], false) << v;
    EXPECT_EQ(q["error"]["code"], "invalid_param") << v;
    EXPECT_EQ(q["error"]["path"], "/params/duration_s") << v;
  }
  EXPECT_EQ(quote_line(card, R"({"model":"veo-3","params":{"duration_s":6}})")["credits"], 240);
  // In a plan too, with the node's pointer.
  json plan = plan_json(card, json::parse(R"({"nodes":[{"id":"v","model":"veo-3","params":{"duration_s":"6"}}]})"), nullptr);
  EXPECT_EQ(plan["nodes"][0]["error"]["code"], "invalid_param") << plan.dump();
  EXPECT_EQ(plan["nodes"][0]["error"]["path"], "/nodes/0/params/duration_s");
  // A charge is refused the same way, and the usage of a settlement.
  Book book;
  book.ok(R"({"op":"create_user","user":"ana"})");
  book.ok(R"({"op":"top_up","payer":"user:ana","credits":100,"key":"t"})");
  json r = book.op(R"({"op":"charge","user":"ana","key":"c","node":{"model":"vid","params":{"duration_s":"4"}},"quoted":40,"rate_card":"test-1"})");
  EXPECT_EQ(r["error"]["code"], "invalid_param") << r.dump();
  EXPECT_EQ(r["error"]["path"], "/node/params/duration_s");
  // A decimal parameter still takes a decimal string (docs/rate-card.md).
  EXPECT_EQ(quote_line(card, R"({"model":"runway-gen4-aleph","params":{"duration_s":"4.2"}})")["credits"], 75);
}

}  // namespace
}  // namespace credits::testing

// --- issue 8, defect 9: no call of the engine throws ----------------------------------------

namespace credits::testing {
namespace {

using nlohmann::json;

// What an engine call returned: JSON text, and never the guard's "internal error".
json engine_result(const std::string& out, const std::string& call) {
  auto r = parse_json_limited(out, kMaxDocumentBytes);
  EXPECT_TRUE(r) << call << " -> " << out;
  if (!r) return json();
  EXPECT_EQ(out.find("internal error"), std::string::npos) << call << " -> " << out;
  return *r;
}

// Issue 8, defect 9: Engine::preview with "has_current_period":"yes" threw nlohmann's
// type_error.302, which the browser saw as `internal` instead of `invalid_param`.
TEST(EngineEntryPoints, APreviewWithAMistypedFlagIsInvalidParam) {
  Engine engine(read_file("demo/rate-card.json"));
  for (const char* kind : {"refund", "settle"}) {
    json r = engine_result(engine.preview(kind, R"({"balance":{"subscription":10,"wallet":5},"from_subscription":3,)"
                                                R"("from_wallet":2,"actual":4,"has_current_period":"yes"})"),
                           kind);
    EXPECT_EQ(r["ok"], false) << r.dump();
    EXPECT_EQ(r["error"]["code"], "invalid_param") << r.dump();
    EXPECT_EQ(r["error"]["path"], "/has_current_period") << r.dump();
  }
  json r = engine_result(engine.preview("refund", R"({"balance":{"subscription":10,"wallet":5},"from_subscription":3,)"
                                                  R"("from_wallet":2,"has_current_period":false})"),
                         "refund");
  EXPECT_EQ(r["to_wallet"], 5) << r.dump();
}

// Every entry point, fed each field of a valid request replaced by each JSON type, answers
// with a result (ok, or a precise error) and never throws.
TEST(EngineEntryPoints, EveryCallAnswersMistypedInputWithoutThrowing) {
  const std::vector<json> wrong = {json("yes"), json(1.5), json(-1), json(nullptr), json::array(), json::object(),
                                   json(true), json(18446744073709551615ull), json(int64_t{1} << 62), json("\xff")};
  // Every way to break one field of a document: each value at each path.
  auto variants = [&](const json& valid) {
    std::vector<json> out;
    json flat = valid.flatten();
    for (auto it = flat.begin(); it != flat.end(); ++it)
      for (const json& w : wrong) {
        json f = valid;
        f[json::json_pointer(it.key())] = w;
        out.push_back(std::move(f));
      }
    for (const json& w : wrong) out.push_back(w);
    return out;
  };
  auto text = [](const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); };
  Engine engine(read_file("demo/rate-card.json"));
  const json preview = json::parse(R"({"balance":{"subscription":10,"wallet":5},"price":4,"from_subscription":3,
                                      "from_wallet":2,"actual":4,"has_current_period":true})");
  for (const char* kind : {"charge", "refund", "settle", "other"})
    for (const json& v : variants(preview)) {
      std::string out;
      ASSERT_NO_THROW(out = engine.preview(kind, text(v))) << v.dump();
      engine_result(out, std::string("preview ") + kind + " " + text(v));
    }
  const json node = json::parse(R"({"id":"v","model":"veo-3","params":{"duration_s":8,"resolution":"720p","generate_audio":false}})");
  const json graph = json::parse(R"({"nodes":[{"id":"v","model":"veo-3","params":{"duration_s":8}},
                                              {"id":"l","model":"sync-lipsync-2","inputs":{"video":"v"},"skip":false}]})");
  const json balances = json::parse(R"({"subscription":100,"wallet":50})");
  for (const json& v : variants(node)) {
    const std::string t = text(v);
    std::string out;
    ASSERT_NO_THROW(out = engine.quote(t)) << t;
    engine_result(out, "quote " + t);
    ASSERT_NO_THROW(out = engine.quote_many("[" + t + "]")) << t;
    engine_result(out, "quote_many " + t);
    ASSERT_NO_THROW(out = engine.quote_many(t)) << t;
    engine_result(out, "quote_many " + t);
  }
  for (const json& v : variants(graph)) {
    const std::string t = text(v);
    std::string out;
    ASSERT_NO_THROW(out = engine.plan(t, text(balances))) << t;
    engine_result(out, "plan " + t);
    ASSERT_NO_THROW(out = engine.session_load(t, "")) << t;
    engine_result(out, "session_load " + t);
  }
  for (const json& v : variants(balances)) {
    const std::string t = text(v);
    std::string out;
    ASSERT_NO_THROW(out = engine.plan(text(graph), t)) << t;
    engine_result(out, "plan balances " + t);
    ASSERT_NO_THROW(out = engine.session_plan(t)) << t;
    engine_result(out, "session_plan " + t);
  }
  engine_result(engine.session_load(text(graph), ""), "session_load");
  for (const json& v : variants(graph["nodes"][1])) {
    std::string out;
    ASSERT_NO_THROW(out = engine.session_update_node(text(v))) << text(v);
    engine_result(out, "session_update_node " + text(v));
  }
  for (const char* s : {"", "l", "v", "nope", "\xff", "\xc3"}) {
    std::string out;
    ASSERT_NO_THROW(out = engine.session_set_input("l", "video", s)) << s;
    engine_result(out, std::string("session_set_input ") + s);
    ASSERT_NO_THROW(out = engine.session_set_input(s, s, "v")) << s;
    engine_result(out, std::string("session_set_input ") + s);
  }
  // Rate cards: every field of a small valid card broken in turn.
  const json card = json::parse(read_file("tests/data/test-card.json"));
  Engine other;
  for (const json& v : variants(card)) {
    std::string out;
    ASSERT_NO_THROW(out = other.load_rate_card(text(v))) << text(v);
    engine_result(out, "load_rate_card " + text(v));
  }
  ASSERT_NO_THROW(engine_result(engine.models(), "models"));
  ASSERT_NO_THROW(engine_result(Engine().models(), "models without a card"));
  ASSERT_NO_THROW(engine_result(Engine().preview("charge", text(preview)), "preview without a card"));
}

}  // namespace
}  // namespace credits::testing
