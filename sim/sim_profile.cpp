#include "sim/sim_profile.h"

#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "suites/fingerprint.h"

namespace rigor {
namespace {

// A profile's keys may come from its own table or, through `base`, from other
// profiles' tables. Lookups walk the layers, own table first. Copying toml
// nodes would lose their source lines, so nothing is merged physically.
struct Layer {
  const toml::table* table;
  std::string path;  // key path of this table, e.g. "profiles.full.faults"
};

class Layers {
 public:
  Layers(std::vector<Layer> layers, std::string file) : layers_(std::move(layers)), file_(std::move(file)) {}

  [[noreturn]] void fail(const toml::node* node, const std::string& path, const std::string& what) const {
    const toml::node* at = node ? node : layers_.front().table;
    throw SimProfileError(fmt::format("{}:{}: {}: {}", file_, at->source().begin.line, path, what));
  }

  // The first layer's node for key, and its key path; nullptr if no layer has it.
  const toml::node* find(std::string_view key, std::string* path) const {
    for (const auto& l : layers_) {
      if (const toml::node* n = l.table->get(key)) {
        *path = l.path + "." + std::string(key);
        return n;
      }
    }
    *path = layers_.front().path + "." + std::string(key);
    return nullptr;
  }

  const toml::node& required(std::string_view key, std::string* path) const {
    const toml::node* n = find(key, path);
    if (!n) fail(nullptr, layers_.front().path, fmt::format("missing required key '{}'", key));
    return *n;
  }

  double number(const toml::node& n, const std::string& path) const {
    if (n.is_integer()) return static_cast<double>(n.as_integer()->get());
    if (n.is_floating_point()) return n.as_floating_point()->get();
    fail(&n, path, fmt::format("expected a number, got {}", type_name(n)));
  }

  double num(std::string_view key, double lo, double hi) const {
    std::string path;
    const toml::node& n = required(key, &path);
    return checked_range(n, path, number(n, path), lo, hi);
  }
  double num_or(std::string_view key, double fallback, double lo, double hi) const {
    std::string path;
    const toml::node* n = find(key, &path);
    if (!n) return fallback;
    return checked_range(*n, path, number(*n, path), lo, hi);
  }
  int64_t integer(std::string_view key, int64_t lo, int64_t hi) const {
    std::string path;
    const toml::node& n = required(key, &path);
    return int_of(n, path, lo, hi);
  }
  int64_t integer_or(std::string_view key, int64_t fallback, int64_t lo, int64_t hi) const {
    std::string path;
    const toml::node* n = find(key, &path);
    return n ? int_of(*n, path, lo, hi) : fallback;
  }
  bool boolean_or(std::string_view key, bool fallback) const {
    std::string path;
    const toml::node* n = find(key, &path);
    if (!n) return fallback;
    if (!n->is_boolean()) fail(n, path, fmt::format("expected a boolean, got {}", type_name(*n)));
    return n->as_boolean()->get();
  }
  std::string str(std::string_view key) const {
    std::string path;
    const toml::node& n = required(key, &path);
    if (!n.is_string()) fail(&n, path, fmt::format("expected a string, got {}", type_name(n)));
    return n.as_string()->get();
  }
  // The string value must be one of `choices`; returns its index.
  size_t choice(std::string_view key, const std::vector<std::string>& choices) const {
    std::string value = str(key);
    for (size_t i = 0; i < choices.size(); ++i)
      if (choices[i] == value) return i;
    std::string path;
    const toml::node* n = find(key, &path);
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "\"" : ", \"") + c + "\"";
    fail(n, path, fmt::format("\"{}\" is not one of {}", value, list));
  }

  // The layers of a subtable; `required` says whether some layer must have it.
  std::optional<Layers> sub(std::string_view key, bool is_required) const {
    std::vector<Layer> subs;
    for (const auto& l : layers_) {
      const toml::node* n = l.table->get(key);
      if (!n) continue;
      std::string path = l.path + "." + std::string(key);
      if (!n->is_table()) fail(n, path, fmt::format("expected a table, got {}", type_name(*n)));
      subs.push_back({n->as_table(), path});
    }
    if (subs.empty()) {
      if (is_required) fail(nullptr, layers_.front().path, fmt::format("missing required table '{}'", key));
      return std::nullopt;
    }
    return Layers(std::move(subs), file_);
  }

