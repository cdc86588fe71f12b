#include "credits/wire/usage_csv.hpp"

#include "credits/civil_time.hpp"
#include "credits/payer_id.hpp"
#include "credits/wire/json_text.hpp"
#include "credits/wire/node_wire.hpp"

namespace credits {

namespace {

// The fields of one record, each followed by its separator; the last one's comma becomes CRLF.
class Row {
 public:
  explicit Row(std::string& out) : out_(out) {}
  Row& text(std::string_view field) {
    append_csv_field(out_, field);
    out_ += ',';
    return *this;
  }
  Row& integer(int64_t v) {
    append_json_int(out_, v);  // plain digits, a leading '-' at most: never quoted
    out_ += ',';
    return *this;
  }
  Row& time(Timestamp t) { return text(format_timestamp(t)); }
  void end() {
    out_.back() = '\r';
    out_ += '\n';
  }

 private:
  std::string& out_;
};

void append_header(std::string& out) {
  Row row(out);
  for (std::string_view column : kUsageCsvColumns) row.text(column);
  row.end();
}

// One charge, in the order of kUsageCsvColumns.
void append_charge(std::string& out, const Charge& c) {
  Row row(out);
  row.time(c.at).text(c.key).text(c.payer).text(c.user).text(c.node_id()).text(c.model);
  row.text(to_wire(params_to_json(c.params())))
      .text(c.exact ? "true" : "false")
      .text(c.card ? c.card->version : "");
  row.text(to_string(c.status)).integer(c.held).integer(c.from_subscription).integer(c.from_wallet);
  row.integer(c.back_to_subscription).integer(c.back_to_wallet).integer(c.net());
  // A charge still open has not been closed: the field stays empty rather than a made-up time.
  if (c.status == ChargeStatus::charged) row.text("");
  else row.time(c.closed_at);
  row.end();
}

}  // namespace

void append_csv_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char ch : field) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

std::string usage_csv(const std::vector<const Charge*>& charges) {
  std::string out;
  append_header(out);
  for (const Charge* c : charges) append_charge(out, *c);
  return out;
}

Result<std::string> usage_csv(const Ledger& ledger, const std::string& payer) {
  const auto id = PayerId::parse(payer);
  if (!id) return Error(ErrorCode::invalid_op, "a payer is \"user:ID\" or \"workspace:ID\"", "/payer");
  const auto found = ledger.payers().find(id->text());
  if (found == ledger.payers().end()) {
    const std::string name(id->id());
    if (id->is_workspace()) return Error(ErrorCode::unknown_workspace, "no workspace \"" + name + "\"", "/payer");
    return Error(ErrorCode::unknown_user, "no user \"" + name + "\"", "/payer");
  }
  // Written as the records stream by: a payer's whole history is not gathered in memory.
  std::string out;
  append_header(out);
  ledger.records().charges_in_order(id->text(), [&](const Charge& c) {
    append_charge(out, c);
    return true;
  });
  return out;
}

}  // namespace credits
