// Turns a model's config into an engine and asks its server who it is.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/config.h"
#include "harness/engine.h"
#include "harness/rate_limit.h"

namespace rigor {

// The API key of a model, read from the environment variable it names.
// Throws ConfigError when the variable is named but unset or empty.
std::string api_key_for(const ModelConfig& m);

// Builds an engine for a model, given the base URL to talk to (for engine sim,
// the URL of the simulator rigor started). The default is make_default_engine.
using EngineFactory = std::function<std::unique_ptr<Engine>(const ModelConfig&, const std::string& base_url)>;

// An OpenAI-compatible streaming engine for the model at base_url.
std::unique_ptr<Engine> make_default_engine(const ModelConfig& m, const std::string& base_url);
// The same with the given limiter in place of one built from the model's
// rpm, tpm and concurrency: workers of one run resize it to their share.
std::unique_ptr<Engine> make_engine_with_limiter(const ModelConfig& m, const std::string& base_url,
                                                std::shared_ptr<RateLimiter> limiter);

struct ServerInfo {
  std::string label;       // what /models says the model is ("" if it did not answer)
  bool simulated = false;  // the server said it is rigor's simulator
  bool listed = false;     // /models answered with a list of models
  std::vector<std::string> ids;  // the ids it listed (the first 20)
};

// GET base_url/models; a failure is not fatal (many servers lack it), just unlabelled.
ServerInfo probe_server(const ModelConfig& m, const std::string& base_url);

}  // namespace rigor
