#include "sim_store.h"

namespace probe::sim {
namespace {

using nlohmann::json;

// Records carry fixed times so that responses are the same in every run.
constexpr const char* kCreated = "2025-01-15T10:00:00.000Z";
constexpr const char* kUpdated = "2025-01-15T10:05:00.000Z";

// The time of kCreated, for records that store a time point.
SystemTime parse_seed_time() {
  return std::chrono::sys_days{std::chrono::year{2025} / 1 / 15} + std::chrono::hours{10};
}

json make_storage_system(const SimConfig& config) {
  return {
      {"tenant", config.tenant},
      {"id", "sim-storage"},
      {"description", "Storage system served by tapis-sim"},
      {"systemType", "LINUX"},
      {"owner", config.user.username},
      {"host", "127.0.0.1"},
      {"enabled", true},
      {"effectiveUserId", config.user.username},
      {"defaultAuthnMethod", "PKI_KEYS"},
      {"authnCredential", nullptr},
      {"bucketName", nullptr},
      {"rootDir", "/home/" + config.user.username},
      {"port", 22},
      {"useProxy", false},
      {"proxyHost", nullptr},
      {"proxyPort", -1},
      {"dtnSystemId", nullptr},
      {"isPublic", false},
      {"isDynamicEffectiveUser", false},
      {"canExec", true},
      {"canRunBatch", false},
      {"enableCmdPrefix", false},
      {"allowChildren", false},
      {"parentId", nullptr},
      {"mpiCmd", nullptr},
      {"jobRuntimes", json::array({{{"runtimeType", "DOCKER"}, {"version", nullptr}}})},
      {"jobWorkingDir", "workdir"},
      {"jobEnvVariables", json::array()},
      {"jobMaxJobs", -1},
      {"jobMaxJobsPerUser", -1},
      {"batchScheduler", nullptr},
      {"batchLogicalQueues", json::array()},
      {"batchDefaultLogicalQueue", nullptr},
      {"batchSchedulerProfile", nullptr},
      {"sharedWithUsers", json::array()},
      {"jobCapabilities", json::array()},
      {"tags", json::array({"tapis-sim"})},
      {"notes", json::object()},
      {"uuid", "7c9e6679-7425-40de-944b-e07fc1f90ae7"},
      {"deleted", false},
      {"created", kCreated},
      {"updated", kUpdated},
  };
}

json make_app(const SimConfig& config) {
  json job_attributes = {
      {"description", "Runs the tapis-sim test container"},
      {"dynamicExecSystem", false},
      {"execSystemConstraints", json::array()},
      {"execSystemId", nullptr},
      {"execSystemExecDir", "${JobWorkingDir}/jobs/${JobUUID}"},
      {"execSystemInputDir", "${JobWorkingDir}/jobs/${JobUUID}"},
      {"execSystemOutputDir", "${JobWorkingDir}/jobs/${JobUUID}/output"},
      {"execSystemLogicalQueue", nullptr},
      {"archiveSystemId", "sim-storage"},
      {"archiveSystemDir", "jobs/${JobUUID}"},
      {"archiveOnAppError", true},
      {"isMpi", false},
      {"mpiCmd", nullptr},
      {"cmdPrefix", nullptr},
      {"parameterSet", json::object()},
      {"fileInputs", json::array()},
      {"fileInputArrays", json::array()},
      {"nodeCount", 1},
      {"coresPerNode", 1},
      {"memoryMB", 100},
      {"maxMinutes", 10},
      {"subscriptions", json::array()},
      {"tags", json::array()},
  };
  return {
      {"tenant", config.tenant},
      {"id", "sim-app"},
      {"version", "0.1"},
      {"description", "Application served by tapis-sim"},
      {"owner", config.user.username},
      {"enabled", true},
      {"versionEnabled", true},
      {"locked", false},
      {"isPublic", false},
      {"sharedWithUsers", json::array()},
      {"runtime", "DOCKER"},
      {"runtimeVersion", nullptr},
      {"runtimeOptions", json::array()},
      {"containerImage", "tapis/sim-app:0.1"},
      {"jobType", "FORK"},
      {"maxJobs", -1},
      {"maxJobsPerUser", -1},
      {"strictFileInputs", false},
      {"jobAttributes", job_attributes},
      {"tags", json::array({"tapis-sim"})},
      {"notes", json::object()},
      {"sharedAppCtx", nullptr},
      {"uuid", "1b4e28ba-2fa1-41d2-883f-0016d3cca427"},
      {"deleted", false},
      {"created", kCreated},
      {"updated", kUpdated},
  };
}

json make_actor(const SimConfig& config) {
  return {
      {"id", "sim-actor"},
      {"name", "sim-actor"},
      {"image", "tapis/sim-actor:latest"},
      {"owner", config.user.username},
      {"description", "Actor served by tapis-sim"},
      {"status", "READY"},
      {"status_message", ""},
      {"create_time", kCreated},
      {"last_update_time", kUpdated},
      {"default_environment", json::object()},
      {"link", ""},
      {"mounts", json::array()},
      {"privileged", false},
      {"queue", "default"},
      {"state", json::object()},
      {"stateless", true},
      {"token", true},
      {"cron_on", false},
      {"cron_schedule", nullptr},
      {"cron_next_ex", nullptr},
      {"type", "none"},
  };
}

json make_job(const SimConfig& config, const std::string& uuid, const std::string& status,
              const std::string& condition) {
  return {
      {"uuid", uuid},
      {"name", "sim-job-" + uuid.substr(0, 8)},
      {"owner", config.user.username},
      {"appId", "sim-app"},
      {"appVersion", "0.1"},
      {"created", kCreated},
      {"status", status},
      {"condition", condition},
      {"remoteStarted", kCreated},
      {"ended", kUpdated},
      {"tenant", config.tenant},
      {"execSystemId", "sim-storage"},
      {"archiveSystemId", "sim-storage"},
      {"lastUpdated", kUpdated},
  };
}

json make_pod(const SimConfig& config) {
  return {
      {"pod_id", "simpod"},
      {"image", "tapis/sim-pod:latest"},
      {"template", ""},
      {"description", "Pod served by tapis-sim"},
      {"command", nullptr},
      {"arguments", nullptr},
      {"environment_variables", json::object()},
      {"status_requested", "ON"},
      {"volume_mounts", json::object()},
      {"time_to_stop_default", 43200},
      {"time_to_stop_instance", nullptr},
      {"networking",
       {{"default", {{"protocol", "http"}, {"port", 5000}, {"url", "simpod.pods.sim"}}}}},
      {"resources",
       {{"cpu_request", 250},
        {"cpu_limit", 2000},
        {"mem_request", 256},
        {"mem_limit", 3072},
        {"gpus", 0}}},
      {"compute_queue", "default"},
      {"time_to_stop_ts", nullptr},
      {"status", "AVAILABLE"},
      {"status_container", {{"phase", "Running"}, {"message", ""}}},
      {"creation_ts", kCreated},
      {"update_ts", kUpdated},
      {"start_instance_ts", kUpdated},
      {"permissions", json::array({config.user.username + ":ADMIN"})},
  };
}

// Returns `size` bytes of readable text, so that seeded files have content to download.
std::shared_ptr<const std::string> make_text(const std::string& path, std::size_t size) {
  std::string line = "tapis-sim seeded file " + path + "\n";
  std::string text;
  while (text.size() < size) {
    text += line;
  }
  text.resize(size);
  return std::make_shared<const std::string>(std::move(text));
}

FileTree make_storage_files() {
  SystemTime modified = parse_seed_time();
  FileTree files;
  files.make_dirs("data/results", modified);
  files.write_file("README.md", make_text("README.md", 128), modified);
  files.write_file("data/input.txt", make_text("data/input.txt", 42), modified);
  files.write_file("data/results/output.csv", make_text("data/results/output.csv", 2048), modified);
  return files;
}

json make_postit(const SimConfig& config) {
  const std::string id = "b6a1c0de-5e3d-4c2b-9a7f-2f1e0d9c8b7a-010";
  return {
      {"postitId", id},
      {"systemId", "sim-storage"},
      {"owner", config.user.username},
      {"tenantId", config.tenant},
      {"path", "data/input.txt"},
      {"allowedUses", -1},
      {"timesUsed", 0},
      {"jwtUser", config.user.username},
      {"jwtTenantId", config.tenant},
      {"redeemUrl", config.base_url + "/v3/files/postits/redeem/" + id},
      {"expiration", "2035-01-15T10:00:00.000Z"},
      {"created", kCreated},
      {"updated", kCreated},
  };
}

json make_streams_project(const SimConfig& config) {
  return {
      {"project_name", "sim-project"},
      {"project_id", "sim-project"},
      {"owner", config.user.username},
      {"funding_resource", "tapis-sim"},
      {"pi", config.user.username},
      {"project_url", "https://tapis-sim.example/projects/sim-project"},
      {"bucket", "sim-bucket"},
      {"active", true},
      {"metadata", json::object()},
      {"created_at", "2025-01-15 10:00:00.000000"},
      {"last_updated", "2025-01-15 10:00:00.000000"},
  };
}

json make_owner() {
  return {
      {"name", "Tapis Sim Owner"},
      {"email", "owner@tapis-sim.example"},
      {"institution", "tapis-sim"},
      {"create_time", "2025-01-15T10:00:00.000000"},
      {"last_update_time", "2025-01-15T10:00:00.000000"},
  };
}

}  // namespace

SimState make_seed_state(const SimConfig& config) {
  SimState state;
  state.systems["sim-storage"] = make_storage_system(config);
  state.files["sim-storage"] = make_storage_files();
  state.apps["sim-app"]["0.1"] = make_app(config);
  state.actors["sim-actor"] = make_actor(config);
  state.pods["simpod"] = make_pod(config);
  json postit = make_postit(config);
  state.postits[postit["postitId"].get<std::string>()] = postit;
  state.streams["sim-project"].record = make_streams_project(config);
  state.owners["owner@tapis-sim.example"] = make_owner();

  const std::string finished = "3f1a9b52-6c7d-4e8f-9a0b-1c2d3e4f5a6b-007";
  const std::string failed = "8d2c4e6f-1a3b-4c5d-8e9f-0a1b2c3d4e5f-007";
  state.jobs[finished] = make_job(config, finished, "FINISHED", "NORMAL_COMPLETION");
  state.jobs[failed] = make_job(config, failed, "FAILED", "JOB_EXECUTION_MONITORING_ERROR");
  return state;
}

}  // namespace probe::sim
