#include "reports/pricing.h"

#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rigor {
namespace {

using Json = nlohmann::json;

tl::expected<double, std::string> price_field(const Json& obj, const char* key) {
  if (!obj.contains(key)) return tl::make_unexpected(fmt::format("pricing: missing key \"{}\"", key));
  const Json& v = obj.at(key);
  if (!v.is_number()) return tl::make_unexpected(fmt::format("pricing: \"{}\" must be a number", key));
  double d = v.get<double>();
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

tl::expected<std::optional<Pricing>, std::string> parse_pricing(std::string_view json) {
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return std::optional<Pricing>{};
  Json obj = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (obj.is_discarded()) return tl::make_unexpected(std::string("pricing: not valid JSON"));
  if (obj.is_null()) return std::optional<Pricing>{};
  if (!obj.is_object()) return tl::make_unexpected(std::string("pricing: must be a JSON object"));
  if (obj.empty()) return std::optional<Pricing>{};

  if (obj.contains("gpu_hour") || obj.contains("gpus")) {
    if (auto ok = only_keys(obj, {"gpu_hour", "gpus"}); !ok) return tl::make_unexpected(ok.error());
    auto hour = price_field(obj, "gpu_hour");
    if (!hour) return tl::make_unexpected(hour.error());
    if (!obj.contains("gpus")) return tl::make_unexpected(std::string("pricing: missing key \"gpus\""));
    const Json& g = obj.at("gpus");
    if (!g.is_number_integer() || g.get<long long>() < 1) {
      return tl::make_unexpected(std::string("pricing: \"gpus\" must be a positive integer"));
    }
    return std::optional<Pricing>{GpuPricing{*hour, static_cast<int>(g.get<long long>())}};
  }

  if (auto ok = only_keys(obj, {"input", "cached_input", "output"}); !ok) return tl::make_unexpected(ok.error());
  ApiPricing p;
  auto in = price_field(obj, "input");
  if (!in) return tl::make_unexpected(in.error());
  auto cached = price_field(obj, "cached_input");
  if (!cached) return tl::make_unexpected(cached.error());
  auto out = price_field(obj, "output");
  if (!out) return tl::make_unexpected(out.error());
  p.input = *in;
  p.cached_input = *cached;
  p.output = *out;
  return std::optional<Pricing>{p};
}

}  // namespace rigor
