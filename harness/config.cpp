#include "harness/config.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "harness/engines/anthropic_engine.h"
#include "harness/engines/dialect.h"
#include "harness/toml_reader.h"

namespace rigor {
namespace {

namespace fs = std::filesystem;

std::string resolve_relative(const std::string& p, const std::string& config_path) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(config_path).parent_path() / p).lexically_normal().string();
}

ModelConfig read_model(const toml::table& t, const std::string& file, int index) {
  TomlReader r(t, file, fmt::format("models[{}]", index));
  ModelConfig m;
  m.name = r.required(r.str("name"), "name");
  m.engine = r.required(r.str("engine"), "engine");
  if (m.engine != "openai" && m.engine != "sim" && m.engine != "anthropic") {
    r.fail(r.node("engine"), "engine", fmt::format("unknown engine \"{}\" (expected openai, anthropic or sim)", m.engine));
  }
  m.base_url = r.str("base_url").value_or("");
  if (m.engine != "sim" && m.base_url.empty()) r.fail(nullptr, "base_url", fmt::format("required key is missing for engine {}", m.engine));
  if (auto d = r.str("dialect")) {
    if (m.engine != "openai") r.fail(r.node("dialect"), "dialect", "only engine openai has dialects");
    if (!parse_dialect(*d)) {
      std::string names;
      for (const auto& n : dialect_names()) names += (names.empty() ? "" : ", ") + n;
      r.fail(r.node("dialect"), "dialect", fmt::format("unknown dialect \"{}\" (expected one of {})", *d, names));
    }
    m.dialect = *d;
  }
  if (auto b = r.integer("thinking_budget")) {
    if (m.engine != "anthropic") r.fail(r.node("thinking_budget"), "thinking_budget", "only engine anthropic takes a thinking budget (use extra for others)");
    if (*b != 0 && *b < kAnthropicMinThinkingBudget) {
      r.fail(r.node("thinking_budget"), "thinking_budget", fmt::format("must be 0 (off) or >= {}", kAnthropicMinThinkingBudget));
    }
    m.thinking_budget = static_cast<int>(*b);
  }
  if (auto v = r.num("rpm")) {
    if (*v < 0) r.fail(r.node("rpm"), "rpm", "must be >= 0 (0 = no limit)");
    m.rpm = *v;
  }
  if (auto v = r.num("tpm")) {
    if (*v < 0) r.fail(r.node("tpm"), "tpm", "must be >= 0 (0 = no limit)");
    m.tpm = *v;
  }
  if (auto v = r.boolean("adaptive_concurrency")) m.adaptive_concurrency = *v;
  if (m.engine == "sim" && !m.base_url.empty()) {
    r.fail(r.node("base_url"), "base_url", "engine sim starts its own simulator; remove base_url or use engine openai");
  }
  m.model_id = r.required(r.str("model_id"), "model_id");
  m.api_key_env = r.str("api_key_env").value_or("");
  if (auto c = r.integer("concurrency")) {
    if (*c < 1 || *c > 100000) r.fail(r.node("concurrency"), "concurrency", "must be between 1 and 100000");
    m.concurrency = static_cast<int>(*c);
  }
  m.headers = r.str_list("headers").value_or(std::vector<std::string>{});
  for (const auto& h : m.headers) {
    if (h.find(':') == std::string::npos) r.fail(r.node("headers"), "headers", fmt::format("\"{}\" is not \"Name: value\"", h));
  }
  if (m.engine == "sim") {
    m.sim_profiles = resolve_relative(r.required(r.str("sim_profiles"), "sim_profiles"), file);
    if (auto v = r.integer("sim_seed")) {
      if (*v < 0) r.fail(r.node("sim_seed"), "sim_seed", "must be >= 0");
      m.sim_seed = static_cast<uint64_t>(*v);
    }
  } else if (r.node("sim_seed")) {
    r.fail(r.node("sim_seed"), "sim_seed", "only engine sim takes a simulator seed");
  }

  if (auto st = r.table("sampling")) {
    TomlReader s(*st, file, r.key_path("sampling"));
    if (auto v = s.num("temperature")) {
      if (*v < 0 || *v > 2) s.fail(s.node("temperature"), "temperature", "must be between 0 and 2");
      m.temperature = *v;
    }
    if (auto v = s.num("top_p")) {
      if (*v <= 0 || *v > 1) s.fail(s.node("top_p"), "top_p", "must be in (0, 1]");
      m.top_p = *v;
    }
    if (auto v = s.integer("max_tokens")) {
      if (*v < 1) s.fail(s.node("max_tokens"), "max_tokens", "must be >= 1");
      m.max_tokens = static_cast<int>(*v);
    }
    if (auto v = s.boolean("send_seed")) m.send_seed = *v;
    s.finish();
  }
  if (auto tt = r.table("timeouts")) {
    TomlReader s(*tt, file, r.key_path("timeouts"));
    auto positive = [&](const char* key, double& dst) {
      if (auto v = s.num(key)) {
        if (*v <= 0) s.fail(s.node(key), key, "must be > 0 seconds");
        dst = *v;
      }
    };
    positive("connect_s", m.connect_timeout_s);
    positive("idle_s", m.idle_timeout_s);
    positive("total_s", m.total_timeout_s);
    if (auto v = s.num("check_s")) {
      if (*v < 0) s.fail(s.node("check_s"), "check_s", "must be >= 0 seconds (0 = no endpoint check)");
      m.check_timeout_s = *v;
    }
    s.finish();
  }
  if (auto rt = r.table("retry")) {
    TomlReader s(*rt, file, r.key_path("retry"));
    if (auto v = s.integer("max_attempts")) {
      if (*v < 1 || *v > 100) s.fail(s.node("max_attempts"), "max_attempts", "must be between 1 and 100");
      m.max_attempts = static_cast<int>(*v);
    }
    if (auto v = s.num("base_delay_s")) m.retry_base_s = *v;
    if (auto v = s.num("max_delay_s")) m.retry_max_s = *v;
    s.finish();
  }
  if (auto pt = r.table("pricing")) {
    TomlReader s(*pt, file, r.key_path("pricing"));
    auto price = [&](const char* key, double& dst) {
      if (auto v = s.num(key)) {
        if (*v < 0) s.fail(s.node(key), key, "a price cannot be negative");
        dst = *v;
      }
    };
    price("input", m.pricing.input);
    price("cached_input", m.pricing.cached_input);
    price("output", m.pricing.output);
    price("cache_write", m.pricing.cache_write);
    price("gpu_hour", m.pricing.gpu_hour);
    if (auto g = s.integer("gpus")) {
      if (*g < 1) s.fail(s.node("gpus"), "gpus", "must be >= 1");
      m.pricing.gpus = static_cast<int>(*g);
    }
    bool api = m.pricing.input >= 0 || m.pricing.output >= 0 || m.pricing.cached_input >= 0;
    bool gpu = m.pricing.gpu_hour >= 0 || m.pricing.gpus > 0;
    if (api && gpu) s.fail(pt, "", "set either input/output prices or gpu_hour/gpus, not both");
    if (api && (m.pricing.input < 0 || m.pricing.output < 0)) {
      s.fail(pt, "", "API pricing needs both input and output ($ per million tokens)");
    }
    if (gpu && (m.pricing.gpu_hour < 0 || m.pricing.gpus < 1)) s.fail(pt, "", "self-hosted pricing needs gpu_hour and gpus");
    if (api && m.pricing.cached_input < 0) m.pricing.cached_input = m.pricing.input;
    s.finish();
  }
  if (auto et = r.table("extra")) m.extra = toml_to_json(*et);
  if (m.engine == "openai") {
    if (auto why = check_dialect_extra(*parse_dialect(m.dialect), m.extra); !why.empty()) r.fail(r.node("extra"), "extra", why);
  }
  if (m.engine == "anthropic" && m.thinking_budget >= m.max_tokens) {
    r.fail(r.node("thinking_budget"), "thinking_budget", fmt::format("must be below sampling.max_tokens ({})", m.max_tokens));
  }
  if (auto lt = r.table("launch")) {
    if (m.engine != "openai") r.fail(lt, "launch", "only engine openai can be launched (engine sim starts its own simulator)");
    TomlReader s(*lt, file, r.key_path("launch"));
    LaunchConfig l;
    l.command = s.required(s.str_list("command"), "command");
    if (l.command.empty()) s.fail(s.node("command"), "command", "must name the program to run");
    l.health_url = s.required(s.str("health_url"), "health_url");
    if (auto v = s.num("startup_timeout_s")) {
      if (*v <= 0) s.fail(s.node("startup_timeout_s"), "startup_timeout_s", "must be > 0 seconds");
      l.startup_timeout_s = *v;
    }
    s.finish();
    m.launch = std::move(l);
  }
  r.finish();
  return m;
}

}  // namespace