  // Every key of every layer must be in `known`.
  void check_known(const std::set<std::string>& known) const {
    for (const auto& l : layers_) {
      for (const auto& [k, v] : *l.table) {
        if (!known.count(std::string(k.str()))) {
          std::string list;
          for (const auto& x : known) list += (list.empty() ? "" : ", ") + x;
          fail(&v, l.path + "." + std::string(k.str()), fmt::format("unknown key (known keys: {})", list));
        }
      }
    }
  }

  const std::vector<Layer>& layers() const { return layers_; }

  static std::string type_name(const toml::node& n) {
    switch (n.type()) {
      case toml::node_type::string: return "a string";
      case toml::node_type::integer: return "an integer";
      case toml::node_type::floating_point: return "a float";
      case toml::node_type::boolean: return "a boolean";
      case toml::node_type::table: return "a table";
      case toml::node_type::array: return "an array";
      default: return "a date/time";
    }
  }

 private:
  double checked_range(const toml::node& n, const std::string& path, double v, double lo, double hi) const {
    if (!(v >= lo && v <= hi)) fail(&n, path, fmt::format("{} is out of range [{}, {}]", v, lo, hi));
    return v;
  }
  int64_t int_of(const toml::node& n, const std::string& path, int64_t lo, int64_t hi) const {
    if (!n.is_integer()) fail(&n, path, fmt::format("expected an integer, got {}", type_name(n)));
    int64_t v = n.as_integer()->get();
    if (v < lo || v > hi) fail(&n, path, fmt::format("{} is out of range [{}, {}]", v, lo, hi));
    return v;
  }

