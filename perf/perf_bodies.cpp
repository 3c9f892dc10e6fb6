#include "perf/perf_bodies.h"

#include <fmt/format.h>

#include "harness/engines/chat_body.h"

namespace rigor {

std::vector<std::string> perf_request_bodies(const ModelConfig& m, const std::vector<std::string>& prompts,
                                             int max_tokens, uint64_t seed) {
  const auto dialect = parse_dialect(m.dialect);
  if (!dialect) throw ConfigError(fmt::format("model {}: unknown dialect \"{}\"", m.name, m.dialect));
  std::vector<std::string> out;
  out.reserve(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    CompletionRequest r;
    r.model = m.model_id;
    r.messages = {{"user", prompts[i]}};
    r.temperature = m.temperature;
    r.top_p = m.top_p;
    r.max_tokens = max_tokens;
    if (m.send_seed) r.seed = seed + i;
    r.extra = m.extra;
    out.push_back(chat_request_body(r, *dialect, true).dump());
  }
  return out;
}

}  // namespace rigor
