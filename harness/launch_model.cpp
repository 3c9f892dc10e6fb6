#include "harness/launch_model.h"

#include <fmt/format.h>

namespace rigor {

std::unique_ptr<LaunchedEngine> launch_model_engine(const ModelConfig& m, const std::string& config_path,
                                                    std::string* base_url) {
  *base_url = m.base_url;
  if (!m.launch) return nullptr;
  LaunchSpec spec;
  spec.command = m.launch->command;
  spec.health_url = m.launch->health_url;
  spec.startup_timeout_s = m.launch->startup_timeout_s;
  try {
    spec.port = free_loopback_port();
    auto engine = std::make_unique<LaunchedEngine>(spec);
    *base_url = substitute_port(m.base_url, spec.port);
    return engine;
  } catch (const std::runtime_error& e) {
    throw ConfigError(fmt::format("{}: model {}: {}", config_path, m.name, e.what()));
  }
}

}  // namespace rigor
