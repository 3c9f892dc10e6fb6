// The check of a model's endpoint before a run plans any sample: its model
// list (GET /models) and one tiny request through the run's own engine (same
// wire format, headers, key, sampling and connect timeout), so that a dead
// or wrong endpoint (nothing listening, an HTML page, a server that accepts
// and never answers, a bad key, an unknown model id, a rejected parameter) is
// named within seconds instead of failing every sample for minutes.
#pragma once

#include <optional>
#include <string>

#include "base/completion.h"
#include "harness/config.h"
#include "harness/engine_factory.h"

namespace rigor {

struct EndpointCheck {
  bool ok = true;
  std::optional<Error> error;  // why it failed (when !ok)
  std::string problem;         // one line: what is wrong and what to check (when !ok)
  ServerInfo info;             // what /models said, for the report's server label
  double seconds = 0;          // how long the check took
};

// The tiny request: the run's request with a short prompt and max_tokens 16
// (above an Anthropic thinking budget when one is set), one attempt, and at
// most m.check_timeout_s of silence and of total time after connecting. A 429
// passes (the endpoint answers and the key works).
EndpointCheck check_endpoint(const ModelConfig& m, const std::string& base_url, const EngineFactory& factory);

}  // namespace rigor
