// Jobs (/v3/jobs): probes, the job list, and submitted jobs: submit, get, status, history,
// outputs and cancel.

#include "file_tree.h"
#include "job_runs.h"
#include "request_auth.h"
#include "request_parsing.h"
#include "routes.h"
#include "zip_archive.h"

namespace probe::sim {
namespace {

using nlohmann::json;

constexpr EnvelopeStyle kStyle = EnvelopeStyle::kJava;

// Registers a probe whose result is the Jobs spec's JobsProbe.
void add_jobs_probe(httplib::Server& server, SimContext& context, const std::string& path,
                    const std::string& message) {
  server.Get(path, [&context, message](const httplib::Request&, httplib::Response& response) {
    auto check_number =
        context.store.with_state([](SimState& state) { return ++state.probe_count; });
    json result = {
        {"checkNum", check_number},
        {"databaseAccess", true},
        {"tenantsAccess", true},
        {"queueAccess", true},
    };
    send_success(response, kStyle, result, message);
  });
}

void list_jobs(SimContext& context, const httplib::Request&, httplib::Response& response,
               const TokenClaims&) {
  json jobs = context.store.with_state([](SimState& state) { return list_records(state.jobs); });
  send_success(response, kStyle, jobs,
               "JOBS_LIST_RETRIEVED " + std::to_string(jobs.size()) + " jobs retrieved.", 200,
               list_metadata(jobs.size()));
}

void submit(SimContext& context, const httplib::Request& request, httplib::Response& response,
            const TokenClaims& claims) {
  auto body = parse_json_object(request);
  if (!body) {
    send_error(response, kStyle, 400, "JOBS_JSON_ERROR invalid body: expected a JSON object");
    return;
  }
  auto job =
      context.store.with_state([&](SimState& state) { return submit_job(state, *body, claims); });
  if (!job) {
    send_error(response, kStyle, job.error().status, job.error().message);
    return;
  }
  send_success(response, kStyle, *job,
               "JOBS_CREATED Job " + (*job)["uuid"].get<std::string>() + " submitted.");
}

void send_job_not_found(httplib::Response& response, const std::string& uuid) {
  send_error(response, kStyle, 404, "JOBS_NOT_FOUND job not found: '" + uuid + "'");
}

void get_job(SimContext& context, const httplib::Request& request, httplib::Response& response,
             const TokenClaims&) {
  std::string uuid = request.matches[1];
  auto job =
      context.store.with_state([&](SimState& state) { return find_record(state.jobs, uuid); });
  if (!job) {
    send_job_not_found(response, uuid);
    return;
  }
  send_success(response, kStyle, *job, "JOBS_RETRIEVED Job " + uuid + " retrieved.");
}

void get_job_status(SimContext& context, const httplib::Request& request,
                    httplib::Response& response, const TokenClaims&) {
  std::string uuid = request.matches[1];
  auto job =
      context.store.with_state([&](SimState& state) { return find_record(state.jobs, uuid); });
  if (!job) {
    send_job_not_found(response, uuid);
    return;
  }
  json result = {{"status", (*job)["status"]}, {"condition", (*job)["condition"]}};
  send_success(response, kStyle, result, "JOBS_STATUS Job " + uuid + " status retrieved.");
}

void get_job_history(SimContext& context, const httplib::Request& request,
                     httplib::Response& response, const TokenClaims&) {
  std::string uuid = request.matches[1];
  auto history = context.store.with_state([&](SimState& state) -> std::optional<json> {
    if (!state.jobs.contains(uuid)) {
      return std::nullopt;
    }
    auto artifacts = state.job_artifacts.find(uuid);
    return artifacts == state.job_artifacts.end() ? json::array() : artifacts->second.history;
  });
  if (!history) {
    send_job_not_found(response, uuid);
    return;
  }
  send_success(response, kStyle, *history,
               "JOBS_HISTORY Job " + uuid +
                   " history retrieved: " + std::to_string(history->size()) + " events.",
               200, list_metadata(history->size()));
}

// A job and its output files, copied out of the store.
struct JobOutputs {
  json job;
  std::map<std::string, std::shared_ptr<const std::string>> files;
};

std::optional<JobOutputs> find_outputs(SimContext& context, const std::string& uuid) {
  return context.store.with_state([&](SimState& state) -> std::optional<JobOutputs> {
    auto job = state.jobs.find(uuid);
    if (job == state.jobs.end()) {
      return std::nullopt;
    }
    JobOutputs outputs{job->second, {}};
    if (auto artifacts = state.job_artifacts.find(uuid); artifacts != state.job_artifacts.end()) {
      outputs.files = artifacts->second.outputs;
    }
    return outputs;
  });
}

// Returns the output file name a path names, or "" for the output directory itself.
std::optional<std::string> output_name(const std::string& raw_path) {
  auto path = normalize_path(raw_path);
  if (!path || path->find('/') != std::string::npos) {
    return std::nullopt;
  }
  return *path;
}

// Lists the job's output directory, or one output file. Jobs writes tapisjob.sh when it stages
// the job and tapisjob.out when it runs.
void list_job_outputs(SimContext& context, const httplib::Request& request,
                      httplib::Response& response, const TokenClaims&) {
  std::string uuid = request.matches[1];
  auto outputs = find_outputs(context, uuid);
  if (!outputs) {
    send_job_not_found(response, uuid);
    return;
  }
  auto name = output_name(request.matches[2]);
  if (!name || (!name->empty() && !outputs->files.contains(*name))) {
    send_error(response, kStyle, 404,
               "JOBS_OUTPUT_NOT_FOUND no output '" + std::string(request.matches[2]) +
                   "' for job " + uuid);
    return;
  }

  std::string system_id = outputs->job["execSystemId"];
  std::string directory = outputs->job["execSystemOutputDir"];
  json listing = json::array();
  for (const auto& [file_name, content] : outputs->files) {
    if (name->empty() || file_name == *name) {
      FileNode node{false, content, std::chrono::system_clock::now()};
      listing.push_back(make_file_info(system_id, directory + "/" + file_name, node));
    }
  }
  send_success(response, kStyle, listing,
               "JOBS_OUTPUT_LIST " + std::to_string(listing.size()) + " output files listed.", 200,
               list_metadata(listing.size()));
}

// Downloads one output file as it is, or the output directory as a ZIP archive. As in Jobs, the
// job must have ended unless allowIfRunning=true.
void download_job_outputs(SimContext& context, const httplib::Request& request,
                          httplib::Response& response, const TokenClaims&) {
  std::string uuid = request.matches[1];
  auto outputs = find_outputs(context, uuid);
  if (!outputs) {
    send_job_not_found(response, uuid);
    return;
  }
  std::string status = outputs->job["status"];
  if (!is_terminal_job_status(status) && request.get_param_value("allowIfRunning") != "true") {
    send_error(response, kStyle, 400,
               "JOBS_NOT_TERMINAL job " + uuid + " is " + status +
                   "; wait until it ends or pass allowIfRunning=true");
    return;
  }
  auto name = output_name(request.matches[2]);
  if (!name || (!name->empty() && !outputs->files.contains(*name))) {
    send_error(response, kStyle, 404,
               "JOBS_OUTPUT_NOT_FOUND no output '" + std::string(request.matches[2]) +
                   "' for job " + uuid);
    return;
  }

  response.status = 200;
  if (!name->empty()) {
    response.set_content(*outputs->files.at(*name), "application/octet-stream");
    return;
  }
  std::vector<ZipEntry> entries;
  for (const auto& [file_name, content] : outputs->files) {
    entries.push_back({file_name, content, std::chrono::system_clock::now()});
  }
  response.set_header("Content-Disposition", "attachment; filename=\"" + uuid + ".zip\"");
  response.set_content(make_zip_archive(entries), "application/zip");
}

void cancel(SimContext& context, const httplib::Request& request, httplib::Response& response,
            const TokenClaims&) {
  std::string uuid = request.matches[1];
  auto cancelled =
      context.store.with_state([&](SimState& state) { return cancel_job(state, uuid); });
  if (!cancelled) {
    send_error(response, kStyle, cancelled.error().status, cancelled.error().message);
    return;
  }
  json result = {{"message", "Job " + uuid + " was cancelled."}};
  send_success(response, kStyle, result, "JOBS_CANCELLED Job " + uuid + " cancelled.");
}

}  // namespace

void add_jobs_routes(httplib::Server& server, SimContext& context) {
  add_jobs_probe(server, context, "/v3/jobs/healthcheck", "Jobs service is healthy.");
  add_jobs_probe(server, context, "/v3/jobs/readycheck", "Jobs service is ready.");
  add_jobs_probe(server, context, "/v3/jobs/ready", "Jobs service is ready.");
  add_probe_route(server, "/v3/jobs/hello", kStyle, "Hello from the Tapis Jobs service.",
                  json::object());

  server.Get("/v3/jobs/list", with_token(context, kStyle, list_jobs));
  server.Post("/v3/jobs/submit", with_token(context, kStyle, submit));
  server.Get(R"(/v3/jobs/([^/]+))", with_token(context, kStyle, get_job));
  server.Get(R"(/v3/jobs/([^/]+)/status)", with_token(context, kStyle, get_job_status));
  server.Get(R"(/v3/jobs/([^/]+)/history)", with_token(context, kStyle, get_job_history));
  server.Get(R"(/v3/jobs/([^/]+)/output/list/?(.*))",
             with_token(context, kStyle, list_job_outputs));
  server.Get(R"(/v3/jobs/([^/]+)/output/download/?(.*))",
             with_token(context, kStyle, download_job_outputs));
  server.Post(R"(/v3/jobs/([^/]+)/cancel)", with_token(context, kStyle, cancel));
}

}  // namespace probe::sim
