#include "request_parsing.h"

#include "base64.h"

namespace probe::sim {

using nlohmann::json;

std::optional<json> parse_json_object(const httplib::Request& request) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return std::nullopt;
  }
  return body;
}

std::optional<std::string> string_field(const json& object, const std::string& key) {
  auto found = object.find(key);
  if (found == object.end() || !found->is_string() || found->get<std::string>().empty()) {
    return std::nullopt;
  }
  return found->get<std::string>();
}

std::optional<json> parse_json_or_form(const httplib::Request& request) {
  std::string content_type = request.get_header_value("Content-Type");
  if (content_type.starts_with("application/x-www-form-urlencoded")) {
    json fields = json::object();
    for (const auto& [key, value] : request.params) {
      fields[key] = value;
    }
    return fields;
  }
  return parse_json_object(request);
}

std::optional<Credentials> parse_basic_auth(const httplib::Request& request) {
  std::string header = request.get_header_value("Authorization");
  constexpr std::string_view kScheme = "Basic ";
  if (header.size() <= kScheme.size() || !header.starts_with(kScheme)) {
    return std::nullopt;
  }

  auto decoded = base64_decode(std::string_view(header).substr(kScheme.size()));
  if (!decoded) {
    return std::nullopt;
  }
  auto colon = decoded->find(':');
  if (colon == std::string::npos) {
    return std::nullopt;
  }
  return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace probe::sim
