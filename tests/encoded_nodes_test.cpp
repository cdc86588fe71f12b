// The typed path must agree with the JSON path on every node it prices (numbers and, when the
// breakdown is asked for, every byte of the quote), and hand back the rest.
#include "encoded_nodes.hpp"

#include <cmath>
#include <cstring>

#include "engine.hpp"

#include "credits/value_classes.hpp"
#include "credits/wire/node_wire.hpp"
#include "credits/wire/quote_wire.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

using nlohmann::json;

// Encodes a node as the JS package does; false when it would go the JSON way.
// With `mark_unknown`, what the card does not know is marked as web/src/encode.js marks it
// (-1 for a model, a parameter or a choice, NaN for a number that is not one).
bool encode(const RateCard& card, const json& node, std::vector<double>& out, bool mark_unknown = false) {
  if (!node.is_object() || !node.contains("model") || !node["model"].is_string()) return false;
  if (node.contains("id") && (!node["id"].is_string() || !is_valid_id(node["id"].get<std::string>()))) return false;
  for (auto k = node.begin(); k != node.end(); ++k)
    if (k.key() != "id" && k.key() != "model" && k.key() != "params" && k.key() != "inputs" && k.key() != "skip") return false;
  auto it = card.index.find(node["model"].get<std::string>());
  if (it == card.index.end()) {
    if (!mark_unknown) return false;
    out.insert(out.end(), {-1.0, 0.0});
    return true;
  }
  const Model& m = card.models[static_cast<size_t>(it->second)];
  std::vector<double> rec{static_cast<double>(it->second), 0};
  if (node.contains("params") && !node["params"].is_null()) {
    if (!node["params"].is_object()) return false;
    for (auto p = node["params"].begin(); p != node["params"].end(); ++p) {
      const int32_t slot = m.param_index(p.key());
      if (slot < 0 && !mark_unknown) return false;
      if (slot < 0) {
        rec.insert(rec.end(), {-1.0, 0.0});
        rec[1] += 1;
        continue;
      }
      const ParamSpec& spec = m.params[static_cast<size_t>(slot)];
      double v;
      if (spec.type == ParamType::string) {
        if (!p->is_string() && !mark_unknown) return false;
        auto c = p->is_string() ? std::find(spec.choices.begin(), spec.choices.end(), p->get<std::string>()) : spec.choices.end();
        if (c == spec.choices.end() && !mark_unknown) return false;
        v = c == spec.choices.end() ? -1 : static_cast<double>(c - spec.choices.begin());
      } else if (spec.type == ParamType::boolean) {
        if (!p->is_boolean() && !mark_unknown) return false;
        v = p->is_boolean() ? (p->get<bool>() ? 1 : 0) : -1;
      } else if (p->is_string()) {
        return false;  // a decimal string: the JSON path reads it
      } else {
        // As JS holds it: a double; anything else not a number at all.
        if (!p->is_number() && !mark_unknown) return false;
        v = p->is_number() ? p->get<double>() : NAN;
      }
      rec.push_back(slot);
      rec.push_back(v);
      rec[1] += 1;
    }
  }
  out.insert(out.end(), rec.begin(), rec.end());
  return true;
}

// Prices `count` records twice through the pricer (the first pass fills its tables, the second
// reads them) and once without tables, and expects the three answers to be the same; returns
// how many priced.
size_t expect_tables_agree(const RateCard& card, EncodedPricer& pricer, const std::vector<double>& stream, size_t count) {
  std::vector<double> expected(3 * count), first(3 * count), second(3 * count);
  const size_t priced = price_encoded_nodes(card, stream.data(), stream.size(), count, expected.data());
  EXPECT_EQ(pricer.price(stream.data(), stream.size(), count, first.data()), priced);
  EXPECT_EQ(pricer.price(stream.data(), stream.size(), count, second.data()), priced);
  for (size_t i = 0; i < 3 * count; ++i) {
    EXPECT_EQ(first[i], expected[i]) << "record " << i / 3;
    EXPECT_EQ(second[i], expected[i]) << "record " << i / 3;
    if (first[i] != expected[i] || second[i] != expected[i]) break;
  }
  return priced;
}

