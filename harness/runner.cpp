#include "harness/runner.h"

#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <filesystem>
#include <deque>
#include <map>
#include <unordered_map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_set>

#include <fmt/format.h>

#include "harness/budget.h"
#include "harness/endpoint_check.h"
#include "harness/engine_factory.h"
#include "harness/launch_model.h"
#include "harness/progress.h"
#include "harness/rate_limit.h"
#include "harness/work_queue.h"
#include "store/run_lease.h"
#include "harness/sim_process.h"
#include "base/utc_time.h"
#include "rigor_version.h"
#include "scorers/scorer.h"
#include "suites/registry.h"

namespace rigor {
namespace {

using Clock = std::chrono::steady_clock;

// One planned sample.
struct Task {
  const Suite* suite = nullptr;
  const Problem* problem = nullptr;
  int idx = 0;
  uint64_t seed = 0;
  PromptedSample prompt;
};

double decode_speed(const Completion& c) {
  if (c.usage.completion_tokens < 2 || c.last_token_s <= c.ttft_s || c.ttft_s < 0) return -1;
  return static_cast<double>(c.usage.completion_tokens - 1) / (c.last_token_s - c.ttft_s);
}

SampleRecord make_record(const std::string& run_id, const ModelConfig& m, const Task& t) {
  SampleRecord s;
  s.run_id = run_id;
  s.model = m.name;
  s.suite = t.suite->name;
  s.problem_id = t.problem->id;
  s.sample_idx = t.idx;
  s.seed = t.seed;
  s.prompt = t.prompt.user_message;
  s.gold = t.prompt.gold;
  if (!t.prompt.permutation.empty()) s.permutation = nlohmann::json(t.prompt.permutation).dump();
  return s;
}

void fill_completion(SampleRecord& s, const Completion& c, const Scorer& scorer, const Pricing& pricing) {
  s.status = SampleStatus::kOk;
  s.response = c.text;
  s.reasoning = c.reasoning;
  s.finish_reason = c.finish_reason;
  s.truncated = c.finish_reason == "length" || c.reasoning_unclosed;
  if (c.reasoning_unclosed) {
    // The model never left its reasoning: there is no answer part to score.
    s.extracted_ok = false;
    s.correct = false;
    s.score_reason = "unclosed <think>: the answer was never reached";
  } else {
    Verdict v = scorer.score(c.text, s.gold);
    s.extracted = v.extracted;
    s.extracted_ok = v.extracted_ok;
    s.correct = v.correct;
    s.score_reason = v.reason;
    if (v.error) {
      // Not judged (the sandbox failed): an error a resumed run retries, never a wrong answer.
      s.status = SampleStatus::kError;
      s.correct = false;
      s.error = "scorer: " + v.reason;
    }
  }
  s.prompt_tokens = c.usage.prompt_tokens;
  s.cached_tokens = c.usage.cached_tokens;
  s.cache_write_tokens = c.usage.cache_write_tokens;
  s.completion_tokens = c.usage.completion_tokens;
  s.reasoning_tokens = c.usage.reasoning_tokens;
  s.ttft_s = c.ttft_s;
  s.ttfat_s = c.ttfat_s;
  s.decode_tps = decode_speed(c);
  s.latency_s = c.total_s;
  s.cost_usd = cost_usd(pricing, c.usage);
  s.attempts = c.attempts;
  s.server_model = c.server_model;
  s.limit_wait_s = c.limit_wait_s;
}

// A finished request on its way to the scorer and the store.
struct Finished {
  size_t model = 0;
  const Task* task = nullptr;
  double sent_at_s = -1;
  CompletionResult result;
};

// One thread that takes finished requests in batches, hands each batch to
// `write` (score + one transaction) and returns to waiting. Group commit: a
// batch is what arrives within kGather of its first sample (or kMaxBatch
// samples, or the run's end), so every sample is committed within a few
// milliseconds of finishing, while thousands of completions per second cost
// a few hundred transactions, not one each. A kill -9 loses at most the
// samples of the last kGather; a resumed run redoes them (same seeds).
class SampleSink {
 public:
  explicit SampleSink(std::function<void(std::vector<Finished>&)> write)
      : write_(std::move(write)), thread_([this] {
          pthread_setname_np(pthread_self(), "rigor-sink");
          loop();
        }) {}
  ~SampleSink() { close(); }

  static constexpr auto kGather = std::chrono::milliseconds(5);
  static constexpr size_t kMaxBatch = 1024;

  void push(Finished f) {
    bool wake = false;
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(f));
      // The sink sleeps until a batch starts, then until it is due or full:
      // only those two moments need a wake-up (each is a syscall and a
      // cross-core signal, not worth paying per sample).
      wake = queue_.size() == 1 || queue_.size() == kMaxBatch;
    }
    if (wake) cv_.notify_one();
  }

