// Turning a step's request spec into an HTTP request, with variables expanded.
#pragma once

#include <expected>

#include "diagnostic.h"
#include "http_client.h"
#include "site.h"
#include "suite.h"

namespace probe {

// Expands the request's templates in `scope` and applies the suite's defaults and the site's
// TLS settings. Credentials are added by the caller. A URL that starts with '/' is resolved
// against `base_url`.
std::expected<HttpRequest, Diagnostic> build_request(const RequestSpec& spec,
                                                     const Defaults& defaults, const Site& site,
                                                     const Scope& scope);

// Percent-encodes `text` for a URL query or a form body.
std::string url_encode(const std::string& text);

}  // namespace probe
