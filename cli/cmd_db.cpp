// rigor db copy: moves runs, perf runs and verifies between stores, SQLite and
// PostgreSQL either way, for a team that starts on a laptop and moves to a
// shared server (or takes a run home).
#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "harness/config.h"
#include "store/perf_store.h"
#include "store/store.h"

namespace rigor {
namespace {

struct CopyArgs {
  std::string from, to;
  std::vector<std::string> runs;  // empty: every run (accuracy and perf)
  bool with_verifies = true;
  bool with_perf = true;
};

// Samples per transaction: large enough to be quick, small enough that an
// interrupted copy keeps most of its work (a re-run completes it).
constexpr size_t kCopyBatch = 500;

// Copies perf runs (each level with every request, warm-up included).
// The run row goes first, as levels reference it; each level is one
// transaction of upserts, so a copy cut short is completed by copying again.
// Returns the requests copied.
size_t copy_perf_runs(PerfStore& from, PerfStore& to, const std::string& to_name,
                      const std::vector<PerfRunRecord>& runs) {
  std::map<std::string, PerfRunRecord> there;
  for (PerfRunRecord& r : to.runs()) there.emplace(r.id, std::move(r));
  size_t requests = 0;
  for (const PerfRunRecord& run : runs) {
    if (auto it = there.find(run.id); it == there.end()) {
      to.put_run(run);
    } else if (it->second.config != run.config || it->second.model != run.model || it->second.mode != run.mode ||
               it->second.started_at != run.started_at) {
      throw ConfigError(fmt::format("perf run {} exists in {} with a different configuration; not overwriting it",
                                    run.id, to_name));
    }
    size_t n = 0;
    for (const PerfLevelRecord& level : from.levels(run.id)) {
      const std::vector<PerfRecord> rs = from.requests(run.id, level.level);
      to.put_level(level, rs);
      n += rs.size();
    }
    requests += n;
    fmt::print(stderr, "rigor: copied perf run {} ({} requests)\n", run.id, n);
  }
  return requests;
}

int copy_command(const CopyArgs& a) {
  if (a.from == a.to) throw ConfigError(fmt::format("--from and --to are both {}", a.from));
  Store from(a.from, StoreMode::kReadOnly);
  std::optional<PerfStore> perf_from;
  if (a.with_perf || !a.runs.empty()) perf_from.emplace(a.from, StoreMode::kReadOnly);
  Store to(a.to);
  std::vector<RunRecord> runs;
  std::vector<PerfRunRecord> perf_runs;
  if (a.runs.empty()) {
    runs = from.list_runs();
    if (a.with_perf) perf_runs = perf_from->runs();
  } else {
    const std::vector<PerfRunRecord> all_perf = perf_from->runs();
    for (const std::string& id : split_list(a.runs)) {
      if (auto r = from.get_run(id)) {
        runs.push_back(*r);
        continue;
      }
      auto p = std::find_if(all_perf.begin(), all_perf.end(), [&](const auto& x) { return x.id == id; });
      if (p == all_perf.end()) throw ConfigError(fmt::format("--run {}: no such run or perf run in {}", id, a.from));
      perf_runs.push_back(*p);
    }
  }
  int copied = 0;
  size_t samples = 0;
  for (const RunRecord& run : runs) {
    if (auto there = to.get_run(run.id); there && there->config_hash != run.config_hash) {
      throw ConfigError(fmt::format("run {} exists in {} with a different configuration; not overwriting it",
                                    run.id, a.to));
    }
    // Run row last: a copy cut short is a run without its finish time yet,
    // and copying again fills it in (every write below is an upsert).
    RunRecord unfinished = run;
    unfinished.finished_at.clear();
    to.put_run(unfinished);
    for (const RunModelRecord& m : from.run_models(run.id)) to.put_run_model(m);
    const std::vector<SampleRecord> all = from.samples(run.id);
    for (size_t at = 0; at < all.size(); at += kCopyBatch) {
      to.put_samples({all.begin() + static_cast<std::ptrdiff_t>(at),
                      all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), at + kCopyBatch))});
    }
    to.put_run(run);
    samples += all.size();
    ++copied;
    fmt::print(stderr, "rigor: copied run {} ({} samples)\n", run.id, all.size());
  }
  size_t perf_requests = 0;
  if (!perf_runs.empty()) {
    PerfStore perf_to(a.to);
    perf_requests = copy_perf_runs(*perf_from, perf_to, a.to, perf_runs);
  }
  int verifies = 0;
  if (a.with_verifies && a.runs.empty()) {
    for (const VerifyRecord& v : from.list_verifies()) {
      for (const VerifyRequestRecord& r : from.verify_requests(v.id)) to.put_verify_request(r);
      to.put_verify(v);
      ++verifies;
    }
  }
  fmt::print(stderr, "rigor: {} runs ({} samples), {} perf runs ({} requests) and {} verifies copied from {} to {}\n",
             copied, samples, perf_runs.size(), perf_requests, verifies, a.from, a.to);
  return kExitOk;
}

}  // namespace

void add_db_command(CLI::App& app, Action& action) {
  auto* db = app.add_subcommand("db", "Move results between stores (SQLite files and PostgreSQL).");
  db->require_subcommand(1);
  auto a = std::make_shared<CopyArgs>();
  auto* c = db->add_subcommand("copy", "Copy runs (every sample), perf runs (every request) and verifies from one store "
                                       "to another.");
  c->footer(
      "Either side is a SQLite file or postgresql://user@host[:port]/dbname (password from PGPASSWORD or ~/.pgpass).\n"
      "Copying again is safe: rows are upserted, and a run that exists in the target with another configuration is\n"
      "refused. Reports from the copy are byte-identical to reports from the source, --perf included. Not copied: the\n"
      "work queue of --worker runs (its samples are copied; the queue is rebuilt by the next --worker).");
  c->add_option("--from", a->from, "source store (read only)")->required();
  c->add_option("--to", a->to, "target store (created or migrated as needed)")->required();
  c->add_option("--run", a->runs, "only these runs or perf runs (comma-separated ids); verifies are then not copied");
  c->add_flag("!--no-verifies", a->with_verifies, "do not copy verifies");
  c->add_flag("!--no-perf", a->with_perf, "do not copy perf runs");
  c->callback([a, &action] { action = [a] { return copy_command(*a); }; });
}

}  // namespace rigor
