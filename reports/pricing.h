// Model pricing as stored in RunModelRecord::pricing_json.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <tl/expected.hpp>

namespace rigor {

// Pay-per-token API prices, US dollars per million tokens.
struct ApiPricing {
  double input = 0;         // uncached input tokens
  double cached_input = 0;  // input tokens served from the provider's cache
  double output = 0;        // output tokens, reasoning included
};

// Self-hosted: the GPUs cost money for as long as the model generates.
struct GpuPricing {
  double gpu_hour = 0;  // US dollars per GPU-hour
  int gpus = 0;         // GPUs the deployment occupies
};

using Pricing = std::variant<ApiPricing, GpuPricing>;

// Parses pricing_json. "" or "{}" or "null" mean "no pricing configured" and
// yield nullopt (the report then says so). Anything else must be exactly one
// of the two shapes, all keys present, numbers >= 0 (gpus a positive integer);
// an unknown key, a missing key or a wrong type is an error naming the key.
tl::expected<std::optional<Pricing>, std::string> parse_pricing(std::string_view json);

}  // namespace rigor