  // Writes what is queued and stops the thread. Rethrows a write failure.
  void close() {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;
      closed_ = true;
    }
    cv_.notify_one();
    thread_.join();
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  void loop() {
    std::vector<Finished> batch;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return closed_ || !queue_.empty(); });
        if (queue_.empty()) return;
        cv_.wait_until(lock, std::chrono::steady_clock::now() + kGather,
                       [this] { return closed_ || queue_.size() >= kMaxBatch; });
        batch.swap(queue_);
      }
      try {
        if (!failure_) write_(batch);
      } catch (...) {
        failure_ = std::current_exception();  // a full disk, a locked db: reported by close()
      }
      batch.clear();
    }
  }

  std::function<void(std::vector<Finished>&)> write_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Finished> queue_;
  bool closed_ = false;
  std::exception_ptr failure_;
  std::thread thread_;
};

}  // namespace

Config apply_run_options(Config cfg, const RunOptions& opts) {
  if (!opts.models.empty()) {
    std::vector<ModelConfig> kept;
    for (const auto& name : opts.models) {
      auto it = std::find_if(cfg.models.begin(), cfg.models.end(), [&](const ModelConfig& m) { return m.name == name; });
      if (it == cfg.models.end()) {
        std::string known;
        for (const auto& m : cfg.models) known += (known.empty() ? "" : ", ") + m.name;
        throw ConfigError(fmt::format("--models: no model named \"{}\" in {} (models: {})", name, cfg.path, known));
      }
      kept.push_back(*it);
    }
    cfg.models = std::move(kept);
  }
  if (!opts.suites.empty()) {
    auto known = known_suite_names();
    for (const auto& s : opts.suites) {
      if (std::find(known.begin(), known.end(), s) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        throw ConfigError(fmt::format("--suites: unknown suite \"{}\" (known: {})", s, list));
      }
    }
    cfg.run.suites = opts.suites;
  }
  if (opts.n > 0) {
    cfg.run.n = opts.n;
    for (int v : cfg.run.k) {
      // Dropping pass@k silently would change what the report claims to measure.
      if (v > cfg.run.n) {
        throw ConfigError(fmt::format("-n {}: {} asks for pass@{} (run.k), which needs at least {} samples per "
                                      "problem; raise -n or lower run.k",
                                      opts.n, cfg.path, v, v));
      }
    }
  }
  if (!opts.run_id.empty()) cfg.run.id = opts.run_id;
  return cfg;
}

std::string resolve_run_id(const Config& cfg) {
  if (!cfg.run.id.empty()) return cfg.run.id;
  nlohmann::json j = cfg.resolved();
  j["run"].erase("id");
  std::string stem = std::filesystem::path(cfg.path).stem().string();
  return fmt::format("{}-{}", stem.empty() ? "run" : stem, sha256_hex(j.dump()).substr(0, 8));
}

