#include "request_log.h"

namespace probe::sim {

using nlohmann::json;

json RequestRecord::to_json() const {
  json out = {{"time", format_iso_utc_millis(time)}, {"method", method}, {"path", path}};
  out["status"] = status ? json(*status) : json(nullptr);
  if (!fault.empty()) {
    out["fault"] = fault;
  }
  if (!grant.empty()) {
    out["grant"] = grant;
  }
  if (!username.empty()) {
    out["username"] = username;
  }
  return out;
}

void RequestLog::add(RequestRecord record) {
  std::lock_guard lock(mutex_);
  records_.push_back(std::move(record));
  if (records_.size() > kMaxRecords) {
    records_.pop_front();
  }
}

json RequestLog::to_json() const {
  std::lock_guard lock(mutex_);
  json list = json::array();
  for (const auto& record : records_) {
    list.push_back(record.to_json());
  }
  return list;
}

void RequestLog::clear() {
  std::lock_guard lock(mutex_);
  records_.clear();
}

}  // namespace probe::sim
