// Run configuration: models, suites and run settings, parsed from TOML.
// Every key is checked: an unknown key, a wrong type or a missing required
// key throws ConfigError naming the file, line and key path. API keys never
// appear here: a model names the environment variable that holds its key.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/pricing.h"

namespace rigor {

// A fatal user error in a config file; main turns it into exit code 2.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A local engine rigor starts before and stops after a run (harness/launch.h).
struct LaunchConfig {
  std::vector<std::string> command;  // argv; "{port}" is replaced by a free loopback port
  std::string health_url;            // GET until 2xx; "{port}" replaced too
  double startup_timeout_s = 600;    // fork -> healthy
};

struct ModelConfig {
  std::string name;            // rigor's name for this model (table column)
  std::string engine;          // "openai", "anthropic" or "sim"
  std::string base_url;        // e.g. http://127.0.0.1:8080/v1 (not for sim)
  std::string model_id;        // id sent to the server (sim: the profile name)
  std::string api_key_env;     // environment variable holding the API key; "" = none
  double temperature = 0.6;    // DeepSeek-R1 protocol
  double top_p = 0.95;         // DeepSeek-R1 protocol
  int max_tokens = 32768;
  bool send_seed = true;       // send the per-sample seed in the request
  int concurrency = 8;         // requests in flight for this model
  double connect_timeout_s = 10; // TCP (+TLS) connect
  double idle_timeout_s = 300;  // longest silence in a response, before its first byte included
  double total_timeout_s = 7200; // one attempt, from sending to the last byte
  double check_timeout_s = 10;  // the endpoint check before a run: silence and total time after connecting
  int max_attempts = 6;        // per sample, first try included
  double retry_base_s = 0.5;
  double retry_max_s = 60;
  Pricing pricing;
  nlohmann::json extra = nlohmann::json::object();  // extra request body fields
  std::vector<std::string> headers;                 // extra "Name: value" headers
  std::string dialect = "openai";  // engine openai: vllm, sglang, llamacpp, ollama, deepseek, openrouter, openai-reasoning
  int thinking_budget = 0;         // engine anthropic: extended-thinking budget_tokens; 0 = off
  double rpm = 0;                  // client-side requests-per-minute budget; 0 = none
  double tpm = 0;                  // client-side tokens-per-minute budget; 0 = none
  bool adaptive_concurrency = false;  // halve concurrency on 429, recover on success
  // engine = "sim": the simulator profiles file to serve (model_id names the profile).
  std::string sim_profiles;    // path, resolved against the config's folder
  uint64_t sim_seed = 0;       // the simulator's --seed: another seed is another deployment of the same profiles
  // engine = "openai" only: start this engine locally first ("{port}" in
  // base_url is replaced by the port chosen for it).
  std::optional<LaunchConfig> launch;
};

struct RunSettings {
  std::string id;                    // "" = derived from the config hash
  std::string tag;                   // optional label for history and gates
  uint64_t seed = 0;
  int n = 4;                         // samples per problem
  std::vector<int> k = {1};          // pass@k values to report (each <= n)
  std::vector<std::string> suites;   // suite names
  std::string db = "rigor.db";       // resolved against the current directory
  std::string report_md;             // Markdown report path written at the end; "" = none
  int limit = 0;                     // > 0: first `limit` problems of each suite (smoke runs)
  std::string gpqa_csv;              // path of the user's official GPQA CSV
  double budget_usd = 0;             // stop starting samples once the run spent this; 0 = none
  int64_t budget_tokens = 0;         // same, in input + output tokens; 0 = none
  int stop_after_errors = 5;         // stop a model after this many consecutive samples failing for one cause; 0 = never
};

struct Config {
  std::string path;                  // the file it came from
  RunSettings run;
  std::vector<ModelConfig> models;
  // The resolved config as JSON: every setting, no secrets (api_key_env
  // names a variable; its value is never read into here).
  nlohmann::json resolved() const;
};

// Parses and validates a config file. Throws ConfigError.
Config load_config(const std::string& path);
// Same, from text (tests); `path` is used in messages and to resolve relative paths.
Config parse_config(const std::string& text, const std::string& path);

}  // namespace rigor
