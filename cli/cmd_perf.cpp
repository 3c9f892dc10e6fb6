// rigor perf: serving speed under load (issue 5). Starts the model's server
// when the config says so (engine sim, or [models.launch]), builds the
// request bodies (synthetic with target lengths, or a suite's prompts), runs
// each load level with the perf client, summarises, stores and prints.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <ctime>
#include <memory>
#include <random>

#include <fmt/format.h>

#include "cli/commands.h"
#include "harness/config.h"
#include "base/utc_time.h"
#include "harness/engine_factory.h"
#include "harness/launch_model.h"
#include "perf/perf_bodies.h"
#include "perf/perf_client.h"
#include "store/perf_store.h"
#include "store/store.h"
#include "harness/sim_process.h"
#include "reports/perf_report.h"
#include "rigor_version.h"
#include "suites/registry.h"

namespace rigor {
namespace {

std::atomic<bool> g_perf_cancel{false};
void on_perf_signal(int) { g_perf_cancel.store(true); }

struct PerfArgs {
  std::string config;
  std::string model;
  std::vector<std::string> concurrency;  // "1,4,16"
  std::vector<std::string> rate;         // "2,5"
  int requests = 200;                    // measured requests per level
  double duration_s = 0;
  int warmup = -1;                       // -1: the level's concurrency (closed) or 1 s of arrivals (open)
  int input_tokens = 128;
  int output_tokens = 256;
  std::string suite;
  std::string db;
  double slo_ttft_p99_s = -1;
  double slo_decode_p50_tps = -1;
  double slo_max_error_rate = 0;
  bool search = false;
  int max_concurrency = 1024;
  std::string format = "table";
};

std::vector<double> numbers(const std::vector<std::string>& items, const char* option) {
  std::vector<double> out;
  for (const auto& s : split_list(items)) {
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || !(v > 0)) throw ConfigError(fmt::format("{}: \"{}\" is not a positive number", option, s));
    out.push_back(v);
  }
  return out;
}

// Synthetic prompts: distinct leading words per body so no two share a
// cacheable prefix, then filler words up to the target.
std::vector<std::string> synthetic_prompts(int words, int count, uint64_t seed) {
  static const char* kWords[] = {"alpha", "river", "stone", "cloud", "maple", "orbit", "lantern", "quartz",
                                 "meadow", "signal", "harbor", "copper", "violet", "summit", "canyon", "ember"};
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    std::string p = fmt::format("Request {}:", i);
    for (int w = 0; w < words; ++w) {
      p += ' ';
      p += kWords[rng() % std::size(kWords)];
    }
    out.push_back(std::move(p));
  }
  return out;
}

struct Level {
  int concurrency = 0;
  double rate = 0;
};

// The location, once the results schema exists there: `rigor report --perf`
// opens the results store first, which a database only `rigor perf` has
// written would lack.
const std::string& results_schema(const std::string& location) {
  Store created(location);
  return location;
}

class PerfSession {
 public:
  PerfSession(const PerfArgs& a, const Config& cfg, const ModelConfig& m, std::string url, std::string api_key,
              std::vector<std::string> bodies)
      : a_(a), cfg_(cfg), m_(m), bodies_(std::move(bodies)), store_(results_schema(a.db.empty() ? cfg.run.db : a.db)) {
    client_.url = std::move(url);
    client_.api_key = std::move(api_key);
    client_.headers = m.headers;
    client_.connect_timeout_s = m.connect_timeout_s;
    client_.total_timeout_s = m.total_timeout_s;
    slo_.ttft_p99_s = a.slo_ttft_p99_s;
    slo_.decode_p50_tps = a.slo_decode_p50_tps;
    slo_.max_error_rate = a.slo_max_error_rate;
    // Milliseconds: runs started within the same second stay apart.
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count() % 1000;
    run_.id = fmt::format("perf-{}-{}{:03d}Z", m.name, utc_now("%Y%m%dT%H%M%S."), ms);
    run_.model = m.name;
    run_.model_id = m.model_id;
    run_.engine = m.engine;
    run_.mode = a.search ? "slo-search" : (!a.rate.empty() ? "rate" : "concurrency");
    run_.version = RIGOR_VERSION;
    run_.seed = cfg.run.seed;
    run_.started_at = utc_now();
    run_.config = cfg.resolved();
    run_.config["perf"] = {{"requests", a.requests},         {"duration_s", a.duration_s},
                           {"warmup", a.warmup},             {"input_tokens", a.input_tokens},
                           {"output_tokens", a.output_tokens}, {"suite", a.suite},
                           {"slo", {{"ttft_p99_s", a.slo_ttft_p99_s}, {"decode_p50_tps", a.slo_decode_p50_tps},
                                    {"max_error_rate", a.slo_max_error_rate}}}};
    store_.put_run(run_);
  }

