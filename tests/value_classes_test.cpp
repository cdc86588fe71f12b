// Value classes promise that two allowed values of one class price alike, and that a class says
// which values are allowed: checked here on every parameter of both cards that has classes,
// with values on, beside and between the points, under many settings of the other parameters.
#include "credits/value_classes.hpp"

#include <map>
#include <tuple>

#include "credits/estimator.hpp"
#include "test_support.hpp"

namespace credits::testing {
namespace {

Decimal dec(const char* text) { return *Decimal::parse(text); }

// The class of `v` as ValueClasses describes it.
int32_t class_of(const ValueClasses& c, const Decimal& v) {
  size_t j = 0;
  while (j < c.points.size() && c.points[j] < v) ++j;
  return j < c.points.size() && c.points[j] == v ? c.at[j] : c.between[j];
}

// Values to try: each point, near it on both sides, between points, and outside the range.
std::vector<Decimal> samples(const ValueClasses& c) {
  std::vector<Decimal> out;
  const char* offsets[] = {"0", "1", "0.5", "0.01", "0.001", "0.000001"};
  for (size_t j = 0; j < c.points.size(); ++j) {
    const Decimal& p = c.points[j];
    for (const char* o : offsets) {
      out.push_back(*p.add(dec(o)));
      out.push_back(*p.sub(dec(o)));
    }
    if (j + 1 < c.points.size()) {
      // The midpoint, exactly: (a + b) / 2 = (a + b) * 5 / 10.
      out.push_back(*p.add(c.points[j + 1])->mul(Decimal::from_int(5))->div_pow10(1));
    }
  }
  return out;
}

// What a node comes to: its price, or refused.
using Outcome = std::tuple<bool, int64_t, int64_t>;

Outcome outcome(const Model& m, const std::vector<std::optional<ParamValue>>& given) {
  PreparedNode node;
  start_prepared(m, node);
  for (size_t s = 0; s < given.size(); ++s)
    if (given[s]) node.values[s] = *given[s], node.given[s] = true;
  if (!complete_params(node, "").ok()) return {false, 0, 0};
  auto price = price_node(node);
  if (!price) return {false, 0, 0};
  return {true, price->min, price->max};
}

// A few settings of every parameter but `slot`: not given, and some allowed values.
std::vector<std::vector<std::optional<ParamValue>>> contexts(const Model& m, size_t slot) {
  std::vector<std::vector<std::optional<ParamValue>>> choices(m.params.size());
  for (size_t s = 0; s < m.params.size(); ++s) {
    const ParamSpec& p = m.params[s];
    auto& c = choices[s];
    c.push_back(std::nullopt);
    if (s == slot) continue;
    if (!p.is_numeric()) {
      for (size_t k = 0; k < p.choices.size(); ++k) c.push_back(ParamValue{{}, {}, static_cast<int32_t>(k)});
      continue;
    }
    std::vector<Decimal> values = p.allowed;
    if (p.min) values.push_back(*p.min);
    if (p.max) values.push_back(*p.max);
    if (p.min && p.max) values.push_back(*p.min->add(*p.max)->mul(Decimal::from_int(5))->div_pow10(1));
    for (const Decimal& v : values)
      if (p.allows(v)) c.push_back(ParamValue{v, v, -1});
  }
  // Every combination while few, else each parameter's settings against the first of the rest.
  size_t combinations = 1;
  for (const auto& c : choices) combinations *= c.size();
  std::vector<std::vector<std::optional<ParamValue>>> out;
  if (combinations <= 200) {
    for (size_t k = 0; k < combinations; ++k) {
      std::vector<std::optional<ParamValue>> ctx;
      size_t rest = k;
      for (const auto& c : choices) {
        ctx.push_back(c[rest % c.size()]);
        rest /= c.size();
      }
      out.push_back(std::move(ctx));
    }
    return out;
  }
  for (size_t s = 0; s < choices.size(); ++s)
    for (const auto& v : choices[s]) {
      std::vector<std::optional<ParamValue>> ctx(m.params.size());
      ctx[s] = v;
      out.push_back(std::move(ctx));
    }
  return out;
}

TEST(ValueClasses, EveryValueOfAClassPricesAlikeAndClassesSayWhatIsAllowed) {
  size_t with_classes = 0, checked = 0;
  for (const RateCard* card : {sample_card().get(), test_card().get()}) {
    for (const Model& m : card->models) {
      for (size_t slot = 0; slot < m.params.size(); ++slot) {
        const auto classes = value_classes(m, slot, 8192);
        if (!classes) continue;
        ++with_classes;
        const ParamSpec& p = m.params[slot];
        ASSERT_EQ(classes->at.size(), classes->points.size());
        ASSERT_EQ(classes->between.size(), classes->points.size() + 1);
        const auto ctxs = contexts(m, slot);
        std::map<std::pair<size_t, int32_t>, Outcome> seen;
        for (const Decimal& v : samples(*classes)) {
          const int32_t c = class_of(*classes, v);
          ASSERT_LT(c, classes->count);
          const bool allowed = c >= 0 && (!classes->whole_only || v.is_integer());
          ASSERT_EQ(p.allows(v), allowed) << m.id << "." << p.name << " = " << v.to_string();
          if (!allowed) continue;
          for (size_t k = 0; k < ctxs.size(); ++k) {
            auto given = ctxs[k];
            given[slot] = ParamValue{v, v, -1};
            const Outcome o = outcome(m, given);
            auto [it, first] = seen.emplace(std::make_pair(k, c), o);
            ASSERT_TRUE(first || it->second == o) << m.id << "." << p.name << " = " << v.to_string() << " (class " << c << ")";
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_GT(with_classes, 20u);
  EXPECT_GT(checked, 10000u);
}

const Model& model(const char* id) { return *sample_card()->find(id); }

size_t slot(const Model& m, const char* name) { return static_cast<size_t>(m.param_index(name)); }

TEST(ValueClasses, AStartedStepIsAClass) {
  // whisper: 0.6 per started minute of 0.1 .. 14400 s.
  const Model& m = model("whisper-large-v3");
  const auto c = value_classes(m, slot(m, "duration_s"), 8192);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->count, 240);
  EXPECT_FALSE(c->whole_only);
  EXPECT_EQ(c->points.front(), dec("0.1"));
  EXPECT_EQ(c->points[1], dec("60"));
  EXPECT_EQ(c->points.back(), dec("14400"));
  EXPECT_EQ(class_of(*c, dec("0.1")), class_of(*c, dec("60")));  // the first minute
  EXPECT_NE(class_of(*c, dec("60")), class_of(*c, dec("60.01")));
  EXPECT_EQ(class_of(*c, dec("0.09")), -1);
  EXPECT_EQ(class_of(*c, dec("14400.5")), -1);
}

TEST(ValueClasses, BandEndsAndWholeNumbers) {
  // topaz-video-upscale: fps bands up to 30, 31 to 60, from 61; an integer.
  const Model& m = model("topaz-video-upscale");
  const auto c = value_classes(m, slot(m, "fps"), 8192);
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->whole_only);
  EXPECT_EQ(c->count, 3);
  EXPECT_EQ(class_of(*c, dec("24")), class_of(*c, dec("30")));
  EXPECT_EQ(class_of(*c, dec("31")), class_of(*c, dec("60")));
  EXPECT_NE(class_of(*c, dec("30")), class_of(*c, dec("31")));
  EXPECT_EQ(class_of(*c, dec("30.5")), -1);  // no whole number there
  // topaz-image-upscale: rows up to 1 MP, 1 to 4, 4 to 16; 1 and 4 match two rows (the first prices).
  const Model& t = model("topaz-image-upscale");
  const auto mp = value_classes(t, slot(t, "megapixels"), 8192);
  ASSERT_TRUE(mp);
  EXPECT_NE(class_of(*mp, dec("1")), class_of(*mp, dec("0.99")));
  EXPECT_NE(class_of(*mp, dec("1")), class_of(*mp, dec("1.01")));
  EXPECT_EQ(class_of(*mp, dec("1.01")), class_of(*mp, dec("3.99")));
}

TEST(ValueClasses, AValueThePriceDoesNotReadIsOneClass) {
  const Model& m = model("latentsync");  // a flat price; the length is only checked
  const auto c = value_classes(m, slot(m, "duration_s"), 8192);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->count, 1);
}

TEST(ValueClasses, AListIsAClassPerValue) {
  const Model& m = model("flux-2-pro");
  const auto c = value_classes(m, slot(m, "megapixels"), 8192);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->count, 4);
  EXPECT_EQ(class_of(*c, dec("0.5")), 0);
  EXPECT_EQ(class_of(*c, dec("0.75")), -1);
}

TEST(ValueClasses, NoneWhereThePriceFollowsTheValue) {
  const Model& tts = model("elevenlabs-flash");  // per 1,000 characters, no step
  EXPECT_FALSE(value_classes(tts, slot(tts, "characters"), 8192));
  const Model& lip = model("sync-lipsync-2");  // per second, no step
  EXPECT_FALSE(value_classes(lip, slot(lip, "duration_s"), 8192));
  const Model& llm = model("gpt-5");  // tokens; and max_output_tokens bounds output_tokens
  EXPECT_FALSE(value_classes(llm, slot(llm, "input_tokens"), 8192));
  EXPECT_FALSE(value_classes(llm, slot(llm, "max_output_tokens"), 8192));
  EXPECT_FALSE(value_classes(llm, slot(llm, "output_tokens"), 8192));
  // Too many points: whisper's 240 minutes in at most 100.
  const Model& w = model("whisper-large-v3");
  EXPECT_FALSE(value_classes(w, slot(w, "duration_s"), 100));
  // Not a number.
  const Model& t = model("topaz-video-upscale");
  EXPECT_FALSE(value_classes(t, slot(t, "resolution"), 8192));
}

}  // namespace
}  // namespace credits::testing
