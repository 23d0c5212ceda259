#include "envelope.h"

namespace probe::sim {

using nlohmann::json;

json make_envelope(EnvelopeStyle style, bool success, const std::string& message, json result,
                   json metadata) {
  json body = {
      {"status", success ? "success" : "error"},
      {"message", message},
      {"version", kTapisVersion},
      {"result", std::move(result)},
      {"metadata", std::move(metadata)},
  };
  if (style == EnvelopeStyle::kJava) {
    body["commit"] = "0000000";
    body["build"] = "tapis-sim";
  }
  return body;
}

void send_json(httplib::Response& response, int status, const json& body) {
  response.status = status;

  // `replace` keeps a response valid even when a string contains invalid UTF-8 from a request.
  response.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                       "application/json");
}

void send_success(httplib::Response& response, EnvelopeStyle style, json result,
                  const std::string& message, int status, json metadata) {
  send_json(response, status,
            make_envelope(style, true, message, std::move(result), std::move(metadata)));
}

void send_error(httplib::Response& response, EnvelopeStyle style, int status,
                const std::string& message) {
  send_json(response, status, make_envelope(style, false, message, nullptr));
}

json list_metadata(std::size_t count) {
  return {
      {"recordCount", count}, {"recordLimit", 100},    {"recordsSkipped", 0},
      {"orderBy", nullptr},   {"startAfter", nullptr}, {"totalCount", -1},
  };
}

}  // namespace probe::sim
