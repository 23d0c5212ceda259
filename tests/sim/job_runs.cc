#include "job_runs.h"

#include <algorithm>
#include <cctype>

#include "random_ids.h"

namespace probe::sim {
namespace {

using nlohmann::json;

const std::vector<std::string> kStatusesBeforeRun = {
    "PENDING", "PROCESSING_INPUTS", "STAGING_INPUTS", "STAGING_JOB", "SUBMITTING_JOB", "QUEUED",
    "RUNNING"};

// Messages for lastMessage, by the status the job entered.
const std::map<std::string, std::string> kStatusMessages = {
    {"PENDING", "Job created and queued for processing."},
    {"PROCESSING_INPUTS", "Processing the job's input files."},
    {"STAGING_INPUTS", "Staging the job's input files to the execution system."},
    {"STAGING_JOB", "Staging the application and tapisjob.sh to the execution system."},
    {"SUBMITTING_JOB", "Submitting the job to the execution system."},
    {"QUEUED", "The job is queued on the execution system."},
    {"RUNNING", "The job is running on the execution system."},
    {"ARCHIVING", "Archiving the job's output files."},
    {"FINISHED", "The job completed successfully."},
    {"FAILED", "The application exited with status 1, so the job failed."},
    {"CANCELLED", "The job was cancelled by its owner."},
};

bool contains_fail(std::string name) {
  std::ranges::transform(name, name.begin(),
                         [](char c) { return static_cast<char>(std::tolower(c)); });
  return name.find("fail") != std::string::npos;
}

// Replaces the ${...} macros that Jobs resolves in directory attributes.
std::string resolve_macros(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    std::string macro = "${" + name + "}";
    for (auto at = text.find(macro); at != std::string::npos; at = text.find(macro, at)) {
      text.replace(at, macro.size(), value);
      at += value.size();
    }
  }
  return text;
}

std::string text_or(const json& object, const std::string& key, const std::string& fallback) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : fallback;
}

