// Many workers on one run through a real PostgreSQL store: the real rigor
// binary, each worker with its own simulator over loopback.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/store.h"
#include "tests/integration/report_accuracy.h"
#include "tests/integration/rigor_process.h"
#include "tests/pg_server.h"

namespace rigor {
namespace {

using testing::RigorProcess;
using testing::accuracy_of;
using testing::run_rigor;
using testing::slurp;
using testing::TempDir;

const std::string kSource = RIGOR_SOURCE_DIR;

// Two models, one behind the flaky gateway (429s, 500s, cut and stalled
// streams on first attempts): (20 + 20) problems x 4 samples each.
constexpr int kPlanned = 2 * (20 + 20) * 4;

void write_config(const TempDir& tmp, double time_scale) {
  std::ofstream(tmp / "profiles.toml") << slurp(kSource + "/configs/sim_profiles.toml") << "\n[profiles.slowish]\n"
                                       << "base = \"full\"\ntime_scale = " << time_scale << "\n";
  std::ofstream(tmp / "run.toml") << R"([run]
id = "shared"
seed = 11
n = 4
k = [1, 2, 4]
suites = ["aime24", "math500"]
limit = 20

[[models]]
name = "full"
engine = "sim"
model_id = "slowish"
sim_profiles = "profiles.toml"
concurrency = 8

[[models]]
name = "flaky"
engine = "sim"
model_id = "flaky"
sim_profiles = "profiles.toml"
concurrency = 8
retry = { base_delay_s = 0.05 }
)";
}

int finished_now(const std::string& err) {
  std::smatch m;
  static const std::regex re(R"(, ([0-9]+) finished now)");
  return std::regex_search(err, m, re) ? std::stoi(m[1].str()) : -1;
}

// What the sampling decided, per sample: everything but measured timings.
std::map<std::string, std::string> outcomes(Store& st, const std::string& run) {
  std::map<std::string, std::string> out;
  for (const SampleRecord& s : st.samples(run)) {
    nlohmann::json j = {{"status", s.status == SampleStatus::kOk ? "ok" : "error"},
                        {"seed", s.seed},
                        {"response", s.response},
                        {"reasoning", s.reasoning},
                        {"extracted", s.extracted},
                        {"correct", s.correct},
                        {"tokens", s.completion_tokens},
                        {"cost", s.cost_usd}};
    out[sample_key(s.model, s.suite, s.problem_id, s.sample_idx)] = j.dump();
  }
  return out;
}

// The same config run by one process into SQLite: what the workers must match.
void expect_same_as_single_process(const TempDir& tmp, const std::string& url) {
  auto single = run_rigor({"run", "-c", tmp / "run.toml", "--db", tmp / "single.db", "-q"}, tmp.path());
  ASSERT_EQ(single.code, 0) << single.err;
  Store pg(url, StoreMode::kReadOnly);
  Store lite(tmp / "single.db", StoreMode::kReadOnly);
  const auto a = outcomes(pg, "shared");
  const auto b = outcomes(lite, "shared");
  ASSERT_EQ(a.size(), b.size());
  int differ = 0;
  for (const auto& [key, v] : b) differ += a.at(key) != v;
  EXPECT_EQ(differ, 0);
  auto ra = run_rigor({"report", "--db", url, "--format", "json"}, tmp.path());
  auto rb = run_rigor({"report", "--db", tmp / "single.db", "--format", "json"}, tmp.path());
  ASSERT_EQ(ra.code, 0) << ra.err;
  ASSERT_EQ(rb.code, 0) << rb.err;
  EXPECT_EQ(accuracy_of(ra.out), accuracy_of(rb.out));
}

// Two workers on tmp/run.toml into `url`, each in a folder of its own, at once.
std::pair<testing::ProcResult, testing::ProcResult> two_workers(const TempDir& tmp, const std::string& url) {
  const std::vector<std::string> args = {"run", "-c", tmp / "run.toml", "--db", url, "--worker", "-q"};
  std::filesystem::create_directories(tmp / "w0");
  std::filesystem::create_directories(tmp / "w1");
  RigorProcess w0(args, tmp / "w0");
  RigorProcess w1(args, tmp / "w1");
  auto r0 = w0.wait();
  return {std::move(r0), w1.wait()};
}

TEST(Workers, TwoWorkersShareOneRunWithoutRepeatingASample) {
  std::string url;
  RIGOR_PG_DATABASE(url, "two");
  TempDir tmp;
  write_config(tmp, 0.01);
  const auto [r0, r1] = two_workers(tmp, url);
  ASSERT_EQ(r0.code, 0) << r0.err;
  ASSERT_EQ(r1.code, 0) << r1.err;
  // Both worked, and between them did every sample once.
  EXPECT_GT(finished_now(r0.err), 0) << r0.err;
  EXPECT_GT(finished_now(r1.err), 0) << r1.err;
  EXPECT_EQ(finished_now(r0.err) + finished_now(r1.err), kPlanned) << r0.err << r1.err;

  Store st(url, StoreMode::kReadOnly);
  const WorkStatus status = st.work_status("shared");
  int done = 0, resent = 0;
  for (const WorkCount& c : status.models) done += c.done, resent += c.resent;
  EXPECT_EQ(done, kPlanned);
  EXPECT_EQ(resent, 0) << "no worker died, so no sample was sent twice";
  EXPECT_TRUE(status.workers.empty()) << "finished workers leave the run";
  EXPECT_FALSE(st.get_run("shared")->finished_at.empty());
  expect_same_as_single_process(tmp, url);
}

TEST(Workers, FourWorkersOneKilledNineLoseNothingAndStoreEachSampleOnce) {
  std::string url;
  RIGOR_PG_DATABASE(url, "four");
  TempDir tmp;
  write_config(tmp, 0.05);
  const std::vector<std::string> args = {"run", "-c",     tmp / "run.toml", "--db", url,
                                         "--worker", "--lease", "3", "-q"};
  std::vector<std::unique_ptr<RigorProcess>> workers;
  for (int i = 0; i < 4; ++i) {
    std::filesystem::create_directories(tmp / ("w" + std::to_string(i)));
    workers.push_back(std::make_unique<RigorProcess>(args, tmp / ("w" + std::to_string(i))));
  }
  // Kill one once a quarter of the run is stored, with samples in flight.
  int stored = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline && stored < kPlanned / 4) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    try {
      Store st(url, StoreMode::kReadOnly);
      stored = static_cast<int>(st.finished_keys("shared").size());
    } catch (const std::exception&) {
    }
  }
  ASSERT_GE(stored, kPlanned / 4);
  ASSERT_LT(stored, kPlanned) << "the run finished before a worker could be killed";
  // Stopped first, so it claims nothing between the count and the kill.
  kill(workers[0]->pid(), SIGSTOP);
  int held_at_kill = 0;
  {
    Store st(url, StoreMode::kReadOnly);
    for (const WorkerRecord& w : st.work_status("shared").workers) {
      if (w.pid == workers[0]->pid()) held_at_kill = w.leased;
    }
  }
  workers[0]->kill_hard();
  EXPECT_EQ(workers[0]->wait().code, 128 + SIGKILL);
  int finished_by_survivors = 0;
  for (int i = 1; i < 4; ++i) {
    auto r = workers[i]->wait();
    ASSERT_EQ(r.code, 0) << r.err;
    finished_by_survivors += finished_now(r.err);
  }

  Store st(url, StoreMode::kReadOnly);
  auto samples = st.samples("shared");
  int ok = 0;
  for (const auto& s : samples) ok += s.status == SampleStatus::kOk;
  EXPECT_EQ(static_cast<int>(samples.size()), kPlanned);
  EXPECT_EQ(ok, kPlanned);
  const WorkStatus status = st.work_status("shared");
  int done = 0, resent = 0;
  for (const WorkCount& c : status.models) done += c.done, resent += c.resent;
  EXPECT_EQ(done, kPlanned);
  // Only what the dead worker held can have been sent twice.
  EXPECT_LE(resent, held_at_kill);
  std::cout << "[ figures  ] planned " << kPlanned << ", stored " << samples.size() << ", stored when killed "
            << stored << ", held by the killed worker " << held_at_kill << ", re-sent after the kill " << resent
            << ", finished by the 3 survivors " << finished_by_survivors << "\n";
  RecordProperty("resent", resent);
  expect_same_as_single_process(tmp, url);
}

