#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/report_output.h"
#include "harness/config.h"
#include "store/run_lease.h"
#include "harness/runner.h"
#include "harness/work_queue.h"
#include "store/store.h"

namespace rigor {
namespace {

struct RunArgs {
  std::string config;
  std::string db;
  std::vector<std::string> models;
  std::vector<std::string> suites;
  int n = 0;
  std::string run_id;
  std::string tag;
  bool resume = false;
  bool quiet = false;
  bool allow_unisolated = false;
  bool worker = false;
  double lease_s = 30;
  bool status = false;
};

// A run's queue across all its workers: per model done / in flight /
// waiting, and who holds leases.
int status_command(Store& store, const std::string& run_id) {
  if (!store.get_run(run_id)) throw ConfigError(fmt::format("no run \"{}\" in {}", run_id, store.path()));
  const WorkStatus st = store.work_status(run_id);
  if (st.models.empty()) {
    fmt::print("run {}: no work queue (it was not run with --worker); rigor report shows what is stored\n", run_id);
    return kExitOk;
  }
  fmt::print("run {}\n{:<24} {:>8} {:>8} {:>9} {:>8} {:>8} {:>8} {:>7}\n", run_id, "model", "done", "in flight",
             "expired", "waiting", "failed", "total", "resent");
  for (const WorkCount& c : st.models) {
    fmt::print("{:<24} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7}\n", c.model, c.done, c.leased, c.expired, c.waiting,
               c.failed, c.total(), c.resent);
  }
  fmt::print("in flight: under a live lease; expired: its worker stopped heartbeating, claimable again; failed: "
             "stored as an error, retried when a worker next starts on the idle run; resent: done samples that were "
             "claimed more than once\n");
  if (st.workers.empty()) fmt::print("no workers registered\n");
  for (const WorkerRecord& w : st.workers) {
    const bool live = w.heartbeat_age_s < WorkerSeat::kStaleAfterS;
    fmt::print("worker {} (pid {} on {}, since {}): {} leased, heartbeat {:.1f} s ago{}\n", w.worker, w.pid, w.host,
               w.started_at, w.leased, w.heartbeat_age_s, live ? "" : " (gone: its leases expire and are re-claimed)");
  }
  return kExitOk;
}

int run_command(const RunArgs& a) {
  Config cfg = load_config(a.config);
  if (!a.tag.empty()) cfg.run.tag = a.tag;  // part of the resolved config, so of a derived run id
  RunOptions opts;
  opts.models = split_list(a.models);
  opts.suites = split_list(a.suites);
  opts.n = a.n;
  opts.run_id = a.run_id;
  opts.resume = a.resume;
  opts.progress = !a.quiet;
  // The code scorers read this when they build their sandbox executors.
  if (a.allow_unisolated) setenv("RIGOR_SANDBOX_ALLOW_UNISOLATED", "1", 1);
  cfg = apply_run_options(std::move(cfg), opts);
  std::string db = a.db.empty() ? cfg.run.db : a.db;
  if (a.status) {
    Store store(db, StoreMode::kReadOnly);
    return status_command(store, resolve_run_id(cfg));
  }
  opts.worker = a.worker;
  opts.lease_s = a.lease_s;
  Store store(db);

  const std::atomic<bool>* cancel = cancel_on_signals();

  RunOutcome out;
  try {
    out = execute_run(cfg, opts, store, cancel);
  } catch (const RunBusyError& e) {
    fmt::print(stderr, "rigor: {}\n", e.what());
    return kExitUnavailable;
  }
  fmt::print(stderr, "rigor: run {}: {} samples planned, {} {}, {} finished now, {} errors; db {}\n", out.run_id,
             out.planned, out.already_done, a.worker ? "stored by other sessions and workers" : "already stored",
             out.finished, out.errors, db);
  for (const auto& why : out.stopped) fmt::print(stderr, "rigor: {}\n", why);
  fmt::print(stderr, "{}", format_error_summary(out.error_groups));
  if (out.lease_lost) {
    fmt::print(stderr, "rigor: another rigor took this run over while this one was stalled for over {:.0f} s; "
                       "stopped starting samples\n", RunLease::kStaleAfterS);
  }
  if (out.cancelled) {
    fmt::print(stderr, "rigor: interrupted; finished samples are stored. Re-run the same command to resume.\n");
    return kExitInterrupted;
  }
  // The comparison table on the terminal, the Markdown report on disk.
  fmt::print("{}", render_runs(store, {out.run_id}, "table"));
  if (!cfg.run.report_md.empty()) write_output(render_runs(store, {out.run_id}, "md"), cfg.run.report_md, "report");
  if (out.unfinished() > 0) {
    fmt::print(stderr, "rigor: run {} is INCOMPLETE: {} of {} samples finished, {} not{}; exit {}\n", out.run_id,
               out.already_done + out.finished, out.planned, out.unfinished(),
               out.budget_spent ? " (budget reached)" : !out.stopped.empty() ? " (a model was stopped)" : "",
               kExitResultBad);
    return kExitResultBad;
  }
  return kExitOk;
}

}  // namespace

void add_run_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<RunArgs>();
  auto* c = app.add_subcommand("run", "Run (or resume) an evaluation: every model x suite x problem x sample.");
  c->footer(
      "Re-running the same command resumes the same run: finished samples are kept, errored ones retried.\n"
      "Each endpoint is checked first (its model list and one tiny request); a model whose last run.stop_after_errors\n"
      "samples failed for one cause is stopped. Exit 0 when every planned sample is stored, 1 when some are not\n"
      "(errors, budget, a stopped model), 5 when another rigor is running the same run, 130 when interrupted.\n"
      "A model with engine = \"sim\" makes rigor start its simulator on a free loopback port.\n"
      "\n"
      "Many workers on one run (PostgreSQL store): start the same command with --worker and --db postgresql://...\n"
      "on any number of machines (a Kubernetes Job's pods, a Slurm array). Each claims samples nobody else holds;\n"
      "a killed worker's samples are claimed by the others once its lease runs out (--lease). The endpoint's rpm,\n"
      "tpm and concurrency are split between the live workers. --status shows the run's queue across workers.");
  c->add_option("-c,--config", a->config, "run config (TOML)")->required()->check(CLI::ExistingFile);
  c->add_option("--db", a->db,
                "results store: a SQLite file or postgresql://user@host[:port]/dbname, password from PGPASSWORD or "
                "~/.pgpass (default: run.db from the config)");
  c->add_option("--models", a->models, "only these models (comma-separated names)");
  c->add_option("--suites", a->suites, "only these suites (comma-separated)");
  c->add_option("-n", a->n, "samples per problem (overrides run.n)")->check(CLI::Range(1, 4096));
  c->add_option("--run-id", a->run_id, "run id (default: run.id, else derived from the config)");
  c->add_option("--tag", a->tag, "label the run (overrides run.tag), e.g. nightly; see rigor gate and report --history");
  c->add_flag("--resume", a->resume, "require that the run already exists, and continue it");
  c->add_flag("-q,--quiet", a->quiet, "no progress lines");
  c->add_flag("--allow-unisolated", a->allow_unisolated,
              "run model code with rlimits only where namespaces are unavailable (reports say so)");
  c->add_flag("--worker", a->worker,
              "one of many workers on the run's shared queue (PostgreSQL --db): claim samples, never repeat a stored one");
  c->add_option("--lease", a->lease_s,
                "worker: seconds after a worker stops heartbeating before its samples go to others")
      ->check(CLI::Range(3.0, 3600.0))
      ->capture_default_str();
  c->add_flag("--status", a->status,
              "show the run's queue across all workers (done, in flight, waiting, who holds leases) and exit");
  c->callback([a, &action] { action = [a] { return run_command(*a); }; });
}

}  // namespace rigor
