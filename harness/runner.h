// The run scheduler: plans model x suite x problem x sample, skips what the
// store already holds, drives each model's engine concurrently, scores every
// completion and stores it the moment it finishes.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/config.h"
#include "harness/engine.h"
#include "harness/store.h"

namespace rigor {

struct RunOptions {
  std::vector<std::string> models;  // subset of model names; empty = all
  std::vector<std::string> suites;  // subset of suite names; empty = all in the config
  int n = 0;                        // > 0 overrides run.n
  std::string run_id;               // overrides run.id; "" = derived from the config
  bool resume = false;              // require that the run already exists
  bool progress = true;             // progress lines on stderr
  std::string exe;                  // rigor executable for `sim` children; "" = self
};

// Builds an engine for a model, given the base URL to talk to (for engine sim,
// the URL of the simulator rigor started). The default makes an OpenAIEngine.
using EngineFactory = std::function<std::unique_ptr<Engine>(const ModelConfig&, const std::string& base_url)>;

struct RunOutcome {
  std::string run_id;
  int planned = 0;        // samples in the plan (m x n per model and suite)
  int already_done = 0;   // found finished in the store and skipped
  int finished = 0;       // finished by this session
  int errors = 0;         // ended as errors in this session (retried on resume)
  bool cancelled = false; // stopped by SIGINT/SIGTERM or the cancel flag
  bool budget_spent = false;  // run.budget_usd / budget_tokens reached: stopped early, resumable
  std::string budget_note;    // "spent $x of the $y budget ..." when a budget is set
  double limit_wait_s = 0;    // seconds samples of this session waited on rate limits, all models
};

// Applies RunOptions to the config (filters, n, run id) and validates them.
// Throws ConfigError on a filter naming an unknown model or suite.
Config apply_run_options(Config cfg, const RunOptions& opts);

// The run id a config resolves to: run.id, or "<config stem>-<8 hex of the
// resolved config's hash>", so re-running the same command resumes.
std::string resolve_run_id(const Config& cfg);

// Runs (or resumes) the config's run. Throws ConfigError for bad suites or a
// run id that exists with a different config.
RunOutcome execute_run(const Config& cfg, const RunOptions& opts, Store& store,
                       const std::atomic<bool>* cancel = nullptr, EngineFactory factory = nullptr);

}  // namespace rigor