namespace {

// Every suite of the run, loaded up front: a bad data file fails before any request.
std::vector<Suite> load_run_suites(const Config& cfg) {
  SuiteOptions sopts;
  sopts.gpqa_csv = cfg.run.gpqa_csv;
  std::vector<Suite> suites;
  for (const auto& name : cfg.run.suites) {
    try {
      suites.push_back(load_suite(name, sopts));
    } catch (const SuiteError& e) {
      throw ConfigError(fmt::format("{}: run.suites: {}", cfg.path, e.what()));
    }
    if (!make_scorer(suites.back().scorer)) {
      throw ConfigError(fmt::format("suite {} needs scorer \"{}\", which this build does not have", name,
                                    suites.back().scorer));
    }
    if (cfg.run.limit > 0 && static_cast<int>(suites.back().problems.size()) > cfg.run.limit) {
      suites.back().problems.resize(static_cast<size_t>(cfg.run.limit));
    }
  }

  return suites;
}

// Stores the run with its resolved configuration, or checks that the stored
// run has the same one (re-running the same command resumes it).
void record_run(const Config& cfg, const std::vector<Suite>& suites, const RunOptions& opts, Store& store,
                const std::string& run_id) {
  nlohmann::json resolved = cfg.resolved();
  resolved["run"]["id"] = run_id;
  resolved["suites"] = nlohmann::json::object();
  for (const auto& s : suites) {
    resolved["suites"][s.name] = {{"scorer", s.scorer},
                                  {"scorer_version", make_scorer(s.scorer)->version()},
                                  {"template", s.template_id},
                                  {"data_hash", s.data_hash},
                                  {"source", s.source},
                                  {"problems", s.problems.size()}};
  }
  std::string config_json = resolved.dump();
  std::string config_hash = sha256_hex(config_json);

  if (auto existing = store.get_run(run_id)) {
    if (existing->config_hash != config_hash) {
      throw ConfigError(fmt::format(
          "run \"{}\" already exists in {} with a different configuration; choose another --run-id "
          "(or re-run the exact same config to resume it)",
          run_id, store.path()));
    }
  } else if (opts.resume) {
    throw ConfigError(fmt::format("--resume: no run \"{}\" in {}", run_id, store.path()));
  } else {
    RunRecord r;
    r.id = run_id;
    r.config_json = config_json;
    r.config_hash = config_hash;
    r.version = RIGOR_VERSION;
    r.seed = cfg.run.seed;
    r.started_at = utc_now();
    r.tag = cfg.run.tag;
    store.put_run(r);
  }
}

// What is left to do, per model: the samples not yet stored, with their
// prompts built once per (suite, problem, sample).
struct Plan {
  std::vector<std::vector<Task>> tasks;
  std::vector<int> planned, stored;
  int already_done = 0;
  int total = 0;
};

// With include_done, tasks hold every planned sample (a worker may be
// handed any of them), and the counts still say what was stored.
Plan plan_samples(const Config& cfg, const std::vector<Suite>& suites, Store& store, const std::string& run_id,
                  bool include_done) {
  Plan plan;
  plan.tasks.resize(cfg.models.size());
  plan.planned.assign(cfg.models.size(), 0);
  plan.stored.assign(cfg.models.size(), 0);
  auto done_keys = store.finished_keys(run_id);
  std::unordered_set<std::string> done(done_keys.begin(), done_keys.end());

      for (size_t mi = 0; mi < cfg.models.size(); ++mi) {
    const auto& m = cfg.models[mi];
    for (const auto& s : suites) {
      for (const auto& p : s.problems) {
        for (int i = 0; i < cfg.run.n; ++i) {
          ++plan.planned[mi];
          if (done.count(sample_key(m.name, s.name, p.id, i))) {
            ++plan.already_done;
            ++plan.stored[mi];
            if (!include_done) continue;
          }
          Task t{&s, &p, i, sample_seed(cfg.run.seed, s.name, p.id, i), {}};
          t.prompt = make_prompt(s, p, t.seed);
          plan.tasks[mi].push_back(std::move(t));
        }
      }
    }
    plan.total += plan.planned[mi];
  }

  return plan;
}

// The cost guard's start: what earlier sessions spent, and (shown when
// there is a budget or progress output) an estimate of what is left and of
// how far the guard can overshoot.
RunSpend spent_and_estimate(const Config& cfg, const RunOptions& opts, Store& store, const std::string& run_id,
                         const Plan& plan) {
  const Budget budget{cfg.run.budget_usd, cfg.run.budget_tokens};
  RunSpend spent;
  std::map<std::string, std::vector<int64_t>> observed;
  for (const auto& s : store.samples(run_id)) {
    spent.add(s);
    if (s.status == SampleStatus::kOk && s.completion_tokens >= 0) observed[s.model].push_back(s.completion_tokens);
  }
  double total_usd = 0;
  int64_t total_tokens = 0;
  bool priced = true;
  for (size_t mi = 0; mi < cfg.models.size() && (budget.any() || opts.progress); ++mi) {
    if (plan.tasks[mi].empty()) continue;
    const auto& m = cfg.models[mi];
    int64_t chars = 0;
    for (const auto& t : plan.tasks[mi]) chars += static_cast<int64_t>(t.prompt.user_message.size());
    const SpendEstimate e = estimate_spend(m.pricing, static_cast<int>(plan.tasks[mi].size()), chars, m.max_tokens,
                                           observed[m.name]);
    total_tokens += e.input_tokens + e.output_tokens;
    priced = priced && e.usd >= 0;
    if (e.usd >= 0) total_usd += e.usd;
    if (opts.progress && (budget.any() || e.usd >= 0)) {
      fmt::print(stderr, "rigor: estimate for {}: {} samples, ~{} input + ~{} output tokens{} ({})\n", m.name,
                 e.samples, e.input_tokens, e.output_tokens, e.usd >= 0 ? fmt::format(", ~${:.4f}", e.usd) : "",
                 e.basis());
    }
  }
  if (budget.any() && opts.progress) {
    fmt::print(stderr, "rigor: budget {}{}; spent so far ${:.4f}, {} tokens; estimate for the rest {}~{} tokens\n",
               budget.usd > 0 ? fmt::format("${:.4f}", budget.usd) : "",
               budget.tokens > 0 ? fmt::format("{}{} tokens", budget.usd > 0 ? " and " : "", budget.tokens) : "",
               spent.usd, spent.tokens, priced ? fmt::format("~${:.4f}, ", total_usd) : "", total_tokens);
    fmt::print(stderr, "rigor: (input tokens estimated as prompt characters / 4; output as said per model)\n");
    // What the guard can overshoot by: it stops STARTING samples, and the
    // ones already in flight finish and are paid for.
    double worst_usd = 0;
    int64_t worst_tokens = 0;
    for (size_t mi = 0; mi < cfg.models.size(); ++mi) {
      if (plan.tasks[mi].empty()) continue;
      const auto& m = cfg.models[mi];
      int64_t longest_prompt = 0;
      for (const auto& t : plan.tasks[mi]) longest_prompt = std::max<int64_t>(longest_prompt, t.prompt.user_message.size() / 4 + 1);
      Usage u;
      u.prompt_tokens = longest_prompt;
      u.completion_tokens = m.max_tokens;
      const double one = cost_usd(m.pricing, u);
      if (one > 0) worst_usd += one * m.concurrency;
      worst_tokens += (longest_prompt + m.max_tokens) * m.concurrency;
    }
    fmt::print(stderr, "rigor: at the budget no new sample starts; the requests then in flight (at most each "
                       "model's concurrency) finish and count, so the spend can pass the budget by at most {}{} "
                       "tokens\n",
               worst_usd > 0 ? fmt::format("~${:.4f} / ", worst_usd) : "", worst_tokens);
  }
  return spent;
}

// A dollar budget counts per-token prices only: a self-hosted (gpu_hour) or
// unpriced model spends without the budget seeing it. With no model priced
// per token the budget could never stop the run: refused. With some, the
// others are named, once, even under -q.
void check_dollar_budget(const Config& cfg) {
  if (cfg.run.budget_usd <= 0) return;
  std::vector<std::string> unpriced;
  for (const auto& m : cfg.models) {
    if (!m.pricing.is_api()) {
      unpriced.push_back(fmt::format("{} ({})", m.name, m.pricing.is_self_hosted() ? "self-hosted" : "no pricing"));
    }
  }
  if (unpriced.empty()) return;
  if (unpriced.size() == cfg.models.size()) {
    throw ConfigError(fmt::format("{}: run.budget_usd: no model is priced per token ({}), so no spend would count "
                                  "against it; bound the run with run.budget_tokens",
                                  cfg.path, fmt::join(unpriced, ", ")));
  }
  fmt::print(stderr, "rigor: warning: run.budget_usd counts per-token prices only; not counted: {} (bound those "
                     "with run.budget_tokens)\n",
             fmt::join(unpriced, ", "));
}

// Where each model is served: its configured URL, an engine launched for it
// ([models.launch]) or one simulator per distinct profiles file and seed. Launched
// engines and simulators stop when this is destroyed.
struct Endpoints {
  std::map<std::string, std::unique_ptr<SimProcess>> sims;
  std::vector<std::unique_ptr<LaunchedEngine>> launched;
  std::vector<std::string> base_urls;  // per model; "" when nothing is needed
};

Endpoints start_endpoints(const Config& cfg, const RunOptions& opts, const Plan& plan) {
  Endpoints e;
  for (size_t li = 0; li < cfg.models.size(); ++li) {
    const auto& m = cfg.models[li];
    if (m.engine != "sim") {
      std::string url = m.base_url;
      if (m.launch && !plan.tasks[li].empty()) {
        e.launched.push_back(launch_model_engine(m, cfg.path, &url));
        if (opts.progress) fmt::print(stderr, "rigor: launched {} on {}\n", m.name, url);
      }
      e.base_urls.push_back(url);
      continue;
    }
    auto& sim = e.sims[fmt::format("{} --seed {}", m.sim_profiles, m.sim_seed)];
    bool needed = false;
    for (size_t mi = 0; mi < cfg.models.size(); ++mi) needed |= !plan.tasks[mi].empty();
    if (!sim && needed) {
      try {
        sim = std::make_unique<SimProcess>(opts.exe.empty() ? self_exe() : opts.exe, m.sim_profiles, 15, 1,
                                           cfg.run.gpqa_csv, m.sim_seed);
      } catch (const std::exception& e) {
        throw ConfigError(fmt::format("{}: model {}: {}", cfg.path, m.name, e.what()));
      }
      if (opts.progress) fmt::print(stderr, "rigor: simulator for {} on {}\n", m.sim_profiles, sim->base_url());
    }
    e.base_urls.push_back(sim ? sim->base_url() : "");
  }

  return e;
}

// Checks every endpoint that has work, all at once, before any sample. A
// model whose check fails gets its stop cause and runs nothing.
std::vector<std::optional<EndpointCheck>> check_endpoints_with_work(const Config& cfg, const RunOptions& opts,
                                                                    const Endpoints& endpoints, EngineFactory factory,
                                                                    Plan& plan, std::vector<std::string>& stop_cause) {
  const auto& base_urls = endpoints.base_urls;
  std::vector<std::optional<EndpointCheck>> checks(cfg.models.size());
  std::vector<std::thread> checkers;
  std::mutex check_mu;
  std::exception_ptr check_failure;
  for (size_t mi = 0; mi < cfg.models.size(); ++mi) {
    if (base_urls[mi].empty() || plan.tasks[mi].empty()) continue;
    checkers.emplace_back([&, mi] {
      try {
        if (opts.check_endpoints && cfg.models[mi].check_timeout_s > 0) {
          checks[mi] = check_endpoint(cfg.models[mi], base_urls[mi], factory);
        } else {
          checks[mi] = EndpointCheck{};
          checks[mi]->info = probe_server(cfg.models[mi], base_urls[mi]);
        }
      } catch (...) {
        std::lock_guard lock(check_mu);
        if (!check_failure) check_failure = std::current_exception();
      }
    });
  }
  for (auto& t : checkers) t.join();
  if (check_failure) std::rethrow_exception(check_failure);
  for (size_t mi = 0; mi < cfg.models.size(); ++mi) {
    if (!checks[mi] || checks[mi]->ok) continue;
    stop_cause[mi] = "endpoint check failed: " + checks[mi]->problem;
    fmt::print(stderr, "rigor: {}: endpoint check failed after {:.1f} s: {}\nrigor: {}: not running its {} samples\n",
               cfg.models[mi].name, checks[mi]->seconds, redact_secrets(checks[mi]->problem, ""),
               cfg.models[mi].name, plan.tasks[mi].size());
    plan.tasks[mi].clear();
  }
  return checks;
}

// One row per model: its engine, pricing and what its server said it is.
void record_run_models(const Config& cfg, Store& store, const std::string& run_id,
                       const std::vector<std::optional<EndpointCheck>>& checks) {
  for (size_t mi = 0; mi < cfg.models.size(); ++mi) {
    const auto& m = cfg.models[mi];
    RunModelRecord rm;
    rm.run_id = run_id;
    rm.model = m.name;
    rm.engine = m.engine;
    rm.model_id = m.model_id;
    rm.pricing_json = m.pricing.to_json().dump();
    rm.simulated = m.engine == "sim";
    if (checks[mi]) {
      rm.server_label = checks[mi]->info.label;
      rm.simulated = rm.simulated || checks[mi]->info.simulated;
    }
    if (rm.server_label.empty()) {
      // Keep what an earlier session learned.
      for (const auto& old : store.run_models(run_id)) {
        if (old.model == m.name) {
          rm.server_label = old.server_label;
          rm.simulated = rm.simulated || old.simulated;
        }
      }
    }
    store.put_run_model(rm);
  }

}

// A single-process run on a store whose queue has live workers would repeat
// their samples: refuse, naming them.
void refuse_while_workers_run(Store& store, const std::string& run_id) {
  std::vector<std::string> live;
  for (const WorkerRecord& w : store.work_status(run_id).workers) {
    if (w.heartbeat_age_s < WorkerSeat::kStaleAfterS) live.push_back(w.worker);
  }
  if (live.empty()) return;
  throw RunBusyError(fmt::format("run \"{}\" has {} live worker(s) on {} ({}); run this one with --worker to share "
                                 "the work, or wait for them to finish",
                                 run_id, live.size(), store.path(), fmt::join(live, ", ")));
}

// One session of a run: each model's engine on a thread of its own, every
// result scored and stored on the sink's thread as it arrives.
class RunSession {
 public:
  struct Context {
    const Config& cfg;
    const RunOptions& opts;
    Store& store;
    const std::string& run_id;
    const std::vector<Suite>& suites;
    Plan& plan;
    const Endpoints& endpoints;
    const EngineFactory& factory;
    bool custom_factory;  // a caller's factory (tests): used as given, also by workers
    const Budget& budget;
    BudgetGuard& guard;
    RunLease* lease;   // single process: the run's lease
    WorkerSeat* seat;  // worker: the seat on the run's queue
    Progress& progress;
    std::vector<std::string>& stop_cause;  // set: the model runs no (more) samples
    const std::atomic<bool>* cancel;
  };