TEST(EncodedNodes, AgreeWithTheJsonPathOnTheGoldenCorpus) {
  std::stringstream ss(read_file("tests/golden/nodes.jsonl"));
  std::string line;
  std::vector<json> nodes;
  std::vector<double> stream;
  while (std::getline(ss, line)) {
    json n = json::parse(line);
    if (encode(*sample_card(), n, stream)) nodes.push_back(n);
  }
  ASSERT_GT(nodes.size(), 200u);  // decimal-string parameters and mistyped values go the JSON way
  std::vector<double> out(3 * nodes.size());
  const size_t priced = price_encoded_nodes(*sample_card(), stream.data(), stream.size(), nodes.size(), out.data());
  size_t handed_back = 0, refused = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    json q = quote_json(*sample_card(), nodes[i]);
    if (out[3 * i] == 1) {
      ++handed_back;
      continue;
    }
    if (out[3 * i] == 2) {
      EXPECT_EQ(q["ok"], false) << nodes[i].dump();
      ++refused;
      continue;
    }
    ASSERT_EQ(q["ok"], true) << nodes[i].dump();
    EXPECT_EQ(out[3 * i + 1], q["min"].get<double>()) << nodes[i].dump();
    EXPECT_EQ(out[3 * i + 2], q["max"].get<double>()) << nodes[i].dump();
  }
  EXPECT_EQ(priced + handed_back + refused, nodes.size());
  EXPECT_GT(priced, 180u);
}

// Every record of the golden corpus, one at a time: the whole quote of a priced record is the
// bytes quote_wire writes for the node (with the id left out, as the JS package adds it).
TEST(EncodedNodes, QuoteOfARecordIsTheJsonPathsBytes) {
  std::stringstream ss(read_file("tests/golden/nodes.jsonl"));
  std::string line;
  size_t compared = 0;
  while (std::getline(ss, line)) {
    json n = json::parse(line);
    std::vector<double> rec;
    if (!encode(*sample_card(), n, rec)) continue;
    double out[3];
    if (price_encoded_nodes(*sample_card(), rec.data(), rec.size(), 1, out) != 1) continue;
    n.erase("id");
    EXPECT_EQ(quote_encoded_node(*sample_card(), rec.data(), rec.size()), quote_wire(*sample_card(), n)) << line;
    ++compared;
  }
  EXPECT_GT(compared, 180u);
}

// A fractional number is the decimal its shortest text spells, as the JSON path reads it:
// 4.27 s of lip-sync at 5 credits/s is 21.35, billed 22; never a binary approximation.
TEST(EncodedNodes, FractionalNumbersAreReadAsTheirDecimalText) {
  const RateCard& card = *sample_card();
  for (double d : {4.27, 0.1, 7.3, 12.05, 1e-7, 299.99}) {
    json node = {{"model", "sync-lipsync-2"}, {"params", {{"duration_s", d}}}};
    std::vector<double> rec;
    ASSERT_TRUE(encode(card, node, rec));
    double out[3];
    json q = quote_json(card, node);
    const size_t priced = price_encoded_nodes(card, rec.data(), rec.size(), 1, out);
    ASSERT_EQ(priced == 1, q["ok"] == true) << node.dump();
    if (!priced) continue;
    EXPECT_EQ(out[1], q["min"].get<double>()) << node.dump();
    EXPECT_EQ(out[2], q["max"].get<double>()) << node.dump();
    EXPECT_EQ(quote_encoded_node(card, rec.data(), rec.size()), quote_wire(card, node));
  }
}

// The typed path reads a fractional number without building a json, to the same decimal.
TEST(EncodedNodes, AFractionalNumberIsReadAsReadJsonDecimalReadsIt) {
  std::vector<double> values{4.27, 0.1, 0.5, 1e-7, 1e-5, 123456.789, 999999999999999.9, 1e15, 1e16, -2.5, 0.30000000000000004,
                             5e-324, 1.7976931348623157e308};
  for (int k = 1; k < 20000; ++k) values.insert(values.end(), {k / 10.0, k / 100.0, k / 1000.0, k * 0.07, -k / 3.0});
  uint64_t x = 88172645463325252ULL;  // xorshift: doubles of every exponent, some past the bound
  for (int k = 0; k < 20000; ++k) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    double d;
    uint64_t bits = (x & 0x800FFFFFFFFFFFFFULL) | ((0x3C0ULL + (x >> 52) % 0x80ULL) << 52);
    std::memcpy(&d, &bits, sizeof d);
    values.push_back(d);
  }
  for (double v : values) {
    const auto fast = fractional_value(v);
    const auto json_path = read_json_decimal(json(v));
    ASSERT_EQ(fast.has_value(), json_path.has_value()) << v;
    if (fast) ASSERT_EQ(fast->to_string(), json_path->to_string()) << v;
  }
}

