#include "reports/comparability.h"

#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rigor {
namespace {

nlohmann::json parse(const RunRecord& r) {
  nlohmann::json j = nlohmann::json::parse(r.config_json, nullptr, false);
  if (!j.is_object()) throw std::runtime_error(fmt::format("run {}: stored config is not a JSON object", r.id));
  return j;
}

std::string text(const nlohmann::json* v) { return v ? v->dump() : "(absent)"; }

const nlohmann::json* at(const nlohmann::json& j, const std::string& key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

void check(std::vector<ConfigDifference>& out, const std::string& what, const nlohmann::json* a,
           const nlohmann::json* b) {
  if ((a == nullptr) != (b == nullptr) || (a && *a != *b)) out.push_back({what, text(a), text(b)});
}

const nlohmann::json* model(const nlohmann::json& cfg, const std::string& name) {
  const nlohmann::json* models = at(cfg, "models");
  if (!models || !models->is_array()) return nullptr;
  for (const auto& m : *models) {
    if (m.is_object() && m.value("name", "") == name) return &m;
  }
  return nullptr;
}

}  // namespace

std::vector<ConfigDifference> config_differences(const RunRecord& ra, const RunRecord& rb,
                                                 const std::vector<ModelPair>& pairs) {
  const nlohmann::json a = parse(ra), b = parse(rb);
  std::vector<ConfigDifference> out;
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json* run_a = at(a, "run");
  const nlohmann::json* run_b = at(b, "run");
  check(out, "run: n (samples per problem)", at(run_a ? *run_a : empty, "n"), at(run_b ? *run_b : empty, "n"));
  const nlohmann::json* sa = at(a, "suites");
  const nlohmann::json* sb = at(b, "suites");
  if (sa && sb && sa->is_object() && sb->is_object()) {
    for (const auto& [suite, va] : sa->items()) {
      const nlohmann::json* vb = at(*sb, suite);
      if (!vb) continue;  // compared only where both ran it
      for (const char* key : {"template", "scorer", "scorer_version", "data_hash", "problems"}) {
        check(out, fmt::format("suite {}: {}", suite, key), at(va, key), at(*vb, key));
      }
    }
  }
  for (const ModelPair& p : pairs) {
    const nlohmann::json* ma = model(a, p.a);
    const nlohmann::json* mb = model(b, p.b);
    const std::string label = p.a == p.b ? p.a : p.a + " / " + p.b;
    if (!ma || !mb) {
      check(out, fmt::format("model {}: config", label), ma, mb);
      continue;
    }
    for (const char* key : {"temperature", "top_p", "max_tokens", "send_seed", "extra"}) {
      check(out, fmt::format("model {}: {}", label, key), at(*ma, key), at(*mb, key));
    }
  }
  return out;
}

std::string describe(const std::vector<ConfigDifference>& diffs) {
  std::string out;
  for (const auto& d : diffs) out += fmt::format("- {}: {} vs {}\n", d.what, d.a, d.b);
  return out;
}

}  // namespace rigor