nlohmann::json toml_to_json(const toml::node& node) {
  if (auto t = node.as_table()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : *t) j[std::string(k.str())] = toml_to_json(v);
    return j;
  }
  if (auto a = node.as_array()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : *a) j.push_back(toml_to_json(v));
    return j;
  }
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return i->get();
  if (auto f = node.as_floating_point()) return f->get();
  if (auto b = node.as_boolean()) return b->get();
  std::ostringstream os;
  if (auto d = node.as_date()) os << *d;
  if (auto t = node.as_time()) os << *t;
  if (auto dt = node.as_date_time()) os << *dt;
  return os.str();
}

nlohmann::json Config::resolved() const {
  nlohmann::json j;
  j["run"] = {{"id", run.id},     {"tag", run.tag},     {"seed", run.seed},
              {"n", run.n},       {"k", run.k},         {"suites", run.suites},
              {"limit", run.limit}, {"gpqa_csv", run.gpqa_csv}};
  j["models"] = nlohmann::json::array();
  for (const auto& m : models) {
    nlohmann::json mj = {{"name", m.name},
                         {"engine", m.engine},
                         {"base_url", m.base_url},
                         {"model_id", m.model_id},
                         {"api_key_env", m.api_key_env},
                         {"temperature", m.temperature},
                         {"top_p", m.top_p},
                         {"max_tokens", m.max_tokens},
                         {"send_seed", m.send_seed},
                         {"concurrency", m.concurrency},
                         {"timeouts", {{"connect_s", m.connect_timeout_s}, {"idle_s", m.idle_timeout_s}, {"total_s", m.total_timeout_s}}},
                         {"retry", {{"max_attempts", m.max_attempts}, {"base_delay_s", m.retry_base_s}, {"max_delay_s", m.retry_max_s}}},
                         {"pricing", m.pricing.to_json()},
                         {"extra", m.extra}};
    // Header values may carry credentials; keep only their names.
    nlohmann::json names = nlohmann::json::array();
    for (const auto& h : m.headers) names.push_back(h.substr(0, h.find(':')));
    mj["headers"] = names;
    if (m.engine == "sim") mj["sim_profiles"] = m.sim_profiles;
    // Only when set, so that the hashes of configs written before it stay the same.
    if (m.engine == "sim" && m.sim_seed != 0) mj["sim_seed"] = m.sim_seed;
    // Rate limits and budgets pace a run without changing its results, so they
    // stay out of the resolved config (and its hash): changing them resumes.
    if (m.engine == "openai" && m.dialect != "openai") mj["dialect"] = m.dialect;
    if (m.engine == "anthropic") mj["thinking_budget"] = m.thinking_budget;
    if (m.launch) {
      mj["launch"] = {{"command", m.launch->command},
                      {"health_url", m.launch->health_url},
                      {"startup_timeout_s", m.launch->startup_timeout_s}};
    }
    j["models"].push_back(mj);
  }
  return j;
}

