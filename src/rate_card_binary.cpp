// The binary form of a loaded rate card (rate_card_binary.hpp). Layout: the magic "CRC" and a
// format byte, then the card's fields in declaration order. Integers are zigzag varints,
// strings and decimals (their exact text) a varint length and the bytes, an optional a byte
// 0/1 before its value, a vector its count before its items.
#include "credits/rate_card_binary.hpp"

#include <cstdint>

namespace credits {

namespace {

constexpr std::string_view kMagic = "CRC\x01";

class Writer {
 public:
  std::string out;

  void integer(int64_t v) {
    uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    while (z >= 0x80) {
      out += static_cast<char>((z & 0x7f) | 0x80);
      z >>= 7;
    }
    out += static_cast<char>(z);
  }
  void text(std::string_view s) {
    integer(static_cast<int64_t>(s.size()));
    out.append(s.data(), s.size());
  }
  void flag(bool b) { integer(b ? 1 : 0); }
  void decimal(const Decimal& d) { text(d.to_string()); }
  void decimal(const std::optional<Decimal>& d) {
    flag(d.has_value());
    if (d) decimal(*d);
  }
  template <class T, class F>
  void each(const std::vector<T>& items, F&& write) {
    integer(static_cast<int64_t>(items.size()));
    for (const T& item : items) write(item);
  }

  void value(const ParamValue& v) {
    decimal(v.lo);
    decimal(v.hi);
    integer(v.choice);
  }
  void match(const Match& m) {
    integer(m.choice);
    decimal(m.equals);
    decimal(m.lo);
    decimal(m.hi);
  }
  void param(const ParamSpec& p);
  void block(const PriceBlock& b);
  void output(const OutputSpec& o);
  void model(const Model& m);
};

void Writer::param(const ParamSpec& p) {
  text(p.name);
  integer(static_cast<int>(p.type));
  text(p.label);
  text(p.unit);
  each(p.choices, [&](const std::string& c) { text(c); });
  each(p.allowed, [&](const Decimal& d) { decimal(d); });
  decimal(p.min);
  decimal(p.max);
  decimal(p.step);
  flag(p.default_value.has_value());
  if (p.default_value) value(*p.default_value);
  flag(p.decided_by_run);
  integer(p.max_from);
  flag(p.input.has_value());
  if (p.input) {
    text(p.input->port);
    text(p.input->output);
  }
}

void Writer::block(const PriceBlock& b) {
  integer(static_cast<int>(b.type));
  text(b.label);
  decimal(b.credits);
  decimal(b.rate);
  decimal(b.output_rate);
  integer(b.param);
  integer(b.output_param);
  integer(b.units.per_exponent);
  decimal(b.units.step);
  decimal(b.included);
  each(b.keys, [&](int32_t k) { integer(k); });
  each(b.rows, [&](const TableRow& r) {
    each(r.when, [&](const Match& m) { match(m); });
    decimal(r.credits);
  });
  each(b.factors, [&](const std::pair<Match, Decimal>& f) {
    match(f.first);
    decimal(f.second);
  });
  decimal(b.default_factor);
  match(b.when);
  decimal(b.min);
  decimal(b.max);
}

void Writer::output(const OutputSpec& o) {
  text(o.name);
  integer(o.param);
  each(o.by_choice, [&](const Decimal& d) { decimal(d); });
  decimal(o.lo);
  decimal(o.hi);
}

void Writer::model(const Model& m) {
  text(m.id);
  integer(static_cast<int>(m.kind));
  text(m.label);
  text(m.provider);
  text(m.list_price);
  each(m.params, [&](const ParamSpec& p) { param(p); });
  each(m.price, [&](const PriceBlock& b) { block(b); });
  each(m.outputs, [&](const OutputSpec& o) { output(o); });
}

// Reads what Writer wrote. A problem sets `bad` and every later read returns a zero value, so
// the caller checks once at the end (and once per count, so a bad count allocates nothing).
class Reader {
 public:
  explicit Reader(std::string_view bytes) : in_(bytes) {}
  bool bad = false;
  bool at_end() const { return pos_ == in_.size(); }