  std::vector<Layer> layers_;
  std::string file_;
};

constexpr double kInf = 1e300;

LengthDist parse_length(const Layers& parent, std::string_view key) {
  Layers l = *parent.sub(key, true);
  l.check_known({"mean", "sd", "min", "max"});
  LengthDist d;
  d.mean = l.num("mean", 1e-9, kInf);
  d.sd = l.num("sd", 0, kInf);
  d.min = l.integer("min", 1, 100'000'000);
  d.max = l.integer("max", 1, 100'000'000);
  if (d.min > d.max) {
    std::string path;
    l.fail(l.find("min", &path), path, fmt::format("min {} is greater than max {}", d.min, d.max));
  }
  return d;
}

SimFaults parse_faults(const Layers& profile) {
  SimFaults f;
  std::optional<Layers> l = profile.sub("faults", false);
  if (!l) return f;
  l->check_known({"rate_429", "retry_after_s", "rate_500", "rate_cut", "rate_stall", "stall_s",
                  "rate_malformed", "fault_attempts"});
  f.rate_429 = l->num_or("rate_429", 0, 0, 1);
  f.retry_after_s = l->integer_or("retry_after_s", 1, 0, 86400);
  f.rate_500 = l->num_or("rate_500", 0, 0, 1);
  f.rate_cut = l->num_or("rate_cut", 0, 0, 1);
  f.rate_stall = l->num_or("rate_stall", 0, 0, 1);
  f.stall_s = l->num_or("stall_s", 5, 0, 86400);
  f.rate_malformed = l->num_or("rate_malformed", 0, 0, 1);
  f.fault_attempts = l->integer_or("fault_attempts", 1, 0, 1'000'000);
  double sum = f.rate_429 + f.rate_500 + f.rate_cut + f.rate_stall + f.rate_malformed;
  if (sum > 1 + 1e-12) l->fail(nullptr, l->layers().front().path, fmt::format("fault rates sum to {} > 1", sum));
  return f;
}

SimProfile parse_profile(const std::string& name, const Layers& l) {
  l.check_known({"base", "label", "dialect", "reasoning", "accuracy", "difficulty_slope", "no_answer_prob",
                 "equivalent_form_prob", "reasoning_tokens", "answer_tokens", "ttft_ms", "tokens_per_s",
                 "tokens_per_chunk", "time_scale", "faults", "rpm_limit", "rpm_window_s", "tokenizer", "route", "usage",
                 "stamp_chunks"});
  SimProfile p;
  p.name = name;
  p.label = l.str("label");
  if (p.label.find("simulated") == std::string::npos) {
    std::string path;
    l.fail(l.find("label", &path), path, "the label must say the model is simulated (contain \"simulated\")");
  }
  p.dialect = l.choice("dialect", {"vllm", "llamacpp"}) == 0 ? Dialect::kVllm : Dialect::kLlamaCpp;
  switch (l.choice("reasoning", {"reasoning_content", "reasoning", "think_tags"})) {
    case 0: p.reasoning = ReasoningDelivery::kReasoningContent; break;
    case 1: p.reasoning = ReasoningDelivery::kReasoning; break;
    default: p.reasoning = ReasoningDelivery::kThinkTags; break;
  }

  // accuracy: suite -> target, merged over the layers (own keys win).
  Layers acc = *l.sub("accuracy", true);
  bool has_default = false;
  for (auto it = acc.layers().rbegin(); it != acc.layers().rend(); ++it) {
    for (const auto& [k, v] : *it->table) {
      std::string path = it->path + "." + std::string(k.str());
      double x = acc.number(v, path);
      if (!(x >= 0 && x <= 1)) acc.fail(&v, path, fmt::format("{} is out of range [0, 1]", x));
      if (k.str() == "default") {
        p.accuracy_default = x;
        has_default = true;
      } else {
        p.accuracy[std::string(k.str())] = x;
      }
    }
  }
  if (!has_default) acc.fail(nullptr, acc.layers().front().path, "missing required key 'default'");

  p.difficulty_slope = l.num("difficulty_slope", 0, 1000);
  p.no_answer_prob = l.num_or("no_answer_prob", 0, 0, 1);
  p.equivalent_form_prob = l.num_or("equivalent_form_prob", 0, 0, 1);
  p.reasoning_tokens = parse_length(l, "reasoning_tokens");
  p.answer_tokens = parse_length(l, "answer_tokens");
  p.ttft_ms = l.num("ttft_ms", 0, 3.6e6);
  p.tokens_per_s = l.num("tokens_per_s", 1e-6, 1e9);
  p.tokens_per_chunk = l.integer("tokens_per_chunk", 1, 1'000'000);
  p.time_scale = l.num("time_scale", 0, 1e6);
  p.faults = parse_faults(l);
  p.rpm_limit = l.integer_or("rpm_limit", 0, 0, 1'000'000'000);
  p.rpm_window_s = l.num_or("rpm_window_s", 60, 0.1, 3600);
  p.stamp_chunks = l.boolean_or("stamp_chunks", false);
  std::string path;
  if (l.find("tokenizer", &path)) {
    std::vector<std::string> families;
    try {
      families = bundled_fingerprint_cards().family_names();
    } catch (const std::exception& e) {
      l.fail(l.find("tokenizer", &path), path, fmt::format("cannot read the fingerprint cards: {}", e.what()));
    }
    p.tokenizer = families[l.choice("tokenizer", families)];
  }
  if (l.find("usage", &path)) {
    const std::vector<std::string> kinds = {to_string(UsageReport::kExact), to_string(UsageReport::kEstimated),
                                            to_string(UsageReport::kNone)};
    p.usage = static_cast<UsageReport>(l.choice("usage", kinds));
  }
  if (std::optional<Layers> route = l.sub("route", false)) {
    route->check_known({"to", "fraction"});
    p.route_to = route->str("to");
    p.route_fraction = route->num("fraction", 0, 1);
  }
  return p;
}

// The layers of profile `name`: its own table, then its base's, recursively.
std::vector<Layer> profile_layers(const toml::table& profiles, const std::string& name, const std::string& file) {
  std::vector<Layer> layers;
  std::set<std::string> seen;
  std::string current = name;
  while (true) {
    if (!seen.insert(current).second)
      throw SimProfileError(fmt::format("{}: profiles.{}: base chain loops back to '{}'", file, name, current));
    const toml::node* n = profiles.get(current);
    const toml::table* t = n->as_table();
    layers.push_back({t, "profiles." + current});
    const toml::node* base = t->get("base");
    if (!base) return layers;
    std::string path = "profiles." + current + ".base";
    int line = static_cast<int>(base->source().begin.line);
    if (!base->is_string())
      throw SimProfileError(fmt::format("{}:{}: {}: expected a string, got {}", file, line, path, Layers::type_name(*base)));
    std::string next = base->as_string()->get();
    const toml::node* bn = profiles.get(next);
    if (!bn || !bn->is_table())
      throw SimProfileError(fmt::format("{}:{}: {}: no profile named '{}'", file, line, path, next));
    current = next;
  }
}

// A route must lead to another profile of the file, which does not route
// itself: one hop, so a request's answer never depends on a chain.
void check_routes(const std::map<std::string, SimProfile>& out, const toml::table& profiles, const std::string& file) {
  for (const auto& [name, p] : out) {
    if (p.route_to.empty()) continue;
    Layers l(profile_layers(profiles, name, file), file);
    Layers route = *l.sub("route", true);
    std::string path;
    const toml::node* to = route.find("to", &path);
    auto target = out.find(p.route_to);
    if (target == out.end()) route.fail(to, path, fmt::format("no profile named '{}'", p.route_to));
    if (p.route_to == name) route.fail(to, path, "a profile cannot route to itself");
    if (!target->second.route_to.empty())
      route.fail(to, path, fmt::format("'{}' routes requests itself; a route has one hop", p.route_to));
  }
}

}  // namespace

std::map<std::string, SimProfile> parse_sim_profiles(const std::string& text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw SimProfileError(fmt::format("{}:{}: TOML syntax error: {}", source_name, e.source().begin.line,
                                      e.description()));
  }
  for (const auto& [k, v] : root) {
    if (k.str() != "profiles")
      throw SimProfileError(fmt::format("{}:{}: {}: unknown key (expected only [profiles.NAME] tables)", source_name,
                                        v.source().begin.line, k.str()));
  }
  const toml::node* profiles_node = root.get("profiles");
  if (!profiles_node) throw SimProfileError(fmt::format("{}: no [profiles.NAME] tables", source_name));
  if (!profiles_node->is_table())
    throw SimProfileError(fmt::format("{}:{}: profiles: expected a table", source_name, profiles_node->source().begin.line));
  const toml::table& profiles = *profiles_node->as_table();

