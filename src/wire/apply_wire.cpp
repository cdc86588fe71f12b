// The entry points that read, apply and write one operation: as nlohmann values (the
// server, the tests) and as text (the JSON Lines path). Each catches whatever the apply throws,
// so a call never fails: a rejected operation is a result with "ok": false that changed nothing.
#include "credits/ledger_records.hpp"
#include "credits/wire/error_wire.hpp"
#include "credits/wire/json_text.hpp"
#include "credits/wire/operation_text.hpp"
#include "credits/wire/operation_wire.hpp"

namespace credits {

using nlohmann::json;

json apply_parsed_operation(Ledger& ledger, Operation&& op) {
  const json name = std::string(op_name(kind_of(op)));
  try {
    auto outcome = apply(ledger, op);
    if (!outcome) return failed_operation_json(name, outcome.error());
    return operation_result_json(op, *outcome);
  } catch (const RecordReadError&) {
    throw;  // the history could not be read: not a refusal (ledger_records.hpp)
  } catch (const std::exception& e) {
    return failed_operation_json(name, internal_error(e));
  }
}

json apply_operation(Ledger& ledger, const json& op) {
  auto parsed = parse_operation(op);
  if (!parsed) return failed_operation_json(given_op_name(op), parsed.error());
  return apply_parsed_operation(ledger, std::move(*parsed));
}

json apply_operation_line(Ledger& ledger, std::string_view line) {
  // A charge, the common line, is read without building its document.
  if (auto charge = read_charge_text(line))
    return apply_parsed_operation(ledger, std::move(*charge));
  auto j = parse_json_limited(line);
  if (!j) return failed_operation_json(nullptr, j.error());
  return apply_operation(ledger, *j);
}

std::string apply_operation_text(Ledger& ledger, Operation&& op) {
  std::string out;
  const std::string name(op_name(kind_of(op)));
  try {
    auto outcome = apply(ledger, op);
    if (!outcome)
      write_failed_operation(out, &name, outcome.error());
    else
      write_operation_result(out, op, *outcome);
  } catch (const RecordReadError&) {
    throw;  // the history could not be read: not a refusal (ledger_records.hpp)
  } catch (const std::exception& e) {
    out.clear();
    write_failed_operation(out, &name, internal_error(e));
  }
  return out;
}

std::string apply_operation_text(Ledger& ledger, std::string_view line) {
  if (auto op = read_charge_text(line)) return apply_operation_text(ledger, std::move(*op));
  auto j = parse_json_limited(line);
  if (!j) {
    std::string out;
    write_failed_operation(out, nullptr, j.error());
    return out;
  }
  return to_wire(apply_operation(ledger, *j));
}

}  // namespace credits
