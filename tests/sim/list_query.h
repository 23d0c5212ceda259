#pragma once

#include <httplib.h>

#include <expected>
#include <nlohmann/json.hpp>
#include <string>

namespace probe::sim {

struct ListPage {
  nlohmann::json records;   // the selected records, as a JSON array
  nlohmann::json metadata;  // the list metadata of the Java services
};

// Applies the list query parameters of the Systems and Apps services to `records` (an array of
// objects):
//   search=(FIELD.OP.VALUE)~(FIELD.OP.VALUE)  OP is eq, neq, lt, lte, gt, gte, like, nlike, in
//                                            or nin; like takes * and ? wildcards, in takes a
//                                            comma-separated list
//   orderBy=FIELD or FIELD(asc|desc), limit=N (default 100, -1 for all), skip=N,
//   computeTotal=true (fills metadata.totalCount)
// Returns a message for the 400 response when a parameter is invalid.
std::expected<ListPage, std::string> apply_list_query(nlohmann::json records,
                                                      const httplib::Request& request);

}  // namespace probe::sim
