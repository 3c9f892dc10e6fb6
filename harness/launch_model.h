// Starts a model's local engine when its config says `launch`, for `rigor
// run` and `rigor perf` alike.
#pragma once

#include <memory>
#include <string>

#include "harness/config.h"
#include "harness/launch.h"

namespace rigor {

// When m.launch is set: picks a free loopback port, starts the engine with
// "{port}" substituted in its command, health URL and m.base_url, waits
// until healthy, and returns it (stopped when destroyed); *base_url becomes
// the substituted base URL. Without launch: returns null and *base_url =
// m.base_url. Throws ConfigError (naming config file and model, with the
// engine's log) when the engine does not come up.
std::unique_ptr<LaunchedEngine> launch_model_engine(const ModelConfig& m, const std::string& config_path,
                                                    std::string* base_url);

}  // namespace rigor