std::shared_ptr<const std::string> shared_text(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

std::string make_script(const json& job) {
  return "#!/bin/bash\n# tapisjob.sh written by tapis-sim for job " +
         job["uuid"].get<std::string>() + "\n# app " + job["appId"].get<std::string>() + " " +
         job["appVersion"].get<std::string>() + "\necho hello from tapis-sim\n";
}

std::string make_output(const json& job, bool failed) {
  std::string text = "tapis-sim job " + job["uuid"].get<std::string>() + " (" +
                     job["name"].get<std::string>() + ") running app " +
                     job["appId"].get<std::string>() + " " + job["appVersion"].get<std::string>() +
                     "\n";
  if (failed) {
    return text + "error: the job name asks tapis-sim to fail, so the application exits with 1\n";
  }
  return text + "hello from tapis-sim\n";
}

// Finds the app version, enabled, that the request names.
std::expected<json, JobError> find_app(const SimState& state, const json& request) {
  auto id = request.value("appId", "");
  auto version = request.value("appVersion", "");
  auto versions = state.apps.find(id);
  if (versions == state.apps.end() || !versions->second.contains(version) ||
      versions->second.at(version).value("deleted", false)) {
    return std::unexpected(
        JobError{400, "JOBS_APP_NOT_FOUND app '" + id + "' version '" + version + "' not found"});
  }
  const json& app = versions->second.at(version);
  if (!app.value("enabled", true) || !app.value("versionEnabled", true)) {
    return std::unexpected(
        JobError{400, "JOBS_APP_DISABLED app '" + id + "' version '" + version + "' is disabled"});
  }
  return app;
}

// Returns the execution system: the request's, or else the app's.
std::expected<json, JobError> find_exec_system(const SimState& state, const json& request,
                                               const json& app) {
  std::string id =
      text_or(request, "execSystemId", text_or(app["jobAttributes"], "execSystemId", ""));
  if (id.empty()) {
    return std::unexpected(
        JobError{400, "JOBS_NO_EXEC_SYSTEM neither the request nor the app names an execSystemId"});
  }
  const json* system = find_live_system(state, id);
  if (system == nullptr) {
    return std::unexpected(
        JobError{400, "JOBS_SYSTEM_NOT_FOUND execution system '" + id + "' not found"});
  }
  if (!system->value("enabled", true) || !system->value("canExec", false)) {
    return std::unexpected(
        JobError{400, "JOBS_SYSTEM_NOT_EXEC system '" + id + "' is disabled or has canExec false"});
  }
  return *system;
}

json make_job(const json& request, const json& app, const json& exec_system,
              const json& archive_system, const TokenClaims& claims) {
  const json& attributes = app["jobAttributes"];
  std::string uuid = random_uuid() + "-007";
  auto now = std::chrono::system_clock::now();
  std::string created = format_iso_utc_millis(now);
  std::string name = request["name"];
  std::map<std::string, std::string> macros = {
      {"JobWorkingDir", text_or(exec_system, "jobWorkingDir", "HOST_EVAL($HOME)")},
      {"JobUUID", uuid},
      {"JobName", name},
      {"JobOwner", claims.username},
      {"JobCreateDate", created.substr(0, 10)},
  };
  auto directory = [&](const std::string& key) {
    return resolve_macros(text_or(request, key, text_or(attributes, key, "")), macros);
  };

  return {
      {"id", 0},
      {"name", name},
      {"owner", claims.username},
      {"tenant", claims.tenant_id},
      {"description", text_or(request, "description", "")},
      {"status", "PENDING"},
      {"condition", nullptr},
      {"lastMessage", kStatusMessages.at("PENDING")},
      {"created", created},
      {"ended", nullptr},
      {"lastUpdated", created},
      {"uuid", uuid},
      {"appId", app["id"]},
      {"appVersion", app["version"]},
      {"archiveOnAppError", attributes.value("archiveOnAppError", true)},
      {"dynamicExecSystem", false},
      {"execSystemId", exec_system["id"]},
      {"execSystemExecDir", directory("execSystemExecDir")},
      {"execSystemInputDir", directory("execSystemInputDir")},
      {"execSystemOutputDir", directory("execSystemOutputDir")},
      {"execSystemLogicalQueue", nullptr},
      {"archiveSystemId", archive_system["id"]},
      {"archiveSystemDir", directory("archiveSystemDir")},
      {"dtnSystemId", nullptr},
      {"nodeCount", request.value("nodeCount", attributes.value("nodeCount", 1))},
      {"coresPerNode", request.value("coresPerNode", attributes.value("coresPerNode", 1))},
      {"memoryMB", request.value("memoryMB", attributes.value("memoryMB", 100))},
      {"maxMinutes", request.value("maxMinutes", attributes.value("maxMinutes", 10))},
      {"fileInputs", json::array()},
      {"parameterSet",
       request.value("parameterSet", attributes.value("parameterSet", json::object()))},
      {"execSystemConstraints", json::array()},
      {"subscriptions", json::array()},
      {"blockedCount", 0},
      {"remoteJobId", nullptr},
      {"remoteOutcome", nullptr},
      {"remoteResultInfo", nullptr},
      {"remoteQueue", nullptr},
      {"remoteSubmitted", nullptr},
      {"remoteStarted", nullptr},
      {"remoteEnded", nullptr},
      {"tapisQueue", "tapis.jobq.submit.DefaultQueue"},
      {"visible", true},
      {"createdby", claims.username},
      {"createdbyTenant", claims.tenant_id},
      {"tags", request.value("tags", json::array())},
      {"jobType", text_or(request, "jobType", text_or(app, "jobType", "FORK"))},
      {"mpi", false},
      {"notes", request.value("notes", json::object())},
  };
}

void add_history(JobArtifacts& artifacts, const std::string& previous, const std::string& status,
                 SystemTime at) {
  std::string description = previous.empty()
                                ? "The job was created with status " + status + "."
                                : "The job status changed from " + previous + " to " + status + ".";
  artifacts.history.push_back({
      {"event", "JOB_NEW_STATUS"},
      {"created", format_iso_utc_millis(at)},
      {"eventDetail", status},
      {"description", description},
      {"transferTaskUuid", nullptr},
  });
}

// Writes the fields that change with the status the job entered.
void apply_status_fields(json& job, JobArtifacts& artifacts, const std::string& status,
                         const std::string& time) {
  if (status == "STAGING_JOB") {
    artifacts.outputs["tapisjob.sh"] = shared_text(make_script(job));
  } else if (status == "SUBMITTING_JOB") {
    job["remoteJobId"] = random_hex(8);
    job["remoteSubmitted"] = time;
  } else if (status == "RUNNING") {
    job["remoteStarted"] = time;
    artifacts.outputs["tapisjob.out"] = shared_text("");
  } else if (status == "ARCHIVING" || status == "FAILED") {
    bool failed = status == "FAILED";
    job["remoteEnded"] = time;
    job["remoteOutcome"] = failed ? "FAILED" : "FINISHED";
    job["remoteResultInfo"] = failed ? "1" : "0";
    artifacts.outputs["tapisjob.out"] = shared_text(make_output(job, failed));
  }

  if (status == "FINISHED") {
    job["condition"] = "NORMAL_COMPLETION";
  } else if (status == "FAILED") {
    job["condition"] = "JOB_REMOTE_OUTCOME_ERROR";
  } else if (status == "CANCELLED") {
    job["condition"] = "CANCELLED_BY_USER";
  }
  if (is_terminal_job_status(status)) {
    job["ended"] = time;
  }
}

void set_status(SimState& state, json& job, const std::string& status, SystemTime at) {
  std::string time = format_iso_utc_millis(at);
  JobArtifacts& artifacts = state.job_artifacts[job["uuid"]];
  add_history(artifacts, job["status"], status, at);
  job["status"] = status;
  job["lastMessage"] = kStatusMessages.at(status);
  job["lastUpdated"] = time;
  apply_status_fields(job, artifacts, status, time);
}

bool apply_job_step(SimState& state, const std::string& uuid, const std::string& status,
                    SystemTime at) {
  auto found = state.jobs.find(uuid);
  if (found == state.jobs.end() || is_terminal_job_status(found->second["status"])) {
    return false;
  }
  set_status(state, found->second, status, at);
  return !is_terminal_job_status(status);
}

}  // namespace

