#include "logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace probe {

void init_logging(Verbosity verbosity) {
  auto logger = spdlog::stderr_logger_mt("tapis-probe");
  logger->set_pattern("tapis-probe: %l: %v");
  switch (verbosity) {
    case Verbosity::quiet:
      logger->set_level(spdlog::level::err);
      break;
    case Verbosity::normal:
      logger->set_level(spdlog::level::warn);
      break;
    case Verbosity::verbose:
      logger->set_level(spdlog::level::info);
      break;
  }
  spdlog::set_default_logger(logger);
}

}  // namespace probe