// The shortcut of fractional_value (no text for hundredths below 10^5) gives the text path's
// decimal, digits and scale, for every hundredth from 0.01 to 99,999.99 and the doubles beside some
// of them.
TEST(EncodedNodes, HundredthsAreReadAsTheirTextIs) {
  for (int64_t m = 1; m < 10000000; ++m) {
    const double v = static_cast<double>(m) / 100;
    const double near[] = {v, std::nextafter(v, 0.0), std::nextafter(v, 1e6)};
    for (int k = 0; k < (m % 97 == 0 ? 3 : 1); ++k) {  // a neighbour is not a hundredth
      const double x = near[k];
      const auto fast = fractional_value(x), text = fractional_value_from_text(x);
      ASSERT_EQ(fast.has_value(), text.has_value()) << x;
      if (!fast) continue;
      ASSERT_EQ(fast->scale(), text->scale()) << x;
      ASSERT_TRUE(*fast == *text) << x;
    }
  }
}

TEST(EncodedNodes, RefusalsAndAnythingUnsettledAreHandedBack) {
  const RateCard& card = *test_card();
  const double vid = static_cast<double>(card.index.at("vid"));
  const double slot = static_cast<double>(card.find("vid")->param_index("duration_s"));
  const double res = static_cast<double>(card.find("vid")->param_index("resolution"));
  std::vector<double> in{vid, 1, slot, 7,           // 7 s is not allowed: refused
                         vid, 1, slot, 4.5,         // fractional, not in its list: refused
                         vid, 2, slot, 4, slot, 8,  // the same slot twice: not settled
                         vid, 0,                    // defaults: priced
                         -1, 0,                     // a model the card does not have: refused
                         vid, 1, -1, 0,             // an undeclared parameter: refused
                         vid, 1, res, -1,           // not one of its values: refused
                         vid, 1, slot, NAN,         // not a number: refused
                         99, 0};                    // no such model index: not settled
  std::vector<double> out(27, -1);
  EXPECT_EQ(price_encoded_nodes(card, in.data(), in.size(), 9, out.data()), 1u);
  std::vector<double> status;
  for (size_t i = 0; i < 9; ++i) status.push_back(out[3 * i]);
  EXPECT_EQ(status, (std::vector<double>{2, 2, 1, 0, 2, 2, 2, 2, 1}));
  EXPECT_EQ(out[11], 40);
  // Nor is a record it does not price quoted: the caller asks only about priced ones.
  EXPECT_EQ(quote_encoded_node(card, in.data(), 4), "");
  EXPECT_NE(quote_encoded_node(card, in.data() + 14, 2), "");
}

// Every refusal of the typed path is a refusal of the JSON path (so priceMany may report it
// without asking), checked on the golden corpus with unknown names encoded as the package does.
TEST(EncodedNodes, ARefusedRecordIsRefusedByTheJsonPath) {
  std::stringstream ss(read_file("tests/golden/nodes.jsonl"));
  std::string line;
  size_t refused = 0;
  while (std::getline(ss, line)) {
    json n = json::parse(line);
    std::vector<double> rec;
    if (!encode(*sample_card(), n, rec, true)) continue;
    double out[3];
    price_encoded_nodes(*sample_card(), rec.data(), rec.size(), 1, out);
    if (out[0] != 2) continue;
    ++refused;
    EXPECT_EQ(quote_json(*sample_card(), n)["ok"], false) << line;
  }
  EXPECT_GT(refused, 20u);
}

// A breakdown read after a card swap is explained on the card that priced the quote.
TEST(EncodedNodes, TheEngineQuotesARecordOnTheCardThatPricedIt) {
  Engine engine(read_file("demo/rate-card.json"));
  const int sample = engine.card_index();
  ASSERT_EQ(sample, 0);
  json node = {{"model", "veo-3"}, {"params", {{"duration_s", 8}}}};
  std::vector<double> rec;
  ASSERT_TRUE(encode(*sample_card(), node, rec));
  ASSERT_NE(json::parse(engine.load_rate_card(read_file("tests/data/test-card.json")))["ok"], false);
  EXPECT_EQ(engine.card_index(), 1);
  EXPECT_EQ(engine.quote_encoded(sample, rec.data(), rec.size()), quote_wire(*sample_card(), node));
  EXPECT_EQ(json::parse(engine.quote_encoded(7, rec.data(), rec.size()))["error"]["code"], "invalid_op");
  EXPECT_EQ(Engine().card_index(), -1);
}