Config parse_config(const std::string& text, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}: {}", path, e.source().begin.line, e.description()));
  }
  Config c;
  c.path = path;
  TomlReader r(root, path, "");
  auto run_t = r.table("run");
  if (!run_t) r.fail(nullptr, "run", "required table [run] is missing");
  {
    TomlReader rr(*run_t, path, "run");
    c.run.id = rr.str("id").value_or("");
    c.run.tag = rr.str("tag").value_or("");
    if (auto s = rr.integer("seed")) {
      if (*s < 0) rr.fail(rr.node("seed"), "seed", "must be >= 0");
      c.run.seed = static_cast<uint64_t>(*s);
    } else {
      rr.fail(nullptr, "seed", "required key is missing (a fixed seed makes runs reproducible)");
    }
    if (auto n = rr.integer("n")) {
      if (*n < 1 || *n > 4096) rr.fail(rr.node("n"), "n", "must be between 1 and 4096");
      c.run.n = static_cast<int>(*n);
    }
    if (auto k = rr.int_list("k")) {
      c.run.k.clear();
      for (auto v : *k) {
        if (v < 1 || v > c.run.n) rr.fail(rr.node("k"), "k", fmt::format("each k must be between 1 and n = {}", c.run.n));
        c.run.k.push_back(static_cast<int>(v));
      }
    }
    c.run.suites = rr.required(rr.str_list("suites"), "suites");
    if (c.run.suites.empty()) rr.fail(rr.node("suites"), "suites", "name at least one suite");
    c.run.db = rr.str("db").value_or(c.run.db);
    c.run.report_md = rr.str("report").value_or("");
    if (auto l = rr.integer("limit")) {
      if (*l < 0) rr.fail(rr.node("limit"), "limit", "must be >= 0");
      c.run.limit = static_cast<int>(*l);
    }
    c.run.gpqa_csv = resolve_relative(rr.str("gpqa_csv").value_or(""), path);
    if (auto b = rr.num("budget_usd")) {
      if (*b < 0) rr.fail(rr.node("budget_usd"), "budget_usd", "must be >= 0 (0 = no budget)");
      c.run.budget_usd = *b;
    }
    if (auto v = rr.integer("stop_after_errors")) {
      if (*v < 0) rr.fail(rr.node("stop_after_errors"), "stop_after_errors", "must be >= 0 (0 = never stop)");
      c.run.stop_after_errors = static_cast<int>(*v);
    }
    if (auto b = rr.integer("budget_tokens")) {
      if (*b < 0) rr.fail(rr.node("budget_tokens"), "budget_tokens", "must be >= 0 (0 = no budget)");
      c.run.budget_tokens = *b;
    }
    rr.finish();
  }
  auto models = r.node("models");
  if (!models) r.fail(nullptr, "models", "no [[models]] defined");
  if (!models->is_array_of_tables()) r.fail(models, "models", "expected [[models]] tables");
  std::set<std::string> names;
  int i = 0;
  for (const auto& mt : *models->as_array()) {
    ModelConfig m = read_model(*mt.as_table(), path, i);
    if (!names.insert(m.name).second) {
      throw ConfigError(fmt::format("{}:{}: models[{}].name: duplicate model name \"{}\"", path,
                                    mt.source().begin.line, i, m.name));
    }
    c.models.push_back(std::move(m));
    ++i;
  }
  r.finish();
  return c;
}

Config load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot read config file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

}  // namespace rigor