  PerfLevelSummary run_level(Level l) {
    const int warmup = a_.warmup >= 0 ? a_.warmup
                       : l.concurrency > 0 ? l.concurrency
                                           : static_cast<int>(std::ceil(l.rate));
    PerfLoad load;
    load.concurrency = l.concurrency;
    load.rate = l.rate;
    load.requests = a_.requests + warmup;
    load.warmup = warmup;
    if (a_.duration_s > 0) {
      load.duration_s = a_.duration_s;
      load.requests = std::numeric_limits<int>::max() / 2;  // the duration ends the level
    }
    load.seed = cfg_.run.seed + static_cast<uint64_t>(levels_.size());
    fmt::print(stderr, "rigor perf: {} {} ...\n", m_.name,
               l.concurrency > 0 ? fmt::format("concurrency {}", l.concurrency) : fmt::format("rate {:g}/s", l.rate));
    auto records = run_load(client_, bodies_, load, &g_perf_cancel);
    PerfLevelSummary s = summarize_level(records, warmup, slo_, m_.pricing, l.concurrency, l.rate);
    PerfLevelRecord rec;
    rec.run_id = run_.id;
    rec.level = static_cast<int>(levels_.size());
    rec.concurrency = l.concurrency;
    rec.rate = l.rate;
    rec.warmup = warmup;
    rec.summary = perf_summary_json(s);
    store_.put_level(rec, records);
    levels_.push_back(std::move(rec));
    return s;
  }

  bool cancelled() const { return g_perf_cancel.load(); }
  const PerfRunRecord& run() const { return run_; }
  const std::vector<PerfLevelRecord>& levels() const { return levels_; }

 private:
  const PerfArgs& a_;
  const Config& cfg_;
  const ModelConfig& m_;
  std::vector<std::string> bodies_;
  PerfStore store_;
  PerfClientOptions client_;
  PerfSlo slo_;
  PerfRunRecord run_;
  std::vector<PerfLevelRecord> levels_;
};

// Highest load meeting the SLO: double until a level misses, then bisect
// (closed loop: integer concurrency; open loop: rate to 10%).
std::optional<Level> slo_search(PerfSession& s, const PerfArgs& a, Level start) {
  std::optional<Level> best;
  std::optional<Level> missed;
  for (Level l = start;; ) {
    const bool met = s.run_level(l).meets_slo;
    if (s.cancelled()) return best;
    if (!met) {
      missed = l;
      break;
    }
    best = l;
    if (l.concurrency > 0) {
      if (l.concurrency >= a.max_concurrency) return best;
      l.concurrency = std::min(a.max_concurrency, l.concurrency * 2);
    } else {
      l.rate *= 2;
    }
  }
  if (!best) return best;
  for (int step = 0; step < 4 && !s.cancelled(); ++step) {
    Level mid = *best;
    if (best->concurrency > 0) {
      if (missed->concurrency - best->concurrency <= 1) break;
      mid.concurrency = (best->concurrency + missed->concurrency) / 2;
    } else {
      if (missed->rate - best->rate <= 0.1 * best->rate) break;
      mid.rate = (best->rate + missed->rate) / 2;
    }
    if (s.run_level(mid).meets_slo) {
      best = mid;
    } else {
      missed = mid;
    }
  }
  return best;
}

