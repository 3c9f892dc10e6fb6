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
#include "harness/engine_factory.h"
#include "harness/error_summary.h"
#include "store/store.h"

namespace rigor {

struct RunOptions {
  std::vector<std::string> models;  // subset of model names; empty = all
  std::vector<std::string> suites;  // subset of suite names; empty = all in the config
  int n = 0;                        // > 0 overrides run.n
  std::string run_id;               // overrides run.id; "" = derived from the config
  bool resume = false;              // require that the run already exists
  bool progress = true;             // progress lines on stderr
  std::string exe;                  // rigor executable for `sim` children; "" = self
  bool check_endpoints = true;      // check each endpoint (models list + a tiny request) before the run
  bool worker = false;              // one of many workers on the run's queue (PostgreSQL store)
  double lease_s = 30;              // worker: a dead worker's samples are claimed again after this long
};


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
  std::vector<ErrorGroup> error_groups;  // this session's errors by model and cause, largest first
  std::vector<std::string> stopped;      // "model: why" for each model not run to the end (dead endpoint)
  bool lease_lost = false;    // another process took the run over while this one was stalled
  int workers_seen = 0;       // worker: most workers alive at once that this one saw

  // Samples of the plan neither stored before nor finished now.
  int unfinished() const { return planned - already_done - finished; }
};

// Applies RunOptions to the config (filters, n, run id) and validates them.
// Throws ConfigError on a filter naming an unknown model or suite, or an -n
// below a pass@k the config asks for.
Config apply_run_options(Config cfg, const RunOptions& opts);

// The run id a config resolves to: run.id, or "<config stem>-<8 hex of the
// resolved config's hash>", so re-running the same command resumes.
std::string resolve_run_id(const Config& cfg);

// Runs (or resumes) the config's run. Throws ConfigError for bad suites or a
// run id that exists with a different config, RunBusyError (run_lease.h)
// when another live process is running it. A model whose endpoint fails its
// check, or whose last run.stop_after_errors samples failed for one cause, is
// stopped (RunOutcome::stopped) and the others go on.
// With opts.worker the store's work queue is used: any number of processes
// run this on one run, each claiming samples the others do not hold, and
// `already_done` counts what the other workers stored.
RunOutcome execute_run(const Config& cfg, const RunOptions& opts, Store& store,
                       const std::atomic<bool>* cancel = nullptr, EngineFactory factory = nullptr);

}  // namespace rigor
