#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "sim_config.h"

namespace probe::sim {

// Returns the request body as a JSON object, or nullopt when it is not valid JSON or not an
// object. Never throws.
std::optional<nlohmann::json> parse_json_object(const httplib::Request& request);

// Returns the named member when it is a non-empty string.
std::optional<std::string> string_field(const nlohmann::json& object, const std::string& key);

// Reads the fields of a JSON body, or of an application/x-www-form-urlencoded body (which
// cpp-httplib stores in request.params), into one JSON object of strings.
std::optional<nlohmann::json> parse_json_or_form(const httplib::Request& request);

// Decodes an "Authorization: Basic ..." header.
std::optional<Credentials> parse_basic_auth(const httplib::Request& request);

}  // namespace probe::sim
