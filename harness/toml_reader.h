// Strict reading of a config TOML table (see suites/toml_strict.h): errors
// are ConfigError naming the file, line and key path.
#pragma once

#include <nlohmann/json.hpp>

#include "harness/config.h"
#include "suites/toml_strict.h"

namespace rigor {

using TomlReader = StrictTomlReader<ConfigError>;

// TOML (a table) to JSON, for pass-through request fields.
nlohmann::json toml_to_json(const toml::node& node);

}  // namespace rigor