bool is_terminal_job_status(const std::string& status) {
  return status == "FINISHED" || status == "FAILED" || status == "CANCELLED";
}

std::expected<json, JobError> submit_job(SimState& state, const json& request,
                                         const TokenClaims& claims) {
  for (const char* key : {"name", "appId", "appVersion"}) {
    if (text_or(request, key, "").empty()) {
      return std::unexpected(JobError{400, std::string("JOBS_MISSING_FIELD missing ") + key +
                                               ": a job needs name, "
                                               "appId and appVersion"});
    }
  }
  auto app = find_app(state, request);
  if (!app) {
    return std::unexpected(app.error());
  }
  auto exec_system = find_exec_system(state, request, *app);
  if (!exec_system) {
    return std::unexpected(exec_system.error());
  }
  std::string archive_id = text_or(
      request, "archiveSystemId",
      text_or((*app)["jobAttributes"], "archiveSystemId", (*exec_system)["id"].get<std::string>()));
  const json* archive_system = find_live_system(state, archive_id);
  if (archive_system == nullptr) {
    return std::unexpected(
        JobError{400, "JOBS_SYSTEM_NOT_FOUND archive system '" + archive_id + "' not found"});
  }

  json job = make_job(request, *app, *exec_system, *archive_system, claims);
  std::string uuid = job["uuid"];
  job["id"] = state.jobs.size() + 1;
  add_history(state.job_artifacts[uuid], "", "PENDING", std::chrono::system_clock::now());
  state.jobs[uuid] = job;

  std::vector<std::string> statuses = kStatusesBeforeRun;
  if (contains_fail(job["name"])) {
    statuses.push_back("FAILED");
  } else {
    statuses.insert(statuses.end(), {"ARCHIVING", "FINISHED"});
  }
  start_lifecycle(state, "job/" + uuid, one_step_per_tick(statuses),
                  [uuid](SimState& current, const std::string& status, SystemTime at) {
                    return apply_job_step(current, uuid, status, at);
                  });
  return job;
}

std::expected<void, JobError> cancel_job(SimState& state, const std::string& uuid) {
  auto found = state.jobs.find(uuid);
  if (found == state.jobs.end()) {
    return std::unexpected(JobError{404, "JOBS_NOT_FOUND job not found: '" + uuid + "'"});
  }
  std::string status = found->second["status"];
  if (is_terminal_job_status(status)) {
    return std::unexpected(
        JobError{409, "JOBS_TERMINAL job '" + uuid + "' already ended with status " + status});
  }
  set_status(state, found->second, "CANCELLED", std::chrono::system_clock::now());
  cancel_lifecycles(state, "job/" + uuid);
  return {};
}

}  // namespace probe::sim
