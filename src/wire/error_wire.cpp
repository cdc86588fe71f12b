#include "credits/wire/error_wire.hpp"

#include "credits/wire/json_text.hpp"

namespace credits {

using nlohmann::json;

void write_error(std::string& out, const Error& e) {
  out += "{\"code\":\"";
  out += to_string(e.code);
  out += "\",\"message\":";
  append_json_string(out, e.message);
  out += ",\"path\":";
  append_json_string(out, e.path);
  out += '}';
}

json error_to_json(const Error& e) {
  return json{{"code", std::string(to_string(e.code))}, {"message", e.message}, {"path", e.path}};
}

std::string failure_wire(const Error& e) {
  std::string out = "{\"error\":";
  write_error(out, e);
  out += ",\"ok\":false}";
  return out;
}

json failure_json(const Error& e) { return json{{"error", error_to_json(e)}, {"ok", false}}; }

void write_failed_quote(std::string& out, const std::string* id, const Error& e) {
  out += "{\"error\":";
  write_error(out, e);
  out += ",\"id\":";
  if (id) append_json_string(out, *id);
  else out += "null";
  out += ",\"ok\":false}";
}

json failed_quote_json(const json& id, const Error& e) {
  return json{{"id", id.is_string() ? id : json(nullptr)}, {"ok", false}, {"error", error_to_json(e)}};
}

void write_failed_operation(std::string& out, const std::string* op_name, const Error& e) {
  out += "{\"error\":";
  write_error(out, e);
  out += ",\"ok\":false,\"op\":";
  if (op_name) append_json_string(out, *op_name);
  else out += "null";
  out += '}';
}

json failed_operation_json(const json& op_name, const Error& e) {
  return json{{"op", op_name}, {"ok", false}, {"error", error_to_json(e)}};
}

json command_error_json(const Error& e, const json& extra) {
  json out = failure_json(e);
  if (extra.is_object())
    for (auto it = extra.begin(); it != extra.end(); ++it) out["error"][it.key()] = it.value();
  return out;
}

}  // namespace credits
