// The accuracy part of a JSON report, to compare runs whose timings differ.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace rigor::testing {

// The accuracy numbers of a JSON report, keyed by model/suite; speed and
// cost depend on timing and are left out.
inline std::map<std::string, std::string> accuracy_of(const std::string& report_json) {
  auto j = nlohmann::json::parse(report_json);
  std::map<std::string, std::string> out;
  for (const auto& s : j["summaries"]) {
    std::string key = s["model"].get<std::string>() + "/" + s["suite"].get<std::string>();
    nlohmann::json keep = {{"pass1", s["pass1"]},         {"pass1_lo", s["pass1_lo"]},
                           {"pass1_hi", s["pass1_hi"]},   {"pass_at_k", s["pass_at_k"]},
                           {"cons_at_n", s["cons_at_n"]}, {"samples_ok", s["samples_ok"]},
                           {"extract_failed", s["extract_failed"]}, {"truncated", s["truncated"]},
                           {"output_tokens", s["output_tokens"]}};
    out[key] = keep.dump();
  }
  return out;
}

}  // namespace rigor::testing
