#include "base/pricing.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace rigor {
namespace {

using Json = nlohmann::json;

tl::expected<double, std::string> price_field(const Json& obj, const char* key) {
  if (!obj.contains(key)) return tl::make_unexpected(fmt::format("pricing: missing key \"{}\"", key));
  const Json& v = obj.at(key);
  if (!v.is_number()) return tl::make_unexpected(fmt::format("pricing: \"{}\" must be a number", key));
  const double d = v.get<double>();
  if (!(d >= 0)) return tl::make_unexpected(fmt::format("pricing: \"{}\" must be >= 0", key));
  return d;
}

tl::expected<void, std::string> only_keys(const Json& obj, const std::set<std::string>& allowed) {
  for (const auto& [k, v] : obj.items()) {
    if (!allowed.count(k)) return tl::make_unexpected(fmt::format("pricing: unknown key \"{}\"", k));
  }
  return {};
}

}  // namespace

nlohmann::json Pricing::to_json() const {
  Json j = Json::object();
  if (is_api()) {
    j["input"] = input;
    j["cached_input"] = cached_input >= 0 ? cached_input : input;
    j["output"] = output;
    if (cache_write >= 0) j["cache_write"] = cache_write;
  } else if (is_self_hosted()) {
    j["gpu_hour"] = gpu_hour;
    j["gpus"] = gpus;
  }
  return j;
}

tl::expected<std::optional<Pricing>, std::string> parse_pricing(std::string_view json) {
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::optional<Pricing>{};
  const Json obj = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (obj.is_discarded()) return tl::make_unexpected(std::string("pricing: not valid JSON"));
  if (obj.is_null()) return std::optional<Pricing>{};
  if (!obj.is_object()) return tl::make_unexpected(std::string("pricing: must be a JSON object"));
  if (obj.empty()) return std::optional<Pricing>{};

  Pricing p;
  if (obj.contains("gpu_hour") || obj.contains("gpus")) {
    if (auto ok = only_keys(obj, {"gpu_hour", "gpus"}); !ok) return tl::make_unexpected(ok.error());
    auto hour = price_field(obj, "gpu_hour");
    if (!hour) return tl::make_unexpected(hour.error());
    if (!obj.contains("gpus")) return tl::make_unexpected(std::string("pricing: missing key \"gpus\""));
    const Json& g = obj.at("gpus");
    if (!g.is_number_integer() || g.get<long long>() < 1) {
      return tl::make_unexpected(std::string("pricing: \"gpus\" must be a positive integer"));
    }
    p.gpu_hour = *hour;
    p.gpus = static_cast<int>(g.get<long long>());
    return std::optional<Pricing>{p};
  }

  if (auto ok = only_keys(obj, {"input", "cached_input", "cache_write", "output"}); !ok) {
    return tl::make_unexpected(ok.error());
  }
  for (auto [key, dst] : {std::pair{"input", &p.input}, std::pair{"cached_input", &p.cached_input},
                          std::pair{"output", &p.output}}) {
    auto v = price_field(obj, key);
    if (!v) return tl::make_unexpected(v.error());
    *dst = *v;
  }
  if (obj.contains("cache_write")) {
    auto v = price_field(obj, "cache_write");
    if (!v) return tl::make_unexpected(v.error());
    p.cache_write = *v;
  }
  return std::optional<Pricing>{p};
}

double cost_usd(const Pricing& p, const Usage& u) {
  if (!p.is_api() || u.prompt_tokens < 0 || u.completion_tokens < 0) return -1;
  const int64_t cached = std::clamp<int64_t>(u.cached_tokens, 0, u.prompt_tokens);
  const int64_t written = std::clamp<int64_t>(u.cache_write_tokens, 0, u.prompt_tokens - cached);
  const int64_t uncached = u.prompt_tokens - cached - written;
  const double cached_price = p.cached_input >= 0 ? p.cached_input : p.input;
  const double write_price = p.cache_write >= 0 ? p.cache_write : p.input;
  return (static_cast<double>(uncached) * p.input + static_cast<double>(cached) * cached_price +
          static_cast<double>(written) * write_price + static_cast<double>(u.completion_tokens) * p.output) /
         1e6;
}

std::string counted_dollars(double usd, bool priced) {
  if (priced) return fmt::format("${:.4f}", usd);
  return usd > 0 ? fmt::format("${:.4f} and a model not priced per token", usd) : "not priced per token";
}

double gpu_cost_usd(const Pricing& p, double wall_s) {
  if (!p.is_self_hosted()) return -1;
  return p.gpu_hour * p.gpus * (wall_s / 3600.0);
}

}  // namespace rigor
