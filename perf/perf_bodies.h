// The request bodies `rigor perf` sends: a model's requests written by the
// same body writer as `rigor run`'s (chat_body.h), so a load test sends
// what an evaluation sends, dialect, sampling and extras included.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/config.h"

namespace rigor {

// One serialised body per prompt, each with max_tokens and, when the model
// sends seeds, seed + its index. Throws ConfigError for an unknown dialect.
std::vector<std::string> perf_request_bodies(const ModelConfig& m, const std::vector<std::string>& prompts,
                                             int max_tokens, uint64_t seed);

}  // namespace rigor