  explicit RunSession(Context c);

  // Runs every model's remaining samples to the end (or the stop), with
  // everything finished committed. Rethrows an engine that could not be
  // built or a failed store write.
  void run();
  // This session's counts, errors, stops and rate-limit waits.
  void add_to(RunOutcome& out) const;

 private:
  void store_batch(std::vector<Finished>& batch);  // on the sink's thread
  void drive_model(size_t mi);                     // on the model's thread
  // Worker: whether the queue may still hand this model's samples out.
  bool queue_has_more(Store& claims, size_t mi);
  EngineJob job_for(const ModelConfig& m, const Task& t, uint64_t tag) const;

  Context c_;
  const Clock::time_point session_start_ = Clock::now();
  // Scoring and storing happen on the sink thread, never inside an engine's
  // transfer loop: a slow verification (symbolic math) or a database commit
  // must not delay other streams and distort their timings.
  std::vector<std::map<std::string, std::unique_ptr<Scorer>>> scorers_;
  size_t score_threads_ = 1;
  std::vector<int> finished_, errors_;  // written on the sink thread only
  // The keys, so that no error message can carry one into the store or the summary.
  std::vector<std::string> secrets_;
  ErrorTally tally_;                    // written on the sink thread only
  std::vector<double> limit_wait_;      // each written by its model's thread only
  void fail(std::exception_ptr e) {
    std::lock_guard lock(failure_mu_);
    if (!failure_) failure_ = e;
  }
  bool failed() {
    std::lock_guard lock(failure_mu_);
    return failure_ != nullptr;
  }
  std::mutex failure_mu_;
  std::exception_ptr failure_;
  SampleSink sink_;                     // last: its thread uses the members above
};

RunSession::RunSession(Context c)
    : c_(c),
      scorers_(c.cfg.models.size()),
      finished_(c.cfg.models.size(), 0),
      errors_(c.cfg.models.size(), 0),
      secrets_(c.cfg.models.size()),
      limit_wait_(c.cfg.models.size(), 0),
      sink_([this](std::vector<Finished>& batch) { store_batch(batch); }) {
  bool slow_scorers = false;
  for (auto& per_model : scorers_) {
    for (const auto& s : c_.suites) {
      per_model[s.name] = make_scorer(s.scorer);
      slow_scorers |= per_model[s.name]->slow();
    }
  }
  // Scorers that run programs in the sandbox (milliseconds each) score their
  // batches on several threads; the others take microseconds: one thread.
  score_threads_ = slow_scorers ? std::max(1u, std::thread::hardware_concurrency()) : 1;
  for (size_t mi = 0; mi < c_.cfg.models.size(); ++mi) {
    try {
      secrets_[mi] = api_key_for(c_.cfg.models[mi]);
    } catch (const ConfigError&) {
      // Unset: the model's engine fails to build and says so.
    }
  }
}

void RunSession::store_batch(std::vector<Finished>& batch) {
  std::vector<SampleRecord> records(batch.size());
  auto build = [&](size_t i) {
    const Finished& f = batch[i];
    const auto& m = c_.cfg.models[f.model];
    SampleRecord& s = records[i];
    s = make_record(c_.run_id, m, *f.task);
    s.started_s = f.sent_at_s;
    if (f.result) {
      fill_completion(s, *f.result, *scorers_[f.model][f.task->suite->name], m.pricing);
    } else {
      s.status = SampleStatus::kError;
      s.error = redact_secrets(fmt::format("{}: {}", to_string(f.result.error().code), f.result.error().message),
                               secrets_[f.model]);
      // What was really tried: a 401 is not retried, a timeout may be.
      s.attempts = f.result.error().attempts >= 0 ? f.result.error().attempts : m.max_attempts;
    }
  };
  const size_t workers = std::min(score_threads_, batch.size());
  if (workers <= 1) {
    for (size_t i = 0; i < batch.size(); ++i) build(i);
  } else {
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    for (size_t w = 0; w < workers; ++w) {
      pool.emplace_back([&] {
        pthread_setname_np(pthread_self(), "rigor-score");
        for (size_t i; (i = next.fetch_add(1)) < batch.size();) build(i);
      });
    }
    for (auto& t : pool) t.join();
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (records[i].status == SampleStatus::kOk) {
      ++finished_[batch[i].model];
    } else {
      ++errors_[batch[i].model];
      if (!batch[i].result) {
        tally_.add(c_.cfg.models[batch[i].model].name, batch[i].result.error(), secrets_[batch[i].model]);
      }
    }
  }
  if (c_.seat) {
    c_.store.complete_work(records, c_.seat->id());
  } else {
    c_.store.put_samples(records);
  }
  RunSpend stored;
  for (const SampleRecord& s : records) stored.add(s);
  c_.guard.committed(stored.usd, stored.tokens);
  for (size_t i = 0; i < batch.size(); ++i) {
    const Finished& f = batch[i];
    const bool ok = records[i].status == SampleStatus::kOk;
    c_.progress.record(f.model, ok, f.result ? f.result->usage.completion_tokens : 0,
                       f.result ? (ok ? "" : "sandbox") : to_string(f.result.error().code));
  }
}

EngineJob RunSession::job_for(const ModelConfig& m, const Task& t, uint64_t tag) const {
  EngineJob job;
  job.tag = tag;
  job.request.model = m.model_id;
  job.request.messages = {{"user", t.prompt.user_message}};
  job.request.temperature = m.temperature;
  job.request.top_p = m.top_p;
  job.request.max_tokens = m.max_tokens;
  if (m.send_seed) job.request.seed = t.seed;
  job.request.extra = m.extra;
  return job;
}

void RunSession::drive_model(size_t mi) {
  // Named for per-thread CPU accounting (top -H, e2e_run_bench).
  pthread_setname_np(pthread_self(), "rigor-engine");
  const auto& m = c_.cfg.models[mi];
  auto& tasks = c_.plan.tasks[mi];
  std::unique_ptr<Engine> engine;
  try {
    // A worker's engine takes its share of the endpoint's limits.
    engine = c_.seat && !c_.custom_factory ? make_engine_with_limiter(m, c_.endpoints.base_urls[mi], c_.seat->limiter(mi))
                                           : c_.factory(m, c_.endpoints.base_urls[mi]);
  } catch (...) {
    fail(std::current_exception());
    return;
  }
  if (c_.opts.check_endpoints && m.check_timeout_s > 0 && m.rpm > 0) {
    // The check's request took one slot of the provider's requests per
    // minute, outside this engine's pacer: start one paced interval later.
    std::this_thread::sleep_for(std::chrono::duration<double>(60.0 / (kPaceFraction * m.rpm)));
  }
  std::vector<double> sent_at(tasks.size(), -1);
  // Where the next task comes from: the plan in order, or the queue.
  size_t next = 0;
  std::unique_ptr<Store> claims;  // worker: a connection of its own, so no claim waits on the sink's commit
  std::unordered_map<std::string, size_t> index;
  std::deque<size_t> claimed;
  if (c_.seat) {
    try {
      claims = std::make_unique<Store>(c_.store.path());
    } catch (...) {
      fail(std::current_exception());
      return;
    }
    for (size_t i = 0; i < tasks.size(); ++i) {
      index[sample_key(m.name, tasks[i].suite->name, tasks[i].problem->id, tasks[i].idx)] = i;
    }
  }
  auto next_index = [&]() -> std::optional<size_t> {
    if (!c_.seat) return next < tasks.size() ? std::optional(next++) : std::nullopt;
    // A share of nothing (more workers than the endpoint's concurrency):
    // wait for one. The engine then has nothing in flight to delay.
    while (c_.seat->concurrency(mi) == 0 && !(c_.cancel && c_.cancel->load())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (claimed.empty()) {
      const int want = std::max(1, c_.seat->concurrency(mi));
      for (const WorkKey& k : claims->claim_work(c_.run_id, m.name, c_.seat->id(), want, c_.seat->lease_s())) {
        auto it = index.find(sample_key(k.model, k.suite, k.problem_id, k.sample_idx));
        if (it == index.end()) {
          throw std::runtime_error(fmt::format("the queue of run {} holds {}/{}/{} #{}, which this worker's config "
                                               "does not plan",
                                               c_.run_id, k.model, k.suite, k.problem_id, k.sample_idx));
        }
        claimed.push_back(it->second);
      }
      if (claimed.empty()) return std::nullopt;
    }
    const size_t i = claimed.front();
    claimed.pop_front();
    return i;
  };
  // Final failures in a row with one cause: at run.stop_after_errors the
  // model's endpoint is taken for broken and nothing new is started.
  int streak = 0;
  std::pair<ErrorCode, int> streak_cause{ErrorCode::kCancelled, 0};
  const auto started = Clock::now();
  // Workers share the run's budget: what the others stored counts too, read
  // at most once a second (a sample takes seconds; the query one round trip).
  Clock::time_point shared_at{};
  auto share_budget = [&] {
    if (!c_.seat || !c_.budget.any() || Clock::now() - shared_at < std::chrono::seconds(1)) return;
    shared_at = Clock::now();
    c_.guard.share([&] { return claims->run_spend(c_.run_id); });
  };
  auto pull = [&]() -> std::optional<EngineJob> {
    if (failed()) return std::nullopt;
    try {
      share_budget();
    } catch (...) {
      fail(std::current_exception());
      return std::nullopt;
    }
    // Samples in flight finish and are stored; nothing new starts.
    if (c_.budget.any() && c_.guard.exhausted()) return std::nullopt;
    if (!c_.stop_cause[mi].empty() || (c_.lease && c_.lease->lost())) return std::nullopt;
    std::optional<size_t> i;
    try {
      i = next_index();
    } catch (...) {
      fail(std::current_exception());  // a failed claim: the run stops and says why
    }
    if (!i) return std::nullopt;
    EngineJob job = job_for(m, tasks[*i], *i);
    sent_at[*i] = std::chrono::duration<double>(Clock::now() - session_start_).count();
    c_.progress.sent(mi);
    return job;
  };
  auto on_result = [&](uint64_t tag, CompletionResult r) {
    c_.progress.returned(mi);
    // A cancelled sample is not stored: a resumed run redoes it.
    if (!r && r.error().code == ErrorCode::kCancelled) return;
    if (r) {
      streak = 0;
    } else {
      const std::pair<ErrorCode, int> cause{r.error().code, r.error().http_status};
      streak = cause == streak_cause ? streak + 1 : 1;
      streak_cause = cause;
      if (c_.cfg.run.stop_after_errors > 0 && streak >= c_.cfg.run.stop_after_errors && c_.stop_cause[mi].empty()) {
        ErrorGroup g{m.name, cause.first, cause.second, streak, redact_secrets(r.error().message, secrets_[mi])};
        c_.stop_cause[mi] =
            fmt::format("stopped after {} samples in a row failed with {}: {}", streak, g.cause(), g.example);
        c_.progress.stopped(mi, g.cause());
      }
    }
    // Counted here, on the engine's thread, so the next pull already sees it.
    if (r) {
      limit_wait_[mi] += r->limit_wait_s;
      c_.guard.add(cost_usd(m.pricing, r->usage),
                   std::max<int64_t>(r->usage.prompt_tokens, 0) + std::max<int64_t>(r->usage.completion_tokens, 0));
    }
    sink_.push({mi, &tasks[tag], sent_at[tag], std::move(r)});
  };
  if (!c_.seat) {
    engine->run(pull, on_result, c_.cancel);
  } else {
    // Rounds: claim until the queue has nothing free, let the engine
    // finish what is in flight, then wait while other workers hold samples
    // that may yet come back (a killed worker's, when its lease runs out).
    while (true) {
      engine->run(pull, on_result, c_.cancel);
      if ((c_.cancel && c_.cancel->load()) || !c_.stop_cause[mi].empty() || failed() ||
          (c_.budget.any() && c_.guard.exhausted()) || !queue_has_more(*claims, mi)) {
        break;
      }
    }
  }
  c_.store.add_run_model_wall(c_.run_id, m.name, std::chrono::duration<double>(Clock::now() - started).count());
}

bool RunSession::queue_has_more(Store& claims, size_t mi) {
  const std::string& model = c_.cfg.models[mi].name;
  for (int waited = 0;; ++waited) {
    WorkCount left;
    try {
      for (const WorkCount& w : claims.work_status(c_.run_id).models) {
        if (w.model == model) left = w;
      }
    } catch (...) {
      fail(std::current_exception());
      return false;
    }
    if (left.waiting + left.expired > 0) return true;
    // Held by live leases, this worker's own among them until the sink
    // commits them: they may still come back.
    if (left.leased == 0) return false;
    if (waited == 10 && c_.opts.progress) {
      fmt::print(stderr, "rigor: {}: nothing left to claim; waiting on {} samples under live leases\n", model,
                 left.leased);
    }
    // Often at first (mostly this worker's own results about to be
    // committed), then at a pace that does not load the database.
    if (c_.cancel && c_.cancel->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(waited < 10 ? 20 : 250));
  }
}

void RunSession::run() {
  std::vector<std::thread> threads;
  for (size_t mi = 0; mi < c_.cfg.models.size(); ++mi) {
    if (!c_.plan.tasks[mi].empty()) threads.emplace_back([this, mi] { drive_model(mi); });
  }
  for (auto& t : threads) t.join();
  sink_.close();  // everything finished is committed before the run returns
  if (failure_) std::rethrow_exception(failure_);
}

void RunSession::add_to(RunOutcome& out) const {
  for (size_t mi = 0; mi < c_.cfg.models.size(); ++mi) {
    out.finished += finished_[mi];
    out.errors += errors_[mi];
    if (!c_.stop_cause[mi].empty()) out.stopped.push_back(c_.cfg.models[mi].name + ": " + c_.stop_cause[mi]);
    out.limit_wait_s += limit_wait_[mi];
    if (c_.opts.progress && limit_wait_[mi] > 0) {
      fmt::print(stderr,
                 "rigor: {} waited {:.1f} s on rate limits (client budgets and 429 backoff), not counted as latency\n",
                 c_.cfg.models[mi].name, limit_wait_[mi]);
    }
  }
  out.error_groups = tally_.groups();
}

}  // namespace

RunOutcome execute_run(const Config& cfg, const RunOptions& opts, Store& store, const std::atomic<bool>* cancel,
                       EngineFactory factory) {
  const bool custom_factory = factory != nullptr;
  if (!factory) factory = make_default_engine;
  RunOutcome out;
  out.run_id = resolve_run_id(cfg);
  if (opts.worker && !store.has_work_queue()) {
    throw ConfigError(fmt::format("--worker needs a PostgreSQL store (--db postgresql://user@host/dbname); {} is a "
                                  "SQLite file, which serves one rigor process per run",
                                  store.path()));
  }
  check_dollar_budget(cfg);  // before the run is recorded
  const std::vector<Suite> suites = load_run_suites(cfg);
  record_run(cfg, suites, opts, store, out.run_id);
  // Before anything is planned or sent: one process per run, or a seat
  // among the run's workers.
  std::optional<RunLease> lease;
  std::optional<WorkerSeat> seat;
  if (opts.worker) {
    seat.emplace(store, out.run_id, opts.lease_s, cfg);
  } else {
    if (store.has_work_queue()) refuse_while_workers_run(store, out.run_id);
    lease.emplace(store, out.run_id);
  }
  Plan plan = plan_samples(cfg, suites, store, out.run_id, opts.worker);
  if (seat) {
    std::vector<WorkKey> keys;
    for (size_t mi = 0; mi < cfg.models.size(); ++mi) {
      for (const Task& t : plan.tasks[mi]) keys.push_back({cfg.models[mi].name, t.suite->name, t.problem->id, t.idx});
    }
    store.plan_work(out.run_id, keys);
  }
  out.planned = plan.total;
  out.already_done = plan.already_done;
  const Budget budget{cfg.run.budget_usd, cfg.run.budget_tokens};
  const RunSpend spent = spent_and_estimate(cfg, opts, store, out.run_id, plan);
  BudgetGuard guard(budget, spent.usd, spent.tokens);
  const Endpoints endpoints = start_endpoints(cfg, opts, plan);
  std::vector<std::string> stop_cause(cfg.models.size());
  const auto checks = check_endpoints_with_work(cfg, opts, endpoints, factory, plan, stop_cause);
  record_run_models(cfg, store, out.run_id, checks);

  Progress progress(opts.progress);
  for (size_t mi = 0; mi < cfg.models.size(); ++mi) {
    progress.add_model(cfg.models[mi].name, plan.planned[mi], plan.stored[mi]);
    if (!stop_cause[mi].empty()) progress.stopped(mi, "endpoint check failed");
  }
  progress.start();
  {
    RunSession session({cfg, opts, store, out.run_id, suites, plan, endpoints, factory, custom_factory, budget, guard,
                        lease ? &*lease : nullptr, seat ? &*seat : nullptr, progress, stop_cause, cancel});
    try {
      session.run();
    } catch (...) {
      progress.stop();
      throw;
    }
    progress.stop();
    session.add_to(out);
  }
  out.lease_lost = lease && lease->lost();
  out.cancelled = cancel && cancel->load();
  if (seat) {
    // What every worker stored, not only this one.
    out.workers_seen = seat->live_workers();
    seat.reset();  // gives back what was claimed and never finished
    int done = 0;
    for (const WorkCount& w : store.work_status(out.run_id).models) done += w.done;
    out.already_done = std::max(0, done - out.finished);
  }
  if (budget.any()) {
    out.budget_note = guard.describe();
    out.budget_spent = guard.exhausted() && out.already_done + out.finished < out.planned;
    if (opts.progress) {
      fmt::print(stderr, "rigor: {}{}\n", out.budget_note,
                 out.budget_spent ? "; budget reached, run stopped early: raise run.budget_usd / run.budget_tokens "
                                    "and re-run the same command to resume"
                                  : "");
    }
  }
  if (!out.cancelled && out.already_done + out.finished == out.planned) store.finish_run(out.run_id, utc_now());
  return out;
}

}  // namespace rigor