  int64_t integer() {
    uint64_t z = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return fail();
      const auto byte = static_cast<unsigned char>(in_[pos_++]);
      z |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
    }
    return fail();
  }
  // An integer in [lo, hi].
  int64_t bounded(int64_t lo, int64_t hi) {
    const int64_t v = integer();
    return v < lo || v > hi ? fail() : v;
  }
  int32_t slot() { return static_cast<int32_t>(bounded(-1, INT32_MAX)); }
  // A count of items still to come: each takes at least one byte.
  size_t count() {
    return static_cast<size_t>(bounded(0, static_cast<int64_t>(in_.size() - pos_)));
  }
  std::string text() {
    const size_t n = count();
    if (bad) return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool flag() { return bounded(0, 1) == 1; }
  Decimal decimal() {
    auto d = Decimal::parse(text());
    if (!d) fail();
    return d.value_or(Decimal());
  }
  std::optional<Decimal> optional_decimal() {
    if (!flag()) return std::nullopt;
    return decimal();
  }
  template <class T, class F>
  void each(std::vector<T>& items, F&& read) {
    const size_t n = count();
    if (bad) return;
    items.resize(n);
    for (T& item : items) read(item);
  }

  ParamValue value() {
    ParamValue v;
    v.lo = decimal();
    v.hi = decimal();
    v.choice = slot();
    return v;
  }
  Match match() {
    Match m;
    m.choice = slot();
    m.equals = optional_decimal();
    m.lo = optional_decimal();
    m.hi = optional_decimal();
    return m;
  }
  void param(ParamSpec& p);
  void block(PriceBlock& b);
  void output(OutputSpec& o);
  void model(Model& m);

 private:
  int64_t fail() {
    bad = true;
    pos_ = in_.size();
    return 0;
  }

  std::string_view in_;
  size_t pos_ = 0;
};

void Reader::param(ParamSpec& p) {
  p.name = text();
  p.type = static_cast<ParamType>(bounded(0, static_cast<int>(ParamType::boolean)));
  p.label = text();
  p.unit = text();
  each(p.choices, [&](std::string& c) { c = text(); });
  each(p.allowed, [&](Decimal& d) { d = decimal(); });
  p.min = optional_decimal();
  p.max = optional_decimal();
  p.step = optional_decimal();
  if (flag()) p.default_value = value();
  p.decided_by_run = flag();
  p.max_from = slot();
  if (flag()) {
    InputBinding input;
    input.port = text();
    input.output = text();
    p.input = std::move(input);
  }
}

void Reader::block(PriceBlock& b) {
  b.type = static_cast<BlockType>(bounded(0, static_cast<int>(BlockType::clamp)));
  b.label = text();
  b.credits = decimal();
  b.rate = decimal();
  b.output_rate = decimal();
  b.param = slot();
  b.output_param = slot();
  b.units.per_exponent = static_cast<int>(bounded(-Decimal::kMaxScale, Decimal::kMaxScale));
  b.units.step = optional_decimal();
  b.included = decimal();
  each(b.keys, [&](int32_t& k) { k = slot(); });
  each(b.rows, [&](TableRow& r) {
    each(r.when, [&](Match& m) { m = match(); });
    r.credits = decimal();
  });
  each(b.factors, [&](std::pair<Match, Decimal>& f) {
    f.first = match();
    f.second = decimal();
  });
  b.default_factor = optional_decimal();
  b.when = match();
  b.min = optional_decimal();
  b.max = optional_decimal();
}

void Reader::output(OutputSpec& o) {
  o.name = text();
  o.param = slot();
  each(o.by_choice, [&](Decimal& d) { d = decimal(); });
  o.lo = optional_decimal();
  o.hi = optional_decimal();
}

void Reader::model(Model& m) {
  m.id = text();
  m.kind = static_cast<ModelKind>(bounded(0, static_cast<int>(ModelKind::text)));
  m.label = text();
  m.provider = text();
  m.list_price = text();
  each(m.params, [&](ParamSpec& p) { param(p); });
  each(m.price, [&](PriceBlock& b) { block(b); });
  each(m.outputs, [&](OutputSpec& o) { output(o); });
}

// Every slot a model's blocks, outputs and parameters name is one of its parameters (pricing
// indexes with them unchecked), and every choice index is one of its parameter's choices.
bool slots_in_range(const Model& m) {
  const auto n = static_cast<int32_t>(m.params.size());
  const auto ok = [&](int32_t s) { return s >= -1 && s < n; };
  for (const ParamSpec& p : m.params)
    if (!ok(p.max_from)) return false;
  for (const PriceBlock& b : m.price) {
    if (!ok(b.param) || !ok(b.output_param)) return false;
    for (int32_t k : b.keys)
      if (!ok(k)) return false;
    for (const TableRow& r : b.rows)
      if (r.when.size() != b.keys.size()) return false;
  }
  for (const OutputSpec& o : m.outputs)
    if (!ok(o.param)) return false;
  return true;
}

}  // namespace

std::string write_rate_card_binary(const RateCard& card) {
  Writer w;
  w.out.append(kMagic.data(), kMagic.size());
  w.text(card.version);
  w.text(card.credit_value);
  w.each(card.models, [&](const Model& m) { w.model(m); });
  return std::move(w.out);
}

Result<RateCard> read_rate_card_binary(std::string_view bytes) {
  const auto malformed = [] {
    return Error(ErrorCode::invalid_rate_card, "not a rate card written by write_rate_card_binary");
  };
  if (bytes.substr(0, kMagic.size()) != kMagic) return malformed();
  Reader r(bytes.substr(kMagic.size()));
  RateCard card;
  card.version = r.text();
  card.credit_value = r.text();
  r.each(card.models, [&](Model& m) { r.model(m); });
  if (r.bad || !r.at_end()) return malformed();
  for (size_t i = 0; i < card.models.size(); ++i) {
    if (!slots_in_range(card.models[i])) return malformed();
    card.index.emplace(card.models[i].id, static_cast<int32_t>(i));
  }
  return card;
}

}  // namespace credits