  std::map<std::string, SimProfile> out;
  for (const auto& [k, v] : profiles) {
    std::string name(k.str());
    if (!v.is_table())
      throw SimProfileError(fmt::format("{}:{}: profiles.{}: expected a table, got {}", source_name,
                                        v.source().begin.line, name, Layers::type_name(v)));
    Layers layers(profile_layers(profiles, name, source_name), source_name);
    out.emplace(name, parse_profile(name, layers));
  }
  if (out.empty()) throw SimProfileError(fmt::format("{}: no [profiles.NAME] tables", source_name));
  check_routes(out, profiles, source_name);
  return out;
}

std::map<std::string, SimProfile> load_sim_profiles(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SimProfileError(fmt::format("{}: cannot open simulator profiles file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_sim_profiles(ss.str(), path);
}

const char* to_string(Dialect d) { return d == Dialect::kVllm ? "vllm" : "llamacpp"; }

const char* to_string(UsageReport u) {
  switch (u) {
    case UsageReport::kExact: return "exact";
    case UsageReport::kEstimated: return "estimated";
    case UsageReport::kNone: return "none";
  }
  return "?";
}

const char* to_string(ReasoningDelivery r) {
  switch (r) {
    case ReasoningDelivery::kReasoningContent: return "reasoning_content";
    case ReasoningDelivery::kReasoning: return "reasoning";
    case ReasoningDelivery::kThinkTags: return "think_tags";
  }
  return "?";
}

}  // namespace rigor