// The pricer's tables answer exactly what price_encoded_nodes computes: every combination of
// every model with a table (each parameter left out or given each value of its domain, plus
// one value past it), twice over so the second pass is all table hits, mixed with records of
// the other models, the refusals and the unsettled records of the test above.
TEST(EncodedNodes, ThePricersTablesGiveWhatPricingGives) {
  for (const RateCard* card : {sample_card().get(), test_card().get()}) {
    std::vector<double> stream;
    size_t count = 0, tables = 0;
    for (size_t mi = 0; mi < card->models.size(); ++mi) {
      const Model& m = card->models[mi];
      // Each slot's candidates: left out, every choice or allowed whole number, one more.
      std::vector<std::vector<double>> values;
      size_t combinations = 1;
      for (const ParamSpec& p : m.params) {
        std::vector<double> v{NAN};  // NaN here: not given
        if (p.type == ParamType::string) for (size_t c = 0; c <= p.choices.size(); ++c) v.push_back(static_cast<double>(c));
        else if (p.type == ParamType::boolean) v.insert(v.end(), {0, 1, 2});
        else {
          for (const Decimal& a : p.allowed) v.push_back(std::stod(a.to_string()));
          if (p.min && p.max && p.allowed.empty()) {
            const double lo = std::stod(p.min->to_string()), hi = std::stod(p.max->to_string());
            for (double x = std::ceil(lo) - 1; x <= hi + 1 && v.size() < 40; x += 1) v.push_back(x);
            v.push_back(hi + 0.5);
          }
        }
        combinations *= v.size();
        values.push_back(std::move(v));
      }
      if (combinations > 20000) continue;
      for (size_t c = 0; c < combinations; ++c) {
        std::vector<double> rec{static_cast<double>(mi), 0};
        size_t rest = c;
        for (size_t s = 0; s < values.size(); ++s) {
          const double v = values[s][rest % values[s].size()];
          rest /= values[s].size();
          if (std::isnan(v)) continue;
          rec.insert(rec.end(), {static_cast<double>(s), v});
          rec[1] += 1;
        }
        stream.insert(stream.end(), rec.begin(), rec.end());
        ++count;
      }
    }
    const std::vector<double> odd{0, 2, 0, 1, 0, 1, -1, 0, 0, 1, -1, 0, 0, 1, 0, NAN, 99, 0};
    stream.insert(stream.end(), odd.begin(), odd.end());
    count += 5;
    EncodedPricer pricer(*card);
    for (size_t mi = 0; mi < card->models.size(); ++mi) tables += pricer.has_table(mi);
    if (card == sample_card().get()) EXPECT_GT(tables, 15u);
    EXPECT_GT(expect_tables_agree(*card, pricer, stream, count), count / 4);
  }
}

// A table answers for values it has not seen (classes, hundredths): every number parameter gets
// values on, beside (the neighbouring doubles) and between its points, fractional ones with
// many digits too, and the records are priced twice by the pricer (whose first answer per class
// fills the entry every later value of the class is answered from) and once without tables.
TEST(EncodedNodes, TablesAnswerForValuesTheyHaveNotSeen) {
  for (const RateCard* card : {sample_card().get(), test_card().get()}) {
    std::vector<double> stream;
    size_t count = 0;
    for (size_t mi = 0; mi < card->models.size(); ++mi) {
      const Model& m = card->models[mi];
      std::vector<std::vector<double>> values;
      for (const ParamSpec& p : m.params) {
        std::vector<double> v{NAN};  // not given
        if (p.type == ParamType::string) for (size_t c = 0; c < p.choices.size(); ++c) v.push_back(static_cast<double>(c));
        else if (p.type == ParamType::boolean) v.insert(v.end(), {0, 1});
        else {
          std::vector<double> points;
          for (const Decimal& a : p.allowed) points.push_back(std::stod(a.to_string()));
          if (p.min) points.push_back(std::stod(p.min->to_string()));
          if (p.max) points.push_back(std::stod(p.max->to_string()));
          for (int k = 0; k <= 130; ++k) points.push_back(k * 0.5);
          for (int k = 1; k <= 20; ++k) points.push_back(k * 60.0), points.push_back(k * 1000.0 + 1);
          if (auto classes = value_classes(m, values.size(), EncodedPricer::kMaxTableEntries))
            for (const Decimal& point : classes->points) points.push_back(std::stod(point.to_string()));
          for (double x : points) {
            v.insert(v.end(), {x, std::nextafter(x, -INFINITY), std::nextafter(x, INFINITY), x + 0.01, x - 0.01,
                               x + 0.123456789, x + 1.0 / 3});
          }
          v.push_back(1e-7);
        }
        values.push_back(std::move(v));
      }
      // Each slot's values in turn against a few settings of the others.
      for (size_t s = 0; s < values.size(); ++s)
        for (size_t k = 0; k < values[s].size(); ++k)
          for (size_t ctx = 0; ctx < 4; ++ctx) {
            std::vector<double> rec{static_cast<double>(mi), 0};
            for (size_t o = 0; o < values.size(); ++o) {
              const double v = o == s ? values[s][k] : values[o][(ctx * (o + 1)) % std::min<size_t>(values[o].size(), 5)];
              if (std::isnan(v)) continue;
              rec.insert(rec.end(), {static_cast<double>(o), v});
              rec[1] += 1;
            }
            stream.insert(stream.end(), rec.begin(), rec.end());
            ++count;
          }
    }
    EncodedPricer pricer(*card);
    EXPECT_GT(expect_tables_agree(*card, pricer, stream, count), count / 20);
  }
}

