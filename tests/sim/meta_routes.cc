// Meta (/v3/meta): a RESTHeart front end, so successful responses are raw JSON.

#include "random_ids.h"
#include "request_auth.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;

// Style of the auth errors sent before a request reaches RESTHeart.
constexpr EnvelopeStyle kStyle = EnvelopeStyle::kJava;

constexpr const char* kDatabase = "StreamsDevDB";

// Sends an error in RESTHeart's own format, which Meta passes through.
void send_restheart_error(httplib::Response& response, int status, const std::string& message) {
  send_json(response, status,
            {{"http status code", status},
             {"http status description", status == 404 ? "Not Found" : "Error"},
             {"message", message}});
}

bool require_known_db(const httplib::Request& request, httplib::Response& response) {
  std::string db = request.matches[1];
  if (db != kDatabase) {
    send_restheart_error(response, 404, "Db '" + db + "' does not exist");
    return false;
  }
  return true;
}

void get_health(SimContext&, const httplib::Request&, httplib::Response& response) {
  send_json(response, 200, {{"status", "healthy"}});
}

void list_collections(SimContext&, const httplib::Request& request, httplib::Response& response,
                      const TokenClaims&) {
  if (require_known_db(request, response)) {
    send_json(response, 200, json::array({"projects", "sites", "instruments", "variables"}));
  }
}

void get_db_metadata(SimContext&, const httplib::Request& request, httplib::Response& response,
                     const TokenClaims&) {
  if (require_known_db(request, response)) {
    send_json(response, 200, {{"_id", "_meta"}, {"_etag", {{"$oid", random_hex(24)}}}});
  }
}

}  // namespace

void add_meta_routes(httplib::Server& server, SimContext& context) {
  server.Get("/v3/meta/healthcheck", without_token(context, get_health));
  server.Get(R"(/v3/meta/([^/]+)/_meta)", with_service_token(context, kStyle, get_db_metadata));
  server.Get(R"(/v3/meta/([^/]+))", with_service_token(context, kStyle, list_collections));
}

}  // namespace probe::sim