int perf_command(const PerfArgs& a) {
  Config cfg = load_config(a.config);
  const ModelConfig* found = nullptr;
  for (const auto& m : cfg.models) {
    if (m.name == a.model) found = &m;
  }
  if (!found) throw ConfigError(fmt::format("{}: no model named \"{}\"", cfg.path, a.model));
  const ModelConfig& m = *found;
  if (m.engine != "openai" && m.engine != "sim") {
    throw ConfigError(fmt::format("{}: model {}: rigor perf speaks the OpenAI-compatible API only (engine {})",
                                  cfg.path, m.name, m.engine));
  }
  if (!a.concurrency.empty() && !a.rate.empty()) throw ConfigError("--concurrency and --rate exclude each other");
  if (a.search && !(a.slo_ttft_p99_s >= 0 || a.slo_decode_p50_tps >= 0)) {
    throw ConfigError("--search needs a limit: --slo-ttft-p99 and/or --slo-decode-p50");
  }
  std::vector<Level> levels;
  for (double c : numbers(a.concurrency, "--concurrency")) {
    if (c != std::floor(c)) throw ConfigError(fmt::format("--concurrency: {:g} is not a whole number", c));
    levels.push_back({static_cast<int>(c), 0});
  }
  for (double r : numbers(a.rate, "--rate")) levels.push_back({0, r});
  if (levels.empty()) levels.push_back({a.search ? 1 : m.concurrency, 0});
  if (a.search && levels.size() != 1) throw ConfigError("--search starts from one level: give one --concurrency or --rate");

  raise_open_files_limit();  // before a simulator or engine child inherits the limit
  std::unique_ptr<SimProcess> sim;
  std::unique_ptr<LaunchedEngine> engine;
  std::string base_url;
  if (m.engine == "sim") {
    try {
      sim = std::make_unique<SimProcess>(self_exe(), m.sim_profiles);
    } catch (const std::exception& e) {
      throw ConfigError(fmt::format("{}: model {}: {}", cfg.path, m.name, e.what()));
    }
    base_url = sim->base_url();
  } else {
    engine = launch_model_engine(m, cfg.path, &base_url);
  }
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();

  std::vector<std::string> prompts;
  int max_tokens = a.output_tokens;
  if (!a.suite.empty()) {
    Suite suite = load_suite(a.suite, SuiteOptions{cfg.run.gpqa_csv});
    for (size_t i = 0; i < suite.problems.size(); ++i) {
      prompts.push_back(make_prompt(suite, suite.problems[i], cfg.run.seed + i).user_message);
    }
    max_tokens = m.max_tokens;
  } else {
    prompts = synthetic_prompts(a.input_tokens, 64, cfg.run.seed);
  }
  const std::string url = base_url + "/chat/completions";
  const std::string key = api_key_for(m);
  if (a.suite.empty()) {
    // Calibrate the prompt length with the server's own token count.
    PerfClientOptions probe{url, key, m.headers, m.connect_timeout_s, m.total_timeout_s};
    PerfLoad one;
    one.concurrency = 1;
    one.requests = 1;
    auto r = run_load(probe, perf_request_bodies(m, {prompts[0]}, 1, cfg.run.seed), one);
    if (r.empty() || !r[0].ok) {
      throw ConfigError(fmt::format("{}: model {}: the calibration request failed: {}", cfg.path, m.name,
                                    r.empty() ? "cancelled" : r[0].error.message));
    }
    const int64_t got = r[0].completion.usage.prompt_tokens;
    if (got > 0 && got != a.input_tokens) {
      const int words = std::max(1, static_cast<int>(std::lround(a.input_tokens * a.input_tokens / double(got))));
      prompts = synthetic_prompts(words, 64, cfg.run.seed);
      fmt::print(stderr, "rigor perf: calibrated: {} words for {} input tokens (server counted {} for {})\n", words,
                 a.input_tokens, got, a.input_tokens);
    } else if (got < 0) {
      fmt::print(stderr, "rigor perf: the server reports no usage; input length is {} words, uncalibrated\n",
                 a.input_tokens);
    }
  }
  PerfSession session(a, cfg, m, url, key, perf_request_bodies(m, prompts, max_tokens, cfg.run.seed));
  g_perf_cancel.store(false);
  auto old_int = signal(SIGINT, on_perf_signal);
  auto old_term = signal(SIGTERM, on_perf_signal);
  std::optional<Level> best;
  if (a.search) {
    best = slo_search(session, a, levels[0]);
  } else {
    for (const Level& l : levels) {
      session.run_level(l);
      if (session.cancelled()) break;
    }
  }
  signal(SIGINT, old_int);
  signal(SIGTERM, old_term);

  if (a.format == "json") {
    nlohmann::json j = {{"run", session.run().id}, {"model", m.name}, {"levels", nlohmann::json::array()}};
    for (const auto& l : session.levels()) j["levels"].push_back(l.summary);
    if (a.search) j["slo_best"] = best ? nlohmann::json{{"concurrency", best->concurrency}, {"rate", best->rate}} : nlohmann::json();
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{}", render_perf_levels({session.run()}, {session.levels()}, a.format == "md"));
    if (a.search) {
      if (best) {
        fmt::print("highest load meeting the SLO: {}\n",
                   best->concurrency > 0 ? fmt::format("concurrency {}", best->concurrency)
                                         : fmt::format("{:g} requests/s", best->rate));
      } else {
        fmt::print("no load level met the SLO\n");
      }
    }
    fmt::print("stored as {} in {}\n", session.run().id, a.db.empty() ? cfg.run.db : a.db);
  }
  return session.cancelled() ? 130 : 0;
}

}  // namespace

