#include "sim_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cstdio>

#include "connection_reset.h"
#include "request_parsing.h"
#include "routes.h"

namespace probe::sim {
namespace {

using nlohmann::json;
using HandlerResponse = httplib::Server::HandlerResponse;

constexpr std::string_view kControlPrefix = "/_sim/";

// Workers serve one connection each until it closes, so idle keep-alive connections and delay
// faults each hold a thread. cpp-httplib's default pool has 8.
constexpr std::size_t kWorkerThreads = 32;

// Idle keep-alive connections delay stop() by up to this long, since cpp-httplib joins workers.
constexpr time_t kKeepAliveTimeoutSeconds = 2;

// A JSON document cut off in the middle, for body=malformed faults.
constexpr const char* kMalformedBody =
    R"({"status": "success", "message": "truncated", "result": [{"id": )";

void log_line(const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
}

// Applies a reset fault. Falls back to a 500 envelope when the socket cannot be found.
HandlerResponse reset_request(const httplib::Request& request, httplib::Response& response) {
  if (reset_connection(request)) {
    // Status 0 tells record_request() that the client got no response.
    response.status = 0;
    return HandlerResponse::Handled;
  }
  log_line("error: reset fault on " + request.method + " " + request.path +
           ": the connection's socket was not found, so a 500 is sent instead");
  send_error(response, EnvelopeStyle::kPython, 500,
             "tapis-sim could not reset the connection for this reset fault");
  return HandlerResponse::Handled;
}

HandlerResponse apply_fault(SimContext& context, const httplib::Request& request,
                            httplib::Response& response) {
  if (request.path.starts_with(kControlPrefix)) {
    return HandlerResponse::Unhandled;
  }
  auto rule = context.faults.take_match(request.method, request.path);
  if (!rule) {
    return HandlerResponse::Unhandled;
  }

  response.set_header(kFaultHeader, rule->spec());
  if (rule->delay.count() > 0) {
    context.stop.wait_for(rule->delay);
  }
  if (rule->reset) {
    return reset_request(request, response);
  }

  int status = rule->status.value_or(200);
  if (rule->body == FaultBody::kMalformed) {
    response.status = status;
    response.set_content(kMalformedBody, "application/json");
    return HandlerResponse::Handled;
  }
  if (rule->body == FaultBody::kEmpty) {
    response.status = status;
    response.set_content("", "application/json");
    return HandlerResponse::Handled;
  }
  if (rule->status) {
    std::string message = "fault injected by tapis-sim: " + rule->spec();
    if (status >= 400) {
      send_error(response, EnvelopeStyle::kPython, status, message);
    } else {
      send_success(response, EnvelopeStyle::kPython, nullptr, message, status);
    }
    return HandlerResponse::Handled;
  }
  return HandlerResponse::Unhandled;
}

std::string describe_error_status(const httplib::Request& request, int status) {
  switch (status) {
    case 400:
      return "invalid HTTP request: the request line, a header or the body framing could not "
             "be parsed";
    case 404:
      return "no route for " + request.method + " " + request.path;
    case 413:
      return "request body too large";
    case 414:
      return "request target too long";
    default:
      return "request failed with HTTP " + std::to_string(status);
  }
}

// Fills in an envelope for errors that no handler wrote a body for: unknown routes, and
// requests cpp-httplib rejected before routing.
HandlerResponse fill_error_body(const httplib::Request& request, httplib::Response& response) {
  if (!response.body.empty()) {
    return HandlerResponse::Unhandled;
  }

  // A body=empty fault must stay empty. The header contains the rule in the --fault grammar.
  auto fault = parse_fault_spec(response.get_header_value(kFaultHeader));
  if (fault && fault->body == FaultBody::kEmpty) {
    return HandlerResponse::Unhandled;
  }
  send_error(response, EnvelopeStyle::kPython, response.status,
             describe_error_status(request, response.status));
  return HandlerResponse::Handled;
}

void report_exception(const httplib::Request& request, httplib::Response& response,
                      std::exception_ptr exception) {
  std::string description = "unknown exception";
  try {
    std::rethrow_exception(exception);
  } catch (const std::exception& error) {
    description = error.what();
  } catch (...) {
  }
  log_line("error: " + request.method + " " + request.path + " raised: " + description);
  send_error(response, EnvelopeStyle::kPython, 500, "tapis-sim internal error: " + description);
}

// Returns the grant and username of a token request, for the request log.
std::pair<std::string, std::string> describe_token_request(const httplib::Request& request) {
  if (request.method != "POST") {
    return {};
  }
  bool oauth2 = request.path == "/v3/oauth2/tokens";
  if (!oauth2 && request.path != "/v3/tokens") {
    return {};
  }

  // Reads the body as the handler does, since only Authenticator also takes form fields.
  auto fields = oauth2 ? parse_json_or_form(request) : parse_json_object(request);
  if (!fields) {
    return {};
  }
  auto grant = string_field(*fields, oauth2 ? "grant_type" : "account_type");
  auto username = string_field(*fields, oauth2 ? "username" : "token_username");
  return {grant.value_or(""), username.value_or("")};
}

// Returns the message of an error response's JSON body ("message" in envelopes and RESTHeart
// errors, "error" in the control API), or "".
std::string error_message(const httplib::Response& response) {
  if (response.status < 400) {
    return "";
  }
  json body = json::parse(response.body, nullptr, false);
  if (!body.is_object()) {
    return "";
  }
  for (const char* key : {"message", "error"}) {
    if (auto text = string_field(body, key)) {
      return *text;
    }
  }
  return "";
}

// Writes one stderr line per request and records it in the request log. Runs before the
// response is sent, so a client never sees a response that the log does not yet contain.
void record_request(SimContext& context, const httplib::Request& request,
                    const httplib::Response& response) {
  RequestRecord record;
  record.time = std::chrono::system_clock::now();
  record.method = request.method;
  record.path = request.path;
  if (response.status != 0) {
    record.status = response.status;
  }
  record.fault = response.get_header_value(kFaultHeader);
  std::tie(record.grant, record.username) = describe_token_request(request);

  std::string line = request.method + " " + request.path + " " +
                     (record.status ? std::to_string(*record.status) : "reset");
  if (!record.fault.empty()) {
    line += " fault: " + record.fault;
  }
  if (auto message = error_message(response); !message.empty()) {
    line += " error: " + message;
  }
  log_line(line);

  if (!request.path.starts_with(kControlPrefix)) {
    context.requests.add(std::move(record));
  }
}

void add_service_routes(httplib::Server& server, SimContext& context) {
  add_actors_routes(server, context);
  add_apps_routes(server, context);
  add_files_routes(server, context);
  add_globus_proxy_routes(server, context);
  add_jobs_routes(server, context);
  add_meta_routes(server, context);
  add_notifications_routes(server, context);
  add_oauth2_routes(server, context);
  add_pgrest_routes(server, context);
  add_pods_routes(server, context);
  add_security_routes(server, context);
  add_streams_routes(server, context);
  add_systems_routes(server, context);
  add_tenants_routes(server, context);
  add_tokens_routes(server, context);
  add_workflows_routes(server, context);
}

}  // namespace

std::expected<int, std::string> bind_server(httplib::Server& server, const std::string& host,
                                            int port) {
  // cpp-httplib 0.11 also sets SO_REUSEPORT by default, which lets a second simulator bind a
  // port that is in use and steal some of its connections. SO_REUSEADDR alone does not.
  //
  // cpp-httplib writes a response's headers and body in separate send() calls. With Nagle's
  // algorithm on, the body waits for the ACK of the headers, which the client delays by about
  // 40 ms, so most responses arrived 40 ms late. Linux copies TCP_NODELAY from the listening
  // socket to every socket accept() returns.
  server.set_tcp_nodelay(true);
  server.set_socket_options([](socket_t socket) {
    int enable = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof(enable));
    setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &enable, sizeof(enable));
  });

  if (port == 0) {
    int bound = server.bind_to_any_port(host);
    if (bound < 0) {
      return std::unexpected("failed to bind a free port on " + host);
    }
    return bound;
  }
  if (!server.bind_to_port(host, port)) {
    return std::unexpected("failed to bind " + host + ":" + std::to_string(port) +
                           ": the port may be in use; pass --port 0 for a free port");
  }
  return port;
}

void configure_server(httplib::Server& server, SimContext& context) {
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  server.set_keep_alive_timeout(kKeepAliveTimeoutSeconds);

  server.set_pre_routing_handler(
      [&context](const httplib::Request& request, httplib::Response& response) {
        return apply_fault(context, request, response);
      });
  server.set_error_handler(httplib::Server::HandlerWithResponse(fill_error_body));
  server.set_exception_handler(report_exception);
  server.set_post_routing_handler(
      [&context](const httplib::Request& request, httplib::Response& response) {
        record_request(context, request, response);
      });

  add_control_routes(server, context);
  add_service_routes(server, context);
}

}  // namespace probe::sim
