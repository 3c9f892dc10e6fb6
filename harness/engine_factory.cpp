#include "harness/engine_factory.h"

#include <cstdlib>

#include <fmt/format.h>

#include "harness/engines/anthropic_engine.h"
#include "harness/engines/dialect.h"
#include "harness/engines/openai_engine.h"

namespace rigor {

std::string api_key_for(const ModelConfig& m) {
  if (m.api_key_env.empty()) return "";
  const char* v = std::getenv(m.api_key_env.c_str());
  if (!v || !*v) {
    throw ConfigError(fmt::format("model {}: api_key_env names {}, which is not set in the environment", m.name,
                                  m.api_key_env));
  }
  return v;
}

std::unique_ptr<Engine> make_default_engine(const ModelConfig& m, const std::string& base_url) {
  std::shared_ptr<RateLimiter> limiter;
  if (m.rpm > 0 || m.tpm > 0 || m.adaptive_concurrency) {
    limiter = std::make_shared<RateLimiter>(RateLimits{m.rpm, m.tpm, m.concurrency, m.adaptive_concurrency});
  }
  return make_engine_with_limiter(m, base_url, std::move(limiter));
}

std::unique_ptr<Engine> make_engine_with_limiter(const ModelConfig& m, const std::string& base_url,
                                            std::shared_ptr<RateLimiter> limiter) {
  OpenAIEngineOptions o;
  o.base_url = base_url;
  o.api_key = api_key_for(m);
  o.concurrency = m.concurrency;
  o.connect_timeout_s = m.connect_timeout_s;
  o.idle_timeout_s = m.idle_timeout_s;
  o.total_timeout_s = m.total_timeout_s;
  o.retry.max_attempts = m.max_attempts;
  o.retry.base_delay_s = m.retry_base_s;
  o.retry.max_delay_s = m.retry_max_s;
  o.headers = m.headers;
  o.limiter = std::move(limiter);
  if (m.engine == "anthropic") return make_anthropic_engine(std::move(o), m.thinking_budget);
  const auto dialect = parse_dialect(m.dialect);
  if (!dialect) throw ConfigError(fmt::format("model {}: unknown dialect \"{}\"", m.name, m.dialect));
  o.dialect = *dialect;
  return std::make_unique<OpenAIEngine>(std::move(o));
}

ServerInfo probe_server(const ModelConfig& m, const std::string& base_url) {
  ServerInfo info;
  // Anthropic's /models wants x-api-key, and its answer would only repeat model_id.
  if (m.engine == "anthropic") return info;
  auto j = get_json(base_url + "/models", api_key_for(m), std::min(10.0, m.connect_timeout_s + 5));
  if (!j || !j->is_object() || !(*j)["data"].is_array()) return info;
  info.listed = true;
  for (const auto& entry : (*j)["data"]) {
    if (entry.is_object() && entry.contains("id") && entry["id"].is_string() && info.ids.size() < 20) {
      info.ids.push_back(entry["id"].get<std::string>());
    }
    if (!entry.is_object() || entry.value("id", "") != m.model_id) continue;
    info.simulated = entry.value("simulated", false) || entry.value("owned_by", "") == "rigor-sim";
    info.label = entry.value("label", entry.value("owned_by", m.model_id));
    if (info.simulated && info.label.find("sim") == std::string::npos) info.label = "simulated: " + info.label;
  }
  return info;
}

}  // namespace rigor