// A fraction that is not a hundredth is the JSON path's (its strict reader refuses
// 3.541333333333333, which nlohmann writes back as 3.5413333333333332), in a table too: its class
// was priced by 3.54 first, and must not answer for it.
TEST(EncodedNodes, AFractionNotAHundredthIsTheJsonPaths) {
  const RateCard& card = *sample_card();
  const double model = card.index.at("topaz-image-upscale");
  const std::vector<double> stream{model, 1, 0, 3.54, model, 1, 0, 3.541333333333333, model, 1, 0, 1e-7};
  std::vector<double> expected(9), got(9);
  price_encoded_nodes(card, stream.data(), stream.size(), 3, expected.data());
  EXPECT_EQ(expected[0], 0);
  EXPECT_EQ(expected[3], 1);
  EXPECT_EQ(expected[6], 1);
  EncodedPricer pricer(card);
  pricer.price(stream.data(), stream.size(), 3, got.data());
  EXPECT_EQ(got, expected);
  // The text JSON.stringify writes for that node.
  const std::string text = Engine(read_file("demo/rate-card.json"))
                               .quote(R"({"model":"topaz-image-upscale","params":{"megapixels":3.541333333333333}})");
  EXPECT_EQ(json::parse(text)["error"]["code"], "invalid_json");
  EXPECT_TRUE(read_here(4.27) && read_here(99999.99) && read_here(7) && read_here(NAN));
  EXPECT_FALSE(read_here(0.1 + 0.2) || read_here(100000.5) || read_here(-4.27) || read_here(1.0 / 3));
}

// Which of the sample card's models have tables, and their sizes: every model whose numbers
// are choices, short ranges of whole numbers or classes.
TEST(EncodedNodes, TheSampleCardsTables) {
  const RateCard& card = *sample_card();
  EncodedPricer pricer(card);
  std::vector<std::string> without;
  for (size_t mi = 0; mi < card.models.size(); ++mi) {
    if (!pricer.has_table(mi)) without.push_back(card.models[mi].id);
    else EXPECT_LE(pricer.table_entries(mi), EncodedPricer::kMaxTableEntries);
  }
  // Tokens: a price that follows two quantities of long ranges.
  const std::vector<std::string> expected{"gpt-5", "gpt-5-mini", "claude-sonnet-4-5", "gemini-2-5-flash"};
  std::vector<std::string> sorted_without = without, sorted_expected = expected;
  std::sort(sorted_without.begin(), sorted_without.end());
  std::sort(sorted_expected.begin(), sorted_expected.end());
  EXPECT_EQ(sorted_without, sorted_expected);
  const size_t topaz = static_cast<size_t>(card.index.at("topaz-video-upscale"));
  EXPECT_EQ(pricer.table_entries(topaz), 601u * 4u * 3u);  // 600 started seconds, 3 fps bands, 2 resolutions
  const auto entries = [&](const char* id) { return pricer.table_entries(static_cast<size_t>(card.index.at(id))); };
  EXPECT_EQ(entries("mmaudio-sfx"), 2902u);          // the hundredths of 1 to 30 s
  EXPECT_EQ(entries("elevenlabs-flash"), 40001u);    // 1 to 40,000 characters
  EXPECT_EQ(entries("sync-lipsync-2"), 301u * 3u);  // its hundredths are too many: whole seconds
}

// models() is written as text; it must be what nlohmann writes for the same value (keys in
// byte order, the same escapes), as it was when it was built as a nlohmann::json.
TEST(EncodedNodes, ModelsTextIsWhatNlohmannWrites) {
  for (const char* card : {"demo/rate-card.json", "tests/data/test-card.json"}) {
    const std::string text = Engine(read_file(card)).models();
    const json parsed = json::parse(text);
    EXPECT_EQ(to_wire(parsed), text) << card;
    EXPECT_EQ(parsed["ok"], true);
    EXPECT_EQ(parsed["models"][0]["params"].begin().value()["slot"].is_number_integer(), true);
  }
}

}  // namespace
}  // namespace credits::testing
