// What a model costs, and the one function that turns a request's token
// usage into dollars. Every caller prices with it: the stored sample cost,
// the budget guard, the run report (from the stored pricing and token
// counts) and the perf report.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "base/completion.h"

namespace rigor {

// Either API prices per token or a self-hosted GPU price, never both.
struct Pricing {
  // API pricing in $ per million tokens; negative = not set.
  double input = -1;         // uncached input
  double cached_input = -1;  // input served from the provider's cache (unset: input)
  double cache_write = -1;   // input written to the provider's cache (Anthropic; unset: input)
  double output = -1;        // output, reasoning included
  // Self-hosted pricing: $ per GPU-hour times GPUs, over measured time.
  double gpu_hour = -1;
  int gpus = 0;

  // API prices; cache_write < 0: priced as input.
  static Pricing per_token(double input, double cached_input, double output, double cache_write = -1) {
    Pricing p;
    p.input = input;
    p.cached_input = cached_input;
    p.output = output;
    p.cache_write = cache_write;
    return p;
  }

  bool is_api() const { return input >= 0 && output >= 0; }
  bool is_self_hosted() const { return gpu_hour >= 0 && gpus > 0; }
  // {"input","cached_input","output"[,"cache_write"]} or {"gpu_hour","gpus"};
  // {} when unpriced. What the store keeps as pricing_json.
  nlohmann::json to_json() const;
};

// Parses a stored pricing_json. "" / "{}" / "null" mean "no pricing" and
// yield nullopt. Anything else must be exactly one of the two shapes, every
// key present (cache_write optional), numbers >= 0, gpus a positive integer;
// an unknown key, a missing key or a wrong type is an error naming the key.
tl::expected<std::optional<Pricing>, std::string> parse_pricing(std::string_view json);

// API cost of one request as DESIGN.md defines it, with Anthropic's cache
// writes priced apart: (uncached input x input + cache reads x cached_input
// + cache writes x cache_write + output x output) / 1e6, where uncached
// input is prompt_tokens less the cached and written tokens it includes.
// -1 when the model is not priced per token or usage lacks prompt or
// completion tokens.
double cost_usd(const Pricing& pricing, const Usage& usage);

// Self-hosted cost of wall_s seconds on the deployment's GPUs; -1 when not
// priced that way.
double gpu_cost_usd(const Pricing& pricing, double wall_s);

// Dollars as far as per-token prices counted them, for messages: "$0.1234";
// with a model not priced per token among those spent on (priced false),
// "not priced per token" or "$0.1234 and a model not priced per token".
std::string counted_dollars(double usd, bool priced);

}  // namespace rigor