// A run's budget is the run's, not each worker's: two workers stop together
// near it. Each re-reads what the run has stored at most once a second, so
// the spend can pass the budget by the samples in flight (one a worker) and
// by what the other stored within that second (about one a worker here: a
// sample takes ~0.7 s). Two workers each holding the whole budget would
// spend about twice it.
TEST(Workers, TwoWorkersShareTheRunsBudget) {
  std::string url;
  RIGOR_PG_DATABASE(url, "budget");
  TempDir tmp;
  std::ofstream(tmp / "profiles.toml") << slurp(kSource + "/configs/sim_profiles.toml")
                                       << "\n[profiles.paced]\nbase = \"full\"\ntime_scale = 0.05\n";
  constexpr double kBudget = 0.02;
  std::ofstream(tmp / "run.toml") << R"([run]
id = "budgeted"
seed = 11
n = 2
suites = ["aime24"]
budget_usd = 0.02

[[models]]
name = "paced"
engine = "sim"
model_id = "paced"
sim_profiles = "profiles.toml"
concurrency = 2
[models.pricing]
input = 0.55
output = 2.19
)";
  const auto [r0, r1] = two_workers(tmp, url);
  EXPECT_EQ(r0.code, 1) << "a budget-stopped run is unfinished: " << r0.err;
  EXPECT_EQ(r1.code, 1) << r1.err;
  EXPECT_GT(finished_now(r0.err), 0) << r0.err;
  EXPECT_GT(finished_now(r1.err), 0) << r1.err;

  Store st(url, StoreMode::kReadOnly);
  const auto samples = st.samples("budgeted");
  double spent = 0, most = 0;
  for (const SampleRecord& s : samples) spent += s.cost_usd, most = std::max(most, s.cost_usd);
  const RunSpend stored = st.run_spend("budgeted");
  EXPECT_NEAR(stored.usd, spent, 1e-12);
  std::cout << "[ figures  ] budget $" << kBudget << ", spent $" << spent << " in " << samples.size()
            << " of 60 samples, the dearest $" << most << "\n";
  EXPECT_LT(samples.size(), 60u) << "the budget stopped nothing";
  EXPECT_GE(spent, kBudget);
  EXPECT_LE(spent, kBudget + 4 * most);
}

