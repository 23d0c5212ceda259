#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

namespace probe::sim {

// Tapis services wrap every JSON response in {status, message, version, result, metadata}.
// The Java services (systems, apps, jobs, files, notifications, security) add commit and build.
enum class EnvelopeStyle { kPython, kJava };

inline constexpr const char* kTapisVersion = "1.6.0";

nlohmann::json make_envelope(EnvelopeStyle style, bool success, const std::string& message,
                             nlohmann::json result,
                             nlohmann::json metadata = nlohmann::json::object());

// Sends `body` as application/json. Meta and the control API use it for raw JSON.
void send_json(httplib::Response& response, int status, const nlohmann::json& body);

void send_success(httplib::Response& response, EnvelopeStyle style, nlohmann::json result,
                  const std::string& message, int status = 200,
                  nlohmann::json metadata = nlohmann::json::object());

// Sends an envelope with status "error" and a null result.
void send_error(httplib::Response& response, EnvelopeStyle style, int status,
                const std::string& message);

// Returns list metadata as the Java services fill it for an unfiltered listing.
nlohmann::json list_metadata(std::size_t count);

}  // namespace probe::sim