void add_perf_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<PerfArgs>();
  auto* c = app.add_subcommand("perf", "Serving speed under load: TTFT, TTFAT, inter-chunk, TPOT, e2e, tok/s, goodput, $/M.");
  c->add_option("-c,--config", a->config, "Config file (TOML)")->required();
  c->add_option("--model", a->model, "Model name from the config")->required();
  c->add_option("--concurrency", a->concurrency, "Closed loop: requests in flight; a list sweeps (1,4,16,64)")->delimiter(',');
  c->add_option("--rate", a->rate, "Open loop: Poisson arrivals per second; a list sweeps")->delimiter(',');
  c->add_option("--requests", a->requests, "Measured requests per level, after warm-up (default 200)")->check(CLI::PositiveNumber);
  c->add_option("--duration", a->duration_s, "Seconds per level instead of a request count")->check(CLI::PositiveNumber);
  c->add_option("--warmup", a->warmup, "Requests excluded first (default: the concurrency, or 1 s of arrivals)")->check(CLI::NonNegativeNumber);
  c->add_option("--input-tokens", a->input_tokens, "Synthetic prompt length, calibrated with the server's usage (default 128)")->check(CLI::PositiveNumber);
  c->add_option("--output-tokens", a->output_tokens, "max_tokens of synthetic requests (default 256)")->check(CLI::PositiveNumber);
  c->add_option("--suite", a->suite, "Use a suite's prompts instead of synthetic ones");
  c->add_option("--db", a->db,
                "results store: a SQLite file or postgresql://user@host[:port]/dbname (default: run.db from the config)");
  c->add_option("--slo-ttft-p99", a->slo_ttft_p99_s, "SLO: p99 TTFT at most this many seconds");
  c->add_option("--slo-decode-p50", a->slo_decode_p50_tps, "SLO: p50 decode speed at least this many tokens/s");
  c->add_option("--slo-max-error-rate", a->slo_max_error_rate, "SLO: error rate at most this (default 0)");
  c->add_flag("--search", a->search, "Find the highest load meeting the SLO (doubling, then bisection)");
  c->add_option("--max-concurrency", a->max_concurrency, "Upper bound of --search in closed loop (default 1024)");
  c->add_option("--format", a->format, "table | md | json")->check(CLI::IsMember({"table", "md", "json"}));
  c->callback([a, &action] { action = [a] { return perf_command(*a); }; });
}

}  // namespace rigor