TEST(Workers, WorkerOnASqliteFileIsRefusedWithTheReason) {
  TempDir tmp;
  write_config(tmp, 1);
  auto r = run_rigor({"run", "-c", tmp / "run.toml", "--db", tmp / "x.db", "--worker"}, tmp.path());
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--worker needs a PostgreSQL store"), std::string::npos) << r.err;
}

TEST(Workers, SingleProcessRunIsRefusedWhileWorkersAreLive) {
  std::string url;
  RIGOR_PG_DATABASE(url, "busy");
  TempDir tmp;
  write_config(tmp, 0.2);
  RigorProcess w(std::vector<std::string>{"run", "-c", tmp / "run.toml", "--db", url, "--worker", "-q"}, tmp.path());
  // Wait for the worker to register.
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    try {
      Store st(url, StoreMode::kReadOnly);
      if (!st.work_status("shared").workers.empty()) break;
    } catch (const std::exception&) {
    }
  }
  std::filesystem::create_directories(tmp / "solo");
  auto solo = run_rigor({"run", "-c", tmp / "run.toml", "--db", url, "-q"}, tmp / "solo");
  EXPECT_EQ(solo.code, 5) << solo.err;
  EXPECT_NE(solo.err.find("live worker"), std::string::npos) << solo.err;
  auto status = run_rigor({"run", "-c", tmp / "run.toml", "--db", url, "--status"}, tmp / "solo");
  EXPECT_EQ(status.code, 0) << status.err;
  EXPECT_NE(status.out.find("in flight"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("leased, heartbeat"), std::string::npos) << status.out;
  w.kill_hard();
  w.wait();
}

}  // namespace
}  // namespace rigor
