// The JSON Lines fast path of the ledger: an operation's text read straight into its typed
// Operation, and its result written straight as text, with no JSON document in between.
// Every byte it writes is what to_wire() of the nlohmann result would write (keys in byte
// order); tests/operation_test.cpp (OperationText) checks that against the document path.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "credits/wire/json_text.hpp"
#include "credits/operation.hpp"

namespace credits {

// A charge line read without building its document. nullopt when the line is not a
// well-formed charge (any other operation, or any problem at all): the caller then reads it
// with the full reader (parse_json_limited + parse_operation), which words the error. It
// refuses at least everything that reader refuses, so what it accepts is the same Operation.
[[nodiscard]] std::optional<Operation> read_charge_text(std::string_view line);

// Appends the result of an accepted operation: the bytes of to_wire(operation_result_json()).
void write_operation_result(std::string& out, const Operation& op, const OperationOutcome& outcome);

// Applies an operation already parsed and writes its result, accepted or refused, as text:
// the bytes of to_wire(apply_parsed_operation(ledger, op)).
[[nodiscard]] std::string apply_operation_text(Ledger& ledger, Operation&& op);

// One line of JSON Lines in, its result line out (without the newline): the bytes of
// to_wire(apply_operation_line(ledger, line)).
[[nodiscard]] std::string apply_operation_text(Ledger& ledger, std::string_view line);

}  // namespace credits
