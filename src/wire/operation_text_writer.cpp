// Results written straight as text, for the hot ones (charge, fail, complete, top_up); the
// others through their JSON form. The same bytes as to_wire(operation_result_json()).
#include <variant>

#include "credits/wire/json_text.hpp"
#include "credits/wire/operation_text.hpp"

namespace credits {

namespace {

// Keys in byte order, as nlohmann's std::map objects print them.
class ResultText {
 public:
  explicit ResultText(std::string& out) : out_(out) { out_ += '{'; }
  ResultText& str(std::string_view key, std::string_view v) {
    next(key);
    append_json_string(out_, v);
    return *this;
  }
  ResultText& num(std::string_view key, int64_t v) {
    next(key);
    append_json_int(out_, v);
    return *this;
  }
  ResultText& boolean(std::string_view key, bool v) {
    next(key);
    out_ += v ? "true" : "false";
    return *this;
  }
  void end() { out_ += '}'; }

 private:
  void next(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    append_key(out_, key);
  }
  std::string& out_;
  bool first_ = true;
};

void write_charge(std::string& out, const ChargeOutcome& o) {
  const Charge& c = *o.charge;
  ResultText r(out);
  r.str("at", format_timestamp(c.at)).num("credits", c.held).boolean("exact", c.exact);
  r.num("from_subscription", c.from_subscription).num("from_wallet", c.from_wallet);
  r.str("key", c.key).str("model", c.model).str("node", c.node_id());
  r.boolean("ok", true).str("op", "charge").str("payer", c.payer).str("rate_card", c.card->version);
  if (o.replayed) r.boolean("replayed", true);
  if (!c.reservation.empty()) r.str("reservation", c.reservation);
  r.str("user", c.user).end();
}

// A refund (fail) or a settlement (complete).
void write_returned(std::string& out, std::string_view name, const std::string& key,
                    const ReturnOutcome& o) {
  const bool settled = name == "complete";
  ResultText r(out);
  r.str("charge", key);
  if (settled) r.num("credits", o.charge->actual);
  r.num("held", o.charge->held).boolean("ok", true).str("op", name).str("payer", o.charge->payer);
  r.num(settled ? "returned" : "refunded", o.back.total());
  r.str("status", to_string(o.charge->status));
  r.num("to_subscription", o.back.subscription).num("to_wallet", o.back.wallet).end();
}

void write_top_up(std::string& out, const TopUpOutcome& t) {
  ResultText r(out);
  r.num("credits", t.credits)
      .str("key", t.key)
      .boolean("ok", true)
      .str("op", "top_up")
      .str("payer", t.payer);
  if (t.replayed) r.boolean("replayed", true);
  r.num("wallet", t.wallet_after).end();
}

}  // namespace

void write_operation_result(std::string& out, const Operation& op,
                            const OperationOutcome& outcome) {
  if (std::holds_alternative<ops::Charge>(op))
    return write_charge(out, std::get<ChargeOutcome>(outcome));
  if (const auto* f = std::get_if<ops::Fail>(&op))
    return write_returned(out, "fail", f->charge, std::get<ReturnOutcome>(outcome));
  if (const auto* c = std::get_if<ops::Complete>(&op))
    return write_returned(out, "complete", c->charge, std::get<ReturnOutcome>(outcome));
  if (std::holds_alternative<ops::TopUp>(op))
    return write_top_up(out, std::get<TopUpOutcome>(outcome));
  // The rarer results (memberships, subscriptions, views) go through their JSON form.
  out += to_wire(operation_result_json(op, outcome));
}

}  // namespace credits
